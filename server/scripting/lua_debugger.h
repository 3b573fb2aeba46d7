// LDB, the Lua debugger of Redis (SCRIPT DEBUG YES|SYNC, `redis-cli --ldb --eval`), as Redis
// 7.0 speaks it on the debugged client's socket:
//   - the server sends what it logged as an array of status lines ("* Stopped at 3, stop reason
//     = step over", "-> 3   local x = 1", "<redis> get k", "<reply> \"v\"", "<value> 1", ...);
//   - it reads the user's debugger commands (step, continue, list, print, break, eval, redis,
//     maxlen, trace, abort, help) as RESP arrays, answering each with such an array;
//   - "<endsession>" and then the EVAL's own reply end the session, and the connection closes.
// One session runs at a time in a process: a forked one runs in a child of its own (the server
// goes on; its changes die with the child), a sync one blocks the server and keeps its changes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

struct lua_State;
struct lua_Debug;

namespace sable {

class LuaDebugger {
 public:
  // What the hook must raise as the script's error, after the session says so.
  enum class Stop { kNone, kAbort, kProtocolError, kTimeoutGone };
  static const char* StopMessage(Stop stop);

  // Takes over the socket fd for a session debugging `source`; a script running past
  // time_limit_ms without stopping stops as if at a breakpoint.
  void Start(int fd, std::string_view source, int64_t time_limit_ms);
  // Logs <endsession>, sends what is pending and then the script's reply.
  void End(std::string_view reply);
  bool active() const { return active_; }
  // Stepping: the script's Redis calls, replies and errors are logged.
  bool stepping() const { return active_ && step_; }

  // What the script does, logged for the console.
  void LogCommand(const std::vector<std::string_view>& argv);
  void LogReply(std::string_view resp);
  void LogError(std::string_view text);
  void LogDebugCall(lua_State* L);  // redis.debug(...)
  void Breakpoint() { luabp_ = true; }

  // The Lua hook (line and count events) of the script under the debugger: stops where it
  // must and runs the console until a command resumes. May run Lua code (eval, redis); raises
  // nothing itself: the caller raises StopMessage(result) when it is not kNone.
  Stop OnHook(lua_State* L, lua_Debug* ar);

  // A Lua value as the console shows it: strings quoted with escapes, tables as {1; 2} or
  // {["k"]=v; [1]=2}, numbers as %g.
  static std::string Repr(lua_State* L, int idx, int depth = 0);
  // A RESP reply as the console shows it: "+OK", "v", 1, NULL, ["a","b"], {"k" => "v"}, ...
  static std::string ReplyToHuman(std::string_view resp);

 private:
  enum class Read { kOk, kClosed, kProtocolError };

  void Log(std::string line) { logs_.push_back(std::move(line)); }
  void LogWithMaxLen(std::string line);
  void SendLogs();
  bool WriteAll(std::string_view data);
  Read ReadCommand(std::vector<std::string>* argv);
  int ParseCommand(std::vector<std::string>* argv);
  Stop Repl(lua_State* L);

  std::string SourceLine(int line) const;
  void LogSourceLine(int line) { Log(SourceLine(line)); }
  void List(int around, int context);
  bool IsBreakpoint(int line) const;
  void Break(const std::vector<std::string>& argv);
  void MaxLen(const std::vector<std::string>& argv);
  void Trace(lua_State* L);
  void Print(lua_State* L, const std::string& name);
  void PrintAll(lua_State* L);
  void Eval(lua_State* L, const std::vector<std::string>& argv);
  void Redis(lua_State* L, const std::vector<std::string>& argv);
  void Help();

  bool active_ = false;
  bool gone_ = false;  // the client closed the connection (or stopped reading)
  bool step_ = false;
  bool luabp_ = false;
  bool in_repl_ = false;
  bool hint_sent_ = false;
  int fd_ = -1;
  int current_line_ = -1;
  size_t maxlen_ = 256;
  int64_t time_limit_ms_ = 5000;
  int64_t resumed_us_ = 0;
  std::vector<std::string> source_;
  std::vector<int> breakpoints_;
  std::vector<std::string> logs_;
  std::string rbuf_;
};

// The process's debugger: one session at a time, as in Redis.
LuaDebugger& Ldb();

}  // namespace sable

// Lua scripting (EVAL and friends) on Debian's Lua 5.1, the version Redis embeds. One
// interpreter per server, on the loop thread; past busy-reply-threshold a running script
// serves the other clients (they get BUSY).
// Scripts are cached by SHA1; redis.call runs commands through the server's own Call as a
// socketless client, so statistics, keyspace events and propagation are those of the commands
// (their effects reach the AOF and replicas wrapped in MULTI/EXEC, never the EVAL itself).
// A second engine, in functions mode, holds the libraries of FUNCTION LOAD (its own interpreter,
// as in Redis): their load-time code sees only redis.register_function, redis.log and the
// version fields; their functions run like scripts, with KEYS and ARGV as arguments.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct lua_State;

namespace sable {

class Client;
class CommandContext;
class OutputBuffer;
class Server;
struct CommandSpec;
struct RespValue;

class LuaEngine {
 public:
  enum class Mode { kEval, kFunctions };
  // Flags of a `#!lua flags=...` first line or of redis.register_function (Redis 7's script
  // flags).
  enum ScriptFlag : uint32_t {
    kShebang = 1,  // the script has one: not the compatibility mode of plain EVAL scripts
    kNoWrites = 2,
    kAllowOom = 4,
    kAllowStale = 8,
    kNoCluster = 16,
    kAllowCrossSlot = 32,
  };
  // The flag's bit (0 when unknown); names compare without case when ignore_case.
  static uint32_t FlagBit(std::string_view name, bool ignore_case);
  // The names of the flags set in `flags`, in Redis's order.
  static std::vector<std::string_view> FlagNames(uint32_t flags);

  // A function registered by a library's load-time code (functions mode).
  struct Function {
    std::string name;
    std::string description;
    bool has_description = false;
    uint32_t flags = 0;
    int ref = -2;  // the callback in the Lua registry (LUA_NOREF until registered)
  };

  explicit LuaEngine(Server* server, Mode mode = Mode::kEval);
  ~LuaEngine();
  LuaEngine(const LuaEngine&) = delete;
  LuaEngine& operator=(const LuaEngine&) = delete;

  // SCRIPT LOAD: compiles and caches body. Returns its SHA1 (lower-case hex), or "" with *err
  // set to the error reply (without the leading '-').
  std::string Load(std::string_view body, std::string* err);
  // SCRIPT EXISTS takes the digest as given (Redis compares it as stored: lower case).
  bool Exists(std::string_view sha) const { return scripts_.count(std::string(sha)) != 0; }
  // SCRIPT FLUSH: forgets every script and starts a fresh interpreter.
  void Flush();
  size_t script_count() const { return scripts_.size(); }
  // INFO memory: the interpreter's heap, and what the cached bodies take.
  size_t vm_memory() const;
  size_t scripts_memory() const;
  // EVAL, EVALSHA, EVAL_RO, EVALSHA_RO: argv[1] is the body (or digest), argv[2] numkeys.
  void Run(CommandContext& ctx, bool by_sha, bool read_only);
  // The forked debugging sessions (SCRIPT DEBUG YES): reaped when they end, killed at shutdown.
  void ReapDebugSessions();
  void KillDebugSessions();

  // Functions mode. Runs a library's code (what follows its shebang line) with only the load
  // API in reach; *out gets the functions it registered. False with *err set to the reply;
  // a run longer than timeout_ms (0: no limit) is stopped.
  bool RegisterLibrary(std::string_view body, int64_t timeout_ms, std::vector<Function>* out,
                       std::string* err);
  // Releases a registered callback.
  void Release(const Function& fn);
  // FCALL, FCALL_RO: argv[1] is the function's name, argv[2] numkeys.
  void Call(CommandContext& ctx, const Function& fn, bool read_only);

  // A run past busy-reply-threshold (Redis's busy script). BusyError is what other clients are
  // told meanwhile; KillCommand is SCRIPT KILL (eval) and FUNCTION KILL (!eval).
  std::string_view BusyError() const;
  static void KillCommand(CommandContext& ctx, bool eval);
  // FUNCTION STATS's running_script: the running function's name, its command, and how long
  // it has run. nullptr caller when nothing runs.
  const std::string& running_name() const { return running_name_; }
  const CommandContext* caller() const { return caller_; }
  int64_t running_ms() const;
  bool is_functions() const { return mode_ == Mode::kFunctions; }
  // The count hook of a run that may grow busy: serves other clients once past the threshold
  // and stops the run on SCRIPT KILL or a shutdown.
  void OnHook(lua_State* L);

  // Entry points of the redis.* library (C functions find the engine through an upvalue).
  int LuaCall(lua_State* L, bool raise);
  int LuaRegisterFunction(lua_State* L);
  int LuaSetResp(lua_State* L);
  int LuaSetRepl(lua_State* L);
  // math.random: Redis's 48-bit LCG (lrand48), one stream for the server's life as in Redis 7.
  int LuaRandom(lua_State* L);
  int LuaRandomSeed(lua_State* L);

 private:
  void Init();
  void Close();
  // redis.call's work: pushes the reply, or the error table and returns true.
  bool CallCommand(lua_State* L);
  // Compiles body into the registry under f_<sha>; false with *err on a syntax error.
  bool Compile(const std::string& sha, std::string_view body, std::string* err);
  void PushReply(lua_State* L, const RespValue& v);
  // Sends the value on top of the Lua stack as the script's reply.
  void SendResult(lua_State* L, CommandContext& ctx, int depth);
  uint32_t NextRandom();

  // The load API of functions mode: the tables load-time code sees.
  void InitLoadApi();
  // Makes the globals proxy read through the table in registry slot `ref`.
  void ViewGlobals(int ref);
  // Parses numkeys (argv[2]); false after sending the error (`bad` when not a number).
  static bool ParseNumKeys(CommandContext& ctx, std::string_view bad, size_t* numkeys);
  // Runs the compiled function at registry slot `ref`: a script (KEYS and ARGV globals) or a
  // function (keys and args as its two arguments). `name` is the sha or the function's name
  // that error replies cite.
  void Execute(CommandContext& ctx, int ref, uint32_t flags, const std::string& name,
               size_t numkeys, bool read_only, bool as_function);
  // redis.register_function's arguments; nullptr when read, else the error.
  const char* ReadRegistration(lua_State* L, Function* fn);

  Server* server_;
  Mode mode_;
  lua_State* L_ = nullptr;
  int globals_ref_ = -2;        // the real globals (what scripts see)
  int load_globals_ref_ = -2;   // functions mode: what load-time code sees
  int globals_index_ref_ = -2;  // the proxy's __index closure
  std::vector<Function>* loading_ = nullptr;  // functions registered by the load running now
  // The run in progress: started at start_us_; busy_ once past busy-reply-threshold; wrote_
  // after its first write command (then it cannot be killed); kill_ set by SCRIPT KILL.
  int64_t start_us_ = 0;
  bool busy_ = false;
  bool wrote_ = false;
  bool script_oom_ = false;  // over maxmemory when the script started
  bool kill_ = false;
  std::string running_name_;
  struct Script {
    std::string body;
    uint32_t flags = 0;
    int ref = 0;  // the compiled function in the Lua registry
  };
  // Parses the shebang line; false with *err (the reply) when it is not valid. *lua_body is the
  // body with that line emptied (its newline kept, so line numbers stay Redis's).
  static bool ParseShebang(std::string_view body, uint32_t* flags, std::string* lua_body,
                           std::string* err);
  // Refuses a run its flags forbid here (EVAL_RO of a writing script, a replica, cluster).
  bool CheckFlags(CommandContext& ctx, uint32_t flags, bool read_only);
  // In cluster mode, whether a redis.call may touch its keys here (*error when not).
  bool ClusterAllows(const CommandSpec* cmd, const std::vector<std::string_view>& argv,
                     std::string* error);

  // EVAL under SCRIPT DEBUG: a session of the Lua debugger, in a child or in the server.
  void RunDebugged(CommandContext& ctx, const Script& script, const std::string& sha,
                   size_t numkeys, bool read_only);

  std::unordered_map<std::string, Script> scripts_;  // by sha
  std::vector<int> debug_children_;  // pids of forked debugging sessions
  // The script running now.
  CommandContext* caller_ = nullptr;
  bool read_only_ = false;
  uint32_t flags_ = 0;
  int repl_targets_ = 3;  // redis.set_repl: where the next commands' effects go
  int slot_ = -1;  // the slot of the keys this script touched (cluster mode)
  bool resp3_ = false;
  std::unique_ptr<OutputBuffer> out_;
  std::unique_ptr<Client> client_;
  int gc_count_ = 0;
  uint64_t rand_state_ = 0x1234ABCD330Eull;  // lrand48's state before any seed
};

}  // namespace sable

#include "server/scripting/lua_debugger.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "server/util/clock.h"
#include "server/util/split_args.h"
#include "server/util/strings.h"

namespace sable {
namespace {

constexpr size_t kMaxBreakpoints = 64;
constexpr int kMaxArgs = 1024;
constexpr long kMaxArgLen = 1 << 20;
constexpr int kSendTimeoutMs = 5000;

// C's atoi: leading blanks, a sign, digits; anything else ends the number (0 if none).
long AtoI(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  bool neg = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  long v = 0;
  for (; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && v < 1000000000; ++i) {
    v = v * 10 + (s[i] - '0');
  }
  return neg ? -v : v;
}


// One RESP value from the front of p as the console shows it; false when p does not hold one
// (a type the console does not show ends the rendering, as in Redis).
bool Human(std::string_view* p, std::string* out, int depth) {
  if (p->empty() || depth > 64) return false;
  size_t eol = p->find("\r\n");
  if (eol == std::string_view::npos) return false;
  char type = (*p)[0];
  std::string_view line = p->substr(1, eol - 1);
  std::string_view whole = p->substr(0, eol);
  p->remove_prefix(eol + 2);
  auto elements = [&](long n, std::string_view open, std::string_view close, bool pairs) {
    out->append(open);
    for (long i = 0; i < n; ++i) {
      if (!Human(p, out, depth + 1)) return false;
      if (pairs) {
        out->append(" => ");
        if (!Human(p, out, depth + 1)) return false;
      }
      if (i != n - 1) out->push_back(',');
    }
    out->append(close);
    return true;
  };
  switch (type) {
    case ':':
      out->append(line);
      return true;
    case '+':
    case '-':
      AppendRepr(out, whole);
      return true;
    case '$': {
      long n = AtoI(line);
      if (n < 0) {
        out->append("NULL");
        return true;
      }
      if (p->size() < static_cast<size_t>(n) + 2) return false;
      AppendRepr(out, p->substr(0, static_cast<size_t>(n)));
      p->remove_prefix(static_cast<size_t>(n) + 2);
      return true;
    }
    case '*': {
      long n = AtoI(line);
      if (n < 0) {
        out->append("NULL");
        return true;
      }
      return elements(n, "[", "]", false);
    }
    case '~':
      return elements(AtoI(line), "~(", ")", false);
    case '%':
      return elements(AtoI(line), "{", "}", true);
    case '_':
      out->append("(null)");
      return true;
    case '#':
      out->append(line == "t" ? "#true" : "#false");
      return true;
    case ',':
      out->append("(double) ");
      out->append(line);
      return true;
    default:
      return false;
  }
}

const char* const kHelp[] = {
    "Redis Lua debugger help:",
    "[h]elp               Show this help.",
    "[s]tep               Run current line and stop again.",
    "[n]ext               Alias for step.",
    "[c]ontinue           Run till next breakpoint.",
    "[l]ist               List source code around current line.",
    "[l]ist [line]        List source code around [line].",
    "                     line = 0 means: current position.",
    "[l]ist [line] [ctx]  In this form [ctx] specifies how many lines",
    "                     to show before/after [line].",
    "[w]hole              List all source code. Alias for 'list 1 1000000'.",
    "[p]rint              Show all the local variables.",
    "[p]rint <var>        Show the value of the specified variable.",
    "                     Can also show global vars KEYS and ARGV.",
    "[b]reak              Show all breakpoints.",
    "[b]reak <line>       Add a breakpoint to the specified line.",
    "[b]reak -<line>      Remove breakpoint from the specified line.",
    "[b]reak 0            Remove all breakpoints.",
    "[t]race              Show a backtrace.",
    "[e]val <code>        Execute some Lua code (in a different callframe).",
    "[r]edis <cmd>        Execute a Redis command.",
    "[m]axlen [len]       Trim logged Redis replies and Lua var dumps to len.",
    "                     Specifying zero as <len> means unlimited.",
    "[a]bort              Stop the execution of the script. In sync",
    "                     mode dataset changes will be retained.",
    "",
    "Debugger functions you can call from Lua scripts:",
    "redis.debug()        Produce logs in the debugger console.",
    "redis.breakpoint()   Stop execution like if there was a breakpoint in the",
    "                     next line of code.",
};

bool IsUserScript(const lua_Debug& ar) {
  return ar.source != nullptr && std::strcmp(ar.source, "@user_script") == 0;
}

// The text of the error a pcall left on top of the stack: a message, or an {err=} table.
std::string ErrorOnTop(lua_State* L) {
  if (lua_istable(L, -1)) {
    lua_pushstring(L, "err");
    lua_rawget(L, -2);
    std::string msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "unknown error";
    lua_pop(L, 1);
    return msg;
  }
  const char* s = lua_tostring(L, -1);
  return s ? s : "unknown error";
}

}  // namespace

LuaDebugger& Ldb() {
  static LuaDebugger debugger;
  return debugger;
}

const char* LuaDebugger::StopMessage(Stop stop) {
  switch (stop) {
    case Stop::kAbort:
      return "ERR script aborted for user request";
    case Stop::kProtocolError:
      return "ERR protocol error";
    case Stop::kTimeoutGone:
      return "ERR timeout during Lua debugging with client closing connection";
    case Stop::kNone:
      break;
  }
  return "";
}

void LuaDebugger::Start(int fd, std::string_view source, int64_t time_limit_ms) {
  active_ = true;
  gone_ = false;
  step_ = true;  // the first line stops
  luabp_ = false;
  in_repl_ = false;
  hint_sent_ = false;
  fd_ = fd;
  current_line_ = -1;
  maxlen_ = 256;
  time_limit_ms_ = time_limit_ms > 0 ? time_limit_ms : 5000;
  resumed_us_ = MonoUs();
  source_.clear();
  for (size_t from = 0;;) {
    size_t nl = source.find('\n', from);
    source_.emplace_back(source.substr(from, nl == std::string_view::npos ? nl : nl - from));
    if (nl == std::string_view::npos) break;
    from = nl + 1;
  }
  // Trailing empty lines are not listed (Redis drops them too).
  while (!source_.empty() && source_.back().empty()) source_.pop_back();
  breakpoints_.clear();
  logs_.clear();
  rbuf_.clear();
}

void LuaDebugger::End(std::string_view reply) {
  Log("<endsession>");
  SendLogs();
  if (!gone_) WriteAll(reply);
  active_ = false;
  fd_ = -1;
  source_.clear();
  logs_.clear();
  rbuf_.clear();
}

void LuaDebugger::LogWithMaxLen(std::string line) {
  bool trimmed = false;
  if (maxlen_ != 0 && line.size() > maxlen_) {
    line.resize(maxlen_);
    line += " ...";
    trimmed = true;
  }
  Log(std::move(line));
  if (trimmed && !hint_sent_) {
    hint_sent_ = true;
    Log("<hint> The above reply was trimmed. Use 'maxlen 0' to disable trimming.");
  }
}

void LuaDebugger::LogCommand(const std::vector<std::string_view>& argv) {
  std::string line = "<redis>";
  for (size_t j = 0; j < argv.size(); ++j) {
    if (j == 10) {
      // Redis's count, one short of what is left.
      line += " ... (" + std::to_string(argv.size() - j - 1) + " more)";
      break;
    }
    line += ' ';
    line.append(argv[j]);
  }
  Log(std::move(line));
}

void LuaDebugger::LogReply(std::string_view resp) {
  LogWithMaxLen("<reply> " + ReplyToHuman(resp));
}

void LuaDebugger::LogError(std::string_view text) { Log("<error> " + std::string(text)); }

void LuaDebugger::LogDebugCall(lua_State* L) {
  std::string line = "<debug> line " + std::to_string(current_line_) + ": ";
  int argc = lua_gettop(L);
  for (int i = 1; i <= argc; ++i) {
    line += Repr(L, i);
    if (i != argc) line += ", ";
  }
  Log(std::move(line));
}

void LuaDebugger::SendLogs() {
  std::string out = "*" + std::to_string(logs_.size()) + "\r\n";
  for (std::string& line : logs_) {
    for (char& ch : line) {
      if (ch == '\r' || ch == '\n') ch = ' ';
    }
    out += '+';
    out += line;
    out += "\r\n";
  }
  logs_.clear();
  if (!gone_) WriteAll(out);
}

bool LuaDebugger::WriteAll(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd pfd{fd_, POLLOUT, 0};
      if (poll(&pfd, 1, kSendTimeoutMs) > 0 && !(pfd.revents & (POLLERR | POLLHUP))) continue;
    }
    gone_ = true;
    return false;
  }
  return true;
}

// One command from the front of rbuf_: 1 parsed, 0 incomplete, -1 not the protocol.
int LuaDebugger::ParseCommand(std::vector<std::string>* argv) {
  if (rbuf_.empty()) return 0;
  if (rbuf_[0] != '*') return -1;
  size_t pos = rbuf_.find("\r\n");
  if (pos == std::string::npos) return rbuf_.size() > 32 ? -1 : 0;
  long argc = AtoI(std::string_view(rbuf_).substr(1, pos - 1));
  if (argc <= 0 || argc > kMaxArgs) return -1;
  pos += 2;
  argv->clear();
  for (long i = 0; i < argc; ++i) {
    if (pos >= rbuf_.size()) return 0;
    if (rbuf_[pos] != '$') return -1;
    size_t eol = rbuf_.find("\r\n", pos);
    if (eol == std::string::npos) return rbuf_.size() - pos > 32 ? -1 : 0;
    long len = AtoI(std::string_view(rbuf_).substr(pos + 1, eol - pos - 1));
    if (len < 0 || len > kMaxArgLen) return -1;
    pos = eol + 2;
    if (rbuf_.size() < pos + static_cast<size_t>(len) + 2) return 0;
    argv->emplace_back(rbuf_, pos, static_cast<size_t>(len));
    pos += static_cast<size_t>(len) + 2;
  }
  rbuf_.erase(0, pos);
  return 1;
}

LuaDebugger::Read LuaDebugger::ReadCommand(std::vector<std::string>* argv) {
  for (;;) {
    int r = ParseCommand(argv);
    if (r > 0) return Read::kOk;
    if (r < 0) return Read::kProtocolError;
    char buf[16384];
    ssize_t n = recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
    if (n > 0) {
      rbuf_.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd pfd{fd_, POLLIN, 0};
      if (poll(&pfd, 1, -1) >= 0 || errno == EINTR) continue;
    }
    return Read::kClosed;
  }
}

LuaDebugger::Stop LuaDebugger::OnHook(lua_State* L, lua_Debug* ar) {
  if (!active_ || in_repl_) return Stop::kNone;
  lua_getinfo(L, "Sl", ar);
  if (!IsUserScript(*ar)) return Stop::kNone;
  current_line_ = ar->currentline;
  bool bp = IsBreakpoint(current_line_) || luabp_;
  bool timeout = false;
  if (ar->event == LUA_HOOKCOUNT && !step_ && !bp) {
    if ((MonoUs() - resumed_us_) / 1000 < time_limit_ms_) return Stop::kNone;
    timeout = true;
  } else if (!step_ && !bp) {
    return Stop::kNone;
  }
  const char* reason = "step over";
  if (bp) {
    reason = luabp_ ? "redis.breakpoint() called" : "break point";
  } else if (timeout) {
    reason = "timeout reached, infinite loop?";
  }
  step_ = false;
  luabp_ = false;
  Log("* Stopped at " + std::to_string(current_line_) + ", stop reason = " + reason);
  LogSourceLine(current_line_);
  SendLogs();
  Stop stop = Repl(L);
  resumed_us_ = MonoUs();
  if (stop == Stop::kTimeoutGone && !timeout) return Stop::kNone;
  return stop;
}

LuaDebugger::Stop LuaDebugger::Repl(lua_State* L) {
  if (gone_) return Stop::kTimeoutGone;
  in_repl_ = true;
  std::vector<std::string> argv;
  Stop result = Stop::kNone;
  for (;;) {
    Read r = ReadCommand(&argv);
    if (r == Read::kClosed) {
      // The script runs on to its end unattended; a later timeout stop ends it.
      gone_ = true;
      result = Stop::kTimeoutGone;
      break;
    }
    if (r == Read::kProtocolError) {
      result = Stop::kProtocolError;
      break;
    }
    const std::string& cmd = argv[0];
    auto is = [&cmd](const char* shortname, const char* name) {
      return EqualsNoCase(cmd, shortname) || EqualsNoCase(cmd, name);
    };
    if (is("s", "step") || is("n", "next")) {
      step_ = true;
      break;
    }
    if (is("c", "continue")) break;
    if (is("a", "abort")) {
      result = Stop::kAbort;
      break;
    }
    if (is("h", "help")) {
      Help();
    } else if (is("t", "trace")) {
      Trace(L);
    } else if (is("m", "maxlen")) {
      MaxLen(argv);
    } else if (is("b", "break")) {
      Break(argv);
    } else if (is("e", "eval")) {
      Eval(L, argv);
    } else if (argv.size() > 1 && is("r", "redis")) {
      Redis(L, argv);
    } else if (is("p", "print")) {
      if (argv.size() == 2) {
        Print(L, argv[1]);
      } else {
        PrintAll(L);
      }
    } else if (is("l", "list")) {
      int around = current_line_, context = 5;
      if (argv.size() > 1) {
        long num = AtoI(argv[1]);
        if (num > 0) around = static_cast<int>(num);
      }
      if (argv.size() > 2) context = static_cast<int>(AtoI(argv[2]));
      List(around, context);
    } else if (is("w", "whole")) {
      List(1, 1000000);
    } else {
      Log("<error> Unknown Redis Lua debugger command or wrong number of arguments.");
    }
    SendLogs();
  }
  in_repl_ = false;
  return result;
}

std::string LuaDebugger::SourceLine(int line) const {
  char prefix[32];
  std::snprintf(prefix, sizeof(prefix), "%s%s%-3d ", line == current_line_ ? "->" : "  ",
                IsBreakpoint(line) ? "#" : " ", line);
  size_t idx = static_cast<size_t>(line - 1);
  if (line < 1 || idx >= source_.size()) {
    return std::string(prefix) + "<out of range source code line>";
  }
  return std::string(prefix) + source_[idx];
}

void LuaDebugger::List(int around, int context) {
  for (int j = 1; j <= static_cast<int>(source_.size()); ++j) {
    if (around != 0 && std::abs(around - j) > context) continue;
    LogSourceLine(j);
  }
}

bool LuaDebugger::IsBreakpoint(int line) const {
  for (int bp : breakpoints_) {
    if (bp == line) return true;
  }
  return false;
}

void LuaDebugger::Break(const std::vector<std::string>& argv) {
  if (argv.size() == 1) {
    if (breakpoints_.empty()) {
      Log("No breakpoints set. Use 'b <line>' to add one.");
      return;
    }
    Log(std::to_string(breakpoints_.size()) + " breakpoints set:");
    for (int bp : breakpoints_) LogSourceLine(bp);
    return;
  }
  for (size_t j = 1; j < argv.size(); ++j) {
    long line = AtoI(argv[j]);
    if (line > 0) {
      if (line <= static_cast<long>(source_.size()) && !IsBreakpoint(static_cast<int>(line)) &&
          breakpoints_.size() < kMaxBreakpoints) {
        breakpoints_.push_back(static_cast<int>(line));
        List(static_cast<int>(line), 1);
      } else {
        Log("Wrong line number.");
      }
    } else if (line == 0) {
      breakpoints_.clear();
      Log("All breakpoints removed.");
    } else {
      auto it = std::find(breakpoints_.begin(), breakpoints_.end(), static_cast<int>(-line));
      if (it == breakpoints_.end()) {
        Log("No breakpoint in the specified line.");
      } else {
        breakpoints_.erase(it);
        Log("Breakpoint removed.");
      }
    }
  }
}

void LuaDebugger::MaxLen(const std::vector<std::string>& argv) {
  if (argv.size() == 2) {
    long v = AtoI(argv[1]);
    hint_sent_ = true;  // asked for: no hint needed any more
    if (v != 0 && v <= 60) v = 60;
    maxlen_ = static_cast<size_t>(v);
  }
  if (maxlen_ != 0) {
    Log("<value> replies are truncated at " + std::to_string(maxlen_) + " bytes.");
  } else {
    Log("<value> replies are unlimited.");
  }
}

void LuaDebugger::Trace(lua_State* L) {
  lua_Debug ar;
  int level = 0;
  while (lua_getstack(L, level, &ar) != 0) {
    lua_getinfo(L, "Snl", &ar);
    if (std::strstr(ar.short_src, "user_script") != nullptr) {
      Log(std::string(level == 0 ? "In" : "From") + " " + (ar.name ? ar.name : "top level") +
          ":");
      LogSourceLine(ar.currentline);
    }
    ++level;
  }
  if (level == 0) Log("<error> Can't retrieve Lua stack.");
}

void LuaDebugger::Print(lua_State* L, const std::string& name) {
  lua_Debug ar;
  for (int level = 0; lua_getstack(L, level, &ar) != 0; ++level) {
    const char* local;
    for (int i = 1; (local = lua_getlocal(L, &ar, i)) != nullptr; ++i) {
      bool match = name == local;
      if (match) LogWithMaxLen("<value> " + Repr(L, -1));
      lua_pop(L, 1);
      if (match) return;
    }
  }
  if (name == "ARGV" || name == "KEYS") {
    lua_getglobal(L, name.c_str());
    LogWithMaxLen("<value> " + Repr(L, -1));
    lua_pop(L, 1);
  } else {
    Log("No such variable.");
  }
}

void LuaDebugger::PrintAll(lua_State* L) {
  lua_Debug ar;
  int vars = 0;
  if (lua_getstack(L, 0, &ar) != 0) {
    const char* local;
    for (int i = 1; (local = lua_getlocal(L, &ar, i)) != nullptr; ++i) {
      if (std::strstr(local, "(*temporary)") == nullptr) {
        LogWithMaxLen("<value> " + std::string(local) + " = " + Repr(L, -1));
        ++vars;
      }
      lua_pop(L, 1);
    }
  }
  if (vars == 0) Log("No local variables in the current context.");
}

void LuaDebugger::Eval(lua_State* L, const std::vector<std::string>& argv) {
  lua_checkstack(L, 4);
  std::string code;
  for (size_t j = 1; j < argv.size(); ++j) {
    if (j > 1) code += ' ';
    code += argv[j];
  }
  // An expression first, so "e x" shows x; then the code as statements.
  std::string expr = "return " + code;
  if (luaL_loadbuffer(L, expr.data(), expr.size(), "@ldb_eval") != 0) {
    lua_pop(L, 1);
    if (luaL_loadbuffer(L, code.data(), code.size(), "@ldb_eval") != 0) {
      Log("<error> " + ErrorOnTop(L));
      lua_pop(L, 1);
      return;
    }
  }
  if (lua_pcall(L, 0, 1, 0) != 0) {
    Log("<error> " + ErrorOnTop(L));
  } else {
    LogWithMaxLen("<retval> " + Repr(L, -1));
  }
  lua_pop(L, 1);
}

void LuaDebugger::Redis(lua_State* L, const std::vector<std::string>& argv) {
  lua_checkstack(L, static_cast<int>(argv.size()) + 4);
  lua_getglobal(L, "redis");
  lua_getfield(L, -1, "call");  // through the read-only proxy: our own table, "call" exists
  for (size_t j = 1; j < argv.size(); ++j) lua_pushlstring(L, argv[j].data(), argv[j].size());
  step_ = true;  // so the call logs its command and reply
  lua_pcall(L, static_cast<int>(argv.size()) - 1, 1, 0);
  step_ = false;
  lua_pop(L, 2);
}

void LuaDebugger::Help() {
  for (const char* line : kHelp) Log(line);
}

std::string LuaDebugger::Repr(lua_State* L, int idx, int depth) {
  if (idx < 0) idx = lua_gettop(L) + idx + 1;
  std::string out;
  switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, idx, &len);
      AppendRepr(&out, std::string_view(s, len));
      return out;
    }
    case LUA_TBOOLEAN:
      return lua_toboolean(L, idx) ? "true" : "false";
    case LUA_TNUMBER: {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%g", static_cast<double>(lua_tonumber(L, idx)));
      return buf;
    }
    case LUA_TNIL:
      return "nil";
    case LUA_TTABLE: {
      // A table nested past any sane depth (or holding itself) is cut short.
      if (depth >= 16 || !lua_checkstack(L, 4)) return "{...}";
      std::string as_array, as_map;
      bool is_array = true;
      double expected = 1;
      lua_pushnil(L);
      while (lua_next(L, idx) != 0) {  // key at -2, value at -1
        if (lua_type(L, -2) == LUA_TNUMBER && lua_tonumber(L, -2) == expected) {
          ++expected;
        } else {
          is_array = false;
        }
        std::string value = Repr(L, -1, depth + 1);
        if (is_array) as_array += value + "; ";
        as_map += "[" + Repr(L, -2, depth + 1) + "]=" + value + "; ";
        lua_pop(L, 1);
      }
      std::string& body = is_array ? as_array : as_map;
      if (body.size() >= 2) body.resize(body.size() - 2);
      return "{" + body + "}";
    }
    default: {
      char buf[96];
      std::snprintf(buf, sizeof(buf), "\"%s@%p\"", lua_typename(L, lua_type(L, idx)),
                    lua_topointer(L, idx));
      return buf;
    }
  }
}

std::string LuaDebugger::ReplyToHuman(std::string_view resp) {
  std::string out;
  Human(&resp, &out, 0);
  return out;
}

}  // namespace sable

#include "server/scripting/lua_engine.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
int luaopen_cjson(lua_State* L);
int luaopen_bit(lua_State* L);
}

#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <vector>

#include "cluster/cluster.h"
#include "cluster/slot.h"
#include "server/core/context.h"
#include "server/core/server.h"
#include "server/repl/replica.h"
#include "server/resp/errors.h"
#include "server/net/connection.h"
#include "server/resp/output_buffer.h"
#include "server/resp/reply_parser.h"
#include "server/scripting/lua_debugger.h"
#include "server/scripting/lua_libs.h"
#include "server/util/clock.h"
#include "server/util/sha1.h"
#include "server/util/strings.h"
#include "server/util/version.h"

namespace sable {
namespace {

// Redis's LUA_GC_CYCLE_PERIOD: an incremental collector step of this size every this many runs.
constexpr int kGcCyclePeriod = 50;

std::string Sha1Hex(std::string_view s) {
  Sha1 h;
  h.Update(s.data(), s.size());
  auto digest = h.Final();
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

LuaEngine* EngineOf(lua_State* L) {
  return static_cast<LuaEngine*>(lua_touserdata(L, lua_upvalueindex(1)));
}

// Pushes {err = text} (the form redis.error_reply and failed calls take).
void PushErrorTable(lua_State* L, std::string_view text) {
  lua_newtable(L);
  lua_pushlstring(L, text.data(), text.size());
  lua_setfield(L, -2, "err");
}

// Raises {err = "ERR " .. msg}: errors of the redis library itself.
int RaiseError(lua_State* L, std::string_view msg) {
  PushErrorTable(L, "ERR " + std::string(msg));
  return lua_error(L);
}

int RedisCall(lua_State* L) { return EngineOf(L)->LuaCall(L, true); }
int RedisPCall(lua_State* L) { return EngineOf(L)->LuaCall(L, false); }
int RedisSetResp(lua_State* L) { return EngineOf(L)->LuaSetResp(L); }
int MathRandom(lua_State* L) { return EngineOf(L)->LuaRandom(L); }
int MathRandomSeed(lua_State* L) { return EngineOf(L)->LuaRandomSeed(L); }

int RedisSha1Hex(lua_State* L) {
  if (lua_gettop(L) != 1) return luaL_error(L, "wrong number of arguments");
  size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);
  std::string hex = Sha1Hex(std::string_view(s ? s : "", s ? len : 0));
  lua_pushlstring(L, hex.data(), hex.size());
  return 1;
}

// redis.error_reply("CODE msg") / redis.error_reply("msg"): {err = "CODE msg"}, ERR added when
// no code is given; a leading '-' and trailing CR/LF are dropped, as Redis does.
int RedisErrorReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING) {
    return RaiseError(L, "wrong number or type of arguments");
  }
  size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);
  std::string text(s, len);
  std::string code = "ERR", msg = text;
  if (!text.empty() && text[0] == '-') {
    size_t sp = text.find(' ');
    if (sp == std::string::npos) {
      msg = text.substr(1);
    } else {
      code = text.substr(1, sp - 1);
      msg = text.substr(sp + 1);
    }
  } else if (size_t sp = text.find(' '); sp != std::string::npos) {
    // "-" is added first in Redis, so "CODE msg" keeps its code too.
    code = text.substr(0, sp);
    msg = text.substr(sp + 1);
  } else {
    msg = text;
  }
  while (!msg.empty() && (msg.back() == '\r' || msg.back() == '\n')) msg.pop_back();
  PushErrorTable(L, code + " " + msg);
  return 1;
}

int RedisStatusReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, 1) != LUA_TSTRING) {
    return RaiseError(L, "wrong number or type of arguments");
  }
  lua_newtable(L);
  lua_pushvalue(L, 1);
  lua_setfield(L, -2, "ok");
  return 1;
}

int RedisLog(lua_State* L) {
  int argc = lua_gettop(L);
  if (argc < 2) return luaL_error(L, "redis.log() requires two arguments or more.");
  if (!lua_isnumber(L, 1)) return luaL_error(L, "First argument must be a number (log level).");
  int level = static_cast<int>(lua_tonumber(L, 1));
  if (level < 0 || level > 3) return luaL_error(L, "Invalid debug level.");
  std::string line;
  for (int i = 2; i <= argc; ++i) {
    size_t len = 0;
    const char* s = lua_tolstring(L, i, &len);
    if (s == nullptr) continue;
    if (!line.empty()) line += ' ';
    line.append(s, len);
  }
  switch (level) {
    case 0:
      spdlog::debug("{}", line);
      break;
    case 1:
    case 2:
      spdlog::info("{}", line);
      break;
    default:
      spdlog::warn("{}", line);
  }
  return 0;
}

int RedisSetRepl(lua_State* L) { return EngineOf(L)->LuaSetRepl(L); }

int RedisReplicateCommands(lua_State* L) {
  lua_pushboolean(L, 1);  // effects replication is the only mode, as in Redis 7
  return 1;
}

// redis.breakpoint(): true, and a stop at the next line, inside a debugging session.
int RedisBreakpoint(lua_State* L) {
  bool debugging = Ldb().active();
  if (debugging) Ldb().Breakpoint();
  lua_pushboolean(L, debugging ? 1 : 0);
  return 1;
}

// redis.debug(...): a "<debug>" line in the debugger console, nothing outside a session.
int RedisDebug(lua_State* L) {
  if (Ldb().active()) Ldb().LogDebugCall(L);
  return 0;
}

// The hook of a script under the debugger. Whatever the session held is freed before an
// error is raised here (longjmp skips destructors).
void LdbHook(lua_State* L, lua_Debug* ar) {
  LuaDebugger::Stop stop = Ldb().OnHook(L, ar);
  if (stop == LuaDebugger::Stop::kNone) return;
  PushErrorTable(L, LuaDebugger::StopMessage(stop));
  lua_error(L);
}

int RedisRegisterFunction(lua_State* L) { return EngineOf(L)->LuaRegisterFunction(L); }

// The deadline of the FUNCTION LOAD running now, checked every 100000 instructions; one load
// runs at a time, on the loop thread.
int64_t g_load_deadline_us = 0;

void LoadTimeoutHook(lua_State* L, lua_Debug*) {
  if (MonoUs() <= g_load_deadline_us) return;
  lua_sethook(L, LoadTimeoutHook, LUA_MASKLINE, 0);  // fires again if the code catches it
  PushErrorTable(L, "ERR FUNCTION LOAD timeout");
  lua_error(L);
}

// The engine whose run the count hook watches (one run at a time, on the loop thread).
LuaEngine* g_hooked = nullptr;

void BusyHook(lua_State* L, lua_Debug*) {
  if (g_hooked != nullptr) g_hooked->OnHook(L);
}

constexpr std::string_view kBusyEval =
    "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.";
constexpr std::string_view kBusyFunction =
    "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.";

// Names of the script flags, in the order Redis lists them.
constexpr std::pair<std::string_view, uint32_t> kFlagNames[] = {
    {"no-writes", LuaEngine::kNoWrites},
    {"allow-oom", LuaEngine::kAllowOom},
    {"allow-stale", LuaEngine::kAllowStale},
    {"no-cluster", LuaEngine::kNoCluster},
    {"allow-cross-slot-keys", LuaEngine::kAllowCrossSlot}};

// Function names as Redis checks them: [A-Za-z0-9_]+.
bool ValidFunctionName(std::string_view name) {
  if (name.empty()) return false;
  for (char ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_') return false;
  }
  return true;
}

// __index of the globals proxy: a missing global is an error when Lua code reads it.
int GlobalsIndex(lua_State* L) {
  lua_pushvalue(L, 2);
  lua_rawget(L, lua_upvalueindex(1));
  if (!lua_isnil(L, -1)) return 1;
  lua_Debug ar;
  if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "S", &ar) && std::string_view(ar.what) != "C") {
    lua_pushfstring(L, "Script attempted to access nonexistent global variable '%s'",
                    luaL_checkstring(L, 2));
    luaL_where(L, 1);
    lua_insert(L, -2);
    lua_concat(L, 2);
    return lua_error(L);
  }
  return 1;
}

int GlobalsNewIndex(lua_State* L) {
  luaL_where(L, 1);
  lua_pushstring(L, "Attempt to modify a readonly table");
  lua_concat(L, 2);
  return lua_error(L);
}

// The pcall message handler: {err, source, line}. A string error gets Redis's "ERR " code; the
// position is the Lua function's (the caller of redis.call or error, not the C function).
int ErrorHandler(lua_State* L) {
  if (!lua_istable(L, 1)) {
    const char* s = lua_tostring(L, 1);
    std::string msg = std::string("ERR ") + (s ? s : "unknown error");
    lua_settop(L, 0);
    PushErrorTable(L, msg);
  } else {
    lua_settop(L, 1);
  }
  lua_Debug ar;
  int level = 1;
  if (lua_getstack(L, level, &ar) && lua_getinfo(L, "Sl", &ar) &&
      std::string_view(ar.what) == "C") {
    ++level;
  }
  if (lua_getstack(L, level, &ar) && lua_getinfo(L, "Sl", &ar)) {
    lua_pushstring(L, "source");
    lua_pushstring(L, ar.source);
    lua_rawset(L, 1);
    lua_pushstring(L, "line");
    lua_pushinteger(L, ar.currentline);
    lua_rawset(L, 1);
  }
  return 1;
}

// With a proxy table below its __index (a table or function) on the stack: pops the __index
// and gives the proxy a metatable that reads through it and refuses every write.
void SetReadOnlyMetatable(lua_State* L, const char* metatable_message) {
  lua_newtable(L);
  lua_insert(L, -2);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, GlobalsNewIndex);
  lua_setfield(L, -2, "__newindex");
  lua_pushstring(L, metatable_message);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
}

void OpenLibrary(lua_State* L, lua_CFunction open, const char* name) {
  lua_pushcfunction(L, open);
  lua_pushstring(L, name);
  lua_call(L, 1, 0);
}

void SetFunction(lua_State* L, LuaEngine* engine, const char* name, lua_CFunction fn) {
  lua_pushlightuserdata(L, engine);
  lua_pushcclosure(L, fn, 1);
  lua_setfield(L, -2, name);
}

// The number format of redis.call arguments: the shortest text that reads back the same.
std::string FormatNumber(lua_Number n) {
  char buf[64];
  if (std::isfinite(n) && n == std::floor(n) && std::fabs(n) < 1e17) {
    auto r = std::to_chars(buf, buf + sizeof(buf), static_cast<long long>(n));
    return std::string(buf, r.ptr);
  }
  auto r = std::to_chars(buf, buf + sizeof(buf), static_cast<double>(n));
  return std::string(buf, r.ptr);
}

// A number reply: truncated toward zero, as Redis's (long long) cast; a NaN or a value out of
// range gives what that cast gives on x86 (INT64_MIN) instead of undefined behaviour.
int64_t TruncateToInteger(lua_Number n) {
  if (!(n > -9223372036854775808.0 && n < 9223372036854775808.0)) {
    return std::numeric_limits<int64_t>::min();
  }
  return static_cast<int64_t>(n);
}

// Pushes t[name] of the table at idx without metamethods: the tables read outside a pcall (a
// script's result, its error) are the script's own, and may carry hostile metatables.
void RawField(lua_State* L, int idx, const char* name) {
  lua_pushvalue(L, idx);
  lua_pushstring(L, name);
  lua_rawget(L, -2);
  lua_remove(L, -2);
}

// The number of entries of the table on top of the stack (lua_next does not call metamethods).
size_t CountEntries(lua_State* L) {
  size_t n = 0;
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pop(L, 1);
    ++n;
  }
  return n;
}

// {verbatim_string={format=, string=}} on top of the stack as a verbatim reply, the format cut
// or padded with spaces to Redis's three characters. False if the table is not one.
bool SendVerbatimResult(lua_State* L, ReplyBuilder& rb) {
  RawField(L, -1, "verbatim_string");
  bool sent = false;
  if (lua_type(L, -1) == LUA_TTABLE) {
    RawField(L, -1, "format");
    RawField(L, -2, "string");
    if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TSTRING) {
      size_t len = 0;
      std::string format(lua_tostring(L, -2));
      format.resize(3, ' ');
      const char* text = lua_tolstring(L, -1, &len);
      rb.SendVerbatim(format, std::string_view(text, len));
      sent = true;
    }
    lua_pop(L, 2);
  }
  lua_pop(L, 1);
  return sent;
}

// The error on top of the stack after a failed pcall: the ErrorHandler's {err, source, line}
// table, or a plain message.
std::string ErrorText(lua_State* L, std::string* source, long long* line) {
  std::string msg = "ERR unknown error";
  if (lua_istable(L, -1)) {
    RawField(L, -1, "err");
    if (lua_isstring(L, -1)) msg = lua_tostring(L, -1);
    lua_pop(L, 1);
    RawField(L, -1, "source");
    if (lua_isstring(L, -1)) *source = lua_tostring(L, -1);
    lua_pop(L, 1);
    RawField(L, -1, "line");
    if (lua_isnumber(L, -1)) *line = static_cast<long long>(lua_tonumber(L, -1));
    lua_pop(L, 1);
  } else if (lua_isstring(L, -1)) {
    msg = lua_tostring(L, -1);
  }
  return msg;
}

}  // namespace

uint32_t LuaEngine::FlagBit(std::string_view name, bool ignore_case) {
  for (auto [n, bit] : kFlagNames) {
    if (ignore_case ? EqualsNoCase(n, name) : n == name) return bit;
  }
  return 0;
}

std::vector<std::string_view> LuaEngine::FlagNames(uint32_t flags) {
  std::vector<std::string_view> names;
  for (auto [n, bit] : kFlagNames) {
    if (flags & bit) names.push_back(n);
  }
  return names;
}

LuaEngine::LuaEngine(Server* server, Mode mode)
    : server_(server), mode_(mode), out_(std::make_unique<OutputBuffer>()) {
  client_ = std::make_unique<Client>(server, out_.get(), Client::kScriptClientId, WallMs());
  client_->authenticated = true;
  client_->name = "lua";
  Init();
}

LuaEngine::~LuaEngine() { Close(); }

void LuaEngine::Close() {
  if (L_ != nullptr) lua_close(L_);
  L_ = nullptr;
}

void LuaEngine::Init() {
  lua_State* L = luaL_newstate();
  L_ = L;
  OpenLibrary(L, luaopen_base, "");
  OpenLibrary(L, luaopen_table, LUA_TABLIBNAME);
  OpenLibrary(L, luaopen_string, LUA_STRLIBNAME);
  OpenLibrary(L, luaopen_math, LUA_MATHLIBNAME);
  lua_pushcfunction(L, luaopen_cjson);
  lua_call(L, 0, 1);
  lua_setglobal(L, "cjson");
  lua_pushcfunction(L, luaopen_bit);
  lua_call(L, 0, 1);
  lua_setglobal(L, "bit");
  lua_pushcfunction(L, OpenStructLibrary);
  lua_call(L, 0, 1);
  lua_setglobal(L, "struct");
  lua_pushcfunction(L, OpenMsgpackLibrary);
  lua_call(L, 0, 1);
  lua_setglobal(L, "cmsgpack");
  for (const char* name : {"loadfile", "dofile"}) {
    lua_pushnil(L);
    lua_setglobal(L, name);
  }
  lua_getglobal(L, "math");
  SetFunction(L, this, "random", MathRandom);
  SetFunction(L, this, "randomseed", MathRandomSeed);
  lua_pop(L, 1);

  lua_newtable(L);
  SetFunction(L, this, "call", RedisCall);
  SetFunction(L, this, "pcall", RedisPCall);
  SetFunction(L, this, "setresp", RedisSetResp);
  SetFunction(L, this, "set_repl", RedisSetRepl);
  const std::pair<const char*, lua_CFunction> kFunctions[] = {
      {"sha1hex", RedisSha1Hex},       {"error_reply", RedisErrorReply},
      {"status_reply", RedisStatusReply}, {"log", RedisLog},
      {"replicate_commands", RedisReplicateCommands}, {"breakpoint", RedisBreakpoint},
      {"debug", RedisDebug}};
  for (auto [name, fn] : kFunctions) {
    lua_pushcfunction(L, fn);
    lua_setfield(L, -2, name);
  }
  const std::pair<const char*, int> kConstants[] = {
      {"LOG_DEBUG", 0},   {"LOG_VERBOSE", 1}, {"LOG_NOTICE", 2},  {"LOG_WARNING", 3},
      {"REPL_NONE", 0},   {"REPL_AOF", kPropagateAof}, {"REPL_SLAVE", kPropagateRepl},
      {"REPL_REPLICA", kPropagateRepl}, {"REPL_ALL", kPropagateAll}};
  for (auto [name, v] : kConstants) {
    lua_pushinteger(L, v);
    lua_setfield(L, -2, name);
  }
  lua_pushstring(L, kRedisCompatVersion);
  lua_setfield(L, -2, "REDIS_VERSION");
  {
    int major = 0, minor = 0, patch = 0;
    std::sscanf(kRedisCompatVersion, "%d.%d.%d", &major, &minor, &patch);
    lua_pushinteger(L, (major << 16) | (minor << 8) | patch);
    lua_setfield(L, -2, "REDIS_VERSION_NUM");
  }
  lua_setglobal(L, "redis");

  // The libraries are read-only too: each global table becomes an empty proxy of itself.
  for (const char* name :
       {"string", "math", "table", "coroutine", "redis", "cjson", "bit", "struct", "cmsgpack"}) {
    lua_getglobal(L, name);
    if (!lua_istable(L, -1)) {
      lua_pop(L, 1);
      continue;
    }
    lua_newtable(L);  // the proxy
    lua_pushvalue(L, -2);
    SetReadOnlyMetatable(L, "Script attempted to access metatable of a readonly table");
    lua_setglobal(L, name);
    lua_pop(L, 1);
  }

  if (mode_ == Mode::kFunctions) InitLoadApi();

  // Scripts see an empty proxy of the globals: every write goes through __newindex (refused),
  // every read of a missing name through __index (an error). KEYS and ARGV are set raw.
  lua_pushvalue(L, LUA_GLOBALSINDEX);  // the real globals
  lua_pushvalue(L, -1);
  globals_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_newtable(L);                     // the proxy
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, "_G");
  lua_pushvalue(L, -2);
  lua_pushcclosure(L, GlobalsIndex, 1);
  lua_pushvalue(L, -1);
  globals_index_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
  SetReadOnlyMetatable(L, "Script attempted to access metatable of global environment");
  lua_replace(L, LUA_GLOBALSINDEX);
  lua_pop(L, 1);
}

void LuaEngine::InitLoadApi() {
  lua_State* L = L_;
  lua_newtable(L);  // the redis table of load-time code
  SetFunction(L, this, "register_function", RedisRegisterFunction);
  lua_pushcfunction(L, RedisLog);
  lua_setfield(L, -2, "log");
  const std::pair<const char*, int> kLevels[] = {
      {"LOG_DEBUG", 0}, {"LOG_VERBOSE", 1}, {"LOG_NOTICE", 2}, {"LOG_WARNING", 3}};
  for (auto [name, v] : kLevels) {
    lua_pushinteger(L, v);
    lua_setfield(L, -2, name);
  }
  lua_getglobal(L, "redis");
  for (const char* name : {"REDIS_VERSION", "REDIS_VERSION_NUM"}) {
    lua_getfield(L, -1, name);
    lua_setfield(L, -3, name);
  }
  lua_pop(L, 1);
  // Its proxy: reading a name it lacks (redis.call) is an error, as for a missing global.
  lua_newtable(L);
  lua_pushvalue(L, -2);
  lua_pushcclosure(L, GlobalsIndex, 1);
  SetReadOnlyMetatable(L, "Script attempted to access metatable of a readonly table");
  lua_newtable(L);  // the globals of load-time code: redis alone
  lua_pushvalue(L, -2);
  lua_setfield(L, -2, "redis");
  load_globals_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_pop(L, 2);
}

void LuaEngine::ViewGlobals(int ref) {
  lua_State* L = L_;
  lua_rawgeti(L, LUA_REGISTRYINDEX, globals_index_ref_);
  lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
  lua_setupvalue(L, -2, 1);
  lua_pop(L, 1);
}

size_t LuaEngine::vm_memory() const {
  return static_cast<size_t>(lua_gc(L_, LUA_GCCOUNT, 0)) * 1024 +
         static_cast<size_t>(lua_gc(L_, LUA_GCCOUNTB, 0));
}

size_t LuaEngine::scripts_memory() const {
  size_t n = 0;
  for (const auto& [sha, script] : scripts_) n += sha.size() + script.body.size() + 64;
  return n;
}

void LuaEngine::Flush() {
  scripts_.clear();
  Close();
  Init();
}

bool LuaEngine::ParseShebang(std::string_view body, uint32_t* flags, std::string* lua_body,
                             std::string* err) {
  *flags = 0;
  if (body.substr(0, 2) != "#!") {
    lua_body->assign(body);
    return true;
  }
  size_t end = body.find('\n');
  if (end == std::string_view::npos) {
    *err = "ERR Invalid script shebang";
    return false;
  }
  std::string_view line = body.substr(0, end);
  std::vector<std::string_view> parts = SplitWords(line);
  if (parts.empty() || parts[0] != "#!lua") {
    *err = "ERR Unexpected engine in script shebang: " +
           std::string(parts.empty() ? line : parts[0]);
    return false;
  }
  *flags = kShebang;
  for (size_t p = 1; p < parts.size(); ++p) {
    if (parts[p].substr(0, 6) != "flags=") {
      *err = "ERR Unknown lua shebang option: " + std::string(parts[p]);
      return false;
    }
    std::string_view list = parts[p].substr(6);
    for (size_t i = 0; i <= list.size();) {
      size_t comma = list.find(',', i);
      if (comma == std::string_view::npos) comma = list.size();
      std::string_view name = list.substr(i, comma - i);
      i = comma + 1;
      if (name.empty() && list.empty()) break;  // "flags=" sets none
      uint32_t bit = FlagBit(name, false);
      if (bit == 0) {
        *err = "ERR Unexpected flag in script shebang: " + std::string(name);
        return false;
      }
      *flags |= bit;
    }
  }
  lua_body->assign(body.substr(end));  // keeps the newline: line 2 stays line 2
  return true;
}

bool LuaEngine::Compile(const std::string& sha, std::string_view body, std::string* err) {
  uint32_t flags = 0;
  std::string lua_body;
  if (!ParseShebang(body, &flags, &lua_body, err)) return false;
  lua_State* L = L_;
  // The body is the chunk itself, as Redis 7 loads it: `return` works, errors name user_script.
  if (luaL_loadbuffer(L, lua_body.data(), lua_body.size(), "@user_script") != 0) {
    *err = std::string("ERR Error compiling script (new function): ") + lua_tostring(L, -1);
    lua_pop(L, 1);
    return false;
  }
  int ref = luaL_ref(L, LUA_REGISTRYINDEX);  // pops the function
  scripts_[sha] = Script{std::string(body), flags, ref};
  return true;
}

std::string LuaEngine::Load(std::string_view body, std::string* err) {
  std::string sha = Sha1Hex(body);
  if (scripts_.count(sha) == 0 && !Compile(sha, body, err)) return "";
  return sha;
}

bool LuaEngine::CheckFlags(CommandContext& ctx, uint32_t flags, bool read_only) {
  if (!(flags & kShebang)) return true;
  if (read_only && !(flags & kNoWrites)) {
    ctx.rb.SendError("ERR Can not execute a script with write flag using *_ro command.");
    return false;
  }
  // Without allow-oom (which no-writes implies) the script is a denyoom command.
  if (!(flags & (kAllowOom | kNoWrites)) && server_->out_of_memory() && !ctx.client->is_master) {
    ctx.rb.SendError(errors::kOom);
    return false;
  }
  if ((flags & kNoCluster) && server_->cluster() != nullptr) {
    ctx.rb.SendError("ERR Can not run script on cluster, 'no-cluster' flag is set.");
    return false;
  }
  if (!(flags & kNoWrites) && !ctx.client->is_master && server_->cfg().replica_read_only &&
      server_->replica().is_replica()) {
    ctx.rb.SendError(errors::kReadOnlyReplica);
    return false;
  }
  return true;
}

uint32_t LuaEngine::NextRandom() {
  rand_state_ = (rand_state_ * 0x5DEECE66Dull + 0xB) & ((1ull << 48) - 1);
  return static_cast<uint32_t>(rand_state_ >> 17);
}

int LuaEngine::LuaRandom(lua_State* L) {
  constexpr uint32_t kMax = 0x7fffffff;
  lua_Number r = static_cast<lua_Number>(NextRandom() % kMax) / static_cast<lua_Number>(kMax);
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      break;
    case 1: {
      int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, std::floor(r * u) + 1);
      break;
    }
    case 2: {
      int l = luaL_checkint(L, 1);
      int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, std::floor(r * (u - l + 1)) + l);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

int LuaEngine::LuaRandomSeed(lua_State* L) {
  auto seed = static_cast<uint32_t>(static_cast<int32_t>(luaL_checkint(L, 1)));
  rand_state_ = 0x330E | (static_cast<uint64_t>(seed) << 16);
  return 0;
}

int LuaEngine::LuaSetRepl(lua_State* L) {
  // "two" (sic): Redis 7.0's words for a one-argument call.
  if (lua_gettop(L) != 1) return RaiseError(L, "redis.set_repl() requires two arguments.");
  int flags = static_cast<int>(lua_tonumber(L, 1));
  if (flags < 0 || flags > kPropagateAll) {
    return RaiseError(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or "
                         "REPL_NONE.");
  }
  repl_targets_ = flags;
  return 0;
}

int LuaEngine::LuaSetResp(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseError(L, "redis.setresp() requires one argument.");
  int v = static_cast<int>(lua_tonumber(L, 1));
  if (v != 2 && v != 3) return RaiseError(L, "RESP version must be 2 or 3.");
  resp3_ = v == 3;
  client_->rb().set_resp3(resp3_);
  return 0;
}

bool LuaEngine::ClusterAllows(const CommandSpec* cmd, const std::vector<std::string_view>& argv,
                              std::string* error) {
  cluster::Cluster* cluster = server_->cluster();
  // Our primary's stream and an AOF replay apply what was accepted.
  if (cluster == nullptr || caller_->client->is_master || server_->loading()) return true;
  std::vector<int> keys = cmd->KeyPositions(argv);
  if (keys.empty()) return true;
  client_->asking = caller_->client->asking;
  client_->readonly = caller_->client->readonly;
  std::string route = cluster->Route(client_.get(), cmd, argv);
  if (!route.empty()) {
    if (route.rfind("CLUSTERDOWN The cluster is down and only accepts read", 0) == 0) {
      *error = "ERR Script attempted to execute a write command while the cluster is down and "
               "readonly";
    } else if (route.rfind("CLUSTERDOWN The cluster is down", 0) == 0) {
      *error = "ERR Script attempted to execute a command while the cluster is down";
    } else {
      *error = "ERR Script attempted to access a non local key in a cluster node";
    }
    return false;
  }
  // Keys a script with flags did not declare must share one slot, unless it allows otherwise;
  // plain EVAL scripts keep their old freedom, as in Redis 7.
  if ((flags_ & kShebang) && !(flags_ & kAllowCrossSlot)) {
    int slot = cluster::KeySlot(argv[keys.front()]);
    if (slot_ == -1) {
      slot_ = slot;
    } else if (slot_ != slot) {
      *error = "ERR Script attempted to access keys that do not hash to the same slot";
      return false;
    }
  }
  return true;
}

int LuaEngine::LuaCall(lua_State* L, bool raise) {
  // Lua raises errors with longjmp, which skips C++ destructors: the call runs in a frame of
  // its own that has returned (and freed what it held) before the error is raised here.
  bool failed = CallCommand(L);
  if (failed && raise) return lua_error(L);
  return 1;
}

bool LuaEngine::CallCommand(lua_State* L) {
  auto fail = [L](std::string_view error) {
    // The debugger shows the message as Redis raises it: without the ERR of our tables.
    if (Ldb().stepping()) {
      Ldb().LogError(error.starts_with("ERR ") ? error.substr(4) : "-" + std::string(error));
    }
    PushErrorTable(L, error);
    return true;
  };
  int argc = lua_gettop(L);
  if (argc == 0) return fail("ERR Please specify at least one argument for this redis lib call");
  // Views of the Lua strings (alive while they are on the stack); numbers are formatted here.
  std::vector<std::string_view> argv(argc);
  std::vector<std::string> numbers;
  numbers.reserve(argc);
  for (int i = 1; i <= argc; ++i) {
    int t = lua_type(L, i);
    if (t == LUA_TSTRING) {
      size_t len = 0;
      const char* s = lua_tolstring(L, i, &len);
      argv[i - 1] = std::string_view(s, len);
    } else if (t == LUA_TNUMBER) {
      numbers.push_back(FormatNumber(lua_tonumber(L, i)));
      argv[i - 1] = numbers.back();
    } else {
      return fail("ERR Lua redis lib command arguments must be strings or integers");
    }
  }
  if (Ldb().stepping()) Ldb().LogCommand(argv);
  std::string error;
  const CommandSpec* cmd = server_->Lookup(argv);
  if (cmd == nullptr || cmd->handler == nullptr) {
    return fail("ERR Unknown Redis command called from script");
  }
  int n = static_cast<int>(argv.size());
  if ((cmd->arity > 0 && cmd->arity != n) || (cmd->arity < 0 && n < -cmd->arity)) {
    return fail("ERR Wrong number of args calling Redis command from script");
  }
  if (cmd->flags & kCmdNoScript) return fail("ERR This Redis command is not allowed from script");
  if (cmd->IsWrite()) {
    if (read_only_) return fail("ERR Write commands are not allowed from read-only scripts.");
    if (!caller_->client->is_master && server_->cfg().replica_read_only &&
        server_->replica().is_replica()) {
      return fail(errors::kReadOnlyReplica);
    }
  }
  if (!ClusterAllows(cmd, argv, &error)) return fail(error);
  // Over maxmemory when the script started: its first write that may grow memory is refused
  // (after a write it cannot stop half-way), unless it declared allow-oom.
  if ((cmd->flags & kCmdDenyOom) && script_oom_ && !wrote_ && !(flags_ & kAllowOom) &&
      !caller_->client->is_master) {
    return fail(errors::kOom);
  }
  if (cmd->IsWrite()) wrote_ = true;  // from now on SCRIPT KILL refuses
  server_->set_propagate_mask(repl_targets_);
  server_->Call(client_.get(), cmd, argv);
  server_->set_propagate_mask(kPropagateAll);
  std::string reply = out_->ToString();
  out_->Clear();
  RespValue v;
  if (ParseReply(reply, &v) <= 0) return fail("ERR reply of the command could not be read");
  if (v.type == RespValue::Type::kError) {
    if (Ldb().stepping()) {
      Ldb().LogError("-" + v.str);
      Ldb().LogReply(reply);
    }
    PushErrorTable(L, v.str);
    return true;
  }
  PushReply(L, v);
  if (Ldb().stepping()) Ldb().LogReply(reply);
  return false;
}

// A command's reply as a Lua value, as Redis converts it (RESP2 forms, plus RESP3 ones after
// redis.setresp(3)).
void LuaEngine::PushReply(lua_State* L, const RespValue& v) {
  lua_checkstack(L, 4);
  switch (v.type) {
    case RespValue::Type::kInteger:
      lua_pushnumber(L, static_cast<lua_Number>(v.integer));
      break;
    case RespValue::Type::kBulk:
      lua_pushlstring(L, v.str.data(), v.str.size());
      break;
    case RespValue::Type::kSimple:
      lua_newtable(L);
      lua_pushlstring(L, v.str.data(), v.str.size());
      lua_setfield(L, -2, "ok");
      break;
    case RespValue::Type::kError:
      PushErrorTable(L, v.str);
      break;
    case RespValue::Type::kNull:
    case RespValue::Type::kNullArray:
      if (resp3_ && v.type == RespValue::Type::kNull) {
        lua_pushnil(L);
      } else {
        lua_pushboolean(L, 0);
      }
      break;
    case RespValue::Type::kBool:
      lua_pushboolean(L, v.integer != 0);
      break;
    case RespValue::Type::kDouble:
      lua_newtable(L);
      lua_pushnumber(L, v.dbl);
      lua_setfield(L, -2, "double");
      break;
    case RespValue::Type::kBigNumber:
      lua_newtable(L);
      lua_pushlstring(L, v.str.data(), v.str.size());
      lua_setfield(L, -2, "big_number");
      break;
    case RespValue::Type::kVerbatim:
      lua_newtable(L);
      lua_newtable(L);
      lua_pushstring(L, "txt");
      lua_setfield(L, -2, "format");
      lua_pushlstring(L, v.str.data(), v.str.size());
      lua_setfield(L, -2, "string");
      lua_setfield(L, -2, "verbatim_string");
      break;
    case RespValue::Type::kMap:
      lua_newtable(L);
      lua_newtable(L);
      for (size_t i = 0; i + 1 < v.elems.size(); i += 2) {
        PushReply(L, v.elems[i]);
        PushReply(L, v.elems[i + 1]);
        lua_settable(L, -3);
      }
      lua_setfield(L, -2, "map");
      break;
    case RespValue::Type::kSet:
      lua_newtable(L);
      lua_newtable(L);
      for (const RespValue& e : v.elems) {
        PushReply(L, e);
        lua_pushboolean(L, 1);
        lua_settable(L, -3);
      }
      lua_setfield(L, -2, "set");
      break;
    case RespValue::Type::kArray:
    case RespValue::Type::kPush:
      lua_createtable(L, static_cast<int>(v.elems.size()), 0);
      for (size_t i = 0; i < v.elems.size(); ++i) {
        PushReply(L, v.elems[i]);
        lua_rawseti(L, -2, static_cast<int>(i + 1));
      }
      break;
  }
}

// The script's return value as the reply, as Redis converts it: numbers become integers
// (truncated), strings bulk strings, true 1, false and nil a null, {ok=} a status, {err=} an
// error, {double=}, {big_number=}, {verbatim_string=}, {map=} and {set=} the RESP3 types (in
// either protocol, as Redis), and any other table an array up to its first nil. Fields are read
// raw: a script's metatables never run here.
void LuaEngine::SendResult(lua_State* L, CommandContext& ctx, int depth) {
  ReplyBuilder& rb = ctx.rb;
  if (depth > 1000 || !lua_checkstack(L, 8)) {
    rb.SendError("ERR reached lua stack limit");
    return;
  }
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);
      rb.SendBulk(std::string_view(s, len));
      return;
    }
    case LUA_TBOOLEAN:
      if (lua_toboolean(L, -1)) {
        rb.SendLong(1);
      } else {
        rb.SendNull();
      }
      return;
    case LUA_TNUMBER:
      rb.SendLong(TruncateToInteger(lua_tonumber(L, -1)));
      return;
    case LUA_TTABLE:
      break;
    default:
      rb.SendNull();
      return;
  }
  RawField(L, -1, "err");
  if (lua_type(L, -1) == LUA_TSTRING) {
    std::string err = lua_tostring(L, -1);
    lua_pop(L, 1);
    rb.SendError(!err.empty() && err[0] == '-' ? std::string_view(err).substr(1)
                                               : std::string_view(err));
    return;
  }
  lua_pop(L, 1);
  RawField(L, -1, "ok");
  if (lua_type(L, -1) == LUA_TSTRING) {
    std::string ok = lua_tostring(L, -1);
    lua_pop(L, 1);
    for (char& ch : ok) {
      if (ch == '\r' || ch == '\n') ch = ' ';
    }
    rb.SendSimple(ok);
    return;
  }
  lua_pop(L, 1);
  RawField(L, -1, "double");
  if (lua_type(L, -1) == LUA_TNUMBER) {
    double d = lua_tonumber(L, -1);
    lua_pop(L, 1);
    rb.SendDouble(d);
    return;
  }
  lua_pop(L, 1);
  RawField(L, -1, "big_number");
  if (lua_type(L, -1) == LUA_TSTRING) {
    size_t len = 0;
    const char* s = lua_tolstring(L, -1, &len);
    std::string digits(s, len);
    lua_pop(L, 1);
    for (char& ch : digits) {
      if (ch == '\r' || ch == '\n') ch = ' ';
    }
    rb.SendBigNumber(digits);
    return;
  }
  lua_pop(L, 1);
  if (SendVerbatimResult(L, rb)) return;
  RawField(L, -1, "map");
  if (lua_type(L, -1) == LUA_TTABLE) {
    rb.StartMap(CountEntries(L));
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {  // the map at -3, key at -2, value at -1
      lua_pushvalue(L, -2);
      SendResult(L, ctx, depth + 1);
      lua_pop(L, 1);
      SendResult(L, ctx, depth + 1);
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  RawField(L, -1, "set");
  if (lua_type(L, -1) == LUA_TTABLE) {
    rb.StartSet(CountEntries(L));
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {  // a member is a key; its value is ignored
      lua_pop(L, 1);
      SendResult(L, ctx, depth + 1);
    }
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  size_t n = 0;
  for (;;) {
    lua_rawgeti(L, -1, static_cast<int>(n + 1));
    bool present = !lua_isnil(L, -1);
    lua_pop(L, 1);
    if (!present) break;
    ++n;
  }
  rb.StartArray(n);
  for (size_t i = 1; i <= n; ++i) {
    lua_rawgeti(L, -1, static_cast<int>(i));
    SendResult(L, ctx, depth + 1);
    lua_pop(L, 1);
  }
}

bool LuaEngine::ParseNumKeys(CommandContext& ctx, std::string_view bad, size_t* numkeys) {
  long long n = 0;
  std::string_view nk = ctx.arg(2);
  auto [ptr, ec] = std::from_chars(nk.data(), nk.data() + nk.size(), n);
  if (ec != std::errc() || ptr != nk.data() + nk.size()) {
    ctx.rb.SendError(bad);
    return false;
  }
  if (n > static_cast<long long>(ctx.argc()) - 3) {
    ctx.rb.SendError("ERR Number of keys can't be greater than number of args");
    return false;
  }
  if (n < 0) {
    ctx.rb.SendError("ERR Number of keys can't be negative");
    return false;
  }
  *numkeys = static_cast<size_t>(n);
  return true;
}

void LuaEngine::Run(CommandContext& ctx, bool by_sha, bool read_only) {
  const bool debug = ctx.client->script_debug != Client::Debug::kOff;
  if (debug && by_sha) {
    ctx.rb.SendError(ctx.arg(1).size() != 40 ? "NOSCRIPT No matching script. Please use EVAL."
                                             : "ERR Please use EVAL instead of EVALSHA for debugging");
    return;
  }
  size_t numkeys = 0;
  if (!ParseNumKeys(ctx, errors::kNotInteger, &numkeys)) return;
  std::string sha;
  if (by_sha) {
    sha = std::string(ctx.arg(1));
    for (char& ch : sha) {
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
    }
  } else {
    std::string err;
    sha = Load(ctx.arg(1), &err);
    if (sha.empty()) {
      ctx.rb.SendError(err);
      return;
    }
  }
  auto it = scripts_.find(sha);
  if (it == scripts_.end()) {
    ctx.rb.SendError("NOSCRIPT No matching script. Please use EVAL.");
    return;
  }
  if (debug) {
    RunDebugged(ctx, it->second, sha, numkeys, read_only);
    return;
  }
  Execute(ctx, it->second.ref, it->second.flags, sha, numkeys, read_only, false);
}

void LuaEngine::RunDebugged(CommandContext& ctx, const Script& script, const std::string& sha,
                            size_t numkeys, bool read_only) {
  Client* c = ctx.client;
  net::Connection* conn = c->conn();
  bool forked = c->script_debug == Client::Debug::kForked;
  if (conn == nullptr || Ldb().active()) {
    ctx.rb.SendError("ERR a Lua debugging session is already running");
    return;
  }
  if (forked) {
    pid_t pid = fork();
    if (pid < 0) {
      ctx.rb.SendError(std::string("ERR Fork() failed: can't run EVAL in debugging mode: ") +
                       std::strerror(errno));
      c->script_debug = Client::Debug::kOff;
      return;
    }
    if (pid > 0) {
      // The child owns the session (and the socket): the server lets go of the client.
      spdlog::warn("Redis forked for debugging eval");
      debug_children_.push_back(pid);
      conn->Close();
      return;
    }
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGUSR1, SIG_DFL);
    server_->BecomeDebugChild();
  } else {
    spdlog::warn("Redis synchronous debugging eval session started");
  }
  // The EVAL's reply follows the session's last logs on the socket, so it is built aside.
  OutputBuffer reply;
  OutputBuffer* saved = ctx.rb.buffer();
  ctx.rb.set_buffer(&reply);
  Ldb().Start(conn->fd(), script.body, server_->cfg().busy_reply_threshold);
  Execute(ctx, script.ref, script.flags, sha, numkeys, read_only, false);
  ctx.rb.set_buffer(saved);
  Ldb().End(reply.ToString());
  if (forked) {
    spdlog::warn("Lua debugging session child exiting");
    _exit(0);
  }
  spdlog::warn("Redis synchronous debugging eval session ended");
  c->script_debug = Client::Debug::kOff;
  conn->Close();  // the end of the session, as in Redis
}

void LuaEngine::ReapDebugSessions() {
  std::erase_if(debug_children_, [](pid_t pid) { return waitpid(pid, nullptr, WNOHANG) != 0; });
}

void LuaEngine::KillDebugSessions() {
  for (pid_t pid : debug_children_) {
    spdlog::warn("Killing debugging session {}", pid);
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  debug_children_.clear();
}

void LuaEngine::Call(CommandContext& ctx, const Function& fn, bool read_only) {
  size_t numkeys = 0;
  if (!ParseNumKeys(ctx, "ERR Bad number of keys provided", &numkeys)) return;
  Execute(ctx, fn.ref, fn.flags | kShebang, fn.name, numkeys, read_only, true);
}

void LuaEngine::Execute(CommandContext& ctx, int ref, uint32_t flags, const std::string& name,
                        size_t numkeys, bool read_only, bool as_function) {
  if (!CheckFlags(ctx, flags, read_only)) return;
  lua_State* L = L_;
  lua_pushcfunction(L, ErrorHandler);
  int handler = lua_gettop(L);
  lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
  // KEYS and ARGV: a function's two arguments, or globals set raw on the proxy for a script.
  size_t first_arg = 3 + numkeys;
  for (auto [global, from, to] : {std::tuple<const char*, size_t, size_t>{"KEYS", 3, first_arg},
                                  {"ARGV", first_arg, ctx.argc()}}) {
    if (!as_function) lua_pushstring(L, global);
    lua_createtable(L, static_cast<int>(to - from), 0);
    for (size_t i = from; i < to; ++i) {
      lua_pushlstring(L, ctx.arg(i).data(), ctx.arg(i).size());
      lua_rawseti(L, -2, static_cast<int>(i - from + 1));
    }
    if (!as_function) lua_rawset(L, LUA_GLOBALSINDEX);
  }
  caller_ = &ctx;
  flags_ = flags;
  repl_targets_ = kPropagateAll;
  slot_ = -1;
  // The declared keys fix the slot (the dispatcher refused them if they cross slots).
  if (numkeys > 0 && server_->cluster() != nullptr) slot_ = cluster::KeySlot(ctx.arg(3));
  read_only_ = read_only || (flags & kNoWrites);
  resp3_ = false;
  client_->rb().set_resp3(false);
  client_->db_index = ctx.client->db_index;
  client_->is_master = ctx.client->is_master;
  start_us_ = MonoUs();
  script_oom_ = server_->out_of_memory();
  busy_ = wrote_ = kill_ = false;
  running_name_ = name;
  // What a master or the AOF sends runs to its end unwatched, as nothing may stop it.
  // Under the debugger its hook stops the script instead, and nothing else is served.
  bool debugging = mode_ == Mode::kEval && Ldb().active();
  bool watched = !debugging && server_->cfg().busy_reply_threshold > 0 &&
                 !ctx.client->is_master && !server_->loading();
  if (watched) {
    g_hooked = this;
    lua_sethook(L, BusyHook, LUA_MASKCOUNT, 100000);
  } else if (debugging) {
    lua_sethook(L, LdbHook, LUA_MASKLINE | LUA_MASKCOUNT, 100000);
  }
  int rc = lua_pcall(L, as_function ? 2 : 0, 1, handler);
  if (watched || debugging) lua_sethook(L, nullptr, 0, 0);
  if (watched) g_hooked = nullptr;
  if (busy_) {
    server_->set_busy_script(nullptr);
    busy_ = false;
    spdlog::warn("Slow script finished after {} milliseconds.", running_ms());
  }
  caller_ = nullptr;
  if (rc != 0) {
    std::string source;
    long long line = -1;
    std::string msg = ErrorText(L, &source, &line);
    if (!source.empty() && line >= 0) {
      msg += " script: " + name + ", on " + source + ":" + std::to_string(line) + ".";
    }
    ctx.rb.SendError(msg);
  } else {
    SendResult(L, ctx, 0);
  }
  lua_settop(L, 0);
  // Collect what the runs left behind in small steps, as Redis does every 50 scripts.
  if (++gc_count_ == kGcCyclePeriod) {
    lua_gc(L, LUA_GCSTEP, kGcCyclePeriod);
    gc_count_ = 0;
  }
}

bool LuaEngine::RegisterLibrary(std::string_view body, int64_t timeout_ms,
                                std::vector<Function>* out, std::string* err) {
  lua_State* L = L_;
  const int base = lua_gettop(L);
  lua_pushcfunction(L, ErrorHandler);
  if (luaL_loadbuffer(L, body.data(), body.size(), "@user_function") != 0) {
    *err = std::string("ERR Error compiling function: ") + lua_tostring(L, -1);
    lua_settop(L, base);
    return false;
  }
  ViewGlobals(load_globals_ref_);
  loading_ = out;
  if (timeout_ms > 0) {
    g_load_deadline_us = MonoUs() + timeout_ms * 1000;
    lua_sethook(L, LoadTimeoutHook, LUA_MASKCOUNT, 100000);
  }
  int rc = lua_pcall(L, 0, 0, base + 1);
  lua_sethook(L, nullptr, 0, 0);
  loading_ = nullptr;
  ViewGlobals(globals_ref_);
  bool ok = rc == 0;
  if (!ok) {
    std::string source;
    long long line = -1;
    *err = "ERR Error registering functions: " + ErrorText(L, &source, &line);
    for (const Function& fn : *out) Release(fn);
    out->clear();
  }
  lua_settop(L, base);
  return ok;
}

void LuaEngine::Release(const Function& fn) { luaL_unref(L_, LUA_REGISTRYINDEX, fn.ref); }

int LuaEngine::LuaRegisterFunction(lua_State* L) {
  if (loading_ == nullptr) {
    return RaiseError(L, "redis.register_function can only be called on FUNCTION LOAD command");
  }
  const char* error = nullptr;
  {
    Function fn;
    error = ReadRegistration(L, &fn);
    if (error == nullptr && !ValidFunctionName(fn.name)) {
      error = "Library names can only contain letters, numbers, or underscores(_) and must be "
              "at least one character long";
    }
    for (const Function& other : *loading_) {
      if (error == nullptr && other.name == fn.name) {
        error = "Function already exists in the library";
      }
    }
    if (error == nullptr) {
      loading_->push_back(std::move(fn));
    } else {
      luaL_unref(L, LUA_REGISTRYINDEX, fn.ref);
    }
  }
  // Raised once this frame's strings are gone: lua_error does not return.
  if (error != nullptr) return RaiseError(L, error);
  return 0;
}

const char* LuaEngine::ReadRegistration(lua_State* L, Function* fn) {
  auto string_at = [L](int index, std::string* out) {
    if (!lua_isstring(L, index)) return false;
    size_t len = 0;
    const char* s = lua_tolstring(L, index, &len);
    out->assign(s, len);
    return true;
  };
  int argc = lua_gettop(L);
  if (argc < 1 || argc > 2) return "wrong number of arguments to redis.register_function";
  if (argc == 2) {
    if (!string_at(1, &fn->name)) return "first argument to redis.register_function must be a string";
    if (!lua_isfunction(L, 2)) return "second argument to redis.register_function must be a function";
    fn->ref = luaL_ref(L, LUA_REGISTRYINDEX);  // pops the callback
    return nullptr;
  }
  if (!lua_istable(L, 1)) {
    return "calling redis.register_function with a single argument is only applicable to Lua "
           "table (representing named arguments).";
  }
  bool named = false;
  lua_pushnil(L);
  while (lua_next(L, 1) != 0) {  // key at -2, value at -1
    if (lua_type(L, -2) != LUA_TSTRING) {
      return "named argument key given to redis.register_function is not a string";
    }
    std::string_view key = lua_tostring(L, -2);
    if (EqualsNoCase(key, "function_name")) {
      if (!string_at(-1, &fn->name)) {
        return "function_name argument given to redis.register_function must be a string";
      }
      named = true;
    } else if (EqualsNoCase(key, "description")) {
      if (!string_at(-1, &fn->description)) {
        return "description argument given to redis.register_function must be a string";
      }
      fn->has_description = true;
    } else if (EqualsNoCase(key, "callback")) {
      if (!lua_isfunction(L, -1)) {
        return "callback argument given to redis.register_function must be a function";
      }
      luaL_unref(L, LUA_REGISTRYINDEX, fn->ref);
      fn->ref = luaL_ref(L, LUA_REGISTRYINDEX);  // pops the value: the key stays for lua_next
      continue;
    } else if (EqualsNoCase(key, "flags")) {
      if (!lua_istable(L, -1)) {
        return "flags argument to redis.register_function must be a table representing "
               "function flags";
      }
      for (int i = 1;; ++i) {
        lua_rawgeti(L, -1, i);
        if (lua_isnil(L, -1)) {
          lua_pop(L, 1);
          break;
        }
        uint32_t bit = lua_isstring(L, -1) ? FlagBit(lua_tostring(L, -1), true) : 0;
        lua_pop(L, 1);
        if (bit == 0) return "unknown flag given";
        fn->flags |= bit;
      }
    } else {
      return "unknown argument given to redis.register_function";
    }
    lua_pop(L, 1);
  }
  if (!named) return "redis.register_function must get a function name argument";
  if (fn->ref == LUA_NOREF) return "redis.register_function must get a callback argument";
  return nullptr;
}

int64_t LuaEngine::running_ms() const { return (MonoUs() - start_us_) / 1000; }

std::string_view LuaEngine::BusyError() const {
  return is_functions() ? kBusyFunction : kBusyEval;
}

void LuaEngine::OnHook(lua_State* L) {
  if (!busy_) {
    int64_t ms = running_ms();
    if (ms < server_->cfg().busy_reply_threshold) return;
    busy_ = true;
    server_->set_busy_script(this);
    spdlog::warn("Slow script detected: still in execution after {} milliseconds. You can try "
                 "killing the script using the {} command. Script name is: {}.",
                 ms, is_functions() ? "FUNCTION KILL" : "SCRIPT KILL", running_name_);
  }
  server_->ServeWhileBusy();
  if (!kill_ && !server_->exiting()) return;
  // Again at every line from now on, should the script catch the error with pcall.
  lua_sethook(L, BusyHook, LUA_MASKLINE, 0);
  PushErrorTable(L, "ERR Script killed by user with SCRIPT KILL...");
  lua_error(L);
}

void LuaEngine::KillCommand(CommandContext& ctx, bool eval) {
  LuaEngine* running = ctx.server.busy_script();
  if (running == nullptr) {
    ctx.rb.SendError("NOTBUSY No scripts in execution right now.");
  } else if (running->wrote_) {
    ctx.rb.SendError(
        "UNKILLABLE Sorry the script already executed write commands against the dataset. You "
        "can either wait the script termination or kill the server in a hard way using the "
        "SHUTDOWN NOSAVE command.");
  } else if (eval == running->is_functions()) {
    ctx.rb.SendError(running->BusyError());  // SCRIPT KILL of a function, or the reverse
  } else {
    running->kill_ = true;
    spdlog::warn("Lua script killed by user with {}.", eval ? "SCRIPT KILL" : "FUNCTION KILL");
    ctx.rb.SendOk();
  }
}

}  // namespace sable

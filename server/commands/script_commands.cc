// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT LOAD / EXISTS / FLUSH / KILL / HELP. The
// interpreter is server/scripting/lua_engine.
#include <string>

#include "server/commands/register.h"
#include "server/core/context.h"
#include "server/core/server.h"
#include "server/net/connection.h"
#include "server/scripting/lua_engine.h"
#include "server/util/strings.h"

namespace sable {
namespace {

void CmdEval(CommandContext& ctx) {
  ctx.FeedMonitorsNow();
  ctx.server.lua().Run(ctx, false, false);
}
void CmdEvalSha(CommandContext& ctx) {
  ctx.FeedMonitorsNow();
  ctx.server.lua().Run(ctx, true, false);
}
void CmdEvalRo(CommandContext& ctx) {
  ctx.FeedMonitorsNow();
  ctx.server.lua().Run(ctx, false, true);
}
void CmdEvalShaRo(CommandContext& ctx) {
  ctx.FeedMonitorsNow();
  ctx.server.lua().Run(ctx, true, true);
}

void CmdScriptLoad(CommandContext& ctx) {
  std::string err;
  std::string sha = ctx.server.lua().Load(ctx.arg(2), &err);
  if (sha.empty()) {
    ctx.rb.SendError(err);
    return;
  }
  ctx.rb.SendBulk(sha);
}

void CmdScriptExists(CommandContext& ctx) {
  LuaEngine& lua = ctx.server.lua();
  ctx.rb.StartArray(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) ctx.rb.SendLong(lua.Exists(ctx.arg(i)) ? 1 : 0);
}

void CmdScriptFlush(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ctx.rb.SendError("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    return;
  }
  if (ctx.argc() == 3 && !EqualsNoCase(ctx.arg(2), "sync") &&
      !EqualsNoCase(ctx.arg(2), "async")) {
    ctx.rb.SendError("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    return;
  }
  ctx.server.lua().Flush();
  ctx.rb.SendOk();
}

void CmdScriptKill(CommandContext& ctx) { LuaEngine::KillCommand(ctx, true); }

// SCRIPT DEBUG YES|SYNC|NO. Refused while replies are pending (a pipeline, EXEC), as Redis: the
// session takes the socket over and must not interleave with them.
void CmdScriptDebug(CommandContext& ctx) {
  net::Connection* conn = ctx.client->conn();
  if (conn == nullptr || !conn->out().empty()) {
    ctx.rb.SendError("ERR SCRIPT DEBUG must be called outside a pipeline");
    return;
  }
  std::string_view mode = ctx.arg(2);
  if (EqualsNoCase(mode, "no")) {
    ctx.client->script_debug = Client::Debug::kOff;
  } else if (EqualsNoCase(mode, "yes")) {
    ctx.client->script_debug = Client::Debug::kForked;
  } else if (EqualsNoCase(mode, "sync")) {
    ctx.client->script_debug = Client::Debug::kSync;
  } else {
    ctx.rb.SendError("ERR Use SCRIPT DEBUG YES/SYNC/NO");
    return;
  }
  ctx.rb.SendOk();
}

void CmdScriptHelp(CommandContext& ctx) {
  static const char* const kLines[] = {
      "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DEBUG (YES|SYNC|NO)",
      "    Set the debug mode for subsequent scripts executed.",
      "EXISTS <sha1> [<sha1> ...]",
      "    Return information about the existence of the scripts in the script cache.",
      "FLUSH [ASYNC|SYNC]",
      "    Flush the Lua scripts cache. Very dangerous on replicas.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the scripts cache.",
      "    * SYNC: Synchronously flush the scripts cache.",
      "KILL",
      "    Kill the currently executing Lua script.",
      "LOAD <script>",
      "    Load a script into the scripts cache without executing it.",
      "HELP",
      "    Prints this help.",
  };
  ctx.rb.SendSimpleLines(kLines);
}

}  // namespace

void RegisterScriptCommands(CommandRegistry& r) {
  constexpr uint32_t kFlags = kCmdNoScript | kCmdSkipMonitor | kCmdMayReplicate |
                              kCmdNoMandatoryKeys | kCmdStale | kCmdMovableKeys;
  constexpr uint32_t kAcl = kAclSlow | kAclScripting;
  auto eval = [&r](const char* name, uint32_t flags, CommandHandler h, const char* since,
                   const char* summary) {
    CommandSpec& s = r.Add(MakeCommand(name, -3, flags, kAcl, 0, 0, 0, h, "scripting", summary));
    s.keys = NumKeysSpec(2);
    s.since = since;
  };
  eval("eval", kFlags, CmdEval, "2.6.0", "Execute a Lua script server side");
  eval("evalsha", kFlags, CmdEvalSha, "2.6.0", "Execute a Lua script server side");
  eval("eval_ro", kFlags | kCmdReadOnly, CmdEvalRo, "7.0.0",
       "Execute a read-only Lua script server side");
  eval("evalsha_ro", kFlags | kCmdReadOnly, CmdEvalShaRo, "7.0.0",
       "Execute a read-only Lua script server side");

  r.Add(MakeCommand("script", -2, 0, kAclSlow, 0, 0, 0, nullptr, "scripting",
                    "A container for Lua scripts management commands"))
      .since = "2.6.0";
  auto sub = [&r](const char* name, int arity, uint32_t flags, CommandHandler h,
                  const char* since, const char* summary) {
    CommandSpec& s = r.AddSub("script", MakeCommand(name, arity, flags, kAclSlow | kAclScripting,
                                                    0, 0, 0, h, "scripting", summary));
    s.since = since;
  };
  constexpr uint32_t kSub = kCmdNoScript;
  sub("load", 3, kSub | kCmdStale, CmdScriptLoad, "2.6.0",
      "Load the specified Lua script into the script cache.");
  sub("exists", -3, kSub, CmdScriptExists, "2.6.0",
      "Check existence of scripts in the script cache.");
  sub("flush", -2, kSub | kCmdMayReplicate, CmdScriptFlush, "2.6.0",
      "Remove all the scripts from the script cache.");
  sub("debug", 3, kSub, CmdScriptDebug, "3.2.0", "Set the debug mode for executed scripts.");
  sub("kill", 2, kSub | kCmdAllowBusy, CmdScriptKill, "2.6.0",
      "Kill the script currently in execution.");
  sub("help", 2, kCmdLoading | kCmdStale, CmdScriptHelp, "5.0.0", "Show helpful text about the different subcommands");
}

}  // namespace sable

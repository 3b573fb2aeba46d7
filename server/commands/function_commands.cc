// FCALL, FCALL_RO and FUNCTION LOAD / DELETE / FLUSH / DUMP / RESTORE / LIST / STATS / KILL /
// HELP. The libraries are server/scripting/function_store; their payloads are RDB records
// (server/persist).
#include <string>
#include <vector>

#include "server/commands/register.h"
#include "server/core/client.h"
#include "server/core/context.h"
#include "server/core/server.h"
#include "server/persist/rdb_reader.h"
#include "server/persist/rdb_writer.h"
#include "server/scripting/function_store.h"
#include "server/util/glob.h"
#include "server/util/strings.h"

namespace sable {
namespace {

// Redis's LOAD_TIMEOUT_MS for load-time code; none for what a master or the AOF sends.
constexpr int64_t kLoadTimeoutMs = 500;

// Redis's addReplySubcommandSyntaxError().
void ReplySubcommandSyntax(CommandContext& ctx) {
  ctx.rb.SendError("ERR unknown subcommand or wrong number of arguments for '" +
                   std::string(ctx.arg(1)) + "'. Try FUNCTION HELP.");
}

void CmdFcall(CommandContext& ctx) {
  ctx.FeedMonitorsNow();
  ctx.server.functions().Call(ctx, false);
}
void CmdFcallRo(CommandContext& ctx) {
  ctx.FeedMonitorsNow();
  ctx.server.functions().Call(ctx, true);
}

void CmdFunctionLoad(CommandContext& ctx) {
  bool replace = false;
  size_t i = 2;
  for (; i + 1 < ctx.argc(); ++i) {
    if (!EqualsNoCase(ctx.arg(i), "replace")) {
      ctx.rb.SendError("ERR Unknown option given: " + std::string(ctx.arg(i)));
      return;
    }
    replace = true;
  }
  if (i >= ctx.argc()) {
    ctx.rb.SendError("ERR Function code is missing");
    return;
  }
  bool obey = ctx.client->is_master || ctx.server.loading();
  std::string err;
  std::string name = ctx.server.functions().Load(ctx.arg(i), replace,
                                                 obey ? 0 : kLoadTimeoutMs, &err);
  if (name.empty()) {
    ctx.rb.SendError(err);
    return;
  }
  ctx.Propagate();
  ctx.rb.SendBulk(name);
}

void CmdFunctionDelete(CommandContext& ctx) {
  if (!ctx.server.functions().Delete(ctx.arg(2))) {
    ctx.rb.SendError("ERR Library not found");
    return;
  }
  ctx.Propagate();
  ctx.rb.SendOk();
}

void CmdFunctionFlush(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ReplySubcommandSyntax(ctx);
    return;
  }
  if (ctx.argc() == 3 && !EqualsNoCase(ctx.arg(2), "sync") &&
      !EqualsNoCase(ctx.arg(2), "async")) {
    ctx.rb.SendError("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    return;
  }
  ctx.server.functions().Flush();
  ctx.Propagate();
  ctx.rb.SendOk();
}

void CmdFunctionDump(CommandContext& ctx) {
  ctx.rb.SendBulk(FunctionsDumpPayload(ctx.server.functions(), ctx.server.cfg().rdbcompression));
}

void CmdFunctionRestore(CommandContext& ctx) {
  if (ctx.argc() > 4) {
    ReplySubcommandSyntax(ctx);
    return;
  }
  FunctionStore::Policy policy = FunctionStore::Policy::kAppend;
  if (ctx.argc() == 4) {
    std::string_view p = ctx.arg(3);
    if (EqualsNoCase(p, "append")) {
      policy = FunctionStore::Policy::kAppend;
    } else if (EqualsNoCase(p, "replace")) {
      policy = FunctionStore::Policy::kReplace;
    } else if (EqualsNoCase(p, "flush")) {
      policy = FunctionStore::Policy::kFlush;
    } else {
      ctx.rb.SendError(
          "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
      return;
    }
  }
  std::vector<std::string> codes;
  std::string err;
  if (!ReadFunctionsDumpPayload(ctx.arg(2), &codes, &err) ||
      !ctx.server.functions().Restore(codes, policy, &err)) {
    ctx.rb.SendError(err);
    return;
  }
  ctx.Propagate();
  ctx.rb.SendOk();
}

void CmdFunctionList(CommandContext& ctx) {
  bool with_code = false;
  bool filtered = false;
  std::string_view pattern;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (!with_code && EqualsNoCase(ctx.arg(i), "withcode")) {
      with_code = true;
    } else if (!filtered && EqualsNoCase(ctx.arg(i), "libraryname")) {
      if (i + 1 >= ctx.argc()) {
        ctx.rb.SendError("ERR library name argument was not given");
        return;
      }
      filtered = true;
      pattern = ctx.arg(++i);
    } else {
      ctx.rb.SendError("ERR Unknown argument " + std::string(ctx.arg(i)));
      return;
    }
  }
  std::vector<const FunctionStore::Library*> libs;
  for (const auto& [name, lib] : ctx.server.functions().libraries()) {
    if (!filtered || GlobMatch(pattern, name, true)) libs.push_back(&lib);
  }
  ReplyBuilder& rb = ctx.rb;
  auto bulks = [&rb](std::initializer_list<std::string_view> items) {
    for (std::string_view s : items) rb.SendBulk(s);
  };
  rb.StartArray(libs.size());
  for (const FunctionStore::Library* lib : libs) {
    rb.StartMap(with_code ? 4 : 3);
    bulks({"library_name", lib->name, "engine", "LUA", "functions"});
    rb.StartArray(lib->functions.size());
    for (const LuaEngine::Function& fn : lib->functions) {
      rb.StartMap(3);
      bulks({"name", fn.name, "description"});
      if (fn.has_description) {
        rb.SendBulk(fn.description);
      } else {
        rb.SendNull();
      }
      rb.SendBulk("flags");
      std::vector<std::string_view> flags = LuaEngine::FlagNames(fn.flags);
      rb.StartSet(flags.size());
      for (std::string_view f : flags) rb.SendSimple(f);
    }
    if (with_code) bulks({"library_code", lib->code});
  }
}

void CmdFunctionStats(CommandContext& ctx) {
  const LuaEngine* running = ctx.server.busy_script();
  if (running != nullptr && !running->is_functions()) {
    ctx.rb.SendError(running->BusyError());
    return;
  }
  const FunctionStore& store = ctx.server.functions();
  ReplyBuilder& rb = ctx.rb;
  rb.StartMap(2);
  rb.SendBulk("running_script");
  if (running == nullptr) {
    rb.SendNull();
  } else {
    const CommandContext& caller = *running->caller();
    rb.StartMap(3);
    rb.SendBulk("name");
    rb.SendBulk(running->running_name());
    rb.SendBulk("command");
    rb.StartArray(caller.argc());
    for (size_t i = 0; i < caller.argc(); ++i) rb.SendBulk(caller.arg(i));
    rb.SendBulk("duration_ms");
    rb.SendLong(running->running_ms());
  }
  rb.SendBulk("engines");
  rb.StartMap(1);
  rb.SendBulk("LUA");
  rb.StartMap(2);
  rb.SendBulk("libraries_count");
  rb.SendLong(static_cast<int64_t>(store.libraries().size()));
  rb.SendBulk("functions_count");
  rb.SendLong(static_cast<int64_t>(store.function_count()));
}

void CmdFunctionKill(CommandContext& ctx) { LuaEngine::KillCommand(ctx, false); }

void CmdFunctionHelp(CommandContext& ctx) {
  static const char* const kLines[] = {
      "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "LOAD [REPLACE] <FUNCTION CODE>",
      "    Create a new library with the given library name and code.",
      "DELETE <LIBRARY NAME>",
      "    Delete the given library.",
      "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
      "    Return general information on all the libraries:",
      "    * Library name",
      "    * The engine used to run the Library",
      "    * Functions list",
      "    * Library code (if WITHCODE is given)",
      "    It also possible to get only function that matches a pattern using LIBRARYNAME "
      "argument.",
      "STATS",
      "    Return information about the current function running:",
      "    * Function name",
      "    * Command used to run the function",
      "    * Duration in MS that the function is running",
      "    If no function is running, return nil",
      "    In addition, returns a list of available engines.",
      "KILL",
      "    Kill the current running function.",
      "FLUSH [ASYNC|SYNC]",
      "    Delete all the libraries.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the libraries.",
      "    * SYNC: Synchronously flush the libraries.",
      "DUMP",
      "    Return a serialized payload representing the current libraries, can be restored "
      "using FUNCTION RESTORE command",
      "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
      "    Restore the libraries represented by the given payload, it is possible to give a "
      "restore policy to",
      "    control how to handle existing libraries (default APPEND):",
      "    * FLUSH: delete all existing libraries.",
      "    * APPEND: appends the restored libraries to the existing libraries. On collision, "
      "abort.",
      "    * REPLACE: appends the restored libraries to the existing libraries, On collision, "
      "replace the old",
      "      libraries with the new libraries (notice that even on this option there is a "
      "chance of failure",
      "      in case of functions name collision with another library).",
      "HELP",
      "    Prints this help.",
  };
  ctx.rb.SendSimpleLines(kLines);
}

}  // namespace

void RegisterFunctionCommands(CommandRegistry& r) {
  constexpr uint32_t kFcall = kCmdNoScript | kCmdSkipMonitor | kCmdMayReplicate |
                              kCmdNoMandatoryKeys | kCmdStale | kCmdMovableKeys;
  auto fcall = [&r](const char* name, uint32_t flags, CommandHandler h, const char* summary) {
    CommandSpec& s = r.Add(MakeCommand(name, -3, flags, kAclSlow | kAclScripting, 0, 0, 0, h,
                                       "scripting", summary));
    s.keys = NumKeysSpec(2);
    s.since = "7.0.0";
  };
  fcall("fcall", kFcall, CmdFcall, "Invoke a function");
  fcall("fcall_ro", kFcall | kCmdReadOnly, CmdFcallRo, "Invoke a read-only function");

  r.Add(MakeCommand("function", -2, 0, kAclSlow, 0, 0, 0, nullptr, "scripting",
                    "A container for function commands"))
      .since = "7.0.0";
  auto sub = [&r](const char* name, int arity, uint32_t flags, uint32_t acl, CommandHandler h,
                  const char* summary) {
    CommandSpec& s = r.AddSub("function", MakeCommand(name, arity, flags, acl, 0, 0, 0, h,
                                                      "scripting", summary));
    s.since = "7.0.0";
  };
  constexpr uint32_t kWriteAcl = kAclWrite | kAclSlow | kAclScripting;
  constexpr uint32_t kReadAcl = kAclSlow | kAclScripting;
  sub("load", -3, kCmdWrite | kCmdDenyOom | kCmdNoScript, kWriteAcl, CmdFunctionLoad,
      "Create a function with the given arguments (name, code, description)");
  sub("delete", 3, kCmdWrite | kCmdNoScript, kWriteAcl, CmdFunctionDelete,
      "Delete a function by name");
  sub("flush", -2, kCmdWrite | kCmdNoScript, kWriteAcl, CmdFunctionFlush,
      "Deleting all functions");
  sub("dump", 2, kCmdNoScript, kReadAcl, CmdFunctionDump, "Dump all functions into a serialized binary payload");
  sub("restore", -3, kCmdWrite | kCmdDenyOom | kCmdNoScript, kWriteAcl, CmdFunctionRestore,
      "Restore all the functions on the given payload");
  sub("list", -2, kCmdNoScript, kReadAcl, CmdFunctionList, "List information about all the functions");
  sub("stats", 2, kCmdNoScript | kCmdAllowBusy, kReadAcl, CmdFunctionStats,
      "Return information about the function currently running (name, description, duration)");
  sub("kill", 2, kCmdNoScript | kCmdAllowBusy, kReadAcl, CmdFunctionKill,
      "Kill the function currently in execution.");
  sub("help", 2, kCmdLoading | kCmdStale, kAclSlow, CmdFunctionHelp,
      "Show helpful text about the different subcommands");
}

}  // namespace sable

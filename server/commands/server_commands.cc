// TIME, LASTSAVE, SHUTDOWN: server-wide commands that are not about the keyspace.
#include <cctype>
#include <string>

#include "server/commands/register.h"
#include "server/core/context.h"
#include "server/core/server.h"
#include "server/resp/errors.h"
#include "server/scripting/lua_engine.h"
#include "server/util/clock.h"
#include "server/util/strings.h"

namespace sable {
namespace {

void CmdTime(CommandContext& ctx) {
  int64_t us = WallUs();
  ctx.rb.StartArray(2);
  ctx.rb.SendBulk(std::to_string(us / 1000000));
  ctx.rb.SendBulk(std::to_string(us % 1000000));
}

void CmdLastSave(CommandContext& ctx) { ctx.rb.SendLong(ctx.server.last_save_time()); }

// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]. Persistence decides through the server's shutdown
// hooks whether to save; on success the reply is the closed socket, as with Redis. A primary
// first waits for its replicas (Server::BeginShutdown), with this client blocked.
void CmdShutdown(CommandContext& ctx) {
  Server::ShutdownOptions opts;
  bool abort = false;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view a = ctx.arg(i);
    auto is = [a](std::string_view w) { return EqualsNoCase(a, w); };
    if (is("nosave")) {
      opts.nosave = true;
    } else if (is("save")) {
      opts.save = true;
    } else if (is("now")) {
      opts.now = true;
    } else if (is("force")) {
      opts.force = true;
    } else if (is("abort")) {
      abort = true;
    } else {
      ctx.rb.SendError(errors::kSyntax);
      return;
    }
  }
  if ((opts.nosave && opts.save) || (abort && (ctx.argc() != 2))) {
    ctx.rb.SendError(errors::kSyntax);
    return;
  }
  if (abort) {
    if (ctx.server.AbortShutdown()) {
      ctx.rb.SendSimple("OK");
    } else {
      ctx.rb.SendError("ERR No shutdown in progress.");
    }
    return;
  }
  if (ctx.client->in_multi) {
    ctx.rb.SendError("ERR Command not allowed inside a transaction");
    return;
  }
  // Past busy-reply-threshold a script holds the loop: only SHUTDOWN NOSAVE may end it.
  if (ctx.server.busy_script() != nullptr && !opts.nosave) {
    ctx.rb.SendError(ctx.server.busy_script()->BusyError());
    return;
  }
  switch (ctx.server.BeginShutdown(ctx.client, opts)) {
    case Server::ShutdownResult::kExiting:
      // The client sees the connection close, as with Redis.
      ctx.server.CloseClient(ctx.client, false);
      break;
    case Server::ShutdownResult::kWaiting:
      // Blocked until the replicas catch up (no reply) or the shutdown fails or is aborted.
      break;
    case Server::ShutdownResult::kFailed:
      ctx.rb.SendError("ERR Errors trying to SHUTDOWN. Check logs.");
      break;
  }
}

}  // namespace

void RegisterServerCommands(CommandRegistry& r) {
  auto add = [&r](const char* name, int arity, uint32_t flags, uint32_t acl, CommandHandler h,
                  const char* since, const char* summary) {
    CommandSpec& s = r.Add(MakeCommand(name, arity, flags, acl, 0, 0, 0, h, "server", summary));
    s.since = since;
  };
  add("time", 1, kCmdLoading | kCmdStale | kCmdFast, kAclFast, CmdTime, "2.6.0",
      "Return the current server time");
  add("lastsave", 1, kCmdLoading | kCmdStale | kCmdFast, kAclFast | kAclAdmin | kAclDangerous,
      CmdLastSave, "1.0.0", "Get the UNIX time stamp of the last successful save to disk");
  add("shutdown", -1,
      kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale | kCmdNoMulti | kCmdAllowBusy,
      kAclAdmin | kAclSlow | kAclDangerous, CmdShutdown, "1.0.0",
      "Synchronously save the dataset to disk and then shut down the server");
}

}  // namespace sable

// MULTI, EXEC, DISCARD, WATCH, UNWATCH. Queueing itself happens in the dispatcher, which knows
// which commands run at once inside MULTI.
#include <string>
#include <vector>

#include "server/commands/register.h"
#include "server/core/context.h"
#include "server/core/server.h"
#include "server/resp/errors.h"

namespace sable {
namespace {

void DiscardTransaction(Server& server, Client* c) {
  c->in_multi = false;
  c->multi_error = false;
  c->queued.clear();
  c->queued_bytes = 0;
  server.UnwatchAll(c);
}

void CmdMulti(CommandContext& ctx) {
  if (ctx.client->in_multi) {
    ctx.rb.SendError(errors::kMultiNested);
    return;
  }
  ctx.client->in_multi = true;
  ctx.rb.SendOk();
}

void CmdDiscard(CommandContext& ctx) {
  if (!ctx.client->in_multi) {
    ctx.rb.SendError(errors::kDiscardWithoutMulti);
    return;
  }
  DiscardTransaction(ctx.server, ctx.client);
  ctx.rb.SendOk();
}

void CmdExec(CommandContext& ctx) {
  Client* c = ctx.client;
  if (!c->in_multi) {
    ctx.rb.SendError(errors::kExecWithoutMulti);
    return;
  }
  if (c->multi_error) {
    DiscardTransaction(ctx.server, c);
    ctx.rb.SendError(errors::kExecAbort);
    return;
  }
  if (c->watch_broken) {
    DiscardTransaction(ctx.server, c);
    ctx.rb.SendNullArray();
    return;
  }
  std::vector<QueuedCommand> queued = std::move(c->queued);
  c->queued.clear();
  c->queued_bytes = 0;
  c->in_multi = false;
  // Keys stop being watched once EXEC starts, as in Redis.
  ctx.server.UnwatchAll(c);
  ctx.rb.StartArray(queued.size());
  std::vector<std::string_view> argv;
  for (QueuedCommand& q : queued) {
    argv.assign(q.args.begin(), q.args.end());
    ctx.server.Call(c, q.cmd, argv);
  }
}

void CmdWatch(CommandContext& ctx) {
  if (ctx.client->in_multi) {
    ctx.rb.SendError(errors::kWatchInMulti);
    return;
  }
  for (size_t i = 1; i < ctx.argc(); ++i) {
    // Delete a logically expired key before watching it: its expiry happened before WATCH
    // and must not count as a change (Redis records expiry state at WATCH time).
    ctx.db().Find(ctx.arg(i), false);
    ctx.server.Watch(ctx.client, ctx.arg(i));
  }
  ctx.rb.SendOk();
}

void CmdUnwatch(CommandContext& ctx) {
  ctx.server.UnwatchAll(ctx.client);
  ctx.rb.SendOk();
}

}  // namespace

void RegisterTransactionCommands(CommandRegistry& r) {
  constexpr uint32_t kTx = kAclTransaction;
  constexpr uint32_t kFlags = kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast | kCmdAllowBusy;
  r.Add(MakeCommand("multi", 1, kFlags, kTx | kAclFast, 0, 0, 0, CmdMulti, "transactions",
                    "Starts a transaction."));
  r.Add(MakeCommand("exec", 1, kCmdNoScript | kCmdLoading | kCmdStale | kCmdSkipSlowlog, kTx | kAclSlow,
                    0, 0, 0, CmdExec, "transactions",
                    "Executes all commands in a transaction."));
  r.Add(MakeCommand("discard", 1, kFlags, kTx | kAclFast, 0, 0, 0, CmdDiscard, "transactions",
                    "Discards a transaction."));
  r.Add(MakeCommand("watch", -2, kFlags, kTx | kAclFast, 1, -1, 1, CmdWatch, "transactions",
                    "Monitors changes to keys to determine the execution of a transaction."));
  r.Add(MakeCommand("unwatch", 1, kFlags, kTx | kAclFast, 0, 0, 0, CmdUnwatch, "transactions",
                    "Forgets about watched keys of a transaction."));
}

}  // namespace sable

// REPLICAOF and its old name SLAVEOF: follow a primary, or stop following (NO ONE).
#include <string>

#include "server/commands/register.h"
#include "server/core/context.h"
#include "server/core/server.h"
#include "server/repl/replica.h"
#include "server/util/numbers.h"
#include "server/util/strings.h"

namespace sable {
namespace {

void CmdReplicaOf(CommandContext& ctx) {
  if (ctx.server.cfg().cluster_enabled) {
    ctx.rb.SendError("ERR REPLICAOF not allowed in cluster mode.");
    return;
  }
  Replica& replica = ctx.server.replica();
  if (EqualsNoCase(ctx.arg(1), "no") && EqualsNoCase(ctx.arg(2), "one")) {
    replica.PromoteToPrimary();
    ctx.rb.SendOk();
    return;
  }
  if (ctx.client->is_replica) {
    ctx.rb.SendError("ERR Command is not valid when client is a replica.");
    return;
  }
  int64_t port;
  if (!ParseInt64(ctx.arg(2), &port) || port < 0 || port > 65535) {
    ctx.rb.SendError("ERR Invalid master port");
    return;
  }
  if (!replica.ReplicaOf(std::string(ctx.arg(1)), static_cast<int>(port))) {
    ctx.rb.SendSimple("OK Already connected to specified master");
    return;
  }
  ctx.rb.SendOk();
}

}  // namespace

void RegisterReplicaCommands(CommandRegistry& r) {
  constexpr uint32_t kFlags = kCmdAdmin | kCmdNoScript | kCmdStale;
  constexpr uint32_t kAcl = kAclAdmin | kAclSlow | kAclDangerous;
  CommandSpec& a = r.Add(MakeCommand("replicaof", 3, kFlags, kAcl, 0, 0, 0, CmdReplicaOf, "server",
                                     "Configure a server as replica of another, or promote it to "
                                     "a master."));
  a.since = "5.0.0";
  CommandSpec& b = r.Add(MakeCommand("slaveof", 3, kFlags, kAcl, 0, 0, 0, CmdReplicaOf, "server",
                                     "Sets a Redis server as a replica of another, or promotes it "
                                     "to being a master."));
  b.since = "1.0.0";
}

}  // namespace sable

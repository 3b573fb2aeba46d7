// The primary-side replication commands; the work is in ReplPrimary (server/repl/primary.cc).
#include "server/commands/register.h"
#include "server/core/context.h"
#include "server/core/server.h"
#include "server/repl/primary.h"

namespace sable {
namespace {

void CmdReplconf(CommandContext& ctx) { ctx.server.repl_primary().CmdReplconf(ctx); }
void CmdSync(CommandContext& ctx) { ctx.server.repl_primary().CmdSync(ctx); }
void CmdWait(CommandContext& ctx) { ctx.server.repl_primary().CmdWait(ctx); }
void CmdRole(CommandContext& ctx) { ctx.server.repl_primary().CmdRole(ctx); }

}  // namespace

void RegisterPrimaryCommands(CommandRegistry& r) {
  constexpr uint32_t kAdminAcl = kAclAdmin | kAclSlow | kAclDangerous;
  r.Add(MakeCommand("replconf", -1,
                    kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale | kCmdAllowBusy, kAdminAcl,
                    0, 0, 0, CmdReplconf, "server",
                    "An internal command for configuring the replication stream."));
  r.Add(MakeCommand("psync", -3, kCmdAdmin | kCmdNoScript | kCmdNoMulti, kAdminAcl, 0, 0, 0,
                    CmdSync, "server", "An internal command used in replication."));
  r.Add(MakeCommand("sync", 1, kCmdAdmin | kCmdNoScript | kCmdNoMulti, kAdminAcl, 0, 0, 0, CmdSync,
                    "server", "An internal command used in replication."));
  r.Add(MakeCommand("wait", 3, kCmdNoScript, kAclConnection | kAclSlow, 0, 0, 0, CmdWait, "generic",
                    "Blocks until the asynchronous replication of all preceding write commands "
                    "sent by the connection is completed."));
  r.Add(MakeCommand("role", 1, kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast,
                    kAclAdmin | kAclFast | kAclDangerous, 0, 0, 0, CmdRole, "server",
                    "Returns the replication role."));
}

}  // namespace sable

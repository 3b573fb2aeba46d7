// BGREWRITEAOF. The work is AofPersistence's (server/persist/aof.h).
#include "server/commands/register.h"
#include "server/core/context.h"
#include "server/core/server.h"
#include "server/persist/aof.h"

namespace sable {
namespace {

constexpr char kRewriteFailed[] =
    "ERR Can't execute an AOF background rewriting. Please check the server logs for more "
    "information.";

// Started now; scheduled while another child (BGSAVE) runs or inside EXEC; refused while a
// rewrite already runs.
void CmdBgRewriteAof(CommandContext& ctx) {
  AofPersistence* aof = ctx.server.aof();
  if (aof == nullptr) {
    ctx.rb.SendError(kRewriteFailed);
    return;
  }
  switch (aof->RequestRewrite()) {
    case AofPersistence::RewriteRequest::kStarted:
      ctx.rb.SendSimple("Background append only file rewriting started");
      break;
    case AofPersistence::RewriteRequest::kScheduled:
      ctx.rb.SendSimple("Background append only file rewriting scheduled");
      break;
    case AofPersistence::RewriteRequest::kInProgress:
      ctx.rb.SendError("ERR Background append only file rewriting already in progress");
      break;
    case AofPersistence::RewriteRequest::kFailed:
      ctx.rb.SendError(kRewriteFailed);
      break;
  }
}

}  // namespace

void RegisterAofCommands(CommandRegistry& r) {
  CommandSpec& s = r.Add(MakeCommand("bgrewriteaof", 1, kCmdAdmin | kCmdNoScript,
                                     kAclAdmin | kAclSlow | kAclDangerous, 0, 0, 0, CmdBgRewriteAof,
                                     "server", "Asynchronously rewrite the append-only file"));
  s.since = "1.0.0";
  s.complexity = "O(1)";
}

}  // namespace sable

// SAVE and BGSAVE: RDB snapshots on demand. The work is RdbPersistence's (server/persist).
#include <string>

#include "server/commands/register.h"
#include "server/core/context.h"
#include "server/core/server.h"
#include "server/persist/rdb_persistence.h"
#include "server/resp/errors.h"
#include "server/util/strings.h"

namespace sable {
namespace {

constexpr char kBgsaveInProgress[] = "ERR Background save already in progress";

// The RDB persistence a SAVE/BGSAVE acts on, or nullptr after replying with why not.
RdbPersistence* SaveTarget(CommandContext& ctx) {
  RdbPersistence* rdb = ctx.server.rdb();
  if (rdb == nullptr) {
    ctx.rb.SendError("ERR");
    return nullptr;
  }
  if (rdb->bgsave_in_progress()) {
    ctx.rb.SendError(kBgsaveInProgress);
    return nullptr;
  }
  return rdb;
}

void CmdSave(CommandContext& ctx) {
  RdbPersistence* rdb = SaveTarget(ctx);
  if (rdb == nullptr) return;
  rdb->CountSaveCommand();
  std::string err;
  // Redis answers a failed SAVE with a bare "-ERR"; the reason is in the log.
  if (rdb->Save(&err)) {
    ctx.rb.SendOk();
  } else {
    ctx.rb.SendError("ERR");
  }
}

// BGSAVE [SCHEDULE]: with another child running (an AOF rewrite), SCHEDULE defers the save until
// it ends; inside EXEC the save is always deferred, as Redis does.
void CmdBgsave(CommandContext& ctx) {
  bool schedule = false;
  if (ctx.argc() > 1) {
    if (ctx.argc() == 2 && EqualsNoCase(ctx.arg(1), "schedule")) {
      schedule = true;
    } else {
      ctx.rb.SendError(errors::kSyntax);
      return;
    }
  }
  RdbPersistence* rdb = SaveTarget(ctx);
  if (rdb == nullptr) return;
  if (ctx.server.child().active() || ctx.server.in_exec()) {
    if (schedule || ctx.server.in_exec()) {
      rdb->ScheduleBackgroundSave();
      ctx.rb.SendSimple("Background saving scheduled");
    } else {
      ctx.rb.SendError(
          "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE "
          "SCHEDULE in order to schedule a BGSAVE whenever possible.");
    }
    return;
  }
  std::string err = rdb->BackgroundSave();
  if (err.empty()) {
    ctx.rb.SendSimple("Background saving started");
  } else {
    ctx.rb.SendError(err);
  }
}

}  // namespace

void RegisterPersistenceCommands(CommandRegistry& r) {
  const uint32_t kAcl = kAclAdmin | kAclSlow | kAclDangerous;
  CommandSpec& save = r.Add(MakeCommand("save", 1, kCmdAdmin | kCmdNoScript | kCmdNoMulti, kAcl,
                                        0, 0, 0, CmdSave, "server",
                                        "Synchronously saves the database(s) to disk."));
  save.since = "1.0.0";
  CommandSpec& bgsave = r.Add(MakeCommand("bgsave", -1, kCmdAdmin | kCmdNoScript, kAcl, 0, 0, 0,
                                          CmdBgsave, "server",
                                          "Asynchronously saves the database(s) to disk."));
  bgsave.since = "1.0.0";
}

}  // namespace sable

#include "server/core/client_pause.h"

#include <algorithm>
#include <string>

#include "server/core/client.h"
#include "server/core/command.h"
#include "server/core/server.h"
#include "server/util/clock.h"

namespace sable {

void ClientPause::Start(Server& server, Mode mode, int64_t end_ms, Purpose purpose) {
  Pause& p = pauses_[static_cast<size_t>(purpose)];
  p.mode = std::max(p.mode, mode);
  p.end_ms = std::max(p.end_ms, end_ms);
  // One timer per pause, for its latest deadline; re-armed when a pause extends it.
  if (p.timer != 0) server.loop().CancelTimer(p.timer);
  int64_t delay = std::max<int64_t>(0, p.end_ms - WallMs());
  p.timer = server.loop().AddTimer(static_cast<uint64_t>(delay), 0, [this, &server, purpose] {
    pauses_[static_cast<size_t>(purpose)].timer = 0;
    End(server, purpose);
  });
  Update(server);
}

void ClientPause::End(Server& server, Purpose purpose) {
  Pause& p = pauses_[static_cast<size_t>(purpose)];
  p.mode = Mode::kOff;
  p.end_ms = 0;
  if (p.timer != 0) {
    server.loop().CancelTimer(p.timer);
    p.timer = 0;
  }
  Update(server);
}

void ClientPause::Update(Server& server) {
  Mode before = mode_;
  mode_ = Mode::kOff;
  for (const Pause& p : pauses_) mode_ = std::max(mode_, p.mode);
  if (mode_ >= before || held_.empty()) return;
  std::vector<uint64_t> ids;
  ids.swap(held_);
  server.loop().Post([&server, ids = std::move(ids)] { RunHeld(server, ids); });
}

bool ClientPause::Holds(Client* c, const CommandSpec* cmd) const {
  // A socketless client (tests, internal callers) has no connection to stop reading.
  if (mode_ == Mode::kOff || c->conn() == nullptr) return false;
  // Replicas keep acknowledging during a pause (WAIT and failover rely on it), as in Redis.
  if (c->is_replica) return false;
  if (mode_ == Mode::kAll) return true;
  // WRITE: whatever may change the dataset or be propagated, including an EXEC whose
  // transaction holds such a command (Redis checks the flags MULTI gathered).
  constexpr uint32_t kMayWrite = kCmdWrite | kCmdMayReplicate;
  if (cmd->flags & kMayWrite) return true;
  if (cmd->name == "exec" && c->in_multi) {
    for (const QueuedCommand& q : c->queued) {
      if (q.cmd->flags & kMayWrite) return true;
    }
  }
  return false;
}

void ClientPause::Hold(Client* c, const std::vector<std::string_view>& args) {
  c->postponed.assign(args.begin(), args.end());
  held_.push_back(c->id());
  c->conn()->Pause();
}

void ClientPause::RunHeld(Server& server, const std::vector<uint64_t>& ids) {
  for (uint64_t id : ids) {
    Client* c = server.FindClient(id);
    // Gone meanwhile, or already replayed by an earlier End().
    if (c == nullptr || c->postponed.empty()) continue;
    std::vector<std::string> argv;
    argv.swap(c->postponed);
    if (c->closing()) continue;
    std::vector<std::string_view> views(argv.begin(), argv.end());
    server.ProcessCommand(c, views);
    c->ScheduleFlush();
    if (!server.CheckOutputLimits(c)) continue;
    // A pause started by an earlier replayed command may have held this one again.
    if (c->postponed.empty() && c->conn() != nullptr) c->conn()->Resume();
  }
}

}  // namespace sable

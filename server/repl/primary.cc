#include "server/repl/primary.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

#include "server/core/context.h"
#include "server/core/server.h"
#include "server/persist/aof_format.h"
#include "server/persist/rdb_persistence.h"
#include "server/persist/rdb_writer.h"
#include "server/repl/repl_state.h"
#include "server/resp/errors.h"
#include "server/util/clock.h"
#include "server/util/numbers.h"
#include "server/util/strings.h"

namespace sable {
namespace {

// Lowercase, byte for byte what Redis feeds (its shared "ping" object).
constexpr std::string_view kPingCmd = "*1\r\n$4\r\nping\r\n";
constexpr std::string_view kGetAckCmd = "*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n";

// Writes the diskless RDB from the child to every replica socket. The sockets are non-blocking
// (the parent's libuv owns them), so a full socket is waited on with poll(); a replica that
// fails or stalls past the timeout is dropped and the others go on.
class FanoutSink : public RdbSink {
 public:
  FanoutSink(std::vector<int> fds, int timeout_ms)
      : fds_(std::move(fds)), ok_(fds_.size(), true), timeout_ms_(timeout_ms) {}

  bool Write(const char* p, size_t n) override {
    buf_.append(p, n);
    if (buf_.size() >= 64 * 1024) return Flush();
    return true;
  }
  bool Flush() override {
    for (size_t i = 0; i < fds_.size(); ++i) {
      if (ok_[i]) ok_[i] = WriteAll(fds_[i], buf_);
    }
    buf_.clear();
    return AnyOk();
  }
  std::string error() const override { return "no replica left to write to"; }
  bool AnyOk() const {
    for (bool ok : ok_) {
      if (ok) return true;
    }
    return false;
  }

 private:
  bool WriteAll(int fd, std::string_view data) const {
    while (!data.empty()) {
      ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) {
        data.remove_prefix(static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        pollfd pfd{fd, POLLOUT, 0};
        int r = poll(&pfd, 1, timeout_ms_);
        if (r <= 0 || (pfd.revents & (POLLERR | POLLHUP))) return false;
        continue;
      }
      return false;
    }
    return true;
  }

  std::vector<int> fds_;
  std::vector<bool> ok_;
  int timeout_ms_;
  std::string buf_;
};

const char* StateName(const ReplPrimary::ReplicaLink& r) {
  switch (r.state) {
    case ReplPrimary::ReplicaState::kWaitBgsaveStart:
    case ReplPrimary::ReplicaState::kWaitBgsaveEnd:
      return "wait_bgsave";
    case ReplPrimary::ReplicaState::kSendBulk:
      return "send_bulk";
    case ReplPrimary::ReplicaState::kOnline:
      break;
  }
  return "online";
}

std::string ReplicaIp(const ReplPrimary::ReplicaLink& r) {
  if (!r.conf.announced_ip.empty()) return r.conf.announced_ip;
  net::Connection* conn = r.client->conn();
  return conn ? std::string(conn->peer_ip()) : std::string();
}

}  // namespace

ReplPrimary::ReplPrimary(Server* server) : server_(server) {
  server_->AddPropagationSink(
      [this](int db, const std::vector<std::string_view>& argv) { FeedCommand(db, argv); },
      kPropagateRepl);
  server_->repl().SetStreamConsumer([this](std::string_view bytes) { Deliver(bytes); });
  server_->AddCronHook([this] { Cron(); });
  // Ahead of the connection flush, so what it queues leaves in this same loop iteration.
  server_->loop().AddBeforeSleep(
      [this] {
        // Disk-based transfers advance as their sockets drain (a write completion wakes the loop).
        for (auto& [id, r] : replicas_) {
          if (r.state == ReplicaState::kSendBulk) PumpBulk(r);
        }
        // WAIT asked for fresh offsets: one GETACK per loop iteration however many WAITs came.
        if (!getack_pending_) return;
        getack_pending_ = false;
        if (!replicas_.empty()) server_->repl().Feed(kGetAckCmd);
      },
      /*first=*/true);
  server_->config().OnChange("repl-backlog-size", [this]() -> std::optional<std::string> {
    server_->repl().SetBacklogSize(server_->cfg().repl_backlog_size);
    return std::nullopt;
  });
}

ReplPrimary::~ReplPrimary() {
  for (Waiter& w : waiters_) {
    if (w.timer) server_->loop().CancelTimer(w.timer);
  }
}

// ---- the stream ------------------------------------------------------------------------------

void ReplPrimary::FeedCommand(int db, const std::vector<std::string_view>& argv) {
  ReplicationState& rs = server_->repl();
  // A replica forwards its primary's bytes as they are (the replica side feeds them); its own
  // effects of applying them must not be fed a second time.
  if (rs.is_replica() || !rs.backlog_active()) return;
  std::string buf;
  if (db != -1 && db != rs.stream_db()) {
    AppendSelect(&buf, db);
    rs.set_stream_db(db);
  }
  AppendRespCommand(&buf, argv);
  rs.Feed(buf);
}

void ReplPrimary::Deliver(std::string_view bytes) {
  for (auto& [id, r] : replicas_) {
    if (r.client->closing()) continue;
    switch (r.state) {
      case ReplicaState::kWaitBgsaveStart:
        // Its snapshot will be taken later and contain these effects.
        break;
      case ReplicaState::kWaitBgsaveEnd:
      case ReplicaState::kSendBulk:
        r.pending.append(bytes);
        DropIfPendingOverLimit(r);
        break;
      case ReplicaState::kOnline:
        if (r.start_on_ack) {
          r.pending.append(bytes);
          DropIfPendingOverLimit(r);
        } else {
          SendToReplica(r, bytes);
          server_->CheckOutputLimits(r.client);
        }
        break;
    }
  }
}

// The stream held back while a replica waits for its snapshot is output owed to that replica:
// Redis counts it against the replica class's hard limit, so a slow full sync cannot grow it
// without bound.
void ReplPrimary::DropIfPendingOverLimit(ReplicaLink& r) {
  uint64_t hard = server_->cfg()
                      .client_output_buffer_limit[static_cast<int>(ClientClass::kReplica)]
                      .hard_limit_bytes;
  if (hard == 0 || r.pending.size() < hard) return;
  spdlog::warn("Client id={} addr={} scheduled to be closed ASAP for overcoming of output "
               "buffer limits.", r.client->id(),
               r.client->conn() ? r.client->conn()->peer() : std::string());
  r.pending.clear();
  server_->CloseClient(r.client, false);
}

// The snapshot child could not be started: the replicas waiting for it are dropped and will
// retry their PSYNC.
void ReplPrimary::FailWaitingReplicas(const std::string& err) {
  spdlog::warn("BGSAVE for replication failed: {}", err);
  for (auto& [id, r] : replicas_) {
    if (r.state == ReplicaState::kWaitBgsaveStart) KillReplica(r);
  }
}

void ReplPrimary::SendToReplica(ReplicaLink& r, std::string_view bytes) {
  r.client->out().Append(bytes);
  r.client->ScheduleFlush();
}

void ReplPrimary::PutOnline(ReplicaLink& r) {
  r.state = ReplicaState::kOnline;
  r.start_on_ack = false;
  r.ack_time_ms = WallMs();
  if (!r.pending.empty()) {
    SendToReplica(r, r.pending);
    std::string().swap(r.pending);
  }
  net::Connection* conn = r.client->conn();
  spdlog::info("Synchronization with replica {} succeeded", conn ? conn->peer() : "?");
  AskAcksForWaiters();
}

void ReplPrimary::AskAcksForWaiters() {
  // A replica that (re)joins while clients sit in WAIT: ask for its offset now rather than at
  // its next once-a-second ACK (after a failover the repointed replica is what WAIT needs).
  if (!waiters_.empty()) getack_pending_ = true;
}

void ReplPrimary::PumpBulk(ReplicaLink& r) {
  constexpr size_t kWindow = 4 << 20;
  constexpr size_t kChunk = 1 << 20;
  if (r.client->closing() || !r.bulk) return;
  while (r.bulk_pos < r.bulk->size() && r.client->out().size() < kWindow) {
    size_t n = std::min(kChunk, r.bulk->size() - r.bulk_pos);
    SendToReplica(r, std::string_view(*r.bulk).substr(r.bulk_pos, n));
    r.bulk_pos += n;
  }
  if (r.bulk_pos < r.bulk->size()) return;
  r.bulk.reset();
  if (r.conf.rdb_only) {
    // redis-cli --rdb: the snapshot was all it wanted.
    r.client->conn()->CloseAfterReply();
    return;
  }
  // The length prefix tells the replica where the RDB ends, so the stream may follow at once.
  PutOnline(r);
}

void ReplPrimary::KillReplica(ReplicaLink& r) {
  if (r.client->conn()) r.client->conn()->Close();
}

void ReplPrimary::DisconnectReplicas() {
  for (auto& [id, r] : replicas_) KillReplica(r);
}

void ReplPrimary::OnClientClosed(Client* c) {
  confs_.erase(c->id());
  auto it = replicas_.find(c->id());
  if (it != replicas_.end()) {
    net::Connection* conn = c->conn();
    spdlog::info("Connection with replica {} lost.", conn ? conn->peer() : "?");
    replicas_.erase(it);
    if (replicas_.empty()) no_replicas_since_ms_ = WallMs();
  }
  for (size_t i = 0; i < waiters_.size(); ++i) {
    if (waiters_[i].client != c) continue;
    if (waiters_[i].timer) server_->loop().CancelTimer(waiters_[i].timer);
    waiters_.erase(waiters_.begin() + static_cast<long>(i));
    break;
  }
}

// ---- full sync -------------------------------------------------------------------------------

void ReplPrimary::MaybeStartFullSync(bool from_cron) {
  if (server_->child().active()) return;
  const ServerConfig& cfg = server_->cfg();
  std::vector<ReplicaLink*> waiting;
  bool diskless = cfg.repl_diskless_sync;
  int64_t oldest = 0;
  for (auto& [id, r] : replicas_) {
    if (r.state != ReplicaState::kWaitBgsaveStart || r.client->closing()) continue;
    waiting.push_back(&r);
    if (!r.conf.capa_eof || r.old_sync) diskless = false;
    if (oldest == 0 || r.wait_start_ms < oldest) oldest = r.wait_start_ms;
  }
  if (waiting.empty()) return;
  if (!diskless) {
    StartDiskSync();
    return;
  }
  // Diskless: the child writes "+FULLRESYNC" itself, so it waits for cron, for the delay (more
  // replicas may come and share the transfer), and for earlier replies to have left.
  if (!from_cron) return;
  bool enough = cfg.repl_diskless_sync_max_replicas > 0 &&
                static_cast<int>(waiting.size()) >= cfg.repl_diskless_sync_max_replicas;
  if (!enough && WallMs() - oldest < static_cast<int64_t>(cfg.repl_diskless_sync_delay) * 1000) {
    return;
  }
  for (ReplicaLink* r : waiting) {
    if (!r->client->out().empty()) return;
  }
  StartDisklessSync();
}

namespace {

RdbSaveOptions SyncSaveOptions(Server& server, int64_t offset) {
  RdbSaveOptions opts = server.rdb() ? server.rdb()->SaveOptions() : RdbSaveOptions{};
  // A primary's stream starts with SELECT after the snapshot; a replica forwards its primary's
  // bytes, which continue in the db selected there.
  const ReplicationState& rs = server.repl();
  int stream_db = rs.is_replica() && rs.replica_stream_db ? rs.replica_stream_db() : 0;
  opts.extra_aux.emplace_back("repl-stream-db", std::to_string(stream_db));
  opts.extra_aux.emplace_back("repl-id", server.repl().replid());
  opts.extra_aux.emplace_back("repl-offset", std::to_string(offset));
  return opts;
}

}  // namespace

void ReplPrimary::StartDiskSync() {
  ReplicationState& rs = server_->repl();
  int64_t offset = rs.master_repl_offset();
  rdb_path_ = server_->rdb() ? server_->rdb()->Path() : server_->cfg().dbfilename;
  RdbSaveOptions opts = SyncSaveOptions(*server_, offset);
  spdlog::info("Starting BGSAVE for SYNC with target: disk");
  std::string err = server_->child().Start(
      ChildProcess::Kind::kRdb,
      [this, &opts] {
        std::string e;
        return SaveRdbFile(*server_, rdb_path_, opts, &e) ? 0 : 1;
      },
      [this](int code, bool by_signal) { DiskSyncDone(code, by_signal); });
  if (!err.empty()) {
    FailWaitingReplicas(err);
    return;
  }
  sync_child_ = true;
  sync_child_diskless_ = false;
  // The next propagated command selects its db: the replica's db is unknown after loading.
  rs.set_stream_db(-1);
  std::string line = "+FULLRESYNC " + rs.replid() + " " + std::to_string(offset) + "\r\n";
  for (auto& [id, r] : replicas_) {
    if (r.state != ReplicaState::kWaitBgsaveStart || r.client->closing()) continue;
    r.state = ReplicaState::kWaitBgsaveEnd;
    r.diskless = false;
    r.psync_initial_offset = offset;
    r.pending.clear();
    if (!r.old_sync) SendToReplica(r, line);
  }
}

void ReplPrimary::DiskSyncDone(int exit_code, bool by_signal) {
  sync_child_ = false;
  bool ok = exit_code == 0 && !by_signal;
  std::string rdb;
  if (ok) {
    std::ifstream in(rdb_path_, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    ok = in.good() || in.eof();
    rdb = ss.str();
  }
  if (ok) {
    spdlog::info("Background RDB transfer terminated with success");
  } else {
    spdlog::warn("Background transfer error");
  }
  auto shared = std::make_shared<const std::string>(std::move(rdb));
  for (auto& [id, r] : replicas_) {
    if (r.state != ReplicaState::kWaitBgsaveEnd || r.diskless) continue;
    if (!ok) {
      KillReplica(r);
      continue;
    }
    SendToReplica(r, "$" + std::to_string(shared->size()) + "\r\n");
    r.state = ReplicaState::kSendBulk;
    r.bulk = shared;
    r.bulk_pos = 0;
    PumpBulk(r);
  }
  MaybeStartFullSync(false);
}

void ReplPrimary::StartDisklessSync() {
  ReplicationState& rs = server_->repl();
  int64_t offset = rs.master_repl_offset();
  std::string mark = ReplicationState::RandomReplId();
  std::string preamble =
      "+FULLRESYNC " + rs.replid() + " " + std::to_string(offset) + "\r\n$EOF:" + mark + "\r\n";
  std::vector<int> fds;
  for (auto& [id, r] : replicas_) {
    if (r.state != ReplicaState::kWaitBgsaveStart || r.client->closing()) continue;
    fds.push_back(r.client->conn()->fd());
  }
  RdbSaveOptions opts = SyncSaveOptions(*server_, offset);
  int timeout_ms = std::max(1, server_->cfg().repl_timeout) * 1000;
  spdlog::info("Starting BGSAVE for SYNC with target: replicas sockets");
  std::string err = server_->child().Start(
      ChildProcess::Kind::kRdb,
      [&] {
        FanoutSink sink(fds, timeout_ms);
        std::string e;
        if (!sink.Write(preamble.data(), preamble.size())) return 1;
        if (!WriteRdb(*server_, sink, opts, &e)) return 1;
        if (!sink.Write(mark.data(), mark.size()) || !sink.Flush()) return 1;
        return 0;
      },
      [this](int code, bool by_signal) { DisklessSyncDone(code, by_signal); });
  if (!err.empty()) {
    FailWaitingReplicas(err);
    return;
  }
  sync_child_ = true;
  sync_child_diskless_ = true;
  rs.set_stream_db(-1);
  for (auto& [id, r] : replicas_) {
    if (r.state != ReplicaState::kWaitBgsaveStart || r.client->closing()) continue;
    r.state = ReplicaState::kWaitBgsaveEnd;
    r.diskless = true;
    r.psync_initial_offset = offset;
    r.pending.clear();
    r.acked_early = false;
  }
}

void ReplPrimary::DisklessSyncDone(int exit_code, bool by_signal) {
  sync_child_ = false;
  bool ok = exit_code == 0 && !by_signal;
  if (ok) {
    spdlog::info("Background RDB transfer terminated with success");
  } else {
    spdlog::warn("Background transfer error");
  }
  for (auto& [id, r] : replicas_) {
    if (r.state != ReplicaState::kWaitBgsaveEnd || !r.diskless) continue;
    if (!ok || r.conf.rdb_only) {
      KillReplica(r);
      continue;
    }
    // The replica reads the RDB up to the EOF mark with no length, so nothing may follow it on
    // the socket until the replica has loaded and ACKed; the stream is held until then.
    r.state = ReplicaState::kOnline;
    r.start_on_ack = true;
    r.ack_time_ms = WallMs();
    if (r.acked_early) PutOnline(r);
  }
  MaybeStartFullSync(false);
}

// ---- cron ------------------------------------------------------------------------------------

void ReplPrimary::Cron() {
  ReplicationState& rs = server_->repl();
  const ServerConfig& cfg = server_->cfg();
  int64_t now = WallMs();
  for (auto& [id, r] : replicas_) {
    if (r.state != ReplicaState::kOnline || r.old_sync || r.client->closing()) continue;
    if (now - r.ack_time_ms > static_cast<int64_t>(cfg.repl_timeout) * 1000) {
      spdlog::warn("Disconnecting timedout replica (streaming sync): {}:{}", ReplicaIp(r),
                   r.conf.listening_port);
      KillReplica(r);
    }
  }
  MaybeStartFullSync(true);
  if (!replicas_.empty() && !rs.is_replica() &&
      now - last_ping_ms_ >= static_cast<int64_t>(cfg.repl_ping_replica_period) * 1000) {
    last_ping_ms_ = now;
    rs.Feed(kPingCmd);
  }
  if (now - last_newline_ms_ >= 1000) {
    last_newline_ms_ = now;
    // Keepalives while a replica waits for its snapshot; they precede any payload.
    for (auto& [id, r] : replicas_) {
      if (r.client->closing()) continue;
      if (r.state == ReplicaState::kWaitBgsaveStart ||
          (r.state == ReplicaState::kWaitBgsaveEnd && !r.diskless)) {
        SendToReplica(r, "\n");
      }
    }
  }
  // A primary without replicas frees the backlog after repl-backlog-ttl (a new history starts
  // with the next replica). Replicas keep theirs: they may be promoted.
  if (replicas_.empty() && !rs.is_replica() && rs.backlog_active() && cfg.repl_backlog_ttl > 0) {
    if (no_replicas_since_ms_ == 0) no_replicas_since_ms_ = now;
    if (now - no_replicas_since_ms_ >= cfg.repl_backlog_ttl * 1000) {
      rs.ChangeReplId();
      rs.ClearReplId2();
      rs.FreeBacklog();
      spdlog::info("Replication backlog freed after {} seconds without connected replicas.",
                   cfg.repl_backlog_ttl);
    }
  } else if (!replicas_.empty()) {
    no_replicas_since_ms_ = 0;
  }
}

// ---- commands --------------------------------------------------------------------------------

void ReplPrimary::CmdReplconf(CommandContext& ctx) {
  if (ctx.argc() % 2 == 0) {
    ctx.rb.SendError(errors::kSyntax);
    return;
  }
  Client* c = ctx.client;
  auto rit = replicas_.find(c->id());
  ReplicaConf& conf = rit != replicas_.end() ? rit->second.conf : confs_[c->id()];
  for (size_t j = 1; j < ctx.argc(); j += 2) {
    std::string_view opt = ctx.arg(j);
    std::string_view val = ctx.arg(j + 1);
    if (EqualsNoCase(opt, "listening-port")) {
      int64_t port;
      if (!ParseInt64(val, &port)) {
        ctx.rb.SendError(errors::kNotInteger);
        return;
      }
      conf.listening_port = static_cast<int>(port);
    } else if (EqualsNoCase(opt, "ip-address")) {
      if (val.size() >= 46) {
        ctx.rb.SendError("ERR REPLCONF ip-address provided by replica instance is too long: " +
                         std::to_string(val.size()) + " bytes");
        return;
      }
      conf.announced_ip = std::string(val);
    } else if (EqualsNoCase(opt, "capa")) {
      if (EqualsNoCase(val, "eof")) conf.capa_eof = true;
      if (EqualsNoCase(val, "psync2")) conf.capa_psync2 = true;
    } else if (EqualsNoCase(opt, "ack")) {
      // No reply: ACKs flow inside the replication link.
      if (rit == replicas_.end()) return;
      ReplicaLink& r = rit->second;
      int64_t offset;
      if (!ParseInt64(val, &offset)) return;
      if (offset > r.ack_offset) r.ack_offset = offset;
      r.ack_time_ms = WallMs();
      if (r.state == ReplicaState::kOnline && r.start_on_ack) PutOnline(r);
      // A replica ACKs only once it has loaded the whole RDB, which can happen before the
      // transfer child is reaped; DisklessSyncDone then streams at once instead of waiting
      // for the replica's next periodic ACK (up to a second later).
      if (r.state == ReplicaState::kWaitBgsaveEnd && r.diskless) r.acked_early = true;
      CheckWaiters();
      return;
    } else if (EqualsNoCase(opt, "getack")) {
      ReplicationState& rs = server_->repl();
      if (c->is_master && rs.replica_getack) rs.replica_getack();
      return;
    } else if (EqualsNoCase(opt, "rdb-only")) {
      int64_t v;
      if (!ParseInt64(val, &v) || (v != 0 && v != 1)) {
        ctx.rb.SendError(errors::kSyntax);
        return;
      }
      conf.rdb_only = v == 1;
    } else {
      ctx.rb.SendError("ERR Unrecognized REPLCONF option: " + std::string(opt));
      return;
    }
  }
  ctx.rb.SendOk();
}

void ReplPrimary::CmdSync(CommandContext& ctx) {
  Client* c = ctx.client;
  if (c->is_replica) return;
  ReplicationState& rs = server_->repl();
  if (c->conn() == nullptr) {
    ctx.rb.SendError("ERR SYNC needs a network connection");
    return;
  }
  if (rs.is_replica() && !rs.master_link_up) {
    ctx.rb.SendError("NOMASTERLINK Can't SYNC while not connected with my master");
    return;
  }
  if (!c->out().empty()) {
    ctx.rb.SendError("ERR SYNC and PSYNC are invalid with pending output");
    return;
  }
  bool psync = EqualsNoCase(ctx.arg(0), "psync");
  ReplicaLink r;
  r.client = c;
  auto cit = confs_.find(c->id());
  if (cit != confs_.end()) {
    r.conf = cit->second;
    confs_.erase(cit);
  }
  int64_t now = WallMs();
  r.ack_time_ms = now;
  r.wait_start_ms = now;
  std::string peer = c->conn()->peer();
  if (psync) {
    int64_t offset;
    if (!ParseInt64(ctx.arg(2), &offset)) {
      ctx.rb.SendError(errors::kNotInteger);
      return;
    }
    std::string_view replid = ctx.arg(1);
    if (rs.CanPartialSync(replid, offset)) {
      c->is_replica = true;
      r.state = ReplicaState::kOnline;
      std::string reply =
          r.conf.capa_psync2 ? "+CONTINUE " + rs.replid() + "\r\n" : std::string("+CONTINUE\r\n");
      auto& slot = replicas_[c->id()] = std::move(r);
      SendToReplica(slot, reply);
      std::string data = rs.BacklogFrom(offset);
      SendToReplica(slot, data);
      AskAcksForWaiters();
      ++rs.sync_partial_ok;
      spdlog::info(
          "Partial resynchronization request from {} accepted. Sending {} bytes of "
          "backlog starting from offset {}.",
          peer, data.size(), offset);
      return;
    }
    if (replid != "?") ++rs.sync_partial_err;
    spdlog::info("Full resync requested by replica {}", peer);
  } else {
    r.old_sync = true;
  }
  ++rs.sync_full;
  c->is_replica = true;
  if (replicas_.empty() && !rs.backlog_active()) {
    // The first replica starts a new history: a fresh id, nothing before it to continue.
    rs.ChangeReplId();
    rs.ClearReplId2();
    rs.CreateBacklog();
    spdlog::info("Replication backlog created, my new replication IDs are '{}' and '{}'",
                 rs.replid(), rs.replid2());
  }
  ReplicaLink& slot = replicas_[c->id()] = std::move(r);
  no_replicas_since_ms_ = 0;
  // A disk-based snapshot for other replicas is being written: share it, with a copy of the
  // stream they buffered since its fork.
  if (sync_child_ && !sync_child_diskless_) {
    for (auto& [id, other] : replicas_) {
      if (id == c->id() || other.state != ReplicaState::kWaitBgsaveEnd || other.diskless) continue;
      slot.state = ReplicaState::kWaitBgsaveEnd;
      slot.psync_initial_offset = other.psync_initial_offset;
      slot.pending = other.pending;
      if (!slot.old_sync) {
        SendToReplica(slot, "+FULLRESYNC " + rs.replid() + " " +
                                std::to_string(slot.psync_initial_offset) + "\r\n");
      }
      spdlog::info("Waiting for end of BGSAVE for SYNC");
      return;
    }
  }
  MaybeStartFullSync(false);
}

int ReplPrimary::ReplicasAcked(int64_t offset) const {
  int n = 0;
  for (const auto& [id, r] : replicas_) {
    if (r.state == ReplicaState::kOnline && r.ack_offset >= offset) ++n;
  }
  return n;
}

void ReplPrimary::CmdWait(CommandContext& ctx) {
  if (server_->repl().is_replica()) {
    ctx.rb.SendError(
        "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 "
        "if a replica is configured to be writable (which is not the default) writes to "
        "replicas are just local and are not propagated.");
    return;
  }
  int64_t numreplicas, timeout;
  if (!ParseInt64(ctx.arg(1), &numreplicas)) {
    ctx.rb.SendError(errors::kNotInteger);
    return;
  }
  if (!ParseInt64(ctx.arg(2), &timeout)) {
    ctx.rb.SendError("ERR timeout is not an integer or out of range");
    return;
  }
  if (timeout < 0) {
    ctx.rb.SendError("ERR timeout is negative");
    return;
  }
  Client* c = ctx.client;
  int64_t offset = c->woff;
  int acked = ReplicasAcked(offset);
  // Inside MULTI/EXEC (or with no socket to resume) it cannot block: answer with what is known.
  if (acked >= numreplicas || server_->in_exec() || c->conn() == nullptr) {
    ctx.rb.SendLong(acked);
    return;
  }
  Waiter w{c, static_cast<int>(numreplicas), offset, 0};
  if (timeout > 0) {
    w.timer = server_->loop().AddTimer(static_cast<uint64_t>(timeout), 0, [this, c] {
      for (size_t i = 0; i < waiters_.size(); ++i) {
        if (waiters_[i].client != c) continue;
        Waiter done = waiters_[i];
        done.timer = 0;  // the loop drops a fired one-shot timer itself
        waiters_.erase(waiters_.begin() + static_cast<long>(i));
        ReplyWaiter(done);
        return;
      }
    });
  }
  waiters_.push_back(w);
  c->conn()->Pause();
  getack_pending_ = true;
}

void ReplPrimary::ReplyWaiter(const Waiter& w) {
  if (w.timer) server_->loop().CancelTimer(w.timer);
  w.client->rb().SendLong(ReplicasAcked(w.offset));
  w.client->ScheduleFlush();
  if (w.client->conn()) w.client->conn()->Resume();
}

void ReplPrimary::CheckWaiters() {
  for (size_t i = 0; i < waiters_.size();) {
    if (ReplicasAcked(waiters_[i].offset) >= waiters_[i].numreplicas) {
      Waiter w = waiters_[i];
      waiters_.erase(waiters_.begin() + static_cast<long>(i));
      ReplyWaiter(w);
    } else {
      ++i;
    }
  }
}

bool ReplPrimary::ReplicasInSync() const {
  int64_t offset = server_->repl().master_repl_offset();
  for (const auto& [id, r] : replicas_) {
    if (r.ack_offset != offset) return false;
  }
  return true;
}

void ReplPrimary::LogShutdownSync() const {
  int64_t offset = server_->repl().master_repl_offset();
  int64_t now_s = WallMs() / 1000;
  int lagging = 0;
  for (const auto& [id, r] : replicas_) {
    if (r.ack_offset == offset) continue;
    ++lagging;
    int64_t lag = r.state == ReplicaState::kOnline ? now_s - r.ack_time_ms / 1000 : 0;
    spdlog::warn("Lagging replica {}:{} reported offset {} behind master, lag={}, state={}.",
                 ReplicaIp(r), r.conf.listening_port, offset - r.ack_offset, lag, StateName(r));
  }
  if (!replicas_.empty()) {
    spdlog::info("{} of {} replicas are in sync when shutting down.",
                 static_cast<int>(replicas_.size()) - lagging, replicas_.size());
  }
}

void ReplPrimary::CmdRole(CommandContext& ctx) {
  ReplicationState& rs = server_->repl();
  if (rs.is_replica() && rs.replica_role) {
    rs.replica_role(ctx.rb);
    return;
  }
  std::vector<const ReplicaLink*> online;
  for (const auto& [id, r] : replicas_) {
    if (r.state == ReplicaState::kOnline && !r.start_on_ack) online.push_back(&r);
  }
  ctx.rb.StartArray(3);
  ctx.rb.SendBulk("master");
  ctx.rb.SendLong(rs.master_repl_offset());
  ctx.rb.StartArray(online.size());
  for (const ReplicaLink* r : online) {
    ctx.rb.StartArray(3);
    ctx.rb.SendBulk(ReplicaIp(*r));
    ctx.rb.SendBulk(std::to_string(r->conf.listening_port));
    ctx.rb.SendBulk(std::to_string(r->ack_offset));
  }
}

// ---- INFO and min-replicas -------------------------------------------------------------------

int ReplPrimary::GoodReplicas() const {
  int64_t now_s = WallMs() / 1000;
  int n = 0;
  for (const auto& [id, r] : replicas_) {
    if (r.state != ReplicaState::kOnline) continue;
    if (now_s - r.ack_time_ms / 1000 <= server_->cfg().min_replicas_max_lag) ++n;
  }
  return n;
}

bool ReplPrimary::WritesAllowed() const {
  const ServerConfig& cfg = server_->cfg();
  if (cfg.min_replicas_to_write <= 0 || cfg.min_replicas_max_lag <= 0) return true;
  if (server_->repl().is_replica()) return true;
  return GoodReplicas() >= cfg.min_replicas_to_write;
}

void ReplPrimary::AppendInfo(std::string* out) const {
  const ReplicationState& rs = server_->repl();
  const ServerConfig& cfg = server_->cfg();
  auto field = [out](std::string_view name, const std::string& value) {
    out->append(name);
    out->push_back(':');
    out->append(value);
    out->append("\r\n");
  };
  if (rs.is_replica()) {
    field("role", "slave");
    if (rs.replica_info) rs.replica_info(*out);
  } else {
    field("role", "master");
  }
  field("connected_slaves", std::to_string(replicas_.size()));
  if (cfg.min_replicas_to_write > 0 && cfg.min_replicas_max_lag > 0) {
    field("min_slaves_good_slaves", std::to_string(GoodReplicas()));
  }
  int64_t now_s = WallMs() / 1000;
  int i = 0;
  for (const auto& [id, r] : replicas_) {
    std::string ip = ReplicaIp(r);
    if (ip.empty()) continue;
    field("slave" + std::to_string(i++),
          "ip=" + ip + ",port=" + std::to_string(r.conf.listening_port) + ",state=" + StateName(r) +
              ",offset=" + std::to_string(r.ack_offset) +
              ",lag=" + std::to_string(now_s - r.ack_time_ms / 1000));
  }
  field("master_failover_state", "no-failover");
  field("master_replid", rs.replid());
  field("master_replid2", rs.replid2());
  field("master_repl_offset", std::to_string(rs.master_repl_offset()));
  field("second_repl_offset", std::to_string(rs.second_repl_offset()));
  field("repl_backlog_active", rs.backlog_active() ? "1" : "0");
  field("repl_backlog_size", std::to_string(rs.backlog_size()));
  field("repl_backlog_first_byte_offset", std::to_string(rs.backlog_first_byte_offset()));
  field("repl_backlog_histlen", std::to_string(rs.backlog_histlen()));
}

}  // namespace sable

#include "server/repl/replica.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "server/core/server.h"
#include "server/persist/aof.h"
#include "server/persist/rdb_reader.h"
#include "server/repl/primary.h"
#include "server/repl/repl_state.h"
#include "server/resp/reply_builder.h"
#include "server/util/clock.h"
#include "server/util/strings.h"

namespace sable {
namespace {

std::string EncodeCommand(const std::vector<std::string>& argv) {
  std::string out = "*" + std::to_string(argv.size()) + "\r\n";
  for (const std::string& a : argv) {
    out += "$" + std::to_string(a.size()) + "\r\n";
    out += a;
    out += "\r\n";
  }
  return out;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

}  // namespace

Replica::Replica(Server* server) : server_(server) {
  InstallInfoHooks();
  // First run right after start-up (Redis's first serverCron runs its replicationCron at
  // once), so a configured replica does not sit idle for a second before connecting.
  cron_timer_ = server_->loop().AddTimer(1, 1000, [this] { Cron(); });
  const ServerConfig& cfg = server_->cfg();
  if (!cfg.replicaof_host.empty() && cfg.replicaof_port > 0) {
    // Connected from the first cron, once the dataset was loaded, as Redis does.
    host_ = cfg.replicaof_host;
    port_ = cfg.replicaof_port;
    state_ = State::kConnect;
    server_->repl().set_is_replica(true);
  }
}

Replica::~Replica() {
  server_->loop().CancelTimer(cron_timer_);
  if (link_) link_->Close();
  ResetTransfer();
  FreeMasterClient();
}

void Replica::InstallInfoHooks() {
  ReplicationState& rs = server_->repl();
  rs.replica_info = [this](std::string& out) { AppendInfo(out); };
  rs.replica_role = [this](ReplyBuilder& rb) { WriteRole(rb); };
  rs.replica_stream_db = [this] { return master_client_ ? master_client_->db_index : master_db_; };
}

void Replica::RestoreCachedMaster(int stream_db) {
  have_history_ = true;
  master_db_ = stream_db;
  spdlog::info("Using the replication ID and offset from the RDB to synthesize a cached master: "
               "I may be able to synchronize with the master with just a partial transfer.");
}

int Replica::SaveInfoStreamDb() const {
  if (master_client_ != nullptr) return master_client_->db_index;
  return have_history_ ? master_db_ : -1;
}

// ---- control -------------------------------------------------------------------------------

bool Replica::ReplicaOf(const std::string& host, int port) {
  if (is_replica() && host_ == host && port_ == port) return false;
  bool was_primary = !is_replica();
  if (link_) link_->Close();
  link_.reset();
  ResetTransfer();
  FreeMasterClient();
  host_ = host;
  port_ = port;
  ServerConfig& cfg = server_->config().values();
  cfg.replicaof_host = host;
  cfg.replicaof_port = port;
  // A primary turning replica offers its own history to the new primary (Redis's
  // replicationCacheMasterUsingMyself), so a former sibling can continue partially.
  if (was_primary) {
    have_history_ = true;
    master_db_ = 0;
  }
  ReplicationState& rs = server_->repl();
  rs.set_is_replica(true);
  rs.master_link_up = false;
  if (!rs.backlog_active()) rs.CreateBacklog();
  state_ = State::kConnect;
  down_since_ms_ = WallMs();
  spdlog::info("Connecting to MASTER {}:{}", host_, port_);
  Connect();
  return true;
}

void Replica::PromoteToPrimary() {
  if (!is_replica()) return;
  if (link_) link_->Close();
  link_.reset();
  ResetTransfer();
  FreeMasterClient();
  state_ = State::kNone;
  host_.clear();
  port_ = 0;
  ServerConfig& cfg = server_->config().values();
  cfg.replicaof_host.clear();
  cfg.replicaof_port = 0;
  ReplicationState& rs = server_->repl();
  rs.set_is_replica(false);
  rs.master_link_up = false;
  // Our history becomes the secondary one: replicas of the old primary continue with PSYNC2.
  rs.ShiftReplId();
  // The next propagated write starts with a SELECT.
  rs.set_stream_db(-1);
  server_->repl_primary().DisconnectReplicas();
  spdlog::info("MASTER MODE enabled (user request from 'id=0')");
}

bool Replica::StaleDenied() const {
  return is_replica() && state_ != State::kConnected && !server_->cfg().replica_serve_stale_data;
}

int64_t Replica::processed_offset() const {
  return master_client_ != nullptr ? server_->repl().master_repl_offset() : -1;
}

void Replica::DropLink(const std::string& why) {
  if (!is_replica()) return;
  if (state_ == State::kConnected || state_ == State::kTransfer) {
    spdlog::warn("Connection with master lost ({}).", why);
  } else if (state_ != State::kConnect) {
    spdlog::warn("Master link failed during handshake: {}", why);
  }
  if (link_) link_->Close();
  link_.reset();
  ResetTransfer();
  if (master_client_ != nullptr) {
    // The applied stream is our history now: the next PSYNC asks to continue after it.
    master_db_ = master_client_->db_index;
    have_history_ = true;
  }
  FreeMasterClient();
  if (state_ == State::kConnected) down_since_ms_ = WallMs();
  state_ = State::kConnect;
  server_->repl().master_link_up = false;
}

// ---- cron ----------------------------------------------------------------------------------

void Replica::Cron() {
  if (!is_replica()) return;
  int64_t now = CachedMs();
  int64_t timeout_ms = static_cast<int64_t>(server_->cfg().repl_timeout) * 1000;
  switch (state_) {
    case State::kConnect:
      spdlog::info("Connecting to MASTER {}:{}", host_, port_);
      Connect();
      return;
    case State::kConnecting:
    case State::kHandshake:
      // Any byte counts: the primary sends newlines while it delays a diskless sync.
      if (now - last_io_ms_ > timeout_ms) DropLink("Timeout connecting to the MASTER");
      return;
    case State::kTransfer:
      if (now - last_io_ms_ > timeout_ms) DropLink("Timeout receiving bulk data from MASTER");
      return;
    case State::kConnected:
      if (now - last_io_ms_ > timeout_ms) {
        DropLink("MASTER timeout: no data nor PING received");
        return;
      }
      SendAck();
      return;
    case State::kNone:
      return;
  }
}

// ---- handshake -----------------------------------------------------------------------------

void Replica::Connect() {
  RefreshCachedTime();
  state_ = State::kConnecting;
  last_io_ms_ = CachedMs();
  in_.clear();
  in_pos_ = 0;
  expect_.clear();
  link_ = std::make_unique<net::TcpClient>(&server_->loop());
  link_->Connect(
      host_, port_, [this](const std::string& err) { OnConnected(err); },
      [this](std::string_view data) { OnData(data); },
      [this](const std::string& err) { DropLink(err); });
}

void Replica::OnConnected(const std::string& err) {
  if (!err.empty()) {
    spdlog::warn("Error condition on socket for SYNC: {}", err);
    DropLink(err);
    return;
  }
  spdlog::info("MASTER <-> REPLICA sync started");
  state_ = State::kHandshake;
  SendCommand({"PING"});
  expect_.push_back(Expect::kPing);
}

void Replica::SendCommand(const std::vector<std::string>& argv) {
  if (link_) link_->Write(EncodeCommand(argv));
}

void Replica::SendHandshake() {
  const ServerConfig& cfg = server_->cfg();
  // Pipelined as Redis 7 sends them; the replies come back in the same order.
  if (!cfg.masterauth.empty()) {
    if (cfg.masteruser.empty()) {
      SendCommand({"AUTH", cfg.masterauth});
    } else {
      SendCommand({"AUTH", cfg.masteruser, cfg.masterauth});
    }
    expect_.push_back(Expect::kAuth);
  }
  int port = cfg.replica_announce_port ? cfg.replica_announce_port : server_->tcp_port();
  SendCommand({"REPLCONF", "listening-port", std::to_string(port)});
  expect_.push_back(Expect::kPort);
  if (!cfg.replica_announce_ip.empty()) {
    SendCommand({"REPLCONF", "ip-address", cfg.replica_announce_ip});
    expect_.push_back(Expect::kIp);
  }
  SendCommand({"REPLCONF", "capa", "eof", "capa", "psync2"});
  expect_.push_back(Expect::kCapa);
}

void Replica::SendPsync() {
  const ReplicationState& rs = server_->repl();
  if (have_history_) {
    SendCommand({"PSYNC", rs.replid(), std::to_string(rs.master_repl_offset() + 1)});
    spdlog::info("Trying a partial resynchronization (request {}:{}).", rs.replid(),
                 rs.master_repl_offset() + 1);
  } else {
    SendCommand({"PSYNC", "?", "-1"});
    spdlog::info("Partial resynchronization not possible (no cached master)");
  }
  expect_.push_back(Expect::kPsync);
}

bool Replica::ReadLine(std::string* line) {
  size_t nl = in_.find('\n', in_pos_);
  if (nl == std::string::npos) return false;
  size_t end = nl;
  if (end > in_pos_ && in_[end - 1] == '\r') --end;
  line->assign(in_, in_pos_, end - in_pos_);
  in_pos_ = nl + 1;
  return true;
}

void Replica::OnData(std::string_view data) {
  RefreshCachedTime();
  last_io_ms_ = CachedMs();
  // Stream bytes count as read at once; the RDB payload is written out by ReceiveRdb below.
  if (state_ == State::kConnected) read_reploff_ += static_cast<int64_t>(data.size());
  in_.append(data);
  while (link_ != nullptr) {
    if (state_ == State::kHandshake) {
      std::string line;
      if (!ReadLine(&line)) break;
      if (!HandleReply(line)) return;
    } else if (state_ == State::kTransfer) {
      if (!ReceiveRdb()) return;
      if (state_ == State::kTransfer) break;
    } else if (state_ == State::kConnected) {
      ApplyStream();
      break;
    } else {
      break;
    }
  }
  if (in_pos_ > 0 && link_ != nullptr) {
    in_.erase(0, in_pos_);
    in_pos_ = 0;
  }
}

bool Replica::HandleReply(const std::string& line) {
  if (expect_.empty()) {
    DropLink("unexpected reply during the handshake");
    return false;
  }
  Expect what = expect_.front();
  // The primary may send newlines to keep the link alive while it prepares the PSYNC reply.
  if (line.empty() && what == Expect::kPsync) return true;
  expect_.erase(expect_.begin());
  switch (what) {
    case Expect::kPing:
      // -NOAUTH and -NOPERM are fine here: AUTH comes next.
      if (line[0] == '-' && !StartsWith(line, "-NOAUTH") && !StartsWith(line, "-NOPERM") &&
          !StartsWith(line, "-ERR operation not permitted")) {
        spdlog::warn("Error reply to PING from master: '{}'", line);
        DropLink("bad PING reply");
        return false;
      }
      spdlog::info("Master replied to PING, replication can continue...");
      SendHandshake();
      return true;
    case Expect::kAuth:
      if (!line.empty() && line[0] == '-') {
        spdlog::warn("Unable to AUTH to MASTER: {}", line);
        DropLink("AUTH failed");
        return false;
      }
      return true;
    case Expect::kPort:
      if (!line.empty() && line[0] == '-') {
        spdlog::info("(Non critical) Master does not understand REPLCONF listening-port: {}", line);
      }
      return true;
    case Expect::kIp:
      if (!line.empty() && line[0] == '-') {
        spdlog::info("(Non critical) Master does not understand REPLCONF ip-address: {}", line);
      }
      return true;
    case Expect::kCapa:
      if (!line.empty() && line[0] == '-') {
        spdlog::info("(Non critical) Master does not understand REPLCONF capa: {}", line);
      }
      SendPsync();
      return true;
    case Expect::kPsync:
      return HandlePsyncReply(line);
  }
  return true;
}

bool Replica::HandlePsyncReply(const std::string& line) {
  ReplicationState& rs = server_->repl();
  if (StartsWith(line, "+FULLRESYNC")) {
    // "+FULLRESYNC <replid> <offset>"
    size_t sp1 = line.find(' ');
    size_t sp2 = sp1 == std::string::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string::npos || sp2 - sp1 - 1 != kReplIdLen) {
      spdlog::warn("Master replied with wrong +FULLRESYNC syntax.");
      sync_replid_.clear();
      sync_offset_ = -1;
    } else {
      sync_replid_ = line.substr(sp1 + 1, kReplIdLen);
      sync_offset_ = std::strtoll(line.c_str() + sp2 + 1, nullptr, 10);
    }
    spdlog::info("Full resync from master: {}:{}", sync_replid_, sync_offset_);
    state_ = State::kTransfer;
    transfer_header_read_ = false;
    return true;
  }
  if (StartsWith(line, "+CONTINUE")) {
    std::string newid = line.size() > 10 ? line.substr(10) : "";
    while (!newid.empty() && newid.back() == ' ') newid.pop_back();
    spdlog::info("Successful partial resynchronization with master.");
    if (!rs.backlog_active()) rs.CreateBacklog();
    if (newid.size() == kReplIdLen && newid != rs.replid()) {
      // The primary changed history (it was promoted): ours follows, the old id stays valid
      // up to here, and our own replicas must reconnect to learn the new one.
      rs.ContinueWithNewReplId(newid);
      server_->repl_primary().DisconnectReplicas();
      spdlog::info("Master replication ID changed to {}", newid);
    }
    ++rs.sync_partial_ok;
    AttachMasterClient(master_db_);
    StartStreaming();
    return link_ != nullptr;
  }
  if (StartsWith(line, "-NOMASTERLINK") || StartsWith(line, "-LOADING")) {
    spdlog::info("Master is currently unable to PSYNC but should be in the future: {}", line);
    DropLink("PSYNC retry later");
    return false;
  }
  spdlog::warn("Unexpected reply to PSYNC from master: {}", line);
  DropLink("PSYNC refused");
  return false;
}

// ---- full resync ---------------------------------------------------------------------------

void Replica::ResetTransfer() {
  if (transfer_fd_ >= 0) {
    ::close(transfer_fd_);
    transfer_fd_ = -1;
    ::unlink(transfer_tmpfile_.c_str());
  }
  transfer_in_memory_ = false;
  transfer_buf_.clear();
  transfer_buf_.shrink_to_fit();
  transfer_header_read_ = false;
  transfer_eof_mark_ = false;
  eof_mark_.clear();
  eof_tail_.clear();
  transfer_size_ = -1;
  transfer_read_ = 0;
}

bool Replica::UseDisklessLoad() const {
  switch (server_->cfg().repl_diskless_load) {
    case ReplDisklessLoad::kDisabled:
      return false;
    case ReplDisklessLoad::kSwapdb:
      return true;
    case ReplDisklessLoad::kOnEmptyDb:
      for (int i = 0; i < server_->db_count(); ++i) {
        if (server_->db(i).size() != 0) return false;
      }
      return true;
  }
  return false;
}

bool Replica::ReceiveRdb() {
  if (!transfer_header_read_) {
    std::string line;
    for (;;) {
      if (!ReadLine(&line)) return true;
      // Bare newlines keep the link alive while the primary produces the RDB.
      if (!line.empty()) break;
    }
    if (line[0] == '-') {
      spdlog::warn("MASTER aborted replication with an error: {}", line);
      DropLink("master error during transfer");
      return false;
    }
    if (line[0] != '$') {
      spdlog::warn("Bad protocol from MASTER, the first byte is not '$' (we received '{}')", line);
      DropLink("bad transfer header");
      return false;
    }
    transfer_in_memory_ = UseDisklessLoad();
    const char* to = transfer_in_memory_ ? "memory" : "disk";
    if (StartsWith(line, "$EOF:") && line.size() == 5 + kReplIdLen) {
      transfer_eof_mark_ = true;
      eof_mark_ = line.substr(5);
      spdlog::info("MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to {}",
                   to);
    } else {
      transfer_size_ = std::strtoll(line.c_str() + 1, nullptr, 10);
      spdlog::info("MASTER <-> REPLICA sync: receiving {} bytes from master to {}",
                   transfer_size_, to);
      if (transfer_in_memory_ && transfer_size_ > 0) {
        transfer_buf_.reserve(static_cast<size_t>(transfer_size_));
      }
    }
    if (!transfer_in_memory_) {
      transfer_tmpfile_ =
          "temp-" + std::to_string(WallMs() / 1000) + "." + std::to_string(getpid()) + ".rdb";
      transfer_fd_ =
          ::open(transfer_tmpfile_.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
      if (transfer_fd_ < 0) {
        spdlog::warn("Opening the temp file needed for MASTER <-> REPLICA synchronization: {}",
                     std::strerror(errno));
        DropLink("temp file");
        return false;
      }
    }
    transfer_header_read_ = true;
  }
  std::string_view avail(in_.data() + in_pos_, in_.size() - in_pos_);
  std::string_view write_now;
  bool done = false;
  if (transfer_eof_mark_) {
    // Hold back the last bytes: the transfer ends when what was received ends with the mark.
    eof_tail_.append(avail);
    in_pos_ = in_.size();
    if (eof_tail_.size() >= kReplIdLen &&
        std::string_view(eof_tail_).substr(eof_tail_.size() - kReplIdLen) == eof_mark_) {
      write_now = std::string_view(eof_tail_).substr(0, eof_tail_.size() - kReplIdLen);
      done = true;
    } else if (eof_tail_.size() > kReplIdLen) {
      write_now = std::string_view(eof_tail_).substr(0, eof_tail_.size() - kReplIdLen);
    }
  } else {
    int64_t want = transfer_size_ - transfer_read_;
    size_t n = std::min<size_t>(avail.size(), static_cast<size_t>(want));
    write_now = avail.substr(0, n);
    in_pos_ += n;
    done = transfer_read_ + static_cast<int64_t>(n) == transfer_size_;
  }
  size_t off = transfer_in_memory_ ? write_now.size() : 0;
  if (transfer_in_memory_) transfer_buf_.append(write_now);
  while (off < write_now.size()) {
    ssize_t w = ::write(transfer_fd_, write_now.data() + off, write_now.size() - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      spdlog::warn("Write error saving the DB from MASTER: {}", std::strerror(errno));
      DropLink("write error");
      return false;
    }
    off += static_cast<size_t>(w);
  }
  transfer_read_ += static_cast<int64_t>(write_now.size());
  if (transfer_eof_mark_ && !done) eof_tail_.erase(0, write_now.size());
  if (!done) return true;
  return FinishRdb();
}

bool Replica::FinishRdb() {
  std::string path = server_->cfg().dbfilename;
  if (!transfer_in_memory_) {
    ::fsync(transfer_fd_);
    ::close(transfer_fd_);
    transfer_fd_ = -1;
    if (::rename(transfer_tmpfile_.c_str(), path.c_str()) != 0) {
      spdlog::warn(
          "Failed trying to rename the temp DB into {} in MASTER <-> REPLICA "
          "synchronization: {}",
          path, std::strerror(errno));
      ::unlink(transfer_tmpfile_.c_str());
      DropLink("rename");
      return false;
    }
  }
  spdlog::info("MASTER <-> REPLICA sync: Loading DB in memory");
  ReplicationState& rs = server_->repl();
  // Our replicas must resync: the history they followed is gone.
  server_->repl_primary().DisconnectReplicas();
  RdbLoadOptions opts;
  opts.drop_expired = false;  // keys expire on the primary, which sends the DELs
  RdbLoadInfo info;
  bool missing = false;
  std::string err;
  server_->set_loading(true);
  bool ok;
  if (transfer_in_memory_) {
    // The reader fills fresh dbs and swaps them in only at the end: the old data stays intact
    // (and served) until the payload proved complete, as Redis's swapdb.
    StringSource source(transfer_buf_);
    ok = LoadRdb(*server_, source, opts, &info, &err);
    if (ok && source.consumed() != transfer_buf_.size()) {
      ok = false;
      err = "trailing bytes after the RDB EOF";
    }
  } else {
    ok = LoadRdbFile(*server_, path, opts, &info, &missing, &err);
  }
  server_->set_loading(false);
  bool in_memory = transfer_in_memory_;
  ResetTransfer();
  if (!ok || missing) {
    spdlog::warn("Failed trying to load the MASTER synchronization DB from {}: {}",
                 in_memory ? "socket" : "disk", err);
    DropLink("load failed");
    return false;
  }
  spdlog::info("MASTER <-> REPLICA sync: Finished with success");
  if (sync_replid_.empty()) {
    rs.SetMaster(ReplicationState::RandomReplId(), sync_offset_ < 0 ? 0 : sync_offset_);
  } else {
    rs.SetMaster(sync_replid_, sync_offset_);
  }
  have_history_ = true;
  read_reploff_ = rs.master_repl_offset();
  // Keep the AOF in step with the new dataset: rewrite it from the loaded keyspace.
  if (server_->aof() != nullptr && server_->aof()->enabled()) server_->aof()->RequestRewrite();
  // The stream continues in the db the snapshot names (a chained primary forwards its own
  // primary's stream, which does not start with SELECT), as Redis's readSyncBulkPayload.
  int db = info.repl_stream_db;
  AttachMasterClient(db >= 0 && db < server_->db_count() ? db : 0);
  StartStreaming();
  return link_ != nullptr;
}

// ---- streaming -----------------------------------------------------------------------------

void Replica::AttachMasterClient(int db) {
  FreeMasterClient();
  master_client_ = server_->AddLocalClient(&master_out_);
  master_client_->is_master = true;
  master_client_->authenticated = true;
  master_client_->db_index = db;
  // Runs later (posted): only if this master client is still the current one.
  master_client_->close_hook = [this, id = master_client_->id()] {
    if (master_client_ != nullptr && master_client_->id() == id) DropLink("killed by CLIENT KILL");
  };
}

void Replica::FreeMasterClient() {
  if (master_client_ == nullptr) return;
  server_->RemoveLocalClient(master_client_);
  master_client_ = nullptr;
  master_out_.Clear();
}

void Replica::StartStreaming() {
  state_ = State::kConnected;
  server_->repl().master_link_up = true;
  down_since_ms_ = 0;
  read_reploff_ = server_->repl().master_repl_offset() + static_cast<int64_t>(in_.size() - in_pos_);
  spdlog::info(
      "MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization or loaded "
      "the dataset; streaming.");
  // The first ACK tells the primary we are online (it waits for it after a diskless sync).
  SendAck();
  ApplyStream();
}

bool Replica::ApplyStream() {
  ReplicationState& rs = server_->repl();
  size_t fed = in_pos_;  // start of bytes applied but not yet relayed
  std::vector<std::string_view> args;
  while (link_ != nullptr && master_client_ != nullptr && in_pos_ < in_.size()) {
    size_t consumed = 0;
    std::string_view buf(in_.data() + in_pos_, in_.size() - in_pos_);
    RequestParser::Result r = parser_.Parse(buf, &consumed, &args);
    if (r == RequestParser::Result::kIncomplete) break;
    if (r == RequestParser::Result::kError) {
      spdlog::warn("Protocol error from MASTER: {}", parser_.error());
      DropLink("protocol error");
      return false;
    }
    in_pos_ += consumed;
    if (r == RequestParser::Result::kSkip) continue;
    if (args.size() >= 2 && EqualsNoCase(args[0], "replconf") && EqualsNoCase(args[1], "getack")) {
      // The offset acked excludes this GETACK itself, as in Redis.
      if (fed < in_pos_ - consumed) {
        rs.Feed(std::string_view(in_.data() + fed, in_pos_ - consumed - fed));
        fed = in_pos_ - consumed;
      }
      SendAck();
    } else if (args.size() >= 1 && EqualsNoCase(args[0], "replconf")) {
      // Other REPLCONF from the primary need no action.
    } else {
      applying_ = true;
      server_->ProcessCommand(master_client_, args);
      applying_ = false;
      master_out_.Clear();
    }
    if (master_client_ == nullptr) break;
    // Inside MULTI the offset stays before it: a link lost mid-transaction resumes from there.
    if (!master_client_->in_multi) {
      rs.Feed(std::string_view(in_.data() + fed, in_pos_ - fed));
      fed = in_pos_;
    }
  }
  // Unapplied bytes (an open MULTI) are applied again after they are complete, so rewind.
  if (master_client_ != nullptr && master_client_->in_multi && fed < in_pos_) {
    // Discard the queued part; it is parsed again once EXEC arrives.
    master_client_->in_multi = false;
    master_client_->multi_error = false;
    master_client_->queued.clear();
    master_client_->queued_bytes = 0;
    in_pos_ = fed;
  }
  return link_ != nullptr;
}

void Replica::SendAck() {
  if (state_ != State::kConnected || !link_) return;
  SendCommand({"REPLCONF", "ACK", std::to_string(server_->repl().master_repl_offset())});
}

// ---- INFO and ROLE -------------------------------------------------------------------------

void Replica::AppendInfo(std::string& out) const {
  const ServerConfig& cfg = server_->cfg();
  int64_t now = CachedMs();
  auto line = [&out](std::string_view k, const std::string& v) {
    out.append(k);
    out += ':';
    out += v;
    out += "\r\n";
  };
  line("master_host", host_);
  line("master_port", std::to_string(port_));
  line("master_link_status", state_ == State::kConnected ? "up" : "down");
  line("master_last_io_seconds_ago",
       master_client_ != nullptr ? std::to_string((now - last_io_ms_) / 1000) : "-1");
  line("master_sync_in_progress", state_ == State::kTransfer ? "1" : "0");
  int64_t off = have_history_ ? server_->repl().master_repl_offset() : 1;
  line("slave_read_repl_offset", std::to_string(master_client_ ? read_reploff_ : off));
  line("slave_repl_offset", std::to_string(off));
  if (state_ == State::kTransfer) {
    line("master_sync_total_bytes", std::to_string(transfer_size_));
    line("master_sync_read_bytes", std::to_string(transfer_read_));
    line("master_sync_left_bytes",
         std::to_string(transfer_size_ < 0 ? -1 : transfer_size_ - transfer_read_));
    char perc[32];
    std::snprintf(perc, sizeof(perc), "%.2f",
                  transfer_size_ <= 0 ? 0.0
                                      : 100.0 * static_cast<double>(transfer_read_) /
                                            static_cast<double>(transfer_size_));
    line("master_sync_perc", perc);
    line("master_sync_last_io_seconds_ago", std::to_string((now - last_io_ms_) / 1000));
  }
  if (state_ != State::kConnected) {
    line("master_link_down_since_seconds",
         down_since_ms_ ? std::to_string((WallMs() - down_since_ms_) / 1000) : "-1");
  }
  line("slave_priority", std::to_string(cfg.replica_priority));
  line("slave_read_only", cfg.replica_read_only ? "1" : "0");
  line("replica_announced", cfg.replica_announced ? "1" : "0");
}

void Replica::WriteRole(ReplyBuilder& rb) const {
  rb.StartArray(5);
  rb.SendBulk("slave");
  rb.SendBulk(host_);
  rb.SendLong(port_);
  const char* st = "connect";
  switch (state_) {
    case State::kNone:
      st = "none";
      break;
    case State::kConnect:
      st = "connect";
      break;
    case State::kConnecting:
      st = "connecting";
      break;
    case State::kHandshake:
      st = "handshake";
      break;
    case State::kTransfer:
      st = "sync";
      break;
    case State::kConnected:
      st = "connected";
      break;
  }
  rb.SendBulk(st);
  rb.SendLong(master_client_ != nullptr ? server_->repl().master_repl_offset() : -1);
}

}  // namespace sable

// The replica side of replication: the link to our primary (REPLICAOF host port, or replicaof in
// the configuration). Connects, runs Redis's handshake (PING, AUTH, REPLCONF listening-port /
// ip-address / capa, PSYNC), receives the RDB of a full resync into a temp file (or, with
// repl-diskless-load, into memory) and loads it, or continues partially, then applies the
// primary's command stream through a socketless master client and relays the applied bytes
// unchanged to our own replicas and backlog. Acks its offset every second, drops a silent link
// after repl-timeout and reconnects from a 1 s cron, as Redis's replicationCron. The control
// plane (sentinel) drives it through ReplicaOf/PromoteToPrimary.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/net/tcp_client.h"
#include "server/resp/output_buffer.h"
#include "server/resp/request_parser.h"

namespace sable {

class Server;
class Client;
class ReplyBuilder;

class Replica {
 public:
  // Link states, as Redis's repl_state (the handshake ones folded into one).
  enum class State { kNone, kConnect, kConnecting, kHandshake, kTransfer, kConnected };

  // Registers the INFO/ROLE hooks and the 1 s cron; follows replicaof from the configuration.
  explicit Replica(Server* server);
  ~Replica();
  Replica(const Replica&) = delete;
  Replica& operator=(const Replica&) = delete;

  // REPLICAOF host port: follows a (new) primary. Returns false when already following exactly
  // this one and nothing was changed.
  bool ReplicaOf(const std::string& host, int port);
  // REPLICAOF NO ONE: drops the link and becomes a primary that keeps its data and continues the
  // replication history (replicas of the old primary can PSYNC to us). No-op on a primary.
  void PromoteToPrimary();

  bool is_replica() const { return state_ != State::kNone; }
  State state() const { return state_; }
  bool link_up() const { return state_ == State::kConnected; }
  // True while a command from the primary runs (keys are then seen as the primary saw them).
  bool applying() const { return applying_; }
  const std::string& master_host() const { return host_; }
  int master_port() const { return port_; }
  // When the link last went down (wall ms; 0 = never up since start), for the control plane.
  int64_t down_since_ms() const { return down_since_ms_; }
  // True for a command from `c` that replica-serve-stale-data no refuses now (link down).
  bool StaleDenied() const;
  // Offset of the stream applied so far (master client's reploff), -1 when there is no link.
  int64_t processed_offset() const;

  // Start-up: the RDB held our replication id/offset (already restored in ReplicationState) and
  // the db selected in the stream then; the first PSYNC offers them, as Redis's
  // replicationCacheMasterUsingMyself.
  void RestoreCachedMaster(int stream_db);
  // rdbPopulateSaveInfo for a replica: the db selected in the stream from our primary (the
  // master client's, or the cached one's), or -1 when we have no history worth saving.
  int SaveInfoStreamDb() const;

  // CLIENT KILL TYPE master: drops the link; it reconnects from cron and continues partially.
  void DropLink(const std::string& why);

 private:
  enum class Expect { kPing, kAuth, kPort, kIp, kCapa, kPsync };

  void Cron();
  void Connect();
  void OnConnected(const std::string& err);
  void OnData(std::string_view data);
  void SendCommand(const std::vector<std::string>& argv);
  void SendHandshake();
  void SendPsync();
  bool HandleReply(const std::string& line);
  bool HandlePsyncReply(const std::string& line);
  bool ReadLine(std::string* line);
  // Full resync transfer: reads the "$len"/"$EOF:" header and the payload into the temp file.
  bool ReceiveRdb();
  bool FinishRdb();
  // Whether this full resync loads without touching disk (repl-diskless-load, and for
  // on-empty-db only when every db is empty).
  bool UseDisklessLoad() const;
  // Parses and applies buffered stream commands; false when the link was dropped.
  bool ApplyStream();
  void StartStreaming();
  void SendAck();
  void AttachMasterClient(int db);
  void FreeMasterClient();
  void ResetTransfer();
  void InstallInfoHooks();
  void AppendInfo(std::string& out) const;
  void WriteRole(ReplyBuilder& rb) const;

  Server* server_;
  State state_ = State::kNone;
  std::string host_;
  int port_ = 0;
  // Whether PSYNC may name our replid/offset (we synced before, or were a primary ourselves).
  bool have_history_ = false;
  std::unique_ptr<net::TcpClient> link_;
  std::vector<Expect> expect_;  // replies awaited during the handshake, in order
  std::string in_;              // bytes received and not consumed yet
  size_t in_pos_ = 0;
  // Full resync.
  std::string sync_replid_;
  int64_t sync_offset_ = 0;
  bool transfer_header_read_ = false;
  bool transfer_eof_mark_ = false;  // "$EOF:<mark>" (diskless) rather than "$<len>"
  std::string eof_mark_;
  std::string eof_tail_;  // the last bytes received, which may be the mark
  int64_t transfer_size_ = -1;
  int64_t transfer_read_ = 0;
  int transfer_fd_ = -1;
  std::string transfer_tmpfile_;
  // repl-diskless-load: the payload is kept in memory (never on disk) and loaded from there.
  bool transfer_in_memory_ = false;
  std::string transfer_buf_;  // the payload received so far, when transfer_in_memory_
  // Streaming.
  Client* master_client_ = nullptr;
  OutputBuffer master_out_;  // the master client's replies, discarded
  RequestParser parser_;
  int master_db_ = 0;          // the master client's db, kept across a partial resync
  int64_t read_reploff_ = 0;   // stream bytes read (slave_read_repl_offset)
  int64_t last_io_ms_ = 0;     // last byte from the primary (repl-timeout, INFO)
  int64_t down_since_ms_ = 0;  // when the link went down (0 = never up)
  uint64_t cron_timer_ = 0;
  bool applying_ = false;
};

}  // namespace sable

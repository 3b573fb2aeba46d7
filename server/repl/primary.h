// The primary side of replication: replicas attach with SYNC/PSYNC, get a full resync (an RDB
// written by a forked child to disk or straight to their sockets, then the stream buffered since
// the snapshot) or a partial one from the backlog, and then every propagated write. It also keeps
// their ACKs for WAIT, INFO, ROLE and min-replicas-to-write, pings them and drops silent ones.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sable {

class Client;
class CommandContext;
class ReplyBuilder;
class Server;

class ReplPrimary {
 public:
  enum class ReplicaState {
    kWaitBgsaveStart,  // full sync wanted, no snapshot started for it yet
    kWaitBgsaveEnd,    // the child is writing its snapshot
    kSendBulk,         // disk-based: the RDB file is being sent
    kOnline,           // receiving the stream
  };

  // What a replica told us with REPLCONF before (and after) SYNC/PSYNC.
  struct ReplicaConf {
    int listening_port = 0;
    std::string announced_ip;
    bool capa_eof = false;
    bool capa_psync2 = false;
    bool rdb_only = false;
  };

  // One attached replica as the primary sees it (sable::Replica is the other end: a replica's
  // link to its own primary).
  struct ReplicaLink {
    Client* client = nullptr;
    ReplicaState state = ReplicaState::kWaitBgsaveStart;
    ReplicaConf conf;
    bool old_sync = false;      // SYNC (not PSYNC): no +FULLRESYNC line, disk-based only
    bool diskless = false;      // this full sync streams the RDB to the socket
    bool start_on_ack = false;  // diskless: the stream starts after the first ACK
    bool acked_early = false;   // diskless: ACKed (so loaded) before the child was reaped
    int64_t psync_initial_offset = 0;
    int64_t ack_offset = 0;
    int64_t ack_time_ms = 0;    // last REPLCONF ACK (or attach time)
    int64_t wait_start_ms = 0;  // when it started waiting for a snapshot
    std::string pending;        // stream bytes held until the RDB is delivered
    // kSendBulk: the RDB file's bytes and how many went to the output buffer so far; fed a
    // window at a time so the file never counts against client-output-buffer-limit.
    std::shared_ptr<const std::string> bulk;
    size_t bulk_pos = 0;
  };

  explicit ReplPrimary(Server* server);
  ReplPrimary(const ReplPrimary&) = delete;
  ReplPrimary& operator=(const ReplPrimary&) = delete;
  ~ReplPrimary();

  // Commands (server/repl/primary_commands.cc registers them).
  void CmdReplconf(CommandContext& ctx);
  void CmdSync(CommandContext& ctx);  // SYNC and PSYNC
  void CmdWait(CommandContext& ctx);
  void CmdRole(CommandContext& ctx);

  // INFO replication, whole section body ("role:..." through "repl_backlog_histlen:..."),
  // for either role; the replica side adds its fields through ReplicationState::replica_info.
  void AppendInfo(std::string* out) const;

  // min-replicas-to-write: false when writes must be refused with NOREPLICAS.
  bool WritesAllowed() const;
  int GoodReplicas() const;

  // Drops every replica link (a primary turning into a replica does this).
  void DisconnectReplicas();
  void OnClientClosed(Client* c);
  const std::map<uint64_t, ReplicaLink>& replicas() const { return replicas_; }
  // Graceful shutdown: whether every replica acknowledged master_repl_offset (true with none),
  // a GETACK to all of them before the loop sleeps, and the log of the ones still behind.
  bool ReplicasInSync() const;
  void RequestAcks() { getack_pending_ = true; }
  void LogShutdownSync() const;
  // Clients blocked in WAIT (INFO blocked_clients).
  size_t waiting_clients() const { return waiters_.size(); }

 private:
  struct Waiter {
    Client* client;
    int numreplicas;
    int64_t offset;
    uint64_t timer = 0;
  };

  // The replication sink: propagated commands as RESP (SELECT when the db changes) into the
  // backlog and the replicas.
  void FeedCommand(int db, const std::vector<std::string_view>& argv);
  // Delivers fed bytes to each replica by state.
  void Deliver(std::string_view bytes);
  void Cron();
  // Starts a snapshot for the replicas waiting for one when possible.
  void MaybeStartFullSync(bool from_cron);
  void StartDiskSync();
  void StartDisklessSync();
  void DiskSyncDone(int exit_code, bool by_signal);
  void DisklessSyncDone(int exit_code, bool by_signal);
  void PutOnline(ReplicaLink& r);
  // Schedules a GETACK when clients wait in WAIT (a replica just came online).
  void AskAcksForWaiters();
  // kSendBulk: tops the output buffer up with the next part of the RDB; online at the end.
  void PumpBulk(ReplicaLink& r);
  void SendToReplica(ReplicaLink& r, std::string_view bytes);
  void DropIfPendingOverLimit(ReplicaLink& r);
  void FailWaitingReplicas(const std::string& err);
  void KillReplica(ReplicaLink& r);
  // WAIT: replies to waiters whose target is reached (or all, at timeout).
  void CheckWaiters();
  void ReplyWaiter(const Waiter& w);
  int ReplicasAcked(int64_t offset) const;

  Server* server_;
  std::map<uint64_t, ReplicaConf> confs_;     // REPLCONF data of clients not yet replicas
  std::map<uint64_t, ReplicaLink> replicas_;  // by client id
  std::vector<Waiter> waiters_;
  bool sync_child_ = false;  // the running child is ours
  bool sync_child_diskless_ = false;
  std::string rdb_path_;  // the file a disk-based sync writes
  int64_t last_ping_ms_ = 0;
  int64_t last_newline_ms_ = 0;
  int64_t no_replicas_since_ms_ = 0;
  bool getack_pending_ = false;  // WAIT asked for ACKs: send GETACK before sleeping
};

}  // namespace sable

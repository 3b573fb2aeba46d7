// Replication identity and history shared by both roles: the replication ids and offsets of
// PSYNC2 and the backlog, a circular buffer of the last repl-backlog-size bytes of the stream.
// It knows no socket: the primary side (server/repl/primary*) registers a consumer that hands
// fed bytes to replica connections, and the replica side (server/repl/replica*) feeds what it
// receives from its own primary so chained replicas get the same stream byte for byte.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace sable {

class ReplyBuilder;

// Length of a replication id: 40 hex characters, as Redis's CONFIG_RUN_ID_SIZE.
inline constexpr size_t kReplIdLen = 40;

class ReplicationState {
 public:
  explicit ReplicationState(int64_t backlog_size = 1024 * 1024);

  // PSYNC2 identity. replid2/second_repl_offset name the history this node had before its last
  // promotion, so replicas of the old primary can still continue partially.
  const std::string& replid() const { return replid_; }
  const std::string& replid2() const { return replid2_; }
  int64_t master_repl_offset() const { return master_repl_offset_; }
  int64_t second_repl_offset() const { return second_repl_offset_; }

  // Appends bytes of the replication stream: into the backlog, advances master_repl_offset, and
  // hands them to the registered stream consumer (attached replicas). Without a backlog it does
  // nothing, as Redis: a primary that never had a replica keeps its offset at 0.
  void Feed(std::string_view resp_bytes);

  // PSYNC2 rule: the replica asks for psync_offset (its offset + 1). Accepted when replid is ours
  // and the offset is within the backlog, or replid is our previous id and the offset is not
  // past the point where that history ended (second_repl_offset); in both cases the backlog must
  // still hold everything from psync_offset on.
  bool CanPartialSync(std::string_view replid, int64_t psync_offset) const;
  // The stream bytes from offset (inclusive) to master_repl_offset. Requires
  // backlog_first_byte_offset() <= offset <= master_repl_offset() + 1.
  std::string BacklogFrom(int64_t offset) const;

  // Promotion (REPLICAOF NO ONE, failover): the current history becomes the secondary one,
  // replid2 = replid, second_repl_offset = offset + 1, and a new random replid.
  void ShiftReplId();
  // A replica after "+FULLRESYNC <replid> <offset>": adopts the primary's id and offset, forgets
  // replid2, and resets the backlog so it starts at offset + 1.
  void SetMaster(std::string replid, int64_t offset);
  // A replica after "+CONTINUE <newid>" from a primary that changed id: the old id becomes
  // replid2 valid up to offset + 1, the new one becomes ours (the backlog is kept).
  void ContinueWithNewReplId(std::string replid);
  // New random replid, replid2 cleared (a primary that starts a new history, e.g. on start-up
  // without replicas or after loading a dataset that breaks continuity).
  void ChangeReplId();
  void ClearReplId2();
  // Start-up with replication info from the RDB (AUX repl-id / repl-offset), as Redis 7.0's
  // loadDataFromDisk. A replica takes the saved history as its own (its cached master): the next
  // PSYNC names replid and offset + 1. A primary keeps its fresh replid and offers the saved one
  // as replid2 valid up to offset + 1, rebases its offset on the saved one and creates the
  // backlog, so replicas of the pre-restart primary continue partially.
  void RestoreAsReplica(std::string replid, int64_t offset);
  void RestoreAsPrimary(std::string replid, int64_t offset);

  // Backlog. Created when the first replica attaches (or a replica starts following a primary),
  // freed by the primary side after repl-backlog-ttl without replicas.
  bool backlog_active() const { return !backlog_.empty(); }
  void CreateBacklog();
  void FreeBacklog();
  // CONFIG SET repl-backlog-size: keeps the newest history that fits.
  void SetBacklogSize(int64_t size);
  int64_t backlog_size() const { return backlog_size_; }
  // First offset the backlog holds (1-based stream offset), 0 when there is none.
  int64_t backlog_first_byte_offset() const { return backlog_.empty() ? 0 : first_byte_offset_; }
  int64_t backlog_histlen() const { return histlen_; }

  // The primary side's consumer of fed bytes (its replica connections).
  void SetStreamConsumer(std::function<void(std::string_view)> consumer) {
    consumer_ = std::move(consumer);
  }

  // The db selected in the outgoing stream; -1 makes the next propagated command emit SELECT
  // (set when a full sync starts, as Redis's server.slaveseldb).
  int stream_db() const { return stream_db_; }
  void set_stream_db(int db) { stream_db_ = db; }

  // Role, set by the replica side (REPLICAOF host port / NO ONE). The primary side reads it for
  // INFO, ROLE and to decide whether writes are checked against min-replicas-to-write.
  bool is_replica() const { return is_replica_; }
  void set_is_replica(bool on) { is_replica_ = on; }
  // Set by the replica side while the link to its primary is up (synced); a replica refuses
  // SYNC/PSYNC from its own replicas with NOMASTERLINK otherwise.
  bool master_link_up = false;

  // Hooks the replica side sets so INFO and ROLE stay in one place (server/repl/repl_info.cc):
  // - replica_info: appends the role:slave fields between "role:slave\r\n" and
  //   "connected_slaves:..." (master_host ... replica_announced), each line ending in "\r\n".
  // - replica_role: writes the whole ROLE reply of a replica
  //   (["slave", host, port, state, offset]).
  // - replica_getack: "REPLCONF GETACK" arrived on the link to our primary (answer with an ACK).
  std::function<void(std::string& out)> replica_info;
  std::function<void(ReplyBuilder& rb)> replica_role;
  std::function<void()> replica_getack;
  // - replica_stream_db: the db selected in the stream from our primary (its master client's
  //   db). A full sync we serve to a chained replica records it in the RDB (aux
  //   repl-stream-db), since the forwarded stream does not start with SELECT.
  std::function<int()> replica_stream_db;

  // Sync counters for INFO stats (sync_full, sync_partial_ok, sync_partial_err).
  uint64_t sync_full = 0;
  uint64_t sync_partial_ok = 0;
  uint64_t sync_partial_err = 0;

  static std::string RandomReplId();

 private:
  void AppendToBacklog(std::string_view bytes);

  std::string replid_;
  std::string replid2_;
  int64_t master_repl_offset_ = 0;
  int64_t second_repl_offset_ = -1;

  int64_t backlog_size_;
  std::vector<char> backlog_;  // empty = no backlog
  size_t backlog_idx_ = 0;     // next write position in backlog_
  int64_t histlen_ = 0;        // valid bytes in backlog_
  int64_t first_byte_offset_ = 0;

  std::function<void(std::string_view)> consumer_;
  int stream_db_ = -1;
  bool is_replica_ = false;
};

}  // namespace sable

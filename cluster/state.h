// The cluster as this node knows it: the nodes (itself included), who owns each slot, the slots
// being migrated, the epochs, and nodes.conf, which persists all of it in Redis's format so a
// restarted node (and Redis's own tools) read it back. Pure data and rules: no sockets, no
// server, no threads; the caller passes the clock. Everything runs on the main loop.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/slot.h"

namespace sable::cluster {

// Node flags, as CLUSTER NODES prints them (Redis's CLUSTER_NODE_*).
enum NodeFlag : uint32_t {
  kFlagMyself = 1u << 0,      // "myself": this node
  kFlagMaster = 1u << 1,      // "master"
  kFlagSlave = 1u << 2,       // "slave"
  kFlagPfail = 1u << 3,       // "fail?": we got no PONG within cluster-node-timeout
  kFlagFail = 1u << 4,        // "fail": a majority of primaries agree it failed
  kFlagHandshake = 1u << 5,   // "handshake": met, has not answered yet (random id meanwhile)
  kFlagNoAddr = 1u << 6,      // "noaddr": address unknown
  kFlagNoFailover = 1u << 7,  // "nofailover": a replica with cluster-replica-no-failover
  kFlagMeet = 1u << 8,        // internal: the next message to it is a MEET (not printed)
};

struct Node {
  std::string id;            // 40 lower-case hex characters
  std::string ip;            // announced address ("" when unknown)
  int port = 0;              // client (RESP) port
  int cport = 0;             // cluster bus port
  std::string hostname;      // cluster-announce-hostname ("" when none)
  std::string shard_id;      // 40 hex; a replica shares its primary's
  uint32_t flags = 0;        // NodeFlag bits
  std::string primary_id;    // a replica's primary ("" for a primary or when unknown)
  uint64_t config_epoch = 0;
  int64_t ctime_ms = 0;      // when the node entered our table (handshake timeout)
  int64_t ping_sent_ms = 0;  // when our unanswered PING went out; 0 once answered
  int64_t pong_recv_ms = 0;  // when its last PONG reached us
  int64_t data_recv_ms = 0;  // when anything from it last reached us
  int64_t fail_time_ms = 0;  // when we set FAIL
  int64_t voted_time_ms = 0; // when we last voted for a replica of this primary
  int64_t repl_offset = 0;   // as it announced (replicas: applied offset)
  bool link_connected = false;  // our bus connection to it is up (CLUSTER NODES connected)
  std::bitset<kSlots> slots;    // slots it claims (a replica: none)
  int num_slots = 0;
  // Primaries that reported this node as PFAIL/FAIL in gossip: reporter id -> when (ms).
  std::map<std::string, int64_t> fail_reports;

  bool is_myself() const { return flags & kFlagMyself; }
  bool is_primary() const { return flags & kFlagMaster; }
  bool is_replica() const { return flags & kFlagSlave; }
  bool failed() const { return flags & kFlagFail; }
  bool pfailed() const { return flags & kFlagPfail; }
  bool in_handshake() const { return flags & kFlagHandshake; }
};

// CLUSTER NODES flag text for `flags` ("myself,master", "slave,fail?", "noflags").
std::string FlagsText(uint32_t flags);
// A random 40-hex node (or shard) id.
std::string NewNodeId();

class ClusterState {
 public:
  explicit ClusterState(std::string config_path);
  ~ClusterState();
  ClusterState(const ClusterState&) = delete;
  ClusterState& operator=(const ClusterState&) = delete;

  // Reads nodes.conf. When the file does not exist (or is empty), makes this node a fresh
  // primary with a new id and epoch 0 and writes the file. Returns an error text (Redis refuses
  // to start on an unreadable or corrupt file, or one another node has locked), "" on success.
  // The file stays locked (flock) while this object lives, so two nodes cannot share it.
  // port/cport always become myself's (announced ports may change between runs); a non-empty
  // ip (cluster-announce-ip) replaces the one in the file, an empty one keeps it: Redis learns
  // its own address from the first peer that talks to it.
  std::string LoadOrCreate(const std::string& ip, int port, int cport, int64_t now_ms);
  // Parses nodes.conf text into this (empty) state; the error text as LoadOrCreate's. Exposed
  // for tests; LoadOrCreate is the way in.
  std::string Parse(std::string_view text, int64_t now_ms);
  // nodes.conf's content: every node but those in handshake, then the "vars" line.
  std::string ConfigText() const;
  // Rewrites nodes.conf atomically (temporary file, fsync, rename). False on an I/O error.
  // Clears the dirty mark on success.
  bool Save();
  // Changes that must reach nodes.conf before the loop sleeps (Redis's
  // CLUSTER_TODO_SAVE_CONFIG); SaveIfDirty() in the loop's before-sleep/cron.
  void MarkDirty() { dirty_ = true; }
  bool SaveIfDirty();
  bool dirty() const { return dirty_; }
  const std::string& config_path() const { return path_; }

  Node& myself() { return *myself_; }
  const Node& myself() const { return *myself_; }
  Node* Find(std::string_view id) const;
  // Every known node, myself included, by id.
  const std::map<std::string, std::unique_ptr<Node>, std::less<>>& nodes() const {
    return nodes_;
  }
  // Adds a node (its id must be new). Returns it.
  Node* AddNode(std::unique_ptr<Node> node);
  // Removes a node other than myself: frees its slots, drops it as a replica's primary and
  // from every fail-report list.
  void DeleteNode(std::string_view id);
  // A handshake node answered with its real id.
  void RenameNode(Node* node, const std::string& new_id);

  // Slots.
  Node* owner(int slot) const { return owner_[slot]; }
  // Bumped whenever a slot changes owner or myself changes primary, so work that depends on
  // the slot map (dropping shard channels we no longer serve) runs only after a change.
  uint64_t slots_version() const { return slots_version_; }
  // Assigns `slot` to `node` (taking it from its previous owner). Marks dirty.
  void SetSlot(int slot, Node* node);
  // Unassigns `slot`. Marks dirty.
  void ClearSlot(int slot);
  // Slots being moved: on the source, where to (MIGRATING); on the target, where from
  // (IMPORTING). nullptr when stable.
  Node* migrating_to(int slot) const { return migrating_to_[slot]; }
  Node* importing_from(int slot) const { return importing_from_[slot]; }
  void SetMigrating(int slot, Node* to);
  void SetImporting(int slot, Node* from);

  // Makes `node` a replica of `primary` (flags, primary_id, shard id, no slots), or a primary
  // when `primary` is nullptr. Marks dirty.
  void SetPrimary(Node* node, Node* primary);
  std::vector<Node*> ReplicasOf(const Node& primary) const;
  // Primaries that serve at least one slot (Redis's cluster size).
  int Size() const;

  uint64_t current_epoch() const { return current_epoch_; }
  void set_current_epoch(uint64_t e) { current_epoch_ = e; dirty_ = true; }
  uint64_t last_vote_epoch() const { return last_vote_epoch_; }
  void set_last_vote_epoch(uint64_t e) { last_vote_epoch_ = e; dirty_ = true; }
  uint64_t MaxConfigEpoch() const;

  // cluster_state:ok|fail, recomputed by UpdateState (Redis's clusterUpdateState).
  bool ok() const { return ok_; }
  void set_ok(bool ok) { ok_ = ok; }

  // One CLUSTER NODES line (ends in "\n"). The nodes.conf form is the same line; migrating and
  // importing entries appear only on myself's line, as in Redis.
  std::string NodeLine(const Node& node, int64_t now_ms) const;
  // CLUSTER NODES: every node, handshake ones included. Redis prints them in its dict's
  // (random) order; we print myself first, then the rest by id, which no client depends on.
  std::string NodesText(int64_t now_ms) const;

 private:
  std::string path_;
  std::map<std::string, std::unique_ptr<Node>, std::less<>> nodes_;
  Node* myself_ = nullptr;
  std::array<Node*, kSlots> owner_{};
  std::array<Node*, kSlots> migrating_to_{};
  std::array<Node*, kSlots> importing_from_{};
  uint64_t current_epoch_ = 0;
  uint64_t last_vote_epoch_ = 0;
  bool ok_ = false;
  bool dirty_ = false;
  uint64_t slots_version_ = 0;
  // The descriptor holding the flock on nodes.conf (-1 before LoadOrCreate).
  int lock_fd_ = -1;
};

}  // namespace sable::cluster

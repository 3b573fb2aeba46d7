// The cluster bus protocol on top of the gRPC transport (bus.h): MEET/PING/PONG with gossip,
// PFAIL/FAIL, replica elections, manual failover, replica migration, UPDATE and PUBLISH. Owned by
// Cluster; runs on the main loop (the bus threads post their messages to it). Behaviour follows
// Redis 7.0's cluster.c; where Sable differs it says why.
//
// One deliberate difference: a call to a peer whose bus port refuses the connection (nothing
// listens: the process is gone, not slow) marks it PFAIL at once instead of after
// cluster-node-timeout, and the loss of an established connection triggers an immediate PING to
// find that out. Only where a failover can follow (a primary serving slots with a usable
// replica): anyone else, restarted quickly, is never failed, as in Redis. Such a fast FAIL is
// cleared as soon as the node answers again while it still owns its slots. FAIL still needs
// the majority of primaries, so a slow node (DEBUG SLEEP, a long command) keeps the full node
// timeout: its port still accepts connections.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "cluster/bus.h"
#include "cluster/cluster.h"
#include "cluster/state.h"

namespace sable::cluster {

// BusHeader.mflags bits.
enum : uint32_t {
  kMflagPaused = 1u << 0,  // a primary paused its clients for a manual failover
};

// Redis's CLUSTER_MF_TIMEOUT: how long a manual failover may take.
constexpr int64_t kMfTimeoutMs = 5000;

// The bus's slot bitmap (BusHeader.slots): 2048 bytes, bit s%8 of byte s/8 for slot s, as Redis's
// clusterMsg.myslots. Decode gives no slots for a bitmap of the wrong size.
std::string EncodeSlots(const std::bitset<kSlots>& slots);
std::bitset<kSlots> DecodeSlots(const std::string& bytes);

// Which messages of each sender are newer than the last one applied (BusHeader run_id/seq): the
// bus serves each message on its own thread, so two of one sender can arrive reversed.
class SeqTracker {
 public:
  // True when (run_id, seq) from `sender` is newer than the last accepted one (or the first, or
  // from a new run of the sender); it then becomes the last. False for an older or repeated one.
  bool Accept(const std::string& sender, uint64_t run_id, uint64_t seq);
  void Forget(const std::string& sender) { last_.erase(sender); }
  void Clear() { last_.clear(); }

 private:
  std::map<std::string, std::pair<uint64_t, uint64_t>> last_;  // id -> (run_id, seq)
};

class Gossip {
 public:
  explicit Gossip(Cluster* cluster);
  ~Gossip();
  Gossip(const Gossip&) = delete;
  Gossip& operator=(const Gossip&) = delete;

  // Starts the bus listener on the cluster port. Error text, "" on success.
  std::string Start();
  // Stops the bus threads (before the Server goes away). Nothing posted by the bus runs after.
  void Stop();
  // The periodic share of Cluster::Cron (every 100 ms).
  void Cron();

  // The bodies of the Cluster methods of the same names (cluster.h).
  bool Meet(const std::string& ip, int port, int cport);
  void Forget(Node* node);
  std::string StartManualFailover(FailoverMode mode);
  void Reset(bool hard);
  void BroadcastPong(bool local_replicas_only = false);
  void Publish(std::string_view channel, std::string_view message, bool sharded);
  int CountFailureReports(const Node& node) const;
  std::vector<Cluster::LinkInfo> Links() const;

  // CLUSTER INFO's cluster_stats_messages_* lines in Redis's order: per type sent (non-zero
  // only), cluster_stats_messages_sent, per type received, cluster_stats_messages_received.
  std::vector<std::pair<std::string, uint64_t>> MessageStatLines() const;

  // The bus port we listen on (0 before Start).
  int port() const { return bus_ ? bus_->port() : 0; }

 private:
  // What we track per peer beyond the Node itself, by node id.
  struct Peer {
    bool inflight = false;         // a PING/MEET of ours awaits its PONG
    int64_t last_fail_ms = 0;      // when our last call to it failed
    int64_t link_since_ms = 0;     // when the current outbound link came up (CLUSTER LINKS)
    int64_t inbound_ms = 0;        // when it last called us
    int64_t inbound_since_ms = 0;  // when it started calling us (CLUSTER LINKS "from")
    std::string watched;           // "ip:cport" whose connection we watch
    int64_t unauth_log_ms = 0;     // last "refused our credentials" log line
    // Its FAIL came sooner than cluster-node-timeout after we last heard from it: the fast
    // path (a refused connection), which Redis does not have.
    bool fast_fail = false;
  };

  int64_t Now() const;
  int64_t NodeTimeout() const;
  ClusterState& st();
  Node& me();
  Node* PrimaryOf(const Node& n);
  int64_t MyReplOffset();
  Peer& PeerOf(const Node& n) { return peers_[n.id]; }
  void RenamePeer(const std::string& from, const std::string& to);
  void DropNode(Node* n);
  // Drops the bus channel of ip:cport unless a node other than `except` still uses it.
  void ForgetAddressIfUnused(const std::string& ip, int cport, const Node* except);
  // The fast PFAIL of a refused connection is only worth it where a failover can follow: a
  // primary serving slots with a replica able to take over.
  bool FailoverCanFollow(const Node& n) const;
  // Marks n FAIL (from our quorum or a FAIL message).
  void SetFail(Node* n);
  // CLUSTER INFO's counters.
  void CountSent(sable::BusMessage::Type type, bool sharded = false);
  void CountReceived(sable::BusMessage::Type type, bool sharded = false);

  // Messages.
  void FillHeader(sable::BusHeader* h, const Node* to);
  void AddGossip(sable::BusMessage* m);
  sable::BusMessage Build(sable::BusMessage::Type type, const Node* to);
  // Eligible to receive broadcasts: known, addressed, not myself.
  bool Reachable(const Node& n) const;

  // Sending. Results come back on the loop (OnPingDone & co).
  void SendPing(Node* n, sable::BusMessage::Type type, bool broadcast = false);
  void SendNotify(Node* n, const sable::BusMessage& m);
  void BroadcastNotify(const sable::BusMessage& m);
  void PingAllNow();
  void OnPingDone(const std::string& id, bool broadcast, const grpc::Status& status,
                  const sable::BusMessage& reply);
  void OnCallFailed(Node* n, const grpc::Status& status);
  void OnLinkDown(const std::string& id);

  // Receiving.
  sable::BusMessage OnRequest(BusRpc rpc, const sable::BusMessage& req, const std::string& peer_ip);
  // Processes one message (an inbound request, or the PONG answering our PING to link_node).
  // Returns the sender as known after processing (nullptr when unknown).
  Node* Process(const sable::BusMessage& m, Node* link_node, const std::string& peer_ip,
                sable::BusMessage* reply);
  void ProcessGossip(Node* sender, const sable::BusMessage& m);
  bool UpdateAddress(Node* n, const std::string& ip, int port, int cport);
  void SetRoleFromHeader(Node* sender, const sable::BusHeader& h);
  void UpdateSlotsConfigWith(Node* sender, uint64_t sender_config_epoch,
                             const std::bitset<kSlots>& slots);
  void HandleConfigEpochCollision(Node* sender);
  // Deletes the keys of a slot we lost to a newer configuration (Redis's delKeysInSlot),
  // propagating the deletes. Returns how many.
  size_t DeleteKeysInSlot(int slot);
  void SendUpdate(Node* to, Node* about);

  // Failure detection.
  bool AddFailureReport(Node* failing, const Node* reporter);
  bool DelFailureReport(Node* failing, const Node* reporter);
  int ValidFailureReports(const Node& n) const;
  void MarkFailingIfNeeded(Node* n);
  void ClearFailureIfNeeded(Node* n);
  void SetPfail(Node* n, const char* why);

  // Elections (failover.cc).
  void HandleReplicaFailover();
  int Rank();
  void RequestVotes();
  void OnVote(const std::string& voter_id, uint64_t epoch, const grpc::Status& status,
              const sable::BusMessage& reply);
  bool HandleVoteRequest(Node* requester, const sable::BusMessage& m);
  void ReplaceMyPrimary();
  bool BumpEpochWithoutConsensus();
  void ScheduleFailoverCheck(int64_t at_ms);

  // Manual failover and replica migration (failover.cc).
  void ResetManualFailover();
  void HandleManualFailover();
  void HandleReplicaMigration(int max_replicas);
  int OkReplicas(const Node& primary) const;

  Cluster* cluster_;
  std::unique_ptr<Bus> bus_;
  // Shared with the closures the bus posts to the loop: false once Stop ran.
  std::shared_ptr<bool> alive_;
  std::map<std::string, Peer> peers_;
  // CLUSTER FORGET: ids gossip must not re-add, until when (ms).
  std::map<std::string, int64_t> blacklist_;
  std::mt19937_64 rng_;
  uint64_t iteration_ = 0;
  int pfail_nodes_ = 0;  // nodes in PFAIL at the last cron (all go in every gossip)
  std::string secret_;   // control-auth as last handed to the bus
  // Unsecured bus listening on loopback only: MEET to another host is worth a warning.
  bool loopback_only_ = false;
  // Our header's run id and last sequence number; the senders' last applied ones.
  uint64_t run_id_ = 0;
  uint64_t seq_ = 0;
  SeqTracker seen_;
  // Primaries that have had replicas (Redis's CLUSTER_NODE_MIGRATE_TO): orphans worth a
  // migrating replica. And since when each one is orphaned.
  std::set<std::string> had_replicas_;
  std::map<std::string, int64_t> orphaned_since_;

  // The election of this replica (Redis's failover_auth_*).
  int64_t auth_time_ = 0;   // when the election starts (or started)
  int auth_count_ = 0;      // votes received
  bool auth_sent_ = false;  // votes requested
  int auth_rank_ = 0;
  uint64_t auth_epoch_ = 0;
  std::set<std::string> voters_;
  int64_t cant_failover_log_ms_ = 0;

  // Manual failover (Redis's mf_*): on both sides.
  int64_t mf_end_ = 0;              // deadline; 0 = none in progress
  std::string mf_replica_id_;       // on the primary: the replica that asked
  int64_t mf_primary_offset_ = -1;  // on the replica: the paused primary's offset
  bool mf_can_start_ = false;       // on the replica: caught up (or FORCE)
};

}  // namespace sable::cluster

// The cluster subsystem of a node started with cluster-enabled yes. It owns the cluster state
// (nodes.conf), the bus (gRPC sable.ClusterBus: listener and links to the other nodes), decides
// where each keyed command runs (MOVED/ASK/...), and does the periodic work: gossip, failure
// detection, replica failover, saving nodes.conf. Everything here runs on the main loop; bus
// threads only post to it.
//
// Files: cluster.cc (start, cron, state update, role changes), routing.cc (Route),
// gossip.cc (messages, failure detection, failover, MEET/FORGET), bus.{h,cc} (gRPC transport).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/state.h"

namespace sable {
class Client;
class Server;
struct CommandSpec;
}  // namespace sable

namespace sable::cluster {

class Gossip;
class SlotIndex;

// CLUSTER FAILOVER's option.
enum class FailoverMode { kDefault, kForce, kTakeover };

// Bus message types in Redis's CLUSTERMSG_TYPE_* order, which is the order CLUSTER INFO lists
// their counters in.
enum MessageType : int {
  kMsgPing,
  kMsgPong,
  kMsgMeet,
  kMsgFail,
  kMsgPublish,
  kMsgAuthRequest,
  kMsgAuthAck,
  kMsgUpdate,
  kMsgMfStart,
  kMsgModule,
  kMsgPublishShard,
  kMsgTypeCount,
};
// Their names in CLUSTER INFO (cluster_stats_messages_<name>_sent).
inline constexpr const char* kMessageTypeNames[kMsgTypeCount] = {
    "ping",     "pong",   "meet",    "fail",   "publish",      "auth-req",
    "auth-ack", "update", "mfstart", "module", "publishshard",
};

// What the bus sent and received, by type (CLUSTER INFO's cluster_stats_messages_* lines).
struct MessageStats {
  std::array<uint64_t, kMsgTypeCount> sent{};
  std::array<uint64_t, kMsgTypeCount> received{};
  uint64_t links_buffer_limit_exceeded = 0;  // total_cluster_links_buffer_limit_exceeded
};

class Cluster {
 public:
  explicit Cluster(Server* server);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // Loads (or creates) nodes.conf and starts the bus listener on cluster-port (port+10000 by
  // default). Returns an error text, "" on success.
  std::string Start();
  // Start's first half: loads (or creates) and locks nodes.conf and sets myself's announced
  // address (cluster-announce-ip/-port/-bus-port/-hostname). In-process tests call it alone,
  // without a bus. Returns an error text, "" on success.
  std::string LoadConfig();
  // Stops the bus threads; before the Server goes away.
  void Stop();

  Server& server() { return *server_; }
  ClusterState& state() { return state_; }
  SlotIndex& keys();
  int64_t now_ms() const;

  // ---- Routing (routing.cc) -------------------------------------------------------------
  // Where a command from `c` runs: "" when here, otherwise the error to reply (MOVED, ASK,
  // TRYAGAIN, CROSSSLOT, CLUSTERDOWN), with Redis's exact text (no '-'). For EXEC, the
  // queued commands decide. The dispatcher clears the client's ASKING after each command.
  std::string Route(Client* c, const CommandSpec* cmd, const std::vector<std::string_view>& args);
  // For a client blocked on `keys` (BLPOP...): the error that ends its wait because the
  // cluster went down or a key's slot is now served elsewhere (CLUSTERDOWN, MOVED), or "" to
  // keep waiting. A slot being imported here keeps its waiters, as Redis's
  // clusterRedirectBlockedClientIfNeeded().
  std::string BlockedRedirect(const std::vector<std::string>& keys);

  // ---- Role changes (cluster.cc) --------------------------------------------------------
  // Makes this node a replica of `primary`: drops our slots, starts replication from its
  // address, saves nodes.conf.
  void ReplicateFrom(Node* primary);
  // Makes this replica a primary (failover): stops replication keeping the data (Redis's
  // replicationUnsetMaster), saves nodes.conf.
  void BecomePrimary();
  // Recomputes cluster_state (ok/fail) from slot coverage and reachability, as Redis's
  // clusterUpdateState; cheap enough to run every cron and after every change.
  void UpdateState();

  // ---- Bus events and gossip (gossip.cc; the bus and its own state live in Gossip) -------
  // CLUSTER MEET: adds a handshake node at ip:port (bus port cport) that gets a MEET. False
  // when the address is invalid (Redis's "Invalid node address specified").
  bool Meet(const std::string& ip, int port, int cport);
  // CLUSTER FORGET: removes the node and refuses to re-add it from gossip for 60 s.
  void Forget(Node* node);
  // CLUSTER FAILOVER on a replica: starts a manual failover (default: coordinated with the
  // primary; FORCE: without it; TAKEOVER: without an election). Returns an error text or "".
  std::string StartManualFailover(FailoverMode mode);
  // CLUSTER RESET: forgets every other node; HARD also resets the epochs and gives this node a
  // new id.
  void Reset(bool hard);
  // Sends our PONG to every node at once (after a slot, epoch or role change) instead of
  // waiting for the next ping round.
  void BroadcastPong();
  // PUBLISH reaches subscribers on every node; SPUBLISH (sharded) only the nodes of this
  // shard (our replicas, or our primary and its other replicas). Called after the local
  // delivery.
  void Publish(std::string_view channel, std::string_view message, bool sharded);
  // CLUSTER COUNT-FAILURE-REPORTS.
  int CountFailureReports(const Node& node) const;
  // CLUSTER LINKS: one entry per bus link. Fields of Redis 7.0 (direction, node, create-time,
  // events, send-buffer-allocated, send-buffer-used).
  struct LinkInfo {
    std::string direction;  // "to" or "from"
    std::string node;
    int64_t create_time_ms = 0;
    std::string events;     // "r", "w", "rw" or ""
    int64_t send_buffer_allocated = 0;
    int64_t send_buffer_used = 0;
  };
  std::vector<LinkInfo> Links() const;

  // Every 100 ms (server cron): gossip, failure detection, failover, handshake timeouts, state
  // update, and nodes.conf when dirty.
  void Cron();
  // Writes nodes.conf when something changed; a node that cannot exits, as Redis's
  // clusterSaveConfigOrDie (after every command, and from Cron).
  void SaveOrDie();

  Gossip& gossip() { return *gossip_; }
  // The bus counts its messages here (gossip.cc); CLUSTER INFO prints them.
  MessageStats& message_stats() { return message_stats_; }

 private:
  Server* server_;
  ClusterState state_;
  // UpdateState's clocks (Redis keeps them as statics): when it first ran, since a restarted
  // primary waits a little before serving; and when we last found ourselves in a minority
  // partition, since a primary rejoining waits before turning ok.
  int64_t first_update_ms_ = 0;
  int64_t among_minority_ms_ = 0;
  // The slot map DropForeignShardChannels last ran against (ClusterState::slots_version).
  uint64_t shard_channels_version_ = 0;
  // cluster-announce-ip as last applied to myself: only a change of it touches myself's ip
  // (an empty setting leaves the address peers reported).
  std::string applied_announce_ip_;
  MessageStats message_stats_;
  // Commands Route treats specially, looked up once (pointer comparisons per command; nullptr
  // when a command is not registered).
  const CommandSpec* exec_cmd_ = nullptr;
  const CommandSpec* migrate_cmd_ = nullptr;
  const CommandSpec* restore_asking_cmd_ = nullptr;
  const CommandSpec* ssubscribe_cmd_ = nullptr;
  const CommandSpec* sunsubscribe_cmd_ = nullptr;
  const CommandSpec* spublish_cmd_ = nullptr;

  // Sharded pub/sub follows the slots: subscriptions to channels whose slot our shard lost
  // (DELSLOTS, a reshard, a failover elsewhere) end with a "sunsubscribe" push (Redis 7.0's
  // removeChannelsInSlot). Checked each cron rather than in every place a slot can move.
  void DropForeignShardChannels();
  // Copies cluster-announce-ip/-port/-bus-port/-hostname (CONFIG SET may change them) into
  // myself, marking the state dirty when something changed.
  void ApplyAnnouncedAddress();
  // The bus transport, the messages, failure detection and elections (gossip.h).
  std::unique_ptr<Gossip> gossip_;
};

}  // namespace sable::cluster

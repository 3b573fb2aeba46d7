// The sentinel's view of the world: monitored primaries, their replicas and the other sentinels.
// Owned and mutated only on the sentinel's main loop; gRPC threads post results to the loop.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace sable::sentinel {

// Instance flags, as SENTINEL MASTERS/REPLICAS/SENTINELS print them (in this order).
enum InstanceFlag : uint32_t {
  kFlagSDown = 1u << 0,
  kFlagODown = 1u << 1,
  kFlagMaster = 1u << 2,
  kFlagSlave = 1u << 3,
  kFlagSentinel = 1u << 4,
  kFlagDisconnected = 1u << 5,
  kFlagMasterDown = 1u << 6,  // a peer sentinel: it reported the primary down
  kFlagFailoverInProgress = 1u << 7,
  kFlagPromoted = 1u << 8,
  kFlagReconfSent = 1u << 9,
  kFlagReconfInprog = 1u << 10,
  kFlagReconfDone = 1u << 11,
  kFlagForceFailover = 1u << 12,
};

// "s_down,o_down,master,..." in Redis's order and spelling.
std::string FlagsString(uint32_t flags);

// The failover state machine of one primary (SENTINEL MASTER's failover-state field).
enum class FailoverState {
  kNone,                // none
  kWaitStart,           // wait_start: elected? waiting for the votes
  kSelectSlave,         // select_slave
  kSendSlaveofNoOne,    // send_slaveof_noone
  kWaitPromotion,       // wait_promotion
  kReconfSlaves,        // reconf_slaves
  kUpdateConfig,        // update_config
};
const char* FailoverStateName(FailoverState s);

// Times are monotonic milliseconds (util clock); 0 means "never".
struct Instance {
  std::string name;  // primaries: the configured name; replicas and sentinels: "ip:port"
  std::string ip;
  int port = 0;
  int control_port = 0;  // the node's (or sentinel's) gRPC port; 0 = not learned yet
  std::string run_id;    // "" until learned
  uint32_t flags = 0;
  int64_t created_ms = 0;

  // Liveness (fields of SENTINEL MASTER/REPLICAS/SENTINELS, printed as "ms ago").
  int64_t last_ping_sent_ms = 0;       // an outstanding probe's send time; 0 = none pending
  int64_t last_ok_ping_reply_ms = 0;   // last probe answered by a live node
  int64_t last_ping_reply_ms = 0;      // last probe answered at all
  int64_t s_down_since_ms = 0;
  int64_t o_down_since_ms = 0;
  int64_t info_refresh_ms = 0;         // last NodeState read
  std::string role_reported = "master";  // "master" | "slave"
  int64_t role_reported_time_ms = 0;
  // Certain evidence that the process is gone (connection refused, health stream broken and
  // not re-established), as opposed to a slow node.
  bool gone = false;
  int64_t gone_since_ms = 0;

  // Replicas: as the node itself reports them.
  std::string master_host;
  int master_port = 0;
  bool master_link_up = false;
  int64_t master_link_down_ms = 0;
  int slave_priority = 100;
  int64_t repl_offset = 0;
  bool replica_announced = true;
  int64_t slave_reconf_sent_ms = 0;  // when a failover sent it REPLICAOF

  // Sentinels: hello bookkeeping and their vote.
  int64_t last_hello_ms = 0;
  std::string leader;  // the run id this sentinel voted for ("" = none)
  uint64_t leader_epoch = 0;
  int64_t last_master_down_reply_ms = 0;

  std::string Addr() const { return ip + ":" + std::to_string(port); }
};

struct Master : Instance {
  int quorum = 2;
  int64_t down_after_ms = 30000;
  int64_t failover_timeout_ms = 180000;
  int parallel_syncs = 1;
  uint64_t config_epoch = 0;
  std::string auth_pass;  // for the nodes' RESP port (INFO)
  std::string auth_user;
  // Other `sentinel set` options we keep and print back (notification-script, ...).
  std::map<std::string, std::string> extra_options;

  std::map<std::string, std::unique_ptr<Instance>> replicas;   // by "ip:port"
  std::map<std::string, std::unique_ptr<Instance>> sentinels;  // by run id

  // This sentinel's own vote for the failover of this primary.
  std::string leader;
  uint64_t leader_epoch = 0;

  // Failover in progress (flags has kFlagFailoverInProgress).
  FailoverState failover_state = FailoverState::kNone;
  int64_t failover_state_change_ms = 0;
  int64_t failover_start_ms = 0;  // also throttles retries (2 * failover-timeout)
  uint64_t failover_epoch = 0;
  std::string promoted;  // key of the replica being promoted in replicas
};

struct SentinelConfig {
  std::string config_file;  // absolute path; rewritten with the learned state
  int port = 26379;
  std::vector<std::string> bind;  // empty = all addresses
  std::string announce_ip;
  int announce_port = 0;
  std::string requirepass;  // for clients of this sentinel
  std::string control_bind = "127.0.0.1";
  int control_port = 0;     // SentinelPeer port; 0 = port + 20000
  std::string control_auth;  // secret sent to nodes' NodeAdmin and required by SentinelPeer
  std::string logfile;
  std::string loglevel = "notice";
  std::string dir;
  bool daemonize = false;
  std::string pidfile;
  bool resolve_hostnames = false;
  bool announce_hostnames = false;
  bool protected_mode = false;         // Redis Sentinel runs with protected-mode no
  bool deny_scripts_reconfig = true;   // SENTINEL SET may not change script paths
  std::string sentinel_user;           // credentials for other sentinels (sentinel-user/-pass)
  std::string sentinel_pass;
  // Lines we do not interpret, kept for the rewrite.
  std::vector<std::string> unknown_lines;
};

struct SentinelState {
  SentinelConfig config;
  std::string myid;  // 40 hex chars, persisted
  uint64_t current_epoch = 0;
  std::map<std::string, std::unique_ptr<Master>> masters;  // by name
  bool tilt = false;
  int64_t tilt_since_ms = 0;
  int64_t start_ms = 0;
};

}  // namespace sable::sentinel

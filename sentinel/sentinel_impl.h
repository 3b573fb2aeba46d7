// Internals of Sentinel shared by sentinel.cc (API, timers), monitor.cc (probing, hellos,
// SDOWN/ODOWN), failover.cc (election and failover) and peer_service.cc (SentinelPeer server).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "sentinel/rpc.h"
#include "sentinel/common.h"
#include "sentinel/sentinel.h"

namespace sable::net {
class EventLoop;
}

namespace sable::sentinel {

class PeerService;

// Per node (keyed by "ip:port" of its RESP port): what the probing machinery tracks beyond the
// model. Shared by every primary that lists the node.
struct NodeRuntime {
  int control_port = 0;
  bool probe_inflight = false;
  int64_t next_probe_ms = 0;
  bool state_inflight = false;
  int64_t last_state_sent_ms = 0;
  bool announce_inflight = false;
  int64_t last_announce_ms = 0;
  bool gone = false;  // the last health event said the process is gone
  int64_t gone_since_ms = 0;
};

// Per (primary, peer sentinel).
struct PeerRuntime {
  bool hello_inflight = false;
  int64_t last_hello_sent_ms = 0;
  bool ask_inflight = false;
  int64_t last_ask_ms = 0;
};

// Per primary: failover bookkeeping not in the model.
struct MasterRuntime {
  int64_t start_not_before_ms = 0;  // desync before an attempt; 0 = not armed
  bool promote_inflight = false;
  int64_t promote_sent_ms = 0;
  int64_t last_delay_log_ms = 0;
};

class Sentinel::Impl {
 public:
  explicit Impl(Sentinel* s);
  ~Impl();

  // sentinel.cc
  std::string Start();
  void Stop();
  void Tick();  // every 100 ms
  void Event(const std::string& type, const std::string& payload);
  void SaveConfig();
  // Runs fn on the loop unless the sentinel stopped meanwhile.
  void Post(std::function<void()> fn);
  std::string InstanceText(const Master& m, const Instance& ri) const;
  void EventFor(const std::string& type, const Master& m, const Instance& ri,
                const std::string& extra = "");
  int ControlPort() const;
  std::string AnnounceIp() const;
  int AnnouncePort() const;
  sable::SentinelHello MyHello(const Master& m) const;
  Instance* FindNode(Master* m, const std::string& addr);
  Master* FindMasterByAddr(const std::string& ip, int port);
  int64_t RandMs(int64_t bound);

  // monitor.cc
  void MonitorMaster(Master* m, int64_t now);
  void ProbeNode(Master* m, Instance* ri, int64_t now);
  // Fresh NodeState from every replica of m now (its primary just went down).
  void RefreshReplicasNow(Master* m, int64_t now);
  void OnNodeState(const std::string& master, const std::string& addr, const sable::NodeState& st);
  void OnNodeStateFailed(const std::string& master, const std::string& addr,
                         const grpc::Status& status);
  void OnHealth(const std::string& addr, const HealthEvent& ev);
  void CheckSubjectivelyDown(Master* m, Instance* ri, bool is_master, int64_t now);
  void SendHellos(Master* m, int64_t now);
  void ProcessHello(const sable::SentinelHello& h);
  void SendReplicaOf(Master* m, Instance* ri, const std::string& host, int port,
                     std::function<void(bool)> done);
  NodeRuntime& Node(const std::string& addr) { return nodes_[addr]; }
  void GcNodes();

  // failover.cc
  void AskOtherSentinels(Master* m, int64_t now, bool force);
  void CheckObjectivelyDown(Master* m, int64_t now);
  void StartFailoverIfNeeded(Master* m, int64_t now);
  void StartFailover(Master* m, bool force, int64_t now);
  void HandleFailover(Master* m, int64_t now);
  void AbortFailover(Master* m);
  std::string VoteLeader(Master* m, uint64_t req_epoch, const std::string& req_runid,
                         uint64_t* leader_epoch);
  std::string GetLeader(Master* m, uint64_t epoch);
  void ReconfNextReplica(Master* m, int64_t now);
  // Hellos to the other sentinels (and announcements through the nodes) on the next tick.
  void AnnounceNow(const Master& m);
  void DetectFailoverEnd(Master* m, int64_t now);
  void SwitchToPromoted(Master* m);
  void ResetMasterAndChangeAddress(Master* m, const std::string& ip, int port);
  void ResetMaster(Master* m, bool keep_sentinels);
  void OnReplicaInfoForFailover(Master* m, Instance* ri, int64_t now);
  void SetFailoverState(Master* m, FailoverState s);

  Sentinel* s_;
  net::EventLoop* loop_;
  SentinelState* st_;
  RpcClient rpc_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<PeerService> service_;
  std::shared_ptr<bool> alive_;
  uint64_t tick_timer_ = 0;
  bool running_ = false;
  std::map<std::string, NodeRuntime> nodes_;
  std::map<std::string, PeerRuntime> peers_;  // "<master>/<runid>"
  std::map<std::string, MasterRuntime> mrt_;
  std::mt19937_64 rng_;
  int64_t last_gc_ms_ = 0;
  int64_t last_tick_ms_ = 0;
  // Our address as the nodes see it (from the RESP probes): announced when nothing else is.
  std::string local_ip_;
};

}  // namespace sable::sentinel

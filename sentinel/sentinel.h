// The sentinel core: monitors primaries and replicas over the nodes' gRPC control ports, talks
// to the other sentinels over sable.SentinelPeer, detects SDOWN/ODOWN, elects a leader and runs
// the failover. Everything here runs on the main loop except the gRPC calls themselves, which run
// on worker threads and post their results back to the loop.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "sentinel/model.h"

namespace sable::net {
class EventLoop;
}

namespace sable::sentinel {

// Published events: channel is the event name ("+sdown", "+switch-master", ...), payload as
// Redis prints it ("slave 127.0.0.1:6380 127.0.0.1 6380 @ mymaster 127.0.0.1 6379").
using EventSink = std::function<void(std::string_view channel, std::string_view payload)>;

struct IsMasterDownResult {
  bool down = false;
  std::string leader = "*";
  uint64_t leader_epoch = 0;
};

class Sentinel {
 public:
  Sentinel(net::EventLoop* loop, SentinelState* state);
  ~Sentinel();
  Sentinel(const Sentinel&) = delete;
  Sentinel& operator=(const Sentinel&) = delete;

  // Starts the SentinelPeer gRPC server on config.control_port and the monitoring timers.
  // Returns an error text, or "" on success.
  std::string Start();
  // Stops timers, worker threads and the gRPC server (bounded).
  void Stop();

  SentinelState& state() { return *state_; }

  void SetEventSink(EventSink sink) { events_ = std::move(sink); }
  // Called whenever the learned state changes (epochs, votes, replicas, sentinels, switches);
  // main installs the config-file rewrite here.
  void SetConfigSaver(std::function<void()> save) { save_config_ = std::move(save); }

  // SENTINEL MONITOR / REMOVE / RESET / SET / FAILOVER / CKQUORUM / IS-MASTER-DOWN-BY-ADDR.
  // Each returns "" on success or a complete RESP error text without the leading '-'
  // (e.g. "ERR No such master with that name", "INPROG Failover already in progress").
  std::string Monitor(const std::string& name, const std::string& ip, int port, int quorum);
  std::string Remove(const std::string& name);
  // Number of primaries reset (glob pattern on names).
  int Reset(std::string_view pattern);
  // option/value pairs as SENTINEL SET takes them (down-after-milliseconds, failover-timeout,
  // parallel-syncs, quorum, auth-pass, auth-user, ...).
  std::string Set(const std::string& name, const std::vector<std::string>& option_values);
  std::string ForceFailover(const std::string& name);
  // On success fills ok_text with e.g. "OK 3 usable Sentinels. Quorum and failover
  // authorization can be reached".
  std::string CkQuorum(const std::string& name, std::string* ok_text);
  // The voting primitive behind both the RESP command and SentinelPeer.IsMasterDownByAddr.
  IsMasterDownResult IsMasterDownByAddr(const std::string& ip, int port, uint64_t epoch,
                                        const std::string& run_id);
  // Saves the config now (SENTINEL FLUSHCONFIG).
  void FlushConfig();

  Master* FindMaster(const std::string& name);
  // The address clients should use for this primary: the promoted replica's once a failover
  // has reached the reconfiguration phase, else the primary's.
  std::pair<std::string, int> CurrentMasterAddr(const Master& m) const;

  // The internals (sentinel/sentinel_impl.h); public so the gRPC service classes can name it.
  class Impl;

 private:
  net::EventLoop* loop_;
  SentinelState* state_;
  EventSink events_;
  std::function<void()> save_config_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sable::sentinel

// The sentinel's RESP front end: the client-facing port where Sentinel-aware clients ask for the
// primary (SENTINEL ...), subscribe to events, and where redis-cli works as with Redis Sentinel.
// Runs on the main loop; knows the Sentinel core only through its public API.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sentinel/sentinel.h"
#include "server/net/net_server.h"
#include "server/pubsub/pubsub.h"
#include "server/resp/reply_builder.h"

namespace sable::sentinel {

class Frontend;

// One client of the sentinel.
struct SentinelClient : public Subscriber {
  SentinelClient(Frontend* fe, net::Connection* c);
  void DeliverMessage(std::string_view channel, std::string_view message) override;
  void DeliverPatternMessage(std::string_view pattern, std::string_view channel,
                             std::string_view message) override;
  size_t subscriptions() const { return channels.size() + patterns.size(); }

  Frontend* fe;
  net::Connection* conn;
  ReplyBuilder rb;
  bool authenticated = false;
  std::string name;      // CLIENT SETNAME
  std::string lib_name;  // CLIENT SETINFO lib-name
  std::string lib_ver;   // CLIENT SETINFO lib-ver
  int64_t created_ms = 0;
  int64_t last_interaction_ms = 0;
  std::string last_cmd = "NULL";
  std::set<std::string> channels;
  std::set<std::string> patterns;
};

// Process-wide counters for INFO stats.
struct FrontendStats {
  uint64_t connections_received = 0;
  uint64_t commands_processed = 0;
  uint64_t error_replies = 0;
  uint64_t rejected_connections = 0;
};

class Frontend : public net::ConnectionHandler {
 public:
  Frontend(net::EventLoop* loop, Sentinel* sentinel);
  ~Frontend() override;

  // Listens on config.port / config.bind. Returns an error text or "".
  std::string Listen();
  void StopListening();

  // The core's event sink: logs like Redis and publishes on the channel named after the event.
  void PublishEvent(std::string_view channel, std::string_view payload);
  size_t Publish(std::string_view channel, std::string_view message) {
    return pubsub_.Publish(channel, message);
  }

  // SHUTDOWN: main installs the orderly stop here.
  void SetShutdownHandler(std::function<void()> fn) { shutdown_ = std::move(fn); }
  // SENTINEL CONFIG SET loglevel: main installs what changes the logger's level.
  void SetLogLevelHandler(std::function<void(const std::string&)> fn) {
    set_loglevel_ = std::move(fn);
  }
  void ApplyLogLevel(const std::string& level) {
    if (set_loglevel_) set_loglevel_(level);
  }

  // ConnectionHandler.
  bool OnOpen(net::Connection* c) override;
  bool OnRequest(net::Connection* c, std::vector<std::string_view>& args) override;
  void OnClose(net::Connection* c) override;

  Sentinel& core() { return *sentinel_; }
  SentinelState& state() { return sentinel_->state(); }
  const FrontendStats& stats() const { return stats_; }
  const std::map<uint64_t, SentinelClient*>& clients() const { return clients_; }
  const std::string& run_id() const { return run_id_; }
  PubSub& pubsub() { return pubsub_; }

 private:
  using Args = std::vector<std::string_view>;
  void Dispatch(SentinelClient* cl, Args& args);
  void CmdPing(SentinelClient* cl, Args& args);
  void CmdHello(SentinelClient* cl, Args& args);
  void CmdAuth(SentinelClient* cl, Args& args);
  void CmdClient(SentinelClient* cl, Args& args);
  void CmdInfo(SentinelClient* cl, Args& args);
  void CmdRole(SentinelClient* cl, Args& args);
  void CmdSubscribe(SentinelClient* cl, Args& args, bool pattern);
  void CmdUnsubscribe(SentinelClient* cl, Args& args, bool pattern);
  void CmdShutdown(SentinelClient* cl, Args& args);
  void CmdCommand(SentinelClient* cl, Args& args);
  std::string ClientLine(const SentinelClient* c) const;
  void Unsubscribe(SentinelClient* cl, const std::string& what, bool pattern, bool notify);

  net::EventLoop* loop_;
  Sentinel* sentinel_;
  net::NetServer net_;
  PubSub pubsub_;
  std::map<uint64_t, SentinelClient*> clients_;
  FrontendStats stats_;
  std::string run_id_;
  std::function<void()> shutdown_;
  std::function<void(const std::string&)> set_loglevel_;
};

// SENTINEL <subcommand> ...: sentinel_commands.cc.
void CmdSentinel(Frontend& fe, SentinelClient* cl, std::vector<std::string_view>& args);

// Instance replies, exposed for unit tests: key/value pairs in Redis's order, times as "ms ago"
// relative to now_ms.
std::vector<std::pair<std::string, std::string>> MasterFields(const Master& m, int64_t now_ms);
std::vector<std::pair<std::string, std::string>> ReplicaFields(const Instance& r, const Master& m,
                                                               int64_t now_ms);
std::vector<std::pair<std::string, std::string>> SentinelFields(const Instance& s, const Master& m,
                                                                int64_t now_ms);

}  // namespace sable::sentinel

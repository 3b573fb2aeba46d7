// The cluster bus transport: the gRPC server of sable.ClusterBus on this node's bus port and the
// async client calls to the other nodes' bus ports. It knows the messages only as protobufs and
// never touches cluster state: requests are checked (control-auth / mTLS), then handed to the main
// loop through LoopCall and answered with what the loop returns (bounded wait); replies to our
// own calls and link-down notices run on the completion-queue thread, where the caller (Gossip)
// posts them to the loop.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "proto/cluster_bus.grpc.pb.h"

namespace sable::net {
class EventLoop;
}

namespace sable::cluster {

// The three RPCs of sable.ClusterBus.
enum class BusRpc { kPing, kNotify, kVote };

struct BusOptions {
  std::vector<std::string> bind;  // addresses to listen on ("-addr" optional, as `bind`)
  int port = 0;                   // the bus port
  std::string tls_cert_file;      // control-tls-cert-file: TLS both ways when set
  std::string tls_key_file;       // control-tls-key-file
  std::string tls_ca_cert_file;   // control-tls-ca-cert-file: mutual TLS when set
  std::string secret;             // control-auth ("" = none)
};

class Bus {
 public:
  // Runs on the main loop: the answer to one authenticated request. peer_ip is the caller's
  // address as the connection shows it.
  using Handler = std::function<sable::BusMessage(BusRpc rpc, const sable::BusMessage& req,
                                                  const std::string& peer_ip)>;
  // Runs on the completion-queue thread with the outcome of one outgoing call.
  using Done = std::function<void(const grpc::Status& status, sable::BusMessage& reply)>;

  explicit Bus(net::EventLoop* loop);
  ~Bus();
  Bus(const Bus&) = delete;
  Bus& operator=(const Bus&) = delete;

  // Starts listening and the client thread. Error text, "" on success.
  std::string Start(const BusOptions& opts, Handler handler);
  // Cancels calls in flight, stops the server and joins the client thread (bounded). Nothing
  // is called back after it returns. Idempotent.
  void Stop();

  // control-auth changed (CONFIG SET): what we send and what we require. Thread-safe.
  void set_secret(const std::string& secret);

  // One async call to ip:cport. `done` runs on the completion-queue thread (never after Stop).
  void Call(BusRpc rpc, const std::string& ip, int cport, const sable::BusMessage& msg,
            int deadline_ms, Done done);
  // Calls on_down (completion-queue thread) whenever the connection to ip:cport leaves READY
  // (the peer closed it: often a process that just died). Replaces an earlier watch of the
  // same address.
  void WatchLink(const std::string& ip, int cport, std::function<void()> on_down);
  // Drops the channel and watch of an address we no longer talk to.
  void Forget(const std::string& ip, int cport);

  // A failed call's status says the peer's port refused the connection: nothing listens there,
  // the process is certainly gone (not merely slow).
  static bool Refused(const grpc::Status& status);
  // "ipv4:1.2.3.4:5" / "ipv6:[::1]:5" -> "1.2.3.4" / "::1".
  static std::string PeerIp(const std::string& peer);

  int port() const { return port_; }

 private:
  class Service;
  struct Tag;
  struct CallTag;
  struct WatchTag;
  struct Target {
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<sable::ClusterBus::Stub> stub;
    std::shared_ptr<std::function<void()>> on_down;
    bool watching = false;  // a WatchTag is armed on the queue
  };

  Target* GetTarget(const std::string& key);                                       // mu_ held
  void ArmWatch(const std::string& key, Target* t, grpc_connectivity_state last);  // mu_ held
  void CqLoop();
  grpc::Status Serve(grpc::ServerContext* ctx, BusRpc rpc, const sable::BusMessage* req,
                     sable::BusMessage* resp);
  std::string secret();

  net::EventLoop* loop_;
  Handler handler_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  bool mtls_ = false;
  std::shared_ptr<grpc::ChannelCredentials> client_creds_;
  std::atomic<bool> stopping_{false};

  std::mutex mu_;
  std::string secret_;
  bool started_ = false;
  bool stopped_ = false;
  grpc::CompletionQueue cq_;
  std::thread cq_thread_;
  std::set<CallTag*> pending_;
  std::map<std::string, std::unique_ptr<Target>> targets_;
};

}  // namespace sable::cluster

// The sentinel's outbound gRPC plumbing: a channel cache tuned for fast failure detection, async
// unary calls completed on one completion-queue thread, one health Watch thread per node, and a
// tiny pool for blocking jobs (the RESP control-port probe). Nothing here touches SentinelState:
// every result is handed to a callback that the caller makes post to the main loop.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "proto/health.grpc.pb.h"
#include "proto/node_admin.grpc.pb.h"
#include "proto/sentinel_peer.grpc.pb.h"

namespace sable::sentinel {

// The stubs of one target ("ip:port" of a control port); stubs are thread-safe.
struct RpcTarget {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<sable::NodeAdmin::Stub> admin;
  std::unique_ptr<grpc::health::v1::Health::Stub> health;
  std::unique_ptr<sable::SentinelPeer::Stub> peer;
};

// What a health watcher reports.
struct HealthEvent {
  enum Kind { kStatus, kBroken } kind = kStatus;
  int status = 0;         // HealthCheckResponse::ServingStatus for kStatus
  bool refused = false;   // kBroken: a fresh Check failed with UNAVAILABLE (process gone)
  bool check_ok = false;  // kBroken: a fresh Check answered (the node lives)
  std::string error;      // kBroken: why
};

class RpcClient {
 public:
  RpcClient();
  ~RpcClient();
  void Start();
  // Cancels everything in flight and joins every thread (bounded: calls are cancelled).
  void Stop();

  std::shared_ptr<RpcTarget> Target(const std::string& ip, int port);

  // One async unary call. start(ctx, cq) prepares the call on the target's stub; done runs on
  // the completion-queue thread with the status and the response.
  struct CallBase {
    virtual ~CallBase() = default;
    virtual void Complete() = 0;
    grpc::ClientContext ctx;
  };
  template <class Resp>
  struct Call : CallBase {
    Resp resp;
    grpc::Status status;
    std::unique_ptr<grpc::ClientAsyncResponseReader<Resp>> rpc;
    std::function<void(const grpc::Status&, Resp&)> done;
    void Complete() override { done(status, resp); }
  };
  template <class Resp, class StartFn>
  void Unary(int deadline_ms, const std::string& auth, StartFn start,
             std::function<void(const grpc::Status&, Resp&)> done) {
    auto* c = new Call<Resp>;
    c->ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(deadline_ms));
    if (!auth.empty()) c->ctx.AddMetadata("authorization", auth);
    c->done = std::move(done);
    {
      std::lock_guard<std::mutex> g(mu_);
      if (stopped_) {
        delete c;
        return;
      }
      pending_.insert(c);
      c->rpc = start(&c->ctx, &cq_);
      c->rpc->StartCall();
      c->rpc->Finish(&c->resp, &c->status, static_cast<void*>(static_cast<CallBase*>(c)));
    }
  }

  // Health watch of one node (key "ip:port" of its RESP port): runs until StopWatch; on_event
  // runs on the watch thread.
  void Watch(const std::string& key, const std::string& ip, int control_port,
             std::function<void(const HealthEvent&)> on_event);
  void StopWatch(const std::string& key);
  bool Watching(const std::string& key, int control_port);
  // Joins watchers that finished stopping (non-blocking for live ones).
  void ReapWatchers();

  // Runs a blocking job on the small pool.
  void Blocking(std::function<void()> job);

 private:
  struct Watcher {
    std::string ip;
    int control_port = 0;
    int resp_port = 0;  // from the key "ip:port"
    std::thread th;
    std::mutex mu;
    std::condition_variable cv;
    bool stop = false;
    std::atomic<bool> finished{false};
    grpc::ClientContext* ctx = nullptr;  // the call in flight, for TryCancel
  };
  void WatchLoop(Watcher* w, std::shared_ptr<RpcTarget> t,
                 std::function<void(const HealthEvent&)> on_event);
  void StopWatcher(Watcher* w);
  void CqLoop();
  void PoolLoop();

  std::mutex mu_;
  bool stopped_ = false;
  bool started_ = false;
  grpc::CompletionQueue cq_;
  std::thread cq_thread_;
  std::set<CallBase*> pending_;
  std::map<std::string, std::shared_ptr<RpcTarget>> targets_;

  std::mutex watch_mu_;
  std::map<std::string, std::unique_ptr<Watcher>> watchers_;
  std::vector<std::unique_ptr<Watcher>> retired_;

  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::deque<std::function<void()>> jobs_;
  bool pool_stop_ = false;
  std::vector<std::thread> pool_;
};

}  // namespace sable::sentinel

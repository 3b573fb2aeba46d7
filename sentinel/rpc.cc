#include "sentinel/rpc.h"

#include <chrono>

#include "sentinel/resp_probe.h"
#include "server/control/grpc_common.h"

namespace sable::sentinel {

namespace {

// Health streams of different nodes never share a connection, and a refused connection fails a
// call at once (FastFailChannelArgs).
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& target) {
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(),
                                   control::FastFailChannelArgs());
}

}  // namespace

RpcClient::RpcClient() = default;

RpcClient::~RpcClient() { Stop(); }

void RpcClient::Start() {
  std::lock_guard<std::mutex> g(mu_);
  if (started_) return;
  started_ = true;
  cq_thread_ = std::thread([this] { CqLoop(); });
  for (int i = 0; i < 2; ++i) pool_.emplace_back([this] { PoolLoop(); });
}

void RpcClient::Stop() {
  {
    std::lock_guard<std::mutex> g(mu_);
    if (stopped_) return;
    stopped_ = true;
    for (CallBase* c : pending_) c->ctx.TryCancel();
  }
  // Watchers first: they may block in a Check with a short deadline.
  std::vector<std::unique_ptr<Watcher>> all;
  {
    std::lock_guard<std::mutex> g(watch_mu_);
    for (auto& [k, w] : watchers_) all.push_back(std::move(w));
    watchers_.clear();
    for (auto& w : retired_) all.push_back(std::move(w));
    retired_.clear();
  }
  for (auto& w : all) StopWatcher(w.get());
  for (auto& w : all) {
    if (w->th.joinable()) w->th.join();
  }
  {
    std::lock_guard<std::mutex> g(pool_mu_);
    pool_stop_ = true;
    jobs_.clear();
  }
  pool_cv_.notify_all();
  for (auto& t : pool_) t.join();
  pool_.clear();
  bool had_thread = cq_thread_.joinable();
  cq_.Shutdown();
  if (had_thread) {
    cq_thread_.join();
  } else {
    void* tag;
    bool ok;
    while (cq_.Next(&tag, &ok)) delete static_cast<CallBase*>(tag);
  }
}

std::shared_ptr<RpcTarget> RpcClient::Target(const std::string& ip, int port) {
  std::string host = ip.find(':') != std::string::npos ? "[" + ip + "]" : ip;
  std::string key = host + ":" + std::to_string(port);
  std::lock_guard<std::mutex> g(mu_);
  auto it = targets_.find(key);
  if (it != targets_.end()) return it->second;
  auto t = std::make_shared<RpcTarget>();
  t->channel = MakeChannel(key);
  t->admin = sable::NodeAdmin::NewStub(t->channel);
  t->health = grpc::health::v1::Health::NewStub(t->channel);
  t->peer = sable::SentinelPeer::NewStub(t->channel);
  targets_[key] = t;
  return t;
}

void RpcClient::CqLoop() {
  void* tag;
  bool ok;
  while (cq_.Next(&tag, &ok)) {
    auto* c = static_cast<CallBase*>(tag);
    {
      std::lock_guard<std::mutex> g(mu_);
      pending_.erase(c);
    }
    c->Complete();
    delete c;
  }
}

void RpcClient::PoolLoop() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> l(pool_mu_);
      pool_cv_.wait(l, [this] { return pool_stop_ || !jobs_.empty(); });
      if (pool_stop_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job();
  }
}

void RpcClient::Blocking(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> g(pool_mu_);
    if (pool_stop_) return;
    jobs_.push_back(std::move(job));
  }
  pool_cv_.notify_one();
}

void RpcClient::Watch(const std::string& key, const std::string& ip, int control_port,
                      std::function<void(const HealthEvent&)> on_event) {
  std::lock_guard<std::mutex> g(watch_mu_);
  {
    std::lock_guard<std::mutex> g2(mu_);
    if (stopped_) return;
  }
  auto it = watchers_.find(key);
  if (it != watchers_.end()) {
    if (it->second->control_port == control_port && it->second->ip == ip) return;
    StopWatcher(it->second.get());
    retired_.push_back(std::move(it->second));
    watchers_.erase(it);
  }
  auto w = std::make_unique<Watcher>();
  w->ip = ip;
  w->control_port = control_port;
  auto colon = key.rfind(':');
  w->resp_port = colon == std::string::npos ? 0 : std::atoi(key.c_str() + colon + 1);
  Watcher* raw = w.get();
  auto target = Target(ip, control_port);
  raw->th = std::thread([this, raw, target, on_event] {
    WatchLoop(raw, target, on_event);
    raw->finished = true;
  });
  watchers_[key] = std::move(w);
}

bool RpcClient::Watching(const std::string& key, int control_port) {
  std::lock_guard<std::mutex> g(watch_mu_);
  auto it = watchers_.find(key);
  return it != watchers_.end() && it->second->control_port == control_port;
}

void RpcClient::StopWatch(const std::string& key) {
  std::lock_guard<std::mutex> g(watch_mu_);
  auto it = watchers_.find(key);
  if (it == watchers_.end()) return;
  StopWatcher(it->second.get());
  retired_.push_back(std::move(it->second));
  watchers_.erase(it);
}

void RpcClient::ReapWatchers() {
  std::vector<std::unique_ptr<Watcher>> done;
  {
    std::lock_guard<std::mutex> g(watch_mu_);
    for (auto it = retired_.begin(); it != retired_.end();) {
      if ((*it)->finished) {
        done.push_back(std::move(*it));
        it = retired_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& w : done) {
    if (w->th.joinable()) w->th.join();
  }
}

void RpcClient::StopWatcher(Watcher* w) {
  std::lock_guard<std::mutex> g(w->mu);
  w->stop = true;
  if (w->ctx) w->ctx->TryCancel();
  w->cv.notify_all();
}

void RpcClient::WatchLoop(Watcher* w, std::shared_ptr<RpcTarget> t,
                          std::function<void(const HealthEvent&)> on_event) {
  grpc::health::v1::HealthCheckRequest req;
  for (;;) {
    bool got_any = false;
    grpc::Status st;
    {
      grpc::ClientContext ctx;
      {
        std::lock_guard<std::mutex> g(w->mu);
        if (w->stop) return;
        w->ctx = &ctx;
      }
      auto reader = t->health->Watch(&ctx, req);
      grpc::health::v1::HealthCheckResponse resp;
      while (reader->Read(&resp)) {
        got_any = true;
        HealthEvent ev;
        ev.kind = HealthEvent::kStatus;
        ev.status = resp.status();
        on_event(ev);
      }
      st = reader->Finish();
      std::lock_guard<std::mutex> g(w->mu);
      w->ctx = nullptr;
      if (w->stop) return;
    }
    // The stream ended (or never started): is the process gone, or just slow or unreachable?
    HealthEvent ev;
    ev.kind = HealthEvent::kBroken;
    ev.error = st.error_message();
    {
      grpc::ClientContext cctx;
      cctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(300));
      {
        std::lock_guard<std::mutex> g(w->mu);
        if (w->stop) return;
        w->ctx = &cctx;
      }
      grpc::health::v1::HealthCheckResponse resp;
      grpc::Status cs = t->health->Check(&cctx, req, &resp);
      {
        std::lock_guard<std::mutex> g(w->mu);
        w->ctx = nullptr;
        if (w->stop) return;
      }
      ev.check_ok = cs.ok();
      // Certain evidence needs both ports refusing connections: the process is gone, not
      // merely its control plane.
      ev.refused = cs.error_code() == grpc::StatusCode::UNAVAILABLE &&
                   (w->resp_port <= 0 || TcpRefused(w->ip, w->resp_port, 200));
      if (cs.ok()) ev.status = resp.status();
    }
    on_event(ev);
    // Retry soon when the node is gone (to see it come back), slower for other failures.
    int wait_ms = ev.refused ? 100 : (got_any ? 50 : 500);
    std::unique_lock<std::mutex> l(w->mu);
    w->cv.wait_for(l, std::chrono::milliseconds(wait_ms), [w] { return w->stop; });
    if (w->stop) return;
  }
}

}  // namespace sable::sentinel

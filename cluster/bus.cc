#include "cluster/bus.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>

#include <grpcpp/resource_quota.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_certificate_verifier.h>
#include <grpcpp/security/tls_credentials_options.h>

#include "server/control/control_auth.h"
#include "server/control/grpc_common.h"
#include "server/control/loop_call.h"
#include "server/net/event_loop.h"

namespace sable::cluster {
namespace {

// Longest a bus request waits for the main loop (a caller's own deadline is usually shorter).
constexpr auto kMaxLoopWait = std::chrono::milliseconds(5000);
// How long Stop lets in-flight requests finish before gRPC cancels them.
constexpr auto kShutdownGrace = std::chrono::milliseconds(200);
// A link watch re-arms this often, which also bounds how long Stop waits for it.
constexpr auto kWatchSlice = std::chrono::milliseconds(500);
// The most threads the bus server may use (sync server: one per request being served).
constexpr int kMaxServerThreads = 8;

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string TargetKey(const std::string& ip, int cport) {
  std::string host = ip.find(':') != std::string::npos ? "[" + ip + "]" : ip;
  return host + ":" + std::to_string(cport);
}

}  // namespace

// What the completion queue hands back: an outgoing call or a link watch.
struct Bus::Tag {
  virtual ~Tag() = default;
  // ok as the queue reported it; `live` false once Stop began (no callbacks then).
  virtual void Proceed(Bus* bus, bool ok, bool live) = 0;
};

struct Bus::CallTag : Tag {
  grpc::ClientContext ctx;
  sable::BusMessage reply;
  grpc::Status status;
  std::unique_ptr<grpc::ClientAsyncResponseReader<sable::BusMessage>> rpc;
  Done done;
  void Proceed(Bus* bus, bool ok, bool live) override {
    {
      std::lock_guard<std::mutex> g(bus->mu_);
      bus->pending_.erase(this);
    }
    if (live) done(status, reply);
  }
};

struct Bus::WatchTag : Tag {
  std::string key;
  std::shared_ptr<grpc::Channel> channel;
  grpc_connectivity_state last = GRPC_CHANNEL_IDLE;
  void Proceed(Bus* bus, bool ok, bool live) override {
    std::shared_ptr<std::function<void()>> notify;
    {
      std::lock_guard<std::mutex> g(bus->mu_);
      auto it = bus->targets_.find(key);
      Target* t = it == bus->targets_.end() ? nullptr : it->second.get();
      if (t == nullptr || t->channel != channel) return;  // forgotten meanwhile
      t->watching = false;
      if (!live || bus->stopped_) return;
      // ok: the state changed; otherwise the slice ended with no change.
      grpc_connectivity_state now = channel->GetState(false);
      if (ok && last == GRPC_CHANNEL_READY && now != GRPC_CHANNEL_READY) notify = t->on_down;
      bus->ArmWatch(key, t, now);
    }
    if (notify && *notify) (*notify)();
  }
};

class Bus::Service final : public sable::ClusterBus::Service {
 public:
  explicit Service(Bus* bus) : bus_(bus) {}
  grpc::Status Ping(grpc::ServerContext* ctx, const sable::BusMessage* req,
                    sable::BusMessage* resp) override {
    return bus_->Serve(ctx, BusRpc::kPing, req, resp);
  }
  grpc::Status Notify(grpc::ServerContext* ctx, const sable::BusMessage* req,
                      sable::BusMessage* resp) override {
    return bus_->Serve(ctx, BusRpc::kNotify, req, resp);
  }
  grpc::Status RequestVote(grpc::ServerContext* ctx, const sable::BusMessage* req,
                           sable::BusMessage* resp) override {
    return bus_->Serve(ctx, BusRpc::kVote, req, resp);
  }

 private:
  Bus* bus_;
};

Bus::Bus(net::EventLoop* loop) : loop_(loop) {}

Bus::~Bus() { Stop(); }

std::string Bus::Start(const BusOptions& opts, Handler handler) {
  handler_ = std::move(handler);
  secret_ = opts.secret;
  bool has_cert = !opts.tls_cert_file.empty();
  bool has_key = !opts.tls_key_file.empty();
  bool has_ca = !opts.tls_ca_cert_file.empty();
  std::shared_ptr<grpc::ServerCredentials> server_creds = grpc::InsecureServerCredentials();
  client_creds_ = grpc::InsecureChannelCredentials();
  if (has_cert && has_key) {
    grpc::SslServerCredentialsOptions sopts(
        has_ca ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
               : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
    grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
    grpc::SslCredentialsOptions copts;
    std::string err;
    if (!control::ReadPemFile(opts.tls_key_file, &pair.private_key, &err) ||
        !control::ReadPemFile(opts.tls_cert_file, &pair.cert_chain, &err) ||
        (has_ca && !control::ReadPemFile(opts.tls_ca_cert_file, &sopts.pem_root_certs, &err))) {
      return "Cluster bus TLS: " + err;
    }
    // As a client we present the same certificate and trust the same CA.
    copts.pem_private_key = pair.private_key;
    copts.pem_cert_chain = pair.cert_chain;
    copts.pem_root_certs = sopts.pem_root_certs;
    if (has_ca) {
      // With our own CA, only the CA counts, as Redis's cluster TLS: a CA-signed node
      // certificate need not name the address we dial (nodes are dialed by IP, and
      // certificates often carry no IP SAN). The chain is still verified against the CA.
      namespace gx = grpc::experimental;
      auto provider = std::make_shared<gx::StaticDataCertificateProvider>(
          sopts.pem_root_certs,
          std::vector<gx::IdentityKeyCertPair>{{pair.private_key, pair.cert_chain}});
      gx::TlsChannelCredentialsOptions topts;
      topts.set_certificate_provider(provider);
      topts.watch_root_certs();
      topts.watch_identity_key_cert_pairs();
      topts.set_verify_server_certs(true);
      topts.set_check_call_host(false);
      topts.set_certificate_verifier(std::make_shared<gx::NoOpCertificateVerifier>());
      client_creds_ = gx::TlsCredentials(topts);
    } else {
      client_creds_ = grpc::SslCredentials(copts);
    }
    sopts.pem_key_cert_pairs.push_back(std::move(pair));
    server_creds = grpc::SslServerCredentials(sopts);
  }
  mtls_ = has_cert && has_key && has_ca;

  service_ = std::make_unique<Service>(this);
  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default: two nodes would then share one port without an error.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetSyncServerOption(grpc::ServerBuilder::NUM_CQS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::MIN_POLLERS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::MAX_POLLERS, 2);
  // A bounded number of serving threads: a burst of bus traffic queues instead of spawning.
  grpc::ResourceQuota quota("sable-cluster-bus");
  quota.SetMaxThreads(kMaxServerThreads);
  builder.SetResourceQuota(quota);
  std::vector<int> selected(opts.bind.size(), 0);
  for (size_t i = 0; i < opts.bind.size(); ++i) {
    builder.AddListeningPort(control::ListenAddress(opts.bind[i], opts.port), server_creds,
                             &selected[i]);
  }
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  bool bound = server_ != nullptr;
  for (size_t i = 0; bound && i < selected.size(); ++i) {
    if (selected[i] == 0 && opts.bind[i][0] != '-') bound = false;
  }
  if (!bound) {
    if (server_) {
      server_->Shutdown(std::chrono::system_clock::now());
      server_->Wait();
      server_.reset();
    }
    return "Could not listen on cluster bus port " + std::to_string(opts.port);
  }
  port_ = opts.port;
  {
    std::lock_guard<std::mutex> g(mu_);
    started_ = true;
  }
  cq_thread_ = std::thread([this] { CqLoop(); });
  return "";
}

void Bus::Stop() {
  {
    std::lock_guard<std::mutex> g(mu_);
    if (stopped_) return;
    stopped_ = true;
    for (CallTag* c : pending_) c->ctx.TryCancel();
  }
  stopping_ = true;
  if (server_) {
    server_->Shutdown(std::chrono::system_clock::now() + kShutdownGrace);
    server_->Wait();
    server_.reset();
  }
  cq_.Shutdown();
  if (cq_thread_.joinable()) {
    cq_thread_.join();
  } else {
    void* tag;
    bool ok;
    while (cq_.Next(&tag, &ok)) delete static_cast<Tag*>(tag);
  }
  std::lock_guard<std::mutex> g(mu_);
  targets_.clear();
  port_ = 0;
}

void Bus::set_secret(const std::string& secret) {
  std::lock_guard<std::mutex> g(mu_);
  secret_ = secret;
}

std::string Bus::secret() {
  std::lock_guard<std::mutex> g(mu_);
  return secret_;
}

Bus::Target* Bus::GetTarget(const std::string& key) {
  auto it = targets_.find(key);
  if (it != targets_.end()) return it->second.get();
  grpc::ChannelArguments args = control::FastFailChannelArgs();
  auto t = std::make_unique<Target>();
  t->channel = grpc::CreateCustomChannel(key, client_creds_, args);
  t->stub = sable::ClusterBus::NewStub(t->channel);
  Target* raw = t.get();
  targets_[key] = std::move(t);
  return raw;
}

void Bus::Call(BusRpc rpc, const std::string& ip, int cport, const sable::BusMessage& msg,
               int deadline_ms, Done done) {
  std::string auth = secret();
  std::lock_guard<std::mutex> g(mu_);
  if (!started_ || stopped_) return;
  Target* t = GetTarget(TargetKey(ip, cport));
  auto* c = new CallTag;
  c->ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(deadline_ms));
  if (!auth.empty()) c->ctx.AddMetadata("authorization", auth);
  c->done = std::move(done);
  switch (rpc) {
    case BusRpc::kPing:
      c->rpc = t->stub->PrepareAsyncPing(&c->ctx, msg, &cq_);
      break;
    case BusRpc::kNotify:
      c->rpc = t->stub->PrepareAsyncNotify(&c->ctx, msg, &cq_);
      break;
    case BusRpc::kVote:
      c->rpc = t->stub->PrepareAsyncRequestVote(&c->ctx, msg, &cq_);
      break;
  }
  pending_.insert(c);
  c->rpc->StartCall();
  c->rpc->Finish(&c->reply, &c->status, static_cast<Tag*>(c));
}

void Bus::WatchLink(const std::string& ip, int cport, std::function<void()> on_down) {
  std::lock_guard<std::mutex> g(mu_);
  if (!started_ || stopped_) return;
  std::string key = TargetKey(ip, cport);
  Target* t = GetTarget(key);
  t->on_down = std::make_shared<std::function<void()>>(std::move(on_down));
  if (!t->watching) ArmWatch(key, t, t->channel->GetState(false));
}

void Bus::ArmWatch(const std::string& key, Target* t, grpc_connectivity_state last) {
  auto* w = new WatchTag;
  w->key = key;
  w->channel = t->channel;
  w->last = last;
  t->watching = true;
  t->channel->NotifyOnStateChange(last, std::chrono::system_clock::now() + kWatchSlice, &cq_,
                                  static_cast<Tag*>(w));
}

void Bus::Forget(const std::string& ip, int cport) {
  std::lock_guard<std::mutex> g(mu_);
  targets_.erase(TargetKey(ip, cport));
}

void Bus::CqLoop() {
  void* tag;
  bool ok;
  while (cq_.Next(&tag, &ok)) {
    auto* t = static_cast<Tag*>(tag);
    bool live;
    {
      std::lock_guard<std::mutex> g(mu_);
      live = !stopped_;
    }
    t->Proceed(this, ok, live);
    delete t;
  }
}

grpc::Status Bus::Serve(grpc::ServerContext* ctx, BusRpc rpc, const sable::BusMessage* req,
                        sable::BusMessage* resp) {
  std::string peer_ip = PeerIp(ctx->peer());
  if (!mtls_) {
    std::string s = secret();
    if (!s.empty()) {
      const auto& md = ctx->client_metadata();
      auto it = md.find("authorization");
      if (it == md.end() || !control::AuthorizationMatches(
                                s, std::string_view(it->second.data(), it->second.size()))) {
        // At most one log line a second: a stranger must not flood the log.
        static std::atomic<int64_t> last_log_ms{0};
        int64_t now = SteadyMs();
        int64_t last = last_log_ms.load();
        if (now - last >= 1000 && last_log_ms.compare_exchange_strong(last, now)) {
          std::string sender = req->header().sender();
          loop_->Post([peer_ip, sender] {
            spdlog::warn("Cluster bus: refused an unauthenticated message from {} (node {})",
                         peer_ip, sender.empty() ? "?" : sender);
          });
        }
        return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                            "control-auth secret missing or wrong (metadata 'authorization')");
      }
    }
  }
  Handler* handler = &handler_;
  // One-way messages (FAIL, PUBLISH, UPDATE) need no answer from the loop: queue them and
  // return at once, so they never hold a bus thread while the loop is busy. Posts run in
  // order, but two RPCs may still reach this point reversed (header seq covers the state).
  if (rpc == BusRpc::kNotify && req->type() != sable::BusMessage::MFSTART) {
    if (stopping_) {
      return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "the node is stopping");
    }
    // The handler by value: it checks itself whether the node still runs.
    loop_->Post([h = handler_, rpc, copy = *req, peer_ip] { h(rpc, copy, peer_ip); });
    resp->set_type(sable::BusMessage::PONG);
    return grpc::Status::OK;
  }
  sable::BusMessage copy = *req;
  auto call = control::LoopCall<sable::BusMessage>::Post(
      *loop_,
      [handler, rpc, copy = std::move(copy), peer_ip] { return (*handler)(rpc, copy, peer_ip); });
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      ctx->deadline() - std::chrono::system_clock::now());
  auto wait = std::clamp(left, std::chrono::milliseconds(0), kMaxLoopWait);
  std::optional<sable::BusMessage> out = call.Wait(wait, &stopping_);
  if (!out) {
    // Never UNAVAILABLE: the caller reads that as "nothing listens here" (a dead process),
    // while this node is alive, only busy (or stopping).
    return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                        "the node's main loop did not answer in time");
  }
  *resp = std::move(*out);
  return grpc::Status::OK;
}

bool Bus::Refused(const grpc::Status& status) {
  if (status.error_code() != grpc::StatusCode::UNAVAILABLE) return false;
  std::string m = status.error_message();
  std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return std::tolower(c); });
  return m.find("refused") != std::string::npos;
}

std::string Bus::PeerIp(const std::string& peer) {
  std::string_view p = peer;
  auto colon = p.find(':');
  if (colon == std::string_view::npos) return "";
  std::string_view kind = p.substr(0, colon);
  p.remove_prefix(colon + 1);
  if (kind == "ipv6") {
    if (!p.empty() && p[0] == '[') {
      auto end = p.find(']');
      if (end == std::string_view::npos) return "";
      std::string ip(p.substr(1, end - 1));
      // %-encoded scope ids and IPv4-mapped addresses come as such.
      auto pct = ip.find('%');
      if (pct != std::string::npos) ip.resize(pct);
      if (ip.rfind("::ffff:", 0) == 0 && ip.find('.') != std::string::npos) ip = ip.substr(7);
      return ip;
    }
    return "";
  }
  if (kind == "ipv4") {
    auto end = p.rfind(':');
    return std::string(end == std::string_view::npos ? p : p.substr(0, end));
  }
  return "";
}

}  // namespace sable::cluster

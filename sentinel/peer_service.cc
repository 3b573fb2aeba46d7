#include "sentinel/peer_service.h"

#include <spdlog/spdlog.h>

#include <grpcpp/health_check_service_interface.h>

#include <chrono>
#include <future>

namespace sable::sentinel {

namespace {

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

}  // namespace

grpc::Status PeerService::CheckAuth(grpc::ServerContext* ctx) const {
  const std::string& want = impl_->st_->config.control_auth;
  if (want.empty()) return grpc::Status::OK;
  const auto& md = ctx->client_metadata();
  auto it = md.find("authorization");
  std::string_view got;
  if (it != md.end()) got = std::string_view(it->second.data(), it->second.size());
  if (!ConstantTimeEquals(got, want)) {
    std::string peer = ctx->peer();
    impl_->Post([peer] {
      spdlog::warn("SentinelPeer call from {} refused: bad or missing control-auth", peer);
    });
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "control-auth required");
  }
  return grpc::Status::OK;
}

bool PeerService::OnLoop(std::function<void()> fn) {
  auto done = std::make_shared<std::promise<void>>();
  auto fut = done->get_future();
  impl_->Post([fn = std::move(fn), done] {
    fn();
    done->set_value();
  });
  return fut.wait_for(std::chrono::milliseconds(1000)) == std::future_status::ready;
}

grpc::Status PeerService::Hello(grpc::ServerContext* ctx, const sable::SentinelHello* req,
                                sable::SentinelHello* resp) {
  grpc::Status a = CheckAuth(ctx);
  if (!a.ok()) return a;
  auto out = std::make_shared<sable::SentinelHello>();
  auto found = std::make_shared<bool>(false);
  sable::SentinelHello in = *req;
  Sentinel::Impl* impl = impl_;
  if (!OnLoop([impl, in, out, found] {
        impl->ProcessHello(in);
        Master* m = impl->s_->FindMaster(in.master_name());
        if (m) {
          *out = impl->MyHello(*m);
          *found = true;
        }
      })) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "sentinel busy");
  }
  if (!*found) return grpc::Status(grpc::StatusCode::NOT_FOUND, "No such master with that name");
  *resp = *out;
  return grpc::Status::OK;
}

grpc::Status PeerService::IsMasterDownByAddr(grpc::ServerContext* ctx,
                                             const sable::IsMasterDownRequest* req,
                                             sable::IsMasterDownReply* resp) {
  grpc::Status a = CheckAuth(ctx);
  if (!a.ok()) return a;
  if (req->current_epoch() < 0) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "negative epoch");
  }
  auto out = std::make_shared<IsMasterDownResult>();
  sable::IsMasterDownRequest in = *req;
  Sentinel::Impl* impl = impl_;
  if (!OnLoop([impl, in, out] {
        *out = impl->s_->IsMasterDownByAddr(in.ip(), in.port(),
                                            static_cast<uint64_t>(in.current_epoch()), in.run_id());
      })) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "sentinel busy");
  }
  resp->set_down(out->down);
  resp->set_leader_run_id(out->leader);
  resp->set_leader_epoch(static_cast<int64_t>(out->leader_epoch));
  return grpc::Status::OK;
}

std::string StartPeerServer(Sentinel::Impl* impl) {
  const auto& c = impl->st_->config;
  std::string bind = c.control_bind.empty() ? "127.0.0.1" : c.control_bind;
  int port = impl->ControlPort();
  if (port <= 0 || port > 65535) return "Invalid control-port " + std::to_string(port);
  if (c.control_auth.empty() && bind != "127.0.0.1" && bind != "::1" && bind != "localhost") {
    return "Refusing to serve the control port on non-loopback address " + bind +
           " without control-auth";
  }
  std::string addr = bind.find(':') != std::string::npos ? "[" + bind + "]:" : bind + ":";
  addr += std::to_string(port);
  impl->service_ = std::make_unique<PeerService>(impl);
  // The standard health service next to SentinelPeer, so container health checks and load
  // balancers probe a sentinel the same way as a node (sable-ctl health).
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder b;
  int selected = 0;
  b.AddListeningPort(addr, grpc::InsecureServerCredentials(), &selected);
  b.RegisterService(impl->service_.get());
  b.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  impl->server_ = b.BuildAndStart();
  if (!impl->server_ || selected == 0) {
    impl->server_.reset();
    impl->service_.reset();
    return "Could not bind the control port " + addr;
  }
  spdlog::info("SentinelPeer listening on {}", addr);
  return "";
}

void StopPeerServer(Sentinel::Impl* impl) {
  if (impl->server_) {
    impl->server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(300));
    impl->server_.reset();
  }
  impl->service_.reset();
}

}  // namespace sable::sentinel

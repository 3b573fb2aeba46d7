#include "server/control/control_server.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/security/server_credentials.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstring>

#include "server/control/control_auth.h"
#include "server/control/grpc_common.h"
#include "server/control/health_service.h"
#include "server/control/node_admin_service.h"
#include "server/core/server.h"

namespace sable::control {
namespace {

// How long Shutdown lets in-flight calls finish before gRPC cancels them.
constexpr auto kShutdownGrace = std::chrono::milliseconds(300);

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

}  // namespace

ControlServer::ControlServer(Server* server) : server_(server) { env_.server = server; }

ControlServer::~ControlServer() { Shutdown(); }

std::string ControlServer::Start() {
  ServerConfig& cfg = server_->config().values();
  bool explicit_port = cfg.control_port >= 0;
  if (!explicit_port) {
    int p = cfg.port > 0 ? cfg.port + 20000 : 0;
    cfg.control_port = p <= 65535 ? p : 0;
    cfg.control_port_resolved = true;
  }
  if (cfg.control_port == 0) {
    spdlog::info("Control port disabled");
    return "";
  }

  // TLS: cert and key make the port speak TLS; a CA on top requires client certificates.
  bool has_cert = !cfg.control_tls_cert_file.empty();
  bool has_key = !cfg.control_tls_key_file.empty();
  bool has_ca = !cfg.control_tls_ca_cert_file.empty();
  if (has_cert != has_key) {
    return "control-tls-cert-file and control-tls-key-file must be set together";
  }
  if (has_ca && !has_cert) {
    return "control-tls-ca-cert-file needs control-tls-cert-file and control-tls-key-file";
  }
  std::shared_ptr<grpc::ServerCredentials> creds = grpc::InsecureServerCredentials();
  if (has_cert) {
    grpc::SslServerCredentialsOptions opts(
        has_ca ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
               : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
    grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
    std::string err;
    if (!ReadPemFile(cfg.control_tls_key_file, &pair.private_key, &err) ||
        !ReadPemFile(cfg.control_tls_cert_file, &pair.cert_chain, &err) ||
        (has_ca && !ReadPemFile(cfg.control_tls_ca_cert_file, &opts.pem_root_certs, &err))) {
      return "Control port TLS: " + err;
    }
    opts.pem_key_cert_pairs.push_back(std::move(pair));
    creds = grpc::SslServerCredentials(opts);
  }
  env_.mtls = has_ca;
  bool secured = !cfg.control_auth.empty() || env_.mtls;

  if (cfg.control_bind.empty()) {
    std::vector<std::string> skipped;
    cfg.control_bind = DefaultControlBind(cfg.bind, secured, &skipped);
    cfg.control_bind_resolved = true;
    if (!skipped.empty()) {
      spdlog::warn("Control port not bound on {}: set control-auth (or mTLS) to expose it there",
                   Join(skipped));
    }
  }
  std::string err = CheckExposure(cfg.control_bind, secured);
  if (!err.empty()) return err;

  env_.set_secret(cfg.control_auth);
  bool exposed = !CheckExposure(cfg.control_bind, false).empty();
  // Runs on the loop (CONFIG SET, or NodeAdmin.ConfigSet through it).
  server_->config().OnChange("control-auth", [this, exposed]() -> std::optional<std::string> {
    const std::string& secret = server_->cfg().control_auth;
    if (secret.empty() && exposed && !env_.mtls) {
      return "control-auth can't be empty while control-bind has non-loopback addresses";
    }
    env_.set_secret(secret);
    return std::nullopt;
  });

  health_ = std::make_unique<HealthService>(&env_);
  admin_ = std::make_unique<NodeAdminService>(&env_);
  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default: two nodes would then share one port without an error.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Few cores, few callers (sentinels, operators): keep the thread count small.
  builder.SetSyncServerOption(grpc::ServerBuilder::NUM_CQS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::MIN_POLLERS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::MAX_POLLERS, 2);
  std::vector<int> selected(cfg.control_bind.size(), 0);
  for (size_t i = 0; i < cfg.control_bind.size(); ++i) {
    builder.AddListeningPort(ListenAddress(cfg.control_bind[i], cfg.control_port), creds,
                             &selected[i]);
  }
  builder.RegisterService(health_.get());
  builder.RegisterService(admin_.get());
  grpc_ = builder.BuildAndStart();
  bool bound = grpc_ != nullptr;
  for (size_t i = 0; bound && i < selected.size(); ++i) {
    // An address written "-addr" is optional, as in `bind`.
    if (selected[i] == 0 && cfg.control_bind[i][0] != '-') bound = false;
  }
  if (!bound) {
    std::string what = "Could not listen on control port " + std::to_string(cfg.control_port) +
                       " (" + Join(cfg.control_bind) + ")";
    Shutdown();
    if (explicit_port) return what;
    // The default port is a convenience: a clash must not keep the data node down.
    spdlog::warn("{}; control plane disabled (set control-port to choose one)", what);
    cfg.control_port = 0;
    return "";
  }
  port_ = cfg.control_port;
  spdlog::info("Control port {} listening on {} ({}{})", port_, Join(cfg.control_bind),
               has_cert ? (has_ca ? "mTLS" : "TLS") : "plaintext",
               cfg.control_auth.empty() ? "" : ", control-auth required");
  return "";
}

void ControlServer::Shutdown() {
  if (!grpc_) return;
  env_.Stop();
  grpc_->Shutdown(std::chrono::system_clock::now() + kShutdownGrace);
  grpc_->Wait();
  grpc_.reset();
  port_ = 0;
}

}  // namespace sable::control

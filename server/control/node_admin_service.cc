#include "server/control/node_admin_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "server/control/control_auth.h"
#include "server/control/loop_call.h"
#include "server/control/node_ops.h"
#include "server/core/server.h"

namespace sable::control {
namespace {

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// What one loop visit produced.
struct Outcome {
  RespValue reply;
  sable::NodeState state;
};

}  // namespace

grpc::Status NodeAdminService::Authorize(grpc::ServerContext* ctx) {
  if (env_->mtls) return grpc::Status::OK;  // the transport verified the client certificate
  std::string secret = env_->secret();
  if (secret.empty()) return grpc::Status::OK;  // loopback only (checked at start)
  const auto& md = ctx->client_metadata();
  auto it = md.find("authorization");
  if (it != md.end() &&
      AuthorizationMatches(secret, std::string_view(it->second.data(), it->second.size()))) {
    return grpc::Status::OK;
  }
  // The process logger is single-threaded: the loop writes the line.
  std::string peer = ctx->peer();
  env_->server->loop().Post([peer] {
    spdlog::warn("Control port: refused an unauthenticated NodeAdmin call from {}", peer);
  });
  return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                      "control-auth secret missing or wrong (metadata 'authorization')");
}

grpc::Status NodeAdminService::Run(grpc::ServerContext* ctx, std::vector<std::string> argv,
                                   grpc::StatusCode error_code, sable::NodeState* state,
                                   int64_t* integer_reply, bool reconfigure_clients) {
  Server* server = env_->server;
  bool want_state = state != nullptr;
  auto call = LoopCall<Outcome>::Post(server->loop(), [server, argv, want_state,
                                                       reconfigure_clients] {
    Outcome o;
    if (!argv.empty()) o.reply = RunCommand(*server, argv);
    if (reconfigure_clients && o.reply.type != RespValue::Type::kError) {
      // As Redis Sentinel's MULTI: persist the new role and drop the clients so they ask the
      // sentinels again. A node without a config file just cannot persist it.
      if (!server->config().config_file().empty()) RunCommand(*server, {"CONFIG", "REWRITE"});
      RunCommand(*server, {"CLIENT", "KILL", "TYPE", "normal"});
      RunCommand(*server, {"CLIENT", "KILL", "TYPE", "pubsub"});
    }
    if (want_state && o.reply.type != RespValue::Type::kError) FillNodeState(*server, &o.state);
    return o;
  });
  // Bounded by the caller's deadline and by kMaxLoopWaitMs.
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      ctx->deadline() - std::chrono::system_clock::now());
  auto wait =
      std::clamp(left, std::chrono::milliseconds(0), std::chrono::milliseconds(kMaxLoopWaitMs));
  std::optional<Outcome> o = call.Wait(wait, &env_->stopping);
  if (!o) {
    // Not run at all (LoopCall guarantees it): the caller may safely retry.
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "the server's main loop did not answer in time (busy or stopping)");
  }
  if (o->reply.type == RespValue::Type::kError) return grpc::Status(error_code, o->reply.str);
  if (integer_reply != nullptr) *integer_reply = o->reply.integer;
  if (state != nullptr) *state = std::move(o->state);
  return grpc::Status::OK;
}

grpc::Status NodeAdminService::GetState(grpc::ServerContext* ctx, const sable::Empty* req,
                                        sable::NodeState* resp) {
  grpc::Status auth = Authorize(ctx);
  if (!auth.ok()) return auth;
  return Run(ctx, {}, grpc::StatusCode::INTERNAL, resp);
}

grpc::Status NodeAdminService::ReplicaOf(grpc::ServerContext* ctx,
                                         const sable::ReplicaOfRequest* req,
                                         sable::NodeState* resp) {
  grpc::Status auth = Authorize(ctx);
  if (!auth.ok()) return auth;
  if (req->host().empty() || req->port() <= 0 || req->port() > 65535) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "host and port 1-65535 required");
  }
  return Run(ctx, {"REPLICAOF", req->host(), std::to_string(req->port())},
             grpc::StatusCode::FAILED_PRECONDITION, resp, nullptr, req->reconfigure_clients());
}

grpc::Status NodeAdminService::Promote(grpc::ServerContext* ctx, const sable::PromoteRequest* req,
                                       sable::NodeState* resp) {
  grpc::Status auth = Authorize(ctx);
  if (!auth.ok()) return auth;
  // REPLICAOF NO ONE keeps the old history as replid2 (Replica::PromoteToPrimary).
  return Run(ctx, {"REPLICAOF", "NO", "ONE"}, grpc::StatusCode::FAILED_PRECONDITION, resp,
             nullptr, req->reconfigure_clients());
}

grpc::Status NodeAdminService::ClientKill(grpc::ServerContext* ctx,
                                          const sable::ClientKillRequest* req,
                                          sable::ClientKillReply* resp) {
  grpc::Status auth = Authorize(ctx);
  if (!auth.ok()) return auth;
  int64_t killed = 0;
  grpc::Status st = Run(ctx, {"CLIENT", "KILL", "TYPE", req->type()},
                        grpc::StatusCode::INVALID_ARGUMENT, nullptr, &killed);
  if (st.ok()) resp->set_killed(killed);
  return st;
}

grpc::Status NodeAdminService::ConfigSet(grpc::ServerContext* ctx,
                                         const sable::ConfigSetRequest* req, sable::Empty* resp) {
  grpc::Status auth = Authorize(ctx);
  if (!auth.ok()) return auth;
  return Run(ctx, {"CONFIG", "SET", req->name(), req->value()}, grpc::StatusCode::INVALID_ARGUMENT,
             nullptr);
}

grpc::Status NodeAdminService::ConfigRewrite(grpc::ServerContext* ctx, const sable::Empty* req,
                                             sable::Empty* resp) {
  grpc::Status auth = Authorize(ctx);
  if (!auth.ok()) return auth;
  return Run(ctx, {"CONFIG", "REWRITE"}, grpc::StatusCode::FAILED_PRECONDITION, nullptr);
}

grpc::Status NodeAdminService::AnnounceSentinel(grpc::ServerContext* ctx,
                                                const sable::SentinelHello* req,
                                                sable::SentinelHelloReply* resp) {
  grpc::Status auth = Authorize(ctx);
  if (!auth.ok()) return auth;
  if (req->run_id().empty() || req->master_name().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "run_id and master_name required");
  }
  for (auto& h : env_->hellos.Announce(*req, SteadyMs())) *resp->add_sentinels() = std::move(h);
  return grpc::Status::OK;
}

}  // namespace sable::control

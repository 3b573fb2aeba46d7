#include "server/control/health_service.h"

#include "server/control/loop_call.h"
#include "server/control/node_ops.h"
#include "server/core/server.h"

namespace sable::control {

using grpc::health::v1::HealthCheckResponse;

bool HealthService::KnownService(const std::string& name) {
  return name.empty() || name == "sable";
}

HealthCheckResponse::ServingStatus HealthService::Poll() {
  Server* server = env_->server;
  auto call = LoopCall<bool>::Post(server->loop(), [server] { return IsServing(*server); });
  auto serving = call.Wait(std::chrono::milliseconds(kLoopAnswerMs), &env_->stopping);
  return serving.value_or(false) ? HealthCheckResponse::SERVING : HealthCheckResponse::NOT_SERVING;
}

grpc::Status HealthService::Check(grpc::ServerContext* ctx,
                                  const grpc::health::v1::HealthCheckRequest* req,
                                  HealthCheckResponse* resp) {
  if (!KnownService(req->service())) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service");
  }
  resp->set_status(Poll());
  return grpc::Status::OK;
}

grpc::Status HealthService::Watch(grpc::ServerContext* ctx,
                                  const grpc::health::v1::HealthCheckRequest* req,
                                  grpc::ServerWriter<HealthCheckResponse>* writer) {
  // The spec: an unknown service gets SERVICE_UNKNOWN and the call stays open (the service
  // may appear later; here it never does).
  bool known = KnownService(req->service());
  bool first = true;
  HealthCheckResponse::ServingStatus last = HealthCheckResponse::UNKNOWN;
  while (!ctx->IsCancelled() && !env_->stopping) {
    HealthCheckResponse::ServingStatus now = known ? Poll() : HealthCheckResponse::SERVICE_UNKNOWN;
    if (first || now != last) {
      HealthCheckResponse resp;
      resp.set_status(now);
      if (!writer->Write(resp)) break;  // the client went away
      first = false;
      last = now;
    }
    if (!env_->SleepFor(std::chrono::milliseconds(kWatchPollMs))) break;
  }
  if (env_->stopping) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "server shutting down");
  return grpc::Status::CANCELLED;
}

}  // namespace sable::control

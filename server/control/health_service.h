// grpc.health.v1.Health on the control port, as the gRPC health checking protocol specifies.
// The verdict comes from the main loop (node_ops IsServing); a loop that does not answer within
// kLoopAnswerMs is stalled (DEBUG SLEEP, a long command) and counts as NOT_SERVING.
#pragma once

#include "proto/health.grpc.pb.h"
#include "server/control/control_env.h"

namespace sable::control {

class HealthService final : public grpc::health::v1::Health::Service {
 public:
  static constexpr int kLoopAnswerMs = 1000;  // longer means the loop is stalled
  static constexpr int kWatchPollMs = 100;    // how often Watch re-reads the status

  explicit HealthService(ControlEnv* env) : env_(env) {}

  // Service names this node knows: "" (the whole server) and "sable".
  static bool KnownService(const std::string& name);

  grpc::Status Check(grpc::ServerContext* ctx, const grpc::health::v1::HealthCheckRequest* req,
                     grpc::health::v1::HealthCheckResponse* resp) override;
  grpc::Status Watch(grpc::ServerContext* ctx, const grpc::health::v1::HealthCheckRequest* req,
                     grpc::ServerWriter<grpc::health::v1::HealthCheckResponse>* writer) override;

 private:
  // Asks the loop, bounded by kLoopAnswerMs.
  grpc::health::v1::HealthCheckResponse::ServingStatus Poll();

  ControlEnv* env_;
};

}  // namespace sable::control

// sable.NodeAdmin on the control port: what sentinels and operators ask of a data node. Each
// call is authorized (control-auth metadata, or mTLS), then runs on the main loop through the
// same command code a RESP client would use (REPLICAOF, CLIENT KILL, CONFIG SET/REWRITE).
#pragma once

#include "proto/node_admin.grpc.pb.h"
#include "server/control/control_env.h"

namespace sable::control {

class NodeAdminService final : public sable::NodeAdmin::Service {
 public:
  // The longest an admin call waits for the loop, even when the caller allows more.
  static constexpr int kMaxLoopWaitMs = 10000;

  explicit NodeAdminService(ControlEnv* env) : env_(env) {}

  grpc::Status GetState(grpc::ServerContext* ctx, const sable::Empty* req,
                        sable::NodeState* resp) override;
  grpc::Status ReplicaOf(grpc::ServerContext* ctx, const sable::ReplicaOfRequest* req,
                         sable::NodeState* resp) override;
  grpc::Status Promote(grpc::ServerContext* ctx, const sable::PromoteRequest* req,
                       sable::NodeState* resp) override;
  grpc::Status ClientKill(grpc::ServerContext* ctx, const sable::ClientKillRequest* req,
                          sable::ClientKillReply* resp) override;
  grpc::Status ConfigSet(grpc::ServerContext* ctx, const sable::ConfigSetRequest* req,
                         sable::Empty* resp) override;
  grpc::Status ConfigRewrite(grpc::ServerContext* ctx, const sable::Empty* req,
                             sable::Empty* resp) override;
  grpc::Status AnnounceSentinel(grpc::ServerContext* ctx, const sable::SentinelHello* req,
                                sable::SentinelHelloReply* resp) override;

 private:
  // OK when the caller may use NodeAdmin; UNAUTHENTICATED (logged with the peer) otherwise.
  grpc::Status Authorize(grpc::ServerContext* ctx);
  // Runs `argv` as a command on the loop (when non-empty), then, if `state` is set, fills it.
  // A command error becomes `error_code` with the error text.
  grpc::Status Run(grpc::ServerContext* ctx, std::vector<std::string> argv,
                   grpc::StatusCode error_code, sable::NodeState* state,
                   int64_t* integer_reply = nullptr, bool reconfigure_clients = false);

  ControlEnv* env_;
};

}  // namespace sable::control

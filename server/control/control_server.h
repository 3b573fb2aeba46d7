// The control plane of a data node: a gRPC server on control-port (default port + 20000) serving
// grpc.health.v1.Health and sable.NodeAdmin on gRPC's own threads. Those threads never touch
// server state; they post closures to the main loop and wait, bounded (loop_call.h).
//
// Security: with control-auth set, NodeAdmin calls must carry it as `authorization` metadata;
// with control-tls-* files the port speaks TLS, and with a CA also requires client certificates
// (mTLS), which then authorize NodeAdmin on their own. Health needs no secret. A non-loopback
// control-bind without control-auth or mTLS refuses to start.
#pragma once

#include <memory>
#include <string>

#include "server/control/control_env.h"

namespace grpc {
class Server;
}

namespace sable {
class Server;
}

namespace sable::control {

class HealthService;
class NodeAdminService;

class ControlServer {
 public:
  explicit ControlServer(Server* server);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Resolves control-port and control-bind (written back to the config, so CONFIG GET and INFO
  // show them), checks the security rules and starts serving. Returns a fatal error text, or ""
  // (also when the port is off, or when the default port could not be bound: that one is only
  // a warning, an explicitly configured port failing is fatal). Call on the main thread before
  // the loop runs.
  std::string Start();
  // Ends Watch streams and in-flight calls (bounded) and stops the gRPC server. Call on the main
  // thread after the loop stopped, before the Server is destroyed. Idempotent.
  void Shutdown();

  // The bound port, 0 when not serving.
  int port() const { return port_; }

 private:
  Server* server_;
  ControlEnv env_;
  std::unique_ptr<HealthService> health_;
  std::unique_ptr<NodeAdminService> admin_;
  std::unique_ptr<grpc::Server> grpc_;
  int port_ = 0;
};

}  // namespace sable::control

// A tiny blocking RESP client with timeouts, run on a worker thread: it reads a node's
// `INFO server` to learn its control port before any gRPC call can be made.
#pragma once

#include <string>

namespace sable::sentinel {

struct ProbeResult {
  bool ok = false;                // the node answered INFO
  int control_port = 0;           // the `control_port:` field, 0 when absent or off
  bool has_control_port = false;  // INFO has the field (Sable); 0 there means off
  std::string local_ip;           // our address on the connection (what the node sees)
  std::string error;
};

// True only when a TCP connect to ip:port is actively refused within timeout_ms: nothing
// listens there (the process is gone), as opposed to a slow or unreachable host.
bool TcpRefused(const std::string& ip, int port, int timeout_ms);

// Connects to ip:port, sends AUTH [user] pass when pass is set, then INFO server.
ProbeResult ProbeControlPort(const std::string& ip, int port, const std::string& auth_user,
                             const std::string& auth_pass, int timeout_ms);

}  // namespace sable::sentinel

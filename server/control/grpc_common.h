// What every gRPC endpoint of ours shares: reading the PEM files of control-tls-* (control
// plane and cluster bus), and the channel settings of peers that must notice a dead process at
// once (sentinel links, cluster bus links). The channel settings are header-only so the
// sentinel, which does not link the node's control plane, uses the same ones.
#pragma once

#include <grpcpp/grpcpp.h>

#include <string>

namespace sable::control {

// Reads a whole file (a PEM certificate, key or CA bundle). False with *err set on failure.
bool ReadPemFile(const std::string& path, std::string* out, std::string* err);

// Fast failure detection: reconnect quickly and never wait for a channel to become ready, so a
// refused connection fails a call at once with UNAVAILABLE; and one connection per target, so a
// peer's link state is its own.
inline grpc::ChannelArguments FastFailChannelArgs() {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return args;
}

}  // namespace sable::control

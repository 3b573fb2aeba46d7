// The sable.SentinelPeer server on the sentinel's control port: other sentinels' hellos and
// IS-MASTER-DOWN-BY-ADDR votes. Handlers run on gRPC threads and hop to the main loop.
#pragma once

#include <string>

#include "sentinel/sentinel_impl.h"

namespace sable::sentinel {

class PeerService : public sable::SentinelPeer::Service {
 public:
  explicit PeerService(Sentinel::Impl* impl) : impl_(impl) {}
  grpc::Status Hello(grpc::ServerContext* ctx, const sable::SentinelHello* req,
                     sable::SentinelHello* resp) override;
  grpc::Status IsMasterDownByAddr(grpc::ServerContext* ctx, const sable::IsMasterDownRequest* req,
                                  sable::IsMasterDownReply* resp) override;

 private:
  grpc::Status CheckAuth(grpc::ServerContext* ctx) const;
  // Runs fn on the main loop and waits (bounded) for it.
  bool OnLoop(std::function<void()> fn);
  Sentinel::Impl* impl_;
};

// Binds config.control_bind:ControlPort(); "" or an error text.
std::string StartPeerServer(Sentinel::Impl* impl);
void StopPeerServer(Sentinel::Impl* impl);

}  // namespace sable::sentinel

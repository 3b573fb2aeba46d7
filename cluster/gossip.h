// The cluster bus protocol on top of the gRPC transport (bus.h): MEET/PING/PONG with gossip,
// PFAIL/FAIL, replica elections, manual failover, replica migration. Owned by Cluster; runs on
// the main loop (the bus threads post their messages to it).
#pragma once

#include <string>

namespace sable::cluster {

class Cluster;

class Gossip {
 public:
  explicit Gossip(Cluster* cluster);
  ~Gossip();
  Gossip(const Gossip&) = delete;
  Gossip& operator=(const Gossip&) = delete;

  // Starts the bus listener on the cluster port. Error text, "" on success.
  std::string Start();
  // Stops the bus threads (before the Server goes away).
  void Stop();
  // The periodic share of Cluster::Cron.
  void Cron();

 private:
  Cluster* cluster_;
};

}  // namespace sable::cluster

#include "cluster/cluster.h"

#include "cluster/gossip.h"
#include "cluster/slot_index.h"
#include "server/core/server.h"
#include "server/util/clock.h"

namespace sable::cluster {

Cluster::Cluster(Server* server)
    : server_(server),
      state_(server->cfg().cluster_config_file),
      gossip_(std::make_unique<Gossip>(this)) {}

Cluster::~Cluster() { Stop(); }

SlotIndex& Cluster::keys() { return *server_->slot_index(); }

std::string Cluster::Start() {
  // TODO(issue 6): load nodes.conf, fill myself's address.
  return gossip_->Start();
}

void Cluster::Stop() { gossip_->Stop(); }

void Cluster::Cron() {
  gossip_->Cron();
  UpdateState();
  state_.SaveIfDirty();
}

}  // namespace sable::cluster

#include "cluster/gossip.h"

#include "cluster/cluster.h"

namespace sable::cluster {

// Placeholder until the bus lands: a node that knows only itself.
Gossip::Gossip(Cluster* cluster) : cluster_(cluster) {}
Gossip::~Gossip() = default;
std::string Gossip::Start() { return ""; }
void Gossip::Stop() {}
void Gossip::Cron() {}

bool Cluster::Meet(const std::string&, int, int) { return false; }
void Cluster::Forget(Node* node) { state_.DeleteNode(node->id); }
std::string Cluster::StartManualFailover(FailoverMode) { return "ERR not implemented yet"; }
void Cluster::Reset(bool) {}
void Cluster::BroadcastPong() {}
void Cluster::Publish(std::string_view, std::string_view, bool) {}
int Cluster::CountFailureReports(const Node& node) const {
  return static_cast<int>(node.fail_reports.size());
}
std::vector<Cluster::LinkInfo> Cluster::Links() const { return {}; }

}  // namespace sable::cluster

#include "cluster/state.h"

#include <algorithm>
#include <random>

namespace sable::cluster {

std::string FlagsText(uint32_t flags) {
  static constexpr std::pair<uint32_t, const char*> kNames[] = {
      {kFlagMyself, "myself"},         {kFlagMaster, "master"},  {kFlagSlave, "slave"},
      {kFlagPfail, "fail?"},           {kFlagFail, "fail"},      {kFlagHandshake, "handshake"},
      {kFlagNoAddr, "noaddr"},         {kFlagNoFailover, "nofailover"},
  };
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if (!(flags & bit)) continue;
    if (!out.empty()) out += ',';
    out += name;
  }
  return out.empty() ? "noflags" : out;
}

std::string NewNodeId() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(40, '0');
  for (char& ch : id) ch = kHex[rng() & 15];
  return id;
}

ClusterState::ClusterState(std::string config_path) : path_(std::move(config_path)) {}

Node* ClusterState::Find(std::string_view id) const {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : it->second.get();
}

Node* ClusterState::AddNode(std::unique_ptr<Node> node) {
  Node* n = node.get();
  nodes_[n->id] = std::move(node);
  if (n->flags & kFlagMyself) myself_ = n;
  dirty_ = true;
  return n;
}

void ClusterState::DeleteNode(std::string_view id) {
  Node* n = Find(id);
  if (n == nullptr || n == myself_) return;
  for (int s = 0; s < kSlots; ++s) {
    if (owner_[s] == n) owner_[s] = nullptr;
    if (migrating_to_[s] == n) migrating_to_[s] = nullptr;
    if (importing_from_[s] == n) importing_from_[s] = nullptr;
  }
  for (auto& [other_id, other] : nodes_) {
    other->fail_reports.erase(n->id);
    if (other->primary_id == n->id) other->primary_id.clear();
  }
  nodes_.erase(nodes_.find(id));
  dirty_ = true;
}

void ClusterState::RenameNode(Node* node, const std::string& new_id) {
  auto it = nodes_.find(node->id);
  std::unique_ptr<Node> owned = std::move(it->second);
  nodes_.erase(it);
  owned->id = new_id;
  nodes_[new_id] = std::move(owned);
  dirty_ = true;
}

void ClusterState::SetSlot(int slot, Node* node) {
  Node* prev = owner_[slot];
  if (prev == node) return;
  if (prev != nullptr) {
    prev->slots.reset(slot);
    --prev->num_slots;
  }
  owner_[slot] = node;
  if (node != nullptr) {
    node->slots.set(slot);
    ++node->num_slots;
  }
  dirty_ = true;
}

void ClusterState::ClearSlot(int slot) { SetSlot(slot, nullptr); }

void ClusterState::SetMigrating(int slot, Node* to) {
  migrating_to_[slot] = to;
  dirty_ = true;
}

void ClusterState::SetImporting(int slot, Node* from) {
  importing_from_[slot] = from;
  dirty_ = true;
}

void ClusterState::SetPrimary(Node* node, Node* primary) {
  if (primary == nullptr) {
    node->flags = (node->flags & ~kFlagSlave) | kFlagMaster;
    node->primary_id.clear();
  } else {
    for (int s = 0; s < kSlots && node->num_slots > 0; ++s) {
      if (owner_[s] == node) SetSlot(s, nullptr);
    }
    node->flags = (node->flags & ~kFlagMaster) | kFlagSlave;
    node->primary_id = primary->id;
    node->shard_id = primary->shard_id;
  }
  dirty_ = true;
}

std::vector<Node*> ClusterState::ReplicasOf(const Node& primary) const {
  std::vector<Node*> out;
  for (const auto& [id, n] : nodes_) {
    if (n->is_replica() && n->primary_id == primary.id) out.push_back(n.get());
  }
  return out;
}

int ClusterState::Size() const {
  int size = 0;
  for (const auto& [id, n] : nodes_) {
    if (n->is_primary() && n->num_slots > 0) ++size;
  }
  return size;
}

uint64_t ClusterState::MaxConfigEpoch() const {
  uint64_t max = 0;
  for (const auto& [id, n] : nodes_) max = std::max(max, n->config_epoch);
  return max;
}

bool ClusterState::SaveIfDirty() {
  if (!dirty_) return true;
  return Save();
}

}  // namespace sable::cluster

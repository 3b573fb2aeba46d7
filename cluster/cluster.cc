#include "cluster/cluster.h"

#include <spdlog/spdlog.h>

#include "cluster/gossip.h"
#include "cluster/slot_index.h"
#include "server/core/command.h"
#include "server/core/server.h"
#include "server/repl/replica.h"
#include "server/util/clock.h"

namespace sable::cluster {
namespace {

// Redis's CLUSTER_WRITABLE_DELAY: a restarted primary stays "fail" this long so the cluster can
// reconfigure it (say, as a replica of the node that failed it over) before it takes writes.
constexpr int64_t kWritableDelayMs = 2000;
// Redis's CLUSTER_MIN/MAX_REJOIN_DELAY: bounds of how long a primary back from a minority
// partition waits (cluster-node-timeout, clamped) before turning ok.
constexpr int64_t kMinRejoinDelayMs = 500;
constexpr int64_t kMaxRejoinDelayMs = 5000;

}  // namespace

Cluster::Cluster(Server* server)
    : server_(server),
      state_(server->cfg().cluster_config_file),
      gossip_(std::make_unique<Gossip>(this)) {
  const CommandRegistry& commands = server->commands();
  exec_cmd_ = commands.Find("exec");
  migrate_cmd_ = commands.Find("migrate");
  restore_asking_cmd_ = commands.Find("restore-asking");
  ssubscribe_cmd_ = commands.Find("ssubscribe");
  sunsubscribe_cmd_ = commands.Find("sunsubscribe");
  spublish_cmd_ = commands.Find("spublish");
}

Cluster::~Cluster() { Stop(); }

SlotIndex& Cluster::keys() { return *server_->slot_index(); }

int64_t Cluster::now_ms() const { return WallMs(); }

namespace {

int AnnouncedPort(const ServerConfig& cfg) {
  return cfg.cluster_announce_port != 0 ? cfg.cluster_announce_port : cfg.port;
}

int AnnouncedBusPort(const ServerConfig& cfg) {
  if (cfg.cluster_announce_bus_port != 0) return cfg.cluster_announce_bus_port;
  return cfg.cluster_port != 0 ? cfg.cluster_port : cfg.port + 10000;
}

}  // namespace

std::string Cluster::LoadConfig() {
  const ServerConfig& cfg = server_->cfg();
  std::string err = state_.LoadOrCreate(cfg.cluster_announce_ip, AnnouncedPort(cfg),
                                        AnnouncedBusPort(cfg), now_ms());
  if (!err.empty()) return err;
  applied_announce_ip_ = cfg.cluster_announce_ip;
  ApplyAnnouncedAddress();
  spdlog::info("Node configuration loaded, I'm {}", state_.myself().id);
  return "";
}

void Cluster::ApplyAnnouncedAddress() {
  const ServerConfig& cfg = server_->cfg();
  Node& me = state_.myself();
  bool changed = false;
  auto set = [&changed](auto& field, const auto& value) {
    if (field == value) return;
    field = value;
    changed = true;
  };
  if (cfg.cluster_announce_ip != applied_announce_ip_) {
    applied_announce_ip_ = cfg.cluster_announce_ip;
    // Cleared: forget the announced address and learn ours from peers again, as Redis.
    set(me.ip, cfg.cluster_announce_ip);
  }
  set(me.port, AnnouncedPort(cfg));
  set(me.cport, AnnouncedBusPort(cfg));
  set(me.hostname, cfg.cluster_announce_hostname);
  if (changed) state_.MarkDirty();
}

std::string Cluster::Start() {
  std::string err = LoadConfig();
  if (!err.empty()) return err;
  return gossip_->Start();
}

void Cluster::Stop() {
  gossip_->Stop();
  // Whatever changed since the last save (a message handled just before shutdown) persists.
  if (state_.dirty()) state_.Save();
}

void Cluster::Cron() {
  ApplyAnnouncedAddress();
  gossip_->Cron();
  // A replica (restarted from nodes.conf, or whose primary's address was unknown when it
  // became one) replicates as soon as the address is known, as Redis's clusterCron does.
  // It also follows its primary to a new address, and never stays attached to a node that is
  // no longer its primary (REPLICATE to a node whose address is not known yet).
  Node& me = state_.myself();
  Replica& link = server_->replica();
  if (me.is_replica()) {
    Node* primary = state_.Find(me.primary_id);
    bool known = primary != nullptr && !primary->ip.empty() && !(primary->flags & kFlagNoAddr);
    bool following = link.is_replica() && known && link.master_host() == primary->ip &&
                     link.master_port() == primary->port;
    if (known && !following) {
      link.ReplicaOf(primary->ip, primary->port);
    } else if (!known && link.is_replica()) {
      // Nobody to follow yet: stop applying the stream of a node we no longer replicate.
      link.PromoteToPrimary();
    }
  }
  UpdateState();
  if (shard_channels_version_ != state_.slots_version()) {
    shard_channels_version_ = state_.slots_version();
    DropForeignShardChannels();
  }
  SaveOrDie();
}

void Cluster::SaveOrDie() {
  if (!state_.dirty() || state_.Save()) return;
  // Redis's clusterSaveConfigOrDie: a node that cannot persist its view (votes, epochs, slots)
  // must not go on acting on it, or a restart would break the promises it made to the others.
  spdlog::critical("Fatal: can't update cluster config file.");
  spdlog::default_logger()->flush();
  std::_Exit(1);
}

void Cluster::DropForeignShardChannels() {
  PubSub& shard = server_->shard_pubsub();
  if (shard.NumChannels() == 0) return;
  const Node& me = state_.myself();
  for (const std::string& channel : shard.Channels("")) {
    const Node* owner = state_.owner(KeySlot(channel));
    bool ours = owner != nullptr && (owner == &me || owner->id == me.primary_id);
    if (!ours) server_->DropShardChannel(channel);
  }
}

void Cluster::UpdateState() {
  Node& me = state_.myself();
  int64_t now = now_ms();
  if (first_update_ms_ == 0) first_update_ms_ = now;
  if (me.is_primary() && !state_.ok() && now - first_update_ms_ < kWritableDelayMs) return;

  bool ok = true;
  if (server_->cfg().cluster_require_full_coverage) {
    for (int s = 0; s < kSlots; ++s) {
      Node* owner = state_.owner(s);
      if (owner == nullptr || owner->failed()) {
        ok = false;
        break;
      }
    }
  }
  // A primary that cannot reach a majority of the slot-serving primaries is in a minority
  // partition: it stops taking writes, since the majority side may fail it over.
  int size = 0;
  int reachable = 0;
  for (const auto& [id, n] : state_.nodes()) {
    if (!n->is_primary() || n->num_slots == 0) continue;
    ++size;
    if (!n->failed() && !n->pfailed()) ++reachable;
  }
  if (reachable < size / 2 + 1) {
    ok = false;
    among_minority_ms_ = now;
  }
  if (ok == state_.ok()) return;
  int64_t rejoin_delay = std::clamp<int64_t>(server_->cfg().cluster_node_timeout, kMinRejoinDelayMs,
                                             kMaxRejoinDelayMs);
  if (ok && me.is_primary() && now - among_minority_ms_ < rejoin_delay) return;
  spdlog::warn("Cluster state changed: {}", ok ? "ok" : "fail");
  state_.set_ok(ok);
}

void Cluster::ReplicateFrom(Node* primary) {
  Node& me = state_.myself();
  if (me.is_primary()) {
    // Our slots, and any migration we were part of, now belong to the primary's shard.
    for (int s = 0; s < kSlots; ++s) {
      state_.SetMigrating(s, nullptr);
      state_.SetImporting(s, nullptr);
    }
  }
  state_.SetPrimary(&me, primary);
  // Without an address yet (known only by id), Cron starts the link once gossip brings one.
  if (!primary->ip.empty()) server_->replica().ReplicaOf(primary->ip, primary->port);
  state_.Save();
  UpdateState();
}

void Cluster::BecomePrimary() {
  state_.SetPrimary(&state_.myself(), nullptr);
  server_->replica().PromoteToPrimary();
  state_.Save();
  UpdateState();
}

}  // namespace sable::cluster

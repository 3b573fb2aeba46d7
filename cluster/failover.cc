// Gossip's elections (gossip.h): a replica's failover when its primary fails, the votes
// primaries give, CLUSTER FAILOVER's manual variants, and replica migration to orphaned
// primaries, as Redis 7.0's cluster.c does them.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "cluster/gossip.h"
#include "server/core/server.h"
#include "server/repl/replica.h"

namespace sable::cluster {
namespace {

using Msg = sable::BusMessage;

// Redis's constants (cluster.h).
constexpr int64_t kReplicaMigrationDelayMs = 5000;

}  // namespace

// ---- Elections -----------------------------------------------------------------------------

int Gossip::Rank() {
  Node* primary = PrimaryOf(me());
  if (primary == nullptr || primary == &me()) return 0;
  int64_t mine = MyReplOffset();
  int rank = 0;
  for (Node* r : st().ReplicasOf(*primary)) {
    if (r == &me() || (r->flags & kFlagNoFailover)) continue;
    if (r->repl_offset > mine) ++rank;
  }
  return rank;
}

void Gossip::ScheduleFailoverCheck(int64_t at_ms) {
  int64_t delay = std::max<int64_t>(at_ms - Now(), 0);
  auto alive = alive_;
  cluster_->server().loop().AddTimer(static_cast<uint64_t>(delay), 0, [this, alive] {
    if (*alive && me().is_replica()) HandleReplicaFailover();
  });
}

void Gossip::HandleReplicaFailover() {
  Node& m = me();
  Node* primary = m.is_replica() ? st().Find(m.primary_id) : nullptr;
  const ServerConfig& cfg = cluster_->server().cfg();
  int64_t now = Now();
  int64_t timeout = NodeTimeout();
  bool manual = mf_end_ != 0 && mf_can_start_;
  int64_t auth_timeout = std::max<int64_t>(timeout * 2, 2000);
  int64_t auth_retry = auth_timeout * 2;
  if (primary == nullptr || (!primary->failed() && !manual) ||
      (cfg.cluster_replica_no_failover && !manual) || primary->num_slots == 0) {
    return;
  }
  // How old our data is: the time our replication link has been down, less the node timeout
  // (part of it is only the time it took to notice).
  Replica& repl = cluster_->server().replica();
  int64_t data_age = 0;
  if (!repl.link_up()) {
    int64_t since = repl.down_since_ms();
    data_age = since > 0 ? now - since : now;
  }
  if (data_age > timeout) data_age -= timeout;
  if (cfg.cluster_replica_validity_factor != 0 && !manual &&
      data_age > static_cast<int64_t>(cfg.repl_ping_replica_period) * 1000 +
                     timeout * cfg.cluster_replica_validity_factor) {
    if (now - cant_failover_log_ms_ > 10000) {
      cant_failover_log_ms_ = now;
      spdlog::warn(
          "Currently unable to failover: Disconnected from master for longer than allowed. "
          "Please check the 'cluster-replica-validity-factor' configuration option.");
    }
    return;
  }
  if (now - auth_time_ > auth_retry) {
    auth_time_ = now + 500 + static_cast<int64_t>(rng_() % 500);
    auth_count_ = 0;
    auth_sent_ = false;
    voters_.clear();
    auth_rank_ = Rank();
    auth_time_ += static_cast<int64_t>(auth_rank_) * 1000;
    if (mf_end_ != 0) {
      auth_time_ = now;
      auth_rank_ = 0;
    }
    spdlog::info("Start of election delayed for {} milliseconds (rank #{}, offset {}).",
                 auth_time_ - now, auth_rank_, MyReplOffset());
    // The other replicas learn our offset, for their own rank.
    BroadcastPong(/*local_replicas_only=*/true);
    if (auth_time_ > now) {
      ScheduleFailoverCheck(auth_time_);
      return;
    }
  }
  // Newer offsets from the other replicas may have changed our rank meanwhile.
  if (!auth_sent_ && mf_end_ == 0) {
    int rank = Rank();
    if (rank > auth_rank_) {
      int64_t added = static_cast<int64_t>(rank - auth_rank_) * 1000;
      auth_time_ += added;
      auth_rank_ = rank;
      spdlog::info("Replica rank updated to #{}, added {} milliseconds of delay.", rank, added);
      ScheduleFailoverCheck(auth_time_);
    }
  }
  if (now < auth_time_) return;
  if (now - auth_time_ > auth_timeout) return;  // this election expired; a new one later
  if (!auth_sent_) {
    st().set_current_epoch(st().current_epoch() + 1);
    auth_epoch_ = st().current_epoch();
    spdlog::info("Starting a failover election for epoch {}.", auth_epoch_);
    auth_sent_ = true;
    st().SaveIfDirty();
    RequestVotes();
    return;
  }
  int needed = st().Size() / 2 + 1;
  if (auth_count_ >= needed) {
    spdlog::info("Failover election won: I'm the new master.");
    if (m.config_epoch < auth_epoch_) {
      m.config_epoch = auth_epoch_;
      spdlog::info("configEpoch set to {} after successful failover", auth_epoch_);
    }
    ReplaceMyPrimary();
  }
}

void Gossip::RequestVotes() {
  if (!bus_) return;
  Msg m;
  m.set_type(Msg::FAILOVER_AUTH_REQUEST);
  FillHeader(m.mutable_header(), nullptr);
  // A manual failover asks for a vote although our primary is up.
  m.set_force_ack(mf_end_ != 0);
  uint64_t epoch = auth_epoch_;
  auto alive = alive_;
  net::EventLoop* loop = &cluster_->server().loop();
  for (const auto& [id, n] : st().nodes()) {
    if (!Reachable(*n) || !n->is_primary()) continue;
    std::string voter = n->id;
    CountSent(Msg::FAILOVER_AUTH_REQUEST);
    bus_->Call(BusRpc::kVote, n->ip, n->cport, m, static_cast<int>(NodeTimeout()),
               [this, alive, loop, voter, epoch](const grpc::Status& status, Msg& reply) {
                 loop->Post([this, alive, voter, epoch, status, reply = std::move(reply)] {
                   if (*alive) OnVote(voter, epoch, status, reply);
                 });
               });
  }
}

void Gossip::OnVote(const std::string& voter_id, uint64_t epoch, const grpc::Status& status,
                    const Msg& reply) {
  if (!status.ok() || !reply.granted()) return;
  CountReceived(Msg::FAILOVER_AUTH_ACK);
  if (epoch != auth_epoch_ || !auth_sent_) return;
  Node* voter = st().Find(voter_id);
  if (voter == nullptr || !voter->is_primary() || voter->num_slots == 0) return;
  if (reply.header().current_epoch() < auth_epoch_) return;
  if (!voters_.insert(voter_id).second) return;
  ++auth_count_;
  spdlog::info("Failover auth granted by {} for epoch {} ({} vote(s))", voter_id, epoch,
               auth_count_);
  HandleReplicaFailover();
}

bool Gossip::HandleVoteRequest(Node* node, const Msg& m) {
  Node& self = me();
  const sable::BusHeader& h = m.header();
  int64_t now = Now();
  if (self.is_replica() || self.num_slots == 0) return false;
  uint64_t req_epoch = h.current_epoch();
  uint64_t req_config_epoch = h.config_epoch();
  if (req_epoch < st().current_epoch()) {
    spdlog::info("Failover auth denied to {}: reqEpoch ({}) < curEpoch({})", node->id, req_epoch,
                 st().current_epoch());
    return false;
  }
  if (st().last_vote_epoch() == st().current_epoch()) {
    spdlog::info("Failover auth denied to {}: already voted for epoch {}", node->id,
                 st().current_epoch());
    return false;
  }
  Node* primary = node->is_replica() ? st().Find(node->primary_id) : nullptr;
  if (node->is_primary() || primary == nullptr || (!primary->failed() && !m.force_ack())) {
    if (node->is_primary()) {
      spdlog::info("Failover auth denied to {}: it is a master node", node->id);
    } else if (primary == nullptr) {
      spdlog::info("Failover auth denied to {}: I don't know its master", node->id);
    } else {
      spdlog::info("Failover auth denied to {}: its master is up", node->id);
    }
    return false;
  }
  if (now - primary->voted_time_ms < NodeTimeout() * 2) {
    spdlog::info("Failover auth denied to {}: can't vote about this master before {} milliseconds",
                 node->id, NodeTimeout() * 2 - (now - primary->voted_time_ms));
    return false;
  }
  std::bitset<kSlots> claimed = DecodeSlots(h.slots());
  for (int s = 0; s < kSlots; ++s) {
    if (!claimed[s]) continue;
    Node* owner = st().owner(s);
    if (owner == nullptr || owner->config_epoch <= req_config_epoch) continue;
    spdlog::info("Failover auth denied to {}: slot {} epoch ({}) > reqEpoch ({})", node->id, s,
                 owner->config_epoch, req_config_epoch);
    return false;
  }
  uint64_t prev_vote_epoch = st().last_vote_epoch();
  int64_t prev_voted_time = primary->voted_time_ms;
  st().set_last_vote_epoch(st().current_epoch());
  primary->voted_time_ms = now;
  // The vote must survive a restart (we could otherwise vote twice in one epoch): no vote
  // without nodes.conf saying so.
  if (!st().Save()) {
    st().set_last_vote_epoch(prev_vote_epoch);
    primary->voted_time_ms = prev_voted_time;
    spdlog::warn("Failover auth denied to {}: could not save the vote to {}", node->id,
                 st().config_path());
    return false;
  }
  spdlog::info("Failover auth granted to {} for epoch {}", node->id, st().current_epoch());
  return true;
}

void Gossip::ReplaceMyPrimary() {
  Node& m = me();
  Node* old = m.is_replica() ? st().Find(m.primary_id) : nullptr;
  if (old == nullptr) return;
  cluster_->BecomePrimary();
  if (!m.is_primary()) st().SetPrimary(&m, nullptr);
  for (int s = 0; s < kSlots; ++s) {
    if (st().owner(s) == old) st().SetSlot(s, &m);
  }
  // The old primary becomes our replica once it hears of the change.
  st().MarkDirty();
  cluster_->UpdateState();
  st().SaveIfDirty();
  BroadcastPong();
  ResetManualFailover();
  auth_time_ = 0;
}

bool Gossip::BumpEpochWithoutConsensus() {
  uint64_t max_epoch = std::max(st().MaxConfigEpoch(), st().current_epoch());
  if (me().config_epoch == 0 || me().config_epoch != max_epoch) {
    st().set_current_epoch(st().current_epoch() + 1);
    me().config_epoch = st().current_epoch();
    st().MarkDirty();
    spdlog::info("New configEpoch set to {}", me().config_epoch);
    return true;
  }
  return false;
}

// ---- Manual failover and replica migration -------------------------------------------------

void Gossip::ResetManualFailover() {
  if (!mf_replica_id_.empty()) {
    Server& server = cluster_->server();
    // Only our failover pause: an operator's CLIENT PAUSE stays.
    server.client_pause().End(server, ClientPause::Purpose::kFailover);
  }
  mf_end_ = 0;
  mf_can_start_ = false;
  mf_replica_id_.clear();
  mf_primary_offset_ = -1;
}

void Gossip::HandleManualFailover() {
  if (mf_end_ == 0 || mf_can_start_ || mf_primary_offset_ == -1) return;
  if (mf_primary_offset_ == MyReplOffset()) {
    mf_can_start_ = true;
    spdlog::info("All master replication stream processed, manual failover can start.");
    HandleReplicaFailover();
  }
}

std::string Gossip::StartManualFailover(FailoverMode mode) {
  Node& m = me();
  if (m.is_primary()) return "ERR You should send CLUSTER FAILOVER to a replica";
  Node* primary = st().Find(m.primary_id);
  if (primary == nullptr) return "ERR I'm a replica but my master is unknown to me";
  if (mode == FailoverMode::kDefault && (primary->failed() || !primary->link_connected)) {
    return "ERR Master is down or failed, please use CLUSTER FAILOVER FORCE";
  }
  ResetManualFailover();
  mf_end_ = Now() + kMfTimeoutMs;
  if (mode == FailoverMode::kTakeover) {
    spdlog::info("Taking over the master (user request).");
    BumpEpochWithoutConsensus();
    ReplaceMyPrimary();
  } else if (mode == FailoverMode::kForce) {
    spdlog::info("Forced failover user request accepted.");
    mf_can_start_ = true;
    auth_time_ = 0;  // a fresh election, at once
    HandleReplicaFailover();
  } else {
    spdlog::info("Manual failover user request accepted.");
    auth_time_ = 0;
    Msg msg;
    msg.set_type(Msg::MFSTART);
    FillHeader(msg.mutable_header(), primary);
    std::string pid = primary->id;
    auto alive = alive_;
    net::EventLoop* loop = &cluster_->server().loop();
    if (bus_) {
      CountSent(Msg::MFSTART);
      bus_->Call(
          BusRpc::kNotify, primary->ip, primary->cport, msg, static_cast<int>(NodeTimeout()),
          [this, alive, loop, pid](const grpc::Status& status, Msg& reply) {
            if (!status.ok()) return;
            loop->Post([this, alive, pid, reply = std::move(reply)] {
              if (!*alive) return;
              // The reply already says the primary paused, and at which offset.
              const sable::BusHeader& h = reply.header();
              if (mf_end_ != 0 && me().is_replica() && me().primary_id == pid &&
                  h.sender() == pid && (h.mflags() & kMflagPaused) && mf_primary_offset_ == -1) {
                mf_primary_offset_ = h.repl_offset();
                spdlog::info("Received replication offset for paused master manual failover: {}",
                             mf_primary_offset_);
                HandleManualFailover();
              }
            });
          });
    }
  }
  return "";
}

void Gossip::HandleReplicaMigration(int max_replicas) {
  if (!st().ok()) return;
  Node* my_primary = PrimaryOf(me());
  if (my_primary == nullptr || my_primary == &me()) return;
  int ok = OkReplicas(*my_primary);
  if (ok <= cluster_->server().cfg().cluster_migration_barrier) return;
  // The candidate: among the primaries with the most replicas, the replica with the smallest id.
  Node* candidate = &me();
  Node* target = nullptr;
  int64_t now = Now();
  for (const auto& [id, n] : st().nodes()) {
    int okr = 0;
    bool orphaned = n->is_primary() && !n->failed() && had_replicas_.count(n->id) > 0;
    if (n->is_primary()) okr = OkReplicas(*n);
    if (okr > 0) orphaned = false;
    if (orphaned) {
      if (target == nullptr && n->num_slots > 0) target = n.get();
      orphaned_since_.try_emplace(n->id, now);
    } else {
      orphaned_since_.erase(n->id);
    }
    if (n->is_primary() && okr == max_replicas) {
      for (Node* r : st().ReplicasOf(*n)) {
        if (r->id < candidate->id) candidate = r;
      }
    }
  }
  if (target != nullptr && candidate == &me() &&
      now - orphaned_since_[target->id] > kReplicaMigrationDelayMs) {
    spdlog::info("Migrating to orphaned master {}", target->id);
    cluster_->ReplicateFrom(target);
  }
}

}  // namespace sable::cluster

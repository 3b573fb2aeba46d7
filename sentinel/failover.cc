// ODOWN agreement, the leader election and the failover state machine, after Redis Sentinel.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "sentinel/logic.h"
#include "sentinel/sentinel_impl.h"
#include "server/net/event_loop.h"

namespace sable::sentinel {

namespace {

constexpr int64_t kAskPeriodMs = 100;
// A peer's "master is down" answer counts this long.
constexpr int64_t kMasterDownValidityMs = 1000;
// Random delay before an attempt so sentinels that saw the death together do not split votes.
constexpr int64_t kStartDesyncMs = 100;
// Extra delay per sentinel ranked ahead of us (see StartFailoverIfNeeded).
constexpr int64_t kRankDesyncMs = 250;
// After voting for another sentinel we do not start our own attempt for a while (Redis's
// SENTINEL_MAX_DESYNC added to failover_start_time).
constexpr int64_t kVoteDesyncMs = 1000;
constexpr int64_t kElectionTimeoutMs = 10000;
constexpr int64_t kReplicaReconfTimeoutMs = 10000;

}  // namespace

void Sentinel::Impl::SetFailoverState(Master* m, FailoverState s) {
  m->failover_state = s;
  m->failover_state_change_ms = NowMs();
}

void Sentinel::Impl::AskOtherSentinels(Master* m, int64_t now, bool force) {
  for (auto& [id, s] : m->sentinels) {
    // Stale answers no longer count.
    if (s->last_master_down_reply_ms &&
        now - s->last_master_down_reply_ms > kMasterDownValidityMs) {
      s->flags &= ~kFlagMasterDown;
    }
  }
  if (!(m->flags & kFlagSDown)) return;
  for (auto& [id, s] : m->sentinels) {
    PeerRuntime& p = peers_[m->name + "/" + id];
    int cp = s->control_port;
    if (cp == 0 && s->port + 20000 <= 65535) cp = s->port + 20000;
    if (cp == 0 || p.ask_inflight) continue;
    if (!force && now - p.last_ask_ms < kAskPeriodMs) continue;
    p.ask_inflight = true;
    p.last_ask_ms = now;
    sable::IsMasterDownRequest req;
    req.set_ip(m->ip);
    req.set_port(m->port);
    req.set_current_epoch(static_cast<int64_t>(st_->current_epoch));
    req.set_run_id(m->failover_state != FailoverState::kNone ? st_->myid : "*");
    auto target = rpc_.Target(s->ip, cp);
    std::string mname = m->name, runid = id;
    rpc_.Unary<sable::IsMasterDownReply>(
        500, st_->config.control_auth,
        [target, req](grpc::ClientContext* ctx, grpc::CompletionQueue* cq) {
          return target->peer->PrepareAsyncIsMasterDownByAddr(ctx, req, cq);
        },
        [this, mname, runid](const grpc::Status& st, sable::IsMasterDownReply& resp) {
          bool ok = st.ok();
          Post([this, mname, runid, ok, resp] {
            peers_[mname + "/" + runid].ask_inflight = false;
            if (!ok) return;
            Master* m = s_->FindMaster(mname);
            if (!m) return;
            auto it = m->sentinels.find(runid);
            if (it == m->sentinels.end()) return;
            Instance* si = it->second.get();
            int64_t now = NowMs();
            si->last_master_down_reply_ms = now;
            if (resp.down()) {
              si->flags |= kFlagMasterDown;
            } else {
              si->flags &= ~kFlagMasterDown;
            }
            if (ValidRunId(resp.leader_run_id()) && resp.leader_epoch() >= 0) {
              uint64_t le = static_cast<uint64_t>(resp.leader_epoch());
              if (si->leader != resp.leader_run_id() || si->leader_epoch != le) {
                spdlog::info("{} voted for {} {}", runid, resp.leader_run_id(), le);
              }
              si->leader = resp.leader_run_id();
              si->leader_epoch = le;
            }
            CheckObjectivelyDown(m, now);
            if (m->failover_state == FailoverState::kWaitStart) HandleFailover(m, now);
          });
        });
  }
}

void Sentinel::Impl::CheckObjectivelyDown(Master* m, int64_t now) {
  int quorum = 0;
  bool odown = false;
  if (m->flags & kFlagSDown) {
    quorum = 1;
    for (auto& [id, s] : m->sentinels) {
      if (s->flags & kFlagMasterDown) ++quorum;
    }
    if (quorum >= m->quorum) odown = true;
  }
  if (odown) {
    if (!(m->flags & kFlagODown)) {
      m->flags |= kFlagODown;
      m->o_down_since_ms = now;
      EventFor("+odown", *m, *m,
               "#quorum " + std::to_string(quorum) + "/" + std::to_string(m->quorum));
      StartFailoverIfNeeded(m, now);
    }
  } else if (m->flags & kFlagODown) {
    m->flags &= ~kFlagODown;
    m->o_down_since_ms = 0;
    EventFor("-odown", *m, *m);
  }
}

void Sentinel::Impl::StartFailoverIfNeeded(Master* m, int64_t now) {
  MasterRuntime& rt = mrt_[m->name];
  if (!(m->flags & kFlagODown) || (m->flags & kFlagFailoverInProgress)) {
    rt.start_not_before_ms = 0;
    return;
  }
  if (m->failover_start_ms && now - m->failover_start_ms < m->failover_timeout_ms * 2) {
    if (now - rt.last_delay_log_ms > 10000) {
      rt.last_delay_log_ms = now;
      spdlog::warn("Next failover delay: I will not start a failover before {} ms from now",
                   m->failover_start_ms + m->failover_timeout_ms * 2 - now);
    }
    return;
  }
  if (rt.start_not_before_ms == 0) {
    // Sentinels that saw the death together would otherwise all vote for themselves in the
    // same epoch and wait 2 * failover-timeout. Stagger the attempts by rank (our place among
    // the reachable sentinels ordered by run id) so the first request usually collects every
    // vote; the random part breaks ties between sentinels that disagree on the ranking.
    int rank = 0;
    for (const auto& [id, s] : m->sentinels) {
      if (!(s->flags & kFlagSDown) && id < st_->myid) ++rank;
    }
    int64_t delay = rank * kRankDesyncMs + RandMs(kStartDesyncMs) + 1;
    rt.start_not_before_ms = now + delay;
    // Start at that instant instead of on the next 100 ms tick (the kill -9 drill's budget).
    auto alive = alive_;
    std::string mname = m->name;
    loop_->AddTimer(static_cast<uint64_t>(delay), 0, [this, alive, mname] {
      if (!*alive) return;
      if (Master* mm = s_->FindMaster(mname)) StartFailoverIfNeeded(mm, NowMs());
    });
    return;
  }
  if (now < rt.start_not_before_ms) return;
  rt.start_not_before_ms = 0;
  StartFailover(m, false, now);
}

void Sentinel::Impl::StartFailover(Master* m, bool force, int64_t now) {
  SetFailoverState(m, FailoverState::kWaitStart);
  m->flags |= kFlagFailoverInProgress;
  if (force) m->flags |= kFlagForceFailover;
  m->failover_epoch = ++st_->current_epoch;
  Event("+new-epoch", std::to_string(st_->current_epoch));
  EventFor("+try-failover", *m, *m);
  m->failover_start_ms = now;
  mrt_[m->name].promote_inflight = false;
  mrt_[m->name].promote_sent_ms = 0;
  SaveConfig();
  // Ask for votes right away rather than on the next tick.
  AskOtherSentinels(m, now, true);
  if (force) HandleFailover(m, now);
}

std::string Sentinel::Impl::VoteLeader(Master* m, uint64_t req_epoch, const std::string& req_runid,
                                       uint64_t* leader_epoch) {
  VoteOutcome o =
      ApplyVoteRequest(&st_->current_epoch, &m->leader, &m->leader_epoch, req_epoch, req_runid);
  if (o.epoch_raised) {
    Event("+new-epoch", std::to_string(st_->current_epoch));
  }
  if (o.voted) {
    Event("+vote-for-leader", m->leader + " " + std::to_string(m->leader_epoch));
    // Having voted for someone else, do not start our own attempt right away.
    if (m->leader != st_->myid) m->failover_start_ms = NowMs() + RandMs(kVoteDesyncMs);
  }
  if (o.epoch_raised || o.voted) SaveConfig();
  *leader_epoch = m->leader_epoch;
  return m->leader;
}

std::string Sentinel::Impl::GetLeader(Master* m, uint64_t epoch) {
  auto counts = CountVotes(*m, epoch);
  int max_votes = 0;
  std::string winner = MostVoted(counts, &max_votes);
  uint64_t le = 0;
  // Our own vote goes to the front runner, or to ourselves.
  std::string myvote = VoteLeader(m, epoch, winner.empty() ? st_->myid : winner, &le);
  if (!myvote.empty() && le == epoch) {
    counts[myvote]++;
    winner = MostVoted(counts, &max_votes);
  }
  int voters = static_cast<int>(m->sentinels.size()) + 1;
  if (winner.empty() || !HasMajority(max_votes, voters, m->quorum)) return "";
  return winner;
}

void Sentinel::Impl::AbortFailover(Master* m) {
  m->flags &= ~(kFlagFailoverInProgress | kFlagForceFailover);
  SetFailoverState(m, FailoverState::kNone);
  if (!m->promoted.empty()) {
    auto it = m->replicas.find(m->promoted);
    if (it != m->replicas.end()) it->second->flags &= ~kFlagPromoted;
  }
  m->promoted.clear();
  for (auto& [k, r] : m->replicas) {
    r->flags &= ~(kFlagReconfSent | kFlagReconfInprog | kFlagReconfDone);
  }
}

void Sentinel::Impl::HandleFailover(Master* m, int64_t now) {
  if (!(m->flags & kFlagFailoverInProgress)) return;
  MasterRuntime& rt = mrt_[m->name];
  switch (m->failover_state) {
    case FailoverState::kWaitStart: {
      std::string leader = GetLeader(m, m->failover_epoch);
      bool isleader = leader == st_->myid;
      if (!isleader && !(m->flags & kFlagForceFailover)) {
        int64_t timeout = std::min(kElectionTimeoutMs, m->failover_timeout_ms);
        if (now - m->failover_state_change_ms > timeout) {
          EventFor("-failover-abort-not-elected", *m, *m);
          AbortFailover(m);
        }
        return;
      }
      EventFor("+elected-leader", *m, *m);
      SetFailoverState(m, FailoverState::kSelectSlave);
      EventFor("+failover-state-select-slave", *m, *m);
      [[fallthrough]];
    }
    case FailoverState::kSelectSlave: {
      Instance* r = SelectReplica(*m, now);
      if (!r) {
        EventFor("-failover-abort-no-good-slave", *m, *m);
        AbortFailover(m);
        return;
      }
      EventFor("+selected-slave", *m, *r);
      r->flags |= kFlagPromoted;
      m->promoted = r->Addr();
      SetFailoverState(m, FailoverState::kSendSlaveofNoOne);
      EventFor("+failover-state-send-slaveof-noone", *m, *r);
      [[fallthrough]];
    }
    case FailoverState::kSendSlaveofNoOne:
    case FailoverState::kWaitPromotion: {
      auto it = m->replicas.find(m->promoted);
      if (it == m->replicas.end()) {
        AbortFailover(m);
        return;
      }
      Instance* r = it->second.get();
      if (now - m->failover_state_change_ms > m->failover_timeout_ms) {
        EventFor("-failover-abort-slave-timeout", *m, *m);
        AbortFailover(m);
        return;
      }
      int cp = nodes_[r->Addr()].control_port;
      if (cp == 0 || rt.promote_inflight) return;
      if (m->failover_state == FailoverState::kWaitPromotion && now - rt.promote_sent_ms < 1000) {
        return;
      }
      rt.promote_inflight = true;
      rt.promote_sent_ms = now;
      if (m->failover_state == FailoverState::kSendSlaveofNoOne) {
        SetFailoverState(m, FailoverState::kWaitPromotion);
        EventFor("+failover-state-wait-promotion", *m, *r);
      }
      auto target = rpc_.Target(r->ip, cp);
      std::string mname = m->name, addr = r->Addr();
      rpc_.Unary<sable::NodeState>(
          2000, st_->config.control_auth,
          [target](grpc::ClientContext* ctx, grpc::CompletionQueue* cq) {
            sable::PromoteRequest req;
            req.set_reconfigure_clients(true);
            return target->admin->PrepareAsyncPromote(ctx, req, cq);
          },
          [this, mname, addr](const grpc::Status& s, sable::NodeState& resp) {
            bool ok = s.ok();
            std::string err = s.error_message();
            Post([this, mname, addr, ok, err, resp] {
              mrt_[mname].promote_inflight = false;
              if (!ok) spdlog::warn("Promote on {} failed: {}", addr, err);
              if (ok) OnNodeState(mname, addr, resp);
            });
          });
      return;
    }
    case FailoverState::kReconfSlaves:
      ReconfNextReplica(m, now);
      return;
    case FailoverState::kUpdateConfig:
      SwitchToPromoted(m);
      return;
    case FailoverState::kNone:
      return;
  }
}

void Sentinel::Impl::OnReplicaInfoForFailover(Master* m, Instance* ri, int64_t now) {
  if (!(m->flags & kFlagFailoverInProgress) || m->failover_state != FailoverState::kReconfSlaves) {
    return;
  }
  auto pit = m->replicas.find(m->promoted);
  if (pit == m->replicas.end()) return;
  Instance* promoted = pit->second.get();
  bool points_new = ri->role_reported == "slave" && ri->master_host == promoted->ip &&
                    ri->master_port == promoted->port;
  if ((ri->flags & kFlagReconfSent) && points_new) {
    ri->flags &= ~kFlagReconfSent;
    ri->flags |= kFlagReconfInprog;
    EventFor("+slave-reconf-inprog", *m, *ri);
  }
  if ((ri->flags & kFlagReconfInprog) && points_new && ri->master_link_up) {
    ri->flags &= ~kFlagReconfInprog;
    ri->flags |= kFlagReconfDone;
    EventFor("+slave-reconf-done", *m, *ri);
  }
  DetectFailoverEnd(m, now);
}

void Sentinel::Impl::ReconfNextReplica(Master* m, int64_t now) {
  auto pit = m->replicas.find(m->promoted);
  if (pit == m->replicas.end()) {
    AbortFailover(m);
    return;
  }
  Instance* promoted = pit->second.get();
  int in_progress = 0;
  for (auto& [k, r] : m->replicas) {
    if (r->flags & (kFlagReconfSent | kFlagReconfInprog)) ++in_progress;
  }
  for (auto& [k, rp] : m->replicas) {
    if (in_progress >= m->parallel_syncs) break;
    Instance* r = rp.get();
    if (r->flags & (kFlagPromoted | kFlagReconfDone)) continue;
    if (r->flags & kFlagReconfSent) {
      if (now - r->slave_reconf_sent_ms > kReplicaReconfTimeoutMs) {
        EventFor("-slave-reconf-sent-timeout", *m, *r);
        r->flags &= ~kFlagReconfSent;
        r->flags |= kFlagReconfDone;
      }
      continue;
    }
    if (r->flags & kFlagReconfInprog) continue;
    if ((r->flags & (kFlagDisconnected | kFlagSDown)) || r->gone) continue;
    r->flags |= kFlagReconfSent;
    r->slave_reconf_sent_ms = now;
    ++in_progress;
    EventFor("+slave-reconf-sent", *m, *r);
    std::string addr = k, mname = m->name;
    SendReplicaOf(m, r, promoted->ip, promoted->port, [this, mname, addr](bool ok) {
      Master* m = s_->FindMaster(mname);
      if (!m) return;
      AnnounceNow(*m);
      if (ok) return;
      auto it = m->replicas.find(addr);
      // Retry on a later tick.
      if (it != m->replicas.end() && (it->second->flags & kFlagReconfSent)) {
        it->second->flags &= ~kFlagReconfSent;
      }
    });
  }
  DetectFailoverEnd(m, now);
}

void Sentinel::Impl::DetectFailoverEnd(Master* m, int64_t now) {
  if (m->failover_state != FailoverState::kReconfSlaves) return;
  int not_reconfigured = 0;
  bool timeout = false;
  for (auto& [k, r] : m->replicas) {
    if (r->flags & (kFlagPromoted | kFlagReconfDone)) continue;
    if ((r->flags & kFlagSDown) || r->gone) continue;
    ++not_reconfigured;
  }
  if (now - m->failover_state_change_ms > m->failover_timeout_ms) {
    not_reconfigured = 0;
    timeout = true;
    EventFor("+failover-end-for-timeout", *m, *m);
  }
  if (not_reconfigured > 0) return;
  EventFor("+failover-end", *m, *m);
  SetFailoverState(m, FailoverState::kUpdateConfig);
  if (timeout) {
    // Best effort: point the stragglers at the new primary anyway.
    auto pit = m->replicas.find(m->promoted);
    if (pit != m->replicas.end()) {
      Instance* promoted = pit->second.get();
      for (auto& [k, r] : m->replicas) {
        if (r->flags & (kFlagPromoted | kFlagReconfDone | kFlagReconfSent)) continue;
        if (r->gone) continue;
        r->flags |= kFlagReconfSent;
        EventFor("+slave-reconf-sent-be", *m, *r);
        SendReplicaOf(m, r.get(), promoted->ip, promoted->port, nullptr);
      }
    }
  }
  SwitchToPromoted(m);
}

void Sentinel::Impl::SwitchToPromoted(Master* m) {
  auto pit = m->replicas.find(m->promoted);
  if (pit == m->replicas.end()) {
    AbortFailover(m);
    return;
  }
  std::string ip = pit->second->ip;
  int port = pit->second->port;
  Event("+switch-master", m->name + " " + m->ip + " " + std::to_string(m->port) + " " + ip + " " +
                              std::to_string(port));
  ResetMasterAndChangeAddress(m, ip, port);
  SaveConfig();
}

void Sentinel::Impl::ResetMaster(Master* m, bool keep_sentinels) {
  m->replicas.clear();
  if (!keep_sentinels) m->sentinels.clear();
  for (auto& [id, s] : m->sentinels) {
    s->flags &= ~kFlagMasterDown;
    s->last_master_down_reply_ms = 0;
  }
  m->flags = kFlagMaster;
  m->failover_state = FailoverState::kNone;
  m->failover_state_change_ms = 0;
  m->failover_start_ms = 0;
  m->promoted.clear();
  m->s_down_since_ms = 0;
  m->o_down_since_ms = 0;
  m->gone = false;
  m->run_id.clear();
  m->role_reported = "master";
  int64_t now = NowMs();
  m->role_reported_time_ms = 0;
  m->last_ping_sent_ms = 0;
  m->last_ok_ping_reply_ms = now;
  m->last_ping_reply_ms = now;
  m->info_refresh_ms = 0;
  m->created_ms = now;
  mrt_[m->name] = MasterRuntime();
}

void Sentinel::Impl::ResetMasterAndChangeAddress(Master* m, const std::string& ip, int port) {
  std::string new_addr = ip + ":" + std::to_string(port);
  struct Keep {
    std::string ip;
    int port;
    std::string run_id;
    int64_t last_ok;
  };
  std::vector<Keep> keep;
  std::string new_run_id;
  for (auto& [k, r] : m->replicas) {
    if (k == new_addr) {
      new_run_id = r->run_id;
      continue;
    }
    keep.push_back({r->ip, r->port, r->run_id, r->last_ok_ping_reply_ms});
  }
  if (m->Addr() != new_addr) {
    keep.push_back({m->ip, m->port, m->run_id, m->last_ok_ping_reply_ms});
  }
  ResetMaster(m, true);
  m->ip = ip;
  m->port = port;
  m->run_id = new_run_id;
  auto nit = nodes_.find(new_addr);
  m->control_port = nit != nodes_.end() ? nit->second.control_port : 0;
  int64_t now = NowMs();
  for (const auto& k : keep) {
    auto inst = std::make_unique<Instance>();
    inst->ip = k.ip;
    inst->port = k.port;
    inst->name = inst->Addr();
    inst->run_id = k.run_id;
    inst->flags = kFlagSlave;
    inst->created_ms = now;
    inst->role_reported = "slave";
    inst->role_reported_time_ms = now;  // so the old primary's first report is a -role-change
    auto it = nodes_.find(inst->Addr());
    if (it != nodes_.end()) {
      inst->control_port = it->second.control_port;
      inst->gone = it->second.gone;
      inst->gone_since_ms = it->second.gone_since_ms;
    }
    // An instance we already know to be dead stays down rather than waiting down-after again.
    inst->last_ok_ping_reply_ms = inst->gone ? k.last_ok : now;
    if (inst->last_ok_ping_reply_ms == 0) inst->last_ok_ping_reply_ms = now;
    Instance* raw = inst.get();
    m->replicas[inst->Addr()] = std::move(inst);
    // As Redis's sentinelResetMasterAndChangeAddress: each replica re-added, the old primary too.
    EventFor("+slave", *m, *raw);
  }
  // Fresh probes against the new layout.
  for (auto& [a, n] : nodes_) n.last_state_sent_ms = 0;
}

}  // namespace sable::sentinel

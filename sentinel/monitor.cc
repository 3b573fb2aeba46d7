// Probing the nodes (control-port discovery, health watch, GetState), SDOWN, replica discovery,
// reconfiguring misconfigured replicas, and the hello exchange that finds the other sentinels.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "sentinel/logic.h"
#include "sentinel/resp_probe.h"
#include "sentinel/sentinel_impl.h"

namespace sable::sentinel {

namespace {

constexpr int64_t kInfoPeriodMs = 1000;
constexpr int64_t kHelloPeriodMs = 1000;
// A replica must keep reporting a wrong role or primary this long before we correct it (other
// sentinels' hellos about a failover arrive well within it).
constexpr int64_t kRoleFixWaitMs = 4000;

bool IsPromotedInWait(const Master& m, const std::string& key) {
  return (m.flags & kFlagFailoverInProgress) && m.promoted == key &&
         (m.failover_state == FailoverState::kWaitPromotion ||
          m.failover_state == FailoverState::kSendSlaveofNoOne);
}

}  // namespace

void Sentinel::Impl::MonitorMaster(Master* m, int64_t now) {
  ProbeNode(m, m, now);
  std::vector<Instance*> reps;
  for (auto& [k, r] : m->replicas) reps.push_back(r.get());
  for (Instance* r : reps) ProbeNode(m, r, now);
  SendHellos(m, now);
  if (st_->tilt) return;
  CheckSubjectivelyDown(m, m, true, now);
  for (auto& [k, r] : m->replicas) CheckSubjectivelyDown(m, r.get(), false, now);
  for (auto& [k, s] : m->sentinels) CheckSubjectivelyDown(m, s.get(), false, now);
}

void Sentinel::Impl::ProbeNode(Master* m, Instance* ri, int64_t now) {
  const std::string addr = ri->Addr();
  NodeRuntime& n = nodes_[addr];
  if (n.control_port != 0 && ri->control_port != n.control_port) ri->control_port = n.control_port;
  // Learn (or re-learn, when the node has been silent a while) the control port from INFO.
  bool silent = ri->last_ok_ping_reply_ms == 0 ? now - ri->created_ms > 3000
                                               : now - ri->last_ok_ping_reply_ms > 3000;
  if (!n.probe_inflight && now >= n.next_probe_ms && (n.control_port == 0 || silent)) {
    n.probe_inflight = true;
    n.next_probe_ms = now + (n.control_port == 0 ? 500 : 3000);
    std::string ip = ri->ip, user = m->auth_user, pass = m->auth_pass;
    int port = ri->port;
    rpc_.Blocking([this, addr, ip, port, user, pass] {
      ProbeResult pr = ProbeControlPort(ip, port, user, pass, 500);
      Post([this, addr, port, pr] {
        NodeRuntime& n = nodes_[addr];
        n.probe_inflight = false;
        if (!pr.ok) return;
        if (local_ip_.empty() && !pr.local_ip.empty()) local_ip_ = pr.local_ip;
        int cp = pr.control_port;
        // A node that is not Sable (no such field) may still serve the default port; a Sable
        // node with the control plane off cannot be watched at all.
        if (!pr.has_control_port && port + 20000 <= 65535) cp = port + 20000;
        if (pr.has_control_port && cp == 0) {
          spdlog::warn("Node {} has its control port off: it cannot be monitored", addr);
        }
        if (cp != 0 && cp != n.control_port) {
          spdlog::info("Node {} has control port {}", addr, cp);
          n.control_port = cp;
        }
      });
    });
  }
  if (n.control_port == 0) {
    ri->flags |= kFlagDisconnected;
    return;
  }
  ri->control_port = n.control_port;
  if (!rpc_.Watching(addr, n.control_port)) {
    rpc_.Watch(addr, ri->ip, n.control_port, [this, addr](const HealthEvent& ev) {
      Post([this, addr, ev] { OnHealth(addr, ev); });
    });
  }
  // GetState: every second, every 100 ms for a replica being promoted.
  int64_t period = std::max<int64_t>(100, std::min(kInfoPeriodMs, m->down_after_ms));
  if (IsPromotedInWait(*m, addr)) period = 100;
  if (ri != m && (m->flags & kFlagFailoverInProgress) &&
      m->failover_state == FailoverState::kReconfSlaves) {
    period = 200;
  }
  if (!n.state_inflight && now - n.last_state_sent_ms >= period) {
    n.state_inflight = true;
    n.last_state_sent_ms = now;
    if (ri->last_ping_sent_ms == 0) ri->last_ping_sent_ms = now;
    auto target = rpc_.Target(ri->ip, n.control_port);
    std::string mname = m->name;
    rpc_.Unary<sable::NodeState>(
        1000, st_->config.control_auth,
        [target](grpc::ClientContext* ctx, grpc::CompletionQueue* cq) {
          return target->admin->PrepareAsyncGetState(ctx, sable::Empty(), cq);
        },
        [this, mname, addr](const grpc::Status& s, sable::NodeState& resp) {
          if (s.ok()) {
            Post([this, mname, addr, resp] {
              nodes_[addr].state_inflight = false;
              OnNodeState(mname, addr, resp);
            });
          } else {
            Post([this, mname, addr, s] {
              nodes_[addr].state_inflight = false;
              OnNodeStateFailed(mname, addr, s);
            });
          }
        });
  }
}

void Sentinel::Impl::OnHealth(const std::string& addr, const HealthEvent& ev) {
  NodeRuntime& n = nodes_[addr];
  int64_t now = NowMs();
  bool gone = ev.kind == HealthEvent::kBroken && ev.refused;
  bool alive = ev.kind == HealthEvent::kStatus || ev.check_ok;
  if (gone && !n.gone) {
    n.gone = true;
    n.gone_since_ms = now;
    spdlog::info("Node {} is gone ({})", addr, ev.error);
  } else if (alive) {
    n.gone = false;
  }
  for (auto& [name, m] : st_->masters) {
    Instance* ri = FindNode(m.get(), addr);
    if (!ri) continue;
    if (gone) {
      if (!ri->gone) {
        ri->gone = true;
        ri->gone_since_ms = now;
      }
      ri->flags |= kFlagDisconnected;
      if (st_->tilt) continue;
      CheckSubjectivelyDown(m.get(), ri, ri == m.get(), now);
      if (ri == m.get()) AskOtherSentinels(m.get(), now, true);
    } else if (alive) {
      ri->gone = false;
      ri->flags &= ~kFlagDisconnected;
      // A health message proves the process answers; a stalled loop cannot send one.
      ri->last_ok_ping_reply_ms = now;
      ri->last_ping_reply_ms = now;
    }
  }
}

void Sentinel::Impl::OnNodeStateFailed(const std::string& master, const std::string& addr,
                                       const grpc::Status& status) {
  Master* m = s_->FindMaster(master);
  if (!m) return;
  Instance* ri = FindNode(m, addr);
  if (!ri) return;
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    ri->flags |= kFlagDisconnected;
  } else if (status.error_code() != grpc::StatusCode::DEADLINE_EXCEEDED) {
    // Any answer from the node (even an error) is a reply, as Redis counts -ERR to PING.
    ri->last_ping_reply_ms = NowMs();
    if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
      spdlog::warn("Node {} refused our control-auth: {}", addr, status.error_message());
    }
  }
}

void Sentinel::Impl::OnNodeState(const std::string& master, const std::string& addr,
                                 const sable::NodeState& st) {
  Master* m = s_->FindMaster(master);
  if (!m) return;
  Instance* ri = FindNode(m, addr);
  if (!ri) return;
  int64_t now = NowMs();
  bool is_master = ri == m;
  ri->last_ping_reply_ms = now;
  ri->last_ok_ping_reply_ms = now;
  ri->last_ping_sent_ms = 0;
  ri->info_refresh_ms = now;
  ri->gone = false;
  ri->flags &= ~kFlagDisconnected;
  nodes_[addr].gone = false;
  if (!st.run_id().empty() && ri->run_id != st.run_id()) {
    if (!ri->run_id.empty()) EventFor("+reboot", *m, *ri);
    ri->run_id = st.run_id();
  }
  if (st.control_port() > 0 && st.control_port() != nodes_[addr].control_port) {
    nodes_[addr].control_port = st.control_port();
    ri->control_port = st.control_port();
  }
  std::string role = st.role() == "master" ? "master" : "slave";
  if (role != ri->role_reported || ri->role_reported_time_ms == 0) {
    bool changed = role != ri->role_reported && ri->role_reported_time_ms != 0;
    ri->role_reported = role;
    ri->role_reported_time_ms = now;
    if (changed) {
      // Redis's +role-change when the new role matches our view, -role-change when it does not.
      bool coherent = (role == "master") == is_master;
      EventFor(coherent ? "+role-change" : "-role-change", *m, *ri,
               "new reported role is " + role);
    }
  }
  ri->repl_offset = st.repl_offset();
  ri->slave_priority = st.replica_priority();
  ri->replica_announced = st.replica_announced();
  if (role == "slave") {
    ri->master_host = st.master_host();
    ri->master_port = st.master_port();
    ri->master_link_up = st.master_link_up();
    ri->master_link_down_ms = st.master_link_down_ms();
  } else {
    ri->master_host.clear();
    ri->master_port = 0;
    ri->master_link_up = false;
    ri->master_link_down_ms = 0;
  }

  // Replicas of the primary, as it reports them.
  if (is_master && role == "master") {
    bool added = false;
    for (const auto& r : st.replicas()) {
      if (r.ip().empty() || r.port() <= 0) continue;
      std::string key = r.ip() + ":" + std::to_string(r.port());
      if (key == m->Addr() || m->replicas.count(key)) continue;
      auto inst = std::make_unique<Instance>();
      inst->name = key;
      inst->ip = r.ip();
      inst->port = r.port();
      inst->flags = kFlagSlave;
      inst->created_ms = now;
      inst->role_reported = "slave";
      Instance* raw = inst.get();
      m->replicas[key] = std::move(inst);
      EventFor("+slave", *m, *raw);
      added = true;
    }
    if (added) SaveConfig();
  }

  if (!is_master) {
    // The replica being promoted now reports master: the failover moves on.
    if (role == "master" && (m->flags & kFlagFailoverInProgress) && m->promoted == addr &&
        m->failover_state == FailoverState::kWaitPromotion) {
      m->config_epoch = m->failover_epoch;
      EventFor("+promoted-slave", *m, *ri);
      SetFailoverState(m, FailoverState::kReconfSlaves);
      EventFor("+failover-state-reconf-slaves", *m, *m);
      SaveConfig();
      // Repoint the other replicas now, and tell the other sentinels (their hellos switch them
      // and their clients to the new primary) once those replicas took the REPLICAOF: a client
      // that follows the switch and writes with WAIT should find them attached, not wait for
      // a tick. ReconfNextReplica's callback announces; announce here when nothing was sent.
      ReconfNextReplica(m, now);
      bool repointing = false;
      for (auto& [k, r] : m->replicas) {
        if ((r->flags & kFlagReconfSent) && r->slave_reconf_sent_ms == now) repointing = true;
      }
      if (!repointing) AnnounceNow(*m);
      return;
    }
    bool master_sane = !(m->flags & (kFlagSDown | kFlagODown)) && !m->gone &&
                       m->role_reported == "master" && m->info_refresh_ms != 0 &&
                       now - m->info_refresh_ms < 3 * kInfoPeriodMs;
    bool settled = now - ri->role_reported_time_ms > kRoleFixWaitMs &&
                   !(m->flags & kFlagFailoverInProgress) && !(ri->flags & kFlagPromoted) &&
                   !st.loading() && !st_->tilt;
    // A node we list as a replica claims to be a primary (an old primary coming back).
    if (role == "master" && master_sane && settled) {
      EventFor("+convert-to-slave", *m, *ri);
      ri->role_reported_time_ms = now;  // rate limit
      SendReplicaOf(m, ri, m->ip, m->port, nullptr);
      return;
    }
    // A replica of the wrong primary.
    if (role == "slave" && master_sane && settled &&
        (ri->master_port != m->port || ri->master_host != m->ip)) {
      EventFor("+fix-slave-config", *m, *ri);
      ri->role_reported_time_ms = now;
      SendReplicaOf(m, ri, m->ip, m->port, nullptr);
      return;
    }
    OnReplicaInfoForFailover(m, ri, now);
  }
}

void Sentinel::Impl::AnnounceNow(const Master& m) {
  for (auto& [id, s] : m.sentinels) peers_[m.name + "/" + id].last_hello_sent_ms = 0;
  for (auto& [a, nr] : nodes_) nr.last_announce_ms = 0;
}

void Sentinel::Impl::SendReplicaOf(Master* m, Instance* ri, const std::string& host, int port,
                                   std::function<void(bool)> done) {
  int cp = nodes_[ri->Addr()].control_port;
  if (cp == 0) {
    if (done) done(false);
    return;
  }
  auto target = rpc_.Target(ri->ip, cp);
  sable::ReplicaOfRequest req;
  req.set_host(host);
  req.set_port(port);
  // Redis Sentinel wraps SLAVEOF in MULTI with CONFIG REWRITE and CLIENT KILL: clients of a
  // reconfigured node must reconnect and ask the sentinels where the primary is now.
  req.set_reconfigure_clients(true);
  std::string mname = m->name, addr = ri->Addr();
  rpc_.Unary<sable::NodeState>(
      2000, st_->config.control_auth,
      [target, req](grpc::ClientContext* ctx, grpc::CompletionQueue* cq) {
        return target->admin->PrepareAsyncReplicaOf(ctx, req, cq);
      },
      [this, mname, addr, done](const grpc::Status& s, sable::NodeState& resp) {
        bool ok = s.ok();
        std::string err = s.error_message();
        Post([this, mname, addr, ok, err, resp, done] {
          if (!ok) spdlog::warn("ReplicaOf on {} failed: {}", addr, err);
          if (ok) OnNodeState(mname, addr, resp);
          if (done) done(ok);
        });
      });
}

void Sentinel::Impl::RefreshReplicasNow(Master* m, int64_t now) {
  // The primary's stream has stopped, so the replicas' offsets are final: read them at once
  // rather than up to a second later, so the failover promotes the replica that really has
  // the most data (a stale pick sends the others into a full sync instead of a PSYNC).
  std::vector<Instance*> reps;
  for (auto& [k, r] : m->replicas) reps.push_back(r.get());
  for (Instance* r : reps) {
    nodes_[r->Addr()].last_state_sent_ms = 0;
    ProbeNode(m, r, now);
  }
}

void Sentinel::Impl::CheckSubjectivelyDown(Master* m, Instance* ri, bool is_master, int64_t now) {
  // As Redis: time since the oldest unanswered probe; a node that answers every probe is never
  // down however long it takes us to send the next one.
  int64_t elapsed = 0;
  if (ri->last_ping_sent_ms) {
    elapsed = now - ri->last_ping_sent_ms;
  } else if (ri->flags & kFlagDisconnected) {
    int64_t since = ri->last_ok_ping_reply_ms ? ri->last_ok_ping_reply_ms
                                              : (ri->created_ms ? ri->created_ms : now);
    elapsed = now - since;
  }
  bool down = elapsed > m->down_after_ms;
  if (!(ri->flags & kFlagSentinel) && ri->gone) down = true;
  if (is_master && ri->role_reported == "slave" && ri->role_reported_time_ms != 0 &&
      now - ri->role_reported_time_ms > m->down_after_ms + 2 * kInfoPeriodMs) {
    down = true;
  }
  if (down) {
    if (!(ri->flags & kFlagSDown)) {
      ri->flags |= kFlagSDown;
      ri->s_down_since_ms = now;
      EventFor("+sdown", *m, *ri);
      if (is_master) RefreshReplicasNow(m, now);
    }
  } else if (ri->flags & kFlagSDown) {
    ri->flags &= ~kFlagSDown;
    ri->s_down_since_ms = 0;
    EventFor("-sdown", *m, *ri);
  }
}

void Sentinel::Impl::SendHellos(Master* m, int64_t now) {
  sable::SentinelHello hello = MyHello(*m);
  std::string mname = m->name;
  // Through the nodes: AnnounceSentinel leaves our hello there and returns the others'.
  std::vector<Instance*> nodes{m};
  for (auto& [k, r] : m->replicas) nodes.push_back(r.get());
  for (Instance* ri : nodes) {
    NodeRuntime& n = nodes_[ri->Addr()];
    if (n.control_port == 0 || n.gone || n.announce_inflight) continue;
    if (now - n.last_announce_ms < kHelloPeriodMs) continue;
    n.announce_inflight = true;
    n.last_announce_ms = now;
    auto target = rpc_.Target(ri->ip, n.control_port);
    std::string addr = ri->Addr();
    rpc_.Unary<sable::SentinelHelloReply>(
        1000, st_->config.control_auth,
        [target, hello](grpc::ClientContext* ctx, grpc::CompletionQueue* cq) {
          return target->admin->PrepareAsyncAnnounceSentinel(ctx, hello, cq);
        },
        [this, addr](const grpc::Status& s, sable::SentinelHelloReply& resp) {
          bool ok = s.ok();
          Post([this, addr, ok, resp] {
            nodes_[addr].announce_inflight = false;
            if (!ok) return;
            for (const auto& h : resp.sentinels()) ProcessHello(h);
          });
        });
  }
  // Directly to every known sentinel: their reply is their own hello.
  for (auto& [id, s] : m->sentinels) {
    PeerRuntime& p = peers_[mname + "/" + id];
    int cp = s->control_port;
    if (cp == 0 && s->port + 20000 <= 65535) cp = s->port + 20000;
    if (cp == 0 || p.hello_inflight || now - p.last_hello_sent_ms < kHelloPeriodMs) continue;
    p.hello_inflight = true;
    p.last_hello_sent_ms = now;
    if (s->last_ping_sent_ms == 0) s->last_ping_sent_ms = now;
    auto target = rpc_.Target(s->ip, cp);
    std::string runid = id;
    rpc_.Unary<sable::SentinelHello>(
        1000, st_->config.control_auth,
        [target, hello](grpc::ClientContext* ctx, grpc::CompletionQueue* cq) {
          return target->peer->PrepareAsyncHello(ctx, hello, cq);
        },
        [this, mname, runid](const grpc::Status& s, sable::SentinelHello& resp) {
          bool ok = s.ok();
          Post([this, mname, runid, ok, resp] {
            peers_[mname + "/" + runid].hello_inflight = false;
            Master* m = s_->FindMaster(mname);
            if (!m) return;
            auto it = m->sentinels.find(runid);
            if (it != m->sentinels.end()) {
              Instance* si = it->second.get();
              int64_t now = NowMs();
              if (ok) {
                si->last_ok_ping_reply_ms = now;
                si->last_ping_reply_ms = now;
                si->last_ping_sent_ms = 0;
                si->flags &= ~kFlagDisconnected;
              } else {
                si->flags |= kFlagDisconnected;
              }
            }
            if (ok) ProcessHello(resp);
          });
        });
  }
}

void Sentinel::Impl::ProcessHello(const sable::SentinelHello& h) {
  if (h.run_id() == st_->myid) return;
  if (!ValidRunId(h.run_id()) || !ValidPeerAddress(h.ip(), h.port()) ||
      !ValidPeerAddress(h.master_ip(), h.master_port()) || h.current_epoch() < 0 ||
      h.master_config_epoch() < 0 || h.control_port() < 0 || h.control_port() > 65535) {
    spdlog::warn("Ignoring a malformed hello from {}:{} (run id '{}')", h.ip().substr(0, 64),
                 h.port(), h.run_id().substr(0, 64));
    return;
  }
  Master* m = s_->FindMaster(h.master_name());
  if (!m) return;
  int64_t now = NowMs();
  bool save = false;
  auto it = m->sentinels.find(h.run_id());
  Instance* si;
  if (it == m->sentinels.end()) {
    // A sentinel restarted without its config comes back with a new id at the same address.
    for (auto jt = m->sentinels.begin(); jt != m->sentinels.end();) {
      if (jt->second->ip == h.ip() && jt->second->port == h.port()) {
        EventFor("-sentinel", *m, *jt->second);
        peers_.erase(m->name + "/" + jt->first);
        jt = m->sentinels.erase(jt);
      } else {
        ++jt;
      }
    }
    auto inst = std::make_unique<Instance>();
    inst->name = h.run_id();
    inst->run_id = h.run_id();
    inst->ip = h.ip();
    inst->port = h.port();
    inst->control_port = h.control_port();
    inst->flags = kFlagSentinel;
    inst->created_ms = now;
    inst->last_ok_ping_reply_ms = now;
    si = inst.get();
    m->sentinels[h.run_id()] = std::move(inst);
    EventFor("+sentinel", *m, *si);
    save = true;
  } else {
    si = it->second.get();
    if (si->ip != h.ip() || si->port != h.port() || si->control_port != h.control_port()) {
      si->ip = h.ip();
      si->port = h.port();
      si->control_port = h.control_port();
      save = true;
    }
  }
  si->last_hello_ms = now;
  uint64_t peer_epoch = static_cast<uint64_t>(h.current_epoch());
  if (peer_epoch > st_->current_epoch) {
    st_->current_epoch = peer_epoch;
    Event("+new-epoch", std::to_string(peer_epoch));
    save = true;
  }
  uint64_t cfg = static_cast<uint64_t>(h.master_config_epoch());
  if (cfg > m->config_epoch) {
    m->config_epoch = cfg;
    save = true;
    if (h.master_ip() != m->ip || h.master_port() != m->port) {
      std::string old_ip = m->ip;
      int old_port = m->port;
      EventFor("+config-update-from", *m, *si);
      Event("+switch-master", m->name + " " + old_ip + " " + std::to_string(old_port) + " " +
                                  h.master_ip() + " " + std::to_string(h.master_port()));
      ResetMasterAndChangeAddress(m, h.master_ip(), h.master_port());
    }
  }
  if (save) SaveConfig();
}

void Sentinel::Impl::GcNodes() {
  std::set<std::string> used;
  for (auto& [name, m] : st_->masters) {
    used.insert(m->Addr());
    for (auto& [k, r] : m->replicas) used.insert(k);
  }
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    if (!used.count(it->first) && !it->second.probe_inflight && !it->second.state_inflight &&
        !it->second.announce_inflight) {
      rpc_.StopWatch(it->first);
      it = nodes_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = peers_.begin(); it != peers_.end();) {
    auto slash = it->first.find('/');
    Master* m = s_->FindMaster(it->first.substr(0, slash));
    bool keep = m && m->sentinels.count(it->first.substr(slash + 1));
    if (!keep && !it->second.hello_inflight && !it->second.ask_inflight) {
      it = peers_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace sable::sentinel

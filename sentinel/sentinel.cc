// The Sentinel API (what the RESP front end calls), start/stop and the 100 ms tick.
#include "sentinel/sentinel.h"

#include <spdlog/spdlog.h>


#include "sentinel/logic.h"
#include "sentinel/peer_service.h"
#include "sentinel/sentinel_impl.h"
#include "server/net/event_loop.h"
#include "server/util/glob.h"

namespace sable::sentinel {

// ---- Impl basics ----

namespace {
constexpr int64_t kTiltTriggerMs = 2000;
constexpr int64_t kTiltPeriodMs = 30000;
}  // namespace

Sentinel::Impl::Impl(Sentinel* s)
    : s_(s),
      loop_(s->loop_),
      st_(s->state_),
      alive_(std::make_shared<bool>(true)),
      rng_(std::random_device{}()) {}

Sentinel::Impl::~Impl() { Stop(); }

int64_t Sentinel::Impl::RandMs(int64_t bound) {
  if (bound <= 0) return 0;
  return static_cast<int64_t>(rng_() % static_cast<uint64_t>(bound));
}

void Sentinel::Impl::Post(std::function<void()> fn) {
  auto alive = alive_;
  loop_->Post([alive, fn = std::move(fn)] {
    if (*alive) fn();
  });
}

int Sentinel::Impl::ControlPort() const {
  const auto& c = st_->config;
  return c.control_port != 0 ? c.control_port : c.port + 20000;
}

std::string Sentinel::Impl::AnnounceIp() const {
  const auto& c = st_->config;
  if (!c.announce_ip.empty()) return c.announce_ip;
  for (const auto& b : c.bind) {
    std::string a = b;
    if (!a.empty() && a[0] == '-') a = a.substr(1);
    if (a.empty() || a == "*" || a == "0.0.0.0" || a == "::" || a == "::*") continue;
    if (a.find(':') != std::string::npos) continue;
    if (a == "127.0.0.1" || a == "localhost") continue;
    return a;
  }
  if (!local_ip_.empty()) return local_ip_;
  return "127.0.0.1";
}

int Sentinel::Impl::AnnouncePort() const {
  const auto& c = st_->config;
  return c.announce_port != 0 ? c.announce_port : c.port;
}

sable::SentinelHello Sentinel::Impl::MyHello(const Master& m) const {
  sable::SentinelHello h;
  h.set_ip(AnnounceIp());
  h.set_port(AnnouncePort());
  h.set_control_port(ControlPort());
  h.set_run_id(st_->myid);
  h.set_current_epoch(static_cast<int64_t>(st_->current_epoch));
  h.set_master_name(m.name);
  auto [ip, port] = s_->CurrentMasterAddr(m);
  h.set_master_ip(ip);
  h.set_master_port(port);
  h.set_master_config_epoch(static_cast<int64_t>(m.config_epoch));
  return h;
}

std::string Sentinel::Impl::InstanceText(const Master& m, const Instance& ri) const {
  if (&ri == &m) return "master " + m.name + " " + m.ip + " " + std::to_string(m.port);
  const char* type = (ri.flags & kFlagSentinel) ? "sentinel" : "slave";
  return std::string(type) + " " + ri.name + " " + ri.ip + " " + std::to_string(ri.port) + " @ " +
         m.name + " " + m.ip + " " + std::to_string(m.port);
}

void Sentinel::Impl::Event(const std::string& type, const std::string& payload) {
  // Redis logs discovery and replica reconfiguration at notice level, the rest as warnings.
  bool notice = type == "+slave" || type == "+sentinel" || type.rfind("+slave-reconf", 0) == 0 ||
                type == "+reboot";
  if (notice) {
    spdlog::info("{} {}", type, payload);
  } else {
    spdlog::warn("{} {}", type, payload);
  }
  if (s_->events_) s_->events_(type, payload);
}

void Sentinel::Impl::EventFor(const std::string& type, const Master& m, const Instance& ri,
                              const std::string& extra) {
  std::string text = InstanceText(m, ri);
  if (!extra.empty()) text += " " + extra;
  Event(type, text);
}

void Sentinel::Impl::SaveConfig() {
  if (s_->save_config_) s_->save_config_();
}

Instance* Sentinel::Impl::FindNode(Master* m, const std::string& addr) {
  if (m->Addr() == addr) return m;
  auto it = m->replicas.find(addr);
  return it == m->replicas.end() ? nullptr : it->second.get();
}

Master* Sentinel::Impl::FindMasterByAddr(const std::string& ip, int port) {
  for (auto& [name, m] : st_->masters) {
    if (m->ip == ip && m->port == port) return m.get();
  }
  return nullptr;
}

std::string Sentinel::Impl::Start() {
  int64_t now = NowMs();
  if (st_->start_ms == 0) st_->start_ms = now;
  for (auto& [name, m] : st_->masters) {
    if (m->created_ms == 0) m->created_ms = now;
    m->flags |= kFlagMaster;
    for (auto& [k, r] : m->replicas) {
      if (r->created_ms == 0) r->created_ms = now;
      r->flags |= kFlagSlave;
      if (r->role_reported_time_ms == 0) r->role_reported = "slave";
    }
    for (auto& [k, s] : m->sentinels) {
      if (s->created_ms == 0) s->created_ms = now;
      s->flags |= kFlagSentinel;
      if (s->last_ok_ping_reply_ms == 0) s->last_ok_ping_reply_ms = now;
    }
  }
  std::string err = StartPeerServer(this);
  if (!err.empty()) return err;
  rpc_.Start();
  running_ = true;
  tick_timer_ = loop_->AddTimer(100, 100, [this] { Tick(); });
  for (auto& [name, m] : st_->masters) {
    Event("+monitor", InstanceText(*m, *m) + " quorum " + std::to_string(m->quorum));
  }
  return "";
}

void Sentinel::Impl::Stop() {
  if (!running_) {
    StopPeerServer(this);
    return;
  }
  running_ = false;
  *alive_ = false;
  if (tick_timer_) loop_->CancelTimer(tick_timer_);
  tick_timer_ = 0;
  StopPeerServer(this);
  rpc_.Stop();
}

void Sentinel::Impl::Tick() {
  if (!running_) return;
  int64_t now = NowMs();
  // TILT, as Redis: when the timer fired far too late (the process was stopped, the machine
  // stalled), what we measured is not to be trusted; keep probing but act on nothing for 30 s.
  if (last_tick_ms_ != 0 && now - last_tick_ms_ > kTiltTriggerMs) {
    if (!st_->tilt) Event("+tilt", "#tilt mode entered");
    st_->tilt = true;
    st_->tilt_since_ms = now;
  }
  last_tick_ms_ = now;
  if (st_->tilt && now - st_->tilt_since_ms > kTiltPeriodMs) {
    st_->tilt = false;
    Event("-tilt", "#tilt mode exited");
  }
  for (auto& [name, mp] : st_->masters) {
    Master* m = mp.get();
    MonitorMaster(m, now);
    if (st_->tilt) continue;
    AskOtherSentinels(m, now, false);
    CheckObjectivelyDown(m, now);
    StartFailoverIfNeeded(m, now);
    HandleFailover(m, now);
  }
  if (now - last_gc_ms_ > 1000) {
    last_gc_ms_ = now;
    GcNodes();
    rpc_.ReapWatchers();
  }
}

// ---- public API ----

Sentinel::Sentinel(net::EventLoop* loop, SentinelState* state)
    : loop_(loop), state_(state), impl_(std::make_unique<Impl>(this)) {}

Sentinel::~Sentinel() { impl_->Stop(); }

std::string Sentinel::Start() { return impl_->Start(); }

void Sentinel::Stop() { impl_->Stop(); }

Master* Sentinel::FindMaster(const std::string& name) {
  auto it = state_->masters.find(name);
  return it == state_->masters.end() ? nullptr : it->second.get();
}

std::pair<std::string, int> Sentinel::CurrentMasterAddr(const Master& m) const {
  if ((m.flags & kFlagFailoverInProgress) && !m.promoted.empty() &&
      static_cast<int>(m.failover_state) >= static_cast<int>(FailoverState::kReconfSlaves)) {
    auto it = m.replicas.find(m.promoted);
    if (it != m.replicas.end()) return {it->second->ip, it->second->port};
  }
  return {m.ip, m.port};
}

std::string Sentinel::Monitor(const std::string& name, const std::string& ip, int port,
                              int quorum) {
  if (quorum <= 0) return "ERR Quorum must be 1 or greater.";
  if (port < 0 || port > 65535) return "ERR Invalid port";
  if (!ValidAddress(ip, state_->config.resolve_hostnames)) {
    return "ERR Invalid IP address or hostname specified";
  }
  if (state_->masters.count(name)) return "ERR Duplicated master name";
  auto m = std::make_unique<Master>();
  m->name = name;
  m->ip = ip;
  m->port = port;
  m->quorum = quorum;
  m->flags = kFlagMaster;
  m->created_ms = NowMs();
  Master* raw = m.get();
  state_->masters[name] = std::move(m);
  impl_->SaveConfig();
  impl_->Event("+monitor", impl_->InstanceText(*raw, *raw) + " quorum " + std::to_string(quorum));
  return "";
}

std::string Sentinel::Remove(const std::string& name) {
  Master* m = FindMaster(name);
  if (!m) return "ERR No such master with that name";
  impl_->EventFor("-monitor", *m, *m);
  state_->masters.erase(name);
  impl_->mrt_.erase(name);
  impl_->SaveConfig();
  return "";
}

int Sentinel::Reset(std::string_view pattern) {
  int n = 0;
  for (auto& [name, m] : state_->masters) {
    if (!GlobMatch(pattern, name)) continue;
    impl_->ResetMaster(m.get(), false);
    impl_->EventFor("+reset-master", *m, *m);
    ++n;
  }
  if (n) impl_->SaveConfig();
  return n;
}

std::string Sentinel::Set(const std::string& name, const std::vector<std::string>& ov) {
  Master* m = FindMaster(name);
  if (!m) return "ERR No such master with that name";
  int changes = 0;
  std::string err;
  auto parse_ll = [](const std::string& s, long long* out) {
    if (s.empty()) return false;
    char* end = nullptr;
    errno = 0;
    long long v = strtoll(s.c_str(), &end, 10);
    if (errno || *end) return false;
    *out = v;
    return true;
  };
  for (size_t j = 0; j < ov.size(); j += 2) {
    std::string opt = ov[j];
    for (auto& ch : opt) ch = static_cast<char>(tolower(static_cast<unsigned char>(ch)));
    bool has_value = j + 1 < ov.size();
    const std::string value = has_value ? ov[j + 1] : "";
    long long ll = 0;
    std::string shown = value;
    if (!has_value) {
      err = "ERR Unknown option or number of arguments for SENTINEL SET '" + ov[j] + "'";
      break;
    }
    if (opt == "down-after-milliseconds") {
      if (!parse_ll(value, &ll) || ll <= 0) goto badarg;
      m->down_after_ms = ll;
    } else if (opt == "failover-timeout") {
      if (!parse_ll(value, &ll) || ll <= 0) goto badarg;
      m->failover_timeout_ms = ll;
    } else if (opt == "parallel-syncs") {
      if (!parse_ll(value, &ll) || ll <= 0) goto badarg;
      m->parallel_syncs = static_cast<int>(ll);
    } else if (opt == "quorum") {
      if (!parse_ll(value, &ll) || ll <= 0) goto badarg;
      m->quorum = static_cast<int>(ll);
    } else if (opt == "auth-pass") {
      m->auth_pass = value;
      shown = "******";
    } else if (opt == "auth-user") {
      m->auth_user = value;
    } else if (opt == "master-reboot-down-after-period") {
      if (!parse_ll(value, &ll) || ll < 0) goto badarg;
      m->extra_options[opt] = value;
    } else if (opt == "notification-script" || opt == "client-reconfig-script") {
      err =
          "ERR Reconfiguration of scripts path is denied for security reasons. Check the "
          "deny-scripts-reconfig configuration directive in your Sentinel configuration";
      break;
    } else if (opt == "rename-command") {
      if (j + 2 >= ov.size()) {
        err = "ERR Unknown option or number of arguments for SENTINEL SET '" + ov[j] + "'";
        break;
      }
      m->extra_options["rename-command " + value] = ov[j + 2];
      impl_->EventFor("+set", *m, *m, opt + " " + value + " " + ov[j + 2]);
      ++changes;
      ++j;
      continue;
    } else {
      err = "ERR Unknown option or number of arguments for SENTINEL SET '" + ov[j] + "'";
      break;
    }
    ++changes;
    impl_->EventFor("+set", *m, *m, opt + " " + shown);
    continue;
  badarg:
    err = "ERR Invalid argument '" + value + "' for SENTINEL SET '" + ov[j] + "'";
    break;
  }
  if (changes) impl_->SaveConfig();
  return err;
}

std::string Sentinel::ForceFailover(const std::string& name) {
  Master* m = FindMaster(name);
  if (!m) return "ERR No such master with that name";
  if (m->flags & kFlagFailoverInProgress) return "INPROG Failover already in progress";
  if (!SelectReplica(*m, NowMs())) return "NOGOODSLAVE No suitable replica to promote";
  spdlog::warn("Executing user requested FAILOVER of '{}'", name);
  impl_->StartFailover(m, true, NowMs());
  return "";
}

std::string Sentinel::CkQuorum(const std::string& name, std::string* ok_text) {
  Master* m = FindMaster(name);
  if (!m) return "ERR No such master with that name";
  int usable = 1;
  int voters = static_cast<int>(m->sentinels.size()) + 1;
  for (auto& [id, s] : m->sentinels) {
    if (s->flags & (kFlagSDown | kFlagODown)) continue;
    ++usable;
  }
  bool noquorum = usable < m->quorum;
  bool noauth = usable < voters / 2 + 1;
  if (!noquorum && !noauth) {
    if (ok_text) {
      *ok_text = "OK " + std::to_string(usable) +
                 " usable Sentinels. Quorum and failover authorization can be reached";
    }
    return "";
  }
  std::string e = "NOQUORUM " + std::to_string(usable) + " usable Sentinels. ";
  if (noquorum) e += "Not enough available Sentinels to reach the specified quorum for this master";
  if (noauth) {
    if (noquorum) e += ". ";
    e += "Not enough available Sentinels to reach the majority and authorize a failover";
  }
  return e;
}

IsMasterDownResult Sentinel::IsMasterDownByAddr(const std::string& ip, int port, uint64_t epoch,
                                                const std::string& run_id) {
  IsMasterDownResult res;
  Master* m = impl_->FindMasterByAddr(ip, port);
  if (m && !state_->tilt && (m->flags & kFlagSDown)) res.down = true;
  // An empty or malformed run id asks for no vote: voting for it would spend our vote for the
  // epoch on nobody.
  if (m && run_id != "*" && ValidRunId(run_id)) {
    uint64_t leader_epoch = 0;
    std::string leader = impl_->VoteLeader(m, epoch, run_id, &leader_epoch);
    res.leader = leader.empty() ? "*" : leader;
    res.leader_epoch = leader_epoch;
  }
  return res;
}

void Sentinel::FlushConfig() { impl_->SaveConfig(); }

}  // namespace sable::sentinel

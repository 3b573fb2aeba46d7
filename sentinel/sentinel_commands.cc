// SENTINEL <subcommand>: the replies Sentinel-aware clients parse (field names and order as
// Redis 7.0's addReplySentinelRedisInstance), the admin subcommands and SENTINEL CONFIG.
#include <set>

#include <spdlog/spdlog.h>

#include "sentinel/frontend.h"
#include "sentinel/common.h"
#include "server/resp/errors.h"
#include "server/util/clock.h"
#include "server/util/glob.h"
#include "server/util/numbers.h"
#include "server/util/strings.h"

namespace sable::sentinel {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

// "ms ago" for a timestamp; Redis stamps creation time where we keep 0 for "never".
std::string Ago(int64_t now, int64_t t, int64_t fallback) {
  int64_t base = t != 0 ? t : (fallback != 0 ? fallback : now);
  return std::to_string(now - base);
}

void CommonFields(Fields& f, const Instance& ri, int64_t down_after, int64_t now,
                  const Master* as_master) {
  f.emplace_back("name", ri.name);
  f.emplace_back("ip", ri.ip);
  f.emplace_back("port", std::to_string(ri.port));
  f.emplace_back("runid", ri.run_id);
  f.emplace_back("flags", FlagsString(ri.flags));
  f.emplace_back("link-pending-commands", ri.last_ping_sent_ms != 0 ? "1" : "0");
  f.emplace_back("link-refcount", "1");
  if (as_master != nullptr && (ri.flags & kFlagFailoverInProgress)) {
    f.emplace_back("failover-state", FailoverStateName(as_master->failover_state));
  }
  f.emplace_back("last-ping-sent",
                 ri.last_ping_sent_ms != 0 ? std::to_string(now - ri.last_ping_sent_ms) : "0");
  f.emplace_back("last-ok-ping-reply", Ago(now, ri.last_ok_ping_reply_ms, ri.created_ms));
  f.emplace_back("last-ping-reply", Ago(now, ri.last_ping_reply_ms, ri.created_ms));
  if (ri.flags & kFlagSDown) f.emplace_back("s-down-time", Ago(now, ri.s_down_since_ms, 0));
  if (ri.flags & kFlagODown) f.emplace_back("o-down-time", Ago(now, ri.o_down_since_ms, 0));
  f.emplace_back("down-after-milliseconds", std::to_string(down_after));
}

void RoleFields(Fields& f, const Instance& ri, int64_t now) {
  f.emplace_back("info-refresh",
                 ri.info_refresh_ms != 0 ? std::to_string(now - ri.info_refresh_ms) : "0");
  f.emplace_back("role-reported", ri.role_reported);
  f.emplace_back("role-reported-time", Ago(now, ri.role_reported_time_ms, ri.created_ms));
}

void SendFields(ReplyBuilder& rb, const Fields& f) {
  rb.StartMap(f.size());
  for (const auto& [k, v] : f) {
    rb.SendBulk(k);
    rb.SendBulk(v);
  }
}

void WrongArity(ReplyBuilder& rb, std::string_view sub) {
  rb.SendError("ERR wrong number of arguments for 'sentinel|" + ToLower(sub) + "' command");
}

const char* kHelpLines[] = {
    "SENTINEL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CKQUORUM <master-name>",
    "    Check if the current Sentinel configuration is able to reach the quorum",
    "    needed to failover a master and the majority needed to authorize the",
    "    failover.",
    "CONFIG SET <param> <value>",
    "    Set a global Sentinel configuration parameter.",
    "CONFIG GET <param>",
    "    Get global Sentinel configuration parameter.",
    "GET-MASTER-ADDR-BY-NAME <master-name>",
    "    Return the ip and port number of the master with that name.",
    "FAILOVER <master-name>",
    "    Manually failover a master node without asking for agreement from other",
    "    Sentinels",
    "FLUSHCONFIG",
    "    Force Sentinel to rewrite its configuration on disk, including the current",
    "    Sentinel state.",
    "INFO-CACHE <master-name>",
    "    Return last cached INFO output from masters and all its replicas.",
    "IS-MASTER-DOWN-BY-ADDR <ip> <port> <current-epoch> <runid>",
    "    Check if the master specified by ip:port is down from current Sentinel's",
    "    point of view.",
    "MASTER <master-name>",
    "    Show the state and info of the specified master.",
    "MASTERS",
    "    Show a list of monitored masters and their state.",
    "MONITOR <name> <ip> <port> <quorum>",
    "    Start monitoring a new master with the specified name, ip, port and quorum.",
    "MYID",
    "    Return the ID of the Sentinel instance.",
    "PENDING-SCRIPTS",
    "    Get pending scripts information.",
    "REMOVE <master-name>",
    "    Remove master from Sentinel's monitor list.",
    "REPLICAS <master-name>",
    "    Show a list of replicas for this master and their state.",
    "RESET <pattern>",
    "    Reset masters for specific master name matching this pattern.",
    "SENTINELS <master-name>",
    "    Show a list of Sentinel instances for this master and their state.",
    "SET <master-name> <option> <value> [<option> <value> ...]",
    "    Set configuration parameters for certain masters.",
    "SIMULATE-FAILURE [CRASH-AFTER-ELECTION] [CRASH-AFTER-PROMOTION] [HELP]",
    "    Simulate a Sentinel crash.",
    "HELP",
    "    Prints this help."};

// SENTINEL CONFIG GET/SET parameters, in Redis 7.0's order. `loglevel` (a 7.2 addition) is
// answered only when asked for by name, so a pattern lists exactly what 7.0 lists.
const char* kConfigParams[] = {"resolve-hostnames", "announce-hostnames", "announce-ip",
                               "announce-port",     "sentinel-user",      "sentinel-pass"};

std::string ConfigValue(const SentinelConfig& c, std::string_view p) {
  if (p == "resolve-hostnames") return c.resolve_hostnames ? "yes" : "no";
  if (p == "announce-hostnames") return c.announce_hostnames ? "yes" : "no";
  if (p == "announce-ip") return c.announce_ip;
  if (p == "announce-port") return std::to_string(c.announce_port);
  if (p == "sentinel-user") return c.sentinel_user;
  if (p == "sentinel-pass") return c.sentinel_pass;
  return c.loglevel;
}

void CmdConfig(Frontend& fe, SentinelClient* cl, std::vector<std::string_view>& args) {
  ReplyBuilder& rb = cl->rb;
  std::string sub = ToLower(args[2]);
  SentinelConfig& c = fe.state().config;
  if (sub == "get" && args.size() == 4) {
    std::string pat = ToLower(args[3]);
    std::vector<const char*> hits;
    for (const char* p : kConfigParams) {
      if (GlobMatch(pat, p)) hits.push_back(p);
    }
    if (pat == "loglevel") hits.push_back("loglevel");
    rb.StartMap(hits.size());
    for (const char* p : hits) {
      rb.SendBulk(p);
      rb.SendBulk(ConfigValue(c, p));
    }
    return;
  }
  if (sub == "set" && args.size() == 5) {
    std::string p = ToLower(args[3]);
    std::string v(args[4]);
    auto bad_value = [&] {
      rb.SendError("ERR Invalid value '" + v + "' to SENTINEL CONFIG SET '" + p + "'");
    };
    if (p == "resolve-hostnames" || p == "announce-hostnames") {
      bool on = EqualsNoCase(v, "yes");
      if (!on && !EqualsNoCase(v, "no")) return bad_value();
      (p == "resolve-hostnames" ? c.resolve_hostnames : c.announce_hostnames) = on;
    } else if (p == "announce-ip") {
      c.announce_ip = v;
    } else if (p == "announce-port") {
      int64_t n;
      if (!ParseInt64(v, &n) || n < 0 || n > 65535) return bad_value();
      c.announce_port = static_cast<int>(n);
    } else if (p == "sentinel-user") {
      c.sentinel_user = v;
    } else if (p == "sentinel-pass") {
      c.sentinel_pass = v;
    } else if (p == "loglevel") {
      std::string lv = ToLower(v);
      if (lv != "debug" && lv != "verbose" && lv != "notice" && lv != "warning" &&
          lv != "nothing") {
        return bad_value();
      }
      c.loglevel = lv;
      fe.ApplyLogLevel(lv);
    } else {
      rb.SendError("ERR Invalid argument '" + std::string(args[3]) +
                   "' to SENTINEL CONFIG SET");
      return;
    }
    fe.core().FlushConfig();
    rb.SendOk();
    return;
  }
  rb.SendError("ERR Only SENTINEL CONFIG GET <option> / SET <option> <value> are supported.");
}

// Redis's SENTINEL SET checks, before the core applies the values.
bool CheckSet(Frontend& fe, ReplyBuilder& rb, std::vector<std::string_view>& args) {
  static const std::set<std::string> kNumeric = {"down-after-milliseconds", "failover-timeout",
                                                 "parallel-syncs", "quorum",
                                                 "master-reboot-down-after-period"};
  static const std::set<std::string> kString = {"auth-pass", "auth-user", "notification-script",
                                                "client-reconfig-script"};
  for (size_t i = 3; i < args.size(); ++i) {
    std::string opt = ToLower(args[i]);
    if (opt == "rename-command" && i + 2 < args.size()) {
      i += 2;
      continue;
    }
    if (i + 1 >= args.size() || (!kNumeric.count(opt) && !kString.count(opt))) {
      rb.SendError("ERR Unknown option or number of arguments for SENTINEL SET '" +
                   std::string(args[i]) + "'");
      return false;
    }
    std::string val(args[i + 1]);
    if (kNumeric.count(opt)) {
      int64_t n;
      bool ok = ParseInt64(val, &n) && (opt == "master-reboot-down-after-period" ? n >= 0 : n > 0);
      if (!ok) {
        rb.SendError("ERR Invalid argument '" + val + "' for SENTINEL SET '" + opt + "'");
        return false;
      }
    }
    if ((opt == "notification-script" || opt == "client-reconfig-script") &&
        fe.state().config.deny_scripts_reconfig) {
      rb.SendError(
          "ERR Reconfiguration of scripts path is denied for security reasons. Check the "
          "deny-scripts-reconfig configuration directive in your Sentinel configuration");
      return false;
    }
    ++i;
  }
  return true;
}

// The admin calls of the core answer "" for success or Redis's error text.
void OkOrError(ReplyBuilder& rb, const std::string& err) {
  if (err.empty()) {
    rb.SendOk();
  } else {
    rb.SendError(err);
  }
}

}  // namespace

Fields MasterFields(const Master& m, int64_t now) {
  Fields f;
  CommonFields(f, m, m.down_after_ms, now, &m);
  RoleFields(f, m, now);
  f.emplace_back("config-epoch", std::to_string(m.config_epoch));
  f.emplace_back("num-slaves", std::to_string(m.replicas.size()));
  f.emplace_back("num-other-sentinels", std::to_string(m.sentinels.size()));
  f.emplace_back("quorum", std::to_string(m.quorum));
  f.emplace_back("failover-timeout", std::to_string(m.failover_timeout_ms));
  f.emplace_back("parallel-syncs", std::to_string(m.parallel_syncs));
  for (const char* script : {"notification-script", "client-reconfig-script"}) {
    auto it = m.extra_options.find(script);
    if (it != m.extra_options.end()) f.emplace_back(script, it->second);
  }
  return f;
}

Fields ReplicaFields(const Instance& r, const Master& m, int64_t now) {
  Fields f;
  CommonFields(f, r, m.down_after_ms, now, nullptr);
  RoleFields(f, r, now);
  f.emplace_back("master-link-down-time", std::to_string(r.master_link_down_ms));
  f.emplace_back("master-link-status", r.master_link_up ? "ok" : "err");
  f.emplace_back("master-host", r.master_host.empty() ? "?" : r.master_host);
  f.emplace_back("master-port", std::to_string(r.master_port));
  f.emplace_back("slave-priority", std::to_string(r.slave_priority));
  f.emplace_back("slave-repl-offset", std::to_string(r.repl_offset));
  f.emplace_back("replica-announced", r.replica_announced ? "1" : "0");
  return f;
}

Fields SentinelFields(const Instance& s, const Master& m, int64_t now) {
  Fields f;
  CommonFields(f, s, m.down_after_ms, now, nullptr);
  f.emplace_back("last-hello-message", Ago(now, s.last_hello_ms, s.created_ms));
  f.emplace_back("voted-leader", s.leader.empty() ? "?" : s.leader);
  f.emplace_back("voted-leader-epoch", std::to_string(s.leader_epoch));
  return f;
}

void CmdSentinel(Frontend& fe, SentinelClient* cl, std::vector<std::string_view>& args) {
  ReplyBuilder& rb = cl->rb;
  Sentinel& core = fe.core();
  SentinelState& st = fe.state();
  std::string sub = ToLower(args[1]);
  size_t argc = args.size();
  int64_t now = NowMs();
  auto need = [&](bool ok) {
    if (!ok) WrongArity(rb, sub);
    return ok;
  };
  auto find = [&](size_t i) -> Master* {
    Master* m = core.FindMaster(std::string(args[i]));
    if (m == nullptr) rb.SendError("ERR No such master with that name");
    return m;
  };
  if (sub == "masters") {
    if (!need(argc == 2)) return;
    rb.StartArray(st.masters.size());
    for (const auto& [name, m] : st.masters) SendFields(rb, MasterFields(*m, now));
  } else if (sub == "master") {
    if (!need(argc == 3)) return;
    if (Master* m = find(2)) SendFields(rb, MasterFields(*m, now));
  } else if (sub == "replicas" || sub == "slaves") {
    if (!need(argc == 3)) return;
    Master* m = find(2);
    if (m == nullptr) return;
    rb.StartArray(m->replicas.size());
    for (const auto& [k, r] : m->replicas) SendFields(rb, ReplicaFields(*r, *m, now));
  } else if (sub == "sentinels") {
    if (!need(argc == 3)) return;
    Master* m = find(2);
    if (m == nullptr) return;
    rb.StartArray(m->sentinels.size());
    for (const auto& [k, s] : m->sentinels) SendFields(rb, SentinelFields(*s, *m, now));
  } else if (sub == "get-master-addr-by-name") {
    if (!need(argc == 3)) return;
    Master* m = core.FindMaster(std::string(args[2]));
    if (m == nullptr) {
      rb.SendNullArray();
      return;
    }
    auto [ip, port] = core.CurrentMasterAddr(*m);
    rb.StartArray(2);
    rb.SendBulk(ip);
    rb.SendBulk(std::to_string(port));
  } else if (sub == "is-master-down-by-addr") {
    if (!need(argc == 6)) return;
    int64_t port, epoch;
    // A negative epoch would become a huge unsigned one and wrap our epoch counter.
    if (!ParseInt64(args[3], &port) || !ParseInt64(args[4], &epoch) || epoch < 0) {
      rb.SendError(errors::kNotInteger);
      return;
    }
    IsMasterDownResult r = core.IsMasterDownByAddr(
        std::string(args[2]), static_cast<int>(port), static_cast<uint64_t>(epoch),
        std::string(args[5]));
    rb.StartArray(3);
    rb.SendLong(r.down ? 1 : 0);
    rb.SendBulk(r.leader.empty() ? "*" : r.leader);
    rb.SendLong(static_cast<int64_t>(r.leader_epoch));
  } else if (sub == "reset") {
    if (!need(argc == 3)) return;
    rb.SendLong(core.Reset(args[2]));
  } else if (sub == "failover") {
    if (!need(argc == 3)) return;
    if (find(2) == nullptr) return;
    OkOrError(rb, core.ForceFailover(std::string(args[2])));
  } else if (sub == "ckquorum") {
    if (!need(argc == 3)) return;
    if (find(2) == nullptr) return;
    std::string ok;
    std::string err = core.CkQuorum(std::string(args[2]), &ok);
    if (err.empty()) {
      rb.SendSimple(ok.empty() ? "OK" : ok);
    } else {
      rb.SendError(err);
    }
  } else if (sub == "flushconfig") {
    if (!need(argc == 2)) return;
    core.FlushConfig();
    rb.SendOk();
  } else if (sub == "monitor") {
    if (!need(argc == 6)) return;
    int64_t quorum, port;
    if (!ParseInt64(args[5], &quorum)) {
      rb.SendError("ERR Invalid quorum");
      return;
    }
    if (!ParseInt64(args[4], &port)) {
      rb.SendError("ERR Invalid port");
      return;
    }
    if (quorum <= 0) {
      rb.SendError("ERR Quorum must be 1 or greater.");
      return;
    }
    std::string ip(args[3]);
    if (!ValidAddress(ip, st.config.resolve_hostnames)) {
      rb.SendError("ERR Invalid IP address or hostname specified");
      return;
    }
    if (port < 0 || port > 65535) {
      rb.SendError("ERR Invalid port number.");
      return;
    }
    if (core.FindMaster(std::string(args[2])) != nullptr) {
      rb.SendError("ERR Duplicate master name.");
      return;
    }
    OkOrError(rb, core.Monitor(std::string(args[2]), ip, static_cast<int>(port),
                               static_cast<int>(quorum)));
  } else if (sub == "remove") {
    if (!need(argc == 3)) return;
    if (find(2) == nullptr) return;
    OkOrError(rb, core.Remove(std::string(args[2])));
  } else if (sub == "set") {
    if (!need(argc >= 5)) return;
    if (find(2) == nullptr) return;
    if (!CheckSet(fe, rb, args)) return;
    std::vector<std::string> ov;
    for (size_t i = 3; i < argc; ++i) ov.emplace_back(args[i]);
    OkOrError(rb, core.Set(std::string(args[2]), ov));
  } else if (sub == "myid") {
    if (!need(argc == 2)) return;
    rb.SendBulk(st.myid);
  } else if (sub == "config") {
    if (!need(argc >= 3)) return;
    CmdConfig(fe, cl, args);
  } else if (sub == "info-cache") {
    if (!need(argc >= 3)) return;
    std::vector<const Master*> ms;
    for (size_t i = 2; i < argc; ++i) {
      auto it = st.masters.find(std::string(args[i]));
      if (it != st.masters.end()) ms.push_back(it->second.get());
    }
    // Sable reads node state over gRPC and caches no INFO text: each node answers [0, nil].
    rb.StartArray(ms.size() * 2);
    for (const Master* m : ms) {
      rb.SendBulk(m->name);
      rb.StartArray(1 + m->replicas.size());
      for (size_t i = 0; i < 1 + m->replicas.size(); ++i) {
        rb.StartArray(2);
        rb.SendLong(0);
        rb.SendNull();
      }
    }
  } else if (sub == "pending-scripts") {
    if (!need(argc == 2)) return;
    rb.StartArray(0);
  } else if (sub == "simulate-failure") {
    if (!need(argc >= 3)) return;
    for (size_t i = 2; i < argc; ++i) {
      std::string f = ToLower(args[i]);
      if (f == "help") {
        rb.StartArray(2);
        rb.SendBulk("crash-after-election");
        rb.SendBulk("crash-after-promotion");
        return;
      }
      if (f != "crash-after-election" && f != "crash-after-promotion") {
        rb.SendError("ERR Unknown failure simulation specified");
        return;
      }
    }
    // Accepted but not simulated: Sable has no failure injection here yet.
    rb.SendOk();
  } else if (sub == "help") {
    if (!need(argc == 2)) return;
    rb.SendSimpleLines(kHelpLines);
  } else {
    rb.SendError("ERR unknown subcommand '" + Sanitize(args[1], 128) + "'. Try SENTINEL HELP.");
  }
}

}  // namespace sable::sentinel

// The directive table and the loading / CONFIG GET / SET / REWRITE logic it drives.
#include "server/config/config.h"

#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <sstream>

#include "server/config/keyspace_events.h"
#include "server/util/glob.h"
#include "server/util/numbers.h"
#include "server/util/split_args.h"
#include "server/util/strings.h"

namespace sable {
namespace {

using Args = std::vector<std::string>;
// Parses args into the config; returns an error text (without the "ERR ..." framing).
using Setter = std::function<std::optional<std::string>(ServerConfig&, const Args&)>;
// Formats the current value for CONFIG GET.
using Getter = std::function<std::string(const ServerConfig&)>;
// Formats the value as config file lines (without the name) for CONFIG REWRITE.
using Rewriter = std::function<std::vector<std::string>(const ServerConfig&)>;

constexpr int kImmutable = 1 << 0;  // CONFIG SET refuses it.
constexpr int kProtected = 1 << 1;  // CONFIG SET needs enable-protected-configs.
constexpr int kSensitive = 1 << 2;  // Value is a secret (redacted in logs).
constexpr int kMultiArg = 1 << 3;   // Takes several arguments; CONFIG SET splits its value.
constexpr int kNoGet = 1 << 4;      // Not reported by CONFIG GET / REWRITE (e.g. include).

struct Directive {
  std::string name;
  std::string alias;
  int flags = 0;
  Setter set;
  Getter get;
  Rewriter rewrite;  // Empty: one line holding get() (quoted when needed).
};

std::string RangeError(long long lo, long long hi) {
  return "argument must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
         " inclusive";
}

std::string RangeErrorU(unsigned long long lo, unsigned long long hi) {
  return "argument must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
         " inclusive";
}

// Redis's memtoull/memtoll: an integer with an optional unit b, k, kb, m, mb, g, gb.
bool ParseMemory(std::string_view s, int64_t* out, bool allow_negative) {
  bool neg = false;
  if (!s.empty() && s[0] == '-') {
    if (!allow_negative) return false;
    neg = true;
    s.remove_prefix(1);
  }
  size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  if (digits == 0) return false;
  std::string unit = ToLower(s.substr(digits));
  uint64_t mul = 1;
  if (unit.empty() || unit == "b") {
    mul = 1;
  } else if (unit == "k") {
    mul = 1000;
  } else if (unit == "kb") {
    mul = 1024;
  } else if (unit == "m") {
    mul = 1000 * 1000;
  } else if (unit == "mb") {
    mul = 1024 * 1024;
  } else if (unit == "g") {
    mul = 1000ull * 1000 * 1000;
  } else if (unit == "gb") {
    mul = 1024ull * 1024 * 1024;
  } else {
    return false;
  }
  uint64_t v = 0;
  if (!ParseUint64(s.substr(0, digits), &v)) return false;
  if (v > static_cast<uint64_t>(INT64_MAX) / mul) return false;
  int64_t r = static_cast<int64_t>(v * mul);
  *out = neg ? -r : r;
  return true;
}

bool ParseMemoryU(std::string_view s, uint64_t* out) {
  int64_t v = 0;
  if (!ParseMemory(s, &v, false)) {
    // Values above INT64_MAX are only reachable without a unit.
    return ParseUint64(s, out);
  }
  *out = static_cast<uint64_t>(v);
  return true;
}

// Human form used by CONFIG REWRITE for memory values ("5mb").
std::string FormatMemory(long long bytes) {
  constexpr long long kGb = 1024LL * 1024 * 1024;
  if (bytes != 0 && bytes % kGb == 0) return std::to_string(bytes / kGb) + "gb";
  if (bytes != 0 && bytes % (1024 * 1024) == 0) return std::to_string(bytes / (1024 * 1024)) + "mb";
  if (bytes != 0 && bytes % 1024 == 0) return std::to_string(bytes / 1024) + "kb";
  return std::to_string(bytes);
}

std::string JoinSpace(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += ' ';
    out += p;
  }
  return out;
}

// ------------------------------------------------------------------ typed directive builders

Directive Bool(std::string name, bool ServerConfig::*field, int flags = 0) {
  Directive d;
  d.name = std::move(name);
  d.flags = flags;
  d.set = [field](ServerConfig& c, const Args& a) -> std::optional<std::string> {
    if (EqualsNoCase(a[0], "yes")) {
      c.*field = true;
    } else if (EqualsNoCase(a[0], "no")) {
      c.*field = false;
    } else {
      return "argument must be 'yes' or 'no'";
    }
    return std::nullopt;
  };
  d.get = [field](const ServerConfig& c) -> std::string { return c.*field ? "yes" : "no"; };
  return d;
}

template <typename T>
Directive Int(std::string name, T ServerConfig::*field, long long lo, long long hi,
              int flags = 0) {
  Directive d;
  d.name = std::move(name);
  d.flags = flags;
  d.set = [field, lo, hi](ServerConfig& c, const Args& a) -> std::optional<std::string> {
    int64_t v = 0;
    if (!ParseInt64(a[0], &v)) return "argument couldn't be parsed into an integer";
    if (v < lo || v > hi) return RangeError(lo, hi);
    c.*field = static_cast<T>(v);
    return std::nullopt;
  };
  d.get = [field](const ServerConfig& c) { return std::to_string(c.*field); };
  return d;
}

template <typename T>
Directive Memory(std::string name, T ServerConfig::*field, long long lo, long long hi,
                 int flags = 0) {
  Directive d;
  d.name = std::move(name);
  d.flags = flags;
  d.set = [field, lo, hi](ServerConfig& c, const Args& a) -> std::optional<std::string> {
    int64_t v = 0;
    if (!ParseMemory(a[0], &v, lo < 0)) return "argument must be a memory value";
    if (v < lo || v > hi) return RangeError(lo, hi);
    c.*field = static_cast<T>(v);
    return std::nullopt;
  };
  d.get = [field](const ServerConfig& c) { return std::to_string(c.*field); };
  d.rewrite = [field](const ServerConfig& c) -> std::vector<std::string> {
    return {FormatMemory(static_cast<long long>(c.*field))};
  };
  return d;
}

Directive MemoryU(std::string name, uint64_t ServerConfig::*field, int flags = 0) {
  Directive d;
  d.name = std::move(name);
  d.flags = flags;
  d.set = [field](ServerConfig& c, const Args& a) -> std::optional<std::string> {
    uint64_t v = 0;
    if (!ParseMemoryU(a[0], &v)) return "argument must be a memory value";
    c.*field = v;
    return std::nullopt;
  };
  d.get = [field](const ServerConfig& c) { return std::to_string(c.*field); };
  d.rewrite = [field](const ServerConfig& c) -> std::vector<std::string> {
    uint64_t v = c.*field;
    if (v > static_cast<uint64_t>(LLONG_MAX)) return {std::to_string(v)};
    return {FormatMemory(static_cast<long long>(v))};
  };
  return d;
}

Directive UInt(std::string name, uint64_t ServerConfig::*field, uint64_t lo, uint64_t hi,
               int flags = 0) {
  Directive d;
  d.name = std::move(name);
  d.flags = flags;
  d.set = [field, lo, hi](ServerConfig& c, const Args& a) -> std::optional<std::string> {
    uint64_t v = 0;
    if (!ParseUint64(a[0], &v)) return "argument couldn't be parsed into an integer";
    if (v < lo || v > hi) return RangeErrorU(lo, hi);
    c.*field = v;
    return std::nullopt;
  };
  d.get = [field](const ServerConfig& c) { return std::to_string(c.*field); };
  return d;
}

Directive String(std::string name, std::string ServerConfig::*field, int flags = 0) {
  Directive d;
  d.name = std::move(name);
  d.flags = flags;
  d.set = [field](ServerConfig& c, const Args& a) -> std::optional<std::string> {
    c.*field = a[0];
    return std::nullopt;
  };
  d.get = [field](const ServerConfig& c) { return c.*field; };
  return d;
}

// cluster-announce-hostname: Redis 7.0's isValidAnnouncedHostname() (it travels in the cluster
// bus and CLUSTER SLOTS/NODES, so it must stay a plain DNS-ish name).
Directive ClusterHostname() {
  Directive d = String("cluster-announce-hostname", &ServerConfig::cluster_announce_hostname);
  d.set = [](ServerConfig& c, const Args& a) -> std::optional<std::string> {
    if (a[0].size() >= 256) return "Hostnames must be less than 256 characters";
    for (char ch : a[0]) {
      bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                ch == '-' || ch == '.';
      if (!ok) return "Hostnames may only contain alphanumeric characters, hyphens or dots";
    }
    c.cluster_announce_hostname = a[0];
    return std::nullopt;
  };
  return d;
}

template <typename E>
Directive Enum(std::string name, E ServerConfig::*field,
               std::vector<std::pair<std::string, E>> values, int flags = 0) {
  Directive d;
  d.name = std::move(name);
  d.flags = flags;
  auto shared = std::make_shared<std::vector<std::pair<std::string, E>>>(std::move(values));
  d.set = [field, shared](ServerConfig& c, const Args& a) -> std::optional<std::string> {
    for (const auto& [n, v] : *shared) {
      if (EqualsNoCase(n, a[0])) {
        c.*field = v;
        return std::nullopt;
      }
    }
    std::string err = "argument(s) must be one of the following: ";
    for (size_t i = 0; i < shared->size(); ++i) {
      if (i) err += ", ";
      err += (*shared)[i].first;
    }
    return err;
  };
  d.get = [field, shared](const ServerConfig& c) -> std::string {
    for (const auto& [n, v] : *shared) {
      if (v == c.*field) return n;
    }
    return "";
  };
  return d;
}

Directive Special(std::string name, int flags, Setter set, Getter get, Rewriter rewrite = {}) {
  Directive d;
  d.name = std::move(name);
  d.flags = flags;
  d.set = std::move(set);
  d.get = std::move(get);
  d.rewrite = std::move(rewrite);
  return d;
}

Directive WithAlias(Directive d, std::string alias) {
  d.alias = std::move(alias);
  return d;
}

const std::vector<std::pair<std::string, ProtectedAction>> kProtectedValues = {
    {"no", ProtectedAction::kNo}, {"yes", ProtectedAction::kYes}, {"local", ProtectedAction::kLocal}};

std::optional<std::string> SetSave(ServerConfig& c, const Args& a) {
  // "save" with one empty argument (or none) disables snapshots; otherwise pairs.
  if (a.size() == 1 && a[0].empty()) {
    c.save.clear();
    return std::nullopt;
  }
  if (a.size() % 2 != 0) return "Invalid save parameters";
  std::vector<SavePoint> points;
  for (size_t i = 0; i < a.size(); i += 2) {
    int64_t secs = 0, changes = 0;
    if (!ParseInt64(a[i], &secs) || !ParseInt64(a[i + 1], &changes) || secs < 1 ||
        changes < 0 || changes > INT_MAX) {
      return "Invalid save parameters";
    }
    points.push_back({secs, static_cast<int>(changes)});
  }
  c.save = std::move(points);
  return std::nullopt;
}

std::optional<std::string> SetClientOutputBufferLimit(ServerConfig& c, const Args& a) {
  if (a.size() % 4 != 0 || a.empty()) {
    return "Wrong number of arguments in buffer limit configuration.";
  }
  auto limits = c.client_output_buffer_limit;
  for (size_t i = 0; i < a.size(); i += 4) {
    int cls;
    if (EqualsNoCase(a[i], "normal")) {
      cls = static_cast<int>(ClientClass::kNormal);
    } else if (EqualsNoCase(a[i], "replica") || EqualsNoCase(a[i], "slave")) {
      cls = static_cast<int>(ClientClass::kReplica);
    } else if (EqualsNoCase(a[i], "pubsub")) {
      cls = static_cast<int>(ClientClass::kPubsub);
    } else {
      return "Invalid client class specified in buffer limit configuration.";
    }
    int64_t hard = 0, soft = 0, secs = 0;
    if (!ParseMemory(a[i + 1], &hard, false) || !ParseMemory(a[i + 2], &soft, false) ||
        !ParseInt64(a[i + 3], &secs) || secs < 0) {
      return "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
    }
    limits[cls] = {static_cast<uint64_t>(hard), static_cast<uint64_t>(soft), secs};
  }
  c.client_output_buffer_limit = limits;
  return std::nullopt;
}

const char* kClassNames[kClientClassCount] = {"normal", "slave", "pubsub"};

std::string GetClientOutputBufferLimit(const ServerConfig& c) {
  std::string out;
  for (int i = 0; i < kClientClassCount; ++i) {
    const auto& l = c.client_output_buffer_limit[i];
    if (i) out += ' ';
    out += std::string(kClassNames[i]) + " " + std::to_string(l.hard_limit_bytes) + " " +
           std::to_string(l.soft_limit_bytes) + " " + std::to_string(l.soft_limit_seconds);
  }
  return out;
}

std::vector<std::string> RewriteClientOutputBufferLimit(const ServerConfig& c) {
  std::vector<std::string> lines;
  for (int i = 0; i < kClientClassCount; ++i) {
    const auto& l = c.client_output_buffer_limit[i];
    lines.push_back(std::string(kClassNames[i]) + " " +
                    FormatMemory(static_cast<long long>(l.hard_limit_bytes)) + " " +
                    FormatMemory(static_cast<long long>(l.soft_limit_bytes)) + " " +
                    std::to_string(l.soft_limit_seconds));
  }
  return lines;
}

std::string FormatPercentile(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

std::vector<Directive> BuildTable() {
  using C = ServerConfig;
  std::vector<Directive> t;
  // Network.
  t.push_back(Special(
      "bind", kMultiArg,
      [](C& c, const Args& a) -> std::optional<std::string> {
        if (a.size() > 16) return "Too many bind addresses specified.";
        // CONFIG SET bind "" means the defaults.
        if (a.size() == 1 && a[0].empty()) {
          c.bind = ServerConfig().bind;
        } else {
          c.bind = a;
        }
        return std::nullopt;
      },
      [](const C& c) { return JoinSpace(c.bind); },
      [](const C& c) -> std::vector<std::string> { return {JoinSpace(c.bind)}; }));
  t.push_back(String("bind-source-addr", &C::bind_source_addr));
  t.push_back(Int("port", &C::port, 0, 65535));
  t.push_back(Int("tcp-backlog", &C::tcp_backlog, 0, INT_MAX, kImmutable));
  t.push_back(String("unixsocket", &C::unixsocket, kImmutable));
  t.push_back(Special(
      "unixsocketperm", kImmutable,
      [](C& c, const Args& a) -> std::optional<std::string> {
        char* end = nullptr;
        errno = 0;
        unsigned long v = std::strtoul(a[0].c_str(), &end, 8);
        if (a[0].empty() || *end != '\0' || errno != 0 || v > 0777) {
          return "Invalid socket file permissions";
        }
        c.unixsocketperm = static_cast<uint32_t>(v);
        return std::nullopt;
      },
      [](const C& c) {
        char buf[16];
        std::snprintf(buf, sizeof(buf), "%o", c.unixsocketperm);
        return std::string(buf);
      }));
  t.push_back(Int("timeout", &C::timeout, 0, INT_MAX));
  t.push_back(Int("tcp-keepalive", &C::tcp_keepalive, 0, INT_MAX));
  t.push_back(Bool("protected-mode", &C::protected_mode));
  t.push_back(Int("maxclients", &C::maxclients, 1, UINT_MAX));
  {
    // Resolved at start (port + 20000) and written back for CONFIG GET; REWRITE keeps the
    // default (no line) so the port follows a later change of `port`.
    Directive d = Int("control-port", &C::control_port, -1, 65535, kImmutable);
    d.rewrite = [](const C& c) -> std::vector<std::string> {
      if (c.control_port_resolved) return {};
      return {std::to_string(c.control_port)};
    };
    t.push_back(std::move(d));
  }
  t.push_back(Special(
      "control-bind", kMultiArg | kImmutable,
      [](C& c, const Args& a) -> std::optional<std::string> {
        if (a.size() > 16) return "Too many bind addresses specified.";
        c.control_bind.clear();
        // An empty value means the default (loopback plus the node's concrete addresses).
        if (a.size() == 1 && a[0].empty()) return std::nullopt;
        c.control_bind = a;
        return std::nullopt;
      },
      [](const C& c) { return JoinSpace(c.control_bind); },
      [](const C& c) -> std::vector<std::string> {
        if (c.control_bind_resolved) return {};
        return {JoinSpace(c.control_bind)};
      }));
  // Mutable so operators can rotate it; server/control refuses an empty one when it must not be.
  t.push_back(String("control-auth", &C::control_auth, kSensitive));
  t.push_back(String("control-tls-cert-file", &C::control_tls_cert_file, kImmutable));
  t.push_back(String("control-tls-key-file", &C::control_tls_key_file, kImmutable));
  t.push_back(String("control-tls-ca-cert-file", &C::control_tls_ca_cert_file, kImmutable));
  // Security.
  t.push_back(String("requirepass", &C::requirepass, kSensitive));
  t.push_back(String("aclfile", &C::aclfile, kImmutable));
  t.push_back(Enum("acl-pubsub-default", &C::acl_pubsub_default,
                   {{"allchannels", AclPubsubDefault::kAllChannels},
                    {"resetchannels", AclPubsubDefault::kResetChannels}}));
  t.push_back(UInt("acllog-max-len", &C::acllog_max_len, 0, LONG_MAX));
  t.push_back(Enum("enable-protected-configs", &C::enable_protected_configs, kProtectedValues,
                   kImmutable));
  t.push_back(Enum("enable-debug-command", &C::enable_debug_command, kProtectedValues,
                   kImmutable));
  t.push_back(Enum("enable-module-command", &C::enable_module_command, kProtectedValues,
                   kImmutable));
  // General.
  t.push_back(Int("databases", &C::databases, 1, INT_MAX, kImmutable));
  t.push_back(Enum("loglevel", &C::loglevel,
                   {{"debug", LogLevel::kDebug},
                    {"verbose", LogLevel::kVerbose},
                    {"notice", LogLevel::kNotice},
                    {"warning", LogLevel::kWarning}}));
  t.push_back(String("logfile", &C::logfile, kImmutable));
  t.push_back(Bool("syslog-enabled", &C::syslog_enabled, kImmutable));
  t.push_back(String("syslog-ident", &C::syslog_ident, kImmutable));
  t.push_back(Enum("syslog-facility", &C::syslog_facility,
                   {{"user", SyslogFacility::kUser},
                    {"local0", SyslogFacility::kLocal0},
                    {"local1", SyslogFacility::kLocal1},
                    {"local2", SyslogFacility::kLocal2},
                    {"local3", SyslogFacility::kLocal3},
                    {"local4", SyslogFacility::kLocal4},
                    {"local5", SyslogFacility::kLocal5},
                    {"local6", SyslogFacility::kLocal6},
                    {"local7", SyslogFacility::kLocal7}},
                   kImmutable));
  t.push_back(Bool("daemonize", &C::daemonize, kImmutable));
  t.push_back(String("pidfile", &C::pidfile, kImmutable));
  t.push_back(Enum("supervised", &C::supervised,
                   {{"upstart", SupervisedMode::kUpstart},
                    {"systemd", SupervisedMode::kSystemd},
                    {"auto", SupervisedMode::kAuto},
                    {"no", SupervisedMode::kNo}},
                   kImmutable));
  t.push_back(Bool("always-show-logo", &C::always_show_logo, kImmutable));
  t.push_back(Bool("set-proc-title", &C::set_proc_title, kImmutable));
  t.push_back(String("proc-title-template", &C::proc_title_template));
  t.push_back(Int("hz", &C::hz, 0, INT_MAX));
  t.push_back(Bool("dynamic-hz", &C::dynamic_hz));
  t.push_back(String("ignore-warnings", &C::ignore_warnings));
  t.push_back(Bool("crash-log-enabled", &C::crash_log_enabled));
  t.push_back(Bool("crash-memcheck-enabled", &C::crash_memcheck_enabled));
  t.push_back(Bool("disable-thp", &C::disable_thp));
  t.push_back(Int("shutdown-timeout", &C::shutdown_timeout, 0, INT_MAX));
  t.push_back(Int("io-threads", &C::io_threads, 1, 128, kImmutable));
  t.push_back(Bool("io-threads-do-reads", &C::io_threads_do_reads, kImmutable));
  t.push_back(Bool("jemalloc-bg-thread", &C::jemalloc_bg_thread));
  // Limits and client buffers.
  t.push_back(Memory("proto-max-bulk-len", &C::proto_max_bulk_len, 1024 * 1024, LLONG_MAX));
  t.push_back(Memory("client-query-buffer-limit", &C::client_query_buffer_limit, 1024 * 1024,
                     LLONG_MAX));
  t.push_back(Special("client-output-buffer-limit", kMultiArg, SetClientOutputBufferLimit,
                      GetClientOutputBufferLimit, RewriteClientOutputBufferLimit));
  t.push_back(Special(
      "notify-keyspace-events", 0,
      [](C& c, const Args& a) -> std::optional<std::string> {
        auto flags = KeyspaceEventsFromString(a[0]);
        if (!flags) return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
        c.notify_keyspace_events = *flags;
        return std::nullopt;
      },
      [](const C& c) { return KeyspaceEventsToString(c.notify_keyspace_events); }));
  t.push_back(UInt("tracking-table-max-keys", &C::tracking_table_max_keys, 0, LONG_MAX));
  // Memory management.
  t.push_back(MemoryU("maxmemory", &C::maxmemory));
  t.push_back(Enum("maxmemory-policy", &C::maxmemory_policy,
                   {{"volatile-lru", MaxmemoryPolicy::kVolatileLru},
                    {"volatile-lfu", MaxmemoryPolicy::kVolatileLfu},
                    {"volatile-random", MaxmemoryPolicy::kVolatileRandom},
                    {"volatile-ttl", MaxmemoryPolicy::kVolatileTtl},
                    {"allkeys-lru", MaxmemoryPolicy::kAllkeysLru},
                    {"allkeys-lfu", MaxmemoryPolicy::kAllkeysLfu},
                    {"allkeys-random", MaxmemoryPolicy::kAllkeysRandom},
                    {"noeviction", MaxmemoryPolicy::kNoEviction}}));
  t.push_back(Int("maxmemory-samples", &C::maxmemory_samples, 1, 64));
  t.push_back(Int("maxmemory-eviction-tenacity", &C::maxmemory_eviction_tenacity, 0, 100));
  t.push_back(Memory("maxmemory-clients", &C::maxmemory_clients, 0, LLONG_MAX));
  t.push_back(Int("lfu-log-factor", &C::lfu_log_factor, 0, INT_MAX));
  t.push_back(Int("lfu-decay-time", &C::lfu_decay_time, 0, INT_MAX));
  t.push_back(Int("active-expire-effort", &C::active_expire_effort, 1, 10));
  t.push_back(Bool("activedefrag", &C::activedefrag));
  t.push_back(Bool("activerehashing", &C::activerehashing));
  t.push_back(Bool("lazyfree-lazy-eviction", &C::lazyfree_lazy_eviction));
  t.push_back(Bool("lazyfree-lazy-expire", &C::lazyfree_lazy_expire));
  t.push_back(Bool("lazyfree-lazy-server-del", &C::lazyfree_lazy_server_del));
  t.push_back(Bool("lazyfree-lazy-user-del", &C::lazyfree_lazy_user_del));
  t.push_back(Bool("lazyfree-lazy-user-flush", &C::lazyfree_lazy_user_flush));
  // Persistence.
  t.push_back(Special(
      "dir", kProtected,
      [](C& c, const Args& a) -> std::optional<std::string> {
        if (chdir(a[0].c_str()) != 0) return std::string(std::strerror(errno));
        c.dir = a[0];
        return std::nullopt;
      },
      [](const C& c) -> std::string {
        char buf[PATH_MAX];
        if (getcwd(buf, sizeof(buf)) == nullptr) return c.dir;
        return buf;
      }));
  t.push_back(String("dbfilename", &C::dbfilename, kProtected));
  t.push_back(Special(
      "save", kMultiArg, SetSave,
      [](const C& c) {
        std::string out;
        for (const auto& p : c.save) {
          if (!out.empty()) out += ' ';
          out += std::to_string(p.seconds) + " " + std::to_string(p.changes);
        }
        return out;
      },
      [](const C& c) -> std::vector<std::string> {
        if (c.save.empty()) return {"\"\""};
        std::vector<std::string> lines;
        for (const auto& p : c.save) {
          lines.push_back(std::to_string(p.seconds) + " " + std::to_string(p.changes));
        }
        return lines;
      }));
  t.push_back(Bool("stop-writes-on-bgsave-error", &C::stop_writes_on_bgsave_error));
  t.push_back(Bool("rdbcompression", &C::rdbcompression));
  t.push_back(Bool("rdbchecksum", &C::rdbchecksum));
  t.push_back(Bool("rdb-del-sync-files", &C::rdb_del_sync_files));
  t.push_back(Bool("rdb-save-incremental-fsync", &C::rdb_save_incremental_fsync));
  t.push_back(Int("rdb-key-save-delay", &C::rdb_key_save_delay, INT_MIN, INT_MAX));
  t.push_back(Bool("appendonly", &C::appendonly));
  t.push_back(String("appendfilename", &C::appendfilename, kImmutable));
  t.push_back(String("appenddirname", &C::appenddirname, kImmutable));
  t.push_back(Enum("appendfsync", &C::appendfsync,
                   {{"always", AppendFsync::kAlways},
                    {"everysec", AppendFsync::kEverysec},
                    {"no", AppendFsync::kNo}}));
  t.push_back(Bool("no-appendfsync-on-rewrite", &C::no_appendfsync_on_rewrite));
  t.push_back(Int("auto-aof-rewrite-percentage", &C::auto_aof_rewrite_percentage, 0, INT_MAX));
  t.push_back(Memory("auto-aof-rewrite-min-size", &C::auto_aof_rewrite_min_size, 0, LLONG_MAX));
  t.push_back(Bool("aof-load-truncated", &C::aof_load_truncated));
  t.push_back(Bool("aof-use-rdb-preamble", &C::aof_use_rdb_preamble));
  t.push_back(Bool("aof-timestamp-enabled", &C::aof_timestamp_enabled));
  t.push_back(Bool("aof-rewrite-incremental-fsync", &C::aof_rewrite_incremental_fsync));
  t.push_back(Bool("aof-disable-auto-gc", &C::aof_disable_auto_gc));
  // Replication.
  t.push_back(WithAlias(
      Special(
          "replicaof", kMultiArg,
          [](C& c, const Args& a) -> std::optional<std::string> {
            if (a.size() != 2) return "wrong number of arguments";
            if (EqualsNoCase(a[0], "no") && EqualsNoCase(a[1], "one")) {
              c.replicaof_host.clear();
              c.replicaof_port = 0;
              return std::nullopt;
            }
            int64_t port = 0;
            if (!ParseInt64(a[1], &port) || port < 0 || port > 65535) return "Invalid master port";
            c.replicaof_host = a[0];
            c.replicaof_port = static_cast<int>(port);
            return std::nullopt;
          },
          [](const C& c) -> std::string {
            if (c.replicaof_host.empty()) return "";
            return c.replicaof_host + " " + std::to_string(c.replicaof_port);
          },
          [](const C& c) -> std::vector<std::string> {
            // A cluster node's primary lives in nodes.conf, never in the config file (Redis's
            // rewriteConfigReplicaOfOption), which would refuse to load with one.
            if (c.replicaof_host.empty() || c.cluster_enabled) return {};
            return {c.replicaof_host + " " + std::to_string(c.replicaof_port)};
          }),
      "slaveof"));
  t.push_back(String("masterauth", &C::masterauth, kSensitive));
  t.push_back(String("masteruser", &C::masteruser));
  t.push_back(WithAlias(Bool("replica-serve-stale-data", &C::replica_serve_stale_data),
                        "slave-serve-stale-data"));
  t.push_back(WithAlias(Bool("replica-read-only", &C::replica_read_only), "slave-read-only"));
  t.push_back(WithAlias(Bool("replica-ignore-maxmemory", &C::replica_ignore_maxmemory),
                        "slave-ignore-maxmemory"));
  t.push_back(WithAlias(Bool("replica-lazy-flush", &C::replica_lazy_flush), "slave-lazy-flush"));
  t.push_back(Bool("replica-announced", &C::replica_announced));
  t.push_back(WithAlias(Int("replica-priority", &C::replica_priority, 0, INT_MAX),
                        "slave-priority"));
  t.push_back(WithAlias(String("replica-announce-ip", &C::replica_announce_ip),
                        "slave-announce-ip"));
  t.push_back(WithAlias(Int("replica-announce-port", &C::replica_announce_port, 0, 65535),
                        "slave-announce-port"));
  t.push_back(Memory("repl-backlog-size", &C::repl_backlog_size, 1, LLONG_MAX));
  t.push_back(Int("repl-backlog-ttl", &C::repl_backlog_ttl, 0, LONG_MAX));
  t.push_back(Int("repl-timeout", &C::repl_timeout, 1, INT_MAX));
  t.push_back(WithAlias(Int("repl-ping-replica-period", &C::repl_ping_replica_period, 1, INT_MAX),
                        "repl-ping-slave-period"));
  t.push_back(Bool("repl-diskless-sync", &C::repl_diskless_sync));
  t.push_back(Int("repl-diskless-sync-delay", &C::repl_diskless_sync_delay, 0, INT_MAX));
  t.push_back(Int("repl-diskless-sync-max-replicas", &C::repl_diskless_sync_max_replicas, 0,
                  INT_MAX));
  t.push_back(Enum("repl-diskless-load", &C::repl_diskless_load,
                   {{"disabled", ReplDisklessLoad::kDisabled},
                    {"on-empty-db", ReplDisklessLoad::kOnEmptyDb},
                    {"swapdb", ReplDisklessLoad::kSwapdb}}));
  t.push_back(Bool("repl-disable-tcp-nodelay", &C::repl_disable_tcp_nodelay));
  t.push_back(WithAlias(Int("min-replicas-to-write", &C::min_replicas_to_write, 0, INT_MAX),
                        "min-slaves-to-write"));
  t.push_back(WithAlias(Int("min-replicas-max-lag", &C::min_replicas_max_lag, 0, INT_MAX),
                        "min-slaves-max-lag"));
  // Cluster.
  t.push_back(Bool("cluster-enabled", &C::cluster_enabled, kImmutable));
  t.push_back(String("cluster-config-file", &C::cluster_config_file, kImmutable));
  t.push_back(Int("cluster-node-timeout", &C::cluster_node_timeout, 0, LLONG_MAX));
  t.push_back(Int("cluster-port", &C::cluster_port, 0, 65535, kImmutable));
  t.push_back(String("cluster-announce-ip", &C::cluster_announce_ip));
  t.push_back(Int("cluster-announce-port", &C::cluster_announce_port, 0, 65535));
  t.push_back(Int("cluster-announce-bus-port", &C::cluster_announce_bus_port, 0, 65535));
  t.push_back(ClusterHostname());
  t.push_back(Bool("cluster-require-full-coverage", &C::cluster_require_full_coverage));
  t.push_back(Bool("cluster-allow-reads-when-down", &C::cluster_allow_reads_when_down));
  t.push_back(WithAlias(Bool("cluster-replica-no-failover", &C::cluster_replica_no_failover),
                        "cluster-slave-no-failover"));
  t.push_back(WithAlias(Int("cluster-replica-validity-factor",
                            &C::cluster_replica_validity_factor, 0, INT_MAX),
                        "cluster-slave-validity-factor"));
  t.push_back(Int("cluster-migration-barrier", &C::cluster_migration_barrier, 0, INT_MAX));
  t.push_back(Bool("cluster-allow-replica-migration", &C::cluster_allow_replica_migration));
  // Encodings.
  t.push_back(WithAlias(UInt("hash-max-listpack-entries", &C::hash_max_listpack_entries, 0,
                             LONG_MAX),
                        "hash-max-ziplist-entries"));
  t.push_back(WithAlias(UInt("hash-max-listpack-value", &C::hash_max_listpack_value, 0, LONG_MAX),
                        "hash-max-ziplist-value"));
  t.push_back(WithAlias(Int("list-max-listpack-size", &C::list_max_listpack_size, INT_MIN,
                            INT_MAX),
                        "list-max-ziplist-size"));
  t.push_back(Int("list-compress-depth", &C::list_compress_depth, 0, INT_MAX));
  t.push_back(UInt("set-max-intset-entries", &C::set_max_intset_entries, 0, LONG_MAX));
  t.push_back(UInt("set-max-listpack-entries", &C::set_max_listpack_entries, 0, LONG_MAX));
  t.push_back(UInt("set-max-listpack-value", &C::set_max_listpack_value, 0, LONG_MAX));
  t.push_back(WithAlias(UInt("zset-max-listpack-entries", &C::zset_max_listpack_entries, 0,
                             LONG_MAX),
                        "zset-max-ziplist-entries"));
  t.push_back(WithAlias(UInt("zset-max-listpack-value", &C::zset_max_listpack_value, 0, LONG_MAX),
                        "zset-max-ziplist-value"));
  t.push_back(UInt("hll-sparse-max-bytes", &C::hll_sparse_max_bytes, 0, LONG_MAX));
  t.push_back(UInt("stream-node-max-bytes", &C::stream_node_max_bytes, 0, LONG_MAX));
  t.push_back(Int("stream-node-max-entries", &C::stream_node_max_entries, 0, LLONG_MAX));
  // Monitoring and scripting.
  t.push_back(Int("slowlog-log-slower-than", &C::slowlog_log_slower_than, -1, LLONG_MAX));
  t.push_back(Int("slowlog-max-len", &C::slowlog_max_len, 0, LONG_MAX));
  t.push_back(Int("latency-monitor-threshold", &C::latency_monitor_threshold, 0, LLONG_MAX));
  t.push_back(Bool("latency-tracking", &C::latency_tracking));
  t.push_back(Special(
      "latency-tracking-info-percentiles", kMultiArg,
      [](C& c, const Args& a) -> std::optional<std::string> {
        std::vector<double> out;
        for (const auto& s : a) {
          if (s.empty()) continue;
          double v = 0;
          if (!ParseDouble(s, &v) || v < 0 || v > 100) {
            return "latency-tracking-info-percentiles parameter should be between 0.0 and 100.0";
          }
          out.push_back(v);
        }
        c.latency_tracking_info_percentiles = std::move(out);
        return std::nullopt;
      },
      [](const C& c) {
        std::vector<std::string> parts;
        for (double v : c.latency_tracking_info_percentiles) parts.push_back(FormatPercentile(v));
        return JoinSpace(parts);
      }));
  t.push_back(WithAlias(Int("busy-reply-threshold", &C::busy_reply_threshold, 0, LONG_MAX),
                        "lua-time-limit"));
  t.push_back(Enum("sanitize-dump-payload", &C::sanitize_dump_payload,
                   {{"no", SanitizeDumpPayload::kNo},
                    {"yes", SanitizeDumpPayload::kYes},
                    {"clients", SanitizeDumpPayload::kClients}}));
  // Load-time only directives: kept verbatim by CONFIG REWRITE and never reported.
  t.push_back(Special(
      "rename-command", kImmutable | kMultiArg | kNoGet,
      [](C& c, const Args& a) -> std::optional<std::string> {
        if (a.size() != 2) return "wrong number of arguments";
        c.rename_commands.emplace_back(a[0], a[1]);
        return std::nullopt;
      },
      [](const C&) { return std::string(); }));
  t.push_back(Special(
      "user", kImmutable | kMultiArg | kNoGet,
      [](C& c, const Args& a) -> std::optional<std::string> {
        c.users.push_back(a);
        return std::nullopt;
      },
      [](const C&) { return std::string(); }));
  t.push_back(Special(
      "loadmodule", kImmutable | kMultiArg | kNoGet,
      [](C&, const Args&) -> std::optional<std::string> {
        return "Sable does not load Redis modules";
      },
      [](const C&) { return std::string(); }));
  return t;
}

const std::vector<Directive>& Table() {
  static const std::vector<Directive> table = BuildTable();
  return table;
}

int FindDirective(std::string_view name) {
  const auto& t = Table();
  for (size_t i = 0; i < t.size(); ++i) {
    if (EqualsNoCase(t[i].name, name) || (!t[i].alias.empty() && EqualsNoCase(t[i].alias, name))) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

std::string FatalError(int line_no, const std::string& line, const std::string& msg) {
  return "\n*** FATAL CONFIG FILE ERROR (Redis " + std::string(kRedisCompatVersion) +
         ") ***\nReading the configuration file, at line " + std::to_string(line_no) +
         "\n>>> '" + line + "'\n" + msg;
}

// Lines of a directive for CONFIG REWRITE, each starting with its name.
std::vector<std::string> RewriteLines(const Directive& d, const ServerConfig& c) {
  std::vector<std::string> values;
  if (d.rewrite) {
    values = d.rewrite(c);
  } else {
    values.push_back(QuoteArg(d.get(c)));
  }
  std::vector<std::string> lines;
  for (auto& v : values) lines.push_back(d.name + " " + v);
  return lines;
}

}  // namespace

std::optional<std::string> Config::LoadFromArgs(int argc, char** argv) {
  std::string text;
  int j = 1;
  if (argc >= 2 && argv[1][0] != '-') {
    std::string path = argv[1];
    char buf[PATH_MAX];
    if (path[0] != '/' && getcwd(buf, sizeof(buf)) != nullptr) {
      config_file_ = std::string(buf) + "/" + path;
    } else {
      config_file_ = path;
    }
    std::string content;
    if (auto err = LoadFile(path, 0, &content)) return err;
    text += content;
    text += '\n';
    j = 2;
  }
  bool read_stdin = false;
  if (argc >= 2 && std::string_view(argv[1]) == "-") read_stdin = true;
  if (argc >= 2 && std::string_view(argv[argc - 1]) == "-") read_stdin = true;
  if (read_stdin) {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    text += ss.str();
    text += '\n';
  }
  // "--name value value" options become config lines.
  std::string options;
  for (; j < argc; ++j) {
    std::string_view a = argv[j];
    if (a == "-") continue;
    if (a.size() >= 2 && a[0] == '-' && a[1] == '-') {
      if (!options.empty()) options += '\n';
      options += std::string(a.substr(2));
      options += ' ';
    } else {
      std::string arg(a);
      options += QuoteArg(arg);
      options += ' ';
    }
  }
  text += options;
  if (auto err = LoadText(text, 0)) return err;
  return FinishLoad();
}


std::optional<std::string> Config::LoadFromString(std::string_view text) {
  if (auto err = LoadText(text, 0)) return err;
  return FinishLoad();
}

std::optional<std::string> Config::LoadFile(const std::string& path, int depth,
                                            std::string* content) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return "Fatal error, can't open config file '" + path + "': " + std::strerror(errno);
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  *content = ss.str();
  (void)depth;
  return std::nullopt;
}

std::optional<std::string> Config::LoadText(std::string_view text, int depth) {
  const auto& table = Table();
  size_t pos = 0;
  int line_no = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string line(text.substr(pos, nl - pos));
    pos = nl + 1;
    ++line_no;
    // Trim spaces, tabs and CRs at both ends.
    size_t b = line.find_first_not_of(" \t\r");
    size_t e = line.find_last_not_of(" \t\r");
    std::string trimmed = b == std::string::npos ? "" : line.substr(b, e - b + 1);
    if (trimmed.empty() || trimmed[0] == '#') {
      if (nl == text.size()) break;
      continue;
    }
    std::vector<std::string> argv;
    if (!SplitArgs(trimmed, &argv)) {
      return FatalError(line_no, trimmed, "Unbalanced quotes in configuration line");
    }
    if (argv.empty()) continue;
    std::string name = ToLower(argv[0]);
    Args args(argv.begin() + 1, argv.end());
    if (name == "include" && args.size() == 1) {
      if (depth >= 16) return FatalError(line_no, trimmed, "Too many nested includes");
      std::string content;
      if (auto err = LoadFile(args[0], depth + 1, &content)) return err;
      if (auto err = LoadText(content, depth + 1)) return err;
      continue;
    }
    int idx = FindDirective(name);
    if (idx < 0) {
      return FatalError(line_no, trimmed, "Bad directive or wrong number of arguments");
    }
    const Directive& d = table[idx];
    if (!(d.flags & kMultiArg) && args.size() != 1) {
      return FatalError(line_no, trimmed, "wrong number of arguments");
    }
    if (args.empty()) args.emplace_back();
    // Redis 7.0: a multi-argument directive given as one argument ("--save '60 1'") is split.
    if ((d.flags & kMultiArg) && args.size() == 1 && !args[0].empty()) {
      std::vector<std::string> parts;
      if (SplitArgs(args[0], &parts) && parts.size() > 1) args.assign(parts.begin(), parts.end());
    }
    if (d.name == "save") {
      // Several save lines accumulate; the first one replaces the defaults.
      ServerConfig tmp = values_;
      if (auto err = SetSave(tmp, args)) return FatalError(line_no, trimmed, *err);
      if (save_loaded_ && !tmp.save.empty()) {
        values_.save.insert(values_.save.end(), tmp.save.begin(), tmp.save.end());
      } else {
        values_.save = tmp.save;
      }
      save_loaded_ = true;
      continue;
    }
    if (auto err = d.set(values_, args)) return FatalError(line_no, trimmed, *err);
  }
  return std::nullopt;
}

std::optional<std::string> Config::FinishLoad() {
  if (values_.hz < 1) values_.hz = 1;
  if (values_.hz > 500) values_.hz = 500;
  if (values_.cluster_enabled && !values_.replicaof_host.empty()) {
    return std::string("replicaof directive not allowed in cluster mode");
  }
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> Config::Get(
    const std::vector<std::string_view>& patterns) const {
  const auto& table = Table();
  std::vector<std::pair<std::string, std::string>> out;
  std::set<int> seen;
  for (std::string_view pat : patterns) {
    if (pat.find_first_of("*?[") == std::string_view::npos) {
      int idx = FindDirective(pat);
      if (idx < 0 || (table[idx].flags & kNoGet) || seen.count(idx)) continue;
      seen.insert(idx);
      out.emplace_back(std::string(pat), table[idx].get(values_));
      continue;
    }
    for (size_t i = 0; i < table.size(); ++i) {
      const Directive& d = table[i];
      if ((d.flags & kNoGet) || seen.count(static_cast<int>(i))) continue;
      if (GlobMatch(pat, d.name, true)) {
        out.emplace_back(d.name, d.get(values_));
        seen.insert(static_cast<int>(i));
      }
      if (!d.alias.empty() && GlobMatch(pat, d.alias, true)) {
        out.emplace_back(d.alias, d.get(values_));
        seen.insert(static_cast<int>(i));
      }
    }
  }
  return out;
}

std::optional<std::string> Config::Set(
    const std::vector<std::pair<std::string_view, std::string_view>>& pairs, bool local_client) {
  const auto& table = Table();
  auto failed = [](std::string_view name, const std::string& why) {
    return "ERR CONFIG SET failed (possibly related to argument '" + std::string(name) + "') - " +
           why;
  };
  std::vector<int> indexes;
  for (const auto& [name, value] : pairs) {
    int idx = FindDirective(name);
    if (idx < 0 || (table[idx].flags & kNoGet)) {
      return "ERR Unknown option or number of arguments for CONFIG SET - '" + std::string(name) +
             "'";
    }
    const Directive& d = table[idx];
    if (d.flags & kImmutable) return failed(name, "can't set immutable config");
    if (d.flags & kProtected) {
      ProtectedAction p = values_.enable_protected_configs;
      if (p == ProtectedAction::kNo || (p == ProtectedAction::kLocal && !local_client)) {
        return failed(name, "can't set protected config");
      }
    }
    for (int other : indexes) {
      if (other == idx) return failed(name, "duplicate parameter");
    }
    indexes.push_back(idx);
  }
  ServerConfig saved = values_;
  for (size_t i = 0; i < pairs.size(); ++i) {
    const Directive& d = table[indexes[i]];
    Args args;
    if (d.flags & kMultiArg) {
      if (!SplitArgs(pairs[i].second, &args)) {
        values_ = saved;
        return failed(pairs[i].first, "Unbalanced quotes");
      }
      if (args.empty()) args.emplace_back();
    } else {
      args.emplace_back(pairs[i].second);
    }
    if (auto err = d.set(values_, args)) {
      values_ = saved;
      if (table[indexes[i]].name == "dir") (void)!chdir(saved.dir.c_str());
      return failed(pairs[i].first, *err);
    }
  }
  if (values_.hz < 1) values_.hz = 1;
  if (values_.hz > 500) values_.hz = 500;
  // Apply hooks; on failure restore everything and re-run the hooks that already ran.
  hooks_.resize(table.size());
  std::vector<int> ran;
  for (size_t i = 0; i < indexes.size(); ++i) {
    int idx = indexes[i];
    for (auto& hook : hooks_[idx]) {
      if (auto err = hook()) {
        values_ = saved;
        for (int r : ran) {
          for (auto& h : hooks_[r]) (void)h();
        }
        for (auto& h : hooks_[idx]) (void)h();
        return failed(pairs[i].first, *err);
      }
    }
    ran.push_back(idx);
  }
  return std::nullopt;
}

void Config::OnChange(std::string_view name, Hook hook) {
  int idx = FindDirective(name);
  if (idx < 0) return;
  hooks_.resize(Table().size());
  hooks_[idx].push_back(std::move(hook));
}

bool Config::IsSensitive(std::string_view name) {
  int idx = FindDirective(name);
  return idx >= 0 && (Table()[idx].flags & kSensitive);
}

std::optional<std::string> Config::Rewrite() {
  if (config_file_.empty()) return "ERR The server is running without a config file";
  const auto& table = Table();
  const char* kMarker = "# Generated by CONFIG REWRITE";
  std::string old;
  {
    std::ifstream in(config_file_, std::ios::binary);
    if (in) {
      std::ostringstream ss;
      ss << in.rdbuf();
      old = ss.str();
    }
  }
  std::vector<std::string> lines;
  std::set<int> written;
  ServerConfig defaults;
  size_t pos = 0;
  while (pos < old.size()) {
    size_t nl = old.find('\n', pos);
    if (nl == std::string::npos) nl = old.size();
    std::string line = old.substr(pos, nl - pos);
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t b = line.find_first_not_of(" \t");
    if (b == std::string::npos || line[b] == '#') {
      if (line != kMarker) lines.push_back(line);
      continue;
    }
    std::vector<std::string> argv;
    if (!SplitArgs(line, &argv) || argv.empty()) {
      lines.push_back(line);
      continue;
    }
    int idx = FindDirective(argv[0]);
    if (idx < 0 || (table[idx].flags & kNoGet)) {
      lines.push_back(line);  // include, rename-command, user, unknown: kept verbatim.
      continue;
    }
    if (written.count(idx)) continue;  // Later duplicates collapse into the first occurrence.
    written.insert(idx);
    for (auto& l : RewriteLines(table[idx], values_)) lines.push_back(std::move(l));
  }
  // Append settings that differ from the defaults and were not in the file.
  bool marked = false;
  for (size_t i = 0; i < table.size(); ++i) {
    const Directive& d = table[i];
    if ((d.flags & kNoGet) || written.count(static_cast<int>(i))) continue;
    if (d.name == "dir") {
      if (values_.dir == defaults.dir) continue;
    } else if (d.get(values_) == d.get(defaults)) {
      continue;
    }
    // A rewriter may say "default" with no lines (a value resolved at start-up, control-port).
    std::vector<std::string> generated = RewriteLines(d, values_);
    if (generated.empty()) continue;
    if (!marked) {
      // Drop trailing blank lines, then mark where generated lines start, as Redis does.
      while (!lines.empty() && lines.back().empty()) lines.pop_back();
      lines.push_back(kMarker);
      marked = true;
    }
    for (auto& l : generated) lines.push_back(std::move(l));
  }
  std::string content;
  for (const auto& l : lines) {
    content += l;
    content += '\n';
  }
  std::string tmp = config_file_ + ".tmp-" + std::to_string(getpid());
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return std::string("ERR Rewriting config file: ") + std::strerror(errno);
  bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size();
  ok = (std::fflush(f) == 0) && ok;
  ok = (fsync(fileno(f)) == 0) && ok;
  int saved_errno = errno;
  std::fclose(f);
  if (!ok || std::rename(tmp.c_str(), config_file_.c_str()) != 0) {
    if (ok) saved_errno = errno;
    std::remove(tmp.c_str());
    return std::string("ERR Rewriting config file: ") + std::strerror(saved_errno);
  }
  return std::nullopt;
}

}  // namespace sable

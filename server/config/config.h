// Server configuration: the typed settings (ServerConfig), loading them from redis-server style
// command lines and config files, and the CONFIG GET / SET / REWRITE semantics of Redis 7.0.
//
// Every directive is described by one row of a static table in config.cc (name, alias, type,
// bounds, whether CONFIG SET may change it, the field it lives in, an optional built-in apply
// step). Parsing, CONFIG GET formatting and CONFIG REWRITE are all driven by that table, so a new
// setting is one field here plus one row there.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/util/version.h"

namespace sable {

// loglevel values, most verbose first (order matters: a message is logged if level >= loglevel).
enum class LogLevel { kDebug, kVerbose, kNotice, kWarning };

// maxmemory-policy values.
enum class MaxmemoryPolicy {
  kVolatileLru,
  kVolatileLfu,
  kVolatileRandom,
  kVolatileTtl,
  kAllkeysLru,
  kAllkeysLfu,
  kAllkeysRandom,
  kNoEviction,
};

// enable-debug-command / enable-protected-configs / enable-module-command values.
enum class ProtectedAction { kNo, kYes, kLocal };

// appendfsync values.
enum class AppendFsync { kEverysec, kAlways, kNo };

// supervised values.
enum class SupervisedMode { kUpstart, kSystemd, kAuto, kNo };

// repl-diskless-load values.
enum class ReplDisklessLoad { kDisabled, kOnEmptyDb, kSwapdb };

// syslog-facility values (the server maps them to LOG_USER, LOG_LOCAL0...).
enum class SyslogFacility { kUser, kLocal0, kLocal1, kLocal2, kLocal3, kLocal4, kLocal5, kLocal6,
                            kLocal7 };

// acl-pubsub-default values.
enum class AclPubsubDefault { kAllChannels, kResetChannels };

// sanitize-dump-payload values.
enum class SanitizeDumpPayload { kNo, kYes, kClients };

// Client classes of client-output-buffer-limit, used as indexes into the limits array.
enum class ClientClass { kNormal = 0, kReplica = 1, kPubsub = 2 };
// Number of ClientClass values.
inline constexpr int kClientClassCount = 3;

// One class's output buffer limits.
struct ClientBufferLimit {
  uint64_t hard_limit_bytes = 0;  // Disconnect as soon as the buffer exceeds this (0 = no limit).
  uint64_t soft_limit_bytes = 0;  // Disconnect if over this for soft_limit_seconds (0 = no limit).
  int64_t soft_limit_seconds = 0;  // How long the soft limit may be exceeded.
  bool operator==(const ClientBufferLimit&) const = default;
};

// One "save <seconds> <changes>" point.
struct SavePoint {
  int64_t seconds = 0;  // Snapshot when at least `changes` writes happened in this many seconds.
  int changes = 0;      // Number of writes that trigger the snapshot.
  bool operator==(const SavePoint&) const = default;
};

// Every setting with Redis 7.0's default. Names follow the directive with '-' turned into '_'
// unless noted. Fields the server does not act on yet are still accepted, stored and reported.
struct ServerConfig {
  // --- Network ---
  std::vector<std::string> bind = {"*", "-::*"};  // Addresses to listen on ("-" = optional).
  std::string bind_source_addr;   // Source address for outgoing connections ("" = any).
  int port = 6379;                // TCP port (0 = do not listen on TCP).
  int tcp_backlog = 511;          // listen() backlog.
  std::string unixsocket;         // Unix socket path ("" = none).
  uint32_t unixsocketperm = 0;    // Unix socket permissions, octal (0 = leave as created).
  int timeout = 0;                // Close idle clients after this many seconds (0 = never).
  int tcp_keepalive = 300;        // SO_KEEPALIVE interval in seconds (0 = off).
  bool protected_mode = true;     // Refuse non-loopback clients when no password and no bind.
  uint32_t maxclients = 10000;    // Maximum number of connected clients.
  // Control plane (gRPC health + NodeAdmin, server/control/). -1 = port + 20000, resolved and
  // written back at start (0 when that passes 65535); 0 = off.
  int control_port = -1;          // The control port.
  // Addresses the control port binds; empty = 127.0.0.1 plus the concrete `bind` addresses,
  // resolved and written back at start.
  std::vector<std::string> control_bind;
  bool control_port_resolved = false;  // control_port came from the default (not a directive).
  bool control_bind_resolved = false;  // control_bind came from the default (not a directive).
  std::string control_auth;       // Secret NodeAdmin callers send as metadata ("" = none).
  std::string control_tls_cert_file;     // TLS certificate of the control port ("" = no TLS).
  std::string control_tls_key_file;      // Its private key.
  std::string control_tls_ca_cert_file;  // CA that client certificates must chain to (mTLS).

  // --- Security ---
  std::string requirepass;        // Password of the default user ("" = none).
  std::string aclfile;            // ACL file path ("" = none).
  AclPubsubDefault acl_pubsub_default = AclPubsubDefault::kResetChannels;  // New users' channels.
  uint64_t acllog_max_len = 128;  // Entries kept in ACL LOG.
  ProtectedAction enable_protected_configs = ProtectedAction::kNo;  // May CONFIG SET dir etc.
  ProtectedAction enable_debug_command = ProtectedAction::kNo;      // May clients run DEBUG.
  ProtectedAction enable_module_command = ProtectedAction::kNo;     // May clients run MODULE.

  // --- General ---
  int databases = 16;             // Number of logical databases.
  LogLevel loglevel = LogLevel::kNotice;  // Minimum level that is logged.
  std::string logfile;            // Log file path ("" = standard output).
  bool syslog_enabled = false;    // Also log to syslog.
  std::string syslog_ident = "redis";  // Syslog identity.
  SyslogFacility syslog_facility = SyslogFacility::kLocal0;  // Syslog facility.
  bool daemonize = false;         // Run in the background (accepted; Sable stays in foreground).
  std::string pidfile;            // Pid file path ("" = none).
  SupervisedMode supervised = SupervisedMode::kNo;  // Supervision (upstart/systemd) handshake.
  bool always_show_logo = false;  // Print the ASCII logo even when logging to a file.
  bool set_proc_title = true;     // Rewrite the process title.
  std::string proc_title_template = "{title} {listen-addr} {server-mode}";  // Title format.
  int hz = 10;                    // Background task frequency (clamped to 1..500).
  bool dynamic_hz = true;         // Raise hz with the number of clients.
  std::string ignore_warnings;    // Startup warnings to silence.
  bool crash_log_enabled = true;  // Log a stack trace on crash.
  bool crash_memcheck_enabled = true;  // Run a memory test on crash.
  bool disable_thp = true;        // Turn off transparent huge pages for the process.
  int shutdown_timeout = 10;      // Seconds to wait for replicas to catch up on shutdown.
  int io_threads = 1;             // Threads for network I/O (1 = main thread only).
  bool io_threads_do_reads = false;  // Also read and parse on I/O threads.
  bool jemalloc_bg_thread = true;  // Let jemalloc purge from a background thread.

  // --- Limits and client buffers ---
  int64_t proto_max_bulk_len = 512LL * 1024 * 1024;  // Largest bulk string a client may send.
  uint64_t client_query_buffer_limit = 1024ULL * 1024 * 1024;  // Largest client query buffer.
  // client-output-buffer-limit, indexed by ClientClass.
  std::array<ClientBufferLimit, kClientClassCount> client_output_buffer_limit = {{
      {0, 0, 0},
      {256ULL * 1024 * 1024, 64ULL * 1024 * 1024, 60},
      {32ULL * 1024 * 1024, 8ULL * 1024 * 1024, 60},
  }};
  int notify_keyspace_events = 0;  // kNotify* flags from keyspace_events.h.
  uint64_t tracking_table_max_keys = 1000000;  // Keys tracked for client-side caching.

  // --- Memory management ---
  uint64_t maxmemory = 0;         // Memory limit in bytes (0 = none).
  MaxmemoryPolicy maxmemory_policy = MaxmemoryPolicy::kNoEviction;  // What to evict at the limit.
  int maxmemory_samples = 5;      // Keys sampled per eviction.
  int maxmemory_eviction_tenacity = 10;  // Eviction effort, 0..100.
  int64_t maxmemory_clients = 0;  // Client memory limit in bytes; negative = percent of maxmemory.
  int lfu_log_factor = 10;        // LFU counter logarithm factor.
  int lfu_decay_time = 1;         // LFU counter decay period in minutes.
  int active_expire_effort = 1;   // Active expiry effort, 1..10.
  bool activedefrag = false;      // Active defragmentation.
  bool activerehashing = true;    // Incrementally rehash the main dictionaries.
  bool lazyfree_lazy_eviction = false;    // Free evicted values in the background.
  bool lazyfree_lazy_expire = false;      // Free expired values in the background.
  bool lazyfree_lazy_server_del = false;  // Free implicitly deleted values in the background.
  bool lazyfree_lazy_user_del = false;    // Make DEL behave like UNLINK.
  bool lazyfree_lazy_user_flush = false;  // Make FLUSHALL/FLUSHDB default to ASYNC.

  // --- Persistence ---
  std::string dir = "./";         // Working directory; set means chdir() (absolute once set).
  std::string dbfilename = "dump.rdb";  // RDB file name inside dir.
  // save points; the default is "3600 1 300 100 60 10000", empty disables snapshots.
  std::vector<SavePoint> save = {{3600, 1}, {300, 100}, {60, 10000}};
  bool stop_writes_on_bgsave_error = true;  // Refuse writes after a failed background save.
  bool rdbcompression = true;     // LZF-compress strings in RDB files.
  bool rdbchecksum = true;        // Append a CRC64 checksum to RDB files.
  bool rdb_del_sync_files = false;  // Delete RDB files used only for replication.
  bool rdb_save_incremental_fsync = true;  // fsync RDB files every 4 MB while saving.
  int rdb_key_save_delay = 0;  // Microseconds slept per key while saving (tests, as Redis).
  bool appendonly = false;        // Append-only file persistence.
  std::string appendfilename = "appendonly.aof";  // Base name of the AOF files.
  std::string appenddirname = "appendonlydir";    // Directory of the AOF files inside dir.
  AppendFsync appendfsync = AppendFsync::kEverysec;  // AOF fsync policy.
  bool no_appendfsync_on_rewrite = false;  // Skip fsync while a rewrite or save runs.
  int auto_aof_rewrite_percentage = 100;   // Rewrite the AOF when it grew by this percent.
  int64_t auto_aof_rewrite_min_size = 64LL * 1024 * 1024;  // ...and is at least this big.
  bool aof_load_truncated = true;    // Load a truncated AOF instead of failing.
  bool aof_use_rdb_preamble = true;  // Start rewritten AOFs with an RDB snapshot.
  bool aof_timestamp_enabled = false;  // Write timestamp annotations into the AOF.
  bool aof_rewrite_incremental_fsync = true;  // fsync the AOF every 4 MB while rewriting.
  bool aof_disable_auto_gc = false;  // Keep history AOF files after a rewrite.

  // --- Replication ---
  std::string replicaof_host;     // replicaof host ("" = this is a master).
  int replicaof_port = 0;         // replicaof port.
  std::string masterauth;         // Password used to authenticate to the master.
  std::string masteruser;         // User name used to authenticate to the master.
  bool replica_serve_stale_data = true;  // Answer queries while the link to the master is down.
  bool replica_read_only = true;  // Refuse writes from normal clients on a replica.
  bool replica_ignore_maxmemory = true;  // Replicas do not evict on their own.
  bool replica_lazy_flush = false;  // Flush asynchronously before loading the master's data.
  bool replica_announced = true;  // Report this replica to Sentinel.
  int replica_priority = 100;     // Sentinel promotion priority (0 = never promote).
  std::string replica_announce_ip;  // IP announced to the master ("" = real address).
  int replica_announce_port = 0;  // Port announced to the master (0 = real port).
  int64_t repl_backlog_size = 1024 * 1024;  // Replication backlog size in bytes.
  int64_t repl_backlog_ttl = 3600;  // Free the backlog after this many seconds without replicas.
  int repl_timeout = 60;          // Replication timeout in seconds.
  int repl_ping_replica_period = 10;  // Seconds between master pings to replicas.
  bool repl_diskless_sync = true;  // Stream the RDB to replicas without touching disk.
  int repl_diskless_sync_delay = 5;  // Seconds to wait for more replicas before a diskless sync.
  int repl_diskless_sync_max_replicas = 0;  // Start early once this many replicas wait (0 = off).
  ReplDisklessLoad repl_diskless_load = ReplDisklessLoad::kDisabled;  // Replica-side RDB loading.
  bool repl_disable_tcp_nodelay = false;  // Disable TCP_NODELAY on the replication link.
  int min_replicas_to_write = 0;  // Refuse writes with fewer good replicas than this (0 = off).
  int min_replicas_max_lag = 10;  // A replica is good if it acked within this many seconds.

  // --- Cluster ---
  bool cluster_enabled = false;   // Run as a cluster node.
  std::string cluster_config_file = "nodes.conf";  // The node's own cluster state file.
  int64_t cluster_node_timeout = 15000;  // Milliseconds before a node is considered failing.
  int cluster_port = 0;           // Cluster bus port (0 = port + 10000).
  std::string cluster_announce_ip;  // IP announced to other nodes ("" = detected).
  int cluster_announce_port = 0;  // Client port announced to other nodes (0 = port).
  int cluster_announce_bus_port = 0;  // Bus port announced to other nodes (0 = cluster port).
  std::string cluster_announce_hostname;  // Hostname announced to other nodes ("" = none).
  bool cluster_require_full_coverage = true;  // Stop serving when some slot is uncovered.
  bool cluster_allow_reads_when_down = false;  // Serve reads while the cluster is down.
  bool cluster_replica_no_failover = false;  // This replica never fails over automatically.
  int cluster_replica_validity_factor = 10;  // Max data age factor for failover candidates.
  int cluster_migration_barrier = 1;  // Replicas a master keeps before one may migrate.
  bool cluster_allow_replica_migration = true;  // Replicas may migrate to orphaned masters.

  // --- Encodings of small values ---
  uint64_t hash_max_listpack_entries = 512;  // Hashes up to this many fields stay listpacks.
  uint64_t hash_max_listpack_value = 64;     // ...and values up to this many bytes.
  int list_max_listpack_size = -2;  // Quicklist node size (negative = size class, -2 = 8 KB).
  int list_compress_depth = 0;    // Uncompressed quicklist nodes at each end (0 = none).
  uint64_t set_max_intset_entries = 512;  // Integer sets up to this size stay intsets.
  uint64_t set_max_listpack_entries = 128;  // Small sets up to this size stay listpacks.
  uint64_t set_max_listpack_value = 64;     // ...and members up to this many bytes.
  uint64_t zset_max_listpack_entries = 128;  // Sorted sets up to this many members stay listpacks.
  uint64_t zset_max_listpack_value = 64;     // ...and members up to this many bytes.
  uint64_t hll_sparse_max_bytes = 3000;  // HyperLogLog sparse representation limit.
  uint64_t stream_node_max_bytes = 4096;  // Stream listpack node size limit in bytes.
  int64_t stream_node_max_entries = 100;  // Stream listpack node entry limit.

  // --- Monitoring and scripting ---
  int64_t slowlog_log_slower_than = 10000;  // Microseconds (negative = off, 0 = log all).
  int64_t slowlog_max_len = 128;  // Entries kept in the slow log.
  int64_t latency_monitor_threshold = 0;  // Milliseconds (0 = latency monitor off).
  bool latency_tracking = true;   // Track per-command latency histograms.
  std::vector<double> latency_tracking_info_percentiles = {50.0, 99.0, 99.9};  // INFO percentiles.
  int64_t busy_reply_threshold = 5000;  // Milliseconds before a script is reported busy.
  SanitizeDumpPayload sanitize_dump_payload = SanitizeDumpPayload::kNo;  // RESTORE checks.

  // --- Directives kept for the server to act on (not CONFIG GET-able) ---
  std::vector<std::pair<std::string, std::string>> rename_commands;  // rename-command old new.
  std::vector<std::vector<std::string>> users;  // Arguments of each "user" line.
  std::vector<std::vector<std::string>> loadmodules;  // Arguments of each "loadmodule" line.
  std::vector<std::pair<std::string, std::string>> module_configs;  // "module.name value" lines.
};

// Owns a ServerConfig and implements loading and the CONFIG subcommands. Not thread-safe: use it
// from the thread that runs commands.
class Config {
 public:
  // A hook run after CONFIG SET changed a setting. Returning an error string refuses the change:
  // every setting of that CONFIG SET is restored and the hooks that ran are run again.
  using Hook = std::function<std::optional<std::string>()>;

  Config() = default;

  ServerConfig& values() { return values_; }
  const ServerConfig& values() const { return values_; }

  // Absolute path of the config file given on the command line, or "" when there is none.
  const std::string& config_file() const { return config_file_; }

  // Loads the configuration the way redis-server 7.0 does: argv[1] is the config file unless it
  // starts with '-'; a lone "-" as the first or last argument reads more config from stdin; then
  // "--name value..." options are turned into config lines and parsed after the file. Handle
  // -v/--version/-h/--help before calling. On failure returns the text redis-server prints to
  // stderr before exiting with status 1 (no trailing newline), for example
  // "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n"
  // ">>> 'port abc'\nargument couldn't be parsed into an integer".
  std::optional<std::string> LoadFromArgs(int argc, char** argv);

  // Parses `text` as config file content (also used by LoadFromArgs), with the same checks and
  // error text. Relative include paths resolve against the working directory.
  std::optional<std::string> LoadFromString(std::string_view text);

  // CONFIG GET pattern [pattern ...]: name/value pairs. A pattern without glob characters is
  // looked up case-insensitively among names and aliases and is echoed as given; glob patterns
  // match names and aliases case-insensitively. A name is returned at most once.
  std::vector<std::pair<std::string, std::string>> Get(
      const std::vector<std::string_view>& patterns) const;

  // CONFIG SET name value [name value ...], all or nothing. Returns the full error reply text
  // ("ERR ...") on failure. `local_client` says whether the caller connects over loopback or the
  // unix socket, for enable-protected-configs "local".
  std::optional<std::string> Set(
      const std::vector<std::pair<std::string_view, std::string_view>>& pairs,
      bool local_client = false);

  // Registers a hook for the setting `name` (canonical name or alias). Several hooks may be
  // registered per setting; they run in registration order after the value changed.
  void OnChange(std::string_view name, Hook hook);

  // CONFIG REWRITE: rewrites config_file() in place as Redis does. Returns the error reply text
  // ("ERR The server is running without a config file", "ERR Rewriting config file: ...").
  std::optional<std::string> Rewrite();

  // True if CONFIG SET of `name` must be redacted from SLOWLOG/MONITOR (passwords).
  static bool IsSensitive(std::string_view name);

 private:
  std::optional<std::string> LoadText(std::string_view text, int depth);
  std::optional<std::string> LoadFile(const std::string& path, int depth, std::string* content);
  std::optional<std::string> FinishLoad();

  ServerConfig values_;
  std::string config_file_;
  // True once a "save" line was read during loading, so the next ones append instead of replace.
  bool save_loaded_ = false;
  // Hooks per directive, indexed like the directive table.
  std::vector<std::vector<Hook>> hooks_;
};

}  // namespace sable

// INFO [section ...]: Redis 7.0's sections and field names, which monitoring tools, redis-cli
// and client libraries parse.
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "server/commands/register.h"
#include "server/config/config.h"
#include "server/core/context.h"
#include "server/core/server.h"
#include "server/persist/aof.h"
#include "server/persist/rdb_persistence.h"
#include "server/repl/primary.h"
#include "server/repl/repl_state.h"
#include "server/scripting/function_store.h"
#include "server/scripting/lua_engine.h"
#include "server/observe/memory.h"
#include "server/util/clock.h"
#include "server/util/strings.h"

namespace sable {
namespace {


// Appends "name:value\r\n".
class InfoWriter {
 public:
  explicit InfoWriter(std::string* out) : out_(out) {}
  void Section(const char* title) {
    if (!out_->empty()) *out_ += "\r\n";
    *out_ += "# ";
    *out_ += title;
    *out_ += "\r\n";
  }
  void Field(std::string_view name, std::string_view value) {
    *out_ += name;
    *out_ += ':';
    *out_ += value;
    *out_ += "\r\n";
  }
  void Field(std::string_view name, int64_t value) { Field(name, std::to_string(value)); }
  void FieldU(std::string_view name, uint64_t value) { Field(name, std::to_string(value)); }
  void FieldF(std::string_view name, const char* fmt, double value) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), fmt, value);
    Field(name, buf);
  }

 private:
  std::string* out_;
};

// Redis's bytesToHuman: "1.50K", "10.00M"...
std::string BytesToHuman(uint64_t n) {
  char buf[64];
  double d = static_cast<double>(n);
  if (n < 1024) {
    std::snprintf(buf, sizeof(buf), "%" PRIu64 "B", n);
  } else if (n < 1024ull * 1024) {
    std::snprintf(buf, sizeof(buf), "%.2fK", d / 1024);
  } else if (n < 1024ull * 1024 * 1024) {
    std::snprintf(buf, sizeof(buf), "%.2fM", d / (1024 * 1024));
  } else if (n < 1024ull * 1024 * 1024 * 1024) {
    std::snprintf(buf, sizeof(buf), "%.2fG", d / (1024.0 * 1024 * 1024));
  } else {
    std::snprintf(buf, sizeof(buf), "%.2fT", d / (1024.0 * 1024 * 1024 * 1024));
  }
  return buf;
}

std::string TimevalString(const timeval& tv) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%ld.%06ld", static_cast<long>(tv.tv_sec),
                static_cast<long>(tv.tv_usec));
  return buf;
}

void ServerSection(CommandContext& ctx, InfoWriter& w) {
  Server& s = ctx.server;
  const ServerConfig& cfg = s.cfg();
  w.Section("Server");
  w.Field("redis_version", kRedisCompatVersion);
  w.Field("redis_git_sha1", "00000000");
  w.Field("redis_git_dirty", "0");
  w.Field("redis_build_id", "5ab1e5ab1e5ab1e5");
  w.Field("redis_mode", cfg.cluster_enabled ? "cluster" : "standalone");
  struct utsname name;
  std::string os = "Linux";
  if (uname(&name) == 0) {
    os = std::string(name.sysname) + " " + name.release + " " + name.machine;
  }
  w.Field("os", os);
  w.Field("arch_bits", static_cast<int64_t>(sizeof(void*) * 8));
  w.Field("monotonic_clock", "POSIX clock_gettime");
  w.Field("multiplexing_api", "epoll");
  w.Field("atomicvar_api", "c11-builtin");
  w.Field("gcc_version", std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
                             std::to_string(__GNUC_PATCHLEVEL__));
  w.Field("process_id", static_cast<int64_t>(getpid()));
  w.Field("process_supervised", "no");
  w.Field("run_id", s.run_id());
  w.Field("tcp_port", static_cast<int64_t>(cfg.port));
  // Sable's gRPC control port (0 = off), so sentinels learn where to health-check this node.
  w.Field("control_port", static_cast<int64_t>(cfg.control_port > 0 ? cfg.control_port : 0));
  w.Field("server_time_usec", WallUs());
  int64_t uptime = (WallMs() - s.start_time_ms()) / 1000;
  w.Field("uptime_in_seconds", uptime);
  w.Field("uptime_in_days", uptime / 86400);
  w.Field("hz", static_cast<int64_t>(cfg.hz));
  w.Field("configured_hz", static_cast<int64_t>(cfg.hz));
  w.FieldU("lru_clock", LruClock());
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  w.Field("executable", n > 0 ? std::string(exe, static_cast<size_t>(n)) : "");
  w.Field("config_file", s.config().config_file());
  w.Field("io_threads_active", "0");
  w.Field("sable_version", "0.1.0");
}

void ClientsSection(CommandContext& ctx, InfoWriter& w) {
  Server& s = ctx.server;
  size_t connected = 0, pubsub = 0, max_in = 0, max_out = 0;
  for (const auto& [id, c] : s.clients()) {
    if (c->conn() == nullptr) continue;
    ++connected;
    if (c->subscription_count() > 0) ++pubsub;
    max_in = std::max(max_in, c->conn()->query_buffer_alloc());
    max_out = std::max(max_out, c->out().size());
  }
  w.Section("Clients");
  w.FieldU("connected_clients", connected);
  w.Field("cluster_connections", "0");
  w.FieldU("maxclients", s.cfg().maxclients);
  w.FieldU("client_recent_max_input_buffer", max_in);
  w.FieldU("client_recent_max_output_buffer", max_out);
  w.FieldU("blocked_clients",
           s.client_pause().held_count() + s.repl_primary().waiting_clients() +
               s.blocking().blocked_count());
  w.Field("tracking_clients", "0");
  w.FieldU("pubsub_clients", pubsub);
  w.Field("clients_in_timeout_table", "0");
}

void MemorySection(CommandContext& ctx, InfoWriter& w) {
  const ServerConfig& cfg = ctx.server.cfg();
  memory::Overhead mh = ctx.server.MemoryReport();
  w.Section("Memory");
  w.FieldU("used_memory", mh.total_allocated);
  w.Field("used_memory_human", BytesToHuman(mh.total_allocated));
  w.FieldU("used_memory_rss", mh.rss);
  w.Field("used_memory_rss_human", BytesToHuman(mh.rss));
  w.FieldU("used_memory_peak", mh.peak_allocated);
  w.Field("used_memory_peak_human", BytesToHuman(mh.peak_allocated));
  w.FieldF("used_memory_peak_perc", "%.2f%%", mh.peak_perc);
  w.FieldU("used_memory_overhead", mh.overhead_total);
  w.FieldU("used_memory_startup", mh.startup_allocated);
  w.FieldU("used_memory_dataset", mh.dataset);
  w.FieldF("used_memory_dataset_perc", "%.2f%%", mh.dataset_perc);
  w.FieldU("allocator_allocated", mh.allocator.allocated);
  w.FieldU("allocator_active", mh.allocator.active);
  w.FieldU("allocator_resident", mh.allocator.resident);
  uint64_t total = memory::TotalSystemMemory();
  w.FieldU("total_system_memory", total);
  w.Field("total_system_memory_human", BytesToHuman(total));
  LuaEngine& lua = ctx.server.lua();
  w.FieldU("used_memory_lua", lua.vm_memory());
  w.FieldU("used_memory_vm_eval", lua.vm_memory());
  w.Field("used_memory_lua_human", BytesToHuman(lua.vm_memory()));
  w.FieldU("used_memory_scripts_eval", lua.scripts_memory());
  w.FieldU("number_of_cached_scripts", lua.script_count());
  FunctionStore& functions = ctx.server.functions();
  w.FieldU("number_of_functions", functions.function_count());
  w.FieldU("number_of_libraries", functions.libraries().size());
  w.FieldU("used_memory_vm_functions", functions.vm_memory());
  size_t vm_total = lua.vm_memory() + functions.vm_memory();
  w.FieldU("used_memory_vm_total", vm_total);
  w.Field("used_memory_vm_total_human", BytesToHuman(vm_total));
  w.FieldU("used_memory_functions", functions.memory());
  size_t scripts_total = lua.scripts_memory() + functions.memory();
  w.FieldU("used_memory_scripts", scripts_total);
  w.Field("used_memory_scripts_human", BytesToHuman(scripts_total));
  w.FieldU("maxmemory", cfg.maxmemory);
  w.Field("maxmemory_human", BytesToHuman(cfg.maxmemory));
  w.Field("maxmemory_policy", ctx.server.config().Get({"maxmemory-policy"})[0].second);
  w.FieldF("allocator_frag_ratio", "%.2f", mh.allocator_frag);
  w.Field("allocator_frag_bytes", mh.allocator_frag_bytes);
  w.FieldF("allocator_rss_ratio", "%.2f", mh.allocator_rss);
  w.Field("allocator_rss_bytes", mh.allocator_rss_bytes);
  w.FieldF("rss_overhead_ratio", "%.2f", mh.rss_extra);
  w.Field("rss_overhead_bytes", mh.rss_extra_bytes);
  w.FieldF("mem_fragmentation_ratio", "%.2f", mh.total_frag);
  w.Field("mem_fragmentation_bytes", mh.total_frag_bytes);
  w.FieldU("mem_not_counted_for_evict", mh.clients_slaves + mh.aof_buffer);
  w.FieldU("mem_replication_backlog", mh.repl_backlog);
  w.FieldU("mem_total_replication_buffers", mh.repl_backlog + mh.clients_slaves);
  w.FieldU("mem_clients_slaves", mh.clients_slaves);
  w.FieldU("mem_clients_normal", mh.clients_normal);
  w.Field("mem_cluster_links", "0");
  w.FieldU("mem_aof_buffer", mh.aof_buffer);
  w.Field("mem_allocator", memory::AllocatorName());
  w.Field("active_defrag_running", "0");
  w.FieldU("lazyfree_pending_objects", ctx.server.lazy_free().pending());
  w.FieldU("lazyfreed_objects", ctx.server.lazy_free().freed());
}

void PersistenceSection(CommandContext& ctx, InfoWriter& w) {
  Server& s = ctx.server;
  w.Section("Persistence");
  RdbPersistence* rdb = s.rdb();
  w.Field("loading", s.loading() ? "1" : "0");
  w.Field("async_loading", "0");
  w.Field("current_cow_peak", "0");
  w.Field("current_cow_size", "0");
  w.Field("current_cow_size_age", "0");
  w.Field("current_fork_perc", "0.00");
  w.Field("current_save_keys_processed", "0");
  w.Field("current_save_keys_total", "0");
  w.FieldU("rdb_changes_since_last_save", s.dirty());
  w.Field("rdb_bgsave_in_progress", rdb && rdb->bgsave_in_progress() ? "1" : "0");
  w.Field("rdb_last_save_time", s.last_save_time());
  w.Field("rdb_last_bgsave_status", !rdb || rdb->last_bgsave_ok() ? "ok" : "err");
  w.Field("rdb_last_bgsave_time_sec", rdb ? rdb->last_bgsave_time_sec() : -1);
  w.Field("rdb_current_bgsave_time_sec", rdb ? rdb->current_bgsave_time_sec() : -1);
  w.FieldU("rdb_saves", rdb ? rdb->saves() : 0);
  w.Field("rdb_last_cow_size", "0");
  w.FieldU("rdb_last_load_keys_expired", rdb ? rdb->last_load_keys_expired() : 0);
  w.FieldU("rdb_last_load_keys_loaded", rdb ? rdb->last_load_keys_loaded() : 0);
  AofStatus aof = s.aof() ? s.aof()->Status() : AofStatus{};
  w.Field("aof_enabled", aof.enabled ? "1" : "0");
  w.Field("aof_rewrite_in_progress", aof.rewrite_in_progress ? "1" : "0");
  w.Field("aof_rewrite_scheduled", aof.rewrite_scheduled ? "1" : "0");
  w.Field("aof_last_rewrite_time_sec", aof.last_rewrite_time_sec);
  w.Field("aof_current_rewrite_time_sec", aof.current_rewrite_time_sec);
  w.Field("aof_last_bgrewrite_status", aof.last_bgrewrite_ok ? "ok" : "err");
  w.FieldU("aof_rewrites", aof.rewrites);
  w.FieldU("aof_rewrites_consecutive_failures", aof.rewrites_consecutive_failures);
  w.Field("aof_last_write_status", aof.last_write_ok ? "ok" : "err");
  w.Field("aof_last_cow_size", "0");
  w.Field("module_fork_in_progress", "0");
  w.Field("module_fork_last_cow_size", "0");
  if (aof.enabled) {
    w.Field("aof_current_size", aof.current_size);
    w.Field("aof_base_size", aof.base_size);
    w.Field("aof_pending_rewrite", aof.rewrite_scheduled ? "1" : "0");
    w.FieldU("aof_buffer_length", aof.buffer_length);
    w.Field("aof_pending_bio_fsync", static_cast<int64_t>(aof.pending_bio_fsync));
    w.FieldU("aof_delayed_fsync", aof.delayed_fsync);
  }
}

void StatsSection(CommandContext& ctx, InfoWriter& w) {
  Server& s = ctx.server;
  s.FoldNetCounters();
  const ServerStats& st = s.stats();
  auto kbps = [](const ServerStats::Instant& m) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.2f", static_cast<double>(m.Average()) / 1024);
    return std::string(buf);
  };
  w.Section("Stats");
  w.FieldU("total_connections_received", st.connections_received);
  w.FieldU("total_commands_processed", st.commands_processed);
  w.FieldU("instantaneous_ops_per_sec", st.ops.Average());
  w.FieldU("total_net_input_bytes", st.net_input_bytes);
  w.FieldU("total_net_output_bytes", st.net_output_bytes);
  w.FieldU("total_net_repl_input_bytes", st.net_repl_input_bytes);
  w.FieldU("total_net_repl_output_bytes", st.net_repl_output_bytes);
  w.Field("instantaneous_input_kbps", kbps(st.net_in));
  w.Field("instantaneous_output_kbps", kbps(st.net_out));
  w.Field("instantaneous_input_repl_kbps", kbps(st.net_repl_in));
  w.Field("instantaneous_output_repl_kbps", kbps(st.net_repl_out));
  w.FieldU("rejected_connections", st.rejected_connections);
  w.FieldU("sync_full", s.repl().sync_full);
  w.FieldU("sync_partial_ok", s.repl().sync_partial_ok);
  w.FieldU("sync_partial_err", s.repl().sync_partial_err);
  w.FieldU("expired_keys", Db::expired_keys);
  w.FieldF("expired_stale_perc", "%.2f", static_cast<double>(st.expired_stale_perc));
  w.Field("expired_time_cap_reached_count", "0");
  w.Field("expire_cycle_cpu_milliseconds", "0");
  w.FieldU("evicted_keys", ctx.server.evictor().evicted_keys());
  w.FieldU("evicted_clients", st.evicted_clients);
  w.Field("total_eviction_exceeded_time", "0");
  w.Field("current_eviction_exceeded_time", "0");
  w.FieldU("keyspace_hits", Db::hits);
  w.FieldU("keyspace_misses", Db::misses);
  w.FieldU("pubsub_channels", s.pubsub().NumChannels());
  w.FieldU("pubsub_patterns", s.pubsub().NumPat());
  w.FieldU("pubsubshard_channels", s.shard_pubsub().NumChannels());
  w.Field("latest_fork_usec", s.child().last_fork_usec());
  w.FieldU("total_forks", s.child().total_forks());
  w.Field("migrate_cached_sockets", "0");
  w.Field("slave_expires_tracked_keys", "0");
  w.Field("active_defrag_hits", "0");
  w.Field("active_defrag_misses", "0");
  w.Field("active_defrag_key_hits", "0");
  w.Field("active_defrag_key_misses", "0");
  w.Field("total_active_defrag_time", "0");
  w.Field("current_active_defrag_time", "0");
  w.Field("tracking_total_keys", "0");
  w.Field("tracking_total_items", "0");
  w.Field("tracking_total_prefixes", "0");
  w.Field("unexpected_error_replies", "0");
  w.FieldU("total_error_replies", st.error_replies);
  w.Field("dump_payload_sanitizations", "0");
  w.FieldU("total_reads_processed", st.commands_processed);
  w.FieldU("total_writes_processed", st.commands_processed);
  w.Field("io_threaded_reads_processed", "0");
  w.Field("io_threaded_writes_processed", "0");
  w.Field("reply_buffer_shrinks", "0");
  w.Field("reply_buffer_expands", "0");
}

void ReplicationSection(CommandContext& ctx, InfoWriter& w, std::string* out) {
  w.Section("Replication");
  ctx.server.repl_primary().AppendInfo(out);
}

void CpuSection(InfoWriter& w) {
  rusage self{}, children{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  w.Section("CPU");
  w.Field("used_cpu_sys", TimevalString(self.ru_stime));
  w.Field("used_cpu_user", TimevalString(self.ru_utime));
  w.Field("used_cpu_sys_children", TimevalString(children.ru_stime));
  w.Field("used_cpu_user_children", TimevalString(children.ru_utime));
  w.Field("used_cpu_sys_main_thread", TimevalString(self.ru_stime));
  w.Field("used_cpu_user_main_thread", TimevalString(self.ru_utime));
}

void CommandstatsOne(const CommandSpec& spec, InfoWriter& w) {
  if (spec.calls == 0 && spec.rejected_calls == 0 && spec.failed_calls == 0) return;
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "calls=%" PRIu64 ",usec=%" PRIu64 ",usec_per_call=%.2f,rejected_calls=%" PRIu64
                ",failed_calls=%" PRIu64,
                spec.calls, spec.usec,
                spec.calls ? static_cast<double>(spec.usec) / spec.calls : 0.0,
                spec.rejected_calls, spec.failed_calls);
  w.Field("cmdstat_" + spec.name, buf);
}

void CommandstatsSection(CommandContext& ctx, InfoWriter& w) {
  w.Section("Commandstats");
  for (const auto& [name, spec] : ctx.server.commands().all()) {
    CommandstatsOne(*spec, w);
    for (const auto& [sub, s] : spec->subcommands) CommandstatsOne(*s, w);
  }
}

void ErrorstatsSection(CommandContext& ctx, InfoWriter& w) {
  w.Section("Errorstats");
  for (const auto& [prefix, count] : ctx.server.stats().error_counts) {
    w.Field("errorstat_" + prefix, "count=" + std::to_string(count));
  }
}

// latency_percentiles_usec_<command>:p50=..,p99=..,p99.9=.. for every command called since the
// last CONFIG RESETSTAT, at latency-tracking-info-percentiles.
void LatencyOne(const CommandSpec& spec, const std::vector<double>& percentiles, InfoWriter& w) {
  if (!spec.latency || spec.latency->total() == 0) return;
  std::string value;
  char buf[96];
  for (double p : percentiles) {
    std::snprintf(buf, sizeof(buf), "%sp%g=%.3f", value.empty() ? "" : ",", p,
                  static_cast<double>(spec.latency->ValueAtPercentile(p)) / 1000.0);
    value += buf;
  }
  w.Field("latency_percentiles_usec_" + spec.name, value);
}

void LatencystatsSection(CommandContext& ctx, InfoWriter& w) {
  w.Section("Latencystats");
  const std::vector<double>& percentiles = ctx.server.cfg().latency_tracking_info_percentiles;
  for (const auto& [name, spec] : ctx.server.commands().all()) {
    LatencyOne(*spec, percentiles, w);
    for (const auto& [sub, s] : spec->subcommands) LatencyOne(*s, percentiles, w);
  }
}

void KeyspaceSection(CommandContext& ctx, InfoWriter& w) {
  w.Section("Keyspace");
  for (int i = 0; i < ctx.server.db_count(); ++i) {
    Db& db = ctx.server.db(i);
    if (db.size() == 0) continue;
    w.Field("db" + std::to_string(i), "keys=" + std::to_string(db.size()) +
                                          ",expires=" + std::to_string(db.expires_size()) +
                                          ",avg_ttl=" + std::to_string(db.avg_ttl()));
  }
}

void CmdInfo(CommandContext& ctx) {
  static const std::vector<std::string> kDefault = {
      "server", "clients", "memory", "persistence", "stats", "replication",
      "cpu", "modules", "errorstats", "cluster", "keyspace"};
  std::set<std::string> want;
  if (ctx.argc() == 1) {
    want.insert(kDefault.begin(), kDefault.end());
  }
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string s = ToLower(ctx.arg(i));
    if (s == "default") {
      want.insert(kDefault.begin(), kDefault.end());
    } else if (s == "all" || s == "everything") {
      want.insert(kDefault.begin(), kDefault.end());
      want.insert("commandstats");
      want.insert("latencystats");
    } else {
      want.insert(s);
    }
  }
  std::string out;
  InfoWriter w(&out);
  if (want.count("server")) ServerSection(ctx, w);
  if (want.count("clients")) ClientsSection(ctx, w);
  if (want.count("memory")) MemorySection(ctx, w);
  if (want.count("persistence")) PersistenceSection(ctx, w);
  if (want.count("stats")) StatsSection(ctx, w);
  if (want.count("replication")) ReplicationSection(ctx, w, &out);
  if (want.count("cpu")) CpuSection(w);
  if (want.count("modules")) w.Section("Modules");
  if (want.count("commandstats")) CommandstatsSection(ctx, w);
  if (want.count("errorstats")) ErrorstatsSection(ctx, w);
  if (want.count("latencystats")) LatencystatsSection(ctx, w);
  if (want.count("cluster")) {
    w.Section("Cluster");
    w.Field("cluster_enabled", ctx.server.cfg().cluster_enabled ? "1" : "0");
  }
  if (want.count("keyspace")) KeyspaceSection(ctx, w);
  ctx.rb.SendVerbatim("txt", out);
}

}  // namespace

void RegisterInfoCommand(CommandRegistry& r) {
  CommandSpec& s = r.Add(MakeCommand("info", -1, kCmdLoading | kCmdStale, kAclSlow | kAclDangerous,
                                     0, 0, 0, CmdInfo, "server",
                                     "Get information and statistics about the server"));
  s.since = "1.0.0";
}

}  // namespace sable

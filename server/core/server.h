// The data node: owns the loop, the listeners, the databases, the command table, clients,
// pub/sub, WATCH bookkeeping and statistics, and runs every command on the main loop in order.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server/config/config.h"
#include "server/core/client.h"
#include "server/core/blocking.h"
#include "server/core/client_pause.h"
#include "server/core/command.h"
#include "server/core/evictor.h"
#include "server/core/lazy_free.h"
#include "server/core/tracking.h"
#include "server/net/event_loop.h"
#include "server/net/net_server.h"
#include "server/observe/latency.h"
#include "server/observe/memory.h"
#include "server/observe/slowlog.h"
#include "server/persist/child_process.h"
#include "server/pubsub/pubsub.h"
#include "server/store/db.h"

namespace sable {

namespace cluster {
class Cluster;
class SlotIndex;
}  // namespace cluster

class RdbPersistence;
class AofPersistence;
class ReplicationState;
class ReplPrimary;
class Replica;
class FunctionStore;
class LuaEngine;

struct ServerStats {
  uint64_t connections_received = 0;  // total_connections_received
  uint64_t commands_processed = 0;    // total_commands_processed
  uint64_t rejected_connections = 0;  // maxclients refusals
  uint64_t net_input_bytes = 0;       // total_net_input_bytes
  uint64_t net_output_bytes = 0;      // total_net_output_bytes
  uint64_t net_repl_input_bytes = 0;  // total_net_repl_input_bytes (from our primary)
  uint64_t net_repl_output_bytes = 0; // total_net_repl_output_bytes (to our replicas)
  uint64_t error_replies = 0;         // total_error_replies
  uint64_t evicted_clients = 0;       // closed for output buffer limits
  uint64_t expired_stale_perc = 0;
  uint64_t pubsub_messages = 0;
  std::map<std::string, uint64_t> error_counts;  // errorstats, by error prefix
  // The instantaneous_* rates: per-second rates of a counter sampled by cron every 100 ms,
  // averaged over the last 16 samples, as Redis's trackInstantaneousMetric.
  struct Instant {
    uint64_t last = 0;
    std::array<uint64_t, 16> samples{};
    size_t idx = 0;
    void Sample(uint64_t current, int64_t dt_ms) {
      samples[idx++ % samples.size()] = dt_ms > 0 ? (current - last) * 1000 / dt_ms : 0;
      last = current;
    }
    uint64_t Average() const {
      uint64_t sum = 0;
      for (uint64_t v : samples) sum += v;
      return sum / samples.size();
    }
  };
  int64_t instant_time_ms = 0;
  Instant ops, net_in, net_out, net_repl_in, net_repl_out;
};

// A consumer of the propagated command stream (AOF, replication backlog and replicas). db is -1
// for commands that belong to no database (the MULTI/EXEC around a transaction's effects).
using PropagationSink = std::function<void(int db, const std::vector<std::string_view>& argv)>;
// Where a propagated effect goes: PUBLISH reaches replicas but not the AOF, as in Redis.
enum PropagateTarget : int { kPropagateAof = 1, kPropagateRepl = 2, kPropagateAll = 3 };

class Server : public net::ConnectionHandler, public KeyspaceHooks {
 public:
  explicit Server(Config* config);
  ~Server() override;

  // Binds listeners and starts timers. Returns an error text, or "" on success.
  std::string Start();
  // Runs the loop until SHUTDOWN or a signal.
  void Run();
  // Stops the loop at the next iteration (SHUTDOWN, SIGTERM).
  void RequestShutdown();

  Config& config() { return *config_; }
  const ServerConfig& cfg() const { return config_->values(); }
  CommandRegistry& commands() { return commands_; }
  Db& db(int i) { return *dbs_[i]; }
  int db_count() const { return static_cast<int>(dbs_.size()); }
  PubSub& pubsub() { return pubsub_; }
  // Shard channels (SSUBSCRIBE/SPUBLISH), apart from the global ones as in Redis 7.0.
  PubSub& shard_pubsub() { return shard_pubsub_; }
  ServerStats& stats() { return stats_; }
  net::EventLoop& loop() { return loop_; }
  const std::map<uint64_t, Client*>& clients() const { return clients_; }
  // CLIENT PAUSE state; the dispatcher consults it before running a command.
  ClientPause& client_pause() { return client_pause_; }
  // Clients blocked on keys (BLPOP and friends).
  Blocking& blocking() { return blocking_; }
  Client* FindClient(uint64_t id);
  const std::string& run_id() const { return run_id_; }
  int64_t start_time_ms() const { return start_ms_; }
  uint64_t dirty() const { return dirty_; }
  int64_t last_save_time() const { return last_save_s_; }
  int tcp_port() const { return cfg().port; }

  // A client with no socket, for in-process tests and internal callers; replies go to `out`.
  Client* AddLocalClient(OutputBuffer* out);
  void RemoveLocalClient(Client* c);

  // Runs one command for a client with all checks (auth, arity, MULTI queueing...).
  void ProcessCommand(Client* c, std::vector<std::string_view>& args);
  // Runs a resolved command now (EXEC uses this for queued commands).
  void Call(Client* c, const CommandSpec* cmd, std::vector<std::string_view>& args);
  // Looks up a command or subcommand from argv; nullptr when unknown.
  const CommandSpec* Lookup(const std::vector<std::string_view>& args) const;

  // Keyspace notifications (notify-keyspace-events).
  void Notify(int type, std::string_view event, std::string_view key, int db);
  // Appends to the propagated stream (AOF/replicas).
  void Propagate(int db, const std::vector<std::string_view>& argv,
                 int targets = kPropagateAll);
  // A sink receives what is propagated to any of its targets.
  void AddPropagationSink(PropagationSink sink, int targets = kPropagateAof) {
    sinks_.push_back({targets, std::move(sink)});
  }
  void AddDirty(long long n) { dirty_ += n; }
  // Where the effects of the commands called from now on may go (redis.set_repl in scripts):
  // kPropagateAll normally, 0 for nowhere.
  void set_propagate_mask(int targets) { propagate_mask_ = targets; }
  // True while EXEC runs its queued commands (commands that fork defer to cron then).
  bool in_exec() const { return call_depth_ > 1; }

  // While loading a dataset (AOF replay) nothing expires and nothing is propagated: the log
  // replays against the keyspace exactly as it was written.
  bool loading() const { return loading_; }
  void set_loading(bool on) { loading_ = on; }

  // A persistence health check run before writes (and PING): a non-empty result is the MISCONF
  // error the command is refused with. RDB (failed BGSAVE) and AOF (write errors) register one.
  void AddDiskErrorCheck(std::function<std::string()> check) {
    disk_error_checks_.push_back(std::move(check));
  }

  // WATCH bookkeeping.
  void Watch(Client* c, std::string_view key);
  void UnwatchAll(Client* c);

  // Client-side caching (CLIENT TRACKING).
  Tracking& tracking() { return tracking_; }
  // The client whose command is running (the caller while a script runs its commands);
  // nullptr between commands (cron, expiry, replication applied by the loop itself).
  Client* current_client() const { return current_client_; }

  // SLOWLOG, the latency monitor's events (LATENCY), and MONITOR.
  SlowLog& slowlog() { return slowlog_; }
  LatencyMonitor& latency_monitor() { return latency_monitor_; }
  // Records a latency-monitor-threshold event of `ms` (expire-cycle, fork...).
  void LatencySample(std::string_view event, int64_t ms);
  void AddMonitor(Client* c);
  void RemoveMonitor(Client* c);
  size_t monitor_count() const { return monitors_.size(); }
  // Sends one MONITOR line for a command `c` runs in `db` to every monitor. EVAL and FCALL feed
  // themselves before their scripts' commands; every other command is fed once it ran.
  void FeedMonitors(Client* c, int db, const std::vector<std::string_view>& args,
                    uint64_t redacted);

  // Unsubscribes a client from everything (RESET, disconnect).
  void UnsubscribeAll(Client* c, bool notify);
  // Cluster mode: every subscriber of a shard channel whose slot this shard no longer serves
  // gets a "sunsubscribe" push and loses the subscription, as Redis 7.0 does, so clients
  // subscribe again where the slot went.
  void DropShardChannel(const std::string& channel);

  // Closes a client once its reply is written (QUIT) or at once (CLIENT KILL).
  void CloseClient(Client* c, bool after_reply);
  // Applies client-output-buffer-limit to a client; returns false when it was closed.
  bool CheckOutputLimits(Client* c);
  // Adds the network byte counts since the last call to the INFO totals (cron, INFO).
  void FoldNetCounters() {
    auto [in, out] = net_.TakeByteCounts();
    stats_.net_input_bytes += in;
    stats_.net_output_bytes += out;
  }
  // Resets CONFIG RESETSTAT counters.
  void ResetStats();

  // Persistence (server/persist), attached by main.cc; nullptr in tests that do not need it.
  RdbPersistence* rdb() { return rdb_; }
  AofPersistence* aof() { return aof_; }
  void set_rdb(RdbPersistence* p) { rdb_ = p; }
  void set_aof(AofPersistence* p) { aof_ = p; }

  // Replication ids, offsets and backlog (server/repl/repl_state.h), and the primary side
  // (replica connections, PSYNC, WAIT; server/repl/primary.h).
  ReplicationState& repl() { return *repl_; }
  ReplPrimary& repl_primary() { return *repl_primary_; }
  // The link to our own primary (REPLICAOF; server/repl/replica.h).
  Replica& replica() { return *replica_; }
  // The Lua interpreter and script cache, created on first use.
  LuaEngine& lua();
  // The function libraries (FUNCTION LOAD, FCALL), created on first use.
  FunctionStore& functions();
  // The script or function running past busy-reply-threshold (nullptr when none): other
  // clients are answered BUSY meanwhile, except for the commands flagged allow-busy.
  LuaEngine* busy_script() const { return busy_script_; }
  void set_busy_script(LuaEngine* e) { busy_script_ = e; }
  // Serves the other clients from inside a busy script (see NetServer::ServeWhileBusy).
  void ServeWhileBusy() { net_.ServeWhileBusy(); }
  // RequestShutdown was called: the loop ends as soon as control returns to it.
  bool exiting() const { return exiting_; }
  // In the child of a forked Lua debugging session: nothing it does reaches the AOF or replicas.
  void BecomeDebugChild() { debug_child_ = true; }

  // The forked child (BGSAVE, BGREWRITEAOF); cron reaps it.
  ChildProcess& child() { return child_; }
  // Called at the end of every cron run; persistence registers its periodic work here (save
  // points, AOF fsync/rewrite checks) so the core does not depend on it.
  void AddCronHook(std::function<void()> hook) { cron_hooks_.push_back(std::move(hook)); }
  // Called before the process exits on SHUTDOWN/SIGTERM; a hook returning an error text refuses
  // the shutdown (SHUTDOWN replies "ERR Errors trying to SHUTDOWN. Check logs."), unless forced.
  using ShutdownHook = std::function<std::string(bool save, bool nosave)>;
  void AddShutdownHook(ShutdownHook hook) { shutdown_hooks_.push_back(std::move(hook)); }
  // Runs the shutdown hooks; returns "" when the server may exit.
  std::string PrepareShutdown(bool save, bool nosave, bool force);
  // SHUTDOWN and SIGTERM, as Redis 7.0: unless `now`, a primary whose replicas have not all
  // acknowledged its offset pauses writes, asks them for ACKs and waits (cron checks) up to
  // shutdown-timeout seconds before saving and exiting. `client` (nullptr for a signal) is
  // blocked while waiting and gets "ERR Errors trying to SHUTDOWN. Check logs." if the shutdown
  // fails or is aborted; it gets no reply when the server exits.
  struct ShutdownOptions {
    bool save = false;    // SAVE: save even without save points
    bool nosave = false;  // NOSAVE: never save
    bool now = false;     // NOW: do not wait for replicas
    bool force = false;   // FORCE: exit even if saving fails
  };
  enum class ShutdownResult { kExiting, kWaiting, kFailed };
  ShutdownResult BeginShutdown(Client* client, ShutdownOptions opts);
  // SHUTDOWN ABORT: cancels a shutdown waiting for replicas; false when none is.
  bool AbortShutdown();
  bool shutdown_in_progress() const { return shutdown_deadline_ms_ != 0; }
  void set_last_save_time(int64_t s) { last_save_s_ = s; }
  void ResetDirty() { dirty_ = 0; }

  // Cluster mode. The per-slot key index of db 0 exists only with cluster-enabled yes (nullptr
  // otherwise, so standalone keyspace hooks cost one branch).
  cluster::SlotIndex* slot_index() { return slot_index_.get(); }
  // The cluster subsystem (nodes.conf, bus, routing); nullptr unless cluster-enabled is yes.
  // Start() loads nodes.conf; main.cc stops it after Run().
  cluster::Cluster* cluster() { return cluster_.get(); }

  // Memory as INFO reports it.
  size_t UsedMemory() const;
  // A cheap used-memory estimate for every command: the last exact figure plus what the loop
  // thread allocated and freed since (jemalloc's per-thread counters). RefreshMemoryBaseline
  // takes a new exact figure (cron, and the evictor when the estimate is past the limit).
  size_t UsedMemoryFast() const;
  void RefreshMemoryBaseline();
  // What maxmemory does not count: the replicas' output buffers.
  size_t MemoryNotCountedForEviction() const;
  Evictor& evictor() { return evictor_; }
  const LazyFreeThread& lazy_free() const { return lazy_free_; }
  // The overhead figures of INFO memory, MEMORY STATS and MEMORY DOCTOR
  // (server/core/memory_report.cc).
  memory::Overhead MemoryReport();
  size_t peak_memory() const { return peak_memory_; }
  // The command being processed found memory over maxmemory with nothing left to evict (what
  // scripts check before their denyoom calls).
  bool out_of_memory() const { return out_of_memory_; }
  // Registered by the DEBUG/SHUTDOWN family: pause the loop for ms (DEBUG SLEEP).
  void SleepMs(int64_t ms);
  // DEBUG SET-ACTIVE-EXPIRE: tests turn the background expiry cycle off to observe lazy expiry.
  void set_active_expire(bool on) { active_expire_ = on; }
  bool active_expire() const { return active_expire_; }

  // net::ConnectionHandler
  bool OnOpen(net::Connection* conn) override;
  bool OnRequest(net::Connection* conn, std::vector<std::string_view>& args) override;
  void AfterInput(net::Connection* conn) override;
  void OnClose(net::Connection* conn) override;

  // KeyspaceHooks
  void KeyModified(Db& db, std::string_view key) override;
  void KeyExpired(Db& db, std::string_view key) override;
  void FieldsExpired(Db& db, std::string_view key, const std::vector<std::string>& fields,
                     bool key_deleted) override;
  void KeyAdded(Db& db, std::string_view key) override;
  void KeyRemoved(Db& db, std::string_view key) override;
  void DbFlushed(Db& db) override;
  // A replica leaves expiry to its primary's DELs, and its master client sees keys as the
  // primary did when it sent the command.
  bool ExpireAllowed() override;
  bool ExpiryPaused() override;

 private:
  void Cron();
  void ApplyRuntimeConfig();
  void RegisterConfigHooks();
  void CloseIdleClients(int64_t now_ms);
  void RejectCommand(Client* c, std::string_view error);
  void CountError(std::string_view error);
  // After a command ran: MONITOR, SLOWLOG, the latency monitor and latency-tracking.
  void Observe(Client* c, const CommandSpec* cmd, const std::vector<std::string_view>& args,
               uint64_t redacted, int64_t duration_us);
  // Sends what one execution unit propagated, wrapped in MULTI/EXEC when it is several.
  void PropagatePending();
  // Saves and stops (or fails) a shutdown that waited for replicas; CancelShutdown replies the
  // error to the blocked SHUTDOWN clients and lifts the write pause.
  void FinishShutdown();
  void CancelShutdown();

  Config* config_;
  net::EventLoop loop_;
  net::NetServer net_;
  CommandRegistry commands_;
  std::vector<std::unique_ptr<Db>> dbs_;
  PubSub pubsub_;
  PubSub shard_pubsub_{/*sharded=*/true};
  LazyFreeThread lazy_free_;
  std::map<uint64_t, Client*> clients_;
  // WATCH: per db, key -> clients watching it.
  std::vector<std::unordered_map<std::string, std::vector<Client*>>> watched_keys_;
  std::vector<std::pair<int, PropagationSink>> sinks_;
  // Effects collected while a command runs inside another (EXEC), or a command with several.
  struct PendingOp {
    int db;
    std::vector<std::string> argv;
    int targets = kPropagateAll;
  };
  std::vector<PendingOp> pending_ops_;
  int call_depth_ = 0;  // nesting of Call(): 1 for a client's command, 2 inside EXEC
  bool loading_ = false;
  std::vector<std::function<std::string()>> disk_error_checks_;
  ServerStats stats_;
  Tracking tracking_{*this};
  Client* current_client_ = nullptr;
  const CommandSpec* client_cmd_ = nullptr;  // CLIENT, whose subcommands keep CLIENT CACHING armed
  SlowLog slowlog_;
  LatencyMonitor latency_monitor_;
  std::vector<Client*> monitors_;
  std::string run_id_;
  int64_t start_ms_;
  int64_t last_save_s_;
  uint64_t dirty_ = 0;
  uint64_t cron_timer_ = 0;
  int cron_loops_ = 0;
  bool active_expire_ = true;
  ChildProcess child_;
  // EXEC and PING, looked up once: the dispatcher's per-command checks compare pointers.
  const CommandSpec* exec_cmd_ = nullptr;
  const CommandSpec* ping_cmd_ = nullptr;
  const CommandSpec* asking_cmd_ = nullptr;
  RdbPersistence* rdb_ = nullptr;
  AofPersistence* aof_ = nullptr;
  std::vector<std::function<void()>> cron_hooks_;
  std::vector<ShutdownHook> shutdown_hooks_;
  ShutdownOptions shutdown_opts_;           // of the shutdown waiting for replicas
  int64_t shutdown_deadline_ms_ = 0;        // when it stops waiting; 0 when none waits
  std::vector<uint64_t> shutdown_clients_;  // ids of the SHUTDOWN clients blocked on it
  OutputBuffer discard_;  // where replies go under CLIENT REPLY OFF/SKIP
  ClientPause client_pause_;
  Blocking blocking_{*this};
  std::unique_ptr<ReplicationState> repl_;
  std::unique_ptr<ReplPrimary> repl_primary_;
  std::unique_ptr<Replica> replica_;
  std::unique_ptr<LuaEngine> lua_;
  std::unique_ptr<FunctionStore> functions_;
  LuaEngine* busy_script_ = nullptr;
  bool exiting_ = false;
  Evictor evictor_{this};
  bool out_of_memory_ = false;
  struct MemoryBaseline {
    size_t used = 0;
    uint64_t allocated = 0;    // the loop thread's counters when `used` was read
    uint64_t deallocated = 0;
    uint64_t* allocatedp = nullptr;  // jemalloc's thread.allocatedp (nullptr without jemalloc)
    uint64_t* deallocatedp = nullptr;
  } mem_;
  size_t startup_memory_ = 0;  // used memory when Start() finished (used_memory_startup)
  size_t peak_memory_ = 0;     // the highest used memory cron or INFO saw
  bool debug_child_ = false;
  int propagate_mask_ = kPropagateAll;
  std::unique_ptr<cluster::SlotIndex> slot_index_;
  std::unique_ptr<cluster::Cluster> cluster_;
  uint64_t cluster_timer_ = 0;
};

}  // namespace sable

#include "server/core/server.h"

#include <malloc.h>
#include <unistd.h>

#include <csignal>
#include <random>

#include <spdlog/spdlog.h>

#include "cluster/cluster.h"
#include "cluster/slot_index.h"
#include "server/commands/register.h"
#include "server/config/keyspace_events.h"
#include "server/core/context.h"
#include "server/repl/primary.h"
#include "server/repl/repl_state.h"
#include "server/repl/replica.h"
#include "server/resp/errors.h"
#include "server/scripting/function_store.h"
#include "server/scripting/lua_engine.h"
#include "server/store/access_stamp.h"
#include "server/util/clock.h"
#include "server/util/numbers.h"
#include "server/util/random.h"

extern "C" int mallctl(const char*, void*, size_t*, void*, size_t) __attribute__((weak));

namespace sable {
namespace {

std::string RandomHex(size_t n) {
  std::random_device rd;
  std::mt19937_64 gen(rd());
  static const char kHex[] = "0123456789abcdef";
  std::string out(n, '0');
  for (char& c : out) c = kHex[gen() & 15];
  return out;
}

uint64_t FastRandom() {
  static FastRng gen((static_cast<uint64_t>(std::random_device{}()) << 32) ^
                     std::random_device{}());
  return gen();
}

}  // namespace

Server::Server(Config* config)
    : config_(config),
      net_(&loop_, this),
      run_id_(RandomHex(40)),
      start_ms_(WallMs()),
      last_save_s_(WallMs() / 1000) {
  uint64_t seed = FastRandom();
  int n = cfg().databases;
  for (int i = 0; i < n; ++i) dbs_.push_back(std::make_unique<Db>(i, this, seed));
  watched_keys_.resize(n);
  Db::lazy_freer = &lazy_free_;
  Db::rng = FastRandom;
  RegisterAllCommands(commands_);
  exec_cmd_ = commands_.Find("exec");
  ping_cmd_ = commands_.Find("ping");
  asking_cmd_ = commands_.Find("asking");
  client_cmd_ = commands_.Find("client");
  RegisterConfigHooks();
  child_.set_on_fork([this](int64_t usec) { LatencySample("fork", usec / 1000); });
  repl_ = std::make_unique<ReplicationState>(cfg().repl_backlog_size);
  repl_primary_ = std::make_unique<ReplPrimary>(this);
  replica_ = std::make_unique<Replica>(this);
  if (cfg().cluster_enabled) {
    slot_index_ = std::make_unique<cluster::SlotIndex>();
    // After the command table: routing looks commands up.
    cluster_ = std::make_unique<cluster::Cluster>(this);
  }
}

LuaEngine& Server::lua() {
  if (!lua_) lua_ = std::make_unique<LuaEngine>(this);
  return *lua_;
}

FunctionStore& Server::functions() {
  if (!functions_) functions_ = std::make_unique<FunctionStore>(this);
  return *functions_;
}

Server::~Server() {
  // First, while everything it uses is still there: its bus threads post to the loop, and its
  // Stop() may still save nodes.conf.
  cluster_.reset();
  replica_.reset();
  repl_primary_.reset();
  for (auto& [id, c] : clients_) delete c;
  clients_.clear();
  Db::lazy_freer = nullptr;
}

std::string Server::Start() {
  ApplyRuntimeConfig();
  const ServerConfig& c = cfg();
  // nodes.conf first, as Redis's clusterInit: a corrupt or locked file stops the start before
  // anything listens.
  if (cluster_) {
    std::string err = cluster_->Start();
    if (!err.empty()) return err;
    // The cluster's own 100 ms cadence (Redis's clusterCron runs 10 times a second whatever
    // hz is): failure detection timing must not depend on hz.
    cluster_timer_ = loop_.AddTimer(100, 100, [this] {
      RefreshCachedTime();
      cluster_->Cron();
    });
  }
  if (c.port != 0) {
    std::string err = net_.ListenTcp(c.bind, c.port, c.tcp_backlog);
    if (!err.empty()) return err;
  }
  if (!c.unixsocket.empty()) {
    std::string err = net_.ListenUnix(c.unixsocket, c.unixsocketperm, c.tcp_backlog);
    if (!err.empty()) return err;
  }
  int hz = c.hz > 0 ? c.hz : 10;
  cron_timer_ = loop_.AddTimer(1, 1000 / hz, [this] { Cron(); });
  // Before the replies are written: the BCAST invalidations of this iteration, and the tracking
  // table kept within tracking-table-max-keys.
  loop_.AddBeforeSleep(
      [this] {
        if (!tracking_.active()) return;
        tracking_.BroadcastPending();
        tracking_.EnforceMaxKeys(cfg().tracking_table_max_keys);
      },
      /*first=*/true);
  loop_.OnSignal(SIGTERM, [this] {
    spdlog::warn("Received SIGTERM scheduling shutdown...");
    if (shutdown_in_progress()) return;
    BeginShutdown(nullptr, ShutdownOptions{});
  });
  loop_.OnSignal(SIGINT, [this] {
    spdlog::warn("Received SIGINT scheduling shutdown...");
    if (shutdown_in_progress()) return;
    BeginShutdown(nullptr, ShutdownOptions{});
  });
  signal(SIGPIPE, SIG_IGN);
  startup_memory_ = UsedMemory();
  return "";
}

void Server::Run() { loop_.Run(); }

void Server::RequestShutdown() {
  exiting_ = true;
  net_.StopListening();
  loop_.Stop();
}

void Server::ApplyRuntimeConfig() {
  const ServerConfig& c = cfg();
  net_.set_query_buffer_limit(c.client_query_buffer_limit);
  net_.set_max_bulk_len(c.proto_max_bulk_len);
  net_.set_tcp_keepalive(c.tcp_keepalive);
  bool lfu = c.maxmemory_policy == MaxmemoryPolicy::kAllkeysLfu ||
             c.maxmemory_policy == MaxmemoryPolicy::kVolatileLfu;
  access::Configure(lfu, c.lfu_log_factor, c.lfu_decay_time);
}

void Server::RegisterConfigHooks() {
  auto apply = [this]() -> std::optional<std::string> {
    ApplyRuntimeConfig();
    return std::nullopt;
  };
  config_->OnChange("client-query-buffer-limit", apply);
  config_->OnChange("proto-max-bulk-len", apply);
  config_->OnChange("tcp-keepalive", apply);
  for (const char* name : {"maxmemory-policy", "lfu-log-factor", "lfu-decay-time"}) {
    config_->OnChange(name, apply);
  }
  // CONFIG SET port/bind: rebind the TCP listeners now, as Redis does. On failure Config
  // restores the old values and runs this hook again, which binds the old addresses back.
  auto rebind = [this]() -> std::optional<std::string> {
    net_.StopListeningTcp();
    if (cfg().port == 0) return std::nullopt;
    std::string err = net_.ListenTcp(cfg().bind, cfg().port, cfg().tcp_backlog);
    if (err.empty()) return std::nullopt;
    spdlog::warn("{}", err);
    net_.StopListeningTcp();
    return cfg().port == 0 ? err : std::string("Unable to listen on this port");
  };
  config_->OnChange("port", rebind);
  config_->OnChange("bind", rebind);
  config_->OnChange("hz", [this]() -> std::optional<std::string> {
    loop_.CancelTimer(cron_timer_);
    int hz = std::clamp(cfg().hz, 1, 500);
    cron_timer_ = loop_.AddTimer(1000 / hz, 1000 / hz, [this] { Cron(); });
    return std::nullopt;
  });
}

Client* Server::AddLocalClient(OutputBuffer* out) {
  static uint64_t next_local_id = 1ull << 62;
  RefreshCachedTime();
  auto* c = new Client(this, out, next_local_id++, CachedMs());
  c->authenticated = cfg().requirepass.empty();
  clients_[c->id()] = c;
  return c;
}

void Server::RemoveLocalClient(Client* c) {
  blocking_.ClientGone(c);
  if (c->monitor) RemoveMonitor(c);
  tracking_.Disable(c);
  UnwatchAll(c);
  UnsubscribeAll(c, false);
  clients_.erase(c->id());
  delete c;
}

bool Server::ExpireAllowed() { return !repl_->is_replica(); }

bool Server::ExpiryPaused() { return loading_ || (replica_ && replica_->applying()); }

Client* Server::FindClient(uint64_t id) {
  auto it = clients_.find(id);
  return it == clients_.end() ? nullptr : it->second;
}

// ---- connections -------------------------------------------------------------------------

bool Server::OnOpen(net::Connection* conn) {
  RefreshCachedTime();
  auto* c = new Client(this, conn, CachedMs());
  conn->user = c;
  clients_[c->id()] = c;
  const ServerConfig& cf = cfg();
  c->authenticated = cf.requirepass.empty();
  conn->parser().set_authenticated(c->authenticated);
  ++stats_.connections_received;
  if (clients_.size() > static_cast<size_t>(cf.maxclients)) {
    ++stats_.rejected_connections;
    c->rb().SendError(errors::kMaxClients);
    return false;
  }
  if (cf.protected_mode && cf.requirepass.empty() && !conn->IsLocal()) {
    c->rb().SendError(errors::kDenied);
    return false;
  }
  return true;
}

bool Server::OnRequest(net::Connection* conn, std::vector<std::string_view>& args) {
  auto* c = static_cast<Client*>(conn->user);
  ProcessCommand(c, args);
  return !conn->closing();
}

void Server::AfterInput(net::Connection* conn) {
  auto* c = static_cast<Client*>(conn->user);
  if (c) CheckOutputLimits(c);
}

void Server::OnClose(net::Connection* conn) {
  auto* c = static_cast<Client*>(conn->user);
  if (c == nullptr) return;
  if (repl_primary_) repl_primary_->OnClientClosed(c);
  blocking_.ClientGone(c);
  UnwatchAll(c);
  UnsubscribeAll(c, false);
  clients_.erase(c->id());
  conn->user = nullptr;
  delete c;
}

void Server::CloseClient(Client* c, bool after_reply) {
  if (c->conn() == nullptr) {
    // A socketless client with a link behind it (the master client) closes that link, later:
    // the caller may be iterating the client table.
    if (c->close_hook) loop_.Post(c->close_hook);
    return;
  }
  if (after_reply) {
    c->conn()->CloseAfterReply();
  } else {
    c->conn()->Close();
  }
}

bool Server::CheckOutputLimits(Client* c) {
  net::Connection* conn = c->conn();
  if (conn == nullptr) return true;
  if (conn->closing()) return false;
  const ServerConfig& cf = cfg();
  // Redis's getClientType(): the link to our primary counts as a normal client.
  ClientClass cls = c->is_replica                  ? ClientClass::kReplica
                    : c->subscription_count() > 0 ? ClientClass::kPubsub
                                                  : ClientClass::kNormal;
  const ClientBufferLimit& lim = cf.client_output_buffer_limit[static_cast<int>(cls)];
  size_t used = conn->out().size();
  bool over = false;
  if (lim.hard_limit_bytes && used >= lim.hard_limit_bytes) over = true;
  if (lim.soft_limit_bytes && used >= lim.soft_limit_bytes) {
    int64_t now = CachedMs();
    if (c->soft_limit_since_ms == 0) {
      c->soft_limit_since_ms = now;
    } else if (now - c->soft_limit_since_ms >= lim.soft_limit_seconds * 1000) {
      over = true;
    }
  } else {
    c->soft_limit_since_ms = 0;
  }
  if (!over) return true;
  spdlog::warn("Client id={} addr={} scheduled to be closed ASAP for overcoming of output "
               "buffer limits.", c->id(), conn->peer());
  ++stats_.evicted_clients;
  conn->Close();
  return false;
}

void Server::CloseIdleClients(int64_t now_ms) {
  int timeout = cfg().timeout;
  if (timeout <= 0) return;
  for (auto& [id, c] : clients_) {
    // Subscribers wait for messages by design; Redis spares them too.
    if (c->subscription_count() > 0) continue;
    // Replication links have their own timeout (repl-timeout).
    if (c->is_replica || c->is_master) continue;
    // Clients held by CLIENT PAUSE are blocked, and Redis never times out blocked clients.
    if (!c->postponed.empty() || blocking_.IsBlocked(c)) continue;
    if (c->conn() && now_ms - c->last_interaction_ms > static_cast<int64_t>(timeout) * 1000) {
      c->conn()->Close();
    }
  }
}

// ---- cron ---------------------------------------------------------------------------------

void Server::Cron() {
  RefreshCachedTime();
  int64_t now = CachedMs();
  int hz = std::max(1, cfg().hz);
  // Active expiry gets up to a quarter of each cron period, like Redis's slow cycle.
  int64_t budget_us = 250000 / hz;
  int64_t expire_start = MonoUs();
  int64_t deadline = expire_start + budget_us;
  for (auto& d : dbs_) {
    if (!active_expire_) break;
    d->ActiveExpire(deadline, now);
    if (MonoUs() > deadline) break;
  }
  LatencySample("expire-cycle", (MonoUs() - expire_start) / 1000);
  for (auto& d : dbs_) {
    d->ShrinkIfNeeded();
    d->RehashFor(1000 / static_cast<int64_t>(dbs_.size()) + 1);
  }
  CloseIdleClients(now);
  blocking_.RedirectMoved();
  for (auto& [id, c] : clients_) CheckOutputLimits(c);
  // instantaneous_ops_per_sec, sampled as Redis does.
  int64_t dt = now - stats_.instant_time_ms;
  FoldNetCounters();
  if (dt >= 100) {
    if (stats_.instant_time_ms == 0) dt = 0;  // the first sample only sets the baselines
    stats_.ops.Sample(stats_.commands_processed, dt);
    stats_.net_in.Sample(stats_.net_input_bytes, dt);
    stats_.net_out.Sample(stats_.net_output_bytes, dt);
    stats_.net_repl_in.Sample(stats_.net_repl_input_bytes, dt);
    stats_.net_repl_out.Sample(stats_.net_repl_output_bytes, dt);
    stats_.instant_time_ms = now;
  }
  child_.Poll();
  if (lua_) lua_->ReapDebugSessions();
  RefreshMemoryBaseline();
  for (auto& hook : cron_hooks_) hook();
  ++cron_loops_;
  if (shutdown_in_progress() &&
      (WallMs() >= shutdown_deadline_ms_ || repl_primary_->ReplicasInSync())) {
    FinishShutdown();
  }
}

std::string Server::PrepareShutdown(bool save, bool nosave, bool force) {
  std::string first_error;
  for (auto& hook : shutdown_hooks_) {
    std::string err = hook(save, nosave);
    if (!err.empty() && first_error.empty()) first_error = err;
  }
  if (!first_error.empty() && !force) return first_error;
  child_.Kill();
  if (lua_) lua_->KillDebugSessions();
  return "";
}

Server::ShutdownResult Server::BeginShutdown(Client* client, ShutdownOptions opts) {
  if (shutdown_in_progress()) {
    // A second SHUTDOWN joins the one already waiting.
    if (client != nullptr && client->conn() != nullptr) {
      client->conn()->Pause();
      shutdown_clients_.push_back(client->id());
    }
    return ShutdownResult::kWaiting;
  }
  spdlog::warn("User requested shutdown...");
  // A busy script holds the loop, so no timer could end the wait: from inside one (SHUTDOWN
  // NOSAVE) the server stops at once.
  if (!opts.now && busy_script_ == nullptr && cfg().shutdown_timeout != 0 &&
      !repl_primary_->ReplicasInSync()) {
    shutdown_opts_ = opts;
    shutdown_deadline_ms_ = WallMs() + static_cast<int64_t>(cfg().shutdown_timeout) * 1000;
    repl_primary_->RequestAcks();
    // Writes stay paused past the deadline; FinishShutdown or CancelShutdown ends the pause.
    client_pause_.Start(*this, ClientPause::Mode::kWrite, shutdown_deadline_ms_ + 3600 * 1000);
    if (client != nullptr && client->conn() != nullptr) {
      client->conn()->Pause();
      shutdown_clients_.push_back(client->id());
    }
    spdlog::info("Waiting for replicas before shutting down.");
    return ShutdownResult::kWaiting;
  }
  repl_primary_->LogShutdownSync();
  std::string err = PrepareShutdown(opts.save, opts.nosave, opts.force);
  if (!err.empty()) {
    spdlog::warn("Errors trying to shut down the server: {}", err);
    return ShutdownResult::kFailed;
  }
  RequestShutdown();
  return ShutdownResult::kExiting;
}

void Server::FinishShutdown() {
  repl_primary_->LogShutdownSync();
  std::string err = PrepareShutdown(shutdown_opts_.save, shutdown_opts_.nosave,
                                    shutdown_opts_.force);
  if (!err.empty()) {
    spdlog::warn("Errors trying to shut down the server: {}", err);
    CancelShutdown();
    return;
  }
  // The blocked SHUTDOWN clients see their connections close, as with Redis.
  for (uint64_t id : shutdown_clients_) {
    if (Client* c = FindClient(id)) CloseClient(c, false);
  }
  shutdown_clients_.clear();
  RequestShutdown();
}

void Server::CancelShutdown() {
  shutdown_deadline_ms_ = 0;
  shutdown_opts_ = ShutdownOptions{};
  for (uint64_t id : shutdown_clients_) {
    Client* c = FindClient(id);
    if (c == nullptr) continue;
    c->rb().SendError("ERR Errors trying to SHUTDOWN. Check logs.");
    c->ScheduleFlush();
    if (c->conn()) c->conn()->Resume();
  }
  shutdown_clients_.clear();
  client_pause_.End(*this);
}

bool Server::AbortShutdown() {
  if (!shutdown_in_progress()) return false;
  CancelShutdown();
  spdlog::info("Shutdown manually aborted.");
  return true;
}

void Server::SleepMs(int64_t ms) {
  if (ms > 0) usleep(static_cast<useconds_t>(ms * 1000));
}

size_t Server::UsedMemoryFast() const {
  if (mem_.allocatedp == nullptr) return UsedMemory();
  int64_t delta = static_cast<int64_t>(*mem_.allocatedp - mem_.allocated) -
                  static_cast<int64_t>(*mem_.deallocatedp - mem_.deallocated);
  int64_t used = static_cast<int64_t>(mem_.used) + delta;
  return used > 0 ? static_cast<size_t>(used) : 0;
}

void Server::RefreshMemoryBaseline() {
  if (mem_.allocatedp == nullptr && mallctl) {
    // The loop thread's own counters; read once, they stay valid for the thread's life.
    size_t sz = sizeof(uint64_t*);
    if (mallctl("thread.allocatedp", &mem_.allocatedp, &sz, nullptr, 0) != 0 ||
        mallctl("thread.deallocatedp", &mem_.deallocatedp, &sz, nullptr, 0) != 0) {
      mem_.allocatedp = mem_.deallocatedp = nullptr;
    }
  }
  mem_.used = UsedMemory();
  peak_memory_ = std::max(peak_memory_, mem_.used);
  if (mem_.allocatedp != nullptr) {
    mem_.allocated = *mem_.allocatedp;
    mem_.deallocated = *mem_.deallocatedp;
  }
}

size_t Server::MemoryNotCountedForEviction() const {
  size_t total = 0;
  for (const auto& [id, c] : clients_) {
    if (c->is_replica && c->conn() != nullptr) total += c->conn()->out().allocated();
  }
  return total;
}

size_t Server::UsedMemory() const {
  if (mallctl) {
    uint64_t epoch = 1;
    size_t sz = sizeof(epoch);
    mallctl("epoch", &epoch, &sz, &epoch, sz);
    size_t allocated = 0;
    sz = sizeof(allocated);
    if (mallctl("stats.allocated", &allocated, &sz, nullptr, 0) == 0) return allocated;
  }
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

void Server::ResetStats() {
  ServerStats fresh;
  stats_ = fresh;
  Db::hits = Db::misses = Db::expired_keys = 0;
  commands_.ResetStats();
  evictor_.ResetStats();
}

// ---- keyspace hooks ------------------------------------------------------------------------

void Server::KeyModified(Db& db, std::string_view key) {
  if (tracking_.active()) tracking_.Invalidate(key, current_client_);
  auto& watched = watched_keys_[db.index()];
  if (watched.empty()) return;
  auto it = watched.find(std::string(key));
  if (it == watched.end()) return;
  for (Client* c : it->second) c->watch_broken = true;
}

void Server::DbFlushed(Db& db) {
  blocking_.DbChanged(db.index());
  if (tracking_.active()) tracking_.InvalidateAll(current_client_);
  for (auto& [key, clients] : watched_keys_[db.index()]) {
    for (Client* c : clients) c->watch_broken = true;
  }
  // Cluster mode serves db 0 only. A flush leaves it empty; a swap (an RDB load swaps a freshly
  // read db in) brings keys the hooks never saw, so the index is rebuilt from the db itself.
  if (slot_index_ && db.index() == 0) {
    slot_index_->Clear();
    db.ForEach([this](Entry* e) { slot_index_->Add(e->key()); });
  }
}

void Server::KeyAdded(Db& db, std::string_view key) {
  if (slot_index_ && db.index() == 0) slot_index_->Add(key);
  blocking_.KeyAdded(db.index(), key);
}

void Server::KeyRemoved(Db& db, std::string_view key) {
  blocking_.KeyRemoved(db.index(), key);
  if (slot_index_ && db.index() == 0) slot_index_->Remove(key);
}

void Server::FieldsExpired(Db& db, std::string_view key, const std::vector<std::string>& fields,
                           bool key_deleted) {
  Notify(kNotifyHash, "hexpired", key, db.index());
  if (key_deleted) Notify(kNotifyGeneric, "del", key, db.index());
  // One HDEL per field, sent at once like the DEL of an expired key; the replica drops the key
  // with its last field.
  if (loading_) return;
  for (const std::string& f : fields) {
    std::vector<std::string_view> hdel = {"HDEL", key, f};
    Propagate(db.index(), hdel);
  }
}

void Server::KeyExpired(Db& db, std::string_view key) {
  Notify(kNotifyExpired, "expired", key, db.index());
  // Sent at once, even inside a command or EXEC, so it precedes the command's own effect and
  // stays outside any MULTI/EXEC (Redis 7.0 does the same).
  std::vector<std::string_view> del = {cfg().lazyfree_lazy_expire ? "UNLINK" : "DEL", key};
  if (!loading_) Propagate(db.index(), del);
}

void Server::Watch(Client* c, std::string_view key) {
  for (auto& [dbi, k] : c->watched) {
    if (dbi == c->db_index && k == key) return;
  }
  c->watched.emplace_back(c->db_index, std::string(key));
  watched_keys_[c->db_index][std::string(key)].push_back(c);
}

void Server::UnwatchAll(Client* c) {
  for (auto& [dbi, key] : c->watched) {
    auto& map = watched_keys_[dbi];
    auto it = map.find(key);
    if (it == map.end()) continue;
    std::erase(it->second, c);
    if (it->second.empty()) map.erase(it);
  }
  c->watched.clear();
  c->watch_broken = false;
}

void Server::UnsubscribeAll(Client* c, bool notify) {
  for (const std::string& ch : c->channels) pubsub_.Unsubscribe(c, ch);
  for (const std::string& p : c->patterns) pubsub_.PUnsubscribe(c, p);
  for (const std::string& ch : c->shard_channels) shard_pubsub_.Unsubscribe(c, ch);
  c->shard_channels.clear();
  c->channels.clear();
  c->patterns.clear();
}

void Server::DropShardChannel(const std::string& channel) {
  for (Subscriber* s : shard_pubsub_.Subscribers(channel)) {
    // Every subscriber the server registers is a Client.
    auto* c = static_cast<Client*>(s);
    shard_pubsub_.Unsubscribe(c, channel);
    c->shard_channels.erase(channel);
    ReplyBuilder rb(&c->out(), c->rb().resp3());
    rb.StartPush(3);
    rb.SendBulk("sunsubscribe");
    rb.SendBulk(channel);
    rb.SendLong(static_cast<int64_t>(c->shard_channels.size()));
    c->ScheduleFlush();
  }
}

void Server::Notify(int type, std::string_view event, std::string_view key, int db) {
  int flags = cfg().notify_keyspace_events;
  if (!(flags & type)) return;
  std::string dbs = std::to_string(db);
  if (flags & kNotifyKeyspace) {
    std::string channel = "__keyspace@" + dbs + "__:";
    channel.append(key);
    pubsub_.Publish(channel, event);
  }
  if (flags & kNotifyKeyevent) {
    std::string channel = "__keyevent@" + dbs + "__:";
    channel.append(event);
    pubsub_.Publish(channel, key);
  }
}

void Server::Propagate(int db, const std::vector<std::string_view>& argv, int targets) {
  if (debug_child_) return;
  for (auto& [sink_targets, sink] : sinks_) {
    if (sink_targets & targets) sink(db, argv);
  }
}

}  // namespace sable

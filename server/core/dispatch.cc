// The command path: lookup, the checks every command gets (arity, auth, pub/sub context, MULTI
// queueing), the call with its statistics, and propagation of what it changed.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string>

#include "cluster/cluster.h"
#include "server/core/context.h"
#include "server/core/server.h"
#include "server/repl/primary.h"
#include "server/repl/repl_state.h"
#include "server/repl/replica.h"
#include "server/resp/errors.h"
#include "server/scripting/lua_engine.h"
#include "server/util/clock.h"
#include "server/util/split_args.h"
#include "server/util/strings.h"

namespace sable {
namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

// Redis replaces CR/LF in echoed user input so an error stays one line.
std::string Sanitize(std::string_view s, size_t max) {
  std::string out(s.substr(0, max));
  for (char& ch : out) {
    if (ch == '\r' || ch == '\n') ch = ' ';
  }
  return out;
}

bool AllowedInPubSubContext(const CommandSpec* cmd) {
  const std::string& n = cmd->parent ? cmd->parent->name : cmd->name;
  return n == "subscribe" || n == "unsubscribe" || n == "psubscribe" || n == "punsubscribe" ||
         n == "ssubscribe" || n == "sunsubscribe" || n == "ping" || n == "quit" || n == "reset";
}

bool QueuedWrites(const Client* c) {
  for (const QueuedCommand& q : c->queued) {
    if (q.cmd->IsWrite()) return true;
  }
  return false;
}

bool QueuedDenyOom(const Client* c) {
  for (const QueuedCommand& q : c->queued) {
    if (q.cmd->flags & kCmdDenyOom) return true;
  }
  return false;
}

bool RunsImmediatelyInMulti(const CommandSpec* cmd) {
  const std::string& n = cmd->name;
  return n == "exec" || n == "discard" || n == "multi" || n == "watch" || n == "quit" ||
         n == "reset";
}

}  // namespace

// ---- Client --------------------------------------------------------------------------------

Client::Client(Server* server, net::Connection* conn, int64_t now_ms)
    : ctime_ms(now_ms),
      last_interaction_ms(now_ms),
      server_(server),
      conn_(conn),
      out_(&conn->out()),
      id_(conn->id()),
      rb_(out_) {}

Client::Client(Server* server, OutputBuffer* out, uint64_t id, int64_t now_ms)
    : ctime_ms(now_ms),
      last_interaction_ms(now_ms),
      server_(server),
      conn_(nullptr),
      out_(out),
      id_(id),
      rb_(out_) {}

void Client::DeliverPush(std::string_view kind, std::string_view channel,
                         std::string_view message) {
  ReplyBuilder rb(out_, rb_.resp3());
  rb.StartPush(3);
  rb.SendBulk(kind);
  rb.SendBulk(channel);
  rb.SendBulk(message);
  ScheduleFlush();
  server_->CheckOutputLimits(this);
}

void Client::DeliverMessage(std::string_view channel, std::string_view message) {
  DeliverPush("message", channel, message);
}

void Client::DeliverShardMessage(std::string_view channel, std::string_view message) {
  DeliverPush("smessage", channel, message);
}

void Client::DeliverPatternMessage(std::string_view pattern, std::string_view channel,
                                   std::string_view message) {
  ReplyBuilder rb(out_, rb_.resp3());
  rb.StartPush(4);
  rb.SendBulk("pmessage");
  rb.SendBulk(pattern);
  rb.SendBulk(channel);
  rb.SendBulk(message);
  ScheduleFlush();
  server_->CheckOutputLimits(this);
}

// ---- CommandContext ------------------------------------------------------------------------

Db& CommandContext::db() { return server.db(client->db_index); }

void CommandContext::Propagate(long long changes) { dirty += changes; }

void CommandContext::PropagateToReplicas() { propagate_repl_only = true; }

void CommandContext::PropagateAs(std::vector<std::string> argv, long long changes) {
  dirty += changes;
  propagate_rewritten = true;
  rewritten.push_back(std::move(argv));
}

void CommandContext::Notify(int type, std::string_view event, std::string_view key) {
  server.Notify(type, event, key, client->db_index);
}

void CommandContext::FeedMonitorsNow() {
  if (server.monitor_count() > 0) server.FeedMonitors(client, client->db_index, args, redacted);
}

void CommandContext::ReplyWrongArity() {
  rb.SendError("ERR wrong number of arguments for '" + cmd->name + "' command");
}

// ---- Server --------------------------------------------------------------------------------

const CommandSpec* Server::Lookup(const std::vector<std::string_view>& args) const {
  const CommandSpec* cmd = commands_.Find(args[0]);
  if (cmd == nullptr || cmd->subcommands.empty() || args.size() < 2) return cmd;
  auto it = cmd->subcommands.find(ToLower(args[1]));
  return it == cmd->subcommands.end() ? nullptr : it->second.get();
}

void Server::CountError(std::string_view error) {
  ++stats_.error_replies;
  size_t sp = error.find(' ');
  ++stats_.error_counts[std::string(error.substr(0, sp))];
}

void Server::RejectCommand(Client* c, std::string_view error) {
  if (c->in_multi) c->multi_error = true;
  CountError(error);
  c->rb().SendError(error);
}

void Server::ProcessCommand(Client* c, std::vector<std::string_view>& args) {
  // Not while a busy script serves other clients from inside itself: its clock stays frozen at
  // its start, as every key it touches must see one instant.
  if (busy_script_ == nullptr) RefreshCachedTime();
  c->last_interaction_ms = CachedMs();
  // CLIENT REPLY OFF/SKIP: the command runs, rejections included, but what it says is dropped.
  // SKIP lasts one command; CLIENT REPLY SKIP arms it for the command after itself. A command
  // held by CLIENT PAUSE has not run yet, so it consumes nothing.
  struct ReplyModeScope {
    ReplyModeScope(Client* c, OutputBuffer* discard) : c(c), discard(discard) {
      if (c->reply_mode != ReplyMode::kOn) c->rb().set_buffer(discard);
    }
    ~ReplyModeScope() {
      c->rb().set_buffer(&c->out());
      discard->Clear();
      if (!c->postponed.empty()) return;
      if (c->reply_mode == ReplyMode::kSkip) c->reply_mode = ReplyMode::kOn;
      if (c->skip_next_reply) {
        c->skip_next_reply = false;
        if (c->reply_mode == ReplyMode::kOn) c->reply_mode = ReplyMode::kSkip;
      }
    }
    Client* c;
    OutputBuffer* discard;
  } reply_scope(c, &discard_);
  // ASKING covers exactly the next command (or, inside MULTI, the transaction up to EXEC):
  // whatever happens to this one, rejected or not, the flag goes unless this is ASKING itself.
  // A command held by CLIENT PAUSE has not run yet: it keeps the flag for when it does.
  struct AskingScope {
    ~AskingScope() {
      if (!is_asking && !c->in_multi && c->postponed.empty()) c->asking = false;
    }
    Client* c;
    bool is_asking = false;
  } asking_scope{c};

  const CommandSpec* top = commands_.Find(args[0]);
  if (top == nullptr) {
    c->last_cmd = "NULL";
    std::string rest;
    for (size_t i = 1; i < args.size() && rest.size() < 128; ++i) {
      rest += "'" + Sanitize(args[i], 128 - rest.size()) + "' ";
    }
    std::string err = "ERR unknown command '" + Sanitize(args[0], 128) +
                      "', with args beginning with: " + rest;
    RejectCommand(c, err);
    return;
  }
  const CommandSpec* cmd = top;
  if (!top->subcommands.empty() && args.size() >= 2) {
    auto it = top->subcommands.find(ToLower(args[1]));
    if (it == top->subcommands.end()) {
      c->last_cmd = "NULL";
      RejectCommand(c, "ERR unknown subcommand '" + Sanitize(args[1], 128) + "'. Try " +
                           Upper(top->name) + " HELP.");
      return;
    }
    cmd = it->second.get();
  }
  // CLIENT LIST's cmd=: the command being processed, even when it is rejected, queued or held.
  c->last_cmd = cmd->name;
  asking_scope.is_asking = cmd == asking_cmd_;
  int argc = static_cast<int>(args.size());
  if ((cmd->arity > 0 && cmd->arity != argc) || (cmd->arity < 0 && argc < -cmd->arity)) {
    ++cmd->rejected_calls;
    RejectCommand(c, "ERR wrong number of arguments for '" + cmd->name + "' command");
    return;
  }
  if (!c->authenticated && !(cmd->flags & kCmdNoAuth)) {
    ++cmd->rejected_calls;
    RejectCommand(c, errors::kNoAuth);
    return;
  }
  if (c->in_multi && (cmd->flags & kCmdNoMulti)) {
    ++cmd->rejected_calls;
    RejectCommand(c, "ERR Command not allowed inside a transaction");
    return;
  }
  // Cluster redirection, once here for every command with keys (and EXEC, for what it
  // queued). Never for our primary's stream or an AOF replay: those apply what was accepted.
  if (cluster_ && !c->is_master && !loading_ &&
      (cmd->keys.first > 0 || cmd->keys.extractor || cmd == exec_cmd_)) {
    std::string err = cluster_->Route(c, cmd, args);
    if (!err.empty()) {
      ++cmd->rejected_calls;
      // A redirected EXEC ends the transaction; a redirected queued command dooms it.
      if (cmd == exec_cmd_) {
        c->in_multi = false;
        c->multi_error = false;
        c->queued.clear();
        c->queued_bytes = 0;
        UnwatchAll(c);
      }
      RejectCommand(c, err);
      return;
    }
  }
  // maxmemory: evict first, then refuse what may grow memory, after the redirect as Redis
  // orders it. Never our primary's stream or an AOF replay, nor from inside a busy script.
  out_of_memory_ = false;
  if (cfg().maxmemory != 0 && !c->is_master && !loading_ && busy_script_ == nullptr) {
    out_of_memory_ = evictor_.Perform() == Evictor::Result::kFail;
    // Queueing in MULTI grows memory too: only EXEC, DISCARD, QUIT and RESET pass.
    if (out_of_memory_ &&
        ((cmd->flags & kCmdDenyOom) || (cmd == exec_cmd_ && QueuedDenyOom(c)) ||
         (c->in_multi && cmd != exec_cmd_ && cmd->name != "discard" && cmd->name != "quit" &&
          cmd->name != "reset"))) {
      ++cmd->rejected_calls;
      RejectCommand(c, errors::kOom);
      return;
    }
  }
  // Persistence errors (a failed BGSAVE, an AOF write error) refuse writes, and PING, with
  // MISCONF until they clear, as in Redis: clients must not believe a write is durable.
  // The master client is exempt: a replica applies what its primary already accepted.
  // Computed once: these checks run for every command, so no name comparisons here.
  const bool is_write = cmd->IsWrite() || (cmd == exec_cmd_ && QueuedWrites(c));
  if (!disk_error_checks_.empty() && !c->is_master && (is_write || cmd == ping_cmd_)) {
    for (auto& check : disk_error_checks_) {
      std::string err = check();
      if (err.empty()) continue;
      ++cmd->rejected_calls;
      RejectCommand(c, err);
      return;
    }
  }
  // min-replicas-to-write: a primary without enough good replicas refuses writes.
  if (is_write && !repl_primary_->WritesAllowed()) {
    ++cmd->rejected_calls;
    RejectCommand(c, errors::kNoReplicas);
    return;
  }
  // A replica takes writes only from its primary (replica-read-only), and with
  // replica-serve-stale-data no refuses most commands while the link is down.
  if (!c->is_master && is_write && cfg().replica_read_only && replica_->is_replica()) {
    ++cmd->rejected_calls;
    RejectCommand(c, errors::kReadOnlyReplica);
    return;
  }
  if (!c->is_master && !(cmd->flags & kCmdStale) && replica_->StaleDenied()) {
    ++cmd->rejected_calls;
    RejectCommand(c, errors::kMasterDown);
    return;
  }
  if (c->in_pubsub_context() && !AllowedInPubSubContext(cmd)) {
    ++cmd->rejected_calls;
    RejectCommand(c, "ERR Can't execute '" + cmd->name +
                         "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are "
                         "allowed in this context");
    return;
  }
  // After the redirect and the other refusals, as Redis orders them.
  if (busy_script_ != nullptr && !(cmd->flags & kCmdAllowBusy)) {
    ++cmd->rejected_calls;
    RejectCommand(c, busy_script_->BusyError());
    return;
  }
  // Before MULTI queueing, as in Redis: even queueing a write waits for PAUSE WRITE to end.
  // Not the master client: its stream is applied (and relayed) strictly in order.
  if (!c->is_master && client_pause_.Holds(c, cmd)) {
    client_pause_.Hold(c, args);
    return;
  }
  if (c->in_multi && !RunsImmediatelyInMulti(cmd)) {
    QueuedCommand q{cmd, {}};
    q.args.reserve(args.size());
    for (std::string_view a : args) {
      q.args.emplace_back(a);
      c->queued_bytes += a.size();
    }
    c->queued.push_back(std::move(q));
    c->rb().SendSimple("QUEUED");
    return;
  }

  Call(c, cmd, args);
}

void Server::Call(Client* c, const CommandSpec* cmd, std::vector<std::string_view>& args) {
  CommandContext ctx(*this, c, cmd, args, c->rb());
  uint64_t errors_before = c->rb().errors();
  int64_t start = MonoUs();
  // WAIT waits for the replication offset this client's own writes reached.
  int64_t repl_offset_before = call_depth_ == 0 ? repl_->master_repl_offset() : 0;
  if (call_depth_ == 0) current_client_ = c;
  ++call_depth_;
  cmd->handler(ctx);
  int64_t duration = MonoUs() - start;
  ++cmd->calls;
  cmd->usec += static_cast<uint64_t>(duration);
  // A blocked command served later runs again: it was shown and timed when first called.
  if (!blocking_.IsRerunning(c)) Observe(c, cmd, args, ctx.redacted, duration);
  // Client-side caching: the keys a read-only command fetched are remembered for the client
  // that sent it (a script's caller). EVAL_RO and FCALL_RO (read-only and noscript) are left
  // out: their keys are the ones their commands read.
  if ((cmd->flags & kCmdReadOnly) && current_client_ != nullptr && current_client_->tracking.on &&
      !current_client_->tracking.bcast && !(cmd->flags & kCmdNoScript)) {
    tracking_.RememberKeys(current_client_, cmd, args);
  }
  ++stats_.commands_processed;
  ++c->commands_processed;
  if (c->rb().errors() != errors_before) {
    ++cmd->failed_calls;
    CountError(c->rb().last_error());
  }
  if (ctx.dirty > 0) dirty_ += static_cast<uint64_t>(ctx.dirty);
  int targets = (ctx.dirty > 0 ? kPropagateAll : kPropagateRepl) & propagate_mask_;
  if ((ctx.dirty > 0 || ctx.propagate_repl_only) && targets != 0 && !sinks_.empty() &&
      !loading_) {
    if (call_depth_ == 1 && pending_ops_.empty() && ctx.rewritten.size() <= 1) {
      // The common case, one top-level command with one effect: no copies.
      if (ctx.propagate_rewritten) {
        const auto& argv = ctx.rewritten.front();
        std::vector<std::string_view> views(argv.begin(), argv.end());
        Propagate(c->db_index, views, targets);
      } else {
        Propagate(c->db_index, args, targets);
      }
    } else if (ctx.propagate_rewritten) {
      for (auto& argv : ctx.rewritten) {
        pending_ops_.push_back({c->db_index, std::move(argv), targets});
      }
    } else {
      pending_ops_.push_back(
          {c->db_index, std::vector<std::string>(args.begin(), args.end()), targets});
    }
  }
  if (--call_depth_ == 0 && !pending_ops_.empty()) PropagatePending();
  if (call_depth_ == 0) {
    current_client_ = nullptr;
    // Invalidations of keys the client changed itself follow its reply; CLIENT CACHING covers
    // the next command only (a whole transaction in MULTI).
    tracking_.SendPending(c);
    if (c->tracking.caching && !c->in_multi && cmd->parent != client_cmd_) {
      c->tracking.caching = false;
    }
  }
  // Keys this command (or its transaction) created may serve blocked clients now.
  if (call_depth_ == 0 && blocking_.has_ready()) blocking_.ServeReady();
  // A command that changed the cluster configuration has it on disk before its reply leaves,
  // as Redis's clusterBeforeSleep saves before the replies are written.
  if (call_depth_ == 0 && cluster_ && cluster_->state().dirty()) cluster_->SaveOrDie();
  if (call_depth_ == 0 && repl_->master_repl_offset() != repl_offset_before) {
    c->woff = repl_->master_repl_offset();
  }
}

void Server::Observe(Client* c, const CommandSpec* cmd, const std::vector<std::string_view>& args,
                     uint64_t redacted, int64_t duration_us) {
  const ServerConfig& cf = cfg();
  // Administrative commands are too sensitive to show, as in Redis.
  if (!monitors_.empty() && !(cmd->flags & (kCmdSkipMonitor | kCmdAdmin))) {
    FeedMonitors(c, c->db_index, args, redacted);
  }
  if (cf.slowlog_log_slower_than >= 0 && duration_us >= cf.slowlog_log_slower_than &&
      !(cmd->flags & kCmdSkipSlowlog)) {
    // Redis's fake clients (the Lua client) have no address: "?:0".
    std::string_view peer = c->conn() ? std::string_view(c->conn()->peer()) : "?:0";
    slowlog_.Push(args, duration_us, WallMs() / 1000, peer, c->name, cf.slowlog_log_slower_than,
                  cf.slowlog_max_len, redacted);
  }
  if (cf.latency_monitor_threshold > 0) {
    latency_monitor_.AddIfNeeded((cmd->flags & kCmdFast) ? "fast-command" : "command",
                                 duration_us / 1000, cf.latency_monitor_threshold,
                                 WallMs() / 1000);
  }
  if (cf.latency_tracking) {
    if (!cmd->latency) cmd->latency = std::make_unique<LatencyHistogram>();
    cmd->latency->Record(duration_us * 1000);
  }
}

void Server::FeedMonitors(Client* c, int db, const std::vector<std::string_view>& args,
                          uint64_t redacted) {
  int64_t us = WallUs();
  char head[64];
  std::snprintf(head, sizeof(head), "+%lld.%06lld [%d ", static_cast<long long>(us / 1000000),
                static_cast<long long>(us % 1000000), db);
  std::string line = head;
  net::Connection* conn = c->conn();
  if (c->is_script()) {
    line += "lua";
  } else if (conn != nullptr && conn->is_unix()) {
    line += "unix:" + cfg().unixsocket;
  } else if (conn != nullptr) {
    line += conn->peer();
  } else {
    line += "?:0";
  }
  line += ']';
  for (size_t j = 0; j < args.size(); ++j) {
    line += ' ';
    if (j < 64 && ((redacted >> j) & 1)) {
      line += "\"(redacted)\"";
    } else {
      AppendRepr(&line, args[j]);
    }
  }
  line += "\r\n";
  for (Client* m : monitors_) {
    if (m->closing()) continue;
    m->out().Append(line);
    m->ScheduleFlush();
    CheckOutputLimits(m);
  }
}

void Server::AddMonitor(Client* c) {
  if (c->monitor) return;
  c->monitor = true;
  monitors_.push_back(c);
}

void Server::RemoveMonitor(Client* c) {
  c->monitor = false;
  monitors_.erase(std::remove(monitors_.begin(), monitors_.end(), c), monitors_.end());
}

void Server::LatencySample(std::string_view event, int64_t ms) {
  latency_monitor_.AddIfNeeded(event, ms, cfg().latency_monitor_threshold, WallMs() / 1000);
}

void Server::PropagatePending() {
  std::vector<PendingOp> ops;
  ops.swap(pending_ops_);
  // A script ended by SHUTDOWN NOSAVE: Redis exits inside it, so what it wrote never reaches
  // the AOF or the replicas.
  if (exiting_) return;
  // Several effects of one execution unit (EXEC, or a command with several) are applied
  // atomically downstream: Redis wraps them in MULTI/EXEC, a single one goes alone.
  bool wrap = ops.size() > 1;
  int all_targets = 0;
  for (const PendingOp& op : ops) all_targets |= op.targets;
  if (wrap) Propagate(-1, {"MULTI"}, all_targets);
  for (const PendingOp& op : ops) {
    std::vector<std::string_view> views(op.argv.begin(), op.argv.end());
    Propagate(op.db, views, op.targets);
  }
  if (wrap) Propagate(-1, {"EXEC"}, all_targets);
}

}  // namespace sable

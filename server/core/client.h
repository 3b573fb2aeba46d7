// Per-connection state the server keeps: selected db, protocol version, auth, MULTI queue,
// WATCHed keys, subscriptions, name and statistics. Owns the reply builder that writes into the
// connection's output buffer.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "server/net/connection.h"
#include "server/core/tracking.h"
#include "server/pubsub/pubsub.h"
#include "server/resp/reply_builder.h"

namespace sable {

struct CommandSpec;
class Server;

struct QueuedCommand {
  const CommandSpec* cmd;
  std::vector<std::string> args;
};

enum class ReplyMode { kOn, kOff, kSkip };

class Client : public Subscriber {
 public:
  Client(Server* server, net::Connection* conn, int64_t now_ms);
  // A client with no socket (in-process tests, internal callers): replies go to `out`.
  Client(Server* server, OutputBuffer* out, uint64_t id, int64_t now_ms);

  uint64_t id() const { return id_; }
  // The Lua engine's own client, through which redis.call runs commands.
  static constexpr uint64_t kScriptClientId = ~0ull;
  bool is_script() const { return id_ == kScriptClientId; }
  // nullptr for a socketless client.
  net::Connection* conn() { return conn_; }
  OutputBuffer& out() { return *out_; }
  // Marks output as pending for the next flush.
  void ScheduleFlush() {
    if (conn_) conn_->ScheduleFlush();
  }
  bool closing() const { return conn_ && conn_->closing(); }
  ReplyBuilder& rb() { return rb_; }

  // Subscriber: pub/sub deliveries as push messages (arrays in RESP2).
  void DeliverMessage(std::string_view channel, std::string_view message) override;
  void DeliverPatternMessage(std::string_view pattern, std::string_view channel,
                             std::string_view message) override;
  void DeliverShardMessage(std::string_view channel, std::string_view message) override;
  size_t subscription_count() const {
    return channels.size() + patterns.size() + shard_channels.size();
  }
  // RESP2 clients with subscriptions may only run the pub/sub commands.
  bool in_pubsub_context() const { return !rb_.resp3() && subscription_count() > 0; }
  // CLIENT REPLY ON and RESET: replies flow again, starting with this command's own, which the
  // dispatcher would otherwise discard under OFF/SKIP.
  void ResumeReplies() {
    reply_mode = ReplyMode::kOn;
    skip_next_reply = false;
    rb_.set_buffer(out_);
  }

  int db_index = 0;
  std::string name;
  std::string lib_name;
  std::string lib_ver;
  bool authenticated = false;
  std::string user = "default";
  int64_t ctime_ms;
  int64_t last_interaction_ms;
  std::string last_cmd = "NULL";
  ReplyMode reply_mode = ReplyMode::kOn;
  bool skip_next_reply = false;  // CLIENT REPLY SKIP: the command after this one is silent
  bool no_evict = false;
  bool monitor = false;
  TrackingState tracking;  // CLIENT TRACKING  // MONITOR: receives every command the server runs (CLIENT LIST flag O)
  // Replication roles of the link: a replica that attached with SYNC/PSYNC (CLIENT LIST flag S,
  // type replica) and the link to our own primary (flag M, type master; set by the replica side).
  // Neither times out nor counts as a normal client.
  bool is_replica = false;
  bool is_master = false;
  // Replication offset just after this client's last propagated write: what WAIT waits for.
  int64_t woff = 0;
  // Socketless clients with a link behind them (the master client): what CLIENT KILL does.
  std::function<void()> close_hook;
  // CLIENT PAUSE: the command held until the pause ends (empty when none is held).
  std::vector<std::string> postponed;

  // Cluster mode. ASKING: the next command may run in a slot we are importing (cleared after
  // each command but ASKING itself, and kept across MULTI until EXEC, as Redis does).
  // READONLY: a replica serves this client reads of its primary's slots.
  bool asking = false;
  bool readonly = false;

  // SCRIPT DEBUG: the next EVAL runs under the Lua debugger, forked (YES) or blocking (SYNC).
  enum class Debug : uint8_t { kOff, kForked, kSync };
  Debug script_debug = Debug::kOff;

  // MULTI/EXEC state.
  bool in_multi = false;
  bool multi_error = false;       // a queued command was refused: EXEC answers EXECABORT
  bool watch_broken = false;      // a WATCHed key changed: EXEC answers a null array
  std::vector<QueuedCommand> queued;
  size_t queued_bytes = 0;
  std::vector<std::pair<int, std::string>> watched;  // (db, key)

  std::set<std::string> channels;
  std::set<std::string> patterns;
  std::set<std::string> shard_channels;  // SSUBSCRIBE

  // When the output buffer first passed the soft limit (0 = under it), for
  // client-output-buffer-limit.
  int64_t soft_limit_since_ms = 0;
  uint64_t commands_processed = 0;

 private:
  // A three-element pub/sub push ("message" or "smessage", channel, payload).
  void DeliverPush(std::string_view kind, std::string_view channel, std::string_view message);

  Server* server_;
  net::Connection* conn_;
  OutputBuffer* out_;
  uint64_t id_;
  ReplyBuilder rb_;
};

}  // namespace sable

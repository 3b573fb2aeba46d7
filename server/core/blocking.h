// Clients blocked on keys (BLPOP, BRPOP, BLMOVE, BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP, and later
// XREAD): a blocking command that finds nothing to serve parks its client here with the keys it
// waits on. When one of those keys comes into existence (any source: a command, EXEC, the
// replication stream, RESTORE, RENAME/MOVE/COPY, SWAPDB), the waiting clients are tried again
// after the command that created it, in the order they blocked, by re-running their command (as
// Redis 7.2 does): the command either serves itself, replying and propagating the non-blocking
// form it amounts to, or stays blocked. A blocked client reads no further input until it is
// served, times out, is unblocked by CLIENT UNBLOCK, or disconnects.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/store/entry.h"

namespace sable {

class Client;
class CommandContext;
class Server;
struct CommandSpec;

class Blocking {
 public:
  explicit Blocking(Server& server) : server_(server) {}

  // Parses a blocking timeout in seconds (fractions allowed; 0 = forever) into milliseconds
  // (-1 = forever). Replies Redis's error and returns false when it is not valid.
  static bool ParseTimeout(CommandContext& ctx, std::string_view arg, int64_t* ms);
  // The same for a timeout given in whole milliseconds (XREAD BLOCK).
  static bool ParseTimeoutMs(CommandContext& ctx, std::string_view arg, int64_t* ms);
  // Whether this invocation may block: not inside MULTI/EXEC, a script, or a replay.
  static bool MayBlock(CommandContext& ctx);

  // Parks the client of ctx on keys holding `type` values, for timeout_ms (-1 = forever); when
  // the time runs out it gets a null array, as every blocking command does in Redis (BLMOVE and
  // BRPOPLPUSH included). When the command is being re-run for a key that turned out not to
  // serve it, the client keeps its place and its original deadline.
  // error_on_missing_key: when a key waited on is deleted or changes type, the wait ends with
  // Redis's "UNBLOCKED the stream key no longer exists" (XREADGROUP).
  void Block(CommandContext& ctx, const std::vector<std::string_view>& keys, ObjType type,
             int64_t timeout_ms, bool error_on_missing_key = false);
  // Whether the client's command is running again because a key it waits on changed.
  bool IsRerunning(const Client* c) const { return rerunning_ != 0 && rerunning_ == ClientId(c); }
  bool IsBlocked(const Client* c) const { return blocked_.count(ClientId(c)) != 0; }
  size_t blocked_count() const { return blocked_.size(); }

  // A key of db came into existence or changed type: its waiters are tried after the current
  // command. Cheap when nobody waits.
  void KeyAdded(int db, std::string_view key) {
    if (!waiters_.empty()) SignalKey(db, key);
  }
  // A key of db left the keyspace: waiters that end with an error then are told.
  void KeyRemoved(int db, std::string_view key) {
    if (!waiters_.empty()) SignalKey(db, key);
  }
  // The db was swapped or emptied: every key waited on there is checked again.
  void DbChanged(int db);
  // Tries the waiters of every signalled key; called when a top-level command ends.
  void ServeReady();
  bool has_ready() const { return !ready_.empty(); }

  // CLIENT UNBLOCK: ends the wait with the timeout reply, or with the UNBLOCKED error. False
  // when the client is not blocked on keys.
  bool Unblock(Client* c, bool error);
  // The client is going away: forget it everywhere.
  void ClientGone(Client* c);
  // Cluster mode, every cron: waiters whose keys' slots moved away (or whose cluster went
  // down) get the redirection error instead of waiting on.
  void RedirectMoved();

 private:
  struct State {
    int db = 0;
    ObjType type = ObjType::kList;
    bool error_on_missing_key = false;
    uint64_t timer = 0;
    const CommandSpec* cmd = nullptr;
    std::vector<std::string> argv;
    std::vector<std::string> keys;
  };
  using KeyId = std::pair<int, std::string>;

  static uint64_t ClientId(const Client* c);
  void SignalKey(int db, std::string_view key);
  // Re-runs one waiter's command; true when it was served (or left).
  bool TryServe(uint64_t id);
  // Removes a client from the tables and cancels its timer.
  void Forget(uint64_t id);
  // Forget, then let its connection read again.
  void Release(uint64_t id);
  void Timeout(uint64_t id);
  // Ends a wait with an error reply.
  void EndWithError(uint64_t id, std::string_view error);

  Server& server_;
  std::map<uint64_t, State> blocked_;
  std::map<KeyId, std::deque<uint64_t>> waiters_;  // in blocking order
  std::vector<KeyId> ready_;
  // While a waiter's command re-runs: its id, and whether it asked to block again.
  uint64_t rerunning_ = 0;
  bool blocked_again_ = false;
  bool serving_ = false;
};

}  // namespace sable

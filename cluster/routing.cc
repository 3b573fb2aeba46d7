// Where a command runs in cluster mode: Redis 7.0's getNodeByQuery(). The dispatcher calls
// Route once per command before it runs (or is queued in MULTI); handlers never redirect.
#include <string>
#include <string_view>
#include <vector>

#include "cluster/cluster.h"
#include "server/core/client.h"
#include "server/core/command.h"
#include "server/core/server.h"
#include "server/store/db.h"

namespace sable::cluster {
namespace {

// The redirection errors, byte-identical to Redis's clusterRedirectClient().
constexpr std::string_view kCrossSlot = "CROSSSLOT Keys in request don't hash to the same slot";
constexpr std::string_view kTryAgain = "TRYAGAIN Multiple keys request during rehashing of slot";
constexpr std::string_view kDown = "CLUSTERDOWN The cluster is down";
constexpr std::string_view kDownReadOnly =
    "CLUSTERDOWN The cluster is down and only accepts read commands";
constexpr std::string_view kUnbound = "CLUSTERDOWN Hash slot not served";

std::string Redirect(std::string_view kind, int slot, const Node& to) {
  return std::string(kind) + " " + std::to_string(slot) + " " + to.ip + ":" +
         std::to_string(to.port);
}

}  // namespace

std::string Cluster::Route(Client* c, const CommandSpec* cmd,
                           const std::vector<std::string_view>& args) {
  const bool is_exec = cmd == exec_cmd_;
  // EXEC outside MULTI only answers an error: nothing to route.
  if (is_exec && !c->in_multi) return "";
  auto is_sharded_pubsub = [this](const CommandSpec* unit) {
    return unit == ssubscribe_cmd_ || unit == sunsubscribe_cmd_ || unit == spublish_cmd_;
  };
  // Every command with keys (channels) is sharded pub/sub: then a down cluster and a replica
  // still serve it. Decided per command, also for the ones EXEC runs.
  bool sharded_pubsub = true;

  Db& db = server_->db(0);
  bool any_write = cmd->IsWrite();
  std::string_view first_key;
  bool have_key = false;
  int slot = 0;
  Node* owner = nullptr;
  bool migrating = false;
  bool importing = false;
  bool multiple_keys = false;
  int missing = 0;
  int existing = 0;
  // Looks at the keys of one command; an error text when the keys alone decide.
  auto visit = [&](const CommandSpec* unit, const std::vector<std::string_view>& argv) {
    const bool unit_sharded = is_sharded_pubsub(unit);
    for (int pos : unit->KeyPositions(argv)) {
      sharded_pubsub = sharded_pubsub && unit_sharded;
      std::string_view key = argv[pos];
      int this_slot = KeySlot(key);
      if (!have_key) {
        have_key = true;
        first_key = key;
        slot = this_slot;
        owner = state_.owner(slot);
        if (owner == nullptr) return std::string(kUnbound);
        if (owner == &state_.myself() && state_.migrating_to(slot) != nullptr) {
          migrating = true;
        } else if (state_.importing_from(slot) != nullptr) {
          importing = true;
        }
      } else if (key != first_key) {
        if (this_slot != slot) return std::string(kCrossSlot);
        multiple_keys = true;
      }
      // During a migration the keys already moved decide between here, ASK and TRYAGAIN. A
      // channel is no key: sharded pub/sub never counts it.
      if ((migrating || importing) && !unit_sharded) {
        Entry* e = db.Peek(key);
        if (e == nullptr || db.Expired(e)) {
          ++missing;
        } else {
          ++existing;
        }
      }
    }
    return std::string();
  };
  // The command itself, or for EXEC everything queued, which must share one slot.
  if (is_exec) {
    std::vector<std::string_view> argv;
    for (const QueuedCommand& q : c->queued) {
      argv.assign(q.args.begin(), q.args.end());
      std::string err = visit(q.cmd, argv);
      if (!err.empty()) return err;
      any_write = any_write || q.cmd->IsWrite();
    }
  } else {
    std::string err = visit(cmd, args);
    if (!err.empty()) return err;
  }
  // No keys at all: runs anywhere.
  if (!have_key) return "";

  if (!state_.ok()) {
    // Redis 7.0 lets sharded pub/sub through a down cluster
    // (cluster-allow-pubsubshard-when-down defaults to yes).
    if (!sharded_pubsub) {
      if (!server_->cfg().cluster_allow_reads_when_down) return std::string(kDown);
      if (any_write) return std::string(kDownReadOnly);
    }
  }
  // MIGRATE moves keys of an open slot from here whatever state the slot is in.
  if ((migrating || importing) && cmd == migrate_cmd_) return "";
  if (migrating && missing > 0) {
    // Some keys here, some gone: neither node can run it until the slot settles.
    if (existing > 0) return std::string(kTryAgain);
    return Redirect("ASK", slot, *state_.migrating_to(slot));
  }
  // RESTORE-ASKING is ASKING built in (what MIGRATE sends to the target).
  if (importing && (c->asking || cmd == restore_asking_cmd_)) {
    if (multiple_keys && missing > 0) return std::string(kTryAgain);
    return "";
  }
  // A replica serves reads of its primary's slots to READONLY clients (and sharded pub/sub
  // to anyone).
  Node& me = state_.myself();
  if ((c->readonly || sharded_pubsub) && !any_write && me.is_replica() &&
      me.primary_id == owner->id) {
    return "";
  }
  if (owner != &me) return Redirect("MOVED", slot, *owner);
  return "";
}

std::string Cluster::BlockedRedirect(const std::vector<std::string>& keys) {
  if (!state_.ok()) return std::string(kDown);
  for (const std::string& key : keys) {
    int slot = KeySlot(key);
    Node* owner = state_.owner(slot);
    if (owner == &state_.myself() || state_.importing_from(slot) != nullptr) continue;
    if (owner == nullptr) return std::string(kUnbound);
    return Redirect("MOVED", slot, *owner);
  }
  return "";
}

}  // namespace sable::cluster

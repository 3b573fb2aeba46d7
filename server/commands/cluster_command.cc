// CLUSTER: the subcommands a single node answers from its own keyspace (KEYSLOT,
// COUNTKEYSINSLOT, GETKEYSINSLOT, MYID, HELP). Topology, slots ownership and the bus come later
// (issue 6); other subcommands get the dispatcher's unknown-subcommand error meanwhile.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/slot.h"
#include "cluster/slot_index.h"
#include "server/commands/register.h"
#include "server/core/context.h"
#include "server/core/server.h"
#include "server/resp/errors.h"
#include "server/util/numbers.h"

namespace sable {
namespace {

// Redis 7.0 refuses every CLUSTER subcommand, HELP included, on a standalone node (after the
// arity check, which the dispatcher has done).
bool RequireCluster(CommandContext& ctx) {
  if (ctx.server.cfg().cluster_enabled) return true;
  ctx.rb.SendError(errors::kClusterDisabled);
  return false;
}

// Redis's getLongLongFromObjectOrReply(): false (and the reply sent) when not an integer.
bool ParseLongLongArg(CommandContext& ctx, std::string_view s, int64_t* out) {
  if (ParseInt64(s, out)) return true;
  ctx.rb.SendError(errors::kNotInteger);
  return false;
}

void CmdClusterKeySlot(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  ctx.rb.SendLong(cluster::KeySlot(ctx.arg(2)));
}

void CmdClusterCountKeysInSlot(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  int64_t slot;
  if (!ParseLongLongArg(ctx, ctx.arg(2), &slot)) return;
  if (slot < 0 || slot >= cluster::kSlots) {
    ctx.rb.SendError(errors::kInvalidSlot);
    return;
  }
  ctx.rb.SendLong(static_cast<int64_t>(ctx.server.slot_index()->CountKeys(static_cast<int>(slot))));
}

void CmdClusterGetKeysInSlot(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  int64_t slot, max_keys;
  if (!ParseLongLongArg(ctx, ctx.arg(2), &slot)) return;
  if (!ParseLongLongArg(ctx, ctx.arg(3), &max_keys)) return;
  if (slot < 0 || slot >= cluster::kSlots || max_keys < 0) {
    ctx.rb.SendError(errors::kInvalidSlotOrKeys);
    return;
  }
  // Collected first: the array length goes out before its elements.
  std::vector<std::string_view> keys;
  const cluster::SlotIndex& index = *ctx.server.slot_index();
  size_t n = index.CountKeys(static_cast<int>(slot));
  keys.reserve(std::min<uint64_t>(n, static_cast<uint64_t>(max_keys)));
  index.ForEachKey(static_cast<int>(slot), static_cast<size_t>(max_keys),
                   [&keys](std::string_view k) { keys.push_back(k); });
  ctx.rb.StartArray(keys.size());
  for (std::string_view k : keys) ctx.rb.SendBulk(k);
}

void CmdClusterMyId(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  ctx.rb.SendBulk(ctx.server.cluster_node_id());
}

void CmdClusterHelp(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  // Redis 7.0's text verbatim, including the subcommands Sable does not serve yet: redis-cli and
  // people read it as the reference of what CLUSTER offers.
  static const char* const kLines[] = {
      "CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ADDSLOTS <slot> [<slot> ...]",
      "    Assign slots to current node.",
      "ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
      "    Assign slots which are between <start-slot> and <end-slot> to current node.",
      "BUMPEPOCH",
      "    Advance the cluster config epoch.",
      "COUNT-FAILURE-REPORTS <node-id>",
      "    Return number of failure reports for <node-id>.",
      "COUNTKEYSINSLOT <slot>",
      "    Return the number of keys in <slot>.",
      "DELSLOTS <slot> [<slot> ...]",
      "    Delete slots information from current node.",
      "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
      "    Delete slots information which are between <start-slot> and <end-slot> from current "
      "node.",
      "FAILOVER [FORCE|TAKEOVER]",
      "    Promote current replica node to being a master.",
      "FORGET <node-id>",
      "    Remove a node from the cluster.",
      "GETKEYSINSLOT <slot> <count>",
      "    Return key names stored by current node in a slot.",
      "FLUSHSLOTS",
      "    Delete current node own slots information.",
      "INFO",
      "    Return information about the cluster.",
      "KEYSLOT <key>",
      "    Return the hash slot for <key>.",
      "MEET <ip> <port> [<bus-port>]",
      "    Connect nodes into a working cluster.",
      "MYID",
      "    Return the node id.",
      "NODES",
      "    Return cluster configuration seen by node. Output format:",
      "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
      "REPLICATE <node-id>",
      "    Configure current node as replica to <node-id>.",
      "RESET [HARD|SOFT]",
      "    Reset current node (default: soft).",
      "SET-CONFIG-EPOCH <epoch>",
      "    Set config epoch of current node.",
      "SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
      "    Set slot state.",
      "REPLICAS <node-id>",
      "    Return <node-id> replicas.",
      "SAVECONFIG",
      "    Force saving cluster configuration on disk.",
      "SLOTS",
      "    Return information about slots range mappings. Each range is made of:",
      "    start, end, master and replicas IP addresses, ports and ids",
      "SHARDS",
      "    Return information about slot range mappings and the nodes associated with them.",
      "LINKS",
      "    Return information about all network links between this node and its peers.",
      "    Output format is an array where each array element is a map containing attributes of "
      "a link",
      "HELP",
      "    Prints this help.",
  };
  ctx.rb.SendSimpleLines(kLines);
}

}  // namespace

void RegisterClusterCommand(CommandRegistry& r) {
  r.Add(MakeCommand("cluster", -2, 0, kAclSlow, 0, 0, 0, nullptr, "cluster",
                    "A container for Redis Cluster commands"));
  auto sub = [&r](const char* name, int arity, uint32_t flags, CommandHandler h, const char* since,
                  const char* summary) {
    CommandSpec& s = r.AddSub(
        "cluster", MakeCommand(name, arity, flags, kAclSlow, 0, 0, 0, h, "cluster", summary));
    s.since = since;
  };
  sub("keyslot", 3, kCmdStale, CmdClusterKeySlot, "3.0.0", "Returns the hash slot for a key");
  sub("countkeysinslot", 3, kCmdStale, CmdClusterCountKeysInSlot, "3.0.0",
      "Returns the number of keys in a hash slot");
  sub("getkeysinslot", 4, kCmdStale, CmdClusterGetKeysInSlot, "3.0.0",
      "Returns the key names in a hash slot");
  sub("myid", 2, kCmdStale, CmdClusterMyId, "3.0.0", "Returns the ID of a node");
  sub("help", 2, kCmdLoading | kCmdStale, CmdClusterHelp, "5.0.0",
      "Returns helpful text about the different subcommands");
}

}  // namespace sable

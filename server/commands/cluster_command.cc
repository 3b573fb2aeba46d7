// CLUSTER and its subcommands with Redis 7.0's replies and errors, plus ASKING, READONLY and
// READWRITE. The handlers read and change the cluster state (cluster/state.h) and leave the bus
// work (MEET, FORGET, failover, pongs) to cluster::Cluster; routing is the dispatcher's.
#include <arpa/inet.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/cluster.h"
#include "cluster/slot.h"
#include "cluster/slot_index.h"
#include "server/commands/register.h"
#include "server/core/context.h"
#include "server/core/server.h"
#include "server/repl/repl_state.h"
#include "server/repl/replica.h"
#include "server/resp/errors.h"
#include "server/util/numbers.h"
#include "server/util/strings.h"

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

// ---- Topology ------------------------------------------------------------------------------

cluster::Cluster& TheCluster(CommandContext& ctx) { return *ctx.server.cluster(); }
cluster::ClusterState& State(CommandContext& ctx) { return ctx.server.cluster()->state(); }

// Redis's addReplySubcommandSyntaxError(): a known subcommand with an argument count its own
// parser refuses (the arity in the table only gives the minimum).
void ReplySubcommandSyntax(CommandContext& ctx) {
  ctx.rb.SendError("ERR unknown subcommand or wrong number of arguments for '" +
                   std::string(ctx.arg(1)) + "'. Try CLUSTER HELP.");
}

// clusterLookupNode() followed by Redis's "Unknown node" reply.
cluster::Node* LookupNodeOrReply(CommandContext& ctx, std::string_view id) {
  cluster::Node* n = State(ctx).Find(id);
  if (n == nullptr) ctx.rb.SendError("ERR Unknown node " + std::string(id));
  return n;
}

// The replication offset CLUSTER SHARDS reports: ours from the replication state, the
// others' as gossip last announced them.
int64_t NodeOffset(CommandContext& ctx, const cluster::Node& n) {
  if (!n.is_myself()) return n.repl_offset;
  if (n.is_replica()) return std::max<int64_t>(0, ctx.server.replica().processed_offset());
  return ctx.server.repl().master_repl_offset();
}

void CmdClusterMyId(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  ctx.rb.SendBulk(State(ctx).myself().id);
}

void CmdClusterMyShardId(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  ctx.rb.SendBulk(State(ctx).myself().shard_id);
}

void CmdClusterInfo(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  cluster::ClusterState& st = State(ctx);
  int assigned = 0, ok = 0, pfail = 0, fail = 0;
  for (int s = 0; s < cluster::kSlots; ++s) {
    const cluster::Node* n = st.owner(s);
    if (n == nullptr) continue;
    ++assigned;
    if (n->failed()) {
      ++fail;
    } else if (n->pfailed()) {
      ++pfail;
    } else {
      ++ok;
    }
  }
  const cluster::Node& me = st.myself();
  uint64_t my_epoch = me.config_epoch;
  if (me.is_replica()) {
    if (const cluster::Node* primary = st.Find(me.primary_id)) my_epoch = primary->config_epoch;
  }
  std::string out;
  out += "cluster_state:" + std::string(st.ok() ? "ok" : "fail") + "\r\n";
  out += "cluster_slots_assigned:" + std::to_string(assigned) + "\r\n";
  out += "cluster_slots_ok:" + std::to_string(ok) + "\r\n";
  out += "cluster_slots_pfail:" + std::to_string(pfail) + "\r\n";
  out += "cluster_slots_fail:" + std::to_string(fail) + "\r\n";
  out += "cluster_known_nodes:" + std::to_string(st.nodes().size()) + "\r\n";
  out += "cluster_size:" + std::to_string(st.Size()) + "\r\n";
  out += "cluster_current_epoch:" + std::to_string(st.current_epoch()) + "\r\n";
  out += "cluster_my_epoch:" + std::to_string(my_epoch) + "\r\n";
  // Per-type counters only when non-zero, then the totals, as Redis prints them.
  const cluster::MessageStats& stats = TheCluster(ctx).message_stats();
  auto counters = [&out](const auto& counts, const char* dir) {
    uint64_t total = 0;
    for (int t = 0; t < cluster::kMsgTypeCount; ++t) {
      if (counts[t] == 0) continue;
      total += counts[t];
      out += std::string("cluster_stats_messages_") + cluster::kMessageTypeNames[t] + "_" + dir +
             ":" + std::to_string(counts[t]) + "\r\n";
    }
    out += std::string("cluster_stats_messages_") + dir + ":" + std::to_string(total) + "\r\n";
  };
  counters(stats.sent, "sent");
  counters(stats.received, "received");
  out += "total_cluster_links_buffer_limit_exceeded:" +
         std::to_string(stats.links_buffer_limit_exceeded) + "\r\n";
  ctx.rb.SendVerbatim("txt", out);
}

void CmdClusterNodes(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  ctx.rb.SendVerbatim("txt", State(ctx).NodesText(TheCluster(ctx).now_ms()));
}

// [ip, port, id, {extras}]: Redis 7.0's addNodeToNodeReply() with the ip as the preferred
// endpoint; the extras carry the hostname only when the node announces one.
void SendSlotsNode(CommandContext& ctx, const cluster::Node& n) {
  ctx.rb.StartArray(4);
  ctx.rb.SendBulk(n.ip);
  ctx.rb.SendLong(n.port);
  ctx.rb.SendBulk(n.id);
  if (n.hostname.empty()) {
    ctx.rb.StartMap(0);
  } else {
    ctx.rb.StartMap(1);
    ctx.rb.SendBulk("hostname");
    ctx.rb.SendBulk(n.hostname);
  }
}

void CmdClusterSlots(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  cluster::ClusterState& st = State(ctx);
  // Runs of consecutive slots with one owner, in slot order (as Redis 7.0).
  struct Range {
    int first, last;
    const cluster::Node* owner;
  };
  std::vector<Range> ranges;
  for (int s = 0; s < cluster::kSlots; ++s) {
    const cluster::Node* n = st.owner(s);
    if (n == nullptr) continue;
    if (!ranges.empty() && ranges.back().owner == n && ranges.back().last == s - 1) {
      ranges.back().last = s;
    } else {
      ranges.push_back({s, s, n});
    }
  }
  ctx.rb.StartArray(ranges.size());
  for (const Range& r : ranges) {
    // Replicas that can serve reads: not failed and with some data (Redis's
    // isReplicaAvailable: a replica still at offset 0 has not synced yet).
    std::vector<const cluster::Node*> replicas;
    for (const cluster::Node* rep : st.ReplicasOf(*r.owner)) {
      if (!rep->failed() && NodeOffset(ctx, *rep) != 0) replicas.push_back(rep);
    }
    ctx.rb.StartArray(3 + replicas.size());
    ctx.rb.SendLong(r.first);
    ctx.rb.SendLong(r.last);
    SendSlotsNode(ctx, *r.owner);
    for (const cluster::Node* rep : replicas) SendSlotsNode(ctx, *rep);
  }
}

void SendShardNode(CommandContext& ctx, const cluster::Node& n) {
  int64_t offset = NodeOffset(ctx, n);
  ctx.rb.StartMap(n.hostname.empty() ? 7 : 8);
  ctx.rb.SendBulk("id");
  ctx.rb.SendBulk(n.id);
  ctx.rb.SendBulk("port");
  ctx.rb.SendLong(n.port);
  ctx.rb.SendBulk("ip");
  ctx.rb.SendBulk(n.ip);
  ctx.rb.SendBulk("endpoint");
  ctx.rb.SendBulk(n.ip);
  if (!n.hostname.empty()) {
    ctx.rb.SendBulk("hostname");
    ctx.rb.SendBulk(n.hostname);
  }
  ctx.rb.SendBulk("role");
  ctx.rb.SendBulk(n.is_replica() ? "replica" : "master");
  ctx.rb.SendBulk("replication-offset");
  ctx.rb.SendLong(offset);
  ctx.rb.SendBulk("health");
  ctx.rb.SendBulk(n.failed() ? "fail" : (n.is_replica() && offset == 0) ? "loading" : "online");
}

void CmdClusterShards(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  cluster::ClusterState& st = State(ctx);
  // One shard per primary, slot-less primaries included (with an empty slot list).
  std::vector<const cluster::Node*> primaries;
  for (const auto& [id, n] : st.nodes()) {
    if (n->is_primary()) primaries.push_back(n.get());
  }
  ctx.rb.StartArray(primaries.size());
  for (const cluster::Node* p : primaries) {
    ctx.rb.StartMap(2);
    ctx.rb.SendBulk("slots");
    std::vector<int> bounds;
    for (int s = 0; s < cluster::kSlots; ++s) {
      if (!p->slots.test(s)) continue;
      int e = s;
      while (e + 1 < cluster::kSlots && p->slots.test(e + 1)) ++e;
      bounds.push_back(s);
      bounds.push_back(e);
      s = e;
    }
    ctx.rb.StartArray(bounds.size());
    for (int b : bounds) ctx.rb.SendLong(b);
    ctx.rb.SendBulk("nodes");
    std::vector<cluster::Node*> replicas = st.ReplicasOf(*p);
    ctx.rb.StartArray(1 + replicas.size());
    SendShardNode(ctx, *p);
    for (const cluster::Node* rep : replicas) SendShardNode(ctx, *rep);
  }
}

void CmdClusterReplicas(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  cluster::Node* n = LookupNodeOrReply(ctx, ctx.arg(2));
  if (n == nullptr) return;
  if (n->is_replica()) {
    ctx.rb.SendError("ERR The specified node is not a master");
    return;
  }
  std::vector<cluster::Node*> replicas = State(ctx).ReplicasOf(*n);
  int64_t now = TheCluster(ctx).now_ms();
  ctx.rb.StartArray(replicas.size());
  for (const cluster::Node* rep : replicas) {
    // Each entry is one CLUSTER NODES line without its newline, as Redis sends it.
    std::string line = State(ctx).NodeLine(*rep, now);
    line.pop_back();
    ctx.rb.SendBulk(line);
  }
}

void CmdClusterCountFailureReports(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  cluster::Node* n = LookupNodeOrReply(ctx, ctx.arg(2));
  if (n == nullptr) return;
  ctx.rb.SendLong(TheCluster(ctx).CountFailureReports(*n));
}

void CmdClusterLinks(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  std::vector<cluster::Cluster::LinkInfo> links = TheCluster(ctx).Links();
  ctx.rb.StartArray(links.size());
  for (const auto& l : links) {
    ctx.rb.StartMap(6);
    ctx.rb.SendBulk("direction");
    ctx.rb.SendBulk(l.direction);
    ctx.rb.SendBulk("node");
    ctx.rb.SendBulk(l.node);
    ctx.rb.SendBulk("create-time");
    ctx.rb.SendLong(l.create_time_ms);
    ctx.rb.SendBulk("events");
    ctx.rb.SendBulk(l.events);
    ctx.rb.SendBulk("send-buffer-allocated");
    ctx.rb.SendLong(l.send_buffer_allocated);
    ctx.rb.SendBulk("send-buffer-used");
    ctx.rb.SendLong(l.send_buffer_used);
  }
}

// ---- Slots -------------------------------------------------------------------------------

// Redis's getSlotOrReply(): -1 (and the reply sent) unless 0..16383.
int SlotOrReply(CommandContext& ctx, std::string_view arg) {
  int64_t slot;
  if (!ParseInt64(arg, &slot) || slot < 0 || slot >= cluster::kSlots) {
    ctx.rb.SendError("ERR Invalid or out of range slot");
    return -1;
  }
  return static_cast<int>(slot);
}

// Redis's checkSlotAssignmentsOrReply() over first..last, counting each slot in `seen`.
bool CheckSlotsOrReply(CommandContext& ctx, std::vector<uint8_t>& seen, bool del, int first,
                       int last) {
  const cluster::ClusterState& st = State(ctx);
  for (int s = first; s <= last; ++s) {
    if (del && st.owner(s) == nullptr) {
      ctx.rb.SendError("ERR Slot " + std::to_string(s) + " is already unassigned");
      return false;
    }
    if (!del && st.owner(s) != nullptr) {
      ctx.rb.SendError("ERR Slot " + std::to_string(s) + " is already busy");
      return false;
    }
    if (seen[s]++ == 1) {
      ctx.rb.SendError("ERR Slot " + std::to_string(s) + " specified multiple times");
      return false;
    }
  }
  return true;
}

// Redis's clusterUpdateSlots(): claims (or frees) every slot in `seen`; an importing mark goes,
// since we are now the owner (or nobody is).
void UpdateSlots(CommandContext& ctx, const std::vector<uint8_t>& seen, bool del) {
  cluster::ClusterState& st = State(ctx);
  for (int s = 0; s < cluster::kSlots; ++s) {
    if (!seen[s]) continue;
    if (st.importing_from(s) != nullptr) st.SetImporting(s, nullptr);
    st.SetSlot(s, del ? nullptr : &st.myself());
  }
  st.MarkDirty();
  TheCluster(ctx).UpdateState();
  // The others learn the new owner now rather than at the next ping round (redis-cli --cluster
  // create waits for every node to agree on the slot map).
  TheCluster(ctx).BroadcastPong();
}

void AddOrDelSlots(CommandContext& ctx, bool del) {
  if (!RequireCluster(ctx)) return;
  for (size_t j = 2; j < ctx.argc(); ++j) {
    if (SlotOrReply(ctx, ctx.arg(j)) < 0) return;
  }
  std::vector<uint8_t> seen(cluster::kSlots, 0);
  for (size_t j = 2; j < ctx.argc(); ++j) {
    int s = SlotOrReply(ctx, ctx.arg(j));
    if (!CheckSlotsOrReply(ctx, seen, del, s, s)) return;
  }
  UpdateSlots(ctx, seen, del);
  ctx.rb.SendOk();
}

void AddOrDelSlotsRange(CommandContext& ctx, bool del) {
  if (!RequireCluster(ctx)) return;
  if (ctx.argc() % 2 == 1) {
    ctx.ReplyWrongArity();
    return;
  }
  std::vector<uint8_t> seen(cluster::kSlots, 0);
  for (size_t j = 2; j < ctx.argc(); j += 2) {
    int first = SlotOrReply(ctx, ctx.arg(j));
    if (first < 0) return;
    int last = SlotOrReply(ctx, ctx.arg(j + 1));
    if (last < 0) return;
    if (first > last) {
      ctx.rb.SendError("ERR start slot number " + std::to_string(first) +
                       " is greater than end slot number " + std::to_string(last));
      return;
    }
    if (!CheckSlotsOrReply(ctx, seen, del, first, last)) return;
  }
  UpdateSlots(ctx, seen, del);
  ctx.rb.SendOk();
}

void CmdClusterAddSlots(CommandContext& ctx) { AddOrDelSlots(ctx, false); }
void CmdClusterDelSlots(CommandContext& ctx) { AddOrDelSlots(ctx, true); }
void CmdClusterAddSlotsRange(CommandContext& ctx) { AddOrDelSlotsRange(ctx, false); }
void CmdClusterDelSlotsRange(CommandContext& ctx) { AddOrDelSlotsRange(ctx, true); }

void CmdClusterFlushSlots(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  if (ctx.server.db(0).size() != 0) {
    ctx.rb.SendError("ERR DB must be empty to perform CLUSTER FLUSHSLOTS.");
    return;
  }
  cluster::ClusterState& st = State(ctx);
  for (int s = 0; s < cluster::kSlots; ++s) {
    if (st.owner(s) == &st.myself()) st.ClearSlot(s);
  }
  st.MarkDirty();
  TheCluster(ctx).UpdateState();
  TheCluster(ctx).BroadcastPong();
  ctx.rb.SendOk();
}

// Redis's clusterBumpConfigEpochWithoutConsensus(): a new epoch for us unless ours is already
// the unique maximum. True when it changed.
bool BumpEpoch(cluster::ClusterState& st) {
  cluster::Node& me = st.myself();
  if (me.config_epoch != 0 && me.config_epoch == st.MaxConfigEpoch()) return false;
  st.set_current_epoch(st.current_epoch() + 1);
  me.config_epoch = st.current_epoch();
  st.MarkDirty();
  spdlog::warn("New configEpoch set to {}", me.config_epoch);
  return true;
}

// The other end of SETSLOT MIGRATING/IMPORTING: a known primary, with Redis's replies otherwise.
cluster::Node* MigrationPeerOrReply(CommandContext& ctx, std::string_view id) {
  cluster::Node* n = State(ctx).Find(id);
  if (n == nullptr) {
    ctx.rb.SendError("ERR I don't know about node " + std::string(id));
    return nullptr;
  }
  if (n->is_replica()) {
    ctx.rb.SendError("ERR Target node is not a master");
    return nullptr;
  }
  return n;
}

void CmdClusterSetSlot(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  cluster::Cluster& cl = TheCluster(ctx);
  cluster::ClusterState& st = State(ctx);
  cluster::Node& me = st.myself();
  if (me.is_replica()) {
    ctx.rb.SendError("ERR Please use SETSLOT only with masters.");
    return;
  }
  int slot = SlotOrReply(ctx, ctx.arg(2));
  if (slot < 0) return;
  std::string_view action = ctx.arg(3);
  size_t argc = ctx.argc();
  std::string slot_text = std::to_string(slot);
  if (EqualsNoCase(action, "migrating") && argc == 5) {
    if (st.owner(slot) != &me) {
      ctx.rb.SendError("ERR I'm not the owner of hash slot " + slot_text);
      return;
    }
    cluster::Node* n = MigrationPeerOrReply(ctx, ctx.arg(4));
    if (n == nullptr) return;
    st.SetMigrating(slot, n);
  } else if (EqualsNoCase(action, "importing") && argc == 5) {
    if (st.owner(slot) == &me) {
      ctx.rb.SendError("ERR I'm already the owner of hash slot " + slot_text);
      return;
    }
    cluster::Node* n = MigrationPeerOrReply(ctx, ctx.arg(4));
    if (n == nullptr) return;
    st.SetImporting(slot, n);
  } else if (EqualsNoCase(action, "stable") && argc == 4) {
    st.SetImporting(slot, nullptr);
    st.SetMigrating(slot, nullptr);
  } else if (EqualsNoCase(action, "node") && argc == 5) {
    cluster::Node* n = LookupNodeOrReply(ctx, ctx.arg(4));
    if (n == nullptr) return;
    if (n->is_replica()) {
      ctx.rb.SendError("ERR Target node is not a master");
      return;
    }
    size_t keys = ctx.server.slot_index()->CountKeys(slot);
    // Handing the slot away with keys still here would strand them.
    if (st.owner(slot) == &me && n != &me && keys != 0) {
      ctx.rb.SendError("ERR Can't assign hashslot " + slot_text +
                       " to a different node while I still hold keys for this hash slot.");
      return;
    }
    // The last key moved out: the migration is over.
    if (keys == 0 && st.migrating_to(slot) != nullptr) st.SetMigrating(slot, nullptr);
    bool slot_was_mine = st.owner(slot) == &me;
    st.SetSlot(slot, n);
    // A primary left without slots follows the node that took its last one (replica
    // migration by resharding), as Redis does.
    if (slot_was_mine && n != &me && me.num_slots == 0 &&
        ctx.server.cfg().cluster_allow_replica_migration) {
      spdlog::warn("Configuration change detected. Reconfiguring myself as a replica of {}", n->id);
      cl.ReplicateFrom(n);
    }
    // The end of an import: a new config epoch makes our claim win over the old owner's.
    if (n == &me && st.importing_from(slot) != nullptr) {
      if (BumpEpoch(st)) spdlog::warn("configEpoch updated after importing slot {}", slot);
      st.SetImporting(slot, nullptr);
    }
    // Ownership changed: everyone hears it now rather than at the next ping round.
    cl.BroadcastPong();
  } else {
    ctx.rb.SendError("ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP");
    return;
  }
  st.MarkDirty();
  cl.UpdateState();
  ctx.rb.SendOk();
}

// ---- Epochs ------------------------------------------------------------------------------

void CmdClusterBumpEpoch(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  cluster::ClusterState& st = State(ctx);
  bool bumped = BumpEpoch(st);
  if (bumped) TheCluster(ctx).BroadcastPong();
  ctx.rb.SendSimple(std::string(bumped ? "BUMPED " : "STILL ") +
                    std::to_string(st.myself().config_epoch));
}

void CmdClusterSetConfigEpoch(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  int64_t epoch;
  if (!ParseLongLongArg(ctx, ctx.arg(2), &epoch)) return;
  cluster::ClusterState& st = State(ctx);
  if (epoch < 0) {
    ctx.rb.SendError("ERR Invalid config epoch specified: " + std::to_string(epoch));
  } else if (st.nodes().size() > 1) {
    ctx.rb.SendError(
        "ERR The user can assign a config epoch only when the node does not know any other "
        "node.");
  } else if (st.myself().config_epoch != 0) {
    ctx.rb.SendError("ERR Node config epoch is already non-zero");
  } else {
    st.myself().config_epoch = static_cast<uint64_t>(epoch);
    spdlog::warn("configEpoch set to {} via CLUSTER SET-CONFIG-EPOCH", epoch);
    if (st.current_epoch() < static_cast<uint64_t>(epoch)) {
      st.set_current_epoch(static_cast<uint64_t>(epoch));
    }
    st.MarkDirty();
    TheCluster(ctx).UpdateState();
    TheCluster(ctx).BroadcastPong();
    ctx.rb.SendOk();
  }
}

// ---- Membership and roles ----------------------------------------------------------------

void CmdClusterMeet(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  if (ctx.argc() != 4 && ctx.argc() != 5) {
    ReplySubcommandSyntax(ctx);
    return;
  }
  int64_t port, cport;
  if (!ParseInt64(ctx.arg(3), &port)) {
    ctx.rb.SendError("ERR Invalid TCP base port specified: " + std::string(ctx.arg(3)));
    return;
  }
  if (ctx.argc() == 5) {
    if (!ParseInt64(ctx.arg(4), &cport)) {
      ctx.rb.SendError("ERR Invalid TCP bus port specified: " + std::string(ctx.arg(4)));
      return;
    }
  } else {
    cport = port + 10000;
  }
  std::string ip(ctx.arg(2));
  // Redis's clusterStartHandshake() checks: a numeric IPv4/IPv6 address and ports in range.
  unsigned char addr[sizeof(struct in6_addr)];
  bool valid_ip =
      inet_pton(AF_INET, ip.c_str(), addr) == 1 || inet_pton(AF_INET6, ip.c_str(), addr) == 1;
  bool valid = valid_ip && port > 0 && port <= 65535 && cport > 0 && cport <= 65535 &&
               TheCluster(ctx).Meet(ip, static_cast<int>(port), static_cast<int>(cport));
  if (!valid) {
    ctx.rb.SendError("ERR Invalid node address specified: " + ip + ":" + std::string(ctx.arg(3)));
    return;
  }
  ctx.rb.SendOk();
}

void CmdClusterForget(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  cluster::ClusterState& st = State(ctx);
  cluster::Node* n = LookupNodeOrReply(ctx, ctx.arg(2));
  if (n == nullptr) return;
  if (n == &st.myself()) {
    ctx.rb.SendError("ERR I tried hard but I can't forget myself...");
    return;
  }
  if (st.myself().is_replica() && st.myself().primary_id == n->id) {
    ctx.rb.SendError("ERR Can't forget my master!");
    return;
  }
  TheCluster(ctx).Forget(n);
  st.MarkDirty();
  TheCluster(ctx).UpdateState();
  ctx.rb.SendOk();
}

void CmdClusterReplicate(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  cluster::ClusterState& st = State(ctx);
  cluster::Node* n = LookupNodeOrReply(ctx, ctx.arg(2));
  if (n == nullptr) return;
  cluster::Node& me = st.myself();
  if (n == &me) {
    ctx.rb.SendError("ERR Can't replicate myself");
    return;
  }
  if (n->is_replica()) {
    ctx.rb.SendError("ERR I can only replicate a master, not a replica.");
    return;
  }
  // A primary turning replica would drop its data: only an empty one may. A replica can
  // switch primaries freely.
  if (me.is_primary() && (me.num_slots != 0 || ctx.server.db(0).size() != 0)) {
    ctx.rb.SendError("ERR To set a master the node must be empty and without assigned slots.");
    return;
  }
  TheCluster(ctx).ReplicateFrom(n);
  TheCluster(ctx).BroadcastPong();
  ctx.rb.SendOk();
}

void CmdClusterFailover(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  if (ctx.argc() > 3) {
    ReplySubcommandSyntax(ctx);
    return;
  }
  cluster::FailoverMode mode = cluster::FailoverMode::kDefault;
  if (ctx.argc() == 3) {
    if (EqualsNoCase(ctx.arg(2), "force")) {
      mode = cluster::FailoverMode::kForce;
    } else if (EqualsNoCase(ctx.arg(2), "takeover")) {
      mode = cluster::FailoverMode::kTakeover;
    } else {
      ctx.rb.SendError(errors::kSyntax);
      return;
    }
  }
  cluster::ClusterState& st = State(ctx);
  const cluster::Node& me = st.myself();
  if (me.is_primary()) {
    ctx.rb.SendError("ERR You should send CLUSTER FAILOVER to a replica");
    return;
  }
  const cluster::Node* primary = st.Find(me.primary_id);
  if (primary == nullptr) {
    ctx.rb.SendError("ERR I'm a replica but my master is unknown to me");
    return;
  }
  if (mode == cluster::FailoverMode::kDefault && (primary->failed() || !primary->link_connected)) {
    ctx.rb.SendError("ERR Master is down or failed, please use CLUSTER FAILOVER FORCE");
    return;
  }
  std::string err = TheCluster(ctx).StartManualFailover(mode);
  if (!err.empty()) {
    ctx.rb.SendError(err);
    return;
  }
  ctx.rb.SendOk();
}

void CmdClusterReset(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  if (ctx.argc() > 3) {
    ReplySubcommandSyntax(ctx);
    return;
  }
  bool hard = false;
  if (ctx.argc() == 3) {
    if (EqualsNoCase(ctx.arg(2), "hard")) {
      hard = true;
    } else if (!EqualsNoCase(ctx.arg(2), "soft")) {
      ctx.rb.SendError(errors::kSyntax);
      return;
    }
  }
  // A primary with keys would keep keys of slots it no longer owns; a replica's data is its
  // primary's, which Reset drops (Redis flushes a reset replica).
  if (State(ctx).myself().is_primary() && ctx.db().size() != 0) {
    ctx.rb.SendError("ERR CLUSTER RESET can't be called with master nodes containing keys");
    return;
  }
  TheCluster(ctx).Reset(hard);
  State(ctx).MarkDirty();
  TheCluster(ctx).UpdateState();
  ctx.rb.SendOk();
}

void CmdClusterSaveConfig(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  if (!State(ctx).Save()) {
    ctx.rb.SendError(std::string("ERR error saving the cluster node config: ") +
                     std::strerror(errno));
    return;
  }
  ctx.rb.SendOk();
}

// ---- ASKING, READONLY, READWRITE ---------------------------------------------------------

void CmdAsking(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  ctx.client->asking = true;
  ctx.rb.SendOk();
}

void CmdReadOnly(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  ctx.client->readonly = true;
  ctx.rb.SendOk();
}

void CmdReadWrite(CommandContext& ctx) {
  if (!RequireCluster(ctx)) return;
  ctx.client->readonly = false;
  ctx.rb.SendOk();
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
                    "A container for cluster commands"));
  auto sub = [&r](const char* name, int arity, uint32_t flags, CommandHandler h, const char* since,
                  const char* summary, const char* complexity) {
    // Redis 7.0's ACL categories: the subcommands that change the topology are admin and
    // dangerous, the ones that read it are plain slow.
    uint32_t acl = (flags & kCmdAdmin) ? kAclAdmin | kAclSlow | kAclDangerous : kAclSlow;
    CommandSpec& s =
        r.AddSub("cluster", MakeCommand(name, arity, flags, acl, 0, 0, 0, h, "cluster", summary));
    s.since = since;
    s.complexity = complexity;
  };
  constexpr uint32_t kAdmin = kCmdAdmin | kCmdStale;
  sub("addslots", -3, kAdmin, CmdClusterAddSlots, "3.0.0",
      "Assign new hash slots to receiving node",
      "O(N) where N is the total number of hash slot arguments");
  sub("addslotsrange", -4, kAdmin, CmdClusterAddSlotsRange, "7.0.0",
      "Assign new hash slots to receiving node",
      "O(N) where N is the total number of the slots between the start slot and end slot "
      "arguments.");
  sub("bumpepoch", 2, kAdmin, CmdClusterBumpEpoch, "3.0.0", "Advance the cluster config epoch",
      "O(1)");
  sub("count-failure-reports", 3, kAdmin, CmdClusterCountFailureReports, "3.0.0",
      "Return the number of failure reports active for a given node",
      "O(N) where N is the number of failure reports");
  sub("countkeysinslot", 3, kCmdStale, CmdClusterCountKeysInSlot, "3.0.0",
      "Return the number of local keys in the specified hash slot", "O(1)");
  sub("delslots", -3, kAdmin, CmdClusterDelSlots, "3.0.0",
      "Set hash slots as unbound in receiving node",
      "O(N) where N is the total number of hash slot arguments");
  sub("delslotsrange", -4, kAdmin, CmdClusterDelSlotsRange, "7.0.0",
      "Set hash slots as unbound in receiving node",
      "O(N) where N is the total number of the slots between the start slot and end slot "
      "arguments.");
  sub("failover", -2, kAdmin, CmdClusterFailover, "3.0.0",
      "Forces a replica to perform a manual failover of its master.", "O(1)");
  sub("flushslots", 2, kAdmin, CmdClusterFlushSlots, "3.0.0",
      "Delete a node's own slots information", "O(1)");
  sub("forget", 3, kAdmin, CmdClusterForget, "3.0.0", "Remove a node from the nodes table", "O(1)");
  sub("getkeysinslot", 4, kCmdStale, CmdClusterGetKeysInSlot, "3.0.0",
      "Return local key names in the specified hash slot",
      "O(log(N)) where N is the number of requested keys");
  sub("info", 2, kCmdStale, CmdClusterInfo, "3.0.0", "Provides info about Redis Cluster node state",
      "O(1)");
  sub("keyslot", 3, kCmdStale, CmdClusterKeySlot, "3.0.0",
      "Returns the hash slot of the specified key",
      "O(N) where N is the number of bytes in the key");
  sub("links", 2, kCmdStale, CmdClusterLinks, "7.0.0",
      "Returns a list of all TCP links to and from peer nodes in cluster",
      "O(N) where N is the total number of Cluster nodes");
  sub("meet", -4, kAdmin, CmdClusterMeet, "3.0.0",
      "Force a node cluster to handshake with another node", "O(1)");
  sub("myid", 2, kCmdStale, CmdClusterMyId, "3.0.0", "Return the node id", "O(1)");
  sub("myshardid", 2, kCmdStale, CmdClusterMyShardId, "7.2.0", "Returns the shard ID of a node",
      "O(1)");
  sub("nodes", 2, kCmdStale, CmdClusterNodes, "3.0.0", "Get Cluster config for the node",
      "O(N) where N is the total number of Cluster nodes");
  sub("replicas", 3, kAdmin, CmdClusterReplicas, "5.0.0",
      "List replica nodes of the specified master node", "O(1)");
  sub("replicate", 3, kAdmin, CmdClusterReplicate, "3.0.0",
      "Reconfigure a node as a replica of the specified master node", "O(1)");
  sub("reset", -2, kAdmin | kCmdNoScript, CmdClusterReset, "3.0.0", "Reset a Redis Cluster node",
      "O(N) where N is the number of known nodes. The command may execute a FLUSHALL as a side "
      "effect.");
  sub("saveconfig", 2, kAdmin, CmdClusterSaveConfig, "3.0.0",
      "Forces the node to save cluster state on disk", "O(1)");
  sub("set-config-epoch", 3, kAdmin, CmdClusterSetConfigEpoch, "3.0.0",
      "Set the configuration epoch in a new node", "O(1)");
  sub("setslot", -4, kAdmin, CmdClusterSetSlot, "3.0.0", "Bind a hash slot to a specific node",
      "O(1)");
  sub("shards", 2, kCmdStale, CmdClusterShards, "7.0.0",
      "Get array of cluster slots to node mappings",
      "O(N) where N is the total number of cluster nodes");
  sub("slaves", 3, kAdmin, CmdClusterReplicas, "3.0.0",
      "List replica nodes of the specified master node", "O(1)");
  sub("slots", 2, kCmdStale, CmdClusterSlots, "3.0.0", "Get array of Cluster slot to node mappings",
      "O(N) where N is the total number of Cluster nodes");
  sub("help", 2, kCmdLoading | kCmdStale, CmdClusterHelp, "5.0.0",
      "Show helpful text about the different subcommands", "O(1)");

  constexpr uint32_t kConnAcl = kAclConnection | kAclFast;
  auto conn = [&r](const char* name, uint32_t flags, CommandHandler h, const char* summary) {
    CommandSpec& s = r.Add(MakeCommand(name, 1, flags, kConnAcl, 0, 0, 0, h, "cluster", summary));
    s.since = "3.0.0";
    s.complexity = "O(1)";
  };
  conn("asking", kCmdFast, CmdAsking, "Sent by cluster clients after an -ASK redirect");
  conn("readonly", kCmdFast | kCmdLoading | kCmdStale, CmdReadOnly,
       "Enables read queries for a connection to a cluster replica node");
  conn("readwrite", kCmdFast | kCmdLoading | kCmdStale, CmdReadWrite,
       "Disables read queries for a connection to a cluster replica node");
}

}  // namespace sable

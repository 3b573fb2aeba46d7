// SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH, PUBSUB, and Redis 7.0's sharded
// pub/sub (SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH): shard channels route like keys in cluster mode.
#include <string>

#include "cluster/cluster.h"
#include "server/commands/register.h"
#include "server/core/context.h"
#include "server/core/server.h"
#include "server/resp/errors.h"

namespace sable {
namespace {

void SendSubscriptionReply(CommandContext& ctx, std::string_view kind, std::string_view name,
                           bool null_name = false) {
  ReplyBuilder& rb = ctx.rb;
  rb.StartPush(3);
  rb.SendBulk(kind);
  if (null_name) {
    rb.SendNull();
  } else {
    rb.SendBulk(name);
  }
  rb.SendLong(static_cast<int64_t>(ctx.client->subscription_count()));
}

void CmdSubscribe(CommandContext& ctx) {
  Client* c = ctx.client;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    if (ctx.server.pubsub().Subscribe(c, ctx.arg(i))) c->channels.emplace(ctx.arg(i));
    SendSubscriptionReply(ctx, "subscribe", ctx.arg(i));
  }
}

void CmdPSubscribe(CommandContext& ctx) {
  Client* c = ctx.client;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    if (ctx.server.pubsub().PSubscribe(c, ctx.arg(i))) c->patterns.emplace(ctx.arg(i));
    SendSubscriptionReply(ctx, "psubscribe", ctx.arg(i));
  }
}

void CmdUnsubscribe(CommandContext& ctx) {
  Client* c = ctx.client;
  std::vector<std::string> names;
  if (ctx.argc() == 1) {
    names.assign(c->channels.begin(), c->channels.end());
    if (names.empty()) {
      SendSubscriptionReply(ctx, "unsubscribe", "", true);
      return;
    }
  } else {
    for (size_t i = 1; i < ctx.argc(); ++i) names.emplace_back(ctx.arg(i));
  }
  for (const std::string& ch : names) {
    ctx.server.pubsub().Unsubscribe(c, ch);
    c->channels.erase(ch);
    SendSubscriptionReply(ctx, "unsubscribe", ch);
  }
}

void CmdPUnsubscribe(CommandContext& ctx) {
  Client* c = ctx.client;
  std::vector<std::string> names;
  if (ctx.argc() == 1) {
    names.assign(c->patterns.begin(), c->patterns.end());
    if (names.empty()) {
      SendSubscriptionReply(ctx, "punsubscribe", "", true);
      return;
    }
  } else {
    for (size_t i = 1; i < ctx.argc(); ++i) names.emplace_back(ctx.arg(i));
  }
  for (const std::string& p : names) {
    ctx.server.pubsub().PUnsubscribe(c, p);
    c->patterns.erase(p);
    SendSubscriptionReply(ctx, "punsubscribe", p);
  }
}

void CmdPublish(CommandContext& ctx) {
  ++ctx.server.stats().pubsub_messages;
  size_t n = ctx.server.pubsub().Publish(ctx.arg(1), ctx.arg(2));
  if (cluster::Cluster* cl = ctx.server.cluster()) {
    // Cluster mode: the bus carries it to every node, replicas included (Redis's
    // clusterPropagatePublish), so not the replication stream as well.
    cl->Publish(ctx.arg(1), ctx.arg(2), /*sharded=*/false);
  } else {
    // Subscribers of replicas get the message too (Redis: replicas only, never the AOF).
    ctx.PropagateToReplicas();
  }
  ctx.rb.SendLong(static_cast<int64_t>(n));
}

void CmdSSubscribe(CommandContext& ctx) {
  Client* c = ctx.client;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    if (ctx.server.shard_pubsub().Subscribe(c, ctx.arg(i))) c->shard_channels.emplace(ctx.arg(i));
    // The count is of shard channels only, as Redis 7.0 reports it.
    ctx.rb.StartPush(3);
    ctx.rb.SendBulk("ssubscribe");
    ctx.rb.SendBulk(ctx.arg(i));
    ctx.rb.SendLong(static_cast<int64_t>(c->shard_channels.size()));
  }
}

void CmdSUnsubscribe(CommandContext& ctx) {
  Client* c = ctx.client;
  std::vector<std::string> names;
  if (ctx.argc() == 1) {
    names.assign(c->shard_channels.begin(), c->shard_channels.end());
    if (names.empty()) {
      ctx.rb.StartPush(3);
      ctx.rb.SendBulk("sunsubscribe");
      ctx.rb.SendNull();
      ctx.rb.SendLong(0);
      return;
    }
  } else {
    for (size_t i = 1; i < ctx.argc(); ++i) names.emplace_back(ctx.arg(i));
  }
  for (const std::string& ch : names) {
    ctx.server.shard_pubsub().Unsubscribe(c, ch);
    c->shard_channels.erase(ch);
    ctx.rb.StartPush(3);
    ctx.rb.SendBulk("sunsubscribe");
    ctx.rb.SendBulk(ch);
    ctx.rb.SendLong(static_cast<int64_t>(c->shard_channels.size()));
  }
}

void CmdSPublish(CommandContext& ctx) {
  ++ctx.server.stats().pubsub_messages;
  size_t n = ctx.server.shard_pubsub().Publish(ctx.arg(1), ctx.arg(2));
  if (cluster::Cluster* cl = ctx.server.cluster()) {
    // Only this shard's nodes hear it (routing made sure the channel's slot lives here).
    cl->Publish(ctx.arg(1), ctx.arg(2), /*sharded=*/true);
  } else {
    ctx.PropagateToReplicas();
  }
  ctx.rb.SendLong(static_cast<int64_t>(n));
}

void CmdPubsubShardChannels(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ctx.ReplyWrongArity();
    return;
  }
  auto names = ctx.server.shard_pubsub().Channels(ctx.argc() == 3 ? ctx.arg(2) : "");
  ctx.rb.StartArray(names.size());
  for (const std::string& n : names) ctx.rb.SendBulk(n);
}

void CmdPubsubShardNumsub(CommandContext& ctx) {
  ctx.rb.StartArray((ctx.argc() - 2) * 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    ctx.rb.SendBulk(ctx.arg(i));
    ctx.rb.SendLong(static_cast<int64_t>(ctx.server.shard_pubsub().NumSub(ctx.arg(i))));
  }
}

void CmdPubsubChannels(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ctx.ReplyWrongArity();
    return;
  }
  auto names = ctx.server.pubsub().Channels(ctx.argc() == 3 ? ctx.arg(2) : "");
  ctx.rb.StartArray(names.size());
  for (const std::string& n : names) ctx.rb.SendBulk(n);
}

void CmdPubsubNumsub(CommandContext& ctx) {
  ctx.rb.StartArray((ctx.argc() - 2) * 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    ctx.rb.SendBulk(ctx.arg(i));
    ctx.rb.SendLong(static_cast<int64_t>(ctx.server.pubsub().NumSub(ctx.arg(i))));
  }
}

void CmdPubsubNumpat(CommandContext& ctx) {
  ctx.rb.SendLong(static_cast<int64_t>(ctx.server.pubsub().NumPat()));
}

void CmdPubsubHelp(CommandContext& ctx) {
  static const char* kLines[] = {
      "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      "    Return the currently active shard level channels matching a <pattern> (default: '*').",
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
      "HELP",
      "    Prints this help.",
  };
  ctx.rb.SendSimpleLines(kLines);
}

void CmdPubsub(CommandContext& ctx) { ctx.ReplyWrongArity(); }

}  // namespace

void RegisterPubSubCommands(CommandRegistry& r) {
  constexpr uint32_t kFlags = kCmdPubSub | kCmdNoScript | kCmdLoading | kCmdStale;
  constexpr uint32_t kAcl = kAclPubSub | kAclSlow;
  r.Add(MakeCommand("subscribe", -2, kFlags, kAcl, 0, 0, 0, CmdSubscribe, "pubsub",
                    "Listens for messages published to channels."));
  r.Add(MakeCommand("unsubscribe", -1, kFlags, kAcl, 0, 0, 0, CmdUnsubscribe, "pubsub",
                    "Stops listening to messages posted to channels."));
  r.Add(MakeCommand("psubscribe", -2, kFlags, kAcl, 0, 0, 0, CmdPSubscribe, "pubsub",
                    "Listens for messages published to channels that match one or more "
                    "patterns."));
  r.Add(MakeCommand("punsubscribe", -1, kFlags, kAcl, 0, 0, 0, CmdPUnsubscribe, "pubsub",
                    "Stops listening to messages published to channels that match one or more "
                    "patterns."));
  r.Add(MakeCommand("publish", 3,
                    kCmdPubSub | kCmdLoading | kCmdStale | kCmdFast | kCmdMayReplicate,
                    kAclPubSub | kAclFast, 0, 0, 0, CmdPublish, "pubsub",
                    "Posts a message to a channel."));
  // The shard channels are key specs (Redis 7.0 flags them NOT_KEY): cluster routing sends
  // them to the channel's slot like keys.
  auto shard = [&r](CommandSpec spec, const char* complexity) {
    CommandSpec& s = r.Add(std::move(spec));
    s.since = "7.0.0";
    s.complexity = complexity;
  };
  shard(MakeCommand("ssubscribe", -2, kFlags, kAcl, 1, -1, 1, CmdSSubscribe, "pubsub",
                    "Listen for messages published to the given shard channels"),
        "O(N) where N is the number of shard channels to subscribe to.");
  shard(MakeCommand("sunsubscribe", -1, kFlags, kAcl, 1, -1, 1, CmdSUnsubscribe, "pubsub",
                    "Stop listening for messages posted to the given shard channels"),
        "O(N) where N is the number of clients already subscribed to a shard channel.");
  shard(MakeCommand("spublish", 3, kCmdPubSub | kCmdLoading | kCmdStale | kCmdFast,
                    kAclPubSub | kAclFast, 1, 1, 1, CmdSPublish, "pubsub",
                    "Post a message to a shard channel"),
        "O(N) where N is the number of clients subscribed to the receiving shard channel.");
  r.Add(MakeCommand("pubsub", -2, 0, kAclSlow, 0, 0, 0, CmdPubsub, "pubsub",
                    "A container for Pub/Sub commands."));
  constexpr uint32_t kSubFlags = kCmdPubSub | kCmdLoading | kCmdStale;
  r.AddSub("pubsub", MakeCommand("channels", -2, kSubFlags, kAcl, 0, 0, 0, CmdPubsubChannels,
                                 "pubsub", "Returns the active channels."));
  r.AddSub("pubsub", MakeCommand("numsub", -2, kSubFlags, kAcl, 0, 0, 0, CmdPubsubNumsub,
                                 "pubsub", "Returns a count of subscribers to channels."));
  r.AddSub("pubsub", MakeCommand("numpat", 2, kSubFlags, kAcl, 0, 0, 0, CmdPubsubNumpat,
                                 "pubsub", "Returns a count of unique pattern subscriptions."));
  CommandSpec& shard_channels =
      r.AddSub("pubsub", MakeCommand("shardchannels", -2, kSubFlags, kAcl, 0, 0, 0,
                                     CmdPubsubShardChannels, "pubsub", "List active shard channels"));
  shard_channels.since = "7.0.0";
  shard_channels.complexity =
      "O(N) where N is the number of active shard channels, and assuming constant time pattern "
      "matching (relatively short shard channels).";
  CommandSpec& shard_numsub = r.AddSub(
      "pubsub", MakeCommand("shardnumsub", -2, kSubFlags, kAcl, 0, 0, 0, CmdPubsubShardNumsub,
                            "pubsub", "Get the count of subscribers for shard channels"));
  shard_numsub.since = "7.0.0";
  shard_numsub.complexity =
      "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels";
  r.AddSub("pubsub", MakeCommand("help", 2, kCmdLoading | kCmdStale, kAclSlow, 0, 0, 0,
                                 CmdPubsubHelp, "pubsub", "Returns helpful text about the "
                                 "different subcommands."));
}

}  // namespace sable

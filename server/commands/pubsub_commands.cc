// SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH, PUBSUB.
#include <string>

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
  // Subscribers of replicas get the message too (Redis: replicas only, never the AOF).
  ctx.PropagateToReplicas();
  ctx.rb.SendLong(static_cast<int64_t>(n));
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
  r.Add(MakeCommand("pubsub", -2, 0, kAclSlow, 0, 0, 0, CmdPubsub, "pubsub",
                    "A container for Pub/Sub commands."));
  constexpr uint32_t kSubFlags = kCmdPubSub | kCmdLoading | kCmdStale;
  r.AddSub("pubsub", MakeCommand("channels", -2, kSubFlags, kAcl, 0, 0, 0, CmdPubsubChannels,
                                 "pubsub", "Returns the active channels."));
  r.AddSub("pubsub", MakeCommand("numsub", -2, kSubFlags, kAcl, 0, 0, 0, CmdPubsubNumsub,
                                 "pubsub", "Returns a count of subscribers to channels."));
  r.AddSub("pubsub", MakeCommand("numpat", 2, kSubFlags, kAcl, 0, 0, 0, CmdPubsubNumpat,
                                 "pubsub", "Returns a count of unique pattern subscriptions."));
  r.AddSub("pubsub", MakeCommand("help", 2, kCmdLoading | kCmdStale, kAclSlow, 0, 0, 0,
                                 CmdPubsubHelp, "pubsub", "Returns helpful text about the "
                                 "different subcommands."));
}

}  // namespace sable

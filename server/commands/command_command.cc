// COMMAND and its subcommands: the command table described back to clients. Cluster clients
// read key positions from COMMAND INFO, redis-cli reads COMMAND DOCS at start-up for its hints,
// so the shapes below follow Redis 7.0.15's replies element for element (sets and maps in RESP3,
// flat arrays in RESP2) even where our table holds less than Redis's does.
#include <iterator>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/commands/register.h"
#include "server/core/context.h"
#include "server/core/server.h"
#include "server/resp/errors.h"
#include "server/util/glob.h"
#include "server/util/strings.h"

namespace sable {
namespace {

// Command flags in the order Redis 7.0 prints them. CommandFlagNames() follows our enum, whose
// order differs, and prints may_replicate, which Redis hides on purpose.
constexpr std::pair<uint32_t, std::string_view> kFlagOrder[] = {
    {kCmdWrite, "write"},
    {kCmdReadOnly, "readonly"},
    {kCmdDenyOom, "denyoom"},
    {kCmdAdmin, "admin"},
    {kCmdPubSub, "pubsub"},
    {kCmdNoScript, "noscript"},
    {kCmdBlocking, "blocking"},
    {kCmdLoading, "loading"},
    {kCmdStale, "stale"},
    {kCmdSkipMonitor, "skip_monitor"},
    {kCmdSkipSlowlog, "skip_slowlog"},
    {kCmdFast, "fast"},
    {kCmdNoAuth, "no_auth"},
    {kCmdNoMandatoryKeys, "no_mandatory_keys"},
    {kCmdNoMulti, "no_multi"},
    {kCmdMovableKeys, "movablekeys"},
    {kCmdAllowBusy, "allow_busy"},
};

// Redis 7.0.15's command tips (COMMAND INFO element 8), by full name, for every command that has
// any, so a family gets its tips as soon as it lands. Cluster clients and proxies route on them
// (request_policy) and test suites skip comparing nondeterministic output. Our table has no field
// for them, hence this copy of Redis's data.
const std::vector<std::string_view>* TipsFor(std::string_view name) {
  static const auto* kTips = new std::map<std::string_view, std::vector<std::string_view>>{
      {"client|info", {"nondeterministic_output"}},
      {"client|list", {"nondeterministic_output"}},
      {"cluster|bumpepoch", {"nondeterministic_output"}},
      {"cluster|count-failure-reports", {"nondeterministic_output"}},
      {"cluster|getkeysinslot", {"nondeterministic_output"}},
      {"cluster|info", {"nondeterministic_output"}},
      {"cluster|links", {"nondeterministic_output"}},
      {"cluster|nodes", {"nondeterministic_output"}},
      {"cluster|replicas", {"nondeterministic_output"}},
      {"cluster|shards", {"nondeterministic_output"}},
      {"cluster|slaves", {"nondeterministic_output"}},
      {"cluster|slots", {"nondeterministic_output"}},
      {"command", {"nondeterministic_output_order"}},
      {"command|docs", {"nondeterministic_output_order"}},
      {"command|info", {"nondeterministic_output_order"}},
      {"command|list", {"nondeterministic_output_order"}},
      {"config|set", {"request_policy:all_nodes", "response_policy:all_succeeded"}},
      {"dbsize", {"request_policy:all_shards", "response_policy:agg_sum"}},
      {"del", {"request_policy:multi_shard", "response_policy:agg_sum"}},
      {"dump", {"nondeterministic_output"}},
      {"exists", {"request_policy:multi_shard", "response_policy:agg_sum"}},
      {"flushall", {"request_policy:all_shards", "response_policy:all_succeeded"}},
      {"flushdb", {"request_policy:all_shards", "response_policy:all_succeeded"}},
      {"function|delete", {"request_policy:all_shards", "response_policy:all_succeeded"}},
      {"function|flush", {"request_policy:all_shards", "response_policy:all_succeeded"}},
      {"function|kill", {"request_policy:all_shards", "response_policy:one_succeeded"}},
      {"function|list", {"nondeterministic_output_order"}},
      {"function|load", {"request_policy:all_shards", "response_policy:all_succeeded"}},
      {"function|restore", {"request_policy:all_shards", "response_policy:all_succeeded"}},
      {"function|stats",
       {"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}},
      {"hgetall", {"nondeterministic_output_order"}},
      {"hkeys", {"nondeterministic_output_order"}},
      {"hrandfield", {"nondeterministic_output"}},
      {"hscan", {"nondeterministic_output"}},
      {"hvals", {"nondeterministic_output_order"}},
      {"info", {"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}},
      {"keys", {"request_policy:all_shards", "nondeterministic_output_order"}},
      {"lastsave", {"nondeterministic_output"}},
      {"latency|doctor",
       {"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}},
      {"latency|graph",
       {"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}},
      {"latency|histogram",
       {"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}},
      {"latency|history",
       {"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}},
      {"latency|latest",
       {"nondeterministic_output", "request_policy:all_nodes", "response_policy:special"}},
      {"latency|reset", {"request_policy:all_nodes", "response_policy:all_succeeded"}},
      {"memory|doctor",
       {"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}},
      {"memory|malloc-stats",
       {"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}},
      {"memory|purge", {"request_policy:all_shards", "response_policy:all_succeeded"}},
      {"memory|stats",
       {"nondeterministic_output", "request_policy:all_shards", "response_policy:special"}},
      {"mget", {"request_policy:multi_shard"}},
      {"migrate", {"nondeterministic_output"}},
      {"module|list", {"nondeterministic_output_order"}},
      {"mset", {"request_policy:multi_shard", "response_policy:all_succeeded"}},
      {"msetnx", {"request_policy:multi_shard", "response_policy:agg_min"}},
      {"object|encoding", {"nondeterministic_output"}},
      {"object|freq", {"nondeterministic_output"}},
      {"object|idletime", {"nondeterministic_output"}},
      {"object|refcount", {"nondeterministic_output"}},
      {"ping", {"request_policy:all_shards", "response_policy:all_succeeded"}},
      {"pttl", {"nondeterministic_output"}},
      {"randomkey", {"request_policy:all_shards", "nondeterministic_output"}},
      {"scan", {"nondeterministic_output", "request_policy:special"}},
      {"script|exists", {"request_policy:all_shards", "response_policy:agg_logical_and"}},
      {"script|flush", {"request_policy:all_nodes", "response_policy:all_succeeded"}},
      {"script|kill", {"request_policy:all_shards", "response_policy:one_succeeded"}},
      {"script|load", {"request_policy:all_nodes", "response_policy:all_succeeded"}},
      {"sdiff", {"nondeterministic_output_order"}},
      {"sinter", {"nondeterministic_output_order"}},
      {"slowlog|get", {"request_policy:all_nodes", "nondeterministic_output"}},
      {"slowlog|len",
       {"request_policy:all_nodes", "response_policy:agg_sum", "nondeterministic_output"}},
      {"slowlog|reset", {"request_policy:all_nodes", "response_policy:all_succeeded"}},
      {"smembers", {"nondeterministic_output_order"}},
      {"spop", {"nondeterministic_output"}},
      {"srandmember", {"nondeterministic_output"}},
      {"sscan", {"nondeterministic_output"}},
      {"sunion", {"nondeterministic_output_order"}},
      {"time", {"nondeterministic_output"}},
      {"touch", {"request_policy:multi_shard", "response_policy:agg_sum"}},
      {"ttl", {"nondeterministic_output"}},
      {"unlink", {"request_policy:multi_shard", "response_policy:agg_sum"}},
      {"wait", {"request_policy:all_shards", "response_policy:agg_min"}},
      {"xadd", {"nondeterministic_output"}},
      {"xautoclaim", {"nondeterministic_output"}},
      {"xclaim", {"nondeterministic_output"}},
      {"xinfo|consumers", {"nondeterministic_output"}},
      {"xpending", {"nondeterministic_output"}},
      {"xtrim", {"nondeterministic_output"}},
      {"zrandmember", {"nondeterministic_output"}},
      {"zscan", {"nondeterministic_output"}},
  };
  auto it = kTips->find(name);
  return it == kTips->end() ? nullptr : &it->second;
}

// Per-key access flags (COMMAND INFO key specs, GETKEYSANDFLAGS). Our key spec has no flags of
// its own, so they follow the command: a write gets Redis's most general write spec (reads the
// value and updates it), anything else reads. Redis's per-command specs are finer (DEL is RM
// delete, SETEX's key is OW update); clients use these for routing, where RW/RO is what counts.
std::vector<std::string_view> KeyFlags(const CommandSpec& cmd) {
  if (cmd.IsWrite()) return {"RW", "access", "update"};
  return {"RO", "access"};
}

bool HasKeys(const CommandSpec& cmd) { return cmd.keys.extractor || cmd.keys.first > 0; }

// A set of status strings (flags, categories): '~' in RESP3, an array in RESP2.
void SendStatusSet(ReplyBuilder& rb, const std::vector<std::string_view>& items) {
  rb.StartSet(items.size());
  for (std::string_view s : items) rb.SendSimple(s);
}

void SendCommandFlags(ReplyBuilder& rb, const CommandSpec& cmd) {
  // Keys found by an extractor move with the arguments, whether or not the table says so.
  uint32_t flags = cmd.flags | (cmd.keys.extractor ? uint32_t{kCmdMovableKeys} : 0u);
  std::vector<std::string_view> names;
  for (const auto& [bit, name] : kFlagOrder) {
    if (flags & bit) names.push_back(name);
  }
  SendStatusSet(rb, names);
}

void SendCategories(ReplyBuilder& rb, const CommandSpec& cmd) {
  std::vector<std::string_view> names = AclCategoryNames(cmd.acl);
  SendStatusSet(rb, names);
}

// Unlike flags and categories, Redis sends tips as bulk strings.
void SendTips(ReplyBuilder& rb, const CommandSpec& cmd) {
  const std::vector<std::string_view>* tips = TipsFor(cmd.name);
  rb.StartSet(tips == nullptr ? 0 : tips->size());
  if (tips == nullptr) return;
  for (std::string_view t : *tips) rb.SendBulk(t);
}

// The key specification Redis derives from a legacy (first, last, step) range: begin at index
// `first`, then a range whose last key is relative to it (or counted from the end when negative).
// Keys found by an extractor have a shape we cannot describe, which Redis spells "unknown".
void SendKeySpecs(ReplyBuilder& rb, const CommandSpec& cmd) {
  if (!HasKeys(cmd)) {
    rb.StartSet(0);
    return;
  }
  rb.StartSet(1);
  rb.StartMap(3);
  rb.SendBulk("flags");
  std::vector<std::string_view> flags = KeyFlags(cmd);
  if (cmd.keys.extractor) flags.push_back("incomplete");
  SendStatusSet(rb, flags);
  if (cmd.keys.extractor) {
    for (std::string_view part : {"begin_search", "find_keys"}) {
      rb.SendBulk(part);
      rb.StartMap(2);
      rb.SendBulk("type");
      rb.SendBulk("unknown");
      rb.SendBulk("spec");
      rb.StartMap(0);
    }
    return;
  }
  rb.SendBulk("begin_search");
  rb.StartMap(2);
  rb.SendBulk("type");
  rb.SendBulk("index");
  rb.SendBulk("spec");
  rb.StartMap(1);
  rb.SendBulk("index");
  rb.SendLong(cmd.keys.first);
  rb.SendBulk("find_keys");
  rb.StartMap(2);
  rb.SendBulk("type");
  rb.SendBulk("range");
  rb.SendBulk("spec");
  rb.StartMap(3);
  rb.SendBulk("lastkey");
  rb.SendLong(cmd.keys.last < 0 ? cmd.keys.last : cmd.keys.last - cmd.keys.first);
  rb.SendBulk("keystep");
  rb.SendLong(cmd.keys.step);
  rb.SendBulk("limit");
  rb.SendLong(0);
}

// One COMMAND INFO entry: name, arity, flags, first key, last key, step, ACL categories, tips,
// key specs, subcommands. Unknown commands are a null in the list, as in Redis.
void SendInfo(ReplyBuilder& rb, const CommandSpec* cmd) {
  if (cmd == nullptr) {
    rb.SendNull();
    return;
  }
  rb.StartArray(10);
  rb.SendBulk(cmd->name);
  rb.SendLong(cmd->arity);
  SendCommandFlags(rb, *cmd);
  bool legacy = !cmd->keys.extractor && cmd->keys.first > 0;
  rb.SendLong(legacy ? cmd->keys.first : 0);
  rb.SendLong(legacy ? cmd->keys.last : 0);
  rb.SendLong(legacy ? cmd->keys.step : 0);
  SendCategories(rb, *cmd);
  SendTips(rb, *cmd);
  SendKeySpecs(rb, *cmd);
  if (cmd->subcommands.empty()) {
    rb.StartSet(0);
    return;
  }
  rb.StartArray(cmd->subcommands.size());
  for (const auto& [sub, spec] : cmd->subcommands) SendInfo(rb, spec.get());
}

// One COMMAND DOCS value. Redis always has the group; the other fields only when known.
void SendDocs(ReplyBuilder& rb, const CommandSpec& cmd) {
  size_t fields = 1 + !cmd.summary.empty() + !cmd.since.empty() + !cmd.complexity.empty() +
                  !cmd.subcommands.empty();
  rb.StartMap(fields);
  if (!cmd.summary.empty()) {
    rb.SendBulk("summary");
    rb.SendBulk(cmd.summary);
  }
  if (!cmd.since.empty()) {
    rb.SendBulk("since");
    rb.SendBulk(cmd.since);
  }
  rb.SendBulk("group");
  rb.SendBulk(cmd.group);
  if (!cmd.complexity.empty()) {
    rb.SendBulk("complexity");
    rb.SendBulk(cmd.complexity);
  }
  if (!cmd.subcommands.empty()) {
    rb.SendBulk("subcommands");
    rb.StartMap(cmd.subcommands.size());
    for (const auto& [sub, spec] : cmd.subcommands) {
      rb.SendBulk(spec->name);
      SendDocs(rb, *spec);
    }
  }
}

// COMMAND INFO/DOCS take full names: "get", or "config|get" for a subcommand. As in Redis, a
// container named alone is itself, and only one level of subcommand exists.
const CommandSpec* FindByFullName(const CommandRegistry& registry, std::string_view name) {
  size_t bar = name.find('|');
  if (bar == std::string_view::npos) return registry.Find(name);
  std::string_view sub = name.substr(bar + 1);
  if (sub.find('|') != std::string_view::npos) return nullptr;
  const CommandSpec* parent = registry.Find(name.substr(0, bar));
  if (parent == nullptr) return nullptr;
  auto it = parent->subcommands.find(ToLower(sub));
  return it == parent->subcommands.end() ? nullptr : it->second.get();
}

// Bare COMMAND: every top-level command (subcommands are inside their parents' entries).
void CmdCommand(CommandContext& ctx) {
  const auto& all = ctx.server.commands().all();
  ctx.rb.StartArray(all.size());
  for (const auto& [name, spec] : all) SendInfo(ctx.rb, spec.get());
}

void CmdCommandCount(CommandContext& ctx) {
  ctx.rb.SendLong(static_cast<int64_t>(ctx.server.commands().all().size()));
}

void CmdCommandInfo(CommandContext& ctx) {
  const CommandRegistry& registry = ctx.server.commands();
  if (ctx.argc() == 2) {
    CmdCommand(ctx);
    return;
  }
  ctx.rb.StartArray(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) SendInfo(ctx.rb, FindByFullName(registry, ctx.arg(i)));
}

void CmdCommandDocs(CommandContext& ctx) {
  const CommandRegistry& registry = ctx.server.commands();
  if (ctx.argc() == 2) {
    ctx.rb.StartMap(registry.all().size());
    for (const auto& [name, spec] : registry.all()) {
      ctx.rb.SendBulk(spec->name);
      SendDocs(ctx.rb, *spec);
    }
    return;
  }
  // Unknown names are skipped rather than answered with a null, so count first.
  std::vector<const CommandSpec*> found;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (const CommandSpec* cmd = FindByFullName(registry, ctx.arg(i))) found.push_back(cmd);
  }
  ctx.rb.StartMap(found.size());
  for (const CommandSpec* cmd : found) {
    ctx.rb.SendBulk(cmd->name);
    SendDocs(ctx.rb, *cmd);
  }
}

// The ACL category bit for a name as COMMAND LIST FILTERBY ACLCAT takes it ("read", any case);
// 0 when there is no such category.
uint32_t CategoryByName(std::string_view name) {
  for (int bit = 0; bit < 32; ++bit) {
    std::vector<std::string_view> names = AclCategoryNames(1u << bit);
    if (!names.empty() && EqualsNoCase(names[0].substr(1), name)) return 1u << bit;
  }
  return 0;
}

void CmdCommandList(CommandContext& ctx) {
  enum class Filter { kNone, kModule, kAclCat, kPattern };
  Filter filter = Filter::kNone;
  std::string_view filter_arg;
  for (size_t i = 2; i < ctx.argc(); i += 3) {
    // Redis accepts FILTERBY only as the last three arguments, so at most one filter.
    if (!EqualsNoCase(ctx.arg(i), "filterby") || ctx.argc() - i - 1 != 2) {
      ctx.rb.SendError(errors::kSyntax);
      return;
    }
    std::string_view type = ctx.arg(i + 1);
    if (EqualsNoCase(type, "module")) {
      filter = Filter::kModule;
    } else if (EqualsNoCase(type, "aclcat")) {
      filter = Filter::kAclCat;
    } else if (EqualsNoCase(type, "pattern")) {
      filter = Filter::kPattern;
    } else {
      ctx.rb.SendError(errors::kSyntax);
      return;
    }
    filter_arg = ctx.arg(i + 2);
  }
  uint32_t category = filter == Filter::kAclCat ? CategoryByName(filter_arg) : 0;
  auto keep = [&](const CommandSpec& cmd) {
    switch (filter) {
      case Filter::kNone:
        return true;
      case Filter::kModule:
        return false;  // no modules
      case Filter::kAclCat:
        return (cmd.acl & category) != 0;
      case Filter::kPattern:
        return GlobMatch(filter_arg, cmd.name, /*nocase=*/true);
    }
    return false;
  };
  std::vector<const std::string*> names;
  for (const auto& [name, spec] : ctx.server.commands().all()) {
    if (keep(*spec)) names.push_back(&spec->name);
    for (const auto& [sub, sub_spec] : spec->subcommands) {
      if (keep(*sub_spec)) names.push_back(&sub_spec->name);
    }
  }
  ctx.rb.StartArray(names.size());
  for (const std::string* name : names) ctx.rb.SendBulk(*name);
}

// GETKEYS and GETKEYSANDFLAGS: argv[2..] is a whole command, checked as the dispatcher would
// check it (but with Redis's own wording for each failure) before its keys are listed.
void GetKeys(CommandContext& ctx, bool with_flags) {
  std::vector<std::string_view> argv(ctx.args.begin() + 2, ctx.args.end());
  const CommandSpec* cmd = ctx.server.Lookup(argv);
  if (cmd == nullptr) {
    ctx.rb.SendError("ERR Invalid command specified");
    return;
  }
  if (!HasKeys(*cmd)) {
    ctx.rb.SendError("ERR The command has no key arguments");
    return;
  }
  int argc = static_cast<int>(argv.size());
  if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity) {
    ctx.rb.SendError("ERR Invalid number of arguments specified for command");
    return;
  }
  std::vector<int> positions = cmd->KeyPositions(argv);
  if (positions.empty() && !(cmd->flags & kCmdNoMandatoryKeys)) {
    ctx.rb.SendError("ERR Invalid arguments specified for command");
    return;
  }
  std::vector<std::string_view> flags = KeyFlags(*cmd);
  ctx.rb.StartArray(positions.size());
  for (int pos : positions) {
    if (with_flags) {
      ctx.rb.StartArray(2);
      ctx.rb.SendBulk(argv[pos]);
      SendStatusSet(ctx.rb, flags);
    } else {
      ctx.rb.SendBulk(argv[pos]);
    }
  }
}

void CmdCommandGetKeys(CommandContext& ctx) { GetKeys(ctx, false); }

void CmdCommandGetKeysAndFlags(CommandContext& ctx) { GetKeys(ctx, true); }

void CmdCommandHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "(no subcommand)",
      "    Return details about all Redis commands.",
      "COUNT",
      "    Return the total number of commands in this Redis server.",
      "LIST",
      "    Return a list of all commands in this Redis server.",
      "INFO [<command-name> ...]",
      "    Return details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "DOCS [<command-name> ...]",
      "    Return documentation details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "GETKEYS <full-command>",
      "    Return the keys from a full Redis command.",
      "GETKEYSANDFLAGS <full-command>",
      "    Return the keys and the access flags from a full Redis command.",
      "HELP",
      "    Prints this help.",
  };
  ctx.rb.SendSimpleLines(kLines);
}

}  // namespace

void RegisterCommandCommand(CommandRegistry& r) {
  constexpr uint32_t kFlags = kCmdLoading | kCmdStale;
  constexpr uint32_t kAcl = kAclSlow | kAclConnection;
  auto docs = [](CommandSpec& s, const char* since, const char* complexity) {
    s.since = since;
    s.complexity = complexity;
  };
  docs(r.Add(MakeCommand("command", -1, kFlags, kAcl, 0, 0, 0, CmdCommand, "server",
                         "Get array of Redis command details")),
       "2.8.13", "O(N) where N is the total number of Redis commands");
  auto sub = [&](const char* name, int arity, CommandHandler h, const char* since,
                 const char* summary, const char* complexity) {
    docs(r.AddSub("command", MakeCommand(name, arity, kFlags, kAcl, 0, 0, 0, h, "server",
                                         summary)),
         since, complexity);
  };
  sub("count", 2, CmdCommandCount, "2.8.13", "Get total number of Redis commands", "O(1)");
  sub("docs", -2, CmdCommandDocs, "7.0.0", "Get array of specific Redis command documentation",
      "O(N) where N is the number of commands to look up");
  // GETKEYS needs at least a command and one argument in 7.0 (7.2 relaxed it to -3).
  sub("getkeys", -4, CmdCommandGetKeys, "2.8.13", "Extract keys given a full Redis command",
      "O(N) where N is the number of arguments to the command");
  sub("getkeysandflags", -4, CmdCommandGetKeysAndFlags, "7.0.0",
      "Extract keys and access flags given a full Redis command",
      "O(N) where N is the number of arguments to the command");
  sub("help", 2, CmdCommandHelp, "5.0.0", "Show helpful text about the different subcommands",
      "O(1)");
  sub("info", -2, CmdCommandInfo, "2.8.13",
      "Get array of specific Redis command details, or all when no argument is given.",
      "O(N) where N is the number of commands to look up");
  sub("list", -2, CmdCommandList, "7.0.0", "Get an array of Redis command names",
      "O(N) where N is the total number of Redis commands");
}

}  // namespace sable

// CONFIG GET / SET / RESETSTAT / REWRITE / HELP: thin wrappers over Config, which owns the
// directive table and Redis's exact error texts.
#include <string>
#include <utility>
#include <vector>

#include "server/commands/register.h"
#include "server/core/context.h"
#include "server/core/server.h"

namespace sable {
namespace {

void CmdConfigGet(CommandContext& ctx) {
  std::vector<std::string_view> patterns(ctx.args.begin() + 2, ctx.args.end());
  auto pairs = ctx.server.config().Get(patterns);
  ctx.rb.StartMap(pairs.size());
  for (const auto& [name, value] : pairs) {
    ctx.rb.SendBulk(name);
    ctx.rb.SendBulk(value);
  }
}

void CmdConfigSet(CommandContext& ctx) {
  if (ctx.argc() % 2 != 0) {
    ctx.ReplyWrongArity();
    return;
  }
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  for (size_t i = 2; i + 1 < ctx.argc(); i += 2) pairs.emplace_back(ctx.arg(i), ctx.arg(i + 1));
  if (auto err = ctx.server.config().Set(pairs, ctx.client->conn() == nullptr || ctx.client->conn()->IsLocal())) {
    ctx.rb.SendError(*err);
    return;
  }
  ctx.rb.SendOk();
}

void CmdConfigResetStat(CommandContext& ctx) {
  ctx.server.ResetStats();
  ctx.rb.SendOk();
}

void CmdConfigRewrite(CommandContext& ctx) {
  if (auto err = ctx.server.config().Rewrite()) {
    ctx.rb.SendError(*err);
    return;
  }
  ctx.rb.SendOk();
}

void CmdConfigHelp(CommandContext& ctx) {
  static const char* const kLines[] = {
      "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET <pattern>",
      "    Return parameters matching the glob-like <pattern> and their values.",
      "SET <directive> <value>",
      "    Set the configuration <directive> to <value>.",
      "RESETSTAT",
      "    Reset statistics reported by the INFO command.",
      "REWRITE",
      "    Rewrite the configuration file.",
      "HELP",
      "    Print this help.",
  };
  ctx.rb.SendSimpleLines(kLines);
}

}  // namespace

void RegisterConfigCommand(CommandRegistry& r) {
  r.Add(MakeCommand("config", -2, 0, kAclSlow, 0, 0, 0, nullptr, "server",
                    "A container for server configuration commands"));
  constexpr uint32_t kAdminFlags = kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale;
  constexpr uint32_t kAdminAcl = kAclAdmin | kAclSlow | kAclDangerous;
  auto sub = [&r](const char* name, int arity, uint32_t flags, uint32_t acl, CommandHandler h,
                  const char* since, const char* summary) {
    CommandSpec& s = r.AddSub("config", MakeCommand(name, arity, flags, acl, 0, 0, 0, h, "server",
                                                    summary));
    s.since = since;
  };
  sub("get", -3, kAdminFlags, kAdminAcl, CmdConfigGet, "2.0.0",
      "Get the values of configuration parameters");
  sub("set", -4, kAdminFlags | kCmdMayReplicate, kAdminAcl, CmdConfigSet, "2.0.0",
      "Set configuration parameters to the given values");
  sub("resetstat", 2, kAdminFlags, kAdminAcl, CmdConfigResetStat, "2.0.0",
      "Reset the stats returned by INFO");
  sub("rewrite", 2, kAdminFlags, kAdminAcl, CmdConfigRewrite, "2.8.0",
      "Rewrite the configuration file with the in memory configuration");
  sub("help", 2, kCmdLoading | kCmdStale, kAclSlow, CmdConfigHelp, "5.0.0",
      "Show helpful text about the different subcommands");
}

}  // namespace sable

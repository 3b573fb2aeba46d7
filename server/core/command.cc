#include "server/core/command.h"

#include <cctype>

namespace sable {

std::vector<int> CommandSpec::KeyPositions(const std::vector<std::string_view>& args) const {
  if (keys.extractor) return keys.extractor(args);
  std::vector<int> out;
  if (keys.first <= 0) return out;
  int argc = static_cast<int>(args.size());
  int last = keys.last < 0 ? argc + keys.last : keys.last;
  for (int i = keys.first; i <= last && i < argc; i += keys.step) out.push_back(i);
  return out;
}

CommandSpec& CommandRegistry::Add(CommandSpec spec) {
  auto owned = std::make_unique<CommandSpec>(std::move(spec));
  CommandSpec* raw = owned.get();
  commands_[raw->name] = std::move(owned);
  index_[raw->name] = raw;
  return *raw;
}

CommandSpec& CommandRegistry::AddSub(std::string_view parent, CommandSpec spec) {
  CommandSpec* p = commands_.find(parent)->second.get();
  std::string sub = spec.name;
  spec.name = std::string(parent) + "|" + sub;
  spec.parent = p;
  auto owned = std::make_unique<CommandSpec>(std::move(spec));
  CommandSpec* raw = owned.get();
  p->subcommands[sub] = std::move(owned);
  return *raw;
}

const CommandSpec* CommandRegistry::Find(std::string_view name) const {
  char buf[64];
  if (name.size() > sizeof(buf)) return nullptr;
  for (size_t i = 0; i < name.size(); ++i) {
    char ch = name[i];
    buf[i] = ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch + ('a' - 'A')) : ch;  // ASCII only
  }
  auto it = index_.find(std::string_view(buf, name.size()));
  return it == index_.end() ? nullptr : it->second;
}

void CommandRegistry::ResetStats() {
  for (auto& [name, spec] : commands_) {
    spec->calls = spec->usec = spec->rejected_calls = spec->failed_calls = 0;
    spec->latency.reset();
    for (auto& [sub, s] : spec->subcommands) {
      s->calls = s->usec = s->rejected_calls = s->failed_calls = 0;
      s->latency.reset();
    }
  }
}

std::vector<std::string_view> CommandFlagNames(uint32_t flags) {
  static const std::pair<uint32_t, std::string_view> kNames[] = {
      {kCmdWrite, "write"},         {kCmdReadOnly, "readonly"},
      {kCmdDenyOom, "denyoom"},     {kCmdAdmin, "admin"},
      {kCmdPubSub, "pubsub"},       {kCmdNoScript, "noscript"},
      {kCmdBlocking, "blocking"},   {kCmdLoading, "loading"},
      {kCmdStale, "stale"},         {kCmdSkipMonitor, "skip_monitor"},
      {kCmdSkipSlowlog, "skip_slowlog"}, {kCmdFast, "fast"},
      {kCmdNoAuth, "no_auth"},      {kCmdMayReplicate, "may_replicate"},
      {kCmdNoMulti, "no_multi"},    {kCmdAllowBusy, "allow_busy"},
      {kCmdNoMandatoryKeys, "no_mandatory_keys"}, {kCmdMovableKeys, "movablekeys"},
  };
  std::vector<std::string_view> out;
  for (auto& [bit, name] : kNames) {
    if (flags & bit) out.push_back(name);
  }
  return out;
}

std::vector<std::string_view> AclCategoryNames(uint32_t acl) {
  static const std::pair<uint32_t, std::string_view> kNames[] = {
      {kAclKeyspace, "@keyspace"},   {kAclRead, "@read"},          {kAclWrite, "@write"},
      {kAclSet, "@set"},             {kAclSortedSet, "@sortedset"}, {kAclList, "@list"},
      {kAclHash, "@hash"},           {kAclString, "@string"},      {kAclBitmap, "@bitmap"},
      {kAclHyperLogLog, "@hyperloglog"}, {kAclGeo, "@geo"},        {kAclStream, "@stream"},
      {kAclPubSub, "@pubsub"},       {kAclAdmin, "@admin"},        {kAclFast, "@fast"},
      {kAclSlow, "@slow"},           {kAclBlocking, "@blocking"},  {kAclDangerous, "@dangerous"},
      {kAclConnection, "@connection"}, {kAclTransaction, "@transaction"},
      {kAclScripting, "@scripting"},
  };
  std::vector<std::string_view> out;
  for (auto& [bit, name] : kNames) {
    if (acl & bit) out.push_back(name);
  }
  return out;
}

}  // namespace sable

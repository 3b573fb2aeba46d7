// The command table: each command described by data (arity, flags, key positions, ACL
// categories) and a handler. The dispatcher checks arity, auth, MULTI queueing and pub/sub
// context once, from this data, before any handler runs.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server/observe/latency.h"

namespace sable {

class CommandContext;

// Command flags, as COMMAND INFO reports them.
enum CommandFlag : uint32_t {
  kCmdWrite = 1u << 0,       // may modify the keyspace
  kCmdReadOnly = 1u << 1,    // reads data only
  kCmdDenyOom = 1u << 2,     // refused when over maxmemory
  kCmdAdmin = 1u << 3,       // administrative
  kCmdPubSub = 1u << 4,      // pub/sub related
  kCmdNoScript = 1u << 5,    // not allowed from Lua
  kCmdBlocking = 1u << 6,    // may block the client
  kCmdLoading = 1u << 7,     // allowed while loading
  kCmdStale = 1u << 8,       // allowed on a replica with a stale link
  kCmdSkipMonitor = 1u << 9, // not shown to MONITOR
  kCmdSkipSlowlog = 1u << 10,// not logged in SLOWLOG
  kCmdFast = 1u << 11,       // O(1) or O(log N)
  kCmdNoAuth = 1u << 12,     // allowed before AUTH
  kCmdMayReplicate = 1u << 13,// may propagate though not a write
  kCmdNoMulti = 1u << 14,    // not allowed inside MULTI
  kCmdAllowBusy = 1u << 15,  // allowed while a script is busy
  kCmdNoMandatoryKeys = 1u << 16, // keys are optional (MSET-like variants)
  kCmdMovableKeys = 1u << 17,// keys found by an extractor (computed from key spec)
};

// ACL categories, as COMMAND INFO reports them ("@read", ...).
enum AclCategory : uint32_t {
  kAclKeyspace = 1u << 0,
  kAclRead = 1u << 1,
  kAclWrite = 1u << 2,
  kAclSet = 1u << 3,
  kAclSortedSet = 1u << 4,
  kAclList = 1u << 5,
  kAclHash = 1u << 6,
  kAclString = 1u << 7,
  kAclBitmap = 1u << 8,
  kAclHyperLogLog = 1u << 9,
  kAclGeo = 1u << 10,
  kAclStream = 1u << 11,
  kAclPubSub = 1u << 12,
  kAclAdmin = 1u << 13,
  kAclFast = 1u << 14,
  kAclSlow = 1u << 15,
  kAclBlocking = 1u << 16,
  kAclDangerous = 1u << 17,
  kAclConnection = 1u << 18,
  kAclTransaction = 1u << 19,
  kAclScripting = 1u << 20,
};

// Where the keys are: argv[first..last] every `step` (last < 0 counts from the end). An
// extractor, when set, overrides this for commands whose keys move (e.g. depend on options).
struct KeySpec {
  int first = 0;
  int last = 0;
  int step = 0;
  std::function<std::vector<int>(const std::vector<std::string_view>&)> extractor;
};

using CommandHandler = void (*)(CommandContext&);

struct CommandSpec {
  std::string name;          // lower case; "config|get" style for subcommands
  int arity = 0;             // negative: at least -arity args
  uint32_t flags = 0;        // CommandFlag bits
  uint32_t acl = 0;          // AclCategory bits
  KeySpec keys;
  CommandHandler handler = nullptr;
  std::string summary;       // COMMAND DOCS
  std::string since = "1.0.0";
  std::string group = "generic";
  std::string complexity;
  // Subcommands by lower-case name (CONFIG GET, CLIENT LIST, ...). When present, the handler of
  // the parent is only used for arity errors.
  std::map<std::string, std::unique_ptr<CommandSpec>, std::less<>> subcommands;
  CommandSpec* parent = nullptr;

  // Statistics for INFO commandstats.
  mutable uint64_t calls = 0;
  mutable uint64_t usec = 0;
  mutable uint64_t rejected_calls = 0;
  mutable uint64_t failed_calls = 0;
  // latency-tracking: durations of its calls, allocated on the first (INFO latencystats).
  mutable std::unique_ptr<LatencyHistogram> latency;

  bool IsWrite() const { return flags & kCmdWrite; }
  // The keys of one invocation, as argv indexes.
  std::vector<int> KeyPositions(const std::vector<std::string_view>& args) const;
  // Full name for errors and stats: "get", "config|get".
  const std::string& fullname() const { return name; }
};

class CommandRegistry {
 public:
  CommandSpec& Add(CommandSpec spec);
  // Adds a subcommand to an existing parent.
  CommandSpec& AddSub(std::string_view parent, CommandSpec spec);
  // Case-insensitive lookup of a top-level command.
  const CommandSpec* Find(std::string_view name) const;
  const std::map<std::string, std::unique_ptr<CommandSpec>, std::less<>>& all() const {
    return commands_;
  }
  void ResetStats();

 private:
  std::map<std::string, std::unique_ptr<CommandSpec>, std::less<>> commands_;
  // Fast lookup keyed by lower-case name (views into the specs' own names).
  std::unordered_map<std::string_view, const CommandSpec*> index_;
};

// Flag and category names, as COMMAND prints them.
std::vector<std::string_view> CommandFlagNames(uint32_t flags);
std::vector<std::string_view> AclCategoryNames(uint32_t acl);

}  // namespace sable

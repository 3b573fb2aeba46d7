// Every command family registers its commands here, explicitly, from one list.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "server/core/command.h"

namespace sable {

void RegisterAllCommands(CommandRegistry& registry);

void RegisterConnectionCommands(CommandRegistry& registry);
void RegisterStringCommands(CommandRegistry& registry);
void RegisterHashCommands(CommandRegistry& registry);
void RegisterListCommands(CommandRegistry& registry);
void RegisterSetCommands(CommandRegistry& registry);
void RegisterZSetCommands(CommandRegistry& registry);
void RegisterKeyCommands(CommandRegistry& registry);
void RegisterExpireCommands(CommandRegistry& registry);
void RegisterTransactionCommands(CommandRegistry& registry);
void RegisterPubSubCommands(CommandRegistry& registry);
void RegisterServerCommands(CommandRegistry& registry);
void RegisterInfoCommand(CommandRegistry& registry);
void RegisterClusterCommand(CommandRegistry& registry);
void RegisterConfigCommand(CommandRegistry& registry);
void RegisterClientCommand(CommandRegistry& registry);
void RegisterCommandCommand(CommandRegistry& registry);
void RegisterDebugCommands(CommandRegistry& registry);
void RegisterPersistenceCommands(CommandRegistry& registry);
void RegisterDumpCommands(CommandRegistry& registry);
// server/commands/migrate_command.cc: MIGRATE (DUMP payloads sent as RESTORE to another node).
void RegisterMigrateCommand(CommandRegistry& registry);
void RegisterAofCommands(CommandRegistry& registry);
// REPLCONF, SYNC, PSYNC, WAIT, ROLE (server/repl/primary_commands.cc).
void RegisterPrimaryCommands(CommandRegistry& registry);
// server/repl/replica_commands.cc: REPLICAOF, SLAVEOF.
void RegisterReplicaCommands(CommandRegistry& registry);
// server/commands/script_commands.cc: EVAL, EVALSHA (and _RO), SCRIPT.
void RegisterScriptCommands(CommandRegistry& registry);
// server/commands/function_commands.cc: FCALL, FCALL_RO, FUNCTION.
void RegisterFunctionCommands(CommandRegistry& registry);
// server/commands/stream_commands.cc (and stream_group_commands.cc): the X* commands.
void RegisterStreamCommands(CommandRegistry& registry);
// server/commands/introspection_commands.cc: SLOWLOG, LATENCY, MONITOR.
void RegisterIntrospectionCommands(CommandRegistry& registry);
// server/commands/memory_command.cc: MEMORY USAGE/STATS/DOCTOR/MALLOC-STATS/PURGE.
void RegisterMemoryCommand(CommandRegistry& registry);

// Builds a table entry. Keys are argv[first..last] every step (last < 0 counts from the end).
inline CommandSpec MakeCommand(std::string name, int arity, uint32_t flags, uint32_t acl,
                               int first, int last, int step, CommandHandler handler,
                               std::string group = "generic", std::string summary = "") {
  CommandSpec s;
  s.name = std::move(name);
  s.arity = arity;
  s.flags = flags;
  s.acl = acl;
  s.keys.first = first;
  s.keys.last = last;
  s.keys.step = step;
  s.handler = handler;
  s.group = std::move(group);
  s.summary = std::move(summary);
  return s;
}

// Keys named by a numkeys argument: argv[numkeys_pos] = N, then N keys (LMPOP, BLMPOP at 2,
// ZUNION, ZINTERCARD, SINTERCARD...). An unparsable or too large N yields no keys; the handler
// then replies its own error.
inline KeySpec NumKeysSpec(int numkeys_pos) {
  KeySpec spec;
  spec.extractor = [numkeys_pos](const std::vector<std::string_view>& args) {
    std::vector<int> keys;
    if (static_cast<int>(args.size()) <= numkeys_pos) return keys;
    long long n = 0;
    for (char ch : args[numkeys_pos]) {
      if (ch < '0' || ch > '9' || n > 1000000000) return keys;
      n = n * 10 + (ch - '0');
    }
    if (n <= 0 || numkeys_pos + 1 + n > static_cast<long long>(args.size())) return keys;
    for (int i = 0; i < n; ++i) keys.push_back(numkeys_pos + 1 + i);
    return keys;
  };
  return spec;
}

}  // namespace sable

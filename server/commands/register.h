// Every command family registers its commands here, explicitly, from one list.
#pragma once

#include <string>

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

}  // namespace sable

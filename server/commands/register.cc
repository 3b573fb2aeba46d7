#include "server/commands/register.h"

namespace sable {

void RegisterAllCommands(CommandRegistry& registry) {
  RegisterConnectionCommands(registry);
  RegisterStringCommands(registry);
  RegisterHashCommands(registry);
  RegisterListCommands(registry);
  RegisterSetCommands(registry);
  RegisterZSetCommands(registry);
  RegisterKeyCommands(registry);
  RegisterExpireCommands(registry);
  RegisterTransactionCommands(registry);
  RegisterPubSubCommands(registry);
  RegisterServerCommands(registry);
  RegisterInfoCommand(registry);
  RegisterClusterCommand(registry);
  RegisterConfigCommand(registry);
  RegisterClientCommand(registry);
  RegisterCommandCommand(registry);
  RegisterDebugCommands(registry);
  RegisterPersistenceCommands(registry);
  RegisterDumpCommands(registry);
  RegisterMigrateCommand(registry);
  RegisterAofCommands(registry);
  RegisterPrimaryCommands(registry);
  RegisterReplicaCommands(registry);
  RegisterScriptCommands(registry);
  RegisterFunctionCommands(registry);
  RegisterStreamCommands(registry);
  RegisterIntrospectionCommands(registry);
  RegisterMemoryCommand(registry);
}

}  // namespace sable

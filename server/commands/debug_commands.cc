// Placeholder until this family lands.
#include "server/commands/register.h"

namespace sable {

void RegisterDebugCommands(CommandRegistry& registry) {}

}  // namespace sable

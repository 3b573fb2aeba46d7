// Placeholder until this family lands.
#include "server/commands/register.h"

namespace sable {

void RegisterServerCommands(CommandRegistry& registry) {}

}  // namespace sable

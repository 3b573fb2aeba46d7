// Placeholder until this family lands.
#include "server/commands/register.h"

namespace sable {

void RegisterCommandCommand(CommandRegistry& registry) {}

}  // namespace sable

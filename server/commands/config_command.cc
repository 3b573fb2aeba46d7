// Placeholder until this family lands.
#include "server/commands/register.h"

namespace sable {

void RegisterConfigCommand(CommandRegistry& registry) {}

}  // namespace sable

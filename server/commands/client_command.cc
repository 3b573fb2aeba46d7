// Placeholder until this family lands.
#include "server/commands/register.h"

namespace sable {

void RegisterClientCommand(CommandRegistry& registry) {}

}  // namespace sable

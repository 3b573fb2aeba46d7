// Placeholder until this family lands.
#include "server/commands/register.h"

namespace sable {

void RegisterInfoCommand(CommandRegistry& registry) {}

}  // namespace sable

// List commands (being written).
#include "server/commands/register.h"

namespace sable {

void RegisterListCommands(CommandRegistry& r) { (void)r; }

}  // namespace sable

// ZSet commands (being written).
#include "server/commands/register.h"

namespace sable {

void RegisterZSetCommands(CommandRegistry& r) { (void)r; }

}  // namespace sable

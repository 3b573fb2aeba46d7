// Set commands (being written).
#include "server/commands/register.h"

namespace sable {

void RegisterSetCommands(CommandRegistry& r) { (void)r; }

}  // namespace sable

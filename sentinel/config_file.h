// sentinel.conf: parsing (as Redis Sentinel reads it) and the rewrite that persists what the
// sentinel learned (myid, epochs, known replicas and sentinels, votes), so a restart resumes.
#pragma once

#include <optional>
#include <string>

#include "sentinel/model.h"

namespace sable::sentinel {

// Reads `path` into state (config and learned state). Returns an error text on failure, in
// Redis's "*** FATAL CONFIG FILE ERROR ***" shape.
std::optional<std::string> LoadConfigFile(const std::string& path, SentinelState* state);
// Applies one directive line (also used for command-line "--port 26380" style options).
std::optional<std::string> ApplyConfigLine(const std::string& line, SentinelState* state);
// Writes the whole state back to config.config_file atomically (temp file + fsync + rename).
std::optional<std::string> RewriteConfigFile(const SentinelState& state);

}  // namespace sable::sentinel

// Start-up replay of a multi-part AOF: the base file (an RDB through the RDB reader, or
// commands), then each incr file in manifest order, every command run through a socketless
// client with nothing expiring and nothing propagated. A torn last record is cut off when
// aof-load-truncated allows it; anything else that is not a command refuses the load.
#pragma once

#include <cstdint>
#include <string>

namespace sable {

class Server;
class AofManifest;

enum class AofLoadStatus {
  kOk,
  kNotExist,   // no AOF at all
  kEmpty,      // the files exist but hold nothing
  kOpenError,  // a file could not be opened
  kFailed,     // bad content, a torn file that may not be cut, an unknown command...
  kTruncated,  // loaded after cutting a torn last record (aof-load-truncated yes)
};

struct AofLoadResult {
  AofLoadStatus status = AofLoadStatus::kOk;
  int64_t total_size = 0;      // base + incr bytes after loading (aof_current_size)
  int64_t base_size = 0;       // the base file's bytes (aof_base_size)
  int64_t last_incr_size = 0;  // the last incr file's bytes (where appends continue)
  uint64_t commands = 0;       // commands replayed
};

// Loads the files `manifest` lists from `dir`. Logs like Redis. `load_truncated` is
// aof-load-truncated. `old_style_name` is the name an upgraded pre-7.0 AOF has (appendfilename):
// only the log lines differ for it.
AofLoadResult LoadAofFiles(Server& server, const std::string& dir, const AofManifest& manifest,
                           bool load_truncated, const std::string& old_style_name);

}  // namespace sable

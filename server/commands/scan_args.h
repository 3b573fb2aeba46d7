// The cursor and options of SCAN and its per-type forms (HSCAN, SSCAN, ZSCAN), parsed once.
#pragma once

#include <cstdint>
#include <string_view>

namespace sable {

class CommandContext;

// Redis's parseScanCursorOrReply() accepts what strtoull() takes in full: an optional sign (a
// negative value wraps around), digits, no leading space, no overflow; the empty string is 0.
bool ParseScanCursor(std::string_view s, uint64_t* out);

// Which options a form takes: SCAN has TYPE, HSCAN has NOVALUES (Redis 7.4), the others neither.
enum class ScanKind { kKeys, kHash, kMembers };

struct ScanOptions {
  int64_t count = 10;
  std::string_view pattern;  // empty: no MATCH (or MATCH *)
  std::string_view type;     // empty: no TYPE filter
  bool has_type = false;
  bool no_values = false;    // HSCAN NOVALUES
};

// Parses the options from argv[first]; false with the error already sent.
bool ParseScanOptions(CommandContext& ctx, size_t first, ScanKind kind, ScanOptions* opts);

}  // namespace sable

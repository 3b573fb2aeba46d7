// Glob-style pattern matching with the exact semantics of Redis's stringmatchlen(), used by KEYS,
// SCAN MATCH, PSUBSCRIBE, CONFIG GET and friends. Clients depend on its quirks, so they are kept:
// an unterminated '[' treats the rest of the pattern as the set, reversed ranges are accepted, and
// a pattern whose stars nest deeper than Redis's recursion limit never matches.
#pragma once

#include <string_view>

namespace sable {

// Returns true if `str` matches `pattern`. Both are binary safe. Supports '*', '?', '[set]',
// '[^set]', '[a-z]' and '\x' escapes. With `nocase`, ASCII letters compare case-insensitively
// (escaped characters inside brackets still compare exactly, as in Redis). Runs in
// O(pattern.size() * str.size()) time without recursion.
bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase = false);

}  // namespace sable

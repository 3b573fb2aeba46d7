// Flags of the notify-keyspace-events setting and their one-letter spelling, as in Redis 7.0's
// notify.c. The server tests these bits before publishing a keyspace or keyevent message.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sable {

inline constexpr int kNotifyKeyspace = 1 << 0;   // K: publish on __keyspace@<db>__:<key>.
inline constexpr int kNotifyKeyevent = 1 << 1;   // E: publish on __keyevent@<db>__:<event>.
inline constexpr int kNotifyGeneric = 1 << 2;    // g: type-independent commands (DEL, EXPIRE...).
inline constexpr int kNotifyString = 1 << 3;     // $: string commands.
inline constexpr int kNotifyList = 1 << 4;       // l: list commands.
inline constexpr int kNotifySet = 1 << 5;        // s: set commands.
inline constexpr int kNotifyHash = 1 << 6;       // h: hash commands.
inline constexpr int kNotifyZset = 1 << 7;       // z: sorted set commands.
inline constexpr int kNotifyExpired = 1 << 8;    // x: a key expired.
inline constexpr int kNotifyEvicted = 1 << 9;    // e: a key was evicted for maxmemory.
inline constexpr int kNotifyStream = 1 << 10;    // t: stream commands.
inline constexpr int kNotifyKeyMiss = 1 << 11;   // m: a read found no key (not part of 'A').
inline constexpr int kNotifyLoaded = 1 << 12;    // Module-only "loaded" event; has no letter.
inline constexpr int kNotifyModule = 1 << 13;    // d: module key type events.
inline constexpr int kNotifyNew = 1 << 14;       // n: a new key was created (not part of 'A').
// A: the alias for "g$lshzxetd".
inline constexpr int kNotifyAll = kNotifyGeneric | kNotifyString | kNotifyList | kNotifySet |
                                  kNotifyHash | kNotifyZset | kNotifyExpired | kNotifyEvicted |
                                  kNotifyStream | kNotifyModule;

// Parses a class string such as "KEA" or "Ex" into flags (Redis keyspaceEventsStringToFlags).
// The empty string gives 0. Returns nullopt if any character is not one of "Ag$lshzxeKEtmdn".
std::optional<int> KeyspaceEventsFromString(std::string_view classes);

// The inverse, in Redis's order: 'A' when every class of kNotifyAll is set, otherwise the class
// letters "g$lshzxetdn" that are set, then 'K', 'E' and 'm'. For example "AKE" or "glsnEm". As in
// Redis 7.0, 'n' is not printed next to 'A' ("AnK" reads back as "AK").
std::string KeyspaceEventsToString(int flags);

}  // namespace sable

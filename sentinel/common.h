// Small helpers every part of sable-sentinel shares.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/util/version.h"

namespace sable::sentinel {

// Monotonic milliseconds; every timestamp in the model uses this clock.
int64_t NowMs();

// A client-supplied argument quoted in an error message: at most `max` bytes, CR/LF as spaces,
// as Redis's %.128s in its error formats.
std::string Sanitize(std::string_view s, size_t max);

// What a peer may tell us (SentinelPeer hellos, votes): a run id of 40 hex characters as Redis
// writes them, an address without whitespace and a port in 1..65535. Anything else is garbage
// that would corrupt the state, the events and the rewritten config file.
bool ValidRunId(std::string_view id);
bool ValidPeerAddress(std::string_view ip, int64_t port);

// An IP literal, or with `resolve` (resolve-hostnames yes) a name that resolves: what Redis's
// MONITOR and `sentinel monitor` accept as an instance address.
bool ValidAddress(const std::string& host, bool resolve);

// n random lowercase hex characters (run ids).
std::string RandomHex(size_t n);

}  // namespace sable::sentinel

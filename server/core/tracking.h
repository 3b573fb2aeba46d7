// Client-side caching (CLIENT TRACKING), as Redis 7.0's tracking.c does it:
// - default mode: the keys a tracking client reads are remembered (key -> client ids); the first
//   change to a key sends each of them one invalidation and forgets the key;
// - BCAST mode: clients subscribe to key prefixes (all keys by default); the keys changed under
//   each prefix are gathered and sent once per event-loop iteration;
// - invalidations are RESP3 pushes ["invalidate", [keys]] to the client itself, or messages on
//   __redis__:invalidate to the client named by REDIRECT (RESP2 clients); FLUSHDB/FLUSHALL send a
//   null in place of the keys;
// - tracking-table-max-keys bounds the table: past it, keys are invalidated as if changed.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

namespace sable {

class Client;
class Server;
struct CommandSpec;

// Per-client tracking state (Client::tracking).
struct TrackingState {
  bool on = false;
  bool bcast = false;
  bool optin = false;
  bool optout = false;
  bool noloop = false;
  bool caching = false;         // CLIENT CACHING YES (OPTIN) / NO (OPTOUT) for the next command
  bool broken_redirect = false;  // the REDIRECT client went away
  uint64_t redirect = 0;         // 0: invalidations go to the client itself
  std::vector<std::string> prefixes;  // BCAST
};

class Tracking {
 public:
  static constexpr std::string_view kChannel = "__redis__:invalidate";

  explicit Tracking(Server& server) : server_(server) {}

  // CLIENT TRACKING ON with validated options (the prefixes add to those it has).
  void Enable(Client* c, uint64_t redirect, bool bcast, bool optin, bool optout, bool noloop,
              const std::vector<std::string_view>& prefixes);
  // CLIENT TRACKING OFF, RESET and disconnects.
  void Disable(Client* c);

  // After a read-only command ran for `caller` (the client that sent it, also when a script
  // ran it): remembers its keys unless OPTIN/OPTOUT and CLIENT CACHING say otherwise.
  void RememberKeys(Client* caller, const CommandSpec* cmd,
                    const std::vector<std::string_view>& args);
  // A key changed; `by` is the client whose command changed it (nullptr for the server itself:
  // expiry, eviction from cron).
  void Invalidate(std::string_view key, Client* by);
  // FLUSHDB / FLUSHALL: every tracking client is told to drop everything.
  void InvalidateAll(Client* by);
  // After a client's command and its reply: the invalidations for keys it changed itself, which
  // must follow the reply.
  void SendPending(Client* c);
  // Before the loop sleeps: the BCAST invalidations gathered since the last call.
  void BroadcastPending();
  // tracking-table-max-keys (0 = no limit), from cron and before sleep.
  void EnforceMaxKeys(uint64_t max_keys);

  bool active() const { return clients_ > 0 || !table_.empty(); }
  size_t clients() const { return clients_; }
  size_t total_keys() const { return table_.size(); }
  size_t total_items() const { return items_; }
  size_t total_prefixes() const { return prefixes_.size(); }
  // The existing prefix of c that overlaps `prefix`, or nullptr.
  static const std::string* OverlappingPrefix(const Client* c, std::string_view prefix);

 private:
  struct Prefix {
    std::set<uint64_t> clients;
    // Keys changed since the last broadcast -> id of the client that changed them last (0: the
    // server), for NOLOOP.
    std::map<std::string, uint64_t, std::less<>> keys;
  };
  // Sends one invalidation: `keys` (or null when `null`) to c or its redirect target.
  void Send(Client* c, const std::vector<std::string_view>& keys, bool null);

  Server& server_;
  absl::flat_hash_map<std::string, absl::flat_hash_set<uint64_t>> table_;
  size_t items_ = 0;
  std::map<std::string, Prefix, std::less<>> prefixes_;
  size_t clients_ = 0;
  // Invalidations for keys the executing client changed itself, sent after its reply, in order:
  // (true, "") stands for a flush.
  std::vector<std::pair<bool, std::string>> pending_;
  // The command that last flushed (commands_processed does not move while one runs).
  bool flushed_once_ = false;
  uint64_t flush_seq_ = 0;
  const Client* flush_by_ = nullptr;
};

}  // namespace sable

// CLIENT PAUSE: while a pause is on, the dispatcher holds the commands of normal clients (all of
// them, or only those that may write) instead of running them. A held client's connection stops
// reading requests; when the pause ends (deadline or CLIENT UNPAUSE) the held commands run in the
// order they arrived and the connections resume, as Redis's BLOCKED_POSTPONE clients do.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

namespace sable {

class Client;
class Server;
struct CommandSpec;

class ClientPause {
 public:
  // Ordered by strength: a new pause never weakens one in effect.
  enum class Mode { kOff, kWrite, kAll };
  // Who paused (Redis 7's PAUSE_BY_CLIENT_COMMAND, PAUSE_DURING_FAILOVER): each purpose has its
  // own pause, the strictest active one is in effect, and ending one leaves the others.
  enum class Purpose { kClientCommand, kFailover, kCount };

  // Starts or extends a pause until end_ms (wall clock). As in Redis, the stronger mode and the
  // later deadline of the current and the new pause of the same purpose win.
  void Start(Server& server, Mode mode, int64_t end_ms,
             Purpose purpose = Purpose::kClientCommand);
  // Ends the pause of that purpose now; when no other pause holds them, held commands run from
  // the loop shortly after, not from inside the caller (the caller may be a command of another
  // client).
  void End(Server& server, Purpose purpose = Purpose::kClientCommand);

  // The pause in effect: the strictest of the active ones.
  Mode mode() const { return mode_; }
  // Clients waiting for the pause to end (INFO blocked_clients counts them, as Redis does).
  size_t held_count() const { return held_.size(); }
  // Whether this command, about to run for `c`, has to wait for the pause to end.
  bool Holds(Client* c, const CommandSpec* cmd) const;
  // Keeps the command in the client and stops reading its connection until the pause ends.
  void Hold(Client* c, const std::vector<std::string_view>& args);

 private:
  static void RunHeld(Server& server, const std::vector<uint64_t>& ids);
  // Recomputes mode_ from the active pauses; releases the held clients when it weakened (those
  // still paused are held again when their command is retried).
  void Update(Server& server);

  struct Pause {
    Mode mode = Mode::kOff;
    int64_t end_ms = 0;
    uint64_t timer = 0;  // the loop timer that ends this pause; 0 when none
  };
  std::array<Pause, static_cast<size_t>(Purpose::kCount)> pauses_{};
  Mode mode_ = Mode::kOff;
  std::vector<uint64_t> held_;  // ids of held clients, in arrival order
};

}  // namespace sable

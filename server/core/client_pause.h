// CLIENT PAUSE: while a pause is on, the dispatcher holds the commands of normal clients (all of
// them, or only those that may write) instead of running them. A held client's connection stops
// reading requests; when the pause ends (deadline or CLIENT UNPAUSE) the held commands run in the
// order they arrived and the connections resume, as Redis's BLOCKED_POSTPONE clients do.
#pragma once

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

  // Starts or extends a pause until end_ms (wall clock). As in Redis, the stronger mode and the
  // later deadline of the current and the new pause win.
  void Start(Server& server, Mode mode, int64_t end_ms);
  // Ends the pause now; held commands run from the loop shortly after, not from inside the
  // caller (the caller may be a command of another client).
  void End(Server& server);

  Mode mode() const { return mode_; }
  // Clients waiting for the pause to end (INFO blocked_clients counts them, as Redis does).
  size_t held_count() const { return held_.size(); }
  // Whether this command, about to run for `c`, has to wait for the pause to end.
  bool Holds(Client* c, const CommandSpec* cmd) const;
  // Keeps the command in the client and stops reading its connection until the pause ends.
  void Hold(Client* c, const std::vector<std::string_view>& args);

 private:
  static void RunHeld(Server& server, const std::vector<uint64_t>& ids);

  Mode mode_ = Mode::kOff;
  int64_t end_ms_ = 0;
  uint64_t timer_ = 0;          // the loop timer that ends the pause; 0 when none
  std::vector<uint64_t> held_;  // ids of held clients, in arrival order
};

}  // namespace sable

// The one forked child the server may have at a time (BGSAVE, BGREWRITEAOF, full-sync RDB), as in
// Redis: the child writes a snapshot of the parent's memory (copy-on-write) and exits; the parent
// reaps it from cron and runs the completion callback on the main loop.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>

namespace sable {

class ChildProcess {
 public:
  enum class Kind { kNone, kRdb, kAof, kOther };
  // exit_code is the child's exit status (0 = success); by_signal is set when it was killed, and
  // exit_code is then the signal number (SIGUSR1 means Kill(): aborted on purpose, no error).
  using Done = std::function<void(int exit_code, bool by_signal)>;

  ChildProcess() = default;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  bool active() const { return pid_ > 0; }
  Kind kind() const { return kind_; }
  pid_t pid() const { return pid_; }
  // Wall-clock ms when the running child started (0 when none).
  int64_t start_ms() const { return start_ms_; }
  // Duration of the last fork() call in microseconds (INFO latest_fork_usec).
  int64_t last_fork_usec() const { return last_fork_usec_; }
  uint64_t total_forks() const { return total_forks_; }
  // Called in the parent after each fork with its duration in microseconds (the latency
  // monitor's "fork" event).
  void set_on_fork(std::function<void(int64_t usec)> f) { on_fork_ = std::move(f); }

  // Forks. In the child, `body` runs and its return value becomes the exit status (_exit, so
  // no destructors or atexit handlers of the parent run there). Returns an error text ("" on
  // success); refuses when a child is already running.
  std::string Start(Kind kind, const std::function<int()>& body, Done done);
  // Reaps the child if it has exited (non-blocking) and runs its Done callback. Call from cron.
  void Poll();
  // Kills the running child (SIGUSR1, which Redis children treat as "abort without error"), waits
  // for it, and runs Done with by_signal set.
  void Kill();
  // Blocks until the running child exits and runs its Done callback (SHUTDOWN, DEBUG RELOAD).
  void Wait();

 private:
  void Finish(int status);

  pid_t pid_ = -1;
  Kind kind_ = Kind::kNone;
  int64_t start_ms_ = 0;
  int64_t last_fork_usec_ = 0;
  uint64_t total_forks_ = 0;
  Done done_;
  std::function<void(int64_t)> on_fork_;
};

}  // namespace sable

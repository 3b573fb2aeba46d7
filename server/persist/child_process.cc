#include "server/persist/child_process.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "server/util/clock.h"

namespace sable {

ChildProcess::~ChildProcess() {
  if (active()) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

std::string ChildProcess::Start(Kind kind, const std::function<int()>& body, Done done) {
  if (active()) return "a child process is already running";
  int64_t t0 = MonoUs();
  pid_t pid = fork();
  if (pid < 0) return std::string("fork: ") + std::strerror(errno);
  if (pid == 0) {
    // Child: default signal handling so the parent can stop us, then the work.
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGUSR1, SIG_DFL);
    int rc = body();
    _exit(rc);
  }
  last_fork_usec_ = MonoUs() - t0;
  ++total_forks_;
  pid_ = pid;
  kind_ = kind;
  start_ms_ = WallMs();
  done_ = std::move(done);
  if (on_fork_) on_fork_(last_fork_usec_);
  return "";
}

void ChildProcess::Finish(int status) {
  Done done = std::move(done_);
  pid_ = -1;
  kind_ = Kind::kNone;
  start_ms_ = 0;
  done_ = nullptr;
  bool by_signal = WIFSIGNALED(status);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : by_signal ? WTERMSIG(status) : -1;
  if (done) done(code, by_signal);
}

void ChildProcess::Poll() {
  if (!active()) return;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) Finish(status);
}

void ChildProcess::Kill() {
  if (!active()) return;
  kill(pid_, SIGUSR1);
  Wait();
}

void ChildProcess::Wait() {
  if (!active()) return;
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  Finish(status);
}

}  // namespace sable

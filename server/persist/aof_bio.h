// The AOF's background I/O thread, Redis's bio for the AOF: fdatasync() for appendfsync everysec,
// fsync-and-close of an incr file replaced by a rewrite, and unlinking history files, all off the
// main loop. Jobs run in submission order. It never logs (the logger is single-threaded); the
// main loop reads its error state instead.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace sable {

class AofBio {
 public:
  AofBio();
  ~AofBio();  // finishes the queued jobs, then joins
  AofBio(const AofBio&) = delete;
  AofBio& operator=(const AofBio&) = delete;

  // fdatasync(fd). The fd must stay open until the job ran (the owner closes it through
  // FsyncAndClose, which is queued behind).
  void Fsync(int fd);
  // fdatasync(fd) then close(fd).
  void FsyncAndClose(int fd);
  // unlink(path): a history file may be large, and unlink frees its blocks synchronously.
  void Unlink(std::string path);

  // Fsync jobs queued or running (INFO aof_pending_bio_fsync; everysec postpones writes then).
  int fsync_pending() const { return fsync_pending_.load(std::memory_order_acquire); }
  // errno of the last background fsync when it failed, 0 once one succeeded again.
  int fsync_error() const { return fsync_errno_.load(std::memory_order_acquire); }
  void ClearFsyncError() { fsync_errno_.store(0, std::memory_order_release); }
  // Blocks until every job submitted so far has run (tests, shutdown).
  void Drain();

 private:
  void Submit(std::function<void()> job);
  void Run();
  void DoFsync(int fd);

  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  std::deque<std::function<void()>> jobs_;
  bool running_job_ = false;
  bool stop_ = false;
  std::atomic<int> fsync_pending_{0};
  std::atomic<int> fsync_errno_{0};
  std::thread thread_;
};

}  // namespace sable

#include "server/persist/aof_bio.h"

#include <unistd.h>

#include <cerrno>

namespace sable {

AofBio::AofBio() : thread_([this] { Run(); }) {}

AofBio::~AofBio() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void AofBio::Submit(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void AofBio::DoFsync(int fd) {
  // EBADF/EINVAL: the file was closed or cannot be synced (a pipe in tests); not a disk error.
  if (fdatasync(fd) == -1 && errno != EBADF && errno != EINVAL) {
    fsync_errno_.store(errno, std::memory_order_release);
  } else {
    fsync_errno_.store(0, std::memory_order_release);
  }
}

void AofBio::Fsync(int fd) {
  fsync_pending_.fetch_add(1, std::memory_order_acq_rel);
  Submit([this, fd] {
    DoFsync(fd);
    fsync_pending_.fetch_sub(1, std::memory_order_acq_rel);
  });
}

void AofBio::FsyncAndClose(int fd) {
  Submit([this, fd] {
    DoFsync(fd);
    close(fd);
  });
}

void AofBio::Unlink(std::string path) {
  Submit([path = std::move(path)] { unlink(path.c_str()); });
}

void AofBio::Drain() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_cv_.wait(lock, [this] { return jobs_.empty() && !running_job_; });
}

void AofBio::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
    if (jobs_.empty()) break;  // stopping with nothing left
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    running_job_ = true;
    lock.unlock();
    job();
    lock.lock();
    running_job_ = false;
    if (jobs_.empty()) idle_cv_.notify_all();
  }
  idle_cv_.notify_all();
}

}  // namespace sable

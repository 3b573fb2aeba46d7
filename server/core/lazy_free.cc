#include "server/core/lazy_free.h"

namespace sable {

LazyFreeThread::LazyFreeThread() : thread_([this] { Loop(); }) {}

LazyFreeThread::~LazyFreeThread() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void LazyFreeThread::FreeEntry(Entry* e) {
  Push([e] { Entry::Free(e); });
}

void LazyFreeThread::FreeTables(std::unique_ptr<KeyTable> keys, std::unique_ptr<ExpireTable> exp) {
  KeyTable* k = keys.release();
  ExpireTable* x = exp.release();
  Push([k, x] {
    k->Clear([](Entry* e) { Entry::Free(e); });
    x->Clear([](ExpireEntry* e) { ExpireEntry::Free(e); });
    delete k;
    delete x;
  });
}

size_t LazyFreeThread::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return jobs_.size() + running_;
}

void LazyFreeThread::Push(std::function<void()> job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void LazyFreeThread::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
    if (jobs_.empty() && stop_) return;
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    ++running_;
    lock.unlock();
    job();
    lock.lock();
    --running_;
    ++freed_;
  }
}

}  // namespace sable

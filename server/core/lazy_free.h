// A background thread that frees big values and whole tables (UNLINK, FLUSHALL ASYNC) so the
// main loop does not stall on millions of free() calls.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "server/store/db.h"

namespace sable {

class LazyFreeThread : public LazyFreer {
 public:
  LazyFreeThread();
  ~LazyFreeThread() override;
  void FreeEntry(Entry* e) override;
  void FreeTables(std::unique_ptr<KeyTable> keys, std::unique_ptr<ExpireTable> exp) override;
  // Jobs queued or running (INFO lazyfree_pending_objects).
  size_t pending() const;
  // Jobs finished since start (INFO lazyfreed_objects).
  uint64_t freed() const {
    std::lock_guard<std::mutex> lock(mu_);
    return freed_;
  }

 private:
  void Push(std::function<void()> job);
  void Loop();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  size_t running_ = 0;
  uint64_t freed_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace sable

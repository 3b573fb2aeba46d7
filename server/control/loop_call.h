// Runs a function on the main loop from a gRPC thread and waits, bounded, for its result. The
// gRPC threads never touch server state themselves (ARCHITECTURE.md, Threads): they post here.
//
// A call either runs on the loop and its caller sees the result, or it never runs: when the
// caller gives up before the loop picked the closure up, the closure is skipped. That matters
// for NodeAdmin (a Promote that timed out must not happen behind the caller's back later).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "server/net/event_loop.h"

namespace sable::control {

template <typename T>
class LoopCall {
 public:
  // Posts fn to the loop. Thread-safe (EventLoop::Post is).
  static LoopCall Post(net::EventLoop& loop, std::function<T()> fn) {
    auto st = std::make_shared<State>();
    loop.Post([st, fn = std::move(fn)] {
      {
        std::lock_guard<std::mutex> lock(st->mu);
        if (st->abandoned) return;
        st->started = true;
      }
      T value = fn();
      {
        std::lock_guard<std::mutex> lock(st->mu);
        st->value = std::move(value);
      }
      st->cv.notify_all();
    });
    return LoopCall(std::move(st));
  }

  // Waits up to `timeout` for the result. On timeout the closure is abandoned (it will not run)
  // and nullopt is returned; a closure already running is waited for, since it is short and its
  // effect is real. `stop`, when set, ends the wait early (server shutdown) the same way.
  std::optional<T> Wait(std::chrono::milliseconds timeout,
                        const std::atomic<bool>* stop = nullptr) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock<std::mutex> lock(st_->mu);
    // Slices, so a shutdown (which has no way to notify this condvar) ends the wait promptly.
    constexpr auto kSlice = std::chrono::milliseconds(20);
    while (!st_->value) {
      auto now = std::chrono::steady_clock::now();
      bool stopping = stop != nullptr && stop->load();
      if ((now >= deadline || stopping) && !st_->started) {
        st_->abandoned = true;
        return std::nullopt;
      }
      st_->cv.wait_until(lock, st_->started ? now + kSlice : std::min(deadline, now + kSlice));
    }
    return st_->value;
  }

  // True once the loop produced the result (no waiting).
  bool Ready() const {
    std::lock_guard<std::mutex> lock(st_->mu);
    return st_->value.has_value();
  }

 private:
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    bool started = false;    // the loop began running fn
    bool abandoned = false;  // the caller gave up first: fn must not run
    std::optional<T> value;
  };

  explicit LoopCall(std::shared_ptr<State> st) : st_(std::move(st)) {}

  std::shared_ptr<State> st_;
};

}  // namespace sable::control

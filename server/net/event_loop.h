// The main loop: a libuv loop with timers, a thread-safe task queue (gRPC and background threads
// post closures here; they never touch server state themselves), before-sleep hooks and signals.
// server/net/ is the only place that includes libuv.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

struct uv_loop_s;
struct uv_async_s;
struct uv_prepare_s;

namespace sable::net {

class EventLoop {
 public:
  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  uv_loop_s* raw() { return loop_; }
  void Run();
  void Stop();

  // Runs fn after first_ms, then every repeat_ms (0 = once). Returns an id for CancelTimer.
  uint64_t AddTimer(uint64_t first_ms, uint64_t repeat_ms, std::function<void()> fn);
  void CancelTimer(uint64_t id);
  // Thread-safe: runs fn on the loop thread soon.
  void Post(std::function<void()> fn);
  // Runs fn each iteration before the loop waits for I/O (reply flushing lives here). `first`
  // puts it ahead of the hooks already registered: the AOF must reach the disk before replies.
  void AddBeforeSleep(std::function<void()> fn, bool first = false);
  void OnSignal(int signum, std::function<void()> fn);

 private:
  struct Timer;
  struct Signal;
  void DrainPosted();

  uv_loop_s* loop_;
  uv_async_s* async_;
  uv_prepare_s* prepare_;
  std::mutex mu_;
  std::vector<std::function<void()>> posted_;
  std::vector<std::function<void()>> before_sleep_;
  std::unordered_map<uint64_t, Timer*> timers_;
  std::vector<Signal*> signals_;
  uint64_t next_timer_id_ = 1;
};

}  // namespace sable::net

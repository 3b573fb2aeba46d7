#include "server/net/event_loop.h"

#include <uv.h>

namespace sable::net {

struct EventLoop::Timer {
  uv_timer_t handle;
  uint64_t id;
  EventLoop* owner;
  std::function<void()> fn;
  bool once;
};

struct EventLoop::Signal {
  uv_signal_t handle;
  std::function<void()> fn;
};

EventLoop::EventLoop() {
  loop_ = new uv_loop_t;
  uv_loop_init(loop_);
  async_ = new uv_async_t;
  async_->data = this;
  uv_async_init(loop_, async_, [](uv_async_t* h) { static_cast<EventLoop*>(h->data)->DrainPosted(); });
  prepare_ = new uv_prepare_t;
  prepare_->data = this;
  uv_prepare_init(loop_, prepare_);
  uv_prepare_start(prepare_, [](uv_prepare_t* h) {
    auto* self = static_cast<EventLoop*>(h->data);
    for (auto& fn : self->before_sleep_) fn();
  });
  // The prepare handle must not keep the loop alive on its own.
  uv_unref(reinterpret_cast<uv_handle_t*>(prepare_));
}

EventLoop::~EventLoop() {
  for (auto& [id, t] : timers_) {
    uv_close(reinterpret_cast<uv_handle_t*>(&t->handle),
             [](uv_handle_t* h) { delete static_cast<Timer*>(h->data); });
  }
  timers_.clear();
  for (Signal* s : signals_) {
    uv_close(reinterpret_cast<uv_handle_t*>(&s->handle),
             [](uv_handle_t* h) { delete static_cast<Signal*>(h->data); });
  }
  uv_close(reinterpret_cast<uv_handle_t*>(async_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_async_t*>(h); });
  uv_close(reinterpret_cast<uv_handle_t*>(prepare_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_prepare_t*>(h); });
  // Let close callbacks of any remaining handles run.
  uv_walk(
      loop_,
      [](uv_handle_t* h, void*) {
        if (!uv_is_closing(h)) uv_close(h, nullptr);
      },
      nullptr);
  uv_run(loop_, UV_RUN_DEFAULT);
  uv_loop_close(loop_);
  delete loop_;
}

void EventLoop::Run() { uv_run(loop_, UV_RUN_DEFAULT); }

void EventLoop::Stop() { uv_stop(loop_); }

uint64_t EventLoop::AddTimer(uint64_t first_ms, uint64_t repeat_ms, std::function<void()> fn) {
  auto* t = new Timer;
  t->id = next_timer_id_++;
  t->owner = this;
  t->fn = std::move(fn);
  t->once = repeat_ms == 0;
  t->handle.data = t;
  uv_timer_init(loop_, &t->handle);
  uv_timer_start(
      &t->handle,
      [](uv_timer_t* h) {
        auto* timer = static_cast<Timer*>(h->data);
        EventLoop* owner = timer->owner;
        uint64_t id = timer->id;
        timer->fn();
        // fn may have cancelled this timer.
        auto it = owner->timers_.find(id);
        if (it != owner->timers_.end() && it->second->once) owner->CancelTimer(id);
      },
      first_ms, repeat_ms);
  timers_[t->id] = t;
  return t->id;
}

void EventLoop::CancelTimer(uint64_t id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  Timer* t = it->second;
  timers_.erase(it);
  uv_timer_stop(&t->handle);
  uv_close(reinterpret_cast<uv_handle_t*>(&t->handle),
           [](uv_handle_t* h) { delete static_cast<Timer*>(h->data); });
}

void EventLoop::Post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    posted_.push_back(std::move(fn));
  }
  uv_async_send(async_);
}

void EventLoop::DrainPosted() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(posted_);
  }
  for (auto& fn : batch) fn();
}

void EventLoop::AddBeforeSleep(std::function<void()> fn, bool first) {
  if (first) {
    before_sleep_.insert(before_sleep_.begin(), std::move(fn));
  } else {
    before_sleep_.push_back(std::move(fn));
  }
}

void EventLoop::OnSignal(int signum, std::function<void()> fn) {
  auto* s = new Signal;
  s->fn = std::move(fn);
  s->handle.data = s;
  uv_signal_init(loop_, &s->handle);
  uv_signal_start(
      &s->handle, [](uv_signal_t* h, int) { static_cast<Signal*>(h->data)->fn(); }, signum);
  uv_unref(reinterpret_cast<uv_handle_t*>(&s->handle));
  signals_.push_back(s);
}

}  // namespace sable::net

#include "server/control/loop_call.h"

#include <gtest/gtest.h>

#include <thread>

namespace sable::control {
namespace {

TEST(LoopCallTest, ReturnsTheLoopsAnswer) {
  net::EventLoop loop;
  // A timer keeps the loop alive until the answer is in.
  std::atomic<bool> done{false};
  loop.AddTimer(1, 5, [&] {
    if (done) loop.Stop();
  });
  std::thread t([&] { loop.Run(); });
  auto call = LoopCall<int>::Post(loop, [] { return 42; });
  EXPECT_EQ(call.Wait(std::chrono::milliseconds(5000)), 42);
  done = true;
  t.join();
}

TEST(LoopCallTest, AbandonedCallNeverRuns) {
  net::EventLoop loop;
  bool ran = false;
  auto call = LoopCall<int>::Post(loop, [&ran] {
    ran = true;
    return 1;
  });
  // Nobody runs the loop: the wait times out and the closure is abandoned.
  EXPECT_EQ(call.Wait(std::chrono::milliseconds(30)), std::nullopt);
  loop.AddTimer(20, 0, [&] { loop.Stop(); });
  loop.Run();
  EXPECT_FALSE(ran);
}

TEST(LoopCallTest, StopFlagEndsTheWait) {
  net::EventLoop loop;
  std::atomic<bool> stop{true};
  auto call = LoopCall<int>::Post(loop, [] { return 1; });
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(call.Wait(std::chrono::milliseconds(5000), &stop), std::nullopt);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1000));
}

}  // namespace
}  // namespace sable::control

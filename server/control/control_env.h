// What the control-plane services share: the server (only to reach its loop), the shutdown flag
// that ends every wait, the current control-auth secret and the relayed sentinel hellos. Read
// from gRPC threads, so everything here is atomic or mutex-guarded.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

#include "server/control/hello_registry.h"

namespace sable {
class Server;
}

namespace sable::control {

struct ControlEnv {
  // Answers are only ever produced on its loop, through LoopCall.
  Server* server = nullptr;
  // Set when the control server stops: Watch streams and pending waits end.
  std::atomic<bool> stopping{false};
  // mTLS verified the caller's certificate: NodeAdmin needs no secret.
  bool mtls = false;
  HelloRegistry hellos;

  // Sleeps up to d; returns false at once when the server is stopping.
  bool SleepFor(std::chrono::milliseconds d) {
    std::unique_lock<std::mutex> lock(mu);
    return !cv.wait_for(lock, d, [this] { return stopping.load(); });
  }
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu);
      stopping = true;
    }
    cv.notify_all();
  }
  // control-auth, copied here by a config hook on the loop (Config is not thread-safe).
  std::string secret() {
    std::lock_guard<std::mutex> lock(mu);
    return secret_;
  }
  void set_secret(std::string s) {
    std::lock_guard<std::mutex> lock(mu);
    secret_ = std::move(s);
  }

 private:
  std::mutex mu;
  std::condition_variable cv;
  std::string secret_;
};

}  // namespace sable::control

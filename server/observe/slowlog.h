// SLOWLOG: the latest commands that ran longer than slowlog-log-slower-than, newest first, with
// their arguments cut as Redis cuts them (32 arguments, 128 bytes each).
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace sable {

class SlowLog {
 public:
  static constexpr size_t kMaxArgs = 32;
  static constexpr size_t kMaxArgBytes = 128;

  struct Entry {
    int64_t id;
    int64_t time_s;       // unix time the command ran
    int64_t duration_us;
    std::vector<std::string> args;
    std::string peer;     // "ip:port"
    std::string name;     // CLIENT SETNAME
  };

  // Keeps the command if slower than the threshold (negative: never) and trims to max_len.
  // `redacted` marks argument indexes shown as "(redacted)" (passwords).
  void Push(const std::vector<std::string_view>& args, int64_t duration_us, int64_t time_s,
            std::string_view peer, std::string_view name, int64_t threshold_us, int64_t max_len,
            uint64_t redacted = 0);
  // Trims to a new slowlog-max-len.
  void Trim(int64_t max_len);
  void Reset() { entries_.clear(); }
  const std::deque<Entry>& entries() const { return entries_; }  // newest first

 private:
  std::deque<Entry> entries_;
  int64_t next_id_ = 0;
};

}  // namespace sable

#include "server/observe/slowlog.h"

namespace sable {

void SlowLog::Push(const std::vector<std::string_view>& args, int64_t duration_us,
                   int64_t time_s, std::string_view peer, std::string_view name,
                   int64_t threshold_us, int64_t max_len, uint64_t redacted) {
  if (threshold_us < 0 || max_len <= 0 || duration_us < threshold_us) return;
  Entry e{next_id_++, time_s, duration_us, {}, std::string(peer), std::string(name)};
  size_t argc = std::min(args.size(), kMaxArgs);
  e.args.reserve(argc);
  for (size_t j = 0; j < argc; ++j) {
    // The last kept slot says how many arguments were left out.
    if (argc != args.size() && j == argc - 1) {
      e.args.push_back("... (" + std::to_string(args.size() - argc + 1) + " more arguments)");
    } else if (j < 64 && (redacted >> j) & 1) {
      e.args.emplace_back("(redacted)");
    } else if (args[j].size() > kMaxArgBytes) {
      std::string s(args[j].substr(0, kMaxArgBytes));
      s += "... (" + std::to_string(args[j].size() - kMaxArgBytes) + " more bytes)";
      e.args.push_back(std::move(s));
    } else {
      e.args.emplace_back(args[j]);
    }
  }
  entries_.push_front(std::move(e));
  Trim(max_len);
}

void SlowLog::Trim(int64_t max_len) {
  while (!entries_.empty() && static_cast<int64_t>(entries_.size()) > max_len) {
    entries_.pop_back();
  }
}

}  // namespace sable

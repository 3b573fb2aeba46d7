#include "server/observe/latency.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace sable {

// ---- LatencyHistogram ----------------------------------------------------------------------

namespace {

// HdrHistogram's bucket of a value: values below 256 have their own counter, then every power
// of two is split in 128.
inline int BucketOf(int64_t v) {
  constexpr int64_t kMask = 255;
  return (64 - __builtin_clzll(static_cast<uint64_t>(v | kMask))) - 8;
}

}  // namespace

int LatencyHistogram::CountsIndex(int64_t value) {
  int bucket = BucketOf(value);
  int sub = static_cast<int>(value >> bucket);
  return ((bucket + 1) << kSubBucketHalfCountMagnitude) + (sub - kSubBucketHalfCount);
}

int64_t LatencyHistogram::ValueAtIndex(int index) {
  int bucket = (index >> kSubBucketHalfCountMagnitude) - 1;
  int sub = (index & (kSubBucketHalfCount - 1)) + kSubBucketHalfCount;
  if (bucket < 0) {
    sub -= kSubBucketHalfCount;
    bucket = 0;
  }
  return static_cast<int64_t>(sub) << bucket;
}

int64_t LatencyHistogram::HighestEquivalent(int64_t value) {
  int bucket = BucketOf(value);
  int64_t lowest = (value >> bucket) << bucket;
  return lowest + (int64_t{1} << bucket) - 1;
}

void LatencyHistogram::Record(int64_t ns) {
  ns = std::clamp(ns, kMinValue, kMaxValue);
  ++counts_[CountsIndex(ns)];
  ++total_;
}

int64_t LatencyHistogram::ValueAtPercentile(double percentile) const {
  double p = std::min(percentile, 100.0);
  auto wanted = std::max<uint64_t>(
      static_cast<uint64_t>((p / 100) * static_cast<double>(total_) + 0.5), 1);
  uint64_t seen = 0;
  for (int i = 0; i < kCountsLen; ++i) {
    seen += counts_[i];
    if (seen >= wanted) {
      int64_t v = ValueAtIndex(i);
      return percentile == 0.0 ? v : HighestEquivalent(v);
    }
  }
  return 0;
}

std::vector<std::pair<int64_t, uint64_t>> LatencyHistogram::CumulativeUs() const {
  std::vector<std::pair<int64_t, uint64_t>> out;
  if (total_ == 0) return out;
  uint64_t cumulative = 0, previous = 0;
  int i = 0;
  // Each reporting level counts every value up to its own counter, inclusive, as HdrHistogram's
  // logarithmic iterator does; the walk ends at the first level that holds everything.
  for (int64_t level = 1024; level <= kMaxValue * 2; level *= 2) {
    int last = std::min(CountsIndex(level), kCountsLen - 1);
    for (; i <= last; ++i) cumulative += counts_[i];
    if (cumulative > previous) out.emplace_back(HighestEquivalent(level) / 1000, cumulative);
    previous = cumulative;
    if (cumulative >= total_) break;
  }
  return out;
}

// ---- LatencyMonitor ------------------------------------------------------------------------

std::vector<LatencyMonitor::Sample> LatencyMonitor::Series::History() const {
  std::vector<Sample> out;
  for (int j = 0; j < kSamples; ++j) {
    const Sample& s = samples[(idx + j) % kSamples];
    if (s.time != 0) out.push_back(s);
  }
  return out;
}

void LatencyMonitor::Add(std::string_view event, int64_t ms, int64_t now_s) {
  auto it = events_.find(event);
  if (it == events_.end()) it = events_.emplace(std::string(event), Series{}).first;
  Series& ts = it->second;
  auto latency = static_cast<uint32_t>(std::clamp<int64_t>(ms, 0, UINT32_MAX));
  ts.max = std::max(ts.max, latency);
  Sample& prev = ts.samples[(ts.idx + kSamples - 1) % kSamples];
  if (prev.time == static_cast<int32_t>(now_s)) {
    prev.latency = std::max(prev.latency, latency);
    return;
  }
  ts.samples[ts.idx] = {static_cast<int32_t>(now_s), latency};
  ts.idx = (ts.idx + 1) % kSamples;
}

int LatencyMonitor::Reset(const std::vector<std::string>& events) {
  if (events.empty()) {
    int n = static_cast<int>(events_.size());
    events_.clear();
    return n;
  }
  int n = 0;
  for (const std::string& e : events) {
    auto it = events_.find(e);
    if (it == events_.end()) continue;
    events_.erase(it);
    ++n;
  }
  return n;
}

const LatencyMonitor::Series* LatencyMonitor::Find(std::string_view event) const {
  auto it = events_.find(event);
  return it == events_.end() ? nullptr : &it->second;
}

namespace {

struct Spark {
  double value;
  std::string label;
};

// One band of Redis's sparkline (sparkline.c): `rows` rows of the "_o#" fill with '|' below the
// tip, then the labels written vertically under a blank margin row.
void RenderRange(std::string* out, const std::vector<Spark>& seq, double min, double max,
                 size_t offset, size_t len) {
  constexpr int kRows = 4;
  constexpr char kFill[] = {'_', 'o', '#'};
  constexpr int kCharsetLen = 3;
  constexpr int kSteps = kCharsetLen * kRows;
  double relmax = max - min;
  if (relmax == 0) relmax = 1;
  std::string chars;
  for (int row = 0;; ++row) {
    bool more = false;
    chars.assign(len, ' ');
    for (size_t j = 0; j < len; ++j) {
      const Spark& s = seq[j + offset];
      int step = static_cast<int>((s.value - min) * kSteps / relmax);
      step = std::clamp(step, 0, kSteps - 1);
      if (row < kRows) {
        int charidx = step - (kRows - row - 1) * kCharsetLen;
        more = true;
        if (charidx >= 0 && charidx < kCharsetLen) {
          chars[j] = kFill[charidx];
        } else if (charidx >= kCharsetLen) {
          chars[j] = '|';
        }
      } else {
        if (row - kRows < 1) {  // the margin above the labels
          more = true;
          break;
        }
        size_t label_char = static_cast<size_t>(row - kRows - 1);
        if (s.label.size() > label_char) {
          more = true;
          chars[j] = s.label[label_char];
        }
      }
    }
    if (!more) break;
    *out += chars;
    *out += '\n';
  }
}

}  // namespace

std::string LatencyMonitor::Graph(std::string_view event, const Series& ts, int64_t now_s) {
  constexpr size_t kCols = 80;
  std::vector<Spark> seq;
  uint32_t min = 0, max = 0;
  for (const Sample& s : ts.History()) {
    min = seq.empty() ? s.latency : std::min(min, s.latency);
    max = seq.empty() ? s.latency : std::max(max, s.latency);
    int64_t elapsed = now_s - s.time;
    char buf[64];
    if (elapsed < 60) {
      std::snprintf(buf, sizeof(buf), "%llds", static_cast<long long>(elapsed));
    } else if (elapsed < 3600) {
      std::snprintf(buf, sizeof(buf), "%lldm", static_cast<long long>(elapsed / 60));
    } else if (elapsed < 86400) {
      std::snprintf(buf, sizeof(buf), "%lldh", static_cast<long long>(elapsed / 3600));
    } else {
      std::snprintf(buf, sizeof(buf), "%lldd", static_cast<long long>(elapsed / 86400));
    }
    seq.push_back({static_cast<double>(s.latency), buf});
  }
  char head[256];
  std::snprintf(head, sizeof(head), "%.*s - high %lu ms, low %lu ms (all time high %lu ms)\n",
                static_cast<int>(event.size()), event.data(), static_cast<unsigned long>(max),
                static_cast<unsigned long>(min), static_cast<unsigned long>(ts.max));
  std::string out = head;
  out.append(kCols, '-');
  out += '\n';
  for (size_t j = 0; j < seq.size(); j += kCols) {
    if (j != 0) out += '\n';
    RenderRange(&out, seq, min, max, j, std::min(kCols, seq.size() - j));
  }
  return out;
}

std::string LatencyMonitor::Doctor(const Facts& f) const {
  if (f.threshold_ms <= 0) {
    return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis "
           "instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in "
           "order to enable it. If we weren't in a deep space mission I'd suggest to take a look "
           "at https://redis.io/topics/latency-monitor.\n";
  }
  std::string report;
  int eventnum = 0, advices = 0;
  bool better_vm = false, slowlog_enabled = false, slowlog_tuning = false,
       slowlog_inspect = false, scheduler = false, hz = false, large_objects = false,
       mass_eviction = false;
  for (const auto& [event, ts] : events_) {
    if (eventnum == 0) {
      report += "Dave, I have observed latency spikes in this Redis instance. You don't mind "
                "talking about it, do you Dave?\n\n";
    }
    ++eventnum;
    std::vector<Sample> history = ts.History();
    int64_t samples = static_cast<int64_t>(history.size());
    int64_t sum = 0, oldest = 0;
    for (const Sample& s : history) {
      sum += s.latency;
      if (oldest == 0 || s.time < oldest) oldest = s.time;
    }
    int64_t avg = samples ? sum / samples : 0;
    int64_t period = samples ? std::max<int64_t>(f.now_s - oldest, 1) : 0;
    int64_t dev = 0;
    for (const Sample& s : history) dev += std::abs(avg - static_cast<int64_t>(s.latency));
    int64_t mad = samples ? dev / samples : 0;
    char line[512];
    std::snprintf(line, sizeof(line),
                  "%d. %s: %lld latency spikes (average %lums, mean deviation %lums, period "
                  "%.2f sec). Worst all time event %lums.",
                  eventnum, event.c_str(), static_cast<long long>(samples),
                  static_cast<unsigned long>(avg), static_cast<unsigned long>(mad),
                  samples ? static_cast<double>(period) / samples : 0.0,
                  static_cast<unsigned long>(ts.max));
    report += line;
    if (event == "fork") {
      const char* quality = "excellent";
      if (f.fork_rate_gb_s < 10) {
        quality = "terrible";
        better_vm = true;
        ++advices;
      } else if (f.fork_rate_gb_s < 25) {
        quality = "poor";
        better_vm = true;
        ++advices;
      } else if (f.fork_rate_gb_s < 100) {
        quality = "good";
      }
      std::snprintf(line, sizeof(line), " Fork rate is %.2f GB/sec (%s).", f.fork_rate_gb_s,
                    quality);
      report += line;
    } else if (event == "command") {
      if (f.slowlog_slower_than < 0) {
        slowlog_enabled = true;
        ++advices;
      } else if (f.slowlog_slower_than / 1000 > f.threshold_ms) {
        slowlog_tuning = true;
        ++advices;
      }
      slowlog_inspect = large_objects = true;
      advices += 2;
    } else if (event == "fast-command") {
      scheduler = true;
      ++advices;
    } else if (event == "expire-cycle") {
      hz = large_objects = true;
      advices += 2;
    } else if (event == "eviction-del") {
      large_objects = true;
      ++advices;
    } else if (event == "eviction-cycle") {
      mass_eviction = true;
      ++advices;
    }
    report += '\n';
  }
  if (f.huge_pages) ++advices;
  if (eventnum == 0 && advices == 0) {
    return "Dave, no latency spike was observed during the lifetime of this Redis instance, not "
           "in the slightest bit. I honestly think you ought to sit down calmly, take a stress "
           "pill, and think things over.\n";
  }
  if (advices == 0) {
    return report +
           "\nWhile there are latency events logged, I'm not able to suggest any easy fix. "
           "Please use the Redis community to get some help, providing this report in your "
           "request.\n";
  }
  report += "\nI have a few advices for you:\n\n";
  const std::string slowlog_value = std::to_string(f.threshold_ms * 1000);
  if (better_vm) {
    report +=
        "- If you are using a virtual machine, consider upgrading it with a faster one using a "
        "hypervisior that provides less latency during fork() calls. Xen is known to have poor "
        "fork() performance. Even in the context of the same VM provider, certain kinds of "
        "instances can execute fork faster than others.\n";
  }
  if (slowlog_enabled) {
    report +=
        "- There are latency issues with potentially slow commands you are using. Try to "
        "enable the Slow Log Redis feature using the command 'CONFIG SET "
        "slowlog-log-slower-than " +
        slowlog_value +
        "'. If the Slow log is disabled Redis is not able to log slow commands execution for "
        "you.\n";
  }
  if (slowlog_tuning) {
    report +=
        "- Your current Slow Log configuration only logs events that are slower than your "
        "configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than " +
        slowlog_value + "'.\n";
  }
  if (slowlog_inspect) {
    report +=
        "- Check your Slow Log to understand what are the commands you are running which are "
        "too slow to execute. Please check https://redis.io/commands/slowlog for more "
        "information.\n";
  }
  if (scheduler) {
    report +=
        "- The system is slow to execute Redis code paths not containing system calls. This "
        "usually means the system does not provide Redis CPU time to run for long periods. You "
        "should try to:\n"
        "  1) Lower the system load.\n"
        "  2) Use a computer / VM just for Redis if you are running other software in the same "
        "system.\n"
        "  3) Check if you have a \"noisy neighbour\" problem.\n"
        "  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in "
        "your system.\n"
        "  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, "
        "if you are using Jemalloc. However this may create fragmentation problems.\n";
  }
  if (hz && f.hz < 100) {
    report +=
        "- In order to make the Redis keys expiring process more incremental, try to set the "
        "'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n";
  }
  if (large_objects) {
    report +=
        "- Deleting, expiring or evicting (because of maxmemory policy) large objects is a "
        "blocking operation. If you have very large objects that are often deleted, expired, or "
        "evicted, try to fragment those objects into multiple smaller objects.\n";
  }
  if (mass_eviction) {
    report +=
        "- Sudden changes to the 'maxmemory' setting via 'CONFIG SET', or allocation of large "
        "objects via sets or sorted sets intersections, STORE option of SORT, Redis Cluster "
        "large keys migrations (RESTORE command), may create sudden memory pressure forcing the "
        "server to block trying to evict keys. \n";
  }
  if (f.huge_pages) {
    report +=
        "- I detected a non zero amount of anonymous huge pages used by your process. This "
        "creates very serious latency events in different conditions, especially when Redis is "
        "persisting on disk. To disable THP support use the command 'echo never > "
        "/sys/kernel/mm/transparent_hugepage/enabled', make sure to also add it into "
        "/etc/rc.local so that the command will be executed again after a reboot. Note that "
        "even if you have already disabled THP, you still need to restart the Redis process to "
        "get rid of the huge pages already created.\n";
  }
  return report;
}

}  // namespace sable

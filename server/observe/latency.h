// Latency bookkeeping, as Redis 7.0 keeps it:
// - LatencyHistogram: per-command durations in nanoseconds with two significant digits over
//   1 ns .. 1 s, bucketed exactly as Redis's HdrHistogram (256 linear sub-buckets, then 128 per
//   power of two), so INFO latencystats and LATENCY HISTOGRAM print the same figures Redis would
//   for the same durations.
// - LatencyMonitor: the latency-monitor-threshold events (command, fast-command, expire-cycle,
//   ...), 160 one-per-second samples each, for LATENCY LATEST/HISTORY/GRAPH/DOCTOR.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sable {

class LatencyHistogram {
 public:
  static constexpr int64_t kMinValue = 1;
  static constexpr int64_t kMaxValue = 1000000000;  // 1 s in ns

  // Values outside [kMinValue, kMaxValue] are clamped, as Redis clamps them.
  void Record(int64_t ns);
  uint64_t total() const { return total_; }
  // The highest value equivalent to the one at `percentile` (0..100): what hdr_value_at_percentile
  // returns.
  int64_t ValueAtPercentile(double percentile) const;
  // LATENCY HISTOGRAM's histogram_usec: (bucket upper bound in us, cumulative count) at every power
  // of two from 1024 ns, only where the count grew.
  std::vector<std::pair<int64_t, uint64_t>> CumulativeUs() const;

  // HdrHistogram's bucketing, exposed for tests.
  static int CountsIndex(int64_t value);
  static int64_t ValueAtIndex(int index);
  static int64_t HighestEquivalent(int64_t value);

 private:
  static constexpr int kSubBucketHalfCountMagnitude = 7;
  static constexpr int kSubBucketHalfCount = 1 << kSubBucketHalfCountMagnitude;  // 128
  static constexpr int64_t kSubBucketMask = (1 << (kSubBucketHalfCountMagnitude + 1)) - 1;
  static constexpr int kBucketCount = 23;  // 256 << 22 > 1e9
  static constexpr int kCountsLen = (kBucketCount + 1) * kSubBucketHalfCount;

  std::array<uint64_t, kCountsLen> counts_{};
  uint64_t total_ = 0;
};

class LatencyMonitor {
 public:
  static constexpr int kSamples = 160;
  struct Sample {
    int32_t time = 0;  // unix seconds; 0 = empty slot
    uint32_t latency = 0;  // ms
  };
  struct Series {
    int idx = 0;
    uint32_t max = 0;
    std::array<Sample, kSamples> samples{};
    // Oldest first, empty slots skipped.
    std::vector<Sample> History() const;
    const Sample& Latest() const { return samples[(idx + kSamples - 1) % kSamples]; }
  };

  // Records `ms` for `event` at `now_s` when the monitor is on (threshold_ms > 0) and ms reaches
  // it; samples within one second keep their maximum.
  void AddIfNeeded(std::string_view event, int64_t ms, int64_t threshold_ms, int64_t now_s) {
    if (threshold_ms > 0 && ms >= threshold_ms) Add(event, ms, now_s);
  }
  void Add(std::string_view event, int64_t ms, int64_t now_s);
  // LATENCY RESET: every event (empty list) or the named ones; returns how many were reset.
  int Reset(const std::vector<std::string>& events);
  const std::map<std::string, Series, std::less<>>& events() const { return events_; }
  const Series* Find(std::string_view event) const;

  // LATENCY GRAPH's ASCII art for one event, at `now_s`.
  static std::string Graph(std::string_view event, const Series& s, int64_t now_s);
  // LATENCY DOCTOR's report, from the events and what the server tells of itself.
  struct Facts {
    int64_t threshold_ms = 0;         // latency-monitor-threshold
    int64_t slowlog_slower_than = 0;  // slowlog-log-slower-than (us)
    int hz = 10;
    double fork_rate_gb_s = 0;        // of the latest fork
    bool huge_pages = false;          // the process uses transparent huge pages
    int64_t now_s = 0;
  };
  std::string Doctor(const Facts& facts) const;

 private:
  std::map<std::string, Series, std::less<>> events_;
};

}  // namespace sable

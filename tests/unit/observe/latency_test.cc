#include "server/observe/latency.h"

#include <gtest/gtest.h>

#include "server/observe/slowlog.h"

namespace sable {
namespace {

TEST(LatencyHistogram, BucketsAsHdrHistogramWithTwoDigits) {
  // Below 256 every value has its own counter.
  EXPECT_EQ(LatencyHistogram::CountsIndex(5), 5);
  EXPECT_EQ(LatencyHistogram::ValueAtIndex(5), 5);
  EXPECT_EQ(LatencyHistogram::HighestEquivalent(255), 255);
  // Then 128 counters per power of two.
  EXPECT_EQ(LatencyHistogram::CountsIndex(256), 256);
  EXPECT_EQ(LatencyHistogram::ValueAtIndex(LatencyHistogram::CountsIndex(300)), 300);
  EXPECT_EQ(LatencyHistogram::HighestEquivalent(301), 301);
  // The figures Redis 7.0.15 printed: 1 us recorded as 1000 ns reads back as 1.003 us, 10 us as
  // 10.047, DEBUG SLEEPs of 50214 and 100312 us as 50331.647 and 100663.295.
  EXPECT_EQ(LatencyHistogram::HighestEquivalent(1000), 1003);
  EXPECT_EQ(LatencyHistogram::HighestEquivalent(10000), 10047);
  EXPECT_EQ(LatencyHistogram::HighestEquivalent(50214000), 50331647);
  EXPECT_EQ(LatencyHistogram::HighestEquivalent(100312000), 100663295);
}

TEST(LatencyHistogram, PercentilesAndCumulativeBuckets) {
  LatencyHistogram h;
  EXPECT_EQ(h.ValueAtPercentile(50), 0);
  for (int i = 0; i < 98; ++i) h.Record(1000);
  h.Record(5000);
  h.Record(40000);
  h.Record(0);               // clamped to 1 ns
  h.Record(int64_t{1} << 40);  // clamped to 1 s
  EXPECT_EQ(h.total(), 102u);
  EXPECT_EQ(h.ValueAtPercentile(50), 1003);
  EXPECT_EQ(h.ValueAtPercentile(0), 1);
  EXPECT_EQ(h.ValueAtPercentile(100), LatencyHistogram::HighestEquivalent(1000000000));
  auto cdf = h.CumulativeUs();
  ASSERT_GE(cdf.size(), 4u);
  EXPECT_EQ(cdf[0], (std::pair<int64_t, uint64_t>(1, 99)));  // 1024 ns: the 1 ns and 1 us ones
  EXPECT_EQ(cdf[1], (std::pair<int64_t, uint64_t>(8, 100)));  // 8192 ns
  EXPECT_EQ(cdf[2], (std::pair<int64_t, uint64_t>(66, 101)));  // 65536 ns
  EXPECT_EQ(cdf.back().second, 102u);
}

TEST(LatencyMonitor, OneSamplePerSecondKeepsTheMaximum) {
  LatencyMonitor m;
  m.AddIfNeeded("command", 5, 0, 100);  // monitor off
  m.AddIfNeeded("command", 5, 10, 100);  // under the threshold
  EXPECT_TRUE(m.events().empty());
  m.Add("command", 50, 100);
  m.Add("command", 70, 100);
  m.Add("command", 60, 100);
  m.Add("command", 30, 101);
  const LatencyMonitor::Series* s = m.Find("command");
  ASSERT_NE(s, nullptr);
  auto h = s->History();
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].time, 100);
  EXPECT_EQ(h[0].latency, 70u);
  EXPECT_EQ(s->Latest().latency, 30u);
  EXPECT_EQ(s->max, 70u);
  for (int t = 0; t < 200; ++t) m.Add("command", t, 1000 + t);
  EXPECT_EQ(m.Find("command")->History().size(), 160u);
  EXPECT_EQ(m.Find("command")->History().front().time, 1040);
  EXPECT_EQ(m.Reset({"nosuch", "command"}), 1);
  EXPECT_EQ(m.Find("command"), nullptr);
}

TEST(LatencyMonitor, GraphAsRedisDrawsIt) {
  // What Redis 7.0.15 printed for spikes of 50, 100 and 30 ms, 3, 1 and 0 seconds ago.
  LatencyMonitor m;
  m.Add("command", 50, 97);
  m.Add("command", 100, 99);
  m.Add("command", 30, 100);
  std::string want =
      "command - high 100 ms, low 30 ms (all time high 100 ms)\n" + std::string(80, '-') +
      "\n # \n | \n_| \n||_\n   \n310\nsss\n";
  EXPECT_EQ(LatencyMonitor::Graph("command", *m.Find("command"), 100), want);
}

TEST(LatencyMonitor, DoctorReportsSpikes) {
  LatencyMonitor m;
  LatencyMonitor::Facts f;
  EXPECT_NE(m.Doctor(f).find("Latency monitoring is disabled"), std::string::npos);
  f.threshold_ms = 1;
  f.slowlog_slower_than = 10000;
  f.now_s = 100;
  EXPECT_NE(m.Doctor(f).find("no latency spike was observed"), std::string::npos);
  m.Add("command", 50, 97);
  m.Add("command", 100, 99);
  m.Add("command", 30, 100);
  std::string r = m.Doctor(f);
  EXPECT_NE(r.find("1. command: 3 latency spikes (average 60ms, mean deviation 26ms, period "
                   "1.00 sec). Worst all time event 100ms.\n"),
            std::string::npos);
  EXPECT_NE(r.find("Please use 'CONFIG SET slowlog-log-slower-than 1000'."), std::string::npos);
}

TEST(SlowLog, CutsArgumentsAsRedis) {
  SlowLog log;
  std::vector<std::string_view> args = {"set", "k", "v"};
  log.Push(args, 5, 1, "1.2.3.4:5", "", 10, 128);  // faster than the threshold
  log.Push(args, 5, 1, "1.2.3.4:5", "", -1, 128);  // slowlog off
  EXPECT_TRUE(log.entries().empty());
  std::string big(200, 'x');
  std::vector<std::string_view> many;
  for (int i = 0; i < 40; ++i) many.push_back(i == 1 ? std::string_view(big) : "a");
  log.Push(many, 20, 7, "1.2.3.4:5", "nm", 10, 128);
  ASSERT_EQ(log.entries().size(), 1u);
  const SlowLog::Entry& e = log.entries().front();
  EXPECT_EQ(e.id, 0);
  ASSERT_EQ(e.args.size(), 32u);
  EXPECT_EQ(e.args[1], std::string(128, 'x') + "... (72 more bytes)");
  EXPECT_EQ(e.args[31], "... (9 more arguments)");
  std::vector<std::string_view> auth = {"auth", "user", "pass"};
  log.Push(auth, 20, 8, "p", "", 0, 2, 0b110);
  EXPECT_EQ(log.entries().front().args[1], "(redacted)");
  EXPECT_EQ(log.entries().front().args[2], "(redacted)");
  EXPECT_EQ(log.entries().front().id, 1);
  log.Push(auth, 20, 8, "p", "", 0, 2);
  EXPECT_EQ(log.entries().size(), 2u);
  EXPECT_EQ(log.entries().back().id, 1);
}

}  // namespace
}  // namespace sable

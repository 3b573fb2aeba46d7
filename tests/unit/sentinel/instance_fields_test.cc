// SENTINEL MASTER/REPLICAS/SENTINELS field names and order (Redis 7.0's
// addReplySentinelRedisInstance), flags spelling, and "ms ago" times.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sentinel/frontend.h"

namespace sable::sentinel {
namespace {

std::vector<std::string> Keys(const std::vector<std::pair<std::string, std::string>>& f) {
  std::vector<std::string> out;
  for (const auto& [k, v] : f) out.push_back(k);
  return out;
}

std::string Value(const std::vector<std::pair<std::string, std::string>>& f,
                  const std::string& key) {
  for (const auto& [k, v] : f) {
    if (k == key) return v;
  }
  return "<missing>";
}

TEST(SentinelFieldsTest, FlagsInRedisOrder) {
  EXPECT_EQ(FlagsString(kFlagMaster), "master");
  EXPECT_EQ(FlagsString(kFlagMaster | kFlagSDown | kFlagODown | kFlagDisconnected),
            "s_down,o_down,master,disconnected");
  EXPECT_EQ(FlagsString(kFlagSlave | kFlagPromoted | kFlagReconfSent),
            "slave,promoted,reconf_sent");
  EXPECT_EQ(FlagsString(kFlagSentinel | kFlagMasterDown), "sentinel,master_down");
  EXPECT_EQ(FlagsString(kFlagMaster | kFlagFailoverInProgress | kFlagForceFailover),
            "master,failover_in_progress,force_failover");
}

TEST(SentinelFieldsTest, MasterFieldOrder) {
  Master m;
  m.name = "mymaster";
  m.ip = "127.0.0.1";
  m.port = 6379;
  m.flags = kFlagMaster;
  m.created_ms = 1000;
  m.last_ok_ping_reply_ms = 4000;
  m.last_ping_reply_ms = 4500;
  m.info_refresh_ms = 4900;
  m.role_reported_time_ms = 2000;
  auto f = MasterFields(m, 5000);
  EXPECT_EQ(Keys(f), (std::vector<std::string>{
                         "name", "ip", "port", "runid", "flags", "link-pending-commands",
                         "link-refcount", "last-ping-sent", "last-ok-ping-reply",
                         "last-ping-reply", "down-after-milliseconds", "info-refresh",
                         "role-reported", "role-reported-time", "config-epoch", "num-slaves",
                         "num-other-sentinels", "quorum", "failover-timeout",
                         "parallel-syncs"}));
  EXPECT_EQ(Value(f, "last-ping-sent"), "0");  // nothing pending
  EXPECT_EQ(Value(f, "last-ok-ping-reply"), "1000");
  EXPECT_EQ(Value(f, "last-ping-reply"), "500");
  EXPECT_EQ(Value(f, "info-refresh"), "100");
  EXPECT_EQ(Value(f, "role-reported-time"), "3000");
  EXPECT_EQ(Value(f, "flags"), "master");
  EXPECT_EQ(Value(f, "down-after-milliseconds"), "30000");
  EXPECT_EQ(Value(f, "failover-timeout"), "180000");

  // Down and failing over: the optional fields appear where Redis puts them.
  m.flags |= kFlagSDown | kFlagODown | kFlagFailoverInProgress;
  m.s_down_since_ms = 3000;
  m.o_down_since_ms = 3500;
  m.last_ping_sent_ms = 4200;
  m.failover_state = FailoverState::kSelectSlave;
  m.extra_options["notification-script"] = "/bin/true";
  f = MasterFields(m, 5000);
  auto keys = Keys(f);
  std::vector<std::string> head(keys.begin(), keys.begin() + 14);
  EXPECT_EQ(head, (std::vector<std::string>{
                      "name", "ip", "port", "runid", "flags", "link-pending-commands",
                      "link-refcount", "failover-state", "last-ping-sent",
                      "last-ok-ping-reply", "last-ping-reply", "s-down-time", "o-down-time",
                      "down-after-milliseconds"}));
  EXPECT_EQ(keys.back(), "notification-script");
  EXPECT_EQ(Value(f, "failover-state"), "select_slave");
  EXPECT_EQ(Value(f, "s-down-time"), "2000");
  EXPECT_EQ(Value(f, "o-down-time"), "1500");
  EXPECT_EQ(Value(f, "last-ping-sent"), "800");
  EXPECT_EQ(Value(f, "flags"), "s_down,o_down,master,failover_in_progress");
}

TEST(SentinelFieldsTest, ReplicaAndSentinelFieldOrder) {
  Master m;
  m.down_after_ms = 1234;
  Instance r;
  r.name = "127.0.0.1:6380";
  r.ip = "127.0.0.1";
  r.port = 6380;
  r.flags = kFlagSlave;
  r.role_reported = "slave";
  r.master_host = "127.0.0.1";
  r.master_port = 6379;
  r.master_link_up = true;
  r.repl_offset = 42;
  auto f = ReplicaFields(r, m, 5000);
  EXPECT_EQ(Keys(f), (std::vector<std::string>{
                         "name", "ip", "port", "runid", "flags", "link-pending-commands",
                         "link-refcount", "last-ping-sent", "last-ok-ping-reply",
                         "last-ping-reply", "down-after-milliseconds", "info-refresh",
                         "role-reported", "role-reported-time", "master-link-down-time",
                         "master-link-status", "master-host", "master-port", "slave-priority",
                         "slave-repl-offset", "replica-announced"}));
  EXPECT_EQ(Value(f, "down-after-milliseconds"), "1234");
  EXPECT_EQ(Value(f, "master-link-status"), "ok");
  EXPECT_EQ(Value(f, "slave-repl-offset"), "42");
  EXPECT_EQ(Value(f, "slave-priority"), "100");
  EXPECT_EQ(Value(f, "replica-announced"), "1");

  Instance s;
  s.name = "127.0.0.1:26380";
  s.ip = "127.0.0.1";
  s.port = 26380;
  s.flags = kFlagSentinel;
  s.created_ms = 4000;
  f = SentinelFields(s, m, 5000);
  EXPECT_EQ(Keys(f), (std::vector<std::string>{
                         "name", "ip", "port", "runid", "flags", "link-pending-commands",
                         "link-refcount", "last-ping-sent", "last-ok-ping-reply",
                         "last-ping-reply", "down-after-milliseconds", "last-hello-message",
                         "voted-leader", "voted-leader-epoch"}));
  EXPECT_EQ(Value(f, "voted-leader"), "?");
  EXPECT_EQ(Value(f, "last-hello-message"), "1000");
}

}  // namespace
}  // namespace sable::sentinel

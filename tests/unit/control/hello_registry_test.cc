#include "server/control/hello_registry.h"

#include <gtest/gtest.h>

namespace sable::control {
namespace {

sable::SentinelHello Hello(const std::string& run_id, const std::string& master, int port) {
  sable::SentinelHello h;
  h.set_run_id(run_id);
  h.set_master_name(master);
  h.set_port(port);
  return h;
}

TEST(HelloRegistryTest, ReturnsOthersOfTheSameMaster) {
  HelloRegistry reg;
  EXPECT_TRUE(reg.Announce(Hello("a", "m1", 1), 1000).empty());
  auto others = reg.Announce(Hello("b", "m1", 2), 1001);
  ASSERT_EQ(others.size(), 1u);
  EXPECT_EQ(others[0].run_id(), "a");
  // Another master's sentinels are not mixed in.
  EXPECT_TRUE(reg.Announce(Hello("c", "m2", 3), 1002).empty());
  others = reg.Announce(Hello("a", "m1", 11), 1003);
  ASSERT_EQ(others.size(), 1u);
  EXPECT_EQ(others[0].run_id(), "b");
  // The latest hello of a sentinel replaces its previous one.
  others = reg.Announce(Hello("b", "m1", 2), 1004);
  ASSERT_EQ(others.size(), 1u);
  EXPECT_EQ(others[0].port(), 11);
  EXPECT_EQ(reg.size(), 3u);
}

TEST(HelloRegistryTest, DropsHellosAfterAMinute) {
  HelloRegistry reg;
  reg.Announce(Hello("a", "m", 1), 0);
  reg.Announce(Hello("b", "m", 2), 30000);
  auto others = reg.Announce(Hello("c", "m", 3), HelloRegistry::kTtlMs + 1);
  ASSERT_EQ(others.size(), 1u);
  EXPECT_EQ(others[0].run_id(), "b");
  EXPECT_EQ(reg.size(), 2u);
}

}  // namespace
}  // namespace sable::control

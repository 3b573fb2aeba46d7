#include "server/config/config.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "server/config/keyspace_events.h"

namespace sable {
namespace {

std::string GetOne(const Config& c, std::string_view name) {
  auto pairs = c.Get({name});
  return pairs.empty() ? "<missing>" : pairs[0].second;
}

TEST(ConfigTest, DefaultsMatchRedis) {
  Config c;
  EXPECT_EQ(GetOne(c, "port"), "6379");
  EXPECT_EQ(GetOne(c, "save"), "3600 1 300 100 60 10000");
  EXPECT_EQ(GetOne(c, "bind"), "* -::*");
  EXPECT_EQ(GetOne(c, "client-output-buffer-limit"),
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
  EXPECT_EQ(GetOne(c, "maxmemory-policy"), "noeviction");
  EXPECT_EQ(GetOne(c, "appendonly"), "no");
  EXPECT_EQ(GetOne(c, "unixsocketperm"), "0");
  EXPECT_EQ(GetOne(c, "notify-keyspace-events"), "");
  EXPECT_EQ(GetOne(c, "latency-tracking-info-percentiles"), "50 99 99.9");
}

TEST(ConfigTest, ParsesFileSyntax) {
  Config c;
  ASSERT_EQ(c.LoadFromString("# comment\n\n  port 7000  \r\nmaxmemory 1gb\n"
                             "requirepass \"a b\\x41\"\nsave 900 1\nsave 60 100\n"
                             "unixsocketperm 700\nprotected-mode NO\n"
                             "client-output-buffer-limit pubsub 1mb 512kb 10\n"
                             "slaveof 10.0.0.1 6380\nnotify-keyspace-events KEA\n"),
            std::nullopt);
  EXPECT_EQ(c.values().port, 7000);
  EXPECT_EQ(c.values().maxmemory, 1024ull * 1024 * 1024);
  EXPECT_EQ(c.values().requirepass, "a bA");
  ASSERT_EQ(c.values().save.size(), 2u);
  EXPECT_EQ(GetOne(c, "save"), "900 1 60 100");
  EXPECT_EQ(c.values().unixsocketperm, 0700u);
  EXPECT_FALSE(c.values().protected_mode);
  EXPECT_EQ(GetOne(c, "client-output-buffer-limit"),
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 524288 10");
  EXPECT_EQ(GetOne(c, "replicaof"), "10.0.0.1 6380");
  EXPECT_EQ(GetOne(c, "notify-keyspace-events"), "AKE");
}

TEST(ConfigTest, SizeUnitsAreRedisUnits) {
  Config c;
  ASSERT_EQ(c.Set({{"maxmemory", "1k"}}), std::nullopt);
  EXPECT_EQ(c.values().maxmemory, 1000u);
  ASSERT_EQ(c.Set({{"maxmemory", "1KB"}}), std::nullopt);
  EXPECT_EQ(c.values().maxmemory, 1024u);
  ASSERT_EQ(c.Set({{"maxmemory", "2m"}}), std::nullopt);
  EXPECT_EQ(c.values().maxmemory, 2000000u);
  ASSERT_EQ(c.Set({{"maxmemory", "3gb"}}), std::nullopt);
  EXPECT_EQ(c.values().maxmemory, 3ull << 30);
  EXPECT_EQ(c.Set({{"maxmemory", "3xb"}}),
            "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must "
            "be a memory value");
}

TEST(ConfigTest, FileErrorsNameLineAndReason) {
  Config c;
  auto err = c.LoadFromString("port 7000\nport abc\n");
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(*err,
            "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, "
            "at line 2\n>>> 'port abc'\nargument couldn't be parsed into an integer");
  Config c2;
  err = c2.LoadFromString("no-such-thing 1\n");
  ASSERT_TRUE(err.has_value());
  EXPECT_NE(err->find("Bad directive or wrong number of arguments"), std::string::npos);
  Config c3;
  err = c3.LoadFromString("port 70000\n");
  ASSERT_TRUE(err.has_value());
  EXPECT_NE(err->find("argument must be between 0 and 65535 inclusive"), std::string::npos);
  Config c4;
  err = c4.LoadFromString("appendonly maybe\n");
  ASSERT_TRUE(err.has_value());
  EXPECT_NE(err->find("argument must be 'yes' or 'no'"), std::string::npos);
  Config c5;
  err = c5.LoadFromString("requirepass \"open\n");
  ASSERT_TRUE(err.has_value());
  EXPECT_NE(err->find("Unbalanced quotes in configuration line"), std::string::npos);
}

TEST(ConfigTest, SetIsAllOrNothing) {
  Config c;
  auto err = c.Set({{"maxmemory", "5mb"}, {"maxmemory-policy", "bogus"}});
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(c.values().maxmemory, 0u);
  EXPECT_EQ(c.Set({{"daemonize", "yes"}}),
            "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set "
            "immutable config");
  EXPECT_EQ(c.Set({{"dir", "/tmp"}}),
            "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected "
            "config");
  EXPECT_EQ(c.Set({{"timeout", "1"}, {"timeout", "2"}}),
            "ERR CONFIG SET failed (possibly related to argument 'timeout') - duplicate "
            "parameter");
  EXPECT_EQ(c.Set({{"nope", "1"}}),
            "ERR Unknown option or number of arguments for CONFIG SET - 'nope'");
}

TEST(ConfigTest, FailingHookRestoresEverything) {
  Config c;
  int hook_runs = 0;
  c.OnChange("timeout", [&]() -> std::optional<std::string> {
    ++hook_runs;
    return std::nullopt;
  });
  c.OnChange("hz", [&]() -> std::optional<std::string> {
    if (c.values().hz == 42) return std::string("refused");
    return std::nullopt;
  });
  auto err = c.Set({{"timeout", "30"}, {"hz", "42"}});
  EXPECT_EQ(err, "ERR CONFIG SET failed (possibly related to argument 'hz') - refused");
  EXPECT_EQ(c.values().timeout, 0);
  EXPECT_EQ(c.values().hz, 10);
  EXPECT_EQ(hook_runs, 2);  // Applied, then re-applied with the restored value.
}

TEST(ConfigTest, GetGlobsNamesAndAliases) {
  Config c;
  auto pairs = c.Get({"*slave-read*"});
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_EQ(pairs[0].first, "slave-read-only");
  pairs = c.Get({"MAXMEMORY"});
  ASSERT_EQ(pairs.size(), 1u);
  EXPECT_EQ(pairs[0].first, "MAXMEMORY");
  pairs = c.Get({"maxmemory", "maxmemory*"});
  int maxmemory_count = 0;
  for (auto& [n, v] : pairs) maxmemory_count += n == "maxmemory";
  EXPECT_EQ(maxmemory_count, 1);
}

TEST(ConfigTest, CommandLineAndIncludeAndRewrite) {
  char dir_template[] = "/tmp/sable-config-test-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  std::string dir = dir_template;
  std::string inc = dir + "/inc.conf";
  std::string main_conf = dir + "/main.conf";
  std::ofstream(inc) << "timeout 5\n";
  std::ofstream(main_conf) << "# keep me\ninclude " << inc << "\nmaxmemory 1mb\nhz 20\nhz 30\n";
  std::string port_flag = "--port";
  std::string port_value = "7001";
  std::string save_flag = "--save";
  std::string empty;
  char* argv[] = {const_cast<char*>("sable-server"), main_conf.data(), port_flag.data(),
                  port_value.data(), save_flag.data(), empty.data()};
  Config c;
  ASSERT_EQ(c.LoadFromArgs(6, argv), std::nullopt);
  EXPECT_EQ(c.values().timeout, 5);
  EXPECT_EQ(c.values().port, 7001);
  EXPECT_EQ(c.values().hz, 30);
  EXPECT_TRUE(c.values().save.empty());
  ASSERT_EQ(c.Set({{"maxmemory", "5mb"}, {"maxclients", "77"}}), std::nullopt);
  ASSERT_EQ(c.Rewrite(), std::nullopt);
  std::stringstream ss;
  ss << std::ifstream(main_conf).rdbuf();
  std::string text = ss.str();
  EXPECT_NE(text.find("# keep me\n"), std::string::npos);
  EXPECT_NE(text.find("include " + inc + "\n"), std::string::npos);
  EXPECT_NE(text.find("maxmemory 5mb\n"), std::string::npos);
  EXPECT_NE(text.find("# Generated by CONFIG REWRITE\n"), std::string::npos);
  EXPECT_NE(text.find("maxclients 77\n"), std::string::npos);
  EXPECT_NE(text.find("save \"\"\n"), std::string::npos);
  EXPECT_EQ(text.find("hz 20"), std::string::npos);
  EXPECT_NE(text.find("hz 30\n"), std::string::npos);
  Config again;
  ASSERT_EQ(again.LoadFromString(text), std::nullopt);
  EXPECT_EQ(again.values().maxmemory, 5u << 20);
  EXPECT_EQ(again.values().maxclients, 77u);
  EXPECT_TRUE(again.values().save.empty());
  std::remove(inc.c_str());
  std::remove(main_conf.c_str());
  rmdir(dir.c_str());
}

TEST(KeyspaceEventsTest, RoundTrips) {
  EXPECT_EQ(KeyspaceEventsToString(*KeyspaceEventsFromString("KEA")), "AKE");
  EXPECT_EQ(KeyspaceEventsToString(*KeyspaceEventsFromString("Eg$")), "g$E");
  EXPECT_FALSE(KeyspaceEventsFromString("Q").has_value());
}

}  // namespace
}  // namespace sable

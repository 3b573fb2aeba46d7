// The control-plane directives: defaults, parsing and how CONFIG REWRITE treats values the
// control server resolved at start-up.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "server/config/config.h"

namespace sable {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ControlConfigTest, DefaultsAndParsing) {
  Config c;
  EXPECT_EQ(c.values().control_port, -1);
  EXPECT_TRUE(c.values().control_bind.empty());
  ASSERT_FALSE(
      c.LoadFromString("control-port 0\ncontrol-bind 127.0.0.1 ::1\n"
                       "control-auth s3cret\n"));
  EXPECT_EQ(c.values().control_port, 0);
  EXPECT_EQ(c.values().control_bind, (std::vector<std::string>{"127.0.0.1", "::1"}));
  EXPECT_TRUE(Config::IsSensitive("control-auth"));
  EXPECT_TRUE(c.LoadFromString("control-port 65536\n"));
  // control-auth may change at run time; the port may not.
  EXPECT_FALSE(c.Set({{"control-auth", "other"}}));
  EXPECT_EQ(c.values().control_auth, "other");
  EXPECT_TRUE(c.Set({{"control-port", "7000"}}));
}

TEST(ControlConfigTest, RewriteLeavesResolvedDefaultsOut) {
  char path[] = "/tmp/sable-control-config-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  {
    std::ofstream out(path);
    out << "port 7000\n";
  }
  std::string arg0 = "sable-server";
  std::string arg1 = path;
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  Config c;
  ASSERT_FALSE(c.LoadFromArgs(2, argv));
  // What ControlServer::Start writes back.
  c.values().control_port = 27000;
  c.values().control_port_resolved = true;
  c.values().control_bind = {"127.0.0.1"};
  c.values().control_bind_resolved = true;
  ASSERT_FALSE(c.Rewrite());
  std::string text = ReadAll(path);
  EXPECT_EQ(text.find("control-"), std::string::npos) << text;
  // Configured explicitly, they are kept.
  c.values().control_port_resolved = false;
  ASSERT_FALSE(c.Rewrite());
  EXPECT_NE(ReadAll(path).find("control-port 27000"), std::string::npos);
  std::remove(path);
}

}  // namespace
}  // namespace sable

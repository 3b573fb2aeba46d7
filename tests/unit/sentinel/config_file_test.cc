#include "sentinel/config_file.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace sable::sentinel {
namespace {

class SentinelConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sable-sentinel-conf-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/sentinel.conf";
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  void Write(const std::string& text) {
    std::ofstream out(path_);
    out << text;
  }
  std::string Read() {
    std::ifstream in(path_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::string dir_;
  std::string path_;
};

const char kMyId[] = "0123456789abcdef0123456789abcdef01234567";
const char kPeerId[] = "fedcba9876543210fedcba9876543210fedcba98";

TEST_F(SentinelConfigFileTest, ParsesRedisDirectives) {
  Write(std::string("# a comment\n"
                    "port 26380\n"
                    "bind 127.0.0.1 ::1\n"
                    "protected-mode no\n"
                    "loglevel warning\n"
                    "requirepass \"s3cret pass\"\n"
                    "control-port 46380\n"
                    "control-auth tok\n"
                    "latency-tracking-info-percentiles 50 99 99.9\n"
                    // per-master lines before the monitor line: Redis applies them after
                    "sentinel down-after-milliseconds mymaster 1500\n"
                    "sentinel monitor mymaster 127.0.0.1 6379 2\n"
                    "sentinel failover-timeout mymaster 9000\n"
                    "sentinel parallel-syncs mymaster 3\n"
                    "sentinel auth-pass mymaster pw\n"
                    "sentinel auth-user mymaster usr\n"
                    "sentinel myid ") +
        kMyId +
        "\n"
        "sentinel current-epoch 7\n"
        "sentinel config-epoch mymaster 5\n"
        "sentinel leader-epoch mymaster 6\n"
        "sentinel known-replica mymaster 127.0.0.1 6380\n"
        "sentinel known-sentinel mymaster 127.0.0.1 26381 " +
        kPeerId +
        "\n"
        "sentinel announce-ip 10.0.0.1\n"
        "sentinel announce-port 5000\n"
        "sentinel resolve-hostnames yes\n");
  SentinelState st;
  auto err = LoadConfigFile(path_, &st);
  ASSERT_FALSE(err.has_value()) << *err;
  EXPECT_EQ(st.config.port, 26380);
  EXPECT_EQ(st.config.bind, (std::vector<std::string>{"127.0.0.1", "::1"}));
  EXPECT_EQ(st.config.loglevel, "warning");
  EXPECT_EQ(st.config.requirepass, "s3cret pass");
  EXPECT_EQ(st.config.control_port, 46380);
  EXPECT_EQ(st.config.control_auth, "tok");
  EXPECT_EQ(st.config.announce_ip, "10.0.0.1");
  EXPECT_EQ(st.config.announce_port, 5000);
  EXPECT_TRUE(st.config.resolve_hostnames);
  EXPECT_EQ(st.myid, kMyId);
  EXPECT_EQ(st.current_epoch, 7u);
  ASSERT_EQ(st.masters.size(), 1u);
  const Master& m = *st.masters.at("mymaster");
  EXPECT_EQ(m.ip, "127.0.0.1");
  EXPECT_EQ(m.port, 6379);
  EXPECT_EQ(m.quorum, 2);
  EXPECT_EQ(m.down_after_ms, 1500);
  EXPECT_EQ(m.failover_timeout_ms, 9000);
  EXPECT_EQ(m.parallel_syncs, 3);
  EXPECT_EQ(m.auth_pass, "pw");
  EXPECT_EQ(m.auth_user, "usr");
  EXPECT_EQ(m.config_epoch, 5u);
  EXPECT_EQ(m.leader_epoch, 6u);
  EXPECT_TRUE(m.flags & kFlagMaster);
  ASSERT_EQ(m.replicas.count("127.0.0.1:6380"), 1u);
  EXPECT_TRUE(m.replicas.at("127.0.0.1:6380")->flags & kFlagSlave);
  ASSERT_EQ(m.sentinels.count(kPeerId), 1u);
  EXPECT_EQ(m.sentinels.at(kPeerId)->port, 26381);
  EXPECT_TRUE(m.sentinels.at(kPeerId)->flags & kFlagSentinel);
}

TEST_F(SentinelConfigFileTest, GeneratesMyIdWhenMissing) {
  Write("sentinel monitor m 127.0.0.1 6379 1\n");
  SentinelState st;
  ASSERT_FALSE(LoadConfigFile(path_, &st).has_value());
  ASSERT_EQ(st.myid.size(), 40u);
  EXPECT_EQ(st.myid.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST_F(SentinelConfigFileTest, ErrorsInRedisShape) {
  Write("port 26379\nnot-a-directive 1\n");
  SentinelState st;
  auto err = LoadConfigFile(path_, &st);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(*err,
            "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n"
            "Reading the configuration file, at line 2\n"
            ">>> 'not-a-directive 1'\n"
            "Bad directive or wrong number of arguments");

  struct Case {
    const char* text;
    const char* msg;
  } cases[] = {
      {"sentinel monitor m 127.0.0.1 6379 0\n", "Quorum must be 1 or greater."},
      {"sentinel monitor m 127.0.0.1 6379 1\nsentinel monitor m 127.0.0.1 6379 1\n",
       "Duplicate master name."},
      {"sentinel down-after-milliseconds nope 10\n", "No such master with specified name."},
      {"sentinel monitor m 127.0.0.1 6379 1\nsentinel down-after-milliseconds m 0\n",
       "negative or zero time parameter."},
      {"sentinel bogus x\n", "Unrecognized sentinel configuration statement."},
      {"sentinel myid abc\n", "Malformed Sentinel id in myid option."},
      {"sentinel resolve-hostnames maybe\n",
       "Please specify yes or no for the resolve-hostnames option."},
      {"port \"unbalanced\n", "Unbalanced quotes in configuration line"},
      // Redis 7.0 with resolve-hostnames no accepts only IP literals.
      {"sentinel monitor m not-an-ip 6379 1\n", "Can't resolve instance hostname."},
      {"sentinel monitor m 127.0.0.1 65536 1\n", "Invalid port number."},
  };
  for (const Case& c : cases) {
    Write(c.text);
    SentinelState s2;
    auto e = LoadConfigFile(path_, &s2);
    ASSERT_TRUE(e.has_value()) << c.text;
    EXPECT_TRUE(e->ends_with(std::string("\n") + c.msg)) << *e;
  }
}

TEST_F(SentinelConfigFileTest, RewriteRoundTripKeepsLearnedState) {
  Write("# keep me\nport 26390\nlatency-tracking-info-percentiles 50 99 99.9\n"
        "sentinel monitor mymaster 127.0.0.1 6379 2\n");
  SentinelState st;
  ASSERT_FALSE(LoadConfigFile(path_, &st).has_value());
  st.config.dir = dir_;
  st.current_epoch = 12;
  Master& m = *st.masters.at("mymaster");
  m.config_epoch = 11;
  m.leader_epoch = 12;
  m.leader = kPeerId;
  m.down_after_ms = 2000;
  m.auth_pass = "with space";
  m.extra_options["notification-script"] = "/bin/true";
  auto r = std::make_unique<Instance>();
  r->ip = "127.0.0.1";
  r->port = 6381;
  r->name = r->Addr();
  r->flags = kFlagSlave;
  m.replicas[r->name] = std::move(r);
  auto s = std::make_unique<Instance>();
  s->ip = "127.0.0.1";
  s->port = 26391;
  s->name = s->Addr();
  s->run_id = kPeerId;
  s->control_port = 46391;
  s->flags = kFlagSentinel;
  m.sentinels[kPeerId] = std::move(s);
  ASSERT_FALSE(RewriteConfigFile(st).has_value());

  std::string text = Read();
  EXPECT_EQ(text.find("# keep me\nport 26390\nlatency-tracking-info-percentiles 50 99 99.9\n"),
            0u)
      << text;
  EXPECT_NE(text.find("sentinel myid " + st.myid), std::string::npos);
  EXPECT_NE(text.find("sentinel known-replica mymaster 127.0.0.1 6381"), std::string::npos);
  EXPECT_NE(text.find(std::string("sentinel known-sentinel mymaster 127.0.0.1 26391 ") + kPeerId),
            std::string::npos);
  EXPECT_NE(text.find("sentinel auth-pass mymaster \"with space\""), std::string::npos);
  EXPECT_NE(text.find("sentinel current-epoch 12"), std::string::npos);
  EXPECT_NE(text.find("dir \"" + dir_ + "\""), std::string::npos);

  SentinelState again;
  auto err = LoadConfigFile(path_, &again);
  ASSERT_FALSE(err.has_value()) << *err << "\n" << text;
  EXPECT_EQ(again.myid, st.myid);
  EXPECT_EQ(again.current_epoch, 12u);
  EXPECT_EQ(again.config.port, 26390);
  const Master& m2 = *again.masters.at("mymaster");
  EXPECT_EQ(m2.config_epoch, 11u);
  EXPECT_EQ(m2.leader_epoch, 12u);
  EXPECT_EQ(m2.leader, kPeerId);
  EXPECT_EQ(m2.down_after_ms, 2000);
  EXPECT_EQ(m2.auth_pass, "with space");
  EXPECT_EQ(m2.extra_options.at("notification-script"), "/bin/true");
  ASSERT_EQ(m2.replicas.count("127.0.0.1:6381"), 1u);
  ASSERT_EQ(m2.sentinels.count(kPeerId), 1u);
  EXPECT_EQ(m2.sentinels.at(kPeerId)->control_port, 46391);

  // A second rewrite of the same state changes nothing (no duplicated lines).
  ASSERT_FALSE(RewriteConfigFile(again).has_value());
  EXPECT_EQ(Read(), text);
}

TEST_F(SentinelConfigFileTest, RewriteAfterFailoverRecordsNewPrimary) {
  Write("sentinel monitor mymaster 127.0.0.1 6379 2\nsentinel known-replica mymaster 127.0.0.1 "
        "6380\n");
  SentinelState st;
  ASSERT_FALSE(LoadConfigFile(path_, &st).has_value());
  Master& m = *st.masters.at("mymaster");
  m.flags |= kFlagFailoverInProgress;
  m.failover_state = FailoverState::kReconfSlaves;
  m.promoted = "127.0.0.1:6380";
  ASSERT_FALSE(RewriteConfigFile(st).has_value());
  std::string text = Read();
  EXPECT_NE(text.find("sentinel monitor mymaster 127.0.0.1 6380 2"), std::string::npos) << text;
  EXPECT_NE(text.find("sentinel known-replica mymaster 127.0.0.1 6379"), std::string::npos);
  EXPECT_EQ(text.find("sentinel known-replica mymaster 127.0.0.1 6380"), std::string::npos);
}

TEST_F(SentinelConfigFileTest, ApplyConfigLineForCommandLineOptions) {
  SentinelState st;
  EXPECT_FALSE(ApplyConfigLine("port 26444", &st).has_value());
  EXPECT_EQ(st.config.port, 26444);
  EXPECT_FALSE(ApplyConfigLine("sentinel monitor x 127.0.0.1 7000 1", &st).has_value());
  EXPECT_EQ(st.masters.count("x"), 1u);
  EXPECT_TRUE(ApplyConfigLine("nonsense 1", &st).has_value());
}

}  // namespace
}  // namespace sable::sentinel

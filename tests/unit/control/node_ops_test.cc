#include "server/control/node_ops.h"

#include <gtest/gtest.h>

#include "server/repl/repl_state.h"
#include "tests/unit/core/server_test_base.h"

namespace sable::control {
namespace {

TEST(NodeOpsTest, ParsesInfoReplicaLines) {
  auto links = ParseReplicaLines(
      "role:master\r\nconnected_slaves:2\r\n"
      "slave0:ip=127.0.0.1,port=7001,state=online,offset=42,lag=1\r\n"
      "slave1:ip=10.0.0.2,port=7002,state=wait_bgsave,offset=0,lag=0\r\n"
      "slave_expires_tracked_keys:0\r\nmaster_replid:abc\r\n");
  ASSERT_EQ(links.size(), 2u);
  EXPECT_EQ(links[0].ip(), "127.0.0.1");
  EXPECT_EQ(links[0].port(), 7001);
  EXPECT_EQ(links[0].state(), "online");
  EXPECT_EQ(links[0].offset(), 42);
  EXPECT_EQ(links[0].lag_seconds(), 1);
  EXPECT_EQ(links[1].ip(), "10.0.0.2");
  EXPECT_EQ(links[1].state(), "wait_bgsave");
}

class NodeOpsServerTest : public ServerTestBase {};

TEST_F(NodeOpsServerTest, ServingUnlessLoadingOrReplicaLinkDown) {
  EXPECT_TRUE(IsServing(*server_));
  server_->set_loading(true);
  EXPECT_FALSE(IsServing(*server_));
  server_->set_loading(false);
  // The loop never runs here, so the link never comes up.
  EXPECT_EQ(RunCommand(*server_, {"REPLICAOF", "127.0.0.1", "1"}).str, "OK");
  EXPECT_FALSE(IsServing(*server_));
  sable::NodeState st;
  FillNodeState(*server_, &st);
  EXPECT_EQ(st.role(), "slave");
  EXPECT_EQ(st.master_host(), "127.0.0.1");
  EXPECT_EQ(st.master_port(), 1);
  EXPECT_FALSE(st.master_link_up());
  EXPECT_GE(st.master_link_down_ms(), 0);
  EXPECT_EQ(RunCommand(*server_, {"REPLICAOF", "NO", "ONE"}).str, "OK");
  EXPECT_TRUE(IsServing(*server_));
}

TEST_F(NodeOpsServerTest, StateOfAPrimaryAndPromotionKeepsReplid2) {
  sable::NodeState st;
  FillNodeState(*server_, &st);
  EXPECT_EQ(st.role(), "master");
  EXPECT_EQ(st.run_id(), server_->run_id());
  EXPECT_EQ(st.replid(), server_->repl().replid());
  EXPECT_EQ(st.replica_priority(), 100);
  EXPECT_TRUE(st.replica_announced());
  EXPECT_EQ(st.replicas_size(), 0);
  std::string old = server_->repl().replid();
  RunCommand(*server_, {"REPLICAOF", "127.0.0.1", "1"});
  RunCommand(*server_, {"REPLICAOF", "NO", "ONE"});
  FillNodeState(*server_, &st);
  EXPECT_EQ(st.role(), "master");
  EXPECT_EQ(st.replid2(), old);
  EXPECT_NE(st.replid(), old);
}

TEST_F(NodeOpsServerTest, RunCommandGoesThroughTheDispatcher) {
  EXPECT_EQ(RunCommand(*server_, {"CONFIG", "SET", "replica-priority", "5"}).str, "OK");
  EXPECT_EQ(server_->cfg().replica_priority, 5);
  RespValue err = RunCommand(*server_, {"CONFIG", "REWRITE"});
  EXPECT_EQ(err.type, RespValue::Type::kError);
  EXPECT_EQ(err.str, "ERR The server is running without a config file");
  RespValue killed = RunCommand(*server_, {"CLIENT", "KILL", "TYPE", "pubsub"});
  EXPECT_EQ(killed.type, RespValue::Type::kInteger);
  EXPECT_EQ(killed.integer, 0);
  // Even with requirepass set, the control plane authenticated its caller itself.
  RunCommand(*server_, {"CONFIG", "SET", "requirepass", "pw"});
  EXPECT_EQ(RunCommand(*server_, {"CONFIG", "GET", "replica-priority"}).type,
            RespValue::Type::kArray);
}

}  // namespace
}  // namespace sable::control

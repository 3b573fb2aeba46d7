// The dispatcher's cluster routing in-process: who is never redirected (our primary's stream,
// an AOF replay), how long ASKING lasts, and MULTI. The reply texts themselves are compared
// with Redis by tests/integration/test_cluster_commands.py.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "cluster/cluster.h"
#include "cluster/slot.h"
#include "tests/unit/cluster/cluster_test_base.h"
#include "tests/unit/core/server_test_base.h"

namespace sable {
namespace {

// This node owns 0-8000; a peer at 127.0.0.1:7002 owns the rest and we import slot 9000 from
// it.
class RoutingTest : public ClusterTestBase {
 protected:
  RoutingTest() {
    cluster::ClusterState& st = server_->cluster()->state();
    auto peer = std::make_unique<cluster::Node>();
    peer->id = std::string(40, 'b');
    peer->ip = "127.0.0.1";
    peer->port = 7002;
    peer->cport = 17002;
    peer->flags = cluster::kFlagMaster;
    cluster::Node* p = st.AddNode(std::move(peer));
    for (int s = 0; s < cluster::kSlots; ++s) st.SetSlot(s, s <= 8000 ? &st.myself() : p);
    st.SetImporting(9000, p);
    st.set_ok(true);
  }

  // A key in `slot` (hash tags make one quickly).
  static std::string KeyIn(int slot) {
    for (int i = 0;; ++i) {
      std::string tag = "t" + std::to_string(i);
      if (cluster::KeySlot(tag) == slot) return "{" + tag + "}k";
    }
  }

};

TEST_F(RoutingTest, RedirectsClientsButNotReplicationOrLoading) {
  std::string theirs = KeyIn(9001);
  EXPECT_THAT(Run({"SET", theirs, "v"}), IsError("MOVED 9001 127.0.0.1:7002"));
  // Our primary's stream applies what it accepted, whatever we think of the slot.
  client_->is_master = true;
  EXPECT_THAT(Run({"SET", theirs, "v"}), IsOk());
  client_->is_master = false;
  // So does an AOF replay.
  server_->set_loading(true);
  EXPECT_THAT(Run({"GET", theirs}), IsBulk("v"));
  server_->set_loading(false);
  EXPECT_THAT(Run({"GET", theirs}), IsError("MOVED 9001"));
  // Commands without keys run anywhere.
  EXPECT_THAT(Run({"PING"}), IsSimple("PONG"));
}

TEST_F(RoutingTest, AskingCoversOneCommandOrOneTransaction) {
  std::string importing = KeyIn(9000);
  EXPECT_THAT(Run({"GET", importing}), IsError("MOVED 9000 127.0.0.1:7002"));
  EXPECT_THAT(Run({"ASKING"}), IsOk());
  EXPECT_THAT(Run({"GET", importing}), IsNil());
  EXPECT_THAT(Run({"GET", importing}), IsError("MOVED 9000"));
  // A rejected command consumes it too.
  EXPECT_THAT(Run({"ASKING"}), IsOk());
  EXPECT_THAT(Run({"GET"}), IsError("ERR wrong number of arguments"));
  EXPECT_THAT(Run({"GET", importing}), IsError("MOVED 9000"));
  // Inside MULTI it lasts until EXEC.
  EXPECT_THAT(Run({"ASKING"}), IsOk());
  EXPECT_THAT(Run({"MULTI"}), IsOk());
  EXPECT_THAT(Run({"SET", importing, "1"}), IsSimple("QUEUED"));
  EXPECT_THAT(Run({"GET", importing}), IsSimple("QUEUED"));
  RespValue exec = Run({"EXEC"});
  ASSERT_THAT(exec, IsArrayOfSize(2));
  EXPECT_THAT(exec.elems[1], IsBulk("1"));
  EXPECT_FALSE(client_->asking);
  // RESET drops it (and READONLY).
  EXPECT_THAT(Run({"ASKING"}), IsOk());
  EXPECT_THAT(Run({"READONLY"}), IsOk());
  EXPECT_THAT(Run({"RESET"}), IsSimple("RESET"));
  EXPECT_FALSE(client_->asking);
  EXPECT_FALSE(client_->readonly);
}

TEST_F(RoutingTest, TransactionsStayInOneSlot) {
  std::string a = KeyIn(1);
  std::string b = KeyIn(2);
  EXPECT_THAT(Run({"MULTI"}), IsOk());
  EXPECT_THAT(Run({"SET", a, "1"}), IsSimple("QUEUED"));
  EXPECT_THAT(Run({"SET", b, "1"}), IsSimple("QUEUED"));
  EXPECT_THAT(Run({"EXEC"}), IsError("CROSSSLOT Keys in request don't hash to the same slot"));
  EXPECT_FALSE(client_->in_multi);
  EXPECT_THAT(Run({"MULTI"}), IsOk());
  EXPECT_THAT(Run({"SET", KeyIn(9001), "1"}), IsError("MOVED 9001"));
  EXPECT_THAT(Run({"EXEC"}), IsError("EXECABORT"));
}

TEST_F(RoutingTest, InfoCountsBusMessagesAsRedis) {
  cluster::MessageStats& stats = server_->cluster()->message_stats();
  stats.sent[cluster::kMsgPing] = 2;
  stats.sent[cluster::kMsgPublishShard] = 1;
  stats.received[cluster::kMsgPong] = 3;
  RespValue info = Run({"CLUSTER", "INFO"});
  EXPECT_NE(info.str.find("cluster_known_nodes:2\r\ncluster_size:2\r\n"), std::string::npos);
  EXPECT_NE(info.str.find("cluster_stats_messages_ping_sent:2\r\n"
                          "cluster_stats_messages_publishshard_sent:1\r\n"
                          "cluster_stats_messages_sent:3\r\n"
                          "cluster_stats_messages_pong_received:3\r\n"
                          "cluster_stats_messages_received:3\r\n"
                          "total_cluster_links_buffer_limit_exceeded:0\r\n"),
            std::string::npos)
      << info.str;
}

TEST(ClusterDisabledTest, ConnectionCommandsRefuse) {
  Config config;
  Server server(&config);
  OutputBuffer out;
  Client* c = server.AddLocalClient(&out);
  for (const char* cmd : {"ASKING", "READONLY", "READWRITE"}) {
    std::vector<std::string_view> args = {cmd};
    server.ProcessCommand(c, args);
    RespValue v;
    std::string bytes = out.ToString();
    ASSERT_GT(ParseReply(bytes, &v), 0);
    out.Consume(bytes.size());
    EXPECT_THAT(v, IsError("ERR This instance has cluster support disabled"));
  }
  EXPECT_EQ(server.cluster(), nullptr);
  server.RemoveLocalClient(c);
}

}  // namespace
}  // namespace sable

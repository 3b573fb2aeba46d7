// The replica side as the command path sees it: REPLICAOF arguments, ROLE and INFO of a replica
// whose link is not up, READONLY, MASTERDOWN, writes from the master client, and promotion.
// No primary is reachable here (the loop never runs), so the link stays in "connect".
#include "server/repl/replica.h"

#include <string>

#include "server/repl/repl_state.h"
#include "tests/unit/core/server_test_base.h"

namespace sable {
namespace {

class ReplicaTest : public ServerTestBase {
 protected:
  // Rebuilds the server as a replica of 127.0.0.1:6399 (the configuration's replicaof).
  void MakeReplica(bool serve_stale = true) {
    server_->RemoveLocalClient(client_);
    server_.reset();
    config_->values().replicaof_host = "127.0.0.1";
    config_->values().replicaof_port = 6399;
    config_->values().replica_serve_stale_data = serve_stale;
    server_ = std::make_unique<Server>(config_.get());
    client_ = server_->AddLocalClient(&out_);
  }

  std::string InfoReplication() { return Run({"INFO", "replication"}).str; }
};

TEST_F(ReplicaTest, ReplicaOfArguments) {
  EXPECT_THAT(Run({"REPLICAOF", "NO", "ONE"}), IsOk());
  EXPECT_THAT(Run({"REPLICAOF", "127.0.0.1", "port"}), IsError("ERR Invalid master port"));
  EXPECT_THAT(Run({"SLAVEOF", "127.0.0.1", "70000"}), IsError("ERR Invalid master port"));
  EXPECT_THAT(Run({"REPLICAOF", "127.0.0.1"}), IsError("ERR wrong number of arguments"));
  EXPECT_EQ(Run({"ROLE"}).elems[0].str, "master");
}

TEST_F(ReplicaTest, RoleAndInfoWhileLinkDown) {
  MakeReplica();
  RespValue role = Run({"ROLE"});
  ASSERT_THAT(role, IsArrayOfSize(5));
  EXPECT_EQ(role.elems[0].str, "slave");
  EXPECT_EQ(role.elems[1].str, "127.0.0.1");
  EXPECT_EQ(role.elems[2].integer, 6399);
  EXPECT_EQ(role.elems[3].str, "connect");
  EXPECT_EQ(role.elems[4].integer, -1);
  std::string info = InfoReplication();
  EXPECT_NE(info.find("role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:6399\r\n"
                      "master_link_status:down\r\n"),
            std::string::npos);
  EXPECT_NE(info.find("master_link_down_since_seconds:"), std::string::npos);
  EXPECT_NE(info.find("slave_read_only:1\r\nreplica_announced:1\r\nconnected_slaves:0\r\n"),
            std::string::npos);
  EXPECT_THAT(Run({"REPLICAOF", "127.0.0.1", "6399"}),
              IsSimple("OK Already connected to specified master"));
}

TEST_F(ReplicaTest, ReadOnlyForClientsNotForTheMaster) {
  MakeReplica();
  EXPECT_THAT(Run({"SET", "k", "v"}),
              IsError("READONLY You can't write against a read only replica."));
  EXPECT_THAT(Run({"GET", "k"}), IsNil());  // stale data is served by default
  OutputBuffer master_out;
  Client* master = NewClient(&master_out);
  master->is_master = true;
  EXPECT_THAT(RunOn(master, &master_out, {"SET", "k", "v"}), IsOk());
  EXPECT_THAT(Run({"GET", "k"}), IsBulk("v"));
  server_->RemoveLocalClient(master);
  config_->values().replica_read_only = false;
  EXPECT_THAT(Run({"SET", "k", "w"}), IsOk());
}

TEST_F(ReplicaTest, MasterDownWhenStaleDataIsRefused) {
  MakeReplica(/*serve_stale=*/false);
  const char* kMasterDown =
      "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
  EXPECT_EQ(Run({"GET", "k"}).str, kMasterDown);
  EXPECT_EQ(Run({"PING"}).str, kMasterDown);
  EXPECT_NE(InfoReplication().find("role:slave"), std::string::npos);
  EXPECT_EQ(Run({"ROLE"}).elems[0].str, "slave");
}

TEST_F(ReplicaTest, PromotionKeepsDataAndShiftsHistory) {
  MakeReplica();
  OutputBuffer master_out;
  Client* master = NewClient(&master_out);
  master->is_master = true;
  EXPECT_THAT(RunOn(master, &master_out, {"SET", "k", "v"}), IsOk());
  server_->RemoveLocalClient(master);
  std::string old_id = server_->repl().replid();
  EXPECT_THAT(Run({"REPLICAOF", "NO", "ONE"}), IsOk());
  EXPECT_EQ(server_->repl().replid2(), old_id);
  EXPECT_NE(server_->repl().replid(), old_id);
  EXPECT_EQ(server_->repl().second_repl_offset(), server_->repl().master_repl_offset() + 1);
  EXPECT_FALSE(server_->replica().is_replica());
  EXPECT_THAT(Run({"GET", "k"}), IsBulk("v"));
  EXPECT_THAT(Run({"SET", "k2", "v"}), IsOk());
  EXPECT_EQ(Run({"ROLE"}).elems[0].str, "master");
}

}  // namespace
}  // namespace sable

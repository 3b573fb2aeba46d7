// The primary side in process: the replication stream built from propagated writes, PUBLISH
// reaching replicas but not the AOF, and the command replies that need no replica link.
#include "server/repl/primary.h"

#include "server/repl/repl_state.h"
#include "tests/unit/core/server_test_base.h"

namespace sable {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class ReplPrimaryTest : public ServerTestBase {
 protected:
  ReplicationState& rs() { return server_->repl(); }
};

TEST_F(ReplPrimaryTest, NoStreamBeforeTheFirstReplica) {
  Run({"SET", "a", "1"});
  EXPECT_EQ(rs().master_repl_offset(), 0);
  EXPECT_FALSE(rs().backlog_active());
}

TEST_F(ReplPrimaryTest, StreamSelectsDbAndWrapsTransactions) {
  rs().CreateBacklog();
  Run({"SET", "a", "1"});
  Run({"SELECT", "2"});
  Run({"SET", "b", "22"});
  Run({"SET", "c", "3"});
  Run({"MULTI"});
  Run({"SET", "d", "4"});
  Run({"INCR", "n"});
  Run({"EXEC"});
  std::string expected =
      "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n"
      "*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$2\r\n22\r\n"
      "*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1\r\n3\r\n"
      "*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nd\r\n$1\r\n4\r\n"
      "*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n*1\r\n$4\r\nEXEC\r\n";
  EXPECT_EQ(rs().BacklogFrom(1), expected);
  EXPECT_EQ(rs().master_repl_offset(), static_cast<int64_t>(expected.size()));
}

TEST_F(ReplPrimaryTest, PublishReachesReplicasButNotTheAof) {
  std::vector<std::string> aof;
  server_->AddPropagationSink(
      [&aof](int, const std::vector<std::string_view>& argv) { aof.emplace_back(argv[0]); });
  rs().CreateBacklog();
  EXPECT_THAT(Run({"PUBLISH", "ch", "msg"}), IsInt(0));
  EXPECT_TRUE(aof.empty());
  // Like any propagated command it carries the db (Redis emits SELECT for PUBLISH too).
  EXPECT_EQ(rs().BacklogFrom(1),
            "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"
            "*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n$3\r\nmsg\r\n");
  EXPECT_EQ(server_->dirty(), 0u);
}

TEST_F(ReplPrimaryTest, ReplconfReplies) {
  EXPECT_THAT(Run({"REPLCONF", "listening-port", "6380"}), IsOk());
  EXPECT_THAT(Run({"REPLCONF", "capa", "eof", "capa", "psync2"}), IsOk());
  EXPECT_THAT(Run({"REPLCONF", "ip-address", "10.0.0.1"}), IsOk());
  EXPECT_THAT(Run({"REPLCONF", "listening-port", "x"}), IsError("ERR value is not an integer"));
  EXPECT_THAT(Run({"REPLCONF", "listening-port"}), IsError("ERR syntax error"));
  EXPECT_THAT(Run({"REPLCONF", "foo", "bar"}), IsError("ERR Unrecognized REPLCONF option: foo"));
  // ACK from a client that is not a replica: silence.
  EXPECT_THAT(Run({"REPLCONF", "ACK", "5"}), IsError("(no reply)"));
}

TEST_F(ReplPrimaryTest, RoleAndWaitWithoutReplicas) {
  RespValue role = Run({"ROLE"});
  ASSERT_EQ(role.type, RespValue::Type::kArray);
  ASSERT_EQ(role.elems.size(), 3u);
  EXPECT_THAT(role.elems[0], IsBulk("master"));
  EXPECT_THAT(role.elems[1], IsInt(0));
  EXPECT_TRUE(role.elems[2].elems.empty());
  EXPECT_THAT(Run({"WAIT", "0", "0"}), IsInt(0));
  EXPECT_THAT(Run({"WAIT", "1", "-1"}), IsError("ERR timeout is negative"));
  EXPECT_THAT(Run({"WAIT", "x", "0"}), IsError("ERR value is not an integer"));
}

TEST_F(ReplPrimaryTest, MinReplicasToWrite) {
  EXPECT_THAT(Run({"CONFIG", "SET", "min-replicas-to-write", "1"}), IsOk());
  EXPECT_THAT(Run({"SET", "a", "1"}), IsError("NOREPLICAS Not enough good replicas to write."));
  EXPECT_THAT(Run({"GET", "a"}), IsNil());
  // Refused while queueing, as in Redis, so EXEC aborts.
  Run({"MULTI"});
  EXPECT_THAT(Run({"SET", "a", "1"}), IsError("NOREPLICAS"));
  EXPECT_THAT(Run({"EXEC"}), IsError("EXECABORT"));
  EXPECT_THAT(Run({"CONFIG", "SET", "min-replicas-max-lag", "0"}), IsOk());
  EXPECT_THAT(Run({"SET", "a", "1"}), IsOk());
}

TEST_F(ReplPrimaryTest, InfoReplicationOfAPrimary) {
  RespValue info = Run({"INFO", "replication"});
  EXPECT_THAT(info.str, HasSubstr("# Replication\r\nrole:master\r\nconnected_slaves:0\r\n"
                                  "master_failover_state:no-failover\r\nmaster_replid:"));
  EXPECT_THAT(info.str, HasSubstr("master_replid2:0000000000000000000000000000000000000000\r\n"
                                  "master_repl_offset:0\r\nsecond_repl_offset:-1\r\n"
                                  "repl_backlog_active:0\r\nrepl_backlog_size:1048576\r\n"
                                  "repl_backlog_first_byte_offset:0\r\n"
                                  "repl_backlog_histlen:0\r\n"));
  EXPECT_THAT(Run({"INFO", "stats"}).str,
              HasSubstr("sync_full:0\r\nsync_partial_ok:0\r\nsync_partial_err:0\r\n"));
}

}  // namespace
}  // namespace sable

// The sentinel core's pure decisions: which replica to promote, the one-vote-per-epoch rule and
// the vote tally.
#include "sentinel/logic.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace sable::sentinel {
namespace {

constexpr int64_t kNow = 1'000'000;

Instance* AddReplica(Master* m, int port, int priority, int64_t offset, const std::string& run_id) {
  auto r = std::make_unique<Instance>();
  r->ip = "127.0.0.1";
  r->port = port;
  r->name = r->Addr();
  r->flags = kFlagSlave;
  r->slave_priority = priority;
  r->repl_offset = offset;
  r->run_id = run_id;
  r->last_ok_ping_reply_ms = kNow - 100;
  r->info_refresh_ms = kNow - 100;
  r->master_link_up = true;
  r->role_reported = "slave";
  Instance* raw = r.get();
  m->replicas[raw->Addr()] = std::move(r);
  return raw;
}

Master MakeMaster() {
  Master m;
  m.name = "mymaster";
  m.ip = "127.0.0.1";
  m.port = 6379;
  m.flags = kFlagMaster;
  m.down_after_ms = 1000;
  return m;
}

TEST(SentinelSelectReplicaTest, LowestPriorityThenOffsetThenRunId) {
  Master m = MakeMaster();
  AddReplica(&m, 7001, 100, 500, "bbbb");
  Instance* best_prio = AddReplica(&m, 7002, 10, 100, "cccc");
  EXPECT_EQ(SelectReplica(m, kNow), best_prio);
  best_prio->slave_priority = 100;
  Instance* best_off = AddReplica(&m, 7003, 100, 900, "dddd");
  EXPECT_EQ(SelectReplica(m, kNow), best_off);
  Instance* tie = AddReplica(&m, 7004, 100, 900, "aaaa");
  EXPECT_EQ(SelectReplica(m, kNow), tie);
  // An unknown run id loses a tie.
  tie->run_id.clear();
  EXPECT_EQ(SelectReplica(m, kNow), best_off);
}

TEST(SentinelSelectReplicaTest, SkipsUnusableReplicas) {
  Master m = MakeMaster();
  Instance* a = AddReplica(&m, 7001, 0, 900, "a");  // priority 0: never promoted
  EXPECT_EQ(SelectReplica(m, kNow), nullptr);
  a->slave_priority = 100;
  a->flags |= kFlagSDown;
  EXPECT_EQ(SelectReplica(m, kNow), nullptr);
  a->flags = kFlagSlave | kFlagDisconnected;
  EXPECT_EQ(SelectReplica(m, kNow), nullptr);
  a->flags = kFlagSlave;
  a->gone = true;
  EXPECT_EQ(SelectReplica(m, kNow), nullptr);
  a->gone = false;
  a->info_refresh_ms = kNow - 5000;  // stale info
  EXPECT_EQ(SelectReplica(m, kNow), nullptr);
  a->info_refresh_ms = kNow - 100;
  a->master_link_up = false;
  a->master_link_down_ms = 10 * 1000 + 1;  // link down for more than down-after * 10
  EXPECT_EQ(SelectReplica(m, kNow), nullptr);
  a->master_link_down_ms = 5000;
  EXPECT_EQ(SelectReplica(m, kNow), a);
}

TEST(SentinelVoteTest, OneVotePerEpoch) {
  uint64_t current_epoch = 3;
  std::string leader;
  uint64_t leader_epoch = 0;
  VoteOutcome o = ApplyVoteRequest(&current_epoch, &leader, &leader_epoch, 4, "A");
  EXPECT_TRUE(o.epoch_raised);
  EXPECT_TRUE(o.voted);
  EXPECT_EQ(current_epoch, 4u);
  EXPECT_EQ(leader, "A");
  EXPECT_EQ(leader_epoch, 4u);
  // A second requester in the same epoch gets the recorded vote back.
  o = ApplyVoteRequest(&current_epoch, &leader, &leader_epoch, 4, "B");
  EXPECT_FALSE(o.voted);
  EXPECT_EQ(leader, "A");
  // An older epoch changes nothing.
  o = ApplyVoteRequest(&current_epoch, &leader, &leader_epoch, 2, "C");
  EXPECT_FALSE(o.voted);
  EXPECT_FALSE(o.epoch_raised);
  EXPECT_EQ(current_epoch, 4u);
  // A newer epoch gets a new vote.
  o = ApplyVoteRequest(&current_epoch, &leader, &leader_epoch, 5, "B");
  EXPECT_TRUE(o.voted);
  EXPECT_EQ(leader, "B");
  EXPECT_EQ(leader_epoch, 5u);
}

TEST(SentinelVoteTest, NoVoteWhenOurEpochIsAhead) {
  uint64_t current_epoch = 7;
  std::string leader;
  uint64_t leader_epoch = 0;
  VoteOutcome o = ApplyVoteRequest(&current_epoch, &leader, &leader_epoch, 6, "A");
  EXPECT_FALSE(o.voted);
  EXPECT_TRUE(leader.empty());
}

TEST(SentinelVoteTest, TallyNeedsMajorityAndQuorum) {
  Master m = MakeMaster();
  for (const char* id : {"s1", "s2", "s3", "s4"}) {
    auto s = std::make_unique<Instance>();
    s->run_id = id;
    s->flags = kFlagSentinel;
    m.sentinels[id] = std::move(s);
  }
  m.sentinels["s1"]->leader = "s1";
  m.sentinels["s1"]->leader_epoch = 9;
  m.sentinels["s2"]->leader = "s1";
  m.sentinels["s2"]->leader_epoch = 9;
  m.sentinels["s3"]->leader = "s3";
  m.sentinels["s3"]->leader_epoch = 8;  // another epoch: not counted
  auto counts = CountVotes(m, 9);
  int votes = 0;
  EXPECT_EQ(MostVoted(counts, &votes), "s1");
  EXPECT_EQ(votes, 2);
  // 5 voters: 3 needed.
  EXPECT_FALSE(HasMajority(2, 5, 2));
  EXPECT_TRUE(HasMajority(3, 5, 2));
  // Quorum above the majority also binds.
  EXPECT_FALSE(HasMajority(3, 5, 4));
  EXPECT_TRUE(HasMajority(2, 3, 2));
  EXPECT_FALSE(HasMajority(1, 1 + 2, 1));
}

TEST(SentinelFlagsTest, FlagsAndStateNames) {
  EXPECT_EQ(FlagsString(kFlagSDown | kFlagODown | kFlagMaster), "s_down,o_down,master");
  EXPECT_EQ(FlagsString(kFlagSlave | kFlagPromoted | kFlagReconfDone),
            "slave,promoted,reconf_done");
  EXPECT_EQ(FlagsString(0), "");
  EXPECT_STREQ(FailoverStateName(FailoverState::kWaitStart), "wait_start");
  EXPECT_STREQ(FailoverStateName(FailoverState::kSendSlaveofNoOne), "send_slaveof_noone");
  EXPECT_STREQ(FailoverStateName(FailoverState::kReconfSlaves), "reconf_slaves");
}

}  // namespace
}  // namespace sable::sentinel

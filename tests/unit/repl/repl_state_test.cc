// ReplicationState: the backlog as a circular buffer and the PSYNC2 partial-sync rules.
#include "server/repl/repl_state.h"

#include <string>

#include <gtest/gtest.h>

namespace sable {
namespace {

TEST(ReplStateTest, StartsWithFreshIdsAndNoBacklog) {
  ReplicationState rs(16);
  EXPECT_EQ(rs.replid().size(), kReplIdLen);
  EXPECT_EQ(rs.replid2(), std::string(kReplIdLen, '0'));
  EXPECT_EQ(rs.master_repl_offset(), 0);
  EXPECT_EQ(rs.second_repl_offset(), -1);
  EXPECT_FALSE(rs.backlog_active());
  EXPECT_EQ(rs.backlog_first_byte_offset(), 0);
  // Without a backlog nothing is fed and the offset stays put.
  rs.Feed("abc");
  EXPECT_EQ(rs.master_repl_offset(), 0);
  EXPECT_FALSE(rs.CanPartialSync(rs.replid(), 1));
}

TEST(ReplStateTest, FeedAppendsAndHandsBytesToConsumer) {
  ReplicationState rs(16);
  std::string seen;
  rs.SetStreamConsumer([&seen](std::string_view b) { seen.append(b); });
  rs.CreateBacklog();
  EXPECT_EQ(rs.backlog_first_byte_offset(), 1);
  rs.Feed("hello");
  rs.Feed("world");
  EXPECT_EQ(seen, "helloworld");
  EXPECT_EQ(rs.master_repl_offset(), 10);
  EXPECT_EQ(rs.backlog_histlen(), 10);
  EXPECT_EQ(rs.BacklogFrom(1), "helloworld");
  EXPECT_EQ(rs.BacklogFrom(6), "world");
  EXPECT_EQ(rs.BacklogFrom(11), "");
}

TEST(ReplStateTest, BacklogWrapsAround) {
  ReplicationState rs(8);
  rs.CreateBacklog();
  rs.Feed("abcdef");  // offsets 1..6
  rs.Feed("ghij");    // 7..10: wraps, 1..2 are gone
  EXPECT_EQ(rs.master_repl_offset(), 10);
  EXPECT_EQ(rs.backlog_histlen(), 8);
  EXPECT_EQ(rs.backlog_first_byte_offset(), 3);
  EXPECT_EQ(rs.BacklogFrom(3), "cdefghij");
  EXPECT_EQ(rs.BacklogFrom(8), "hij");
  EXPECT_EQ(rs.BacklogFrom(2), "");  // no longer held
  // A write larger than the whole backlog keeps only its tail.
  rs.Feed("0123456789AB");
  EXPECT_EQ(rs.master_repl_offset(), 22);
  EXPECT_EQ(rs.backlog_first_byte_offset(), 15);
  EXPECT_EQ(rs.BacklogFrom(15), "456789AB");
  // Many small writes around the ring.
  std::string all;
  for (int i = 0; i < 50; ++i) {
    std::string s(1 + i % 3, static_cast<char>('a' + i % 26));
    rs.Feed(s);
    all += s;
  }
  EXPECT_EQ(rs.BacklogFrom(rs.backlog_first_byte_offset()), all.substr(all.size() - 8));
}

TEST(ReplStateTest, CanPartialSyncWithinBacklog) {
  ReplicationState rs(8);
  rs.CreateBacklog();
  rs.Feed("abcdefghij");  // holds 3..10
  const std::string id = rs.replid();
  EXPECT_TRUE(rs.CanPartialSync(id, 3));
  EXPECT_TRUE(rs.CanPartialSync(id, 10));
  EXPECT_TRUE(rs.CanPartialSync(id, 11));  // up to date: nothing to send
  EXPECT_FALSE(rs.CanPartialSync(id, 2));
  EXPECT_FALSE(rs.CanPartialSync(id, 12));
  EXPECT_FALSE(rs.CanPartialSync("?", 3));
  EXPECT_FALSE(rs.CanPartialSync(std::string(kReplIdLen, 'f'), 5));
  // replid2 of all zeros never matches.
  EXPECT_FALSE(rs.CanPartialSync(std::string(kReplIdLen, '0'), 5));
}

TEST(ReplStateTest, ShiftReplIdKeepsOldHistoryUpToSecondOffset) {
  ReplicationState rs(64);
  rs.CreateBacklog();
  rs.Feed("0123456789");
  const std::string old_id = rs.replid();
  rs.ShiftReplId();
  EXPECT_NE(rs.replid(), old_id);
  EXPECT_EQ(rs.replid2(), old_id);
  EXPECT_EQ(rs.second_repl_offset(), 11);
  rs.Feed("abc");  // new history: 11..13
  // A replica of the old primary continues up to where the old history ended.
  EXPECT_TRUE(rs.CanPartialSync(old_id, 11));
  EXPECT_TRUE(rs.CanPartialSync(old_id, 5));
  EXPECT_FALSE(rs.CanPartialSync(old_id, 12));
  EXPECT_TRUE(rs.CanPartialSync(rs.replid(), 12));
  EXPECT_EQ(rs.BacklogFrom(11), "abc");
}

TEST(ReplStateTest, SetMasterResetsBacklogAtOffset) {
  ReplicationState rs(16);
  rs.CreateBacklog();
  rs.Feed("old");
  rs.ShiftReplId();
  std::string id(kReplIdLen, 'a');
  rs.SetMaster(id, 1000);
  EXPECT_EQ(rs.replid(), id);
  EXPECT_EQ(rs.replid2(), std::string(kReplIdLen, '0'));
  EXPECT_EQ(rs.second_repl_offset(), -1);
  EXPECT_EQ(rs.master_repl_offset(), 1000);
  EXPECT_EQ(rs.backlog_first_byte_offset(), 1001);
  EXPECT_EQ(rs.backlog_histlen(), 0);
  rs.Feed("xyz");
  EXPECT_EQ(rs.master_repl_offset(), 1003);
  EXPECT_EQ(rs.BacklogFrom(1001), "xyz");
  EXPECT_TRUE(rs.CanPartialSync(id, 1002));
  // SetMaster on a node without a backlog creates one.
  ReplicationState fresh(16);
  fresh.SetMaster(id, 5);
  EXPECT_TRUE(fresh.backlog_active());
  EXPECT_EQ(fresh.backlog_first_byte_offset(), 6);
}

TEST(ReplStateTest, ContinueWithNewReplIdAndFree) {
  ReplicationState rs(16);
  rs.CreateBacklog();
  rs.Feed("abcd");
  std::string old_id = rs.replid();
  std::string new_id(kReplIdLen, 'b');
  rs.ContinueWithNewReplId(new_id);
  EXPECT_EQ(rs.replid(), new_id);
  EXPECT_EQ(rs.replid2(), old_id);
  EXPECT_EQ(rs.second_repl_offset(), 5);
  EXPECT_EQ(rs.BacklogFrom(1), "abcd");
  rs.FreeBacklog();
  EXPECT_FALSE(rs.backlog_active());
  EXPECT_EQ(rs.backlog_histlen(), 0);
  EXPECT_FALSE(rs.CanPartialSync(new_id, 5));
}

TEST(ReplStateTest, ResizeKeepsNewestHistory) {
  ReplicationState rs(16);
  rs.CreateBacklog();
  rs.Feed("0123456789ABCDEF");  // wraps nothing yet, full
  rs.Feed("GH");                // wraps
  rs.SetBacklogSize(4);
  EXPECT_EQ(rs.backlog_size(), 4);
  EXPECT_EQ(rs.backlog_histlen(), 4);
  EXPECT_EQ(rs.backlog_first_byte_offset(), 15);
  EXPECT_EQ(rs.BacklogFrom(15), "EFGH");
  rs.Feed("IJ");
  EXPECT_EQ(rs.BacklogFrom(17), "GHIJ");
  rs.SetBacklogSize(32);
  EXPECT_EQ(rs.BacklogFrom(17), "GHIJ");
  rs.Feed("K");
  EXPECT_EQ(rs.BacklogFrom(17), "GHIJK");
}

// A primary restarted from an RDB with repl-id/repl-offset (Redis 7.0's loadDataFromDisk): the
// saved history becomes replid2, valid up to offset + 1, and the backlog starts there.
TEST(ReplStateTest, RestoreAsPrimaryLetsOldReplicasContinue) {
  ReplicationState rs(16);
  const std::string old_id(kReplIdLen, 'b');
  rs.RestoreAsPrimary(old_id, 1000);
  EXPECT_NE(rs.replid(), old_id);
  EXPECT_EQ(rs.replid2(), old_id);
  EXPECT_EQ(rs.second_repl_offset(), 1001);
  EXPECT_EQ(rs.master_repl_offset(), 1000);
  EXPECT_TRUE(rs.backlog_active());
  EXPECT_EQ(rs.backlog_first_byte_offset(), 1001);
  EXPECT_EQ(rs.backlog_histlen(), 0);
  EXPECT_TRUE(rs.CanPartialSync(old_id, 1001));
  EXPECT_FALSE(rs.CanPartialSync(old_id, 1002));  // past where the old history ended
  EXPECT_FALSE(rs.CanPartialSync(old_id, 1000));  // before the backlog
  rs.Feed("abc");
  EXPECT_EQ(rs.master_repl_offset(), 1003);
  EXPECT_EQ(rs.BacklogFrom(1001), "abc");
  EXPECT_TRUE(rs.CanPartialSync(old_id, 1001));
  EXPECT_TRUE(rs.CanPartialSync(rs.replid(), 1004));
}

// A replica restarted from its RDB takes the saved history as its own, without a backlog yet.
TEST(ReplStateTest, RestoreAsReplicaAdoptsSavedHistory) {
  ReplicationState rs(16);
  rs.CreateBacklog();
  rs.Feed("xyz");
  const std::string id(kReplIdLen, 'c');
  rs.RestoreAsReplica(id, 500);
  EXPECT_EQ(rs.replid(), id);
  EXPECT_EQ(rs.master_repl_offset(), 500);
  EXPECT_FALSE(rs.backlog_active());
  rs.CreateBacklog();
  EXPECT_EQ(rs.backlog_first_byte_offset(), 501);
}

}  // namespace
}  // namespace sable

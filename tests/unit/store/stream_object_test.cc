#include "server/store/stream_object.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sable {
namespace {

std::vector<StreamId> Ids(const StreamObject& s, StreamId from, StreamId to, bool rev) {
  std::vector<StreamId> out;
  s.Range(from, to, rev, [&](StreamId id, const StreamFields&) {
    out.push_back(id);
    return true;
  });
  return out;
}

TEST(StreamObjectTest, AppendAndRangeBothWaysAcrossBlocks) {
  StreamObject s;
  StreamLimits lim{4096, 3};
  std::vector<StreamId> want;
  for (uint64_t i = 1; i <= 10; ++i) {
    StreamId id{i / 3 + 1, i % 3};
    std::string v = std::to_string(i);
    // Alternate field names so some entries use the block's master fields and some do not.
    StreamFields fv = i % 2 ? StreamFields{"a", v, "b", v} : StreamFields{"x", v};
    s.Append(id, fv, lim);
    want.push_back(id);
  }
  EXPECT_EQ(s.size(), 10u);
  EXPECT_EQ(s.block_count(), 4u);
  EXPECT_EQ(Ids(s, {}, StreamId::Max(), false), want);
  std::vector<StreamId> rev(want.rbegin(), want.rend());
  EXPECT_EQ(Ids(s, {}, StreamId::Max(), true), rev);
  // Fields come back as they were added.
  std::vector<std::string> got;
  s.Range(want[2], want[3], false, [&](StreamId, const StreamFields& fv) {
    for (std::string_view f : fv) got.emplace_back(f);
    return true;
  });
  EXPECT_EQ(got, (std::vector<std::string>{"a", "3", "b", "3", "x", "4"}));
  // A sub-range starting inside a block.
  EXPECT_EQ(Ids(s, want[4], want[6], false),
            (std::vector<StreamId>{want[4], want[5], want[6]}));
  EXPECT_EQ(Ids(s, want[4], want[6], true),
            (std::vector<StreamId>{want[6], want[5], want[4]}));
}

TEST(StreamObjectTest, DeleteSkipsEntriesAndDropsEmptyBlocks) {
  StreamObject s;
  StreamLimits lim{4096, 2};
  for (uint64_t i = 1; i <= 4; ++i) s.Append({i, 0}, {"f", "v"}, lim);
  EXPECT_TRUE(s.Delete({1, 0}));
  EXPECT_FALSE(s.Delete({1, 0}));
  EXPECT_FALSE(s.Delete({9, 0}));
  EXPECT_EQ(s.first_id(), (StreamId{2, 0}));
  EXPECT_TRUE(s.Delete({2, 0}));
  EXPECT_EQ(s.block_count(), 1u);
  EXPECT_EQ(s.size(), 2u);
  EXPECT_FALSE(s.Contains({2, 0}));
  EXPECT_TRUE(s.Contains({3, 0}));
  EXPECT_EQ(s.last_id(), (StreamId{4, 0}));
  EXPECT_EQ(s.entries_added(), 4u);
}

TEST(StreamObjectTest, TrimExactAndApproximate) {
  StreamLimits lim{4096, 10};
  StreamObject s;
  for (uint64_t i = 1; i <= 35; ++i) s.Append({i, 0}, {"f", "v"}, lim);
  // Approximate: only whole blocks of 10 go.
  EXPECT_EQ(s.TrimMaxLen(22, true, 0), 10u);
  EXPECT_EQ(s.size(), 25u);
  EXPECT_EQ(s.TrimMaxLen(22, false, 0), 3u);
  EXPECT_EQ(s.first_id(), (StreamId{14, 0}));
  // LIMIT caps whole-block removal.
  EXPECT_EQ(s.TrimMinId({40, 0}, true, 5), 0u);
  EXPECT_EQ(s.TrimMinId({30, 0}, false, 0), 16u);
  EXPECT_EQ(s.first_id(), (StreamId{30, 0}));
  EXPECT_EQ(s.size(), 6u);
}

TEST(StreamObjectTest, ExactMinIdTrimDropsABlockItEmpties) {
  // The block's last entry is deleted and every live one is below MINID: the trim empties the
  // block, which must go rather than stay as an empty block.
  StreamObject s;
  StreamLimits lim{4096, 10};
  for (uint64_t i = 1; i <= 3; ++i) s.Append({i, 0}, {"f", "v"}, lim);
  ASSERT_TRUE(s.Delete({3, 0}));
  EXPECT_EQ(s.TrimMinId({3, 0}, false, 0), 2u);
  EXPECT_EQ(s.size(), 0u);
  EXPECT_EQ(s.block_count(), 0u);
  s.Append({4, 0}, {"f", "v"}, lim);
  EXPECT_EQ(Ids(s, {}, StreamId::Max(), false), (std::vector<StreamId>{{4, 0}}));
}

TEST(StreamObjectTest, SplitsBlocksWhereRedisListpacksFill) {
  // 1000-byte values: Redis starts a new node once its listpack plus the new entry reach 4096
  // bytes, so a node holds four such entries.
  StreamLimits lim{4096, 100};
  StreamObject s;
  std::string big(1000, 'x');
  for (uint64_t i = 1; i <= 7; ++i) s.Append({i, 0}, {"f", big}, lim);
  EXPECT_EQ(s.block_count(), 2u);
}

TEST(StreamObjectTest, GroupsPendingAndCloneKeepsPointers) {
  StreamObject s;
  s.Append({1, 0}, {"f", "v"}, {});
  s.Append({2, 0}, {"f", "v"}, {});
  StreamGroup* g = s.CreateGroup("g", {}, 0);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(s.CreateGroup("g", {}, 0), nullptr);
  StreamConsumer* alice = g->AddConsumer("alice", 5);
  StreamConsumer* bob = g->AddConsumer("bob", 6);
  g->Assign({1, 0}, alice);
  g->Assign({2, 0}, alice);
  g->Assign({2, 0}, bob);
  EXPECT_EQ(alice->pel.size(), 1u);
  EXPECT_EQ(bob->pel.size(), 1u);
  StreamObject copy(s);
  StreamGroup* cg = copy.FindGroup("g");
  ASSERT_NE(cg, nullptr);
  EXPECT_EQ(cg->pel.at({2, 0}).consumer, cg->FindConsumer("bob"));
  EXPECT_TRUE(g->Ack({1, 0}));
  EXPECT_FALSE(g->Ack({1, 0}));
  EXPECT_EQ(g->DeleteConsumer("bob"), 1u);
  EXPECT_TRUE(g->pel.empty());
  // The copy is independent.
  EXPECT_EQ(cg->pel.size(), 2u);
  int64_t lag = -2;
  EXPECT_TRUE(copy.GroupLag(*cg, &lag));
  EXPECT_EQ(lag, 2);
}

TEST(StreamObjectTest, IdIncrDecrAndBigEndianForm) {
  StreamId id{5, UINT64_MAX};
  EXPECT_TRUE(id.Incr());
  EXPECT_EQ(id, (StreamId{6, 0}));
  EXPECT_TRUE(id.Decr());
  EXPECT_EQ(id, (StreamId{5, UINT64_MAX}));
  StreamId max = StreamId::Max();
  EXPECT_FALSE(max.Incr());
  StreamId zero;
  EXPECT_FALSE(zero.Decr());
  char buf[16];
  StreamId x{0x0102030405060708ull, 9};
  x.EncodeBig(buf);
  EXPECT_EQ(buf[0], 1);
  EXPECT_EQ(StreamId::DecodeBig(buf), x);
  EXPECT_EQ(x.ToString(), "72623859790382856-9");
}

}  // namespace

// Many PEL entries: the group's btree moves its NACKs as it grows, so the consumers' own lists
// hold IDs and every view of the PEL stays consistent, also in a clone.
TEST(StreamObjectTest, LargePelStaysConsistent) {
  StreamObject s;
  StreamGroup* g = s.CreateGroup("g", {}, 0);
  StreamConsumer* a = g->AddConsumer("a", 1);
  StreamConsumer* b = g->AddConsumer("b", 1);
  for (uint64_t i = 1; i <= 2000; ++i) {
    StreamNack* n = g->Assign({i, 0}, i % 2 ? a : b);
    n->delivery_count = i;
  }
  for (uint64_t i = 1; i <= 2000; i += 4) g->Assign({i, 0}, b);
  EXPECT_EQ(a->pel.size() + b->pel.size(), 2000u);
  EXPECT_EQ(g->pel.at({1999, 0}).delivery_count, 1999u);
  StreamObject copy(s);
  StreamGroup* cg = copy.FindGroup("g");
  for (const auto& [id, nack] : cg->pel) {
    ASSERT_NE(nack.consumer, nullptr);
    EXPECT_EQ(nack.consumer->pel.count(id), 1u);
    EXPECT_EQ(nack.delivery_count, id.ms);
  }
  EXPECT_EQ(g->DeleteConsumer("a"), 500u);
  EXPECT_EQ(g->pel.size(), 1500u);
  EXPECT_EQ(cg->pel.size(), 2000u);
}

TEST(StreamObjectTest, LastLiveIdSkipsDeletedTail) {
  StreamObject s;
  EXPECT_EQ(s.last_live_id(), (StreamId{0, 0}));
  for (uint64_t i = 1; i <= 5; ++i) s.Append({i, 0}, {"f", "v"}, {});
  EXPECT_EQ(s.last_live_id(), (StreamId{5, 0}));
  EXPECT_TRUE(s.Delete({5, 0}));
  EXPECT_TRUE(s.Delete({4, 0}));
  EXPECT_EQ(s.last_live_id(), (StreamId{3, 0}));
  EXPECT_EQ(s.last_id(), (StreamId{5, 0}));
}

}  // namespace sable

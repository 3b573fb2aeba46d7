// The stream RDB codec: a stream with tombstones, groups, PELs and consumers comes back whole
// from type 19; type 21's active times are read; payloads whose groups contradict themselves
// are refused.
#include <gtest/gtest.h>

#include <string>

#include "server/persist/rdb_codec.h"
#include "server/persist/rdb_format.h"
#include "server/store/stream_object.h"

namespace sable {
namespace {

Entry* Load(const std::string& bytes, uint8_t type, std::string* err) {
  StringSource src(bytes);
  RdbDecoder dec(&src);
  Entry* e = StreamRdbCodec().Load("s", type, dec, RdbLoadEnv{});
  *err = dec.error();
  return e;
}

TEST(RdbStreamCodecTest, RoundTripKeepsEntriesGroupsAndCounters) {
  auto* s = new StreamObject();
  for (uint64_t i = 1; i <= 250; ++i) {
    std::string v = std::to_string(i);
    if (i % 5 == 0) {
      s->Append({i, i % 3}, {"other", v}, {});
    } else {
      s->Append({i, i % 3}, {"f", v, "g", "x"}, {});
    }
  }
  ASSERT_TRUE(s->Delete({7, 1}));
  s->set_max_deleted_id({7, 1});
  StreamGroup* g = s->CreateGroup("g", {20, 2}, 20);
  StreamConsumer* a = g->AddConsumer("a", 111);
  a->active_time = 222;
  g->AddConsumer("idle", 333);
  StreamNack* n = g->Assign({3, 0}, a);
  n->delivery_time = 444;
  n->delivery_count = 5;
  g->Assign({7, 1}, a);  // a deleted entry can stay pending
  Entry* e = Entry::NewObject("s", ObjType::kStream, s);

  std::string bytes;
  StringSink sink(&bytes);
  RdbEncoder enc(&sink, false);
  EXPECT_EQ(StreamRdbCodec().SaveType(*e), kRdbTypeStreamListpacks2);
  ASSERT_TRUE(StreamRdbCodec().Save(*e, enc));
  std::string err;
  Entry* back = Load(bytes, kRdbTypeStreamListpacks2, &err);
  ASSERT_NE(back, nullptr) << err;
  const auto* t = back->As<StreamObject>();
  EXPECT_EQ(t->size(), 249u);
  EXPECT_EQ(t->last_id(), s->last_id());
  EXPECT_EQ(t->max_deleted_id(), (StreamId{7, 1}));
  EXPECT_EQ(t->entries_added(), 250u);
  EXPECT_FALSE(t->Contains({7, 1}));
  std::vector<std::string> got, want;
  auto flat = [](std::vector<std::string>* out) {
    return [out](StreamId id, const StreamFields& fv) {
      out->push_back(id.ToString());
      for (std::string_view x : fv) out->emplace_back(x);
      return true;
    };
  };
  s->Range({}, StreamId::Max(), false, flat(&want));
  t->Range({}, StreamId::Max(), false, flat(&got));
  EXPECT_EQ(got, want);
  const StreamGroup* tg = t->FindGroup("g");
  ASSERT_NE(tg, nullptr);
  EXPECT_EQ(tg->last_id, (StreamId{20, 2}));
  EXPECT_EQ(tg->entries_read, 20);
  ASSERT_EQ(tg->pel.size(), 2u);
  EXPECT_EQ(tg->pel.at({3, 0}).delivery_time, 444);
  EXPECT_EQ(tg->pel.at({3, 0}).delivery_count, 5u);
  EXPECT_EQ(tg->pel.at({3, 0}).consumer, tg->FindConsumer("a"));
  EXPECT_EQ(tg->FindConsumer("a")->seen_time, 111);
  // Type 19 has no active time: it reads as the seen time, as Redis 7.2 does.
  EXPECT_EQ(tg->FindConsumer("a")->active_time, 111);
  ASSERT_NE(tg->FindConsumer("idle"), nullptr);
  EXPECT_TRUE(tg->FindConsumer("idle")->pel.empty());
  Entry::Free(back);

  // Every truncation is refused.
  for (size_t cut = 0; cut < bytes.size(); cut += 13) {
    Entry* part = Load(bytes.substr(0, cut), kRdbTypeStreamListpacks2, &err);
    EXPECT_EQ(part, nullptr) << cut;
    EXPECT_FALSE(err.empty());
  }
  Entry::Free(e);
}

// The tail of an empty stream's payload: length, last, first, max deleted, entries added.
void EmptyHeader(RdbEncoder& enc) {
  enc.Length(0);  // nodes
  enc.Length(0);
  for (int i = 0; i < 6; ++i) enc.Length(i < 2 ? 9 : 0);  // last 9-9, first 0-0, max deleted
  enc.Length(0);  // entries added
}

void RawId(RdbEncoder& enc, StreamId id) {
  char b[16];
  id.EncodeBig(b);
  enc.Raw(b, 16);
}

TEST(RdbStreamCodecTest, Type21ActiveTimeAndInconsistentGroupsRefused) {
  auto payload = [](int owners, bool dup_consumer, bool type21) {
    std::string bytes;
    StringSink sink(&bytes);
    RdbEncoder enc(&sink, false);
    EmptyHeader(enc);
    enc.Length(1);  // groups
    enc.String("g");
    enc.Length(9);
    enc.Length(9);
    enc.Length(0);  // entries read
    enc.Length(1);  // group PEL
    RawId(enc, {5, 0});
    enc.MillisecondTime(100);
    enc.Length(1);
    enc.Length(dup_consumer ? 2 : 1);
    for (int c = 0; c < (dup_consumer ? 2 : 1); ++c) {
      enc.String("c");
      enc.MillisecondTime(10);
      if (type21) enc.MillisecondTime(20);
      enc.Length(c == 0 ? owners : 0);
      for (int k = 0; k < owners && c == 0; ++k) RawId(enc, {5, 0});
    }
    return bytes;
  };
  std::string err;
  Entry* e = Load(payload(1, false, true), kRdbTypeStreamListpacks3, &err);
  ASSERT_NE(e, nullptr) << err;
  EXPECT_EQ(e->As<StreamObject>()->FindGroup("g")->FindConsumer("c")->active_time, 20);
  Entry::Free(e);
  // A group entry nobody owns, one owned twice, and a repeated consumer are all refused.
  EXPECT_EQ(Load(payload(0, false, true), kRdbTypeStreamListpacks3, &err), nullptr);
  EXPECT_EQ(Load(payload(2, false, true), kRdbTypeStreamListpacks3, &err), nullptr);
  EXPECT_EQ(Load(payload(1, true, true), kRdbTypeStreamListpacks3, &err), nullptr);
  // Read as type 19, the active time is taken for the next field and the payload falls apart.
  EXPECT_EQ(Load(payload(1, false, true), kRdbTypeStreamListpacks2, &err), nullptr);
}

}  // namespace
}  // namespace sable

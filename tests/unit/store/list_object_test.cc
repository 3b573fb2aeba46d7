#include "server/store/list_object.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "server/persist/rdb_reader.h"
#include "server/persist/rdb_writer.h"

namespace sable {
namespace {

std::vector<std::string> Contents(const ListObject& l) {
  std::vector<std::string> out;
  l.ForEach([&](std::string_view v) { out.emplace_back(v); });
  return out;
}

std::vector<std::string> Reversed(const ListObject& l, size_t start) {
  std::vector<std::string> out;
  l.Walk(start, true, [&](std::string_view v) {
    out.emplace_back(v);
    return true;
  });
  return out;
}

std::string Value(std::mt19937_64& gen) {
  // Mostly short values, some long enough to fill a node by themselves.
  size_t len = gen() % 10 == 0 ? gen() % 9000 : gen() % 40;
  std::string v(len, 'a');
  for (char& c : v) c = static_cast<char>('a' + gen() % 26);
  return v;
}

TEST(ListObjectTest, ElementCodecReadsBothWays) {
  std::string buf;
  std::vector<std::string> values = {"", "a", std::string(127, 'x'), std::string(128, 'y'),
                                     std::string(70000, 'z')};
  for (const auto& v : values) ListObject::AppendElement(&buf, v);
  const char* p = buf.data();
  for (const auto& v : values) EXPECT_EQ(ListObject::ReadForward(&p), v);
  EXPECT_EQ(p, buf.data() + buf.size());
  const char* end = buf.data() + buf.size();
  for (size_t i = values.size(); i-- > 0;) EXPECT_EQ(ListObject::ReadBackward(&end), values[i]);
  EXPECT_EQ(end, buf.data());
}

TEST(ListObjectTest, PositiveFillCountsEntriesPerNode) {
  ListObject l(ListLimits{5, 0});
  for (int i = 0; i < 12; ++i) l.Push(std::to_string(i), false);
  EXPECT_EQ(l.node_count(), 3u);
  EXPECT_EQ(l.fill(), 5);
  l.Push("h", true);  // the head node holds 5: a new one
  EXPECT_EQ(l.node_count(), 4u);
  ListObject one(ListLimits{0, 0});
  for (int i = 0; i < 4; ++i) one.Push("x", false);
  EXPECT_EQ(one.node_count(), 4u);
  EXPECT_EQ(one.fill(), 0);
}

TEST(ListObjectTest, NegativeFillBoundsNodeBytes) {
  ListObject l(ListLimits{-1, 0});  // 4 KB nodes
  for (int i = 0; i < 100; ++i) l.Push(std::string(100, 'v'), false);
  EXPECT_GE(l.node_count(), 3u);
  EXPECT_LE(l.node_count(), 4u);
  EXPECT_EQ(l.size(), 100u);
}

TEST(ListObjectTest, CompressDepthCompressesInteriorNodesOnly) {
  ListObject l(ListLimits{4, 1});
  std::vector<std::string> model;
  for (int i = 0; i < 40; ++i) {
    model.push_back("element number " + std::to_string(i) + std::string(30, 'q'));
    l.Push(model.back(), false);
  }
  EXPECT_EQ(l.node_count(), 10u);
  EXPECT_EQ(l.compressed_nodes(), 8u);
  EXPECT_EQ(Contents(l), model);
  EXPECT_EQ(*l.Index(21), model[21]);
  l.Set(21, "changed");
  model[21] = "changed";
  EXPECT_EQ(Contents(l), model);
  // Popping the ends uncovers compressed nodes, which must open as they become edges.
  for (int i = 0; i < 17; ++i) {
    EXPECT_EQ(l.Pop(true), model.front());
    model.erase(model.begin());
    EXPECT_EQ(l.Pop(false), model.back());
    model.pop_back();
  }
  EXPECT_EQ(Contents(l), model);
  EXPECT_EQ(l.compressed_nodes(), 0u);
}

TEST(ListObjectTest, InsertRemoveTrim) {
  ListObject l(ListLimits{3, 0});
  for (const char* v : {"a", "b", "c", "b", "d", "b"}) l.Push(v, false);
  EXPECT_TRUE(l.Insert("c", "C", true));
  EXPECT_TRUE(l.Insert("a", "A", false));
  EXPECT_FALSE(l.Insert("zz", "x", true));
  EXPECT_EQ(Contents(l), (std::vector<std::string>{"A", "a", "b", "c", "C", "b", "d", "b"}));
  EXPECT_EQ(l.Remove("b", -1), 1u);
  EXPECT_EQ(Contents(l), (std::vector<std::string>{"A", "a", "b", "c", "C", "b", "d"}));
  EXPECT_EQ(l.Remove("b", 0), 2u);
  EXPECT_EQ(l.Remove("nothing", 0), 0u);
  l.Trim(1, 1);
  EXPECT_EQ(Contents(l), (std::vector<std::string>{"a", "c", "C"}));
  EXPECT_EQ(Reversed(l, 1), (std::vector<std::string>{"c", "a"}));
  EXPECT_FALSE(l.Index(3).has_value());
}

// Random operations against a std::deque, for several fills and depths.
TEST(ListObjectTest, MatchesDequeModel) {
  for (ListLimits limits : {ListLimits{-2, 0}, ListLimits{4, 1}, ListLimits{1, 2},
                            ListLimits{-5, 3}, ListLimits{7, 0}}) {
    std::mt19937_64 gen(static_cast<uint64_t>(limits.fill * 31 + limits.compress_depth));
    ListObject l(limits);
    std::deque<std::string> model;
    for (int step = 0; step < 3000; ++step) {
      uint64_t op = gen() % 10;
      if (op < 4 || model.empty()) {
        std::string v = Value(gen);
        bool front = gen() & 1;
        l.Push(v, front);
        front ? model.push_front(v) : model.push_back(v);
      } else if (op == 4) {
        bool front = gen() & 1;
        ASSERT_EQ(l.Pop(front), front ? model.front() : model.back());
        front ? model.pop_front() : model.pop_back();
      } else if (op == 5) {
        size_t i = gen() % model.size();
        std::string v = Value(gen);
        l.Set(i, v);
        model[i] = v;
      } else if (op == 6) {
        size_t i = gen() % model.size();
        std::string pivot = model[i];
        std::string v = Value(gen);
        bool after = gen() & 1;
        ASSERT_TRUE(l.Insert(pivot, v, after));
        auto it = std::find(model.begin(), model.end(), pivot);
        model.insert(after ? it + 1 : it, v);
      } else if (op == 7) {
        std::string v = model[gen() % model.size()];
        int64_t count = static_cast<int64_t>(gen() % 5) - 2;
        size_t removed = 0;
        if (count >= 0) {
          for (auto it = model.begin(); it != model.end();) {
            if (*it == v && (count == 0 || removed < static_cast<size_t>(count))) {
              it = model.erase(it);
              ++removed;
            } else {
              ++it;
            }
          }
        } else {
          for (size_t k = model.size(); k-- > 0;) {
            if (model[k] == v && removed < static_cast<size_t>(-count)) {
              model.erase(model.begin() + static_cast<ptrdiff_t>(k));
              ++removed;
            }
          }
        }
        ASSERT_EQ(l.Remove(v, count), removed);
      } else if (op == 8 && model.size() > 20) {
        size_t front = gen() % 4, back = gen() % 4;
        l.Trim(front, back);
        model.erase(model.begin(), model.begin() + static_cast<ptrdiff_t>(front));
        model.erase(model.end() - static_cast<ptrdiff_t>(back), model.end());
      } else {
        size_t i = gen() % model.size();
        ASSERT_EQ(*l.Index(i), model[i]);
      }
      ASSERT_EQ(l.size(), model.size());
    }
    EXPECT_EQ(Contents(l), std::vector<std::string>(model.begin(), model.end()));
    size_t start = model.size() / 3;
    EXPECT_EQ(Reversed(l, start),
              std::vector<std::string>(model.rbegin() + static_cast<ptrdiff_t>(start),
                                       model.rend()));
    std::unique_ptr<Object> copy(l.Clone());
    EXPECT_EQ(Contents(*static_cast<ListObject*>(copy.get())), Contents(l));
    EXPECT_GT(l.Footprint(), 0u);
  }
}

TEST(ListObjectTest, DumpPayloadRoundTripsNodesAndElements) {
  for (ListLimits limits : {ListLimits{-2, 0}, ListLimits{3, 1}}) {
    auto* l = new ListObject(limits);
    std::vector<std::string> model = {"", "0", "-5", "70000", "9223372036854775807",
                                      "x", std::string(5000, 'b'), std::string("\0\r\n", 3)};
    for (const auto& v : model) l->Push(v, false);
    Entry* e = Entry::NewObject("l", ObjType::kList, l);
    std::string payload, err;
    ASSERT_TRUE(DumpPayload(*e, true, &payload, &err)) << err;
    EXPECT_EQ(static_cast<uint8_t>(payload[0]), 18);  // RDB_TYPE_LIST_QUICKLIST_2
    ASSERT_TRUE(VerifyDumpPayload(payload));
    Entry* back = DecodeDumpPayload("l", payload, RdbLoadEnv{}, &err);
    ASSERT_NE(back, nullptr) << err;
    EXPECT_EQ(Contents(*back->As<ListObject>()), model);
    Entry::Free(back);
    Entry::Free(e);
  }
}

}  // namespace
}  // namespace sable

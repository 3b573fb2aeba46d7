// Field TTLs of HashObject (listpackex / table + heap) and the per-db HashTtlIndex.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "server/store/hash_object.h"
#include "server/store/hash_ttl_index.h"

namespace sable {
namespace {

using Model = std::map<std::string, std::pair<std::string, int64_t>>;

Model Contents(const HashObject& h) {
  Model out;
  h.ForEachWithTtl([&](std::string_view f, std::string_view v, int64_t when) {
    EXPECT_TRUE(out.emplace(std::string(f), std::make_pair(std::string(v), when)).second) << f;
  });
  return out;
}

int64_t ModelMin(const Model& m) {
  int64_t min = kNoFieldTtl;
  for (const auto& [f, vw] : m) {
    if (vw.second != kNoFieldTtl && (min == kNoFieldTtl || vw.second < min)) min = vw.second;
  }
  return min;
}

// The compact layout keeps volatile fields first, by TTL, and persistent ones last.
void ExpectCompactOrder(const HashObject& h) {
  if (!h.compact()) return;
  std::vector<int64_t> ttls;
  h.ForEachWithTtl([&](std::string_view, std::string_view, int64_t w) { ttls.push_back(w); });
  bool seen_persistent = false;
  int64_t last = -1;
  for (int64_t w : ttls) {
    if (w == kNoFieldTtl) {
      seen_persistent = true;
      continue;
    }
    EXPECT_FALSE(seen_persistent) << "a volatile field after a persistent one";
    EXPECT_GE(w, last);
    last = w;
  }
}

TEST(HashObjectTtlTest, FirstTtlMakesListpackExAndLastPersistMakesListpack) {
  CompactLimits limits;
  HashObject h;
  h.Set("a", "1", limits);
  h.Set("b", "2", limits);
  h.Set("c", "3", limits);
  EXPECT_STREQ(h.EncodingName(), "listpack");
  EXPECT_FALSE(h.has_field_ttls());
  EXPECT_EQ(h.MinExpire(), kNoFieldTtl);
  EXPECT_FALSE(h.SetExpire("nope", 100));
  EXPECT_STREQ(h.EncodingName(), "listpack");

  EXPECT_TRUE(h.SetExpire("c", 5000));
  EXPECT_TRUE(h.SetExpire("a", 7000));
  EXPECT_STREQ(h.EncodingName(), "listpackex");
  EXPECT_EQ(h.MinExpire(), 5000);
  EXPECT_EQ(h.size(), 3u);
  // Storage order: by TTL, then the field without one.
  std::vector<std::string> order;
  h.ForEach([&](std::string_view f, std::string_view) { order.emplace_back(f); });
  EXPECT_EQ(order, (std::vector<std::string>{"c", "a", "b"}));

  std::string_view v;
  int64_t when;
  ASSERT_TRUE(h.Lookup("a", &v, &when));
  EXPECT_EQ(v, "1");
  EXPECT_EQ(when, 7000);
  ASSERT_TRUE(h.Lookup("b", &v, &when));
  EXPECT_EQ(when, kNoFieldTtl);

  EXPECT_FALSE(h.Persist("b"));  // no TTL
  EXPECT_FALSE(h.Persist("zz"));
  EXPECT_TRUE(h.Persist("c"));
  EXPECT_EQ(h.MinExpire(), 7000);
  EXPECT_STREQ(h.EncodingName(), "listpackex");
  EXPECT_TRUE(h.Persist("a"));
  EXPECT_EQ(h.MinExpire(), kNoFieldTtl);
  EXPECT_STREQ(h.EncodingName(), "listpack");
  EXPECT_EQ(Contents(h), (Model{{"a", {"1", -1}}, {"b", {"2", -1}}, {"c", {"3", -1}}}));
}

// Fields a=1 and b=2 with TTLs ta and tb, compact or as a table.
void TwoFieldsWithTtls(HashObject* h, bool table, int64_t ta, int64_t tb) {
  CompactLimits limits;
  h->Set("a", "1", limits);
  h->Set("b", "2", limits);
  if (table) h->ConvertToTable();
  h->SetExpire("a", ta);
  h->SetExpire("b", tb);
}

TEST(HashObjectTtlTest, SetDropsTtlUnlessKeepTtl) {
  for (bool table : {false, true}) {
    SCOPED_TRACE(table ? "table" : "compact");
    CompactLimits limits;
    HashObject h;
    TwoFieldsWithTtls(&h, table, 1000, 2000);
    EXPECT_FALSE(h.Set("a", "one", limits, /*keep_ttl=*/true));
    EXPECT_FALSE(h.Set("b", "two", limits));  // HSET: the TTL goes
    EXPECT_EQ(Contents(h), (Model{{"a", {"one", 1000}}, {"b", {"two", -1}}}));
    EXPECT_EQ(h.MinExpire(), 1000);
    // A longer value in place keeps the heap consistent.
    EXPECT_FALSE(h.Set("a", std::string(40, 'x'), limits, true));
    EXPECT_EQ(h.MinExpire(), 1000);
    EXPECT_FALSE(h.Set("a", "1", limits));
    EXPECT_EQ(h.MinExpire(), kNoFieldTtl);
    EXPECT_FALSE(h.has_field_ttls());
    EXPECT_STREQ(h.EncodingName(), table ? "hashtable" : "listpack");
    // A new field set with keep_ttl has none.
    EXPECT_TRUE(h.Set("c", "3", limits, true));
    EXPECT_EQ(Contents(h)["c"].second, kNoFieldTtl);
  }
}

TEST(HashObjectTtlTest, ExpireFieldsCutsEarliestFirstUpToMax) {
  for (bool table : {false, true}) {
    SCOPED_TRACE(table ? "table" : "compact");
    CompactLimits limits;
    HashObject h;
    for (int i = 0; i < 10; ++i) h.Set("f" + std::to_string(i), "v", limits);
    if (table) h.ConvertToTable();
    for (int i = 0; i < 6; ++i) h.SetExpire("f" + std::to_string(i), 100 * (6 - i));
    // f5@100 f4@200 f3@300 f2@400 f1@500 f0@600; f6..f9 persistent
    std::vector<std::string> gone;
    auto collect = [&](std::string_view f) { gone.emplace_back(f); };
    EXPECT_EQ(h.ExpireFields(99, 100, collect), 0u);
    EXPECT_EQ(h.ExpireFields(450, 2, collect), 2u);
    EXPECT_EQ(gone, (std::vector<std::string>{"f5", "f4"}));
    EXPECT_EQ(h.size(), 8u);
    EXPECT_EQ(h.MinExpire(), 300);
    EXPECT_EQ(h.ExpireFields(450, 100, collect), 2u);
    EXPECT_EQ(gone.back(), "f2");
    EXPECT_EQ(h.MinExpire(), 500);
    EXPECT_EQ(h.ExpireFields(1'000'000, 100, collect), 2u);
    EXPECT_EQ(h.size(), 4u);
    EXPECT_EQ(h.MinExpire(), kNoFieldTtl);
    EXPECT_STREQ(h.EncodingName(), table ? "hashtable" : "listpack");
    EXPECT_EQ(h.ExpireFields(1'000'000, 100, collect), 0u);
    EXPECT_EQ(gone.size(), 6u);
    EXPECT_FALSE(h.Get("f0").has_value());
    EXPECT_EQ(h.Get("f9"), "v");
  }
}

TEST(HashObjectTtlTest, ConversionAndCloneKeepTtls) {
  CompactLimits limits{4, 64};
  HashObject h;
  for (int i = 0; i < 4; ++i) h.Set("f" + std::to_string(i), "v" + std::to_string(i), limits);
  h.SetExpire("f1", 111);
  h.SetExpire("f3", 333);
  Model before = Contents(h);
  std::unique_ptr<HashObject> compact_copy(static_cast<HashObject*>(h.Clone()));
  EXPECT_STREQ(compact_copy->EncodingName(), "listpackex");
  EXPECT_EQ(Contents(*compact_copy), before);

  // The fifth field converts; TTLs survive the conversion.
  EXPECT_TRUE(h.Set("f4", "v4", limits));
  EXPECT_STREQ(h.EncodingName(), "hashtable");
  before["f4"] = {"v4", kNoFieldTtl};
  EXPECT_EQ(Contents(h), before);
  EXPECT_EQ(h.MinExpire(), 111);
  std::unique_ptr<HashObject> table_copy(static_cast<HashObject*>(h.Clone()));
  EXPECT_EQ(Contents(*table_copy), before);
  EXPECT_EQ(table_copy->MinExpire(), 111);
  // The copies are independent.
  std::vector<std::string> gone;
  EXPECT_EQ(table_copy->ExpireFields(200, 10, [&](std::string_view f) { gone.emplace_back(f); }),
            1u);
  EXPECT_EQ(gone, std::vector<std::string>{"f1"});
  EXPECT_EQ(h.MinExpire(), 111);
  EXPECT_EQ(compact_copy->MinExpire(), 111);

  // A long value converts a listpackex hash too.
  HashObject g;
  g.Set("a", "1", limits);
  g.SetExpire("a", 42);
  g.Set("b", std::string(100, 'y'), limits);
  EXPECT_STREQ(g.EncodingName(), "hashtable");
  EXPECT_EQ(g.MinExpire(), 42);
}

TEST(HashObjectTtlTest, DeleteDropsHeapSlotAndLayout) {
  for (bool table : {false, true}) {
    SCOPED_TRACE(table ? "table" : "compact");
    CompactLimits limits;
    HashObject h;
    TwoFieldsWithTtls(&h, table, 10, 20);
    EXPECT_TRUE(h.Delete("a"));
    EXPECT_EQ(h.MinExpire(), 20);
    EXPECT_TRUE(h.Delete("b"));
    EXPECT_EQ(h.MinExpire(), kNoFieldTtl);
    EXPECT_EQ(h.size(), 0u);
    EXPECT_FALSE(h.Delete("b"));
  }
}

TEST(HashObjectTtlTest, TtlItemEncoding) {
  for (int64_t w : {int64_t{0}, int64_t{1}, int64_t{255}, int64_t{256}, int64_t{1'700'000'000'000},
                    (int64_t{1} << 48) - 1}) {
    std::string item = HashObject::EncodeTtl(w);
    EXPECT_FALSE(item.empty());
    EXPECT_EQ(HashObject::DecodeTtl(item), w);
  }
  EXPECT_TRUE(HashObject::EncodeTtl(kNoFieldTtl).empty());
  EXPECT_EQ(HashObject::DecodeTtl(""), kNoFieldTtl);
}

// Random operations on both encodings against a model, including a TTL of 0 ms (a valid time).
TEST(HashObjectTtlTest, RandomOperationsMatchModel) {
  for (uint64_t max_entries : {uint64_t{16}, uint64_t{1000}}) {
    SCOPED_TRACE(max_entries);
    CompactLimits limits{max_entries, 64};
    std::mt19937_64 gen(7 + max_entries);
    HashObject h;
    Model m;
    int64_t now = 0;
    for (int step = 0; step < 20000; ++step) {
      std::string f = "f" + std::to_string(gen() % 40);
      switch (gen() % 8) {
        case 0:
        case 1: {
          std::string v = std::to_string(gen() % 1000);
          bool keep = gen() % 2;
          bool fresh = m.find(f) == m.end();
          EXPECT_EQ(h.Set(f, v, limits, keep), fresh);
          int64_t when = (!fresh && keep) ? m[f].second : kNoFieldTtl;
          m[f] = {v, when};
          break;
        }
        case 2:
          EXPECT_EQ(h.Delete(f), m.erase(f) == 1);
          break;
        case 3:
        case 4: {
          int64_t when = now + static_cast<int64_t>(gen() % 500);
          bool present = m.count(f) == 1;
          EXPECT_EQ(h.SetExpire(f, when), present);
          if (present) m[f].second = when;
          break;
        }
        case 5: {
          auto it = m.find(f);
          bool had = it != m.end() && it->second.second != kNoFieldTtl;
          EXPECT_EQ(h.Persist(f), had);
          if (had) it->second.second = kNoFieldTtl;
          break;
        }
        case 6: {
          now += static_cast<int64_t>(gen() % 50);
          size_t max = 1 + gen() % 5;
          std::vector<std::string> gone;
          size_t n = h.ExpireFields(now, max, [&](std::string_view x) { gone.emplace_back(x); });
          EXPECT_EQ(n, gone.size());
          EXPECT_LE(n, max);
          int64_t prev = -1;
          for (const std::string& g : gone) {
            auto it = m.find(g);
            ASSERT_NE(it, m.end()) << g;
            EXPECT_NE(it->second.second, kNoFieldTtl);
            EXPECT_LE(it->second.second, now);
            EXPECT_GE(it->second.second, prev);  // earliest first
            prev = it->second.second;
            m.erase(it);
          }
          if (n < max) {
            int64_t min = ModelMin(m);
            EXPECT_TRUE(min == kNoFieldTtl || min > now) << "an expired field was left";
          }
          break;
        }
        default: {
          std::string_view v;
          int64_t when;
          auto it = m.find(f);
          ASSERT_EQ(h.Lookup(f, &v, &when), it != m.end());
          if (it != m.end()) {
            EXPECT_EQ(v, it->second.first);
            EXPECT_EQ(when, it->second.second);
          }
        }
      }
      ASSERT_EQ(h.size(), m.size());
      ASSERT_EQ(h.MinExpire(), ModelMin(m)) << step;
      if (step % 97 == 0) {
        ASSERT_EQ(Contents(h), m) << step;
        ExpectCompactOrder(h);
        bool ttls = ModelMin(m) != kNoFieldTtl;
        if (h.compact()) {
          EXPECT_STREQ(h.EncodingName(), ttls ? "listpackex" : "listpack");
        }
      }
    }
    if (max_entries == 16) {
      EXPECT_STREQ(h.EncodingName(), "hashtable");
    } else {
      EXPECT_TRUE(h.compact());
    }
  }
}

TEST(HashTtlIndexTest, EarliestFollowsLowerSetRemove) {
  HashTtlIndex idx(1234);
  std::string_view key;
  int64_t when;
  EXPECT_FALSE(idx.Earliest(&key, &when));
  idx.Lower("a", 500);
  idx.Lower("b", 300);
  idx.Lower("c", 400);
  EXPECT_EQ(idx.size(), 3u);
  ASSERT_TRUE(idx.Earliest(&key, &when));
  EXPECT_EQ(key, "b");
  EXPECT_EQ(when, 300);
  idx.Lower("b", 900);  // never later
  ASSERT_TRUE(idx.Earliest(&key, &when));
  EXPECT_EQ(key, "b");
  idx.Set("b", 900);  // the cycle moves it exactly
  ASSERT_TRUE(idx.Earliest(&key, &when));
  EXPECT_EQ(key, "c");
  idx.Lower("a", 100);
  ASSERT_TRUE(idx.Earliest(&key, &when));
  EXPECT_EQ(key, "a");
  EXPECT_EQ(when, 100);
  idx.Remove("a");
  idx.Remove("missing");
  ASSERT_TRUE(idx.Earliest(&key, &when));
  EXPECT_EQ(key, "c");
  EXPECT_EQ(idx.size(), 2u);
  std::vector<std::string> keys;
  idx.ForEach([&](std::string_view k) { keys.emplace_back(k); });
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{"b", "c"}));
  idx.Clear();
  EXPECT_EQ(idx.size(), 0u);
  EXPECT_FALSE(idx.Earliest(&key, &when));
}

TEST(HashTtlIndexTest, ManyKeysPopInTimeOrder) {
  HashTtlIndex idx(99);
  std::mt19937_64 gen(3);
  std::map<std::string, int64_t> model;
  for (int i = 0; i < 2000; ++i) {
    std::string k = "k" + std::to_string(gen() % 700);
    int64_t w = static_cast<int64_t>(gen() % 100000);
    switch (gen() % 3) {
      case 0: {
        idx.Lower(k, w);
        auto it = model.find(k);
        if (it == model.end() || w < it->second) model[k] = w;
        break;
      }
      case 1:
        idx.Set(k, w);
        model[k] = w;
        break;
      default:
        idx.Remove(k);
        model.erase(k);
    }
  }
  ASSERT_EQ(idx.size(), model.size());
  int64_t prev = -1;
  while (idx.size() > 0) {
    std::string_view key;
    int64_t when;
    ASSERT_TRUE(idx.Earliest(&key, &when));
    EXPECT_GE(when, prev);
    prev = when;
    std::string k(key);
    ASSERT_EQ(model.at(k), when);
    model.erase(k);
    idx.Remove(k);
  }
  EXPECT_TRUE(model.empty());
}

}  // namespace
}  // namespace sable

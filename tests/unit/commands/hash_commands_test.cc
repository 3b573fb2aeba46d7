#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <set>

#include "tests/unit/core/server_test_base.h"

namespace sable {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

class HashCommandsTest : public ServerTestBase {};

TEST_F(HashCommandsTest, SetGetAndCounts) {
  EXPECT_THAT(Run({"HSET", "h", "a", "1", "b", "2"}), IsInt(2));
  EXPECT_THAT(Run({"HSET", "h", "a", "10", "c", "3"}), IsInt(1));
  EXPECT_THAT(Run({"HGET", "h", "a"}), IsBulk("10"));
  EXPECT_THAT(Run({"HGET", "h", "zz"}), IsNil());
  EXPECT_THAT(Run({"HGET", "nokey", "a"}), IsNil());
  EXPECT_THAT(Run({"HLEN", "h"}), IsInt(3));
  EXPECT_THAT(Run({"HSTRLEN", "h", "a"}), IsInt(2));
  EXPECT_THAT(Run({"HEXISTS", "h", "b"}), IsInt(1));
  EXPECT_THAT(Run({"HEXISTS", "h", "q"}), IsInt(0));
  EXPECT_THAT(Run({"HSETNX", "h", "a", "x"}), IsInt(0));
  EXPECT_THAT(Run({"HSETNX", "h", "d", "4"}), IsInt(1));
  EXPECT_THAT(Run({"HMSET", "h", "e", "5"}), IsOk());
  EXPECT_THAT(StrArray(Run({"HMGET", "h", "a", "nope", "e"})), ElementsAre("10", "(nil)", "5"));
  EXPECT_THAT(StrArray(Run({"HMGET", "nokey", "a"})), ElementsAre("(nil)"));
  EXPECT_THAT(StrArray(Run({"HKEYS", "h"})), UnorderedElementsAre("a", "b", "c", "d", "e"));
  EXPECT_THAT(StrArray(Run({"HVALS", "h"})), UnorderedElementsAre("10", "2", "3", "4", "5"));
  EXPECT_THAT(Run({"HGETALL", "h"}), IsArrayOfSize(10));
  EXPECT_THAT(Run({"TYPE", "h"}), IsSimple("hash"));
  EXPECT_THAT(Run({"OBJECT", "ENCODING", "h"}), IsBulk("listpack"));
}

TEST_F(HashCommandsTest, ArityAndWrongType) {
  EXPECT_THAT(Run({"HSET", "h", "a"}), IsError("ERR wrong number of arguments for 'hset'"));
  EXPECT_THAT(Run({"HSET", "h", "a", "1", "b"}), IsError("ERR wrong number of arguments"));
  EXPECT_THAT(Run({"SET", "s", "x"}), IsOk());
  for (auto cmd : std::vector<std::vector<std::string>>{
           {"HSET", "s", "a", "1"}, {"HGET", "s", "a"}, {"HMGET", "s", "a"}, {"HDEL", "s", "a"},
           {"HLEN", "s"}, {"HGETALL", "s"}, {"HINCRBY", "s", "a", "1"}, {"HSCAN", "s", "0"},
           {"HRANDFIELD", "s"}, {"HEXISTS", "s", "a"}}) {
    EXPECT_THAT(Run(cmd), IsError("WRONGTYPE")) << cmd[0];
  }
  EXPECT_THAT(Run({"HSET", "h", "a", "1"}), IsInt(1));
  EXPECT_THAT(Run({"GET", "h"}), IsError("WRONGTYPE"));
  EXPECT_THAT(StrArray(Run({"MGET", "h", "s"})), ElementsAre("(nil)", "x"));
}

TEST_F(HashCommandsTest, DelRemovesKeyWithLastField) {
  Run({"HSET", "h", "a", "1", "b", "2"});
  EXPECT_THAT(Run({"HDEL", "h", "a", "zz"}), IsInt(1));
  EXPECT_THAT(Run({"HDEL", "h", "b", "b"}), IsInt(1));
  EXPECT_THAT(Run({"EXISTS", "h"}), IsInt(0));
  EXPECT_THAT(Run({"HDEL", "h", "b"}), IsInt(0));
}

TEST_F(HashCommandsTest, Increments) {
  EXPECT_THAT(Run({"HINCRBY", "h", "n", "5"}), IsInt(5));
  EXPECT_THAT(Run({"HINCRBY", "h", "n", "-7"}), IsInt(-2));
  EXPECT_THAT(Run({"HINCRBY", "h", "n", "x"}), IsError("ERR value is not an integer"));
  Run({"HSET", "h", "s", "abc", "big", "9223372036854775807"});
  EXPECT_THAT(Run({"HINCRBY", "h", "s", "1"}), IsError("ERR hash value is not an integer"));
  EXPECT_THAT(Run({"HINCRBY", "h", "big", "1"}), IsError("ERR increment or decrement would overflow"));
  EXPECT_THAT(Run({"HINCRBYFLOAT", "h", "f", "10.5"}), IsBulk("10.5"));
  EXPECT_THAT(Run({"HINCRBYFLOAT", "h", "f", "0.1"}), IsBulk("10.6"));
  EXPECT_THAT(Run({"HINCRBYFLOAT", "h", "s", "1"}), IsError("ERR hash value is not a float"));
  EXPECT_THAT(Run({"HINCRBYFLOAT", "h", "f", "abc"}), IsError("ERR value is not a valid float"));
  EXPECT_THAT(Run({"HINCRBYFLOAT", "nokey", "f", "inf"}), IsError("ERR value is NaN or Infinity"));
  EXPECT_THAT(Run({"EXISTS", "nokey"}), IsInt(0));
}

TEST_F(HashCommandsTest, EncodingFollowsConfig) {
  EXPECT_THAT(Run({"CONFIG", "SET", "hash-max-listpack-entries", "4"}), IsOk());
  EXPECT_THAT(Run({"CONFIG", "SET", "hash-max-listpack-value", "8"}), IsOk());
  Run({"HSET", "h", "1", "a", "2", "b", "3", "c", "4", "d"});
  EXPECT_THAT(Run({"OBJECT", "ENCODING", "h"}), IsBulk("listpack"));
  Run({"HSET", "h", "5", "e"});
  EXPECT_THAT(Run({"OBJECT", "ENCODING", "h"}), IsBulk("hashtable"));
  Run({"HSET", "v", "f", "123456789"});
  EXPECT_THAT(Run({"OBJECT", "ENCODING", "v"}), IsBulk("hashtable"));
}

TEST_F(HashCommandsTest, RandField) {
  EXPECT_THAT(Run({"HRANDFIELD", "nokey"}), IsNil());
  EXPECT_THAT(Run({"HRANDFIELD", "nokey", "3"}), IsArrayOfSize(0));
  Run({"HSET", "h", "a", "1", "b", "2", "c", "3"});
  EXPECT_THAT(Run({"HRANDFIELD", "h", "10"}), IsArrayOfSize(3));
  EXPECT_THAT(StrArray(Run({"HRANDFIELD", "h", "3"})), UnorderedElementsAre("a", "b", "c"));
  EXPECT_THAT(Run({"HRANDFIELD", "h", "2"}), IsArrayOfSize(2));
  EXPECT_THAT(Run({"HRANDFIELD", "h", "-7"}), IsArrayOfSize(7));
  EXPECT_THAT(Run({"HRANDFIELD", "h", "-2", "WITHVALUES"}), IsArrayOfSize(4));
  EXPECT_THAT(Run({"HRANDFIELD", "h", "1", "BAD"}), IsError("ERR syntax error"));
  EXPECT_THAT(Run({"HRANDFIELD", "h", "0"}), IsArrayOfSize(0));
}

TEST_F(HashCommandsTest, ScanEveryFieldOfTable) {
  for (int i = 0; i < 1000; ++i) Run({"HSET", "h", "f" + std::to_string(i), "v"});
  std::set<std::string> seen;
  std::string cursor = "0";
  int rounds = 0;
  do {
    RespValue r = Run({"HSCAN", "h", cursor, "COUNT", "50"});
    ASSERT_THAT(r, IsArrayOfSize(2));
    cursor = r.elems[0].str;
    for (size_t i = 0; i < r.elems[1].elems.size(); i += 2) seen.insert(r.elems[1].elems[i].str);
    ASSERT_LT(++rounds, 10000);
  } while (cursor != "0");
  EXPECT_EQ(seen.size(), 1000u);
  RespValue nv = Run({"HSCAN", "h", "0", "MATCH", "f99", "COUNT", "5000", "NOVALUES"});
  EXPECT_THAT(StrArray(nv.elems[1]), ElementsAre("f99"));
  EXPECT_THAT(Run({"HSCAN", "h", "x"}), IsError("ERR invalid cursor"));
}

TEST_F(HashCommandsTest, CopyAndRenameKeepContents) {
  Run({"HSET", "h", "a", "1"});
  EXPECT_THAT(Run({"COPY", "h", "c"}), IsInt(1));
  Run({"HSET", "c", "a", "2"});
  EXPECT_THAT(Run({"HGET", "h", "a"}), IsBulk("1"));
  EXPECT_THAT(Run({"RENAME", "c", "d"}), IsOk());
  EXPECT_THAT(Run({"HGET", "d", "a"}), IsBulk("2"));
  RespValue dump = Run({"DUMP", "d"});
  ASSERT_EQ(dump.type, RespValue::Type::kBulk);
  EXPECT_THAT(Run({"RESTORE", "e", "0", dump.str}), IsOk());
  EXPECT_THAT(Run({"HGETALL", "e"}), IsArrayOfSize(2));
}

}  // namespace
}  // namespace sable

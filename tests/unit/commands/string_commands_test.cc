#include "tests/unit/core/server_test_base.h"

#include "server/util/clock.h"

namespace sable {
namespace {

using ::testing::ElementsAre;

class StringCommandsTest : public ServerTestBase {
 protected:
  ~StringCommandsTest() override { PinCachedTime(0); }
};

TEST_F(StringCommandsTest, SetGetAndOptions) {
  EXPECT_THAT(Run({"GET", "k"}), IsNil());
  EXPECT_THAT(Run({"SET", "k", "v"}), IsOk());
  EXPECT_THAT(Run({"GET", "k"}), IsBulk("v"));
  EXPECT_THAT(Run({"SET", "k", "w", "NX"}), IsNil());
  EXPECT_THAT(Run({"SET", "k", "w", "XX", "GET"}), IsBulk("v"));
  EXPECT_THAT(Run({"SET", "n", "w", "XX"}), IsNil());
  EXPECT_THAT(Run({"SET", "k", "w", "NX", "XX"}), IsError("ERR syntax error"));
  EXPECT_THAT(Run({"SET", "k", "w", "EX", "10", "PX", "5"}), IsError("ERR syntax error"));
  EXPECT_THAT(Run({"SET", "k", "w", "EX", "0"}),
              IsError("ERR invalid expire time in 'set' command"));
  EXPECT_THAT(Run({"SET", "k", "w", "EX", "x"}), IsError("ERR value is not an integer"));
  EXPECT_THAT(Run({"SET", "k", "w", "EX"}), IsError("ERR syntax error"));
}

TEST_F(StringCommandsTest, ExpiryOptions) {
  PinCachedTime(1'000'000'000'000);
  EXPECT_THAT(Run({"SET", "k", "v", "EX", "100"}), IsOk());
  EXPECT_THAT(Run({"SET", "k", "v2", "KEEPTTL"}), IsOk());
  Entry* e = server_->db(0).Find("k");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(server_->db(0).GetExpire(e), 1'000'000'000'000 + 100'000);
  EXPECT_THAT(Run({"SET", "k", "v3"}), IsOk());
  EXPECT_EQ(server_->db(0).GetExpire(server_->db(0).Find("k")), -1);
  EXPECT_THAT(Run({"SET", "k", "v", "PXAT", "1000000000500"}), IsOk());
  // Redis's keyIsExpired() is `now > when`: the key still lives in its expire millisecond.
  PinCachedTime(1'000'000'000'500);
  EXPECT_THAT(Run({"GET", "k"}), IsBulk("v"));
  PinCachedTime(1'000'000'000'501);
  EXPECT_THAT(Run({"GET", "k"}), IsNil());
}

TEST_F(StringCommandsTest, Counters) {
  EXPECT_THAT(Run({"INCR", "c"}), IsInt(1));
  EXPECT_THAT(Run({"INCRBY", "c", "10"}), IsInt(11));
  EXPECT_THAT(Run({"DECRBY", "c", "20"}), IsInt(-9));
  EXPECT_THAT(Run({"DECR", "c"}), IsInt(-10));
  EXPECT_THAT(Run({"SET", "c", "9223372036854775807"}), IsOk());
  EXPECT_THAT(Run({"INCR", "c"}), IsError("ERR increment or decrement would overflow"));
  EXPECT_THAT(Run({"SET", "c", "abc"}), IsOk());
  EXPECT_THAT(Run({"INCR", "c"}), IsError("ERR value is not an integer or out of range"));
  EXPECT_THAT(Run({"SET", "f", "10.5"}), IsOk());
  EXPECT_THAT(Run({"INCRBYFLOAT", "f", "0.1"}), IsBulk("10.6"));
  EXPECT_THAT(Run({"INCRBYFLOAT", "f", "5.0e3"}), IsBulk("5010.60000000000000009"));
  EXPECT_THAT(Run({"INCRBYFLOAT", "f", "x"}), IsError("ERR value is not a valid float"));
}

TEST_F(StringCommandsTest, AppendRangeAndLength) {
  EXPECT_THAT(Run({"APPEND", "s", "Hello"}), IsInt(5));
  EXPECT_THAT(Run({"APPEND", "s", " World"}), IsInt(11));
  EXPECT_THAT(Run({"STRLEN", "s"}), IsInt(11));
  EXPECT_THAT(Run({"GETRANGE", "s", "0", "4"}), IsBulk("Hello"));
  EXPECT_THAT(Run({"GETRANGE", "s", "-5", "-1"}), IsBulk("World"));
  EXPECT_THAT(Run({"GETRANGE", "s", "-1", "-5"}), IsBulk(""));
  EXPECT_THAT(Run({"SETRANGE", "s", "6", "Redis"}), IsInt(11));
  EXPECT_THAT(Run({"GET", "s"}), IsBulk("Hello Redis"));
  EXPECT_THAT(Run({"SETRANGE", "z", "3", "ab"}), IsInt(5));
  EXPECT_THAT(Run({"GET", "z"}), IsBulk(std::string("\0\0\0ab", 5)));
  EXPECT_THAT(Run({"SETRANGE", "z", "-1", "ab"}), IsError("ERR offset is out of range"));
  EXPECT_THAT(Run({"SETRANGE", "z", "536870911", "ab"}), IsError("ERR string exceeds maximum"));
}

TEST_F(StringCommandsTest, MultiKey) {
  EXPECT_THAT(Run({"MSET", "a", "1", "b", "2"}), IsOk());
  EXPECT_THAT(StrArray(Run({"MGET", "a", "b", "c"})), ElementsAre("1", "2", "(nil)"));
  EXPECT_THAT(Run({"MSET", "a", "1", "b"}), IsError("ERR wrong number of arguments for 'mset'"));
  EXPECT_THAT(Run({"MSETNX", "c", "3", "a", "9"}), IsInt(0));
  EXPECT_THAT(Run({"MSETNX", "c", "3", "d", "4"}), IsInt(1));
  EXPECT_THAT(Run({"GETSET", "a", "x"}), IsBulk("1"));
  EXPECT_THAT(Run({"GETDEL", "a"}), IsBulk("x"));
  EXPECT_THAT(Run({"GET", "a"}), IsNil());
}

TEST_F(StringCommandsTest, Lcs) {
  Run({"MSET", "key1", "ohmytext", "key2", "mynewtext"});
  EXPECT_THAT(Run({"LCS", "key1", "key2"}), IsBulk("mytext"));
  EXPECT_THAT(Run({"LCS", "key1", "key2", "LEN"}), IsInt(6));
  RespValue v = Run({"LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"});
  ASSERT_THAT(v, IsArrayOfSize(4));
  EXPECT_EQ(v.DebugString(), "[\"matches\", [[[:4, :7], [:5, :8], :4]], \"len\", :6]");
  v = Run({"LCS", "key1", "key2", "IDX"});
  EXPECT_EQ(v.DebugString(),
            "[\"matches\", [[[:4, :7], [:5, :8]], [[:2, :3], [:0, :1]]], \"len\", :6]");
}

}  // namespace
}  // namespace sable

#include <map>
#include <string>
#include <vector>

#include "tests/unit/core/server_test_base.h"

namespace sable {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;

class CommandCommandTest : public ServerTestBase {
 protected:
  // A map reply (RESP3 map or RESP2 flat array) as field -> value.
  static std::map<std::string, RespValue> AsMap(const RespValue& v) {
    std::map<std::string, RespValue> out;
    for (size_t i = 0; i + 1 < v.elems.size(); i += 2) out[v.elems[i].str] = v.elems[i + 1];
    return out;
  }
};

TEST_F(CommandCommandTest, CountMatchesTheFullList) {
  RespValue count = Run({"COMMAND", "COUNT"});
  ASSERT_EQ(count.type, RespValue::Type::kInteger);
  EXPECT_GT(count.integer, 20);
  RespValue all = Run({"COMMAND"});
  EXPECT_THAT(all, IsArrayOfSize(count.integer));
  EXPECT_THAT(Run({"COMMAND", "INFO"}), IsArrayOfSize(count.integer));
}

TEST_F(CommandCommandTest, InfoEntryShape) {
  RespValue v = Run({"COMMAND", "INFO", "GET", "nosuch", "mset"});
  ASSERT_THAT(v, IsArrayOfSize(3));
  const RespValue& get = v.elems[0];
  ASSERT_THAT(get, IsArrayOfSize(10));
  EXPECT_THAT(get.elems[0], IsBulk("get"));
  EXPECT_THAT(get.elems[1], IsInt(2));
  EXPECT_THAT(StrArray(get.elems[2]), ElementsAre("readonly", "fast"));
  EXPECT_THAT(get.elems[3], IsInt(1));
  EXPECT_THAT(get.elems[4], IsInt(1));
  EXPECT_THAT(get.elems[5], IsInt(1));
  EXPECT_THAT(StrArray(get.elems[6]), ElementsAre("@read", "@string", "@fast"));
  EXPECT_THAT(get.elems[7], IsArrayOfSize(0));
  ASSERT_THAT(get.elems[8], IsArrayOfSize(1));
  auto spec = AsMap(get.elems[8].elems[0]);
  EXPECT_THAT(StrArray(spec["flags"]), ElementsAre("RO", "access"));
  auto begin = AsMap(spec["begin_search"]);
  EXPECT_THAT(begin["type"], IsBulk("index"));
  EXPECT_THAT(AsMap(begin["spec"])["index"], IsInt(1));
  auto find = AsMap(spec["find_keys"]);
  EXPECT_THAT(find["type"], IsBulk("range"));
  auto range = AsMap(find["spec"]);
  EXPECT_THAT(range["lastkey"], IsInt(0));
  EXPECT_THAT(range["keystep"], IsInt(1));
  EXPECT_THAT(range["limit"], IsInt(0));
  EXPECT_THAT(get.elems[9], IsArrayOfSize(0));

  EXPECT_THAT(v.elems[1], IsNil());

  const RespValue& mset = v.elems[2];
  EXPECT_THAT(mset.elems[1], IsInt(-3));
  EXPECT_THAT(mset.elems[4], IsInt(-1));
  EXPECT_THAT(mset.elems[5], IsInt(2));
  EXPECT_THAT(StrArray(mset.elems[7]),
              ElementsAre("request_policy:multi_shard", "response_policy:all_succeeded"));
  auto mset_range = AsMap(AsMap(AsMap(mset.elems[8].elems[0])["find_keys"])["spec"]);
  EXPECT_THAT(mset_range["lastkey"], IsInt(-1));
  EXPECT_THAT(mset_range["keystep"], IsInt(2));
}

TEST_F(CommandCommandTest, InfoOnContainersAndSubcommands) {
  RespValue v = Run({"COMMAND", "INFO", "command"});
  ASSERT_THAT(v, IsArrayOfSize(1));
  const RespValue& cmd = v.elems[0];
  EXPECT_THAT(cmd.elems[1], IsInt(-1));
  EXPECT_THAT(StrArray(cmd.elems[2]), ElementsAre("loading", "stale"));
  EXPECT_THAT(StrArray(cmd.elems[6]), ElementsAre("@slow", "@connection"));
  std::vector<std::string> subs;
  for (const RespValue& s : cmd.elems[9].elems) subs.push_back(s.elems[0].str);
  EXPECT_THAT(subs, ElementsAre("command|count", "command|docs", "command|getkeys",
                                "command|getkeysandflags", "command|help", "command|info",
                                "command|list"));

  // Full names reach subcommands; anything deeper or unknown is a null, as in Redis.
  v = Run({"COMMAND", "INFO", "COMMAND|GETKEYS", "get|x", "command|info|x", "command|nope"});
  ASSERT_THAT(v, IsArrayOfSize(4));
  EXPECT_THAT(v.elems[0].elems[0], IsBulk("command|getkeys"));
  EXPECT_THAT(v.elems[0].elems[1], IsInt(-4));
  EXPECT_THAT(v.elems[1], IsNil());
  EXPECT_THAT(v.elems[2], IsNil());
  EXPECT_THAT(v.elems[3], IsNil());
}

TEST_F(CommandCommandTest, Docs) {
  RespValue v = Run({"COMMAND", "DOCS", "get", "nosuch"});
  ASSERT_THAT(v, IsArrayOfSize(2));  // unknown names are left out
  EXPECT_THAT(v.elems[0], IsBulk("get"));
  auto get = AsMap(v.elems[1]);
  EXPECT_THAT(get["summary"], IsBulk("Get the value of a key"));
  EXPECT_THAT(get["since"], IsBulk("1.0.0"));
  EXPECT_THAT(get["group"], IsBulk("string"));
  EXPECT_THAT(get["complexity"], IsBulk("O(1)"));
  EXPECT_EQ(get.count("subcommands"), 0u);

  EXPECT_THAT(Run({"COMMAND", "DOCS", "nosuch"}), IsArrayOfSize(0));

  auto cmd = AsMap(Run({"COMMAND", "DOCS", "command"}).elems[1]);
  EXPECT_THAT(cmd["group"], IsBulk("server"));
  auto subs = AsMap(cmd["subcommands"]);
  ASSERT_EQ(subs.count("command|list"), 1u);
  EXPECT_THAT(AsMap(subs["command|list"])["since"], IsBulk("7.0.0"));

  RespValue all = Run({"COMMAND", "DOCS"});
  EXPECT_EQ(all.elems.size(), 2 * static_cast<size_t>(Run({"COMMAND", "COUNT"}).integer));
}

TEST_F(CommandCommandTest, List) {
  std::vector<std::string> all = StrArray(Run({"COMMAND", "LIST"}));
  EXPECT_THAT(all, Contains("get"));
  EXPECT_THAT(all, Contains("command|getkeys"));
  EXPECT_THAT(StrArray(Run({"COMMAND", "LIST", "FILTERBY", "PATTERN", "COMMAND|G*"})),
              ElementsAre("command|getkeys", "command|getkeysandflags"));
  std::vector<std::string> conn =
      StrArray(Run({"COMMAND", "LIST", "FILTERBY", "aclcat", "Connection"}));
  EXPECT_THAT(conn, Contains("command|info"));
  EXPECT_THAT(conn, Contains("ping"));
  EXPECT_THAT(conn, Not(Contains("get")));
  EXPECT_THAT(StrArray(Run({"COMMAND", "LIST", "FILTERBY", "aclcat", "nosuch"})), IsEmpty());
  EXPECT_THAT(StrArray(Run({"COMMAND", "LIST", "FILTERBY", "module", "m"})), IsEmpty());
  EXPECT_THAT(Run({"COMMAND", "LIST", "FILTERBY", "type", "x"}), IsError("ERR syntax error"));
  EXPECT_THAT(Run({"COMMAND", "LIST", "FILTERBY", "pattern"}), IsError("ERR syntax error"));
  EXPECT_THAT(Run({"COMMAND", "LIST", "FILTERBY", "pattern", "a", "FILTERBY", "pattern", "b"}),
              IsError("ERR syntax error"));
}

TEST_F(CommandCommandTest, GetKeys) {
  EXPECT_THAT(StrArray(Run({"COMMAND", "GETKEYS", "SET", "a", "b"})), ElementsAre("a"));
  EXPECT_THAT(StrArray(Run({"COMMAND", "GETKEYS", "mset", "a", "1", "b", "2"})),
              ElementsAre("a", "b"));
  EXPECT_THAT(StrArray(Run({"COMMAND", "GETKEYS", "OBJECT", "ENCODING", "k"})),
              ElementsAre("k"));
  EXPECT_THAT(Run({"COMMAND", "GETKEYS", "GET"}),
              IsError("ERR wrong number of arguments for 'command|getkeys' command"));
  EXPECT_THAT(Run({"COMMAND", "GETKEYS", "nosuch", "a"}), IsError("ERR Invalid command specified"));
  EXPECT_THAT(Run({"COMMAND", "GETKEYS", "object", "nosuch", "k"}),
              IsError("ERR Invalid command specified"));
  EXPECT_THAT(Run({"COMMAND", "GETKEYS", "ping", "x"}),
              IsError("ERR The command has no key arguments"));
  EXPECT_THAT(Run({"COMMAND", "GETKEYS", "get", "a", "b"}),
              IsError("ERR Invalid number of arguments specified for command"));
}

TEST_F(CommandCommandTest, GetKeysAndFlags) {
  RespValue v = Run({"COMMAND", "GETKEYSANDFLAGS", "get", "a"});
  ASSERT_THAT(v, IsArrayOfSize(1));
  EXPECT_THAT(v.elems[0].elems[0], IsBulk("a"));
  EXPECT_THAT(StrArray(v.elems[0].elems[1]), ElementsAre("RO", "access"));
  v = Run({"COMMAND", "GETKEYSANDFLAGS", "set", "a", "1"});
  EXPECT_THAT(StrArray(v.elems[0].elems[1]), ElementsAre("RW", "access", "update"));
}

TEST_F(CommandCommandTest, Help) {
  std::vector<std::string> lines = StrArray(Run({"COMMAND", "HELP"}));
  ASSERT_EQ(lines.size(), 21u);
  EXPECT_EQ(lines.front(), "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  EXPECT_EQ(lines.back(), "    Prints this help.");
  EXPECT_THAT(Run({"COMMAND", "nosuch"}),
              IsError("ERR unknown subcommand 'nosuch'. Try COMMAND HELP."));
}

TEST_F(CommandCommandTest, Resp3UsesSetsAndMaps) {
  Run({"HELLO", "3"});
  RespValue info = Run({"COMMAND", "INFO", "get"}).elems[0];
  EXPECT_EQ(info.elems[2].type, RespValue::Type::kSet);  // flags
  EXPECT_EQ(info.elems[6].type, RespValue::Type::kSet);  // categories
  EXPECT_EQ(info.elems[7].type, RespValue::Type::kSet);  // tips
  EXPECT_EQ(info.elems[8].type, RespValue::Type::kSet);  // key specs
  EXPECT_EQ(info.elems[8].elems[0].type, RespValue::Type::kMap);
  EXPECT_EQ(info.elems[9].type, RespValue::Type::kSet);  // no subcommands
  EXPECT_THAT(Run({"COMMAND", "INFO", "nosuch"}).elems[0], IsNil());
  RespValue docs = Run({"COMMAND", "DOCS", "get"});
  EXPECT_EQ(docs.type, RespValue::Type::kMap);
  EXPECT_EQ(docs.elems[1].type, RespValue::Type::kMap);
}

}  // namespace
}  // namespace sable

#include "tests/unit/core/server_test_base.h"

namespace sable {
namespace {

using ::testing::ElementsAre;

class ConnectionCommandsTest : public ServerTestBase {};

TEST_F(ConnectionCommandsTest, PingAndEcho) {
  EXPECT_THAT(Run({"PING"}), IsSimple("PONG"));
  EXPECT_THAT(Run({"ping", "hi"}), IsBulk("hi"));
  EXPECT_THAT(Run({"PING", "a", "b"}), IsError("ERR wrong number of arguments for 'ping'"));
  EXPECT_THAT(Run({"ECHO", "x y"}), IsBulk("x y"));
}

TEST_F(ConnectionCommandsTest, UnknownCommandAndArity) {
  RespValue v = Run({"foo", "a", "b"});
  EXPECT_EQ(v.str, "ERR unknown command 'foo', with args beginning with: 'a' 'b' ");
  EXPECT_EQ(Run({"ECHO"}).str, "ERR wrong number of arguments for 'echo' command");
}

TEST_F(ConnectionCommandsTest, SelectChecksRange) {
  EXPECT_THAT(Run({"SELECT", "15"}), IsOk());
  EXPECT_THAT(Run({"SELECT", "16"}), IsError("ERR DB index is out of range"));
  EXPECT_THAT(Run({"SELECT", "x"}), IsError("ERR value is not an integer or out of range"));
}

TEST_F(ConnectionCommandsTest, HelloSwitchesProtocol) {
  RespValue v = Run({"HELLO", "3"});
  ASSERT_EQ(v.type, RespValue::Type::kMap);
  EXPECT_EQ(v.elems[0].str, "server");
  EXPECT_EQ(v.elems[5].integer, 3);
  EXPECT_EQ(out_.size(), 0u);
  EXPECT_THAT(Run({"HELLO", "4"}), IsError("NOPROTO"));
  v = Run({"HELLO", "2"});
  EXPECT_EQ(v.type, RespValue::Type::kArray);
}

TEST_F(ConnectionCommandsTest, MultiExecAndWatch) {
  EXPECT_THAT(Run({"MULTI"}), IsOk());
  EXPECT_THAT(Run({"MULTI"}), IsError("ERR MULTI calls can not be nested"));
  EXPECT_THAT(Run({"PING"}), IsSimple("QUEUED"));
  EXPECT_THAT(Run({"ECHO", "x"}), IsSimple("QUEUED"));
  RespValue v = Run({"EXEC"});
  ASSERT_THAT(v, IsArrayOfSize(2));
  EXPECT_THAT(v.elems[0], IsSimple("PONG"));
  EXPECT_THAT(v.elems[1], IsBulk("x"));

  EXPECT_THAT(Run({"MULTI"}), IsOk());
  EXPECT_THAT(Run({"ECHO"}), IsError("ERR wrong number"));
  EXPECT_THAT(Run({"EXEC"}), IsError("EXECABORT"));
  EXPECT_THAT(Run({"EXEC"}), IsError("ERR EXEC without MULTI"));
}

TEST_F(ConnectionCommandsTest, PubSubDeliversToSubscribers) {
  OutputBuffer sub_out;
  Client* sub = NewClient(&sub_out);
  RespValue v = RunOn(sub, &sub_out, {"SUBSCRIBE", "news"});
  EXPECT_THAT(StrArray(v), ElementsAre("subscribe", "news", ""));
  EXPECT_EQ(v.elems[2].integer, 1);
  EXPECT_THAT(RunOn(sub, &sub_out, {"ECHO", "x"}), IsError("ERR Can't execute 'echo'"));
  EXPECT_THAT(Run({"PUBLISH", "news", "hello"}), IsInt(1));
  v = TakeReply(&sub_out);
  EXPECT_THAT(StrArray(v), ElementsAre("message", "news", "hello"));
  server_->RemoveLocalClient(sub);
  EXPECT_THAT(Run({"PUBLISH", "news", "hello"}), IsInt(0));
}

}  // namespace
}  // namespace sable

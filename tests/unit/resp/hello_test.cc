#include "server/resp/hello.h"

#include <gtest/gtest.h>

namespace sable {
namespace {

TEST(HelloTest, ParsesVersionAuthAndSetname) {
  HelloRequest h;
  EXPECT_EQ(ParseHello({"HELLO", "3", "auth", "u", "p", "SETNAME", "me"}, false, &h), "");
  EXPECT_EQ(h.version, 3);
  EXPECT_TRUE(h.has_auth);
  EXPECT_EQ(h.user, "u");
  EXPECT_EQ(h.pass, "p");
  EXPECT_TRUE(h.has_name);
  EXPECT_EQ(h.name, "me");

  HelloRequest keep;
  EXPECT_EQ(ParseHello({"HELLO"}, true, &keep), "");
  EXPECT_EQ(keep.version, 3);  // no argument: the connection's current protocol
}

TEST(HelloTest, ErrorsAsRedis) {
  HelloRequest h;
  EXPECT_EQ(ParseHello({"HELLO", "03"}, false, &h),
            "ERR Protocol version is not an integer or out of range");
  EXPECT_EQ(ParseHello({"HELLO", "+3"}, false, &h),
            "ERR Protocol version is not an integer or out of range");
  EXPECT_EQ(ParseHello({"HELLO", "4"}, false, &h), "NOPROTO unsupported protocol version");
  EXPECT_EQ(ParseHello({"HELLO", "-1"}, false, &h), "NOPROTO unsupported protocol version");
  EXPECT_EQ(ParseHello({"HELLO", "3", "AUTH", "u"}, false, &h),
            "ERR Syntax error in HELLO option 'AUTH'");
  EXPECT_FALSE(ValidClientName("a b"));
  EXPECT_FALSE(ValidClientName("a\n"));
  EXPECT_TRUE(ValidClientName("lib-name_1"));
}

}  // namespace
}  // namespace sable

#include "server/control/control_auth.h"

#include <gtest/gtest.h>

namespace sable::control {
namespace {

TEST(ControlAuthTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secrets"));
  EXPECT_FALSE(ConstantTimeEquals("secret", ""));
  // A shorter value padded with zero bytes must not match.
  EXPECT_FALSE(ConstantTimeEquals(std::string_view("ab\0", 3), "ab"));
}

TEST(ControlAuthTest, AuthorizationHeaderBareOrBearer) {
  EXPECT_TRUE(AuthorizationMatches("s3cret", "s3cret"));
  EXPECT_TRUE(AuthorizationMatches("s3cret", "Bearer s3cret"));
  EXPECT_FALSE(AuthorizationMatches("s3cret", "Bearer wrong"));
  EXPECT_FALSE(AuthorizationMatches("s3cret", "bearer s3cret"));
  EXPECT_FALSE(AuthorizationMatches("s3cret", ""));
}

TEST(ControlAuthTest, Loopback) {
  EXPECT_TRUE(IsLoopbackAddress("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackAddress("127.1.2.3"));
  EXPECT_TRUE(IsLoopbackAddress("::1"));
  EXPECT_TRUE(IsLoopbackAddress("::ffff:127.0.0.1"));
  EXPECT_TRUE(IsLoopbackAddress("localhost"));
  EXPECT_FALSE(IsLoopbackAddress("0.0.0.0"));
  EXPECT_FALSE(IsLoopbackAddress("10.0.0.5"));
  EXPECT_FALSE(IsLoopbackAddress("::"));
  EXPECT_FALSE(IsLoopbackAddress("*"));
  EXPECT_FALSE(IsLoopbackAddress("example.com"));
}

TEST(ControlAuthTest, DefaultBindAddsConcreteAddressesOnlyWhenSecured) {
  std::vector<std::string> skipped;
  EXPECT_EQ(DefaultControlBind({"*", "-::*"}, false, &skipped),
            std::vector<std::string>{"127.0.0.1"});
  EXPECT_TRUE(skipped.empty());
  EXPECT_EQ(DefaultControlBind({"127.0.0.1", "-::1", "10.0.0.5"}, true, &skipped),
            (std::vector<std::string>{"127.0.0.1", "10.0.0.5"}));
  EXPECT_EQ(DefaultControlBind({"10.0.0.5", "-fe80::1"}, false, &skipped),
            std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(skipped, (std::vector<std::string>{"10.0.0.5", "fe80::1"}));
}

TEST(ControlAuthTest, ExposureNeedsASecret) {
  EXPECT_EQ(CheckExposure({"127.0.0.1", "::1"}, false), "");
  EXPECT_NE(CheckExposure({"127.0.0.1", "0.0.0.0"}, false), "");
  EXPECT_NE(CheckExposure({"*"}, false), "");
  EXPECT_EQ(CheckExposure({"0.0.0.0"}, true), "");
}

TEST(ControlAuthTest, ListenAddress) {
  EXPECT_EQ(ListenAddress("127.0.0.1", 26379), "127.0.0.1:26379");
  EXPECT_EQ(ListenAddress("*", 1), "0.0.0.0:1");
  EXPECT_EQ(ListenAddress("-::*", 1), "[::]:1");
  EXPECT_EQ(ListenAddress("::1", 2), "[::1]:2");
}

}  // namespace
}  // namespace sable::control

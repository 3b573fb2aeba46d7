// The small shared helpers of sable-sentinel, in particular what it accepts from peers.
#include "sentinel/common.h"

#include <gtest/gtest.h>

#include <string>

namespace sable::sentinel {
namespace {

TEST(SentinelCommonTest, RandomHexIsLowercaseHexOfTheAskedLength) {
  std::string a = RandomHex(40), b = RandomHex(40);
  EXPECT_EQ(a.size(), 40u);
  EXPECT_TRUE(ValidRunId(a));
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(SentinelCommonTest, PeerRunIdsAreFortyHexCharacters) {
  EXPECT_TRUE(ValidRunId("0123456789abcdef0123456789ABCDEF01234567"));
  EXPECT_FALSE(ValidRunId(""));
  EXPECT_FALSE(ValidRunId("*"));
  EXPECT_FALSE(ValidRunId(std::string(39, 'a')));
  EXPECT_FALSE(ValidRunId(std::string(41, 'a')));
  EXPECT_FALSE(ValidRunId(std::string(40, 'g')));
  EXPECT_FALSE(ValidRunId(std::string(39, 'a') + " "));
}

TEST(SentinelCommonTest, PeerAddressesHaveNoWhitespaceAndAPort) {
  EXPECT_TRUE(ValidPeerAddress("127.0.0.1", 26379));
  EXPECT_TRUE(ValidPeerAddress("::1", 1));
  EXPECT_TRUE(ValidPeerAddress("sentinel-0.example", 65535));
  EXPECT_FALSE(ValidPeerAddress("", 26379));
  EXPECT_FALSE(ValidPeerAddress("127.0.0.1", 0));
  EXPECT_FALSE(ValidPeerAddress("127.0.0.1", 65536));
  EXPECT_FALSE(ValidPeerAddress("127.0.0.1", -1));
  EXPECT_FALSE(ValidPeerAddress("1.2.3.4 5", 1));
  EXPECT_FALSE(ValidPeerAddress("a\nb", 1));
  EXPECT_FALSE(ValidPeerAddress(std::string(256, 'a'), 1));
}

TEST(SentinelCommonTest, AddressesAreIpLiteralsUnlessResolving) {
  EXPECT_TRUE(ValidAddress("127.0.0.1", false));
  EXPECT_TRUE(ValidAddress("::1", false));
  EXPECT_FALSE(ValidAddress("localhost", false));
  EXPECT_TRUE(ValidAddress("localhost", true));
  EXPECT_FALSE(ValidAddress("", false));
}

TEST(SentinelCommonTest, SanitizeCutsAndFlattensLines) {
  EXPECT_EQ(Sanitize("a\r\nb", 128), "a  b");
  EXPECT_EQ(Sanitize(std::string(300, 'x'), 128), std::string(128, 'x'));
}

}  // namespace
}  // namespace sable::sentinel

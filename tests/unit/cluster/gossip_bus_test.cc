// The bus transport's pure helpers: the peer address gRPC reports, and which failed call proves
// that nothing listens on the peer's port.
#include <gtest/gtest.h>

#include "cluster/bus.h"
#include "cluster/gossip.h"

namespace sable::cluster {
namespace {

TEST(BusPeerIp, ParsesGrpcPeerStrings) {
  EXPECT_EQ(Bus::PeerIp("ipv4:127.0.0.1:54321"), "127.0.0.1");
  EXPECT_EQ(Bus::PeerIp("ipv4:10.1.2.3:1"), "10.1.2.3");
  EXPECT_EQ(Bus::PeerIp("ipv6:[::1]:6379"), "::1");
  EXPECT_EQ(Bus::PeerIp("ipv6:[fe80::1%25eth0]:6379"), "fe80::1");
  EXPECT_EQ(Bus::PeerIp("ipv6:[::ffff:127.0.0.1]:6379"), "127.0.0.1");
  EXPECT_EQ(Bus::PeerIp("unix:/tmp/sock"), "");
  EXPECT_EQ(Bus::PeerIp("garbage"), "");
}

TEST(BusRefused, OnlyARefusedConnectionCounts) {
  EXPECT_TRUE(Bus::Refused(
      grpc::Status(grpc::StatusCode::UNAVAILABLE,
                   "failed to connect to all addresses; last error: UNKNOWN: ipv4:127.0.0.1:1: "
                   "Failed to connect to remote host: Connection refused")));
  // A slow peer: the deadline passes, the process lives.
  EXPECT_FALSE(
      Bus::Refused(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded")));
  // A connection that broke is not proof the process is gone.
  EXPECT_FALSE(Bus::Refused(grpc::Status(grpc::StatusCode::UNAVAILABLE, "Socket closed")));
  EXPECT_FALSE(Bus::Refused(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "refused")));
}

TEST(BusSlots, RedisBitmapLayout) {
  std::bitset<kSlots> slots;
  slots.set(0);
  slots.set(9);
  slots.set(kSlots - 1);
  std::string bytes = EncodeSlots(slots);
  ASSERT_EQ(bytes.size(), 2048u);
  // Slot s is bit s%8 of byte s/8, least significant first, as Redis's myslots.
  EXPECT_EQ(static_cast<unsigned char>(bytes[0]), 0x01);
  EXPECT_EQ(static_cast<unsigned char>(bytes[1]), 0x02);
  EXPECT_EQ(static_cast<unsigned char>(bytes[2047]), 0x80);
  EXPECT_EQ(DecodeSlots(bytes), slots);
  // A bitmap of the wrong size claims nothing.
  EXPECT_TRUE(DecodeSlots("abc").none());
}

TEST(BusSeq, OlderMessagesOfASenderAreStale) {
  SeqTracker t;
  EXPECT_TRUE(t.Accept("a", 7, 100));
  EXPECT_TRUE(t.Accept("a", 7, 102));
  // The pre-election PING applied after the post-election PONG: stale.
  EXPECT_FALSE(t.Accept("a", 7, 101));
  EXPECT_FALSE(t.Accept("a", 7, 102));
  EXPECT_TRUE(t.Accept("a", 7, 103));
  // Senders are independent.
  EXPECT_TRUE(t.Accept("b", 9, 5));
  // A restarted sender (new run) starts over, whatever its numbers.
  EXPECT_TRUE(t.Accept("a", 8, 50));
  EXPECT_FALSE(t.Accept("a", 8, 49));
  // Unnumbered messages are always current and do not disturb the order.
  EXPECT_TRUE(t.Accept("a", 0, 0));
  EXPECT_FALSE(t.Accept("a", 8, 49));
  t.Forget("a");
  EXPECT_TRUE(t.Accept("a", 8, 1));
}

}  // namespace
}  // namespace sable::cluster

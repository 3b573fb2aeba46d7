// nodes.conf: parsing Redis 7.0's format, writing it back byte for byte, the lock that keeps
// two nodes off one file, and the state rules the commands rely on.
#include "cluster/state.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace sable::cluster {
namespace {

const std::string kA(40, 'a');
const std::string kB(40, 'b');
const std::string kC(40, 'c');

// What Redis 7.0 writes for a node owning 0-8000 while moving slot 100 out and 8001 in, a
// primary with a hostname, and that primary's replica.
const std::string kConfig = kA +
                            " 127.0.0.1:7711@17711 myself,master - 0 0 1 connected 0-8000 [100->-" +
                            kB + "] [8001-<-" + kB + "]\n" + kB +
                            " 127.0.0.1:7712@17712,host2 master - 0 0 2 connected 8001-16383\n" +
                            kC + " 127.0.0.1:7713@17713 slave " + kB + " 0 0 2 disconnected\n" +
                            "vars currentEpoch 2 lastVoteEpoch 0\n";

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/sable-state-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

TEST(ClusterStateTest, ParsesAndWritesBackRedisFormat) {
  ClusterState st("unused");
  ASSERT_EQ(st.Parse(kConfig, 1000), "");
  EXPECT_EQ(st.myself().id, kA);
  EXPECT_EQ(st.owner(0), &st.myself());
  EXPECT_EQ(st.owner(8000), &st.myself());
  Node* b = st.Find(kB);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(st.owner(8001), b);
  EXPECT_EQ(b->hostname, "host2");
  EXPECT_EQ(b->cport, 17712);
  EXPECT_EQ(b->num_slots, 16384 - 8001);
  EXPECT_EQ(st.migrating_to(100), b);
  EXPECT_EQ(st.importing_from(8001), b);
  Node* c = st.Find(kC);
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->is_replica());
  EXPECT_EQ(c->primary_id, kB);
  EXPECT_EQ(c->shard_id, b->shard_id);
  EXPECT_EQ(st.ReplicasOf(*b), std::vector<Node*>{c});
  EXPECT_EQ(st.current_epoch(), 2u);
  EXPECT_EQ(st.Size(), 2);
  // Written back as read, but for the links, which a loaded node has not made yet.
  std::string expected = kConfig;
  expected.replace(expected.find("2 connected 8001"), 16, "2 disconnected 8001");
  EXPECT_EQ(st.ConfigText(), expected);
  // The replica had 0 in the file and prints its primary's epoch, as Redis does.
  EXPECT_EQ(st.NodeLine(*c, 0), kC + " 127.0.0.1:7713@17713 slave " + kB + " 0 0 2 disconnected\n");
}

TEST(ClusterStateTest, RefusesCorruptFiles) {
  const std::string kCorrupt = "Unrecoverable error: corrupted cluster config file.";
  auto parse = [](const std::string& text) {
    ClusterState st("unused");
    return st.Parse(text, 0);
  };
  EXPECT_EQ(parse("abc :1@2 myself,master - 0 0 0 connected\n"), kCorrupt);  // Bad id.
  EXPECT_EQ(parse(kA + " :1@2 myself,master - 0 0\n"), kCorrupt);            // Too short.
  EXPECT_EQ(parse(kA + " nocolon myself,master - 0 0 0 connected\n"), kCorrupt);
  EXPECT_EQ(parse(kA + " :1@2 myself,master - 0 0 0 connected 16384\n"), kCorrupt);
  EXPECT_EQ(parse(kA + " :1@2 myself,master - 0 0 0 connected [5->-xyz]\n"), kCorrupt);
  EXPECT_EQ(parse(kA + " :1@2 master - 0 0 0 connected\n"), kCorrupt);  // No myself.
  EXPECT_EQ(parse(kA + " :1@2 myself,bogus - 0 0 0 connected\n"),
            "Unknown flag in redis cluster config file");
  EXPECT_EQ(parse(kA + " :1@2 myself,master - 0 0 0 connected\n\nvars currentEpoch 3\n"), "");
}

TEST(ClusterStateTest, CreatesThenReloadsTheSameNode) {
  TempDir dir;
  std::string path = dir.File("nodes.conf");
  std::string id;
  {
    ClusterState st(path);
    ASSERT_EQ(st.LoadOrCreate("", 7000, 17000, 1), "");
    id = st.myself().id;
    EXPECT_EQ(id.size(), 40u);
    EXPECT_TRUE(st.myself().is_primary());
    // Redis leaves its own ip empty until a peer reports it.
    EXPECT_EQ(ReadFile(path), id + " :7000@17000 myself,master - 0 0 0 connected\n"
                                   "vars currentEpoch 0 lastVoteEpoch 0\n");
    st.SetSlot(5, &st.myself());
    st.myself().config_epoch = 4;
    st.set_current_epoch(4);
    EXPECT_TRUE(st.dirty());
    ASSERT_TRUE(st.SaveIfDirty());
    EXPECT_FALSE(st.dirty());
  }
  ClusterState again(path);
  // The announced ip given at start replaces the file's; the ports follow the configuration.
  ASSERT_EQ(again.LoadOrCreate("10.0.0.1", 7001, 17001, 2), "");
  EXPECT_EQ(again.myself().id, id);
  EXPECT_EQ(again.owner(5), &again.myself());
  EXPECT_EQ(again.current_epoch(), 4u);
  EXPECT_EQ(ReadFile(path), id + " 10.0.0.1:7001@17001 myself,master - 0 0 4 connected 5\n"
                                 "vars currentEpoch 4 lastVoteEpoch 0\n");
  // No temporary file left behind.
  int files = 0;
  for (const auto& e :
       std::filesystem::directory_iterator(std::filesystem::path(path).parent_path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST(ClusterStateTest, AnEmptyFileIsANewNode) {
  TempDir dir;
  std::string path = dir.File("nodes.conf");
  WriteFile(path, "");
  ClusterState st(path);
  ASSERT_EQ(st.LoadOrCreate("", 1, 2, 0), "");
  EXPECT_EQ(st.nodes().size(), 1u);
}

TEST(ClusterStateTest, TwoNodesCannotShareAFile) {
  TempDir dir;
  std::string path = dir.File("nodes.conf");
  ClusterState first(path);
  ASSERT_EQ(first.LoadOrCreate("", 1, 2, 0), "");
  std::string refused =
      "Sorry, the cluster configuration file " + path +
      " is already used by a different Redis Cluster node. Please make sure that different "
      "nodes use different cluster configuration files.";
  {
    ClusterState second(path);
    EXPECT_EQ(second.LoadOrCreate("", 3, 4, 0), refused);
  }
  // Saving replaces the file: the lock must follow it to the new one.
  ASSERT_TRUE(first.Save());
  ClusterState third(path);
  EXPECT_EQ(third.LoadOrCreate("", 3, 4, 0), refused);
}

TEST(ClusterStateTest, HandshakeNodesAreNotSaved) {
  ClusterState st("unused");
  ASSERT_EQ(st.Parse(kA + " :1@2 myself,master - 0 0 0 connected\n", 0), "");
  auto n = std::make_unique<Node>();
  n->id = kB;
  n->ip = "127.0.0.1";
  n->port = 5;
  n->cport = 6;
  n->flags = kFlagHandshake | kFlagMeet;
  st.AddNode(std::move(n));
  EXPECT_EQ(st.ConfigText(), kA + " :1@2 myself,master - 0 0 0 connected\n"
                                  "vars currentEpoch 0 lastVoteEpoch 0\n");
  EXPECT_EQ(st.NodesText(0), kA + " :1@2 myself,master - 0 0 0 connected\n" + kB +
                                 " 127.0.0.1:5@6 handshake - 0 0 0 disconnected\n");
  EXPECT_EQ(FlagsText(0), "noflags");
  EXPECT_EQ(FlagsText(kFlagSlave | kFlagPfail | kFlagNoFailover), "slave,fail?,nofailover");
}

}  // namespace
}  // namespace sable::cluster

// The per-slot key index on its own, and fed by a cluster-enabled server's keyspace hooks.
#include "cluster/slot_index.h"

#include <stdlib.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "cluster/cluster.h"
#include "tests/unit/cluster/cluster_test_base.h"
#include "tests/unit/core/server_test_base.h"

namespace sable {
namespace {

std::set<std::string> Keys(const cluster::SlotIndex& index, int slot, size_t limit) {
  std::set<std::string> out;
  index.ForEachKey(slot, limit, [&out](std::string_view k) { out.emplace(k); });
  return out;
}

TEST(SlotIndexTest, AddRemoveCount) {
  cluster::SlotIndex index;
  int slot = cluster::KeySlot("{t}a");
  index.Add("{t}a");
  index.Add("{t}b");
  index.Add("{t}a");  // Already present: no double count.
  index.Add("other");
  EXPECT_EQ(index.CountKeys(slot), 2u);
  EXPECT_EQ(index.size(), 3u);
  EXPECT_EQ(Keys(index, slot, 10), (std::set<std::string>{"{t}a", "{t}b"}));
  EXPECT_EQ(Keys(index, slot, 1).size(), 1u);
  EXPECT_TRUE(Keys(index, slot, 0).empty());
  index.Remove("{t}a");
  index.Remove("{t}missing");
  EXPECT_EQ(index.CountKeys(slot), 1u);
  index.Remove("{t}b");
  EXPECT_EQ(index.CountKeys(slot), 0u);
  EXPECT_TRUE(Keys(index, slot, 10).empty());
  index.Clear();
  EXPECT_EQ(index.size(), 0u);
  EXPECT_EQ(index.CountKeys(cluster::KeySlot("other")), 0u);
}

// A server started with cluster-enabled yes, its nodes.conf in a temporary folder, owning
// every slot.
class ClusterServerTest : public ClusterTestBase {
 protected:
  ClusterServerTest() {
    EXPECT_THAT(Run({"CLUSTER", "ADDSLOTSRANGE", "0", "16383"}), IsOk());
    // A fresh primary waits 2 s before turning ok (Redis's writable delay); no loop runs here.
    server_->cluster()->state().set_ok(true);
  }

};

TEST_F(ClusterServerTest, IndexFollowsKeyspace) {
  std::string slot = std::to_string(cluster::KeySlot("{u}"));
  EXPECT_THAT(Run({"SET", "{u}1", "a"}), IsOk());
  EXPECT_THAT(Run({"SET", "{u}2", "b"}), IsOk());
  EXPECT_THAT(Run({"SET", "{u}1", "c"}), IsOk());  // Overwrite: still one key.
  EXPECT_THAT(Run({"CLUSTER", "COUNTKEYSINSLOT", slot}), IsInt(2));
  // RENAME onto an existing key of the slot: one key left.
  EXPECT_THAT(Run({"RENAME", "{u}1", "{u}2"}), IsOk());
  EXPECT_THAT(Run({"CLUSTER", "COUNTKEYSINSLOT", slot}), IsInt(1));
  RespValue keys = Run({"CLUSTER", "GETKEYSINSLOT", slot, "5"});
  ASSERT_THAT(keys, IsArrayOfSize(1));
  EXPECT_THAT(keys.elems[0], IsBulk("{u}2"));
  EXPECT_THAT(Run({"SET", "v", "x"}), IsOk());
  EXPECT_THAT(Run({"CLUSTER", "COUNTKEYSINSLOT", std::to_string(cluster::KeySlot("v"))}), IsInt(1));
  EXPECT_THAT(Run({"DEL", "{u}2"}), IsInt(1));
  EXPECT_THAT(Run({"CLUSTER", "COUNTKEYSINSLOT", slot}), IsInt(0));
  EXPECT_THAT(Run({"FLUSHALL"}), IsOk());
  EXPECT_EQ(server_->slot_index()->size(), 0u);
}

TEST_F(ClusterServerTest, Errors) {
  EXPECT_THAT(Run({"CLUSTER", "KEYSLOT", "foo"}), IsInt(12182));
  EXPECT_THAT(Run({"CLUSTER", "COUNTKEYSINSLOT", "16384"}), IsError("ERR Invalid slot"));
  EXPECT_THAT(Run({"CLUSTER", "COUNTKEYSINSLOT", "x"}), IsError("ERR value is not an integer"));
  EXPECT_THAT(Run({"CLUSTER", "GETKEYSINSLOT", "1", "-1"}),
              IsError("ERR Invalid slot or number of keys"));
  EXPECT_THAT(Run({"CLUSTER", "NOPE"}),
              IsError("ERR unknown subcommand 'NOPE'. Try CLUSTER HELP."));
  EXPECT_THAT(Run({"SELECT", "1"}), IsError("ERR SELECT is not allowed in cluster mode"));
  EXPECT_THAT(Run({"SELECT", "0"}), IsOk());
  RespValue id = Run({"CLUSTER", "MYID"});
  ASSERT_EQ(id.type, RespValue::Type::kBulk);
  EXPECT_EQ(id.str.size(), 40u);
  EXPECT_EQ(id.str.find_first_not_of("0123456789abcdef"), std::string::npos);
}

class StandaloneServerTest : public ServerTestBase {};

TEST_F(StandaloneServerTest, ClusterDisabled) {
  EXPECT_EQ(server_->slot_index(), nullptr);
  EXPECT_THAT(Run({"CLUSTER", "KEYSLOT", "foo"}),
              IsError("ERR This instance has cluster support disabled"));
  EXPECT_THAT(Run({"CLUSTER", "HELP"}), IsError("ERR This instance has cluster support disabled"));
}

}  // namespace
}  // namespace sable

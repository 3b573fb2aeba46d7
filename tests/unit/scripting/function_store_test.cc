#include "server/scripting/function_store.h"

#include <string>
#include <vector>

#include "tests/unit/core/server_test_base.h"

namespace sable {
namespace {

class FunctionStoreTest : public ServerTestBase {
 protected:
  FunctionStore& store() { return server_->functions(); }
  std::vector<std::string> propagated_;
};

std::string Lib(const std::string& name, const std::string& fn, const std::string& body) {
  return "#!lua name=" + name + "\nredis.register_function('" + fn +
         "', function(keys, args) " + body + " end)";
}

TEST_F(FunctionStoreTest, FcallEffectsAndFunctionLoadPropagate) {
  server_->AddPropagationSink(
      [this](int db, const std::vector<std::string_view>& argv) {
        std::string line = std::to_string(db);
        for (std::string_view a : argv) line += " " + std::string(a).substr(0, 20);
        propagated_.push_back(line);
      },
      kPropagateAll);
  std::string code = Lib("l", "two", "redis.call('set', keys[1], args[1]); "
                                     "return redis.call('incr', 'n')");
  EXPECT_THAT(Run({"FUNCTION", "LOAD", code}), IsBulk("l"));
  EXPECT_THAT(Run({"FCALL", "two", "1", "k", "v"}), IsInt(1));
  EXPECT_EQ(propagated_, (std::vector<std::string>{"0 FUNCTION LOAD #!lua name=l\nredis.r",
                                                   "-1 MULTI", "0 set k v", "0 incr n",
                                                   "-1 EXEC"}));
  propagated_.clear();
  // Failed management commands propagate nothing.
  EXPECT_THAT(Run({"FUNCTION", "LOAD", code}), IsError("ERR Library 'l' already exists"));
  EXPECT_THAT(Run({"FUNCTION", "DELETE", "nope"}), IsError("ERR Library not found"));
  EXPECT_TRUE(propagated_.empty());
}

TEST_F(FunctionStoreTest, RestoreIsAllOrNothing) {
  std::string err;
  ASSERT_EQ(store().Load(Lib("a", "fa", "return 1"), false, 0, &err), "a") << err;
  // The second library collides with a function of "a": neither is added.
  EXPECT_FALSE(store().Restore({Lib("b", "fb", "return 2"), Lib("c", "FA", "return 3")},
                               FunctionStore::Policy::kAppend, &err));
  EXPECT_EQ(err, "ERR Function FA already exists");
  EXPECT_EQ(store().libraries().size(), 1u);
  EXPECT_EQ(store().function_count(), 1u);
  // Code that fails to load fails the whole restore, even under FLUSH.
  EXPECT_FALSE(store().Restore({Lib("b", "fb", "return 2"), "#!lua name=bad\nx ="},
                               FunctionStore::Policy::kFlush, &err));
  EXPECT_EQ(store().libraries().count("a"), 1u);
  EXPECT_TRUE(store().Restore({Lib("b", "fb", "return 2")}, FunctionStore::Policy::kFlush, &err));
  EXPECT_EQ(store().libraries().size(), 1u);
  EXPECT_THAT(Run({"FCALL", "fb", "0"}), IsInt(2));
  EXPECT_THAT(Run({"FCALL", "fa", "0"}), IsError("ERR Function not found"));
}

TEST_F(FunctionStoreTest, ReplacingReleasesTheOldCallbacks) {
  std::string err;
  ASSERT_EQ(store().Load(Lib("a", "f", "return 0"), false, 0, &err), "a");
  size_t before = store().vm_memory();
  for (int i = 0; i < 2000; ++i) {
    std::string body = "return " + std::to_string(i) + " .. string.rep('x', 100)";
    ASSERT_EQ(store().Load(Lib("a", "f", body), true, 0, &err), "a") << err;
  }
  EXPECT_THAT(Run({"FCALL", "f", "0"}), IsBulk("1999" + std::string(100, 'x')));
  // What 2000 replaced libraries held is collectable: the heap stays near where it began.
  EXPECT_LT(store().vm_memory(), before + 512 * 1024);
}

}  // namespace
}  // namespace sable

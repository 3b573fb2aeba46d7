#include "server/scripting/lua_engine.h"

#include <string>
#include <vector>

#include "tests/unit/core/server_test_base.h"

namespace sable {
namespace {

class LuaEngineTest : public ServerTestBase {
 protected:
  // Every propagated command as one space-joined line (db -1 lines are MULTI/EXEC).
  void CapturePropagation() {
    server_->AddPropagationSink(
        [this](int db, const std::vector<std::string_view>& argv) {
          std::string line = std::to_string(db);
          for (std::string_view a : argv) line += " " + std::string(a);
          propagated_.push_back(line);
        },
        kPropagateAll);
  }
  std::vector<std::string> propagated_;
};

TEST_F(LuaEngineTest, ScriptEffectsPropagateAsCommandsInOneTransaction) {
  CapturePropagation();
  EXPECT_THAT(Run({"EVAL", "redis.call('set', KEYS[1], 'a'); redis.call('incr', 'n'); "
                           "return redis.call('get', 'n')", "1", "k"}),
              IsBulk("1"));
  EXPECT_EQ(propagated_,
            (std::vector<std::string>{"-1 MULTI", "0 set k a", "0 incr n", "-1 EXEC"}));
  propagated_.clear();
  // One write goes alone; reads and failed writes propagate nothing.
  EXPECT_THAT(Run({"EVAL", "redis.call('get', 'k'); redis.pcall('incr', 'k'); "
                           "return redis.call('del', 'k')", "0"}),
              IsInt(1));
  EXPECT_EQ(propagated_, (std::vector<std::string>{"0 del k"}));
  propagated_.clear();
  EXPECT_THAT(Run({"EVAL", "return redis.call('get', 'n')", "0"}), IsBulk("1"));
  EXPECT_TRUE(propagated_.empty());
}

TEST_F(LuaEngineTest, SetReplChoosesWhereEffectsGo) {
  std::vector<std::string> aof, repl;
  server_->AddPropagationSink(
      [&aof](int, const std::vector<std::string_view>& argv) { aof.emplace_back(argv[0]); },
      kPropagateAof);
  server_->AddPropagationSink(
      [&repl](int, const std::vector<std::string_view>& argv) { repl.emplace_back(argv[0]); },
      kPropagateRepl);
  EXPECT_THAT(Run({"EVAL", "redis.set_repl(redis.REPL_NONE); redis.call('set', 'a', 1); "
                           "redis.set_repl(redis.REPL_AOF); redis.call('set', 'b', 1); "
                           "redis.set_repl(redis.REPL_REPLICA); redis.call('del', 'b'); "
                           "redis.set_repl(redis.REPL_ALL); return redis.call('incr', 'a')", "0"}),
              IsInt(2));
  // Several effects: MULTI/EXEC go wherever any of them goes.
  EXPECT_EQ(aof, (std::vector<std::string>{"MULTI", "set", "incr", "EXEC"}));
  EXPECT_EQ(repl, (std::vector<std::string>{"MULTI", "del", "incr", "EXEC"}));
  EXPECT_THAT(Run({"EVAL", "redis.set_repl(7)", "0"}),
              IsError("ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or "
                      "REPL_NONE."));
  // The next script starts with REPL_ALL again.
  aof.clear();
  EXPECT_THAT(Run({"EVAL", "return redis.call('incr', 'a')", "0"}), IsInt(3));
  EXPECT_EQ(aof, (std::vector<std::string>{"incr"}));
}

TEST_F(LuaEngineTest, NumbersAsCommandArguments) {
  EXPECT_THAT(Run({"EVAL", "redis.call('set', 'a', 3.0); redis.call('set', 'b', 0.1); "
                           "redis.call('set', 'c', -7); return {redis.call('get', 'a'), "
                           "redis.call('get', 'b'), redis.call('get', 'c')}", "0"}),
              IsArrayOfSize(3));
  EXPECT_EQ(StrArray(Run({"MGET", "a", "b", "c"})), (std::vector<std::string>{"3", "0.1", "-7"}));
}

TEST_F(LuaEngineTest, SelfReferencingTableIsRefusedNotRecursedForever) {
  // As Redis: nested arrays down to the depth limit, then the error (a complete reply).
  std::vector<std::string_view> eval = {"EVAL", "local t = {}; t[1] = t; return t", "0"};
  server_->ProcessCommand(client_, eval);
  std::string bytes = out_.ToString();
  out_.Clear();
  EXPECT_EQ(bytes.rfind("*1\r\n", 0), 0u);
  const std::string tail = "*1\r\n-ERR reached lua stack limit\r\n";
  ASSERT_GE(bytes.size(), tail.size());
  EXPECT_EQ(bytes.substr(bytes.size() - tail.size()), tail);
  EXPECT_THAT(Run({"PING"}), IsSimple("PONG"));
}

TEST_F(LuaEngineTest, Resp3RepliesAfterSetResp) {
  EXPECT_THAT(Run({"HSET", "h", "f", "v"}), IsInt(1));
  // A map reply becomes {map = {...}}; with RESP2 the same command gives a flat array.
  EXPECT_THAT(Run({"EVAL", "redis.setresp(3); local r = redis.call('hgetall', 'h'); "
                           "return r.map.f", "0"}),
              IsBulk("v"));
  EXPECT_EQ(StrArray(Run({"EVAL", "return redis.call('hgetall', 'h')", "0"})),
            (std::vector<std::string>{"f", "v"}));
  EXPECT_THAT(Run({"EVAL", "redis.setresp(3); return redis.call('get', 'missing') == nil", "0"}),
              IsInt(1));
  EXPECT_THAT(Run({"EVAL", "return redis.call('get', 'missing') == false", "0"}), IsInt(1));
}

TEST_F(LuaEngineTest, FlushStartsAFreshInterpreter) {
  EXPECT_THAT(Run({"SCRIPT", "LOAD", "return 1"}),
              IsBulk("e0e1f9fabfc9d4800c877a703b823ac0578ff8db"));
  EXPECT_EQ(server_->lua().script_count(), 1u);
  EXPECT_THAT(Run({"SCRIPT", "FLUSH"}), IsOk());
  EXPECT_EQ(server_->lua().script_count(), 0u);
  EXPECT_THAT(Run({"EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"}),
              IsError("NOSCRIPT"));
  EXPECT_THAT(Run({"EVAL", "return 1", "0"}), IsInt(1));
}

}  // namespace
}  // namespace sable

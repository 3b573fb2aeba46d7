#include "server/scripting/lua_debugger.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}

#include <gtest/gtest.h>

#include <string>

namespace sable {
namespace {

// The value the chunk returns, as the debugger console prints it.
std::string ReprOf(const char* chunk) {
  lua_State* L = luaL_newstate();
  luaL_openlibs(L);
  EXPECT_EQ(luaL_dostring(L, chunk), 0) << lua_tostring(L, -1);
  std::string out = LuaDebugger::Repr(L, -1);
  EXPECT_EQ(lua_gettop(L), 1);  // the stack is as it was
  lua_close(L);
  return out;
}

TEST(LuaDebuggerTest, ValuesAsTheConsoleShowsThem) {
  EXPECT_EQ(ReprOf("return 'x\"y\\n\\0\\200\\\\'"), "\"x\\\"y\\n\\x00\\xc8\\\\\"");
  EXPECT_EQ(ReprOf("return 1.5"), "1.5");
  EXPECT_EQ(ReprOf("return 2^53"), "9.0072e+15");
  EXPECT_EQ(ReprOf("return nil"), "nil");
  EXPECT_EQ(ReprOf("return false"), "false");
  EXPECT_EQ(ReprOf("return {1, 2, 'a'}"), "{1; 2; \"a\"}");
  EXPECT_EQ(ReprOf("return {}"), "{}");
  EXPECT_EQ(ReprOf("return {[2] = 1}"), "{[2]=1}");
  EXPECT_EQ(ReprOf("return {x = {y = true}}"), "{[\"x\"]={[\"y\"]=true}}");
  EXPECT_EQ(ReprOf("return print").substr(0, 10), "\"function@");
  // a table holding itself is cut short, not recursed into forever
  EXPECT_NE(ReprOf("local t = {} t[1] = t return t").find("{...}"), std::string::npos);
}

TEST(LuaDebuggerTest, RepliesAsTheConsoleShowsThem) {
  EXPECT_EQ(LuaDebugger::ReplyToHuman("+OK\r\n"), "\"+OK\"");
  EXPECT_EQ(LuaDebugger::ReplyToHuman("-ERR no\r\n"), "\"-ERR no\"");
  EXPECT_EQ(LuaDebugger::ReplyToHuman(":42\r\n"), "42");
  EXPECT_EQ(LuaDebugger::ReplyToHuman("$3\r\na\"b\r\n"), "\"a\\\"b\"");
  EXPECT_EQ(LuaDebugger::ReplyToHuman("$-1\r\n"), "NULL");
  EXPECT_EQ(LuaDebugger::ReplyToHuman("*-1\r\n"), "NULL");
  EXPECT_EQ(LuaDebugger::ReplyToHuman("*2\r\n$1\r\na\r\n*1\r\n:1\r\n"), "[\"a\",[1]]");
  EXPECT_EQ(LuaDebugger::ReplyToHuman("%2\r\n$1\r\nk\r\n,1.5\r\n$1\r\nj\r\n_\r\n"),
            "{\"k\" => (double) 1.5,\"j\" => (null)}");
  EXPECT_EQ(LuaDebugger::ReplyToHuman("~1\r\n#t\r\n"), "~(#true)");
  // a type the console does not show, or a cut reply, shows nothing more
  EXPECT_EQ(LuaDebugger::ReplyToHuman("=7\r\ntxt:abc\r\n"), "");
  EXPECT_EQ(LuaDebugger::ReplyToHuman("*3\r\n:1\r\n"), "[1,");
  EXPECT_EQ(LuaDebugger::ReplyToHuman("$10\r\nab\r\n"), "");
}

}  // namespace
}  // namespace sable

// Libraries Redis gives scripts besides cjson and bit: struct (pack, unpack, size) and
// cmsgpack (pack, unpack, unpack_one, unpack_limit). Each pushes its table.
#pragma once

struct lua_State;

namespace sable {

int OpenStructLibrary(lua_State* L);
int OpenMsgpackLibrary(lua_State* L);

}  // namespace sable

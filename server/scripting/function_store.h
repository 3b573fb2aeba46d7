// The function libraries of FUNCTION LOAD (Redis 7 functions): each library is its code (with
// its `#!lua name=...` first line) and the functions its load-time code registered. The code
// runs in an interpreter of its own (LuaEngine in functions mode), apart from EVAL's. Function
// names are one namespace across libraries, compared without case as in Redis.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server/scripting/lua_engine.h"

namespace sable {

class CommandContext;
class Server;

class FunctionStore {
 public:
  struct Library {
    std::string name;
    std::string code;  // as loaded, shebang line included
    std::vector<LuaEngine::Function> functions;
  };
  enum class Policy { kAppend, kReplace, kFlush };

  explicit FunctionStore(Server* server);
  ~FunctionStore();
  FunctionStore(const FunctionStore&) = delete;
  FunctionStore& operator=(const FunctionStore&) = delete;

  // FUNCTION LOAD [REPLACE]: the library's name, or "" with *err set to the reply. Load-time
  // code running past timeout_ms (0: no limit; a master's or the AOF's commands) is stopped.
  std::string Load(std::string_view code, bool replace, int64_t timeout_ms, std::string* err);
  // FUNCTION RESTORE and RDB loading: every library in `codes`, joined to the current ones under
  // `policy` (APPEND refuses a library that exists, REPLACE replaces it, FLUSH drops all first).
  // All or nothing: on an error nothing changed.
  bool Restore(const std::vector<std::string>& codes, Policy policy, std::string* err);
  // FUNCTION DELETE: false when there is no such library.
  bool Delete(std::string_view library);
  // FUNCTION FLUSH: every library, and a fresh interpreter.
  void Flush();
  // FCALL, FCALL_RO.
  void Call(CommandContext& ctx, bool read_only);

  // Libraries by name (the order FUNCTION LIST, DUMP, the RDB and AOF rewrite use).
  const std::map<std::string, Library>& libraries() const { return libraries_; }
  size_t function_count() const { return functions_.size(); }
  // INFO memory: the interpreter's heap, and what the libraries' code and names take.
  size_t vm_memory() const;
  size_t memory() const;

 private:
  // Reads the shebang line: the library's name and the code after that line (its newline kept,
  // so line numbers are the library's). False with *err set to the reply.
  static bool ParseMetadata(std::string_view code, std::string* name, std::string_view* body,
                            std::string* err);
  // Compiles `code` and runs its load-time code into *lib (not yet linked).
  bool Compile(std::string_view code, int64_t timeout_ms, Library* lib, std::string* err);
  // The name of a function of `lib` that a library other than those named in `leaving` has
  // ("" when none).
  std::string Collision(const Library& lib, const std::vector<std::string>& leaving) const;
  void Link(Library lib);
  void Unlink(const std::string& name);
  void Release(Library& lib);
  LuaEngine& engine();

  Server* server_;
  std::unique_ptr<LuaEngine> engine_;
  std::map<std::string, Library> libraries_;
  // Function name in lower case -> its library's name and the function.
  struct Ref {
    const std::string* library;
    const LuaEngine::Function* fn;
  };
  std::unordered_map<std::string, Ref> functions_;
};

}  // namespace sable

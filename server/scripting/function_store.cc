#include "server/scripting/function_store.h"

#include <algorithm>
#include <cctype>

#include "server/core/context.h"
#include "server/util/strings.h"

namespace sable {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

bool ValidLibraryName(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_';
  });
}

}  // namespace

FunctionStore::FunctionStore(Server* server) : server_(server) {}

FunctionStore::~FunctionStore() = default;

LuaEngine& FunctionStore::engine() {
  if (!engine_) engine_ = std::make_unique<LuaEngine>(server_, LuaEngine::Mode::kFunctions);
  return *engine_;
}

bool FunctionStore::ParseMetadata(std::string_view code, std::string* name,
                                  std::string_view* body, std::string* err) {
  if (code.substr(0, 2) != "#!") {
    *err = "ERR Missing library metadata";
    return false;
  }
  size_t end = code.find('\n');
  if (end == std::string_view::npos) {
    *err = "ERR Invalid library metadata";
    return false;
  }
  std::vector<std::string_view> parts = SplitWords(code.substr(0, end));
  if (parts.empty()) {
    *err = "ERR Invalid library metadata";
    return false;
  }
  bool named = false;
  for (size_t p = 1; p < parts.size(); ++p) {
    if (parts[p].size() >= 5 && EqualsNoCase(parts[p].substr(0, 5), "name=")) {
      if (named) {
        *err = "ERR Invalid metadata value, name argument was given multiple times";
        return false;
      }
      named = true;
      name->assign(parts[p].substr(5));
      continue;
    }
    *err = "ERR Invalid metadata value given: " + std::string(parts[p]);
    return false;
  }
  if (!named) {
    *err = "ERR Library name was not given";
    return false;
  }
  if (!ValidLibraryName(*name)) {
    *err = "ERR Library names can only contain letters, numbers, or underscores(_) and must be "
           "at least one character long";
    return false;
  }
  std::string_view engine = parts[0].substr(2);
  if (!EqualsNoCase(engine, "lua")) {
    *err = "ERR Engine '" + std::string(engine) + "' not found";
    return false;
  }
  *body = code.substr(end);
  return true;
}

bool FunctionStore::Compile(std::string_view code, int64_t timeout_ms, Library* lib,
                            std::string* err) {
  std::string_view body;
  if (!ParseMetadata(code, &lib->name, &body, err)) return false;
  lib->code.assign(code);
  if (!engine().RegisterLibrary(body, timeout_ms, &lib->functions, err)) return false;
  if (lib->functions.empty()) {
    *err = "ERR No functions registered";
    return false;
  }
  return true;
}

std::string FunctionStore::Collision(const Library& lib,
                                     const std::vector<std::string>& leaving) const {
  for (const LuaEngine::Function& fn : lib.functions) {
    auto it = functions_.find(Lower(fn.name));
    if (it == functions_.end()) continue;
    const std::string& owner = *it->second.library;
    if (std::find(leaving.begin(), leaving.end(), owner) == leaving.end()) return fn.name;
  }
  return "";
}

void FunctionStore::Link(Library lib) {
  std::string name = lib.name;
  auto it = libraries_.emplace(std::move(name), std::move(lib)).first;
  for (const LuaEngine::Function& fn : it->second.functions) {
    functions_[Lower(fn.name)] = Ref{&it->first, &fn};
  }
}

void FunctionStore::Unlink(const std::string& name) {
  auto it = libraries_.find(name);
  if (it == libraries_.end()) return;
  for (const LuaEngine::Function& fn : it->second.functions) functions_.erase(Lower(fn.name));
  Release(it->second);
  libraries_.erase(it);
}

void FunctionStore::Release(Library& lib) {
  for (const LuaEngine::Function& fn : lib.functions) engine().Release(fn);
  lib.functions.clear();
}

std::string FunctionStore::Load(std::string_view code, bool replace, int64_t timeout_ms,
                                std::string* err) {
  Library lib;
  std::string_view body;
  if (!ParseMetadata(code, &lib.name, &body, err)) return "";
  bool exists = libraries_.count(lib.name) != 0;
  if (exists && !replace) {
    *err = "ERR Library '" + lib.name + "' already exists";
    return "";
  }
  if (!Compile(code, timeout_ms, &lib, err)) {
    Release(lib);
    return "";
  }
  std::string clash = Collision(lib, {lib.name});
  if (!clash.empty()) {
    *err = "ERR Function " + clash + " already exists";
    Release(lib);
    return "";
  }
  std::string name = lib.name;
  Unlink(name);
  Link(std::move(lib));
  return name;
}

bool FunctionStore::Restore(const std::vector<std::string>& codes, Policy policy,
                            std::string* err) {
  std::vector<Library> staged;
  std::vector<std::string> names;
  auto fail = [&](std::string e) {
    *err = std::move(e);
    for (Library& lib : staged) Release(lib);
    return false;
  };
  for (const std::string& code : codes) {
    Library lib;
    if (!Compile(code, 0, &lib, err)) {
      Release(lib);
      return fail(*err);
    }
    if (std::find(names.begin(), names.end(), lib.name) != names.end()) {
      Release(lib);
      return fail("ERR Library '" + lib.name + "' already exists");
    }
    for (const Library& other : staged) {
      for (const LuaEngine::Function& fn : lib.functions) {
        for (const LuaEngine::Function& o : other.functions) {
          if (EqualsNoCase(fn.name, o.name)) {
            std::string clash = fn.name;
            Release(lib);
            return fail("ERR Function " + clash + " already exists");
          }
        }
      }
    }
    names.push_back(lib.name);
    staged.push_back(std::move(lib));
  }
  if (policy == Policy::kFlush) {
    while (!libraries_.empty()) Unlink(libraries_.begin()->first);
  } else {
    for (const Library& lib : staged) {
      if (policy == Policy::kAppend && libraries_.count(lib.name) != 0) {
        return fail("ERR Library " + lib.name + " already exists");
      }
    }
    for (const Library& lib : staged) {
      std::string clash = Collision(lib, names);
      if (!clash.empty()) return fail("ERR Function " + clash + " already exists");
    }
    for (const std::string& name : names) Unlink(name);
  }
  for (Library& lib : staged) Link(std::move(lib));
  return true;
}

bool FunctionStore::Delete(std::string_view library) {
  std::string name(library);
  if (libraries_.count(name) == 0) return false;
  Unlink(name);
  return true;
}

void FunctionStore::Flush() {
  functions_.clear();
  libraries_.clear();
  engine_.reset();  // the interpreter goes with every callback it held
}

void FunctionStore::Call(CommandContext& ctx, bool read_only) {
  auto it = functions_.find(Lower(ctx.arg(1)));
  if (it == functions_.end()) {
    ctx.rb.SendError("ERR Function not found");
    return;
  }
  engine().Call(ctx, *it->second.fn, read_only);
}

size_t FunctionStore::vm_memory() const { return engine_ ? engine_->vm_memory() : 0; }

size_t FunctionStore::memory() const {
  size_t n = 0;
  for (const auto& [name, lib] : libraries_) {
    n += 2 * name.size() + lib.code.size() + sizeof(Library) + 64;
    for (const LuaEngine::Function& fn : lib.functions) {
      n += 2 * fn.name.size() + fn.description.size() + sizeof(fn) + 64;
    }
  }
  return n;
}

}  // namespace sable

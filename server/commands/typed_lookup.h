// The lookup every typed command starts with, shared by the type files (lists, hashes, sorted
// sets, streams): a keyspace hit or miss counted, then the value, kKeyNotFound or kWrongType;
// and the replies that end a command when there is no value to work on.
#pragma once

#include <string_view>

#include "server/core/context.h"
#include "server/core/op_status.h"
#include "server/resp/errors.h"
#include "server/store/db.h"

namespace sable {

template <typename T>
OpResult<T*> FindTyped(Db& db, std::string_view key, ObjType type) {
  Entry* e = db.Find(key);
  if (e == nullptr) {
    ++Db::misses;
    return OpStatus::kKeyNotFound;
  }
  ++Db::hits;
  if (e->type() != type) return OpStatus::kWrongType;
  return e->As<T>();
}

// The value of a lookup, or nullptr after replying WRONGTYPE or `missing` (no key).
template <typename T>
T* ValueOrReply(CommandContext& ctx, const OpResult<T*>& r, void (*missing)(ReplyBuilder&)) {
  if (r.ok()) return r.value();
  if (r.status() == OpStatus::kWrongType) {
    ctx.rb.SendError(errors::kWrongType);
  } else {
    missing(ctx.rb);
  }
  return nullptr;
}

}  // namespace sable

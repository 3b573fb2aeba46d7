#include "server/commands/hash_access.h"

#include <vector>

#include "server/commands/typed_lookup.h"
#include "server/config/keyspace_events.h"
#include "server/core/server.h"
#include "server/util/clock.h"

namespace sable::hash {

CompactLimits Limits(const CommandContext& ctx) {
  const ServerConfig& c = ctx.server.cfg();
  return {c.hash_max_listpack_entries, c.hash_max_listpack_value};
}

OpResult<HashObject*> Find(Db& db, std::string_view key) {
  return FindTyped<HashObject>(db, key, ObjType::kHash);
}

OpResult<HashObject*> FindForWrite(Db& db, std::string_view key) {
  Entry* e = db.Find(key);
  if (e == nullptr) return static_cast<HashObject*>(nullptr);
  if (e->type() != ObjType::kHash) return OpStatus::kWrongType;
  return e->As<HashObject>();
}

OpResult<HashObject*> FindOrCreate(Db& db, std::string_view key) {
  Entry* e = db.Find(key);
  if (e == nullptr) {
    auto* h = new HashObject();
    db.Add(Entry::NewObject(key, ObjType::kHash, h));
    return h;
  }
  if (e->type() != ObjType::kHash) return OpStatus::kWrongType;
  return e->As<HashObject>();
}

int64_t FieldClock(CommandContext& ctx) { return ctx.server.ExpiryPaused() ? -1 : CachedMs(); }

bool MayExpireFields(CommandContext& ctx) {
  return ctx.server.ExpireAllowed() && !ctx.server.ExpiryPaused() && !ctx.server.loading();
}

void PropagateFieldDeletion(CommandContext& ctx, std::string_view key, std::string_view field) {
  if (ctx.server.loading()) return;
  std::vector<std::string_view> argv = {"HDEL", key, field};
  ctx.server.Propagate(ctx.client->db_index, argv);
}

Access::Result Access::Get(std::string_view field, std::string_view* value, int64_t* when) {
  if (!h_->Lookup(field, value, when)) return Result::kMissing;
  if (Alive(*when, now_)) return Result::kFound;
  if (may_expire_) {
    // Propagate first: the field view dies with the field.
    PropagateFieldDeletion(ctx_, ctx_.arg(1), field);
    h_->Delete(field);
    ++expired_;
  }
  return Result::kExpired;
}

HashObject* Access::WithoutExpired() {
  int64_t min = h_->MinExpire();
  if (min == kNoFieldTtl || min > now_) return h_;
  if (may_expire_) {
    std::string_view key = ctx_.arg(1);
    expired_ += h_->ExpireFields(now_, SIZE_MAX, [&](std::string_view f) {
      PropagateFieldDeletion(ctx_, key, f);
    });
    return h_;
  }
  copy_.reset(static_cast<HashObject*>(h_->Clone()));
  copy_->ExpireFields(now_, SIZE_MAX, [](std::string_view) {});
  return copy_.get();
}

void Access::NotifyExpired() {
  if (expired_ == 0 || notified_) return;
  notified_ = true;
  ctx_.db().Touched(ctx_.arg(1));
  ctx_.Notify(kNotifyHash, "hexpired", ctx_.arg(1));
}

bool Access::DeleteKeyIfEmpty() {
  if (h_->size() != 0) return false;
  NotifyExpired();
  ctx_.db().Delete(ctx_.arg(1));
  ctx_.Notify(kNotifyGeneric, "del", ctx_.arg(1));
  h_ = nullptr;
  return true;
}

}  // namespace sable::hash

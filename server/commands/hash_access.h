// What the hash command files (hash_commands.cc, hash_ttl_commands.cc) share: the limits, the
// lookups, and the lazy side of field expiry. A field whose TTL passed is gone for every command:
// the one a command touches is deleted on the spot (on a primary, with HDEL sent downstream at
// once, as Redis's propagateHashFieldDeletion), commands that walk the hash skip it, and the
// active cycle (Db::ActiveExpire) removes the rest. Replicas hide such fields but wait for their
// primary's HDEL; while expiry is paused (loading an AOF, applying the primary's stream) every
// field counts as alive.
#pragma once

#include <string>
#include <string_view>

#include "server/core/context.h"
#include "server/core/op_status.h"
#include "server/store/hash_object.h"

namespace sable {

void RegisterHashTtlCommands(CommandRegistry& r);

namespace hash {

CompactLimits Limits(const CommandContext& ctx);

// A read lookup (expiring the key, counting a hit or a miss): kKeyNotFound, kWrongType or the
// hash.
OpResult<HashObject*> Find(Db& db, std::string_view key);
// A write lookup that counts no hit or miss (lookupKeyWrite): nullptr when the key is absent.
OpResult<HashObject*> FindForWrite(Db& db, std::string_view key);
// A write lookup: the hash at key, created empty when the key is absent.
OpResult<HashObject*> FindOrCreate(Db& db, std::string_view key);

// The instant fields are judged against; -1 while expiry is paused (no TTL is below it).
int64_t FieldClock(CommandContext& ctx);
// Whether an expired field may be deleted here (a primary not loading).
bool MayExpireFields(CommandContext& ctx);
inline bool Alive(int64_t when, int64_t now) { return when == kNoFieldTtl || when > now; }

// Sends HDEL key field downstream now, ahead of the command's own effect (it is the expiry that
// happened before the command ran), as key expiry sends DEL.
void PropagateFieldDeletion(CommandContext& ctx, std::string_view key, std::string_view field);

// One command's view of one hash: lookups that drop expired fields, with the notifications
// batched (one `hexpired` per command, then `del` if the key went).
class Access {
 public:
  Access(CommandContext& ctx, HashObject* h)
      : ctx_(ctx), h_(h), now_(FieldClock(ctx)), may_expire_(MayExpireFields(ctx)) {}

  enum class Result { kFound, kMissing, kExpired };
  // The field's value and TTL when it is alive; an expired one is deleted here (primary).
  Result Get(std::string_view field, std::string_view* value, int64_t* when);
  Result Get(std::string_view field, std::string_view* value) {
    int64_t when;
    return Get(field, value, &when);
  }
  // Deletes every expired field (HRANDFIELD). On a replica, where nothing may be deleted, returns
  // a private copy without them to read from instead; otherwise the hash itself.
  HashObject* WithoutExpired();
  // Fires `hexpired` once if this command expired fields (call before the command's own event).
  void NotifyExpired();
  // When the hash is empty: deletes the key and fires `del`; true then (the hash is gone).
  bool DeleteKeyIfEmpty();

  HashObject* hash() const { return h_; }
  int64_t now() const { return now_; }
  bool may_expire() const { return may_expire_; }
  size_t expired() const { return expired_; }

 private:
  CommandContext& ctx_;
  HashObject* h_;
  int64_t now_;
  bool may_expire_;
  size_t expired_ = 0;
  bool notified_ = false;
  std::unique_ptr<HashObject> copy_;
};

}  // namespace hash
}  // namespace sable

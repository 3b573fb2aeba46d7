// Expiry commands: setting TTLs (EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT with NX/XX/GT/LT),
// reading them (TTL, PTTL, EXPIRETIME, PEXPIRETIME) and removing them (PERSIST).
#include <cctype>
#include <climits>
#include <string>
#include <vector>

#include "server/commands/register.h"
#include "server/config/keyspace_events.h"
#include "server/core/context.h"
#include "server/core/op_status.h"
#include "server/core/server.h"
#include "server/resp/errors.h"
#include "server/util/clock.h"
#include "server/util/numbers.h"
#include "server/util/strings.h"

namespace sable {
namespace {

// The NX/XX/GT/LT conditions of the EXPIRE family.
enum ExpireFlag : int {
  kExpireNx = 1 << 0,  // only when the key has no TTL
  kExpireXx = 1 << 1,  // only when the key has a TTL
  kExpireGt = 1 << 2,  // only when the new TTL is later (no TTL counts as infinite)
  kExpireLt = 1 << 3,  // only when the new TTL is sooner
};

// Parses the options after the time argument; false with the error already sent. Redis
// checks these before the time itself, so "EXPIRE k abc FOO" reports the option.
bool ParseExpireFlags(CommandContext& ctx, int* flags) {
  for (size_t i = 3; i < ctx.argc(); ++i) {
    std::string_view opt = ctx.arg(i);
    if (EqualsNoCase(opt, "nx")) {
      *flags |= kExpireNx;
    } else if (EqualsNoCase(opt, "xx")) {
      *flags |= kExpireXx;
    } else if (EqualsNoCase(opt, "gt")) {
      *flags |= kExpireGt;
    } else if (EqualsNoCase(opt, "lt")) {
      *flags |= kExpireLt;
    } else {
      ctx.rb.SendError("ERR Unsupported option " + std::string(opt));
      return false;
    }
  }
  if ((*flags & kExpireNx) && (*flags & (kExpireXx | kExpireGt | kExpireLt))) {
    ctx.rb.SendError("ERR NX and XX, GT or LT options at the same time are not compatible");
    return false;
  }
  if ((*flags & kExpireGt) && (*flags & kExpireLt)) {
    ctx.rb.SendError("ERR GT and LT options at the same time are not compatible");
    return false;
  }
  return true;
}

enum class ExpireResult {
  kNoKey,    // the key does not exist
  kSkipped,  // an NX/XX/GT/LT condition said no
  kSet,      // the TTL was set
  kDeleted,  // the time was already past: the key was deleted
};

// Whether the condition flags allow replacing `current` (-1: no TTL) with `when`.
bool ExpireConditionHolds(int flags, int64_t current, int64_t when) {
  if ((flags & kExpireNx) && current != -1) return false;
  if ((flags & kExpireXx) && current == -1) return false;
  // A key without TTL lives forever: no time is greater, every time is less.
  if ((flags & kExpireGt) && (current == -1 || when <= current)) return false;
  if ((flags & kExpireLt) && current != -1 && when >= current) return false;
  return true;
}

// Gives `key` the absolute expiry `when_ms`, or deletes it when that is already past and
// `may_delete` (replicas keep such keys and wait for their primary's DEL).
ExpireResult OpExpire(Db& db, std::string_view key, int64_t when_ms, int flags, bool may_delete,
                      bool lazy) {
  Entry* e = db.Find(key);
  if (e == nullptr) return ExpireResult::kNoKey;
  if (flags && !ExpireConditionHolds(flags, db.GetExpire(e), when_ms)) {
    return ExpireResult::kSkipped;
  }
  if (when_ms <= CachedMs() && may_delete) {
    db.Delete(key, lazy);
    return ExpireResult::kDeleted;
  }
  db.SetExpire(e, when_ms);
  return ExpireResult::kSet;
}

// EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT. `relative`: the time counts from now; `seconds`: the
// time is in seconds.
void ExpireGeneric(CommandContext& ctx, bool relative, bool seconds) {
  int flags = 0;
  if (!ParseExpireFlags(ctx, &flags)) return;
  int64_t when;
  if (!ParseInt64(ctx.arg(2), &when)) {
    ctx.rb.SendError(errors::kNotInteger);
    return;
  }
  // Negative times are allowed (they delete the key); only overflow is an error.
  auto invalid = [&ctx] {
    ctx.rb.SendError("ERR invalid expire time in '" + ctx.cmd->name + "' command");
  };
  if (seconds) {
    if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000) {
      invalid();
      return;
    }
    when *= 1000;
  }
  int64_t base = relative ? CachedMs() : 0;
  if (when > LLONG_MAX - base) {
    invalid();
    return;
  }
  when += base;

  std::string_view key = ctx.arg(1);
  bool lazy = ctx.server.cfg().lazyfree_lazy_expire;
  // While loading the AOF a past time only sets the TTL: later entries of the log were written
  // while the key was alive (Redis's checkAlreadyExpired() is false while loading).
  bool may_delete = ctx.server.ExpireAllowed() && !ctx.server.loading();
  switch (OpExpire(ctx.db(), key, when, flags, may_delete, lazy)) {
    case ExpireResult::kNoKey:
    case ExpireResult::kSkipped:
      ctx.rb.SendLong(0);
      return;
    case ExpireResult::kDeleted:
      ctx.Notify(kNotifyGeneric, "del", key);
      ctx.PropagateAs({lazy ? "UNLINK" : "DEL", std::string(key)});
      ctx.rb.SendLong(1);
      return;
    case ExpireResult::kSet:
      break;
  }
  ctx.Notify(kNotifyGeneric, "expire", key);
  if (relative || seconds) {
    // Replicas and the AOF get the absolute time in ms, keeping the NX/XX/GT/LT options.
    std::vector<std::string> argv = {"PEXPIREAT", std::string(key), std::to_string(when)};
    for (size_t i = 3; i < ctx.argc(); ++i) argv.emplace_back(ctx.arg(i));
    ctx.PropagateAs(std::move(argv));
  } else {
    ctx.Propagate();
  }
  ctx.rb.SendLong(1);
}

void CmdExpire(CommandContext& ctx) { ExpireGeneric(ctx, true, true); }
void CmdPExpire(CommandContext& ctx) { ExpireGeneric(ctx, true, false); }
void CmdExpireAt(CommandContext& ctx) { ExpireGeneric(ctx, false, true); }
void CmdPExpireAt(CommandContext& ctx) { ExpireGeneric(ctx, false, false); }

// A key's expiry as TTL-family commands see it: kKeyNotFound, or the absolute time in ms
// (-1 when the key has none). The lookup expires the key but does not touch it.
OpResult<int64_t> OpGetExpire(Db& db, std::string_view key) {
  Entry* e = db.Find(key, false);
  if (e == nullptr) {
    ++Db::misses;
    return OpStatus::kKeyNotFound;
  }
  ++Db::hits;
  return db.GetExpire(e);
}

// TTL, PTTL, EXPIRETIME, PEXPIRETIME: -2 for a missing key, -1 for no TTL.
void TtlGeneric(CommandContext& ctx, bool ms, bool absolute) {
  auto r = OpGetExpire(ctx.db(), ctx.arg(1));
  if (!r.ok()) {
    ctx.rb.SendLong(-2);
    return;
  }
  int64_t when = r.value();
  if (when == -1) {
    ctx.rb.SendLong(-1);
    return;
  }
  int64_t v = absolute ? when : when - CachedMs();
  if (v < 0) v = 0;
  // Seconds are rounded to the nearest, as Redis does.
  ctx.rb.SendLong(ms ? v : (v + 500) / 1000);
}

void CmdTtl(CommandContext& ctx) { TtlGeneric(ctx, false, false); }
void CmdPTtl(CommandContext& ctx) { TtlGeneric(ctx, true, false); }
void CmdExpireTime(CommandContext& ctx) { TtlGeneric(ctx, false, true); }
void CmdPExpireTime(CommandContext& ctx) { TtlGeneric(ctx, true, true); }

// Removes the TTL of a key; false when the key is missing or has none.
bool OpPersist(Db& db, std::string_view key) {
  Entry* e = db.Find(key);
  return e != nullptr && db.RemoveExpire(e);
}

void CmdPersist(CommandContext& ctx) {
  if (!OpPersist(ctx.db(), ctx.arg(1))) {
    ctx.rb.SendLong(0);
    return;
  }
  ctx.Notify(kNotifyGeneric, "persist", ctx.arg(1));
  ctx.Propagate();
  ctx.rb.SendLong(1);
}

}  // namespace

void RegisterExpireCommands(CommandRegistry& r) {
  constexpr uint32_t kRead = kAclKeyspace | kAclRead | kAclFast;
  constexpr uint32_t kWrite = kAclKeyspace | kAclWrite | kAclFast;
  constexpr uint32_t kR = kCmdReadOnly | kCmdFast;
  constexpr uint32_t kW = kCmdWrite | kCmdFast;
  auto add = [&](const char* name, int arity, uint32_t flags, uint32_t acl, CommandHandler h,
                 const char* since, const char* summary) {
    CommandSpec& s = r.Add(MakeCommand(name, arity, flags, acl, 1, 1, 1, h, "generic", summary));
    s.since = since;
  };
  add("expire", -3, kW, kWrite, CmdExpire, "1.0.0", "Set a key's time to live in seconds");
  add("pexpire", -3, kW, kWrite, CmdPExpire, "2.6.0",
      "Set a key's time to live in milliseconds");
  add("expireat", -3, kW, kWrite, CmdExpireAt, "1.2.0",
      "Set the expiration for a key as a UNIX timestamp");
  add("pexpireat", -3, kW, kWrite, CmdPExpireAt, "2.6.0",
      "Set the expiration for a key as a UNIX timestamp specified in milliseconds");
  add("ttl", 2, kR, kRead, CmdTtl, "1.0.0", "Get the time to live for a key in seconds");
  add("pttl", 2, kR, kRead, CmdPTtl, "2.6.0", "Get the time to live for a key in milliseconds");
  add("expiretime", 2, kR, kRead, CmdExpireTime, "7.0.0",
      "Get the expiration Unix timestamp for a key");
  add("pexpiretime", 2, kR, kRead, CmdPExpireTime, "7.0.0",
      "Get the expiration Unix timestamp for a key in milliseconds");
  add("persist", 2, kW, kWrite, CmdPersist, "2.2.0", "Remove the expiration from a key");
}

}  // namespace sable

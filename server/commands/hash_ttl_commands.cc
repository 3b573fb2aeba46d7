// Hash field expiration: HEXPIRE, HPEXPIRE, HEXPIREAT, HPEXPIREAT, HTTL, HPTTL, HEXPIRETIME,
// HPEXPIRETIME, HPERSIST (Redis 7.4) and HGETDEL, HGETEX, HSETEX (Redis 8.0), with Redis's
// argument order, reply codes and error texts. Relative times go downstream as absolute
// HPEXPIREAT / HSETEX PXAT, fields deleted because their new time is already past as HDEL.
// The structure is server/store/hash_object.h; lazy expiry is hash_access.h.
#include <climits>
#include <string>
#include <vector>

#include "server/commands/hash_access.h"
#include "server/commands/register.h"
#include "server/config/keyspace_events.h"
#include "server/core/context.h"
#include "server/core/server.h"
#include "server/resp/errors.h"
#include "server/util/clock.h"
#include "server/util/numbers.h"
#include "server/util/strings.h"

namespace sable {
namespace {

using hash::Access;
using Result = hash::Access::Result;

constexpr std::string_view kFieldsMissing =
    "ERR Mandatory argument FIELDS is missing or not at the right position";
constexpr std::string_view kNumFieldsExpire = "ERR Parameter `numFields` should be greater than 0";
constexpr std::string_view kNumFieldsPositive = "ERR Number of fields must be a positive integer";
constexpr std::string_view kNumFieldsMismatch =
    "ERR The `numfields` parameter must match the number of arguments";
constexpr std::string_view kNegativeTime = "ERR invalid expire time, must be >= 0";

// Redis's HFE_MAX_ABS_TIME_MSEC: 48-bit times with two bits kept back.
constexpr int64_t kMaxAbsMs = ((int64_t{1} << 48) - 1) >> 2;

// HEXPIRE's reply codes.
constexpr int64_t kNoField = -2;
constexpr int64_t kConditionNotMet = 0;
constexpr int64_t kTtlSet = 1;
constexpr int64_t kDeletedNow = 2;

enum class Cond { kNone, kNx, kXx, kGt, kLt };

Cond ParseCond(std::string_view a) {
  if (EqualsNoCase(a, "nx")) return Cond::kNx;
  if (EqualsNoCase(a, "xx")) return Cond::kXx;
  if (EqualsNoCase(a, "gt")) return Cond::kGt;
  if (EqualsNoCase(a, "lt")) return Cond::kLt;
  return Cond::kNone;
}

// Whether a field whose TTL is `old` (kNoFieldTtl: none, i.e. infinite) takes `when`.
bool CondMet(Cond c, int64_t old, int64_t when) {
  switch (c) {
    case Cond::kNone:
      return true;
    case Cond::kNx:
      return old == kNoFieldTtl;
    case Cond::kXx:
      return old != kNoFieldTtl;
    case Cond::kGt:
      return old != kNoFieldTtl && when > old;
    case Cond::kLt:
      return old == kNoFieldTtl || when < old;
  }
  return false;
}

// Redis's parseExpireTime(): a time argument as absolute ms (relative ones on top of `base`).
bool ParseFieldTime(CommandContext& ctx, std::string_view arg, bool seconds, int64_t base,
                    int64_t* out) {
  int64_t v;
  if (!ParseInt64(arg, &v)) {
    ctx.rb.SendError(errors::kNotInteger);
    return false;
  }
  if (v < 0) {
    ctx.rb.SendError(kNegativeTime);
    return false;
  }
  bool too_big = false;
  if (seconds) {
    if (v > kMaxAbsMs / 1000) {
      too_big = true;
    } else {
      v *= 1000;
    }
  }
  if (too_big || v > kMaxAbsMs - base) {
    ctx.rb.SendError("ERR invalid expire time in '" + ctx.cmd->name + "' command");
    return false;
  }
  *out = v + base;
  return true;
}

// FIELDS numfields field...: the keyword at argv[at], every argument after the count a field.
bool ParseFields(CommandContext& ctx, size_t at, std::string_view count_error, size_t* first,
                 size_t* n) {
  if (at >= ctx.argc() || !EqualsNoCase(ctx.arg(at), "fields")) {
    ctx.rb.SendError(kFieldsMissing);
    return false;
  }
  if (at + 1 >= ctx.argc()) {
    ctx.ReplyWrongArity();
    return false;
  }
  int64_t v;
  if (!ParseInt64(ctx.arg(at + 1), &v) || v < 1 || v > LONG_MAX) {
    ctx.rb.SendError(count_error);
    return false;
  }
  *first = at + 2;
  if (static_cast<uint64_t>(v) != ctx.argc() - *first) {
    ctx.rb.SendError(kNumFieldsMismatch);
    return false;
  }
  *n = static_cast<size_t>(v);
  return true;
}

void ReplyAllInts(CommandContext& ctx, size_t n, int64_t code) {
  ctx.rb.StartArray(n);
  for (size_t i = 0; i < n; ++i) ctx.rb.SendLong(code);
}

void ReplyAllNulls(CommandContext& ctx, size_t n) {
  ctx.rb.StartArray(n);
  for (size_t i = 0; i < n; ++i) ctx.rb.SendNull();
}

// A write lookup that replies WRONGTYPE; *h is nullptr for a missing key.
bool LookupForWrite(CommandContext& ctx, HashObject** h) {
  OpResult<HashObject*> r = hash::FindForWrite(ctx.db(), ctx.arg(1));
  if (!r.ok()) {
    ctx.rb.SendError(OpStatusError(r.status()));
    return false;
  }
  *h = r.value();
  return true;
}

// Whether a new time `when` deletes the fields at once instead (Redis's checkAlreadyExpired):
// only on a primary that is not loading; elsewhere the field waits with its past time.
bool AlreadyExpired(CommandContext& ctx, int64_t when) {
  return when <= CachedMs() && hash::MayExpireFields(ctx);
}

// ---- HEXPIRE / HPEXPIRE / HEXPIREAT / HPEXPIREAT ------------------------------------------

void ExpireGeneric(CommandContext& ctx, bool seconds, bool absolute) {
  HashObject* h;
  if (!LookupForWrite(ctx, &h)) return;
  int64_t when;
  if (!ParseFieldTime(ctx, ctx.arg(2), seconds, absolute ? 0 : CachedMs(), &when)) return;
  Cond cond = ParseCond(ctx.arg(3));
  size_t first, n;
  if (!ParseFields(ctx, cond == Cond::kNone ? 3 : 4, kNumFieldsExpire, &first, &n)) return;
  if (h == nullptr) {
    ReplyAllInts(ctx, n, kNoField);
    return;
  }
  std::string_view key = ctx.arg(1);
  Access acc(ctx, h);
  bool past = AlreadyExpired(ctx, when);
  std::vector<std::string> propagated = {"HPEXPIREAT", std::string(key), std::to_string(when)};
  if (cond != Cond::kNone) propagated.emplace_back(ctx.arg(3));
  propagated.emplace_back("FIELDS");
  propagated.emplace_back();  // the count, once known
  size_t updated = 0, deleted = 0;
  ctx.rb.StartArray(n);
  for (size_t i = first; i < ctx.argc(); ++i) {
    std::string_view f = ctx.arg(i);
    std::string_view value;
    int64_t old;
    if (acc.Get(f, &value, &old) != Result::kFound) {
      ctx.rb.SendLong(kNoField);
    } else if (!CondMet(cond, old, when)) {
      ctx.rb.SendLong(kConditionNotMet);
    } else if (past) {
      hash::PropagateFieldDeletion(ctx, key, f);
      h->Delete(f);
      ++deleted;
      ctx.rb.SendLong(kDeletedNow);
    } else {
      h->SetExpire(f, when);
      propagated.emplace_back(f);
      ++updated;
      ctx.rb.SendLong(kTtlSet);
    }
  }
  acc.NotifyExpired();
  if (updated + deleted > 0) {
    ctx.db().Touched(key);
    ctx.Notify(kNotifyHash, deleted ? "hdel" : "hexpire", key);
  }
  if (updated > 0) {
    ctx.db().NoteFieldExpiry(key, when);
    propagated[propagated.size() - updated - 1] = std::to_string(updated);
    ctx.PropagateAs(std::move(propagated), static_cast<long long>(updated));
  }
  acc.DeleteKeyIfEmpty();
}

void CmdHExpire(CommandContext& ctx) { ExpireGeneric(ctx, true, false); }
void CmdHPExpire(CommandContext& ctx) { ExpireGeneric(ctx, false, false); }
void CmdHExpireAt(CommandContext& ctx) { ExpireGeneric(ctx, true, true); }
void CmdHPExpireAt(CommandContext& ctx) { ExpireGeneric(ctx, false, true); }

// ---- HTTL / HPTTL / HEXPIRETIME / HPEXPIRETIME --------------------------------------------

// A read: an expired field reads as absent (-2) but is left for the cycle, as in Redis.
void TtlGeneric(CommandContext& ctx, bool seconds, bool absolute) {
  OpResult<HashObject*> r = hash::Find(ctx.db(), ctx.arg(1));
  if (r.status() == OpStatus::kWrongType) {
    ctx.rb.SendError(errors::kWrongType);
    return;
  }
  size_t first, n;
  if (!ParseFields(ctx, 2, kNumFieldsPositive, &first, &n)) return;
  if (!r.ok()) {
    ReplyAllInts(ctx, n, kNoField);
    return;
  }
  HashObject* h = r.value();
  int64_t now = hash::FieldClock(ctx);
  int64_t base = absolute ? 0 : CachedMs();
  ctx.rb.StartArray(n);
  for (size_t i = first; i < ctx.argc(); ++i) {
    std::string_view value;
    int64_t when;
    if (!h->Lookup(ctx.arg(i), &value, &when) || !hash::Alive(when, now)) {
      ctx.rb.SendLong(kNoField);
    } else if (when == kNoFieldTtl) {
      ctx.rb.SendLong(-1);
    } else if (seconds) {
      ctx.rb.SendLong((when + 999 - base) / 1000);
    } else {
      ctx.rb.SendLong(when - base);
    }
  }
}

void CmdHTtl(CommandContext& ctx) { TtlGeneric(ctx, true, false); }
void CmdHPTtl(CommandContext& ctx) { TtlGeneric(ctx, false, false); }
void CmdHExpireTime(CommandContext& ctx) { TtlGeneric(ctx, true, true); }
void CmdHPExpireTime(CommandContext& ctx) { TtlGeneric(ctx, false, true); }

// ---- HPERSIST -----------------------------------------------------------------------------

void CmdHPersist(CommandContext& ctx) {
  HashObject* h;
  if (!LookupForWrite(ctx, &h)) return;
  size_t first, n;
  if (!ParseFields(ctx, 2, kNumFieldsPositive, &first, &n)) return;
  if (h == nullptr) {
    ReplyAllInts(ctx, n, kNoField);
    return;
  }
  Access acc(ctx, h);
  bool changed = false;
  ctx.rb.StartArray(n);
  for (size_t i = first; i < ctx.argc(); ++i) {
    std::string_view value;
    int64_t when;
    if (acc.Get(ctx.arg(i), &value, &when) != Result::kFound) {
      ctx.rb.SendLong(kNoField);
    } else if (when == kNoFieldTtl) {
      ctx.rb.SendLong(-1);
    } else {
      h->Persist(ctx.arg(i));
      changed = true;
      ctx.rb.SendLong(1);
    }
  }
  acc.NotifyExpired();
  if (changed) {
    ctx.db().Touched(ctx.arg(1));
    ctx.Notify(kNotifyHash, "hpersist", ctx.arg(1));
    ctx.Propagate();
  }
  acc.DeleteKeyIfEmpty();
}

// ---- HGETDEL ------------------------------------------------------------------------------

void CmdHGetDel(CommandContext& ctx) {
  HashObject* h;
  if (!LookupForWrite(ctx, &h)) return;
  size_t first, n;
  if (!ParseFields(ctx, 2, kNumFieldsPositive, &first, &n)) return;
  if (h == nullptr) {
    ReplyAllNulls(ctx, n);
    return;
  }
  Access acc(ctx, h);
  long long deleted = 0;
  ctx.rb.StartArray(n);
  for (size_t i = first; i < ctx.argc(); ++i) {
    std::string_view value;
    if (acc.Get(ctx.arg(i), &value) != Result::kFound) {
      ctx.rb.SendNull();
      continue;
    }
    ctx.rb.SendBulk(value);
    h->Delete(ctx.arg(i));
    ++deleted;
  }
  acc.NotifyExpired();
  if (deleted > 0) {
    ctx.db().Touched(ctx.arg(1));
    ctx.Notify(kNotifyHash, "hdel", ctx.arg(1));
    // Downstream it is HDEL key field...: no reply to give there.
    std::vector<std::string> argv = {"HDEL", std::string(ctx.arg(1))};
    for (size_t i = first; i < ctx.argc(); ++i) argv.emplace_back(ctx.arg(i));
    ctx.PropagateAs(std::move(argv), deleted);
  }
  acc.DeleteKeyIfEmpty();
}

// ---- HGETEX -------------------------------------------------------------------------------

enum class TimeOpt { kNone, kEx, kPx, kExAt, kPxAt, kPersist, kKeepTtl };

TimeOpt ParseTimeOpt(std::string_view a) {
  if (EqualsNoCase(a, "ex")) return TimeOpt::kEx;
  if (EqualsNoCase(a, "px")) return TimeOpt::kPx;
  if (EqualsNoCase(a, "exat")) return TimeOpt::kExAt;
  if (EqualsNoCase(a, "pxat")) return TimeOpt::kPxAt;
  return TimeOpt::kNone;
}

bool HasTime(TimeOpt t) {
  return t == TimeOpt::kEx || t == TimeOpt::kPx || t == TimeOpt::kExAt || t == TimeOpt::kPxAt;
}

bool ParseOptTime(CommandContext& ctx, TimeOpt t, std::string_view arg, int64_t* when) {
  bool seconds = t == TimeOpt::kEx || t == TimeOpt::kExAt;
  bool relative = t == TimeOpt::kEx || t == TimeOpt::kPx;
  return ParseFieldTime(ctx, arg, seconds, relative ? CachedMs() : 0, when);
}

// HGETEX key [EX s | PX ms | EXAT ts | PXAT ms-ts | PERSIST] FIELDS numfields field...
void CmdHGetEx(CommandContext& ctx) {
  HashObject* h;
  if (!LookupForWrite(ctx, &h)) return;
  TimeOpt opt = ParseTimeOpt(ctx.arg(2));
  if (opt == TimeOpt::kNone && EqualsNoCase(ctx.arg(2), "persist")) opt = TimeOpt::kPersist;
  size_t fields_at = 2;
  int64_t when = kNoFieldTtl;
  if (HasTime(opt)) {
    if (!ParseOptTime(ctx, opt, ctx.arg(3), &when)) return;
    fields_at = 4;
  } else if (opt == TimeOpt::kPersist) {
    fields_at = 3;
  }
  size_t first, n;
  if (!ParseFields(ctx, fields_at, kNumFieldsPositive, &first, &n)) return;
  if (h == nullptr) {
    ReplyAllNulls(ctx, n);
    return;
  }
  std::string_view key = ctx.arg(1);
  Access acc(ctx, h);
  bool past = HasTime(opt) && AlreadyExpired(ctx, when);
  size_t updated = 0, deleted = 0;
  ctx.rb.StartArray(n);
  for (size_t i = first; i < ctx.argc(); ++i) {
    std::string_view f = ctx.arg(i);
    std::string_view value;
    int64_t old;
    if (acc.Get(f, &value, &old) != Result::kFound) {
      ctx.rb.SendNull();
      continue;
    }
    ctx.rb.SendBulk(value);
    if (opt == TimeOpt::kPersist) {
      updated += h->Persist(f);
    } else if (HasTime(opt) && past) {
      hash::PropagateFieldDeletion(ctx, key, f);
      h->Delete(f);
      ++deleted;
    } else if (HasTime(opt)) {
      h->SetExpire(f, when);
      ++updated;
    }
  }
  acc.NotifyExpired();
  if (updated + deleted > 0) ctx.db().Touched(key);
  if (updated > 0) {
    // Never downstream as itself: as HPERSIST, or HPEXPIREAT at the absolute time.
    std::vector<std::string> argv;
    if (opt == TimeOpt::kPersist) {
      ctx.Notify(kNotifyHash, "hpersist", key);
      argv = {"HPERSIST", std::string(key)};
    } else {
      ctx.Notify(kNotifyHash, "hexpire", key);
      ctx.db().NoteFieldExpiry(key, when);
      argv = {"HPEXPIREAT", std::string(key), std::to_string(when)};
    }
    argv.emplace_back("FIELDS");
    argv.push_back(std::to_string(n));
    for (size_t i = first; i < ctx.argc(); ++i) argv.emplace_back(ctx.arg(i));
    ctx.PropagateAs(std::move(argv), static_cast<long long>(updated));
  } else if (deleted > 0) {
    // The HDELs already went downstream.
    ctx.Notify(kNotifyHash, "hdel", key);
  }
  acc.DeleteKeyIfEmpty();
}

// ---- HSETEX -------------------------------------------------------------------------------

struct SetExArgs {
  bool fnx = false, fxx = false;
  TimeOpt time = TimeOpt::kNone;  // kNone, a time, or kKeepTtl
  int64_t when = kNoFieldTtl;
  size_t time_at = 0;  // argv index of the time value
  size_t first = 0;    // argv index of the first field
  size_t n = 0;
};

// Redis 8.0's hsetexParseArgs: options in any order, then FIELDS numfields field value...
bool ParseSetEx(CommandContext& ctx, SetExArgs* a) {
  for (size_t i = 2; i < ctx.argc(); ++i) {
    std::string_view arg = ctx.arg(i);
    if (EqualsNoCase(arg, "fields")) {
      if (i + 3 >= ctx.argc()) {
        ctx.ReplyWrongArity();
        return false;
      }
      int64_t v;
      if (!ParseInt64(ctx.arg(i + 1), &v) || v < 1 || v > INT_MAX) {
        ctx.rb.SendError("ERR invalid number of fields");
        return false;
      }
      size_t remaining = ctx.argc() - i - 2;
      if (remaining % 2 != 0 || static_cast<uint64_t>(v) != remaining / 2) {
        ctx.ReplyWrongArity();
        return false;
      }
      a->first = i + 2;
      a->n = static_cast<size_t>(v);
      return true;
    }
    TimeOpt t = ParseTimeOpt(arg);
    if (t == TimeOpt::kNone && EqualsNoCase(arg, "keepttl")) t = TimeOpt::kKeepTtl;
    if (t != TimeOpt::kNone) {
      if (a->time != TimeOpt::kNone) {
        ctx.rb.SendError(
            "ERR Only one of EX, PX, EXAT, PXAT or KEEPTTL arguments can be specified");
        return false;
      }
      a->time = t;
      if (t == TimeOpt::kKeepTtl) continue;
      if (i + 1 >= ctx.argc()) {
        ctx.rb.SendError("ERR missing expire time");
        return false;
      }
      ++i;
      if (!ParseOptTime(ctx, t, ctx.arg(i), &a->when)) return false;
      a->time_at = i;
    } else if (EqualsNoCase(arg, "fxx") || EqualsNoCase(arg, "fnx")) {
      if (a->fxx || a->fnx) {
        ctx.rb.SendError("ERR Only one of FXX or FNX arguments can be specified");
        return false;
      }
      (EqualsNoCase(arg, "fxx") ? a->fxx : a->fnx) = true;
    } else {
      ctx.rb.SendError("ERR unknown argument: " + std::string(arg));
      return false;
    }
  }
  ctx.ReplyWrongArity();
  return false;
}

// HSETEX key [FNX | FXX] [EX s | PX ms | EXAT ts | PXAT ms-ts | KEEPTTL]
//        FIELDS numfields field value [field value ...]: 1 when set, 0 when FNX/FXX refused.
void CmdHSetEx(CommandContext& ctx) {
  SetExArgs a;
  if (!ParseSetEx(ctx, &a)) return;
  HashObject* h;
  if (!LookupForWrite(ctx, &h)) return;
  std::string_view key = ctx.arg(1);
  if (h == nullptr) {
    if (a.fxx) {
      ctx.rb.SendLong(0);
      return;
    }
    h = hash::FindOrCreate(ctx.db(), key).value();
  }
  Access acc(ctx, h);
  if (a.fxx || a.fnx) {
    size_t found = 0;
    for (size_t i = 0; i < a.n; ++i) {
      std::string_view value;
      bool exists = acc.Get(ctx.arg(a.first + 2 * i), &value) == Result::kFound;
      found += exists;
      if ((a.fxx && !exists) || (a.fnx && exists)) break;
    }
    if ((a.fxx && found != a.n) || (a.fnx && found != 0)) {
      ctx.rb.SendLong(0);
      acc.NotifyExpired();
      acc.DeleteKeyIfEmpty();
      return;
    }
  }
  bool set_ttl = HasTime(a.time);
  bool past = set_ttl && AlreadyExpired(ctx, a.when);
  CompactLimits limits = hash::Limits(ctx);
  size_t updated = 0, deleted = 0;
  for (size_t i = a.first; i < ctx.argc(); i += 2) {
    std::string_view f = ctx.arg(i);
    h->Set(f, ctx.arg(i + 1), limits, a.time != TimeOpt::kNone);
    if (!set_ttl) continue;
    if (past) {
      hash::PropagateFieldDeletion(ctx, key, f);
      h->Delete(f);
      ++deleted;
    } else {
      h->SetExpire(f, a.when);
      ++updated;
    }
  }
  auto changes = static_cast<long long>(a.n);
  if (deleted > 0) {
    // Set then deleted at once: the HDELs that went downstream are the whole effect.
  } else if (set_ttl && a.time != TimeOpt::kPxAt) {
    std::vector<std::string> argv(ctx.args.begin(), ctx.args.end());
    argv[a.time_at - 1] = "PXAT";
    argv[a.time_at] = std::to_string(a.when);
    ctx.PropagateAs(std::move(argv), changes);
  } else {
    ctx.Propagate(changes);
  }
  ctx.rb.SendLong(1);
  acc.NotifyExpired();
  ctx.db().Touched(key);
  ctx.Notify(kNotifyHash, "hset", key);
  if (updated + deleted > 0) ctx.Notify(kNotifyHash, deleted ? "hdel" : "hexpire", key);
  if (updated > 0) ctx.db().NoteFieldExpiry(key, a.when);
  acc.DeleteKeyIfEmpty();
}

}  // namespace

void RegisterHashTtlCommands(CommandRegistry& r) {
  constexpr uint32_t kRead = kAclRead | kAclHash | kAclFast;
  constexpr uint32_t kWrite = kAclWrite | kAclHash | kAclFast;
  constexpr const char* kPerField = "O(N) where N is the number of specified fields";
  auto add = [&](const char* name, int arity, uint32_t flags, uint32_t acl, CommandHandler h,
                 const char* since, const char* summary) {
    CommandSpec& s = r.Add(MakeCommand(name, arity, flags | kCmdFast, acl, 1, 1, 1, h, "hash",
                                       summary));
    s.since = since;
    s.complexity = kPerField;
  };
  constexpr uint32_t kW = kCmdWrite | kCmdDenyOom;
  add("hexpire", -6, kW, kWrite, CmdHExpire, "7.4.0",
      "Set expiry for hash field using relative time to expire (seconds)");
  add("hpexpire", -6, kW, kWrite, CmdHPExpire, "7.4.0",
      "Set expiry for hash field using relative time to expire (milliseconds)");
  add("hexpireat", -6, kW, kWrite, CmdHExpireAt, "7.4.0",
      "Set expiry for hash field using an absolute Unix timestamp (seconds)");
  add("hpexpireat", -6, kW, kWrite, CmdHPExpireAt, "7.4.0",
      "Set expiry for hash field using an absolute Unix timestamp (milliseconds)");
  add("httl", -5, kCmdReadOnly, kRead, CmdHTtl, "7.4.0",
      "Returns the TTL in seconds of a hash field.");
  add("hpttl", -5, kCmdReadOnly, kRead, CmdHPTtl, "7.4.0",
      "Returns the TTL in milliseconds of a hash field.");
  add("hexpiretime", -5, kCmdReadOnly, kRead, CmdHExpireTime, "7.4.0",
      "Returns the expiration time of a hash field as a Unix timestamp, in seconds.");
  add("hpexpiretime", -5, kCmdReadOnly, kRead, CmdHPExpireTime, "7.4.0",
      "Returns the expiration time of a hash field as a Unix timestamp, in msec.");
  add("hpersist", -5, kCmdWrite, kWrite, CmdHPersist, "7.4.0",
      "Removes the expiration time for each specified field");
  add("hgetdel", -5, kCmdWrite, kWrite, CmdHGetDel, "8.0.0",
      "Returns the value of a field and deletes it from the hash.");
  add("hgetex", -5, kCmdWrite, kWrite, CmdHGetEx, "8.0.0",
      "Get the value of one or more fields of a given hash key, and optionally set their "
      "expiration.");
  add("hsetex", -6, kW, kWrite, CmdHSetEx, "8.0.0",
      "Set the value of one or more fields of a given hash key, and optionally set their "
      "expiration.");
}

}  // namespace sable

// Hash commands: HSET and friends, counters, HRANDFIELD, HSCAN. The structure is
// server/store/hash_object.h; handlers parse and reply, the Op* functions do the data work.
// Field TTLs (hash_ttl_commands.cc) show here as fields that vanish once due: see hash_access.h.
#include <climits>
#include <cmath>
#include <string>
#include <vector>

#include "server/commands/hash_access.h"
#include "server/commands/register.h"
#include "server/commands/typed_lookup.h"
#include "server/commands/scan_args.h"
#include "server/config/keyspace_events.h"
#include "server/core/context.h"
#include "server/core/op_status.h"
#include "server/core/server.h"
#include "server/resp/errors.h"
#include "server/store/hash_object.h"
#include "server/util/glob.h"
#include "server/util/numbers.h"
#include "server/util/strings.h"

namespace sable {
namespace {

constexpr std::string_view kHashValueNotInteger = "ERR hash value is not an integer";
constexpr std::string_view kHashValueNotFloat = "ERR hash value is not a float";
constexpr std::string_view kValueOutOfRange = "ERR value is out of range";

using hash::Access;
using Result = hash::Access::Result;

CompactLimits HashLimits(const CommandContext& ctx) { return hash::Limits(ctx); }
OpResult<HashObject*> FindHash(Db& db, std::string_view key) { return hash::Find(db, key); }
OpResult<HashObject*> FindOrCreateHash(Db& db, std::string_view key) {
  return hash::FindOrCreate(db, key);
}

// Looks up a hash for a read command and replies for the cases that end it: nullptr when the
// key is missing (after sending `missing`) or of another type (after WRONGTYPE).
HashObject* ReadHashOrReply(CommandContext& ctx, void (*missing)(ReplyBuilder&)) {
  return ValueOrReply(ctx, FindHash(ctx.db(), ctx.arg(1)), missing);
}

void ReplyZero(ReplyBuilder& rb) { rb.SendLong(0); }
void ReplyNull(ReplyBuilder& rb) { rb.SendNull(); }
void ReplyEmpty(ReplyBuilder& rb) { rb.SendEmptyArray(); }
void ReplyEmptyMap(ReplyBuilder& rb) { rb.StartMap(0); }

HashObject* WriteHashOrReply(CommandContext& ctx) {
  OpResult<HashObject*> r = FindOrCreateHash(ctx.db(), ctx.arg(1));
  if (r.ok()) return r.value();
  ctx.rb.SendError(OpStatusError(r.status()));
  return nullptr;
}

// After fields were removed: the key goes with its last field, as in Redis.
void DeleteIfEmpty(CommandContext& ctx, HashObject* h) {
  if (h->size() != 0) return;
  ctx.db().Delete(ctx.arg(1));
  ctx.Notify(kNotifyGeneric, "del", ctx.arg(1));
}

// HSET key field value [field value ...]; HMSET replies OK instead of the count.
void SetFields(CommandContext& ctx, bool ok_reply) {
  if (ctx.argc() % 2 != 0) {
    ctx.ReplyWrongArity();
    return;
  }
  HashObject* h = WriteHashOrReply(ctx);
  if (h == nullptr) return;
  CompactLimits limits = HashLimits(ctx);
  int64_t added = 0;
  for (size_t i = 2; i < ctx.argc(); i += 2) added += h->Set(ctx.arg(i), ctx.arg(i + 1), limits);
  ctx.db().Touched(ctx.arg(1));
  ctx.Notify(kNotifyHash, "hset", ctx.arg(1));
  ctx.Propagate(static_cast<long long>((ctx.argc() - 2) / 2));
  if (ok_reply) {
    ctx.rb.SendOk();
  } else {
    ctx.rb.SendLong(added);
  }
}

void CmdHSet(CommandContext& ctx) { SetFields(ctx, false); }
void CmdHMSet(CommandContext& ctx) { SetFields(ctx, true); }

void CmdHSetNx(CommandContext& ctx) {
  HashObject* h = WriteHashOrReply(ctx);
  if (h == nullptr) return;
  Access acc(ctx, h);
  std::string_view old;
  if (acc.Get(ctx.arg(2), &old) == Result::kFound) {
    ctx.rb.SendLong(0);
    return;
  }
  h->Set(ctx.arg(2), ctx.arg(3), HashLimits(ctx));
  acc.NotifyExpired();
  ctx.db().Touched(ctx.arg(1));
  ctx.Notify(kNotifyHash, "hset", ctx.arg(1));
  ctx.Propagate();
  ctx.rb.SendLong(1);
}

void CmdHGet(CommandContext& ctx) {
  HashObject* h = ReadHashOrReply(ctx, ReplyNull);
  if (h == nullptr) return;
  Access acc(ctx, h);
  std::string_view v;
  if (acc.Get(ctx.arg(2), &v) == Result::kFound) {
    ctx.rb.SendBulk(v);
  } else {
    ctx.rb.SendNull();
  }
  acc.NotifyExpired();
  acc.DeleteKeyIfEmpty();
}

void CmdHMGet(CommandContext& ctx) {
  OpResult<HashObject*> r = FindHash(ctx.db(), ctx.arg(1));
  if (r.status() == OpStatus::kWrongType) {
    ctx.rb.SendError(errors::kWrongType);
    return;
  }
  HashObject* h = r.ok() ? r.value() : nullptr;
  ctx.rb.StartArray(ctx.argc() - 2);
  if (h == nullptr) {
    for (size_t i = 2; i < ctx.argc(); ++i) ctx.rb.SendNull();
    return;
  }
  Access acc(ctx, h);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    std::string_view v;
    if (acc.Get(ctx.arg(i), &v) == Result::kFound) {
      ctx.rb.SendBulk(v);
    } else {
      ctx.rb.SendNull();
    }
  }
  acc.NotifyExpired();
  acc.DeleteKeyIfEmpty();
}

void CmdHDel(CommandContext& ctx) {
  OpResult<HashObject*> r = FindHash(ctx.db(), ctx.arg(1));
  if (!r.ok()) {
    if (r.status() == OpStatus::kWrongType) {
      ctx.rb.SendError(errors::kWrongType);
    } else {
      ctx.rb.SendLong(0);
    }
    return;
  }
  HashObject* h = r.value();
  int64_t deleted = 0;
  for (size_t i = 2; i < ctx.argc() && h->size() > 0; ++i) deleted += h->Delete(ctx.arg(i));
  if (deleted > 0) {
    ctx.db().Touched(ctx.arg(1));
    ctx.Notify(kNotifyHash, "hdel", ctx.arg(1));
    DeleteIfEmpty(ctx, h);
    ctx.Propagate(deleted);
  }
  ctx.rb.SendLong(deleted);
}

// Counts every stored field, expired ones not yet deleted included, as Redis 7.4's HLEN
// (hashTypeLength(o, 0)): counting the live ones would cost a walk of the hash.
void CmdHLen(CommandContext& ctx) {
  HashObject* h = ReadHashOrReply(ctx, ReplyZero);
  if (h) ctx.rb.SendLong(static_cast<int64_t>(h->size()));
}

void CmdHStrLen(CommandContext& ctx) {
  HashObject* h = ReadHashOrReply(ctx, ReplyZero);
  if (h == nullptr) return;
  Access acc(ctx, h);
  std::string_view v;
  bool found = acc.Get(ctx.arg(2), &v) == Result::kFound;
  ctx.rb.SendLong(found ? static_cast<int64_t>(v.size()) : 0);
  acc.NotifyExpired();
  acc.DeleteKeyIfEmpty();
}

void CmdHExists(CommandContext& ctx) {
  HashObject* h = ReadHashOrReply(ctx, ReplyZero);
  if (h == nullptr) return;
  Access acc(ctx, h);
  std::string_view v;
  ctx.rb.SendLong(acc.Get(ctx.arg(2), &v) == Result::kFound ? 1 : 0);
  acc.NotifyExpired();
  acc.DeleteKeyIfEmpty();
}

enum class Part { kFields, kValues, kBoth };

void ReplyAll(CommandContext& ctx, Part part) {
  HashObject* h = ReadHashOrReply(ctx, part == Part::kBoth ? ReplyEmptyMap : ReplyEmpty);
  if (h == nullptr) return;
  // Expired fields are skipped, not deleted (as Redis): the walk stays a read.
  int64_t now = hash::FieldClock(ctx);
  int64_t min = h->MinExpire();
  bool filter = min != kNoFieldTtl && min <= now;
  size_t n = h->size();
  if (filter) {
    n = 0;
    h->ForEachWithTtl([&](std::string_view, std::string_view, int64_t when) {
      n += hash::Alive(when, now);
    });
  }
  if (part == Part::kBoth) {
    ctx.rb.StartMap(n);
  } else {
    ctx.rb.StartArray(n);
  }
  h->ForEachWithTtl([&](std::string_view f, std::string_view v, int64_t when) {
    if (filter && !hash::Alive(when, now)) return;
    if (part != Part::kValues) ctx.rb.SendBulk(f);
    if (part != Part::kFields) ctx.rb.SendBulk(v);
  });
}

void CmdHGetAll(CommandContext& ctx) { ReplyAll(ctx, Part::kBoth); }
void CmdHKeys(CommandContext& ctx) { ReplyAll(ctx, Part::kFields); }
void CmdHVals(CommandContext& ctx) { ReplyAll(ctx, Part::kValues); }

void CmdHIncrBy(CommandContext& ctx) {
  int64_t incr;
  if (!ParseInt64(ctx.arg(3), &incr)) {
    ctx.rb.SendError(errors::kNotInteger);
    return;
  }
  HashObject* h = WriteHashOrReply(ctx);
  if (h == nullptr) return;
  Access acc(ctx, h);
  int64_t value = 0;
  std::string_view old;
  if (acc.Get(ctx.arg(2), &old) == Result::kFound) {
    if (!ParseInt64(old, &value)) {
      ctx.rb.SendError(kHashValueNotInteger);
      return;
    }
  }
  if ((incr < 0 && value < 0 && incr < LLONG_MIN - value) ||
      (incr > 0 && value > 0 && incr > LLONG_MAX - value)) {
    ctx.rb.SendError(errors::kOverflow);
    return;
  }
  value += incr;
  char buf[24];
  // The value changes in place: a TTL stays (Redis 7.4's HASH_SET_KEEP_TTL).
  h->Set(ctx.arg(2), std::string_view(buf, FormatInt64(value, buf)), HashLimits(ctx), true);
  acc.NotifyExpired();
  ctx.db().Touched(ctx.arg(1));
  ctx.Notify(kNotifyHash, "hincrby", ctx.arg(1));
  ctx.Propagate();
  ctx.rb.SendLong(value);
}

void CmdHIncrByFloat(CommandContext& ctx) {
  long double incr;
  if (!ParseLongDouble(ctx.arg(3), &incr)) {
    ctx.rb.SendError(errors::kNotFloat);
    return;
  }
  if (std::isnan(incr) || std::isinf(incr)) {
    ctx.rb.SendError("ERR value is NaN or Infinity");
    return;
  }
  HashObject* h = WriteHashOrReply(ctx);
  if (h == nullptr) return;
  Access acc(ctx, h);
  long double value = 0;
  std::string_view old;
  if (acc.Get(ctx.arg(2), &old) == Result::kFound) {
    if (!ParseLongDouble(old, &value)) {
      ctx.rb.SendError(kHashValueNotFloat);
      return;
    }
  }
  value += incr;
  if (std::isnan(value) || std::isinf(value)) {
    ctx.rb.SendError(errors::kIncrFloatNaN);
    // An infinite increment on a new key: the key created for it must not stay empty. One
    // emptied by the field's expiry goes as such (with its events).
    acc.NotifyExpired();
    if (acc.expired() == 0 && h->size() == 0) ctx.db().Delete(ctx.arg(1));
    acc.DeleteKeyIfEmpty();
    return;
  }
  std::string text = FormatLongDouble(value);
  h->Set(ctx.arg(2), text, HashLimits(ctx), true);
  acc.NotifyExpired();
  ctx.db().Touched(ctx.arg(1));
  ctx.Notify(kNotifyHash, "hincrbyfloat", ctx.arg(1));
  // The result, not the increment, goes downstream: float math may differ elsewhere. A field
  // keeping a TTL goes as HSETEX KEEPTTL (Redis 8.0), which a plain HSET would clear.
  std::string_view stored;
  int64_t when = kNoFieldTtl;
  h->Lookup(ctx.arg(2), &stored, &when);
  if (when != kNoFieldTtl) {
    ctx.PropagateAs({"HSETEX", std::string(ctx.arg(1)), "KEEPTTL", "FIELDS", "1",
                     std::string(ctx.arg(2)), text});
  } else {
    ctx.PropagateAs({"HSET", std::string(ctx.arg(1)), std::string(ctx.arg(2)), text});
  }
  ctx.rb.SendBulk(text);
}

// HRANDFIELD key [count [WITHVALUES]], as Redis 7.0's hrandfieldWithCountCommand.
void CmdHRandField(CommandContext& ctx) {
  if (ctx.argc() == 2) {
    HashObject* h = ReadHashOrReply(ctx, ReplyNull);
    if (h == nullptr) return;
    // Expired fields are deleted first (as Redis 7.4), so a pick is always a live field.
    Access acc(ctx, h);
    HashObject* live = acc.WithoutExpired();
    acc.NotifyExpired();
    if (live->size() == 0) {
      acc.DeleteKeyIfEmpty();
      ctx.rb.SendNull();
      return;
    }
    ctx.rb.SendBulk(live->Random(Db::rng).first);
    return;
  }
  int64_t count;
  if (!ParseInt64(ctx.arg(2), &count)) {
    ctx.rb.SendError(errors::kNotInteger);
    return;
  }
  if (count < -LONG_MAX || count > LONG_MAX) {
    ctx.rb.SendError(kValueOutOfRange);
    return;
  }
  bool with_values = false;
  if (ctx.argc() == 4) {
    if (!EqualsNoCase(ctx.arg(3), "withvalues")) {
      ctx.rb.SendError(errors::kSyntax);
      return;
    }
    with_values = true;
    // Redis refuses counts whose doubled reply length would overflow.
    if (count < -LONG_MAX / 2 || count > LONG_MAX / 2) {
      ctx.rb.SendError(kValueOutOfRange);
      return;
    }
  } else if (ctx.argc() > 4) {
    ctx.rb.SendError(errors::kSyntax);
    return;
  }
  HashObject* h = ReadHashOrReply(ctx, ReplyEmpty);
  if (h == nullptr) return;
  Access acc(ctx, h);
  h = acc.WithoutExpired();
  acc.NotifyExpired();
  if (h->size() == 0) {
    acc.DeleteKeyIfEmpty();
    ctx.rb.SendEmptyArray();
    return;
  }
  auto send_pair = [&](std::string_view f, std::string_view v) {
    if (with_values && ctx.rb.resp3()) ctx.rb.StartArray(2);
    ctx.rb.SendBulk(f);
    if (with_values) ctx.rb.SendBulk(v);
  };
  auto start = [&](size_t n) { ctx.rb.StartArray(with_values && !ctx.rb.resp3() ? n * 2 : n); };
  if (count == 0) {
    ctx.rb.SendEmptyArray();
    return;
  }
  if (count < 0) {
    // Repetitions allowed: independent picks.
    auto n = static_cast<size_t>(-count);
    start(n);
    for (size_t i = 0; i < n; ++i) {
      auto [f, v] = h->Random(Db::rng);
      send_pair(f, v);
    }
    return;
  }
  size_t size = h->size();
  auto n = static_cast<size_t>(count);
  if (n >= size) {
    start(size);
    h->ForEach(send_pair);
    return;
  }
  // Distinct fields: a partial Fisher-Yates over the field list.
  std::vector<std::pair<std::string_view, std::string_view>> all;
  all.reserve(size);
  h->ForEach([&](std::string_view f, std::string_view v) { all.emplace_back(f, v); });
  for (size_t i = 0; i < n; ++i) {
    size_t j = i + static_cast<size_t>(Db::rng() % (size - i));
    std::swap(all[i], all[j]);
  }
  start(n);
  for (size_t i = 0; i < n; ++i) send_pair(all[i].first, all[i].second);
}

void CmdHScan(CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseScanCursor(ctx.arg(2), &cursor)) {
    ctx.rb.SendError("ERR invalid cursor");
    return;
  }
  ScanOptions opts;
  if (!ParseScanOptions(ctx, 3, ScanKind::kHash, &opts)) return;
  HashObject* h = ReadHashOrReply(ctx, [](ReplyBuilder& rb) {
    rb.StartArray(2);
    rb.SendBulk("0");
    rb.SendEmptyArray();
  });
  if (h == nullptr) return;
  std::vector<std::pair<std::string, std::string>> found;
  int64_t now = hash::FieldClock(ctx);
  auto collect = [&](std::string_view f, std::string_view v, int64_t when) {
    if (!hash::Alive(when, now)) return;
    if (!opts.pattern.empty() && !GlobMatch(opts.pattern, f)) return;
    found.emplace_back(f, opts.no_values ? std::string_view() : v);
  };
  int64_t max_iterations = opts.count * 10;
  size_t visited = 0;
  do {
    size_t before = found.size();
    cursor = h->ScanWithTtl(cursor, collect);
    visited += found.size() - before + 1;
  } while (cursor != 0 && max_iterations-- > 0 && visited < static_cast<uint64_t>(opts.count));
  ctx.rb.StartArray(2);
  ctx.rb.SendBulk(std::to_string(cursor));
  ctx.rb.StartArray(opts.no_values ? found.size() : found.size() * 2);
  for (const auto& [f, v] : found) {
    ctx.rb.SendBulk(f);
    if (!opts.no_values) ctx.rb.SendBulk(v);
  }
}

}  // namespace

void RegisterHashCommands(CommandRegistry& r) {
  constexpr uint32_t kRead = kAclRead | kAclHash;
  constexpr uint32_t kWrite = kAclWrite | kAclHash;
  constexpr uint32_t kW = kCmdWrite | kCmdDenyOom;
  auto add = [&](const char* name, int arity, uint32_t flags, uint32_t acl, CommandHandler h,
                 const char* since, const char* summary, const char* complexity) {
    CommandSpec& s = r.Add(MakeCommand(name, arity, flags, acl, 1, 1, 1, h, "hash", summary));
    s.since = since;
    s.complexity = complexity;
  };
  add("hset", -4, kW | kCmdFast, kWrite | kAclFast, CmdHSet, "2.0.0",
      "Set the string value of a hash field",
      "O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command "
      "is called with multiple field/value pairs.");
  add("hmset", -4, kW | kCmdFast, kWrite | kAclFast, CmdHMSet, "2.0.0",
      "Set multiple hash fields to multiple values", "O(N) where N is the number of fields being set.");
  add("hsetnx", 4, kW | kCmdFast, kWrite | kAclFast, CmdHSetNx, "2.0.0",
      "Set the value of a hash field, only if the field does not exist", "O(1)");
  add("hget", 3, kCmdReadOnly | kCmdFast, kRead | kAclFast, CmdHGet, "2.0.0",
      "Get the value of a hash field", "O(1)");
  add("hmget", -3, kCmdReadOnly | kCmdFast, kRead | kAclFast, CmdHMGet, "2.0.0",
      "Get the values of all the given hash fields",
      "O(N) where N is the number of fields being requested.");
  add("hdel", -3, kCmdWrite | kCmdFast, kWrite | kAclFast, CmdHDel, "2.0.0",
      "Delete one or more hash fields", "O(N) where N is the number of fields to be removed.");
  add("hlen", 2, kCmdReadOnly | kCmdFast, kRead | kAclFast, CmdHLen, "2.0.0",
      "Get the number of fields in a hash", "O(1)");
  add("hstrlen", 3, kCmdReadOnly | kCmdFast, kRead | kAclFast, CmdHStrLen, "3.2.0",
      "Get the length of the value of a hash field", "O(1)");
  add("hexists", 3, kCmdReadOnly | kCmdFast, kRead | kAclFast, CmdHExists, "2.0.0",
      "Determine if a hash field exists", "O(1)");
  add("hgetall", 2, kCmdReadOnly, kRead | kAclSlow, CmdHGetAll, "2.0.0",
      "Get all the fields and values in a hash", "O(N) where N is the size of the hash.");
  add("hkeys", 2, kCmdReadOnly, kRead | kAclSlow, CmdHKeys, "2.0.0",
      "Get all the fields in a hash", "O(N) where N is the size of the hash.");
  add("hvals", 2, kCmdReadOnly, kRead | kAclSlow, CmdHVals, "2.0.0",
      "Get all the values in a hash", "O(N) where N is the size of the hash.");
  add("hincrby", 4, kW | kCmdFast, kWrite | kAclFast, CmdHIncrBy, "2.0.0",
      "Increment the integer value of a hash field by the given number", "O(1)");
  add("hincrbyfloat", 4, kW | kCmdFast, kWrite | kAclFast, CmdHIncrByFloat, "2.6.0",
      "Increment the float value of a hash field by the given amount", "O(1)");
  add("hrandfield", -2, kCmdReadOnly, kRead | kAclSlow, CmdHRandField, "6.2.0",
      "Get one or multiple random fields from a hash",
      "O(N) where N is the number of fields returned");
  add("hscan", -3, kCmdReadOnly, kRead | kAclSlow, CmdHScan, "2.8.0",
      "Incrementally iterate hash fields and associated values",
      "O(1) for every call. O(N) for a complete iteration, including enough command calls for "
      "the cursor to return back to 0. N is the number of elements inside the collection..");
  RegisterHashTtlCommands(r);
}

}  // namespace sable

// Set commands: SADD and friends, SPOP/SRANDMEMBER, SMOVE, the algebra (SINTER, SUNION, SDIFF,
// their STORE forms and SINTERCARD) and SSCAN, with Redis 7.0.15's replies, errors, events and
// propagation. The structure is server/store/set_object.h.
#include <algorithm>
#include <climits>
#include <string>
#include <unordered_set>
#include <vector>

#include "server/commands/register.h"
#include "server/commands/typed_lookup.h"
#include "server/commands/scan_args.h"
#include "server/config/keyspace_events.h"
#include "server/core/context.h"
#include "server/core/op_status.h"
#include "server/core/server.h"
#include "server/resp/errors.h"
#include "server/store/set_object.h"
#include "server/util/glob.h"
#include "server/util/numbers.h"
#include "server/util/strings.h"

namespace sable {
namespace {

constexpr std::string_view kMustBePositive = "ERR value is out of range, must be positive";

SetLimits Limits(const CommandContext& ctx) {
  const ServerConfig& c = ctx.server.cfg();
  return {c.set_max_intset_entries, c.set_max_listpack_entries, c.set_max_listpack_value};
}

// A read lookup (lookupKeyRead: counts a hit or a miss): kKeyNotFound, kWrongType or the set.
OpResult<SetObject*> FindSet(Db& db, std::string_view key) {
  return FindTyped<SetObject>(db, key, ObjType::kSet);
}

// A write lookup (lookupKeyWrite: no hit or miss): nullptr when the key is absent.
OpResult<SetObject*> FindSetForWrite(Db& db, std::string_view key) {
  Entry* e = db.Find(key);
  if (e == nullptr) return static_cast<SetObject*>(nullptr);
  if (e->type() != ObjType::kSet) return OpStatus::kWrongType;
  return e->As<SetObject>();
}

// The set at key for a command that replies `missing` when there is none; nullptr after the
// reply when the command ends there (missing or WRONGTYPE).
SetObject* SetOrReply(CommandContext& ctx, std::string_view key, bool write,
                      void (*missing)(ReplyBuilder&)) {
  OpResult<SetObject*> r = write ? FindSetForWrite(ctx.db(), key) : FindSet(ctx.db(), key);
  if (r.status() == OpStatus::kWrongType) {
    ctx.rb.SendError(errors::kWrongType);
    return nullptr;
  }
  if (!r.ok() || r.value() == nullptr) {
    missing(ctx.rb);
    return nullptr;
  }
  return r.value();
}

void ReplyZero(ReplyBuilder& rb) { rb.SendLong(0); }
void ReplyNull(ReplyBuilder& rb) { rb.SendNull(); }
void ReplyEmptyArray(ReplyBuilder& rb) { rb.SendEmptyArray(); }
// Redis's shared.emptyset: "*0" in RESP2, "~0" in RESP3.
void ReplyEmptySet(ReplyBuilder& rb) { rb.StartSet(0); }

void SendMembers(ReplyBuilder& rb, const SetObject& s) {
  rb.StartSet(s.size());
  s.ForEach([&](std::string_view m) { rb.SendBulk(m); });
}

// After members were removed: the key goes with its last member.
bool DeleteIfEmpty(CommandContext& ctx, std::string_view key, const SetObject* s) {
  if (s->size() != 0) return false;
  ctx.db().Delete(key);
  ctx.Notify(kNotifyGeneric, "del", key);
  return true;
}

void CmdSAdd(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  OpResult<SetObject*> r = FindSetForWrite(ctx.db(), key);
  if (!r.ok()) {
    ctx.rb.SendError(errors::kWrongType);
    return;
  }
  SetLimits limits = Limits(ctx);
  SetObject* s = r.value();
  bool created = s == nullptr;
  // A new set starts in the encoding its first member and the member count call for.
  if (created) s = SetObject::Create(ctx.arg(2), ctx.argc() - 2, limits);
  int64_t added = 0;
  for (size_t i = 2; i < ctx.argc(); ++i) added += s->Add(ctx.arg(i), limits);
  if (created) ctx.db().Add(Entry::NewObject(key, ObjType::kSet, s));
  if (added > 0) {
    ctx.db().Touched(key);
    ctx.Notify(kNotifySet, "sadd", key);
    ctx.Propagate(added);
  }
  ctx.rb.SendLong(added);
}

void CmdSRem(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  SetObject* s = SetOrReply(ctx, key, true, ReplyZero);
  if (s == nullptr) return;
  int64_t deleted = 0;
  bool emptied = false;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (!s->Remove(ctx.arg(i))) continue;
    ++deleted;
    if (s->size() == 0) {
      emptied = true;
      break;
    }
  }
  if (deleted > 0) {
    if (emptied) ctx.db().Delete(key);
    ctx.db().Touched(key);
    ctx.Notify(kNotifySet, "srem", key);
    if (emptied) ctx.Notify(kNotifyGeneric, "del", key);
    ctx.Propagate(deleted);
  }
  ctx.rb.SendLong(deleted);
}

void CmdSIsMember(CommandContext& ctx) {
  SetObject* s = SetOrReply(ctx, ctx.arg(1), false, ReplyZero);
  if (s != nullptr) ctx.rb.SendLong(s->Contains(ctx.arg(2)) ? 1 : 0);
}

void CmdSMIsMember(CommandContext& ctx) {
  OpResult<SetObject*> r = FindSet(ctx.db(), ctx.arg(1));
  if (r.status() == OpStatus::kWrongType) {
    ctx.rb.SendError(errors::kWrongType);
    return;
  }
  SetObject* s = r.ok() ? r.value() : nullptr;
  ctx.rb.StartArray(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) ctx.rb.SendLong(s && s->Contains(ctx.arg(i)) ? 1 : 0);
}

void CmdSCard(CommandContext& ctx) {
  SetObject* s = SetOrReply(ctx, ctx.arg(1), false, ReplyZero);
  if (s != nullptr) ctx.rb.SendLong(static_cast<int64_t>(s->size()));
}

// SMOVE source destination member, as Redis 7.0's smoveCommand.
void CmdSMove(CommandContext& ctx) {
  std::string_view src = ctx.arg(1), dst = ctx.arg(2), member = ctx.arg(3);
  OpResult<SetObject*> rs = FindSetForWrite(ctx.db(), src);
  OpResult<SetObject*> rd = FindSetForWrite(ctx.db(), dst);
  if (rs.ok() && rs.value() == nullptr) {
    ctx.rb.SendLong(0);
    return;
  }
  if (!rs.ok() || !rd.ok()) {
    ctx.rb.SendError(errors::kWrongType);
    return;
  }
  SetObject* from = rs.value();
  SetObject* to = rd.value();
  if (from == to) {
    ctx.rb.SendLong(from->Contains(member) ? 1 : 0);
    return;
  }
  if (!from->Remove(member)) {
    ctx.rb.SendLong(0);
    return;
  }
  ctx.Notify(kNotifySet, "srem", src);
  DeleteIfEmpty(ctx, src, from);
  SetLimits limits = Limits(ctx);
  bool created = to == nullptr;
  if (created) to = SetObject::Create(member, 1, limits);
  ctx.db().Touched(src);
  long long changes = 1;
  bool added = to->Add(member, limits);
  if (created) ctx.db().Add(Entry::NewObject(dst, ObjType::kSet, to));
  if (added) {
    ++changes;
    ctx.db().Touched(dst);
    ctx.Notify(kNotifySet, "sadd", dst);
  }
  ctx.Propagate(changes);
  ctx.rb.SendLong(1);
}

// SPOP key count, as Redis 7.0.15's spopWithCountCommand: the whole set goes as one DEL, fewer
// members as one SREM each (wrapped in MULTI/EXEC downstream when several).
void SPopWithCount(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  int64_t count;
  if (!ParseInt64(ctx.arg(2), &count) || count < 0) {
    ctx.rb.SendError(kMustBePositive);
    return;
  }
  SetObject* s = SetOrReply(ctx, key, true, ReplyEmptySet);
  if (s == nullptr) return;
  if (count == 0) {
    ctx.rb.StartSet(0);
    return;
  }
  size_t size = s->size();
  auto n = static_cast<size_t>(count);
  ctx.Notify(kNotifySet, "spop", key);
  if (n >= size) {
    SendMembers(ctx.rb, *s);
    ctx.db().Delete(key);
    ctx.Notify(kNotifyGeneric, "del", key);
    ctx.PropagateAs({"DEL", std::string(key)}, count);
    return;
  }
  ctx.rb.StartSet(n);
  std::vector<std::string> popped;
  size_t remaining = size - n;
  if (remaining * 5 > n) {
    // Few members asked for: pick and remove them one by one.
    popped.reserve(n);
    for (size_t i = 0; i < n; ++i) popped.push_back(s->PopRandom(Db::rng));
  } else {
    // Most of the set goes: move the few that stay into a new set, hand out the rest. The new
    // set is an intset when the old one was, a listpack otherwise (Redis 7.2's choice).
    SetLimits limits = Limits(ctx);
    SetObject keep(s->kind() == SetObject::Kind::kIntset ? SetObject::Kind::kIntset
                                                         : SetObject::Kind::kListpack);
    for (size_t i = 0; i < remaining; ++i) keep.Add(s->PopRandom(Db::rng), limits);
    popped.reserve(n);
    s->ForEach([&](std::string_view m) { popped.emplace_back(m); });
    s->Swap(keep);
  }
  for (const std::string& m : popped) ctx.rb.SendBulk(m);
  for (std::string& m : popped) ctx.PropagateAs({"SREM", std::string(key), std::move(m)});
  ctx.db().Touched(key);
}

void CmdSPop(CommandContext& ctx) {
  if (ctx.argc() == 3) {
    SPopWithCount(ctx);
    return;
  }
  if (ctx.argc() > 3) {
    ctx.rb.SendError(errors::kSyntax);
    return;
  }
  std::string_view key = ctx.arg(1);
  SetObject* s = SetOrReply(ctx, key, true, ReplyNull);
  if (s == nullptr) return;
  std::string m = s->PopRandom(Db::rng);
  ctx.Notify(kNotifySet, "spop", key);
  ctx.PropagateAs({"SREM", std::string(key), m});
  ctx.rb.SendBulk(m);
  DeleteIfEmpty(ctx, key, s);
  ctx.db().Touched(key);
}

// SRANDMEMBER key [count], as Redis 7.0's srandmemberWithCountCommand: a negative count allows
// repeats, a positive one returns distinct members.
void CmdSRandMember(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ctx.rb.SendError(errors::kSyntax);
    return;
  }
  if (ctx.argc() == 2) {
    SetObject* s = SetOrReply(ctx, ctx.arg(1), false, ReplyNull);
    if (s != nullptr) ctx.rb.SendBulk(s->Random(Db::rng));
    return;
  }
  int64_t count;
  if (!ParseInt64(ctx.arg(2), &count)) {
    ctx.rb.SendError(errors::kNotInteger);
    return;
  }
  if (count == LLONG_MIN) {
    ctx.rb.SendError(
        "ERR value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807");
    return;
  }
  SetObject* s = SetOrReply(ctx, ctx.arg(1), false, ReplyEmptyArray);
  if (s == nullptr) return;
  if (count == 0) {
    ctx.rb.SendEmptyArray();
    return;
  }
  if (count < 0) {
    auto n = static_cast<size_t>(-count);
    ctx.rb.StartArray(n);
    for (size_t i = 0; i < n; ++i) ctx.rb.SendBulk(s->Random(Db::rng));
    return;
  }
  size_t size = s->size();
  auto n = static_cast<size_t>(count);
  if (n >= size) {
    ctx.rb.StartArray(size);
    s->ForEach([&](std::string_view m) { ctx.rb.SendBulk(m); });
    return;
  }
  std::vector<std::string> picked;
  picked.reserve(n);
  if (n * 3 > size) {
    // Most of the set: a partial Fisher-Yates over all of it.
    std::vector<std::string> all;
    all.reserve(size);
    s->ForEach([&](std::string_view m) { all.emplace_back(m); });
    for (size_t i = 0; i < n; ++i) {
      size_t j = i + static_cast<size_t>(Db::rng() % (size - i));
      std::swap(all[i], all[j]);
      picked.push_back(std::move(all[i]));
    }
  } else {
    // A small share: random picks until enough distinct ones.
    std::unordered_set<std::string> seen;
    while (picked.size() < n) {
      std::string m = s->Random(Db::rng);
      if (seen.insert(m).second) picked.push_back(std::move(m));
    }
  }
  ctx.rb.StartArray(n);
  for (const std::string& m : picked) ctx.rb.SendBulk(m);
}

void CmdSMembers(CommandContext& ctx) {
  SetObject* s = SetOrReply(ctx, ctx.arg(1), false, ReplyEmptySet);
  if (s != nullptr) SendMembers(ctx.rb, *s);
}

// The sets at keys; missing keys are nullptr. False after a WRONGTYPE reply. The STORE forms
// look their sources up for writing, as Redis does (no hit/miss counted).
bool CollectSets(CommandContext& ctx, size_t first, size_t count, bool write,
                 std::vector<SetObject*>* sets) {
  sets->clear();
  for (size_t i = 0; i < count; ++i) {
    std::string_view key = ctx.arg(first + i);
    OpResult<SetObject*> r = write ? FindSetForWrite(ctx.db(), key) : FindSet(ctx.db(), key);
    if (r.status() == OpStatus::kWrongType) {
      ctx.rb.SendError(errors::kWrongType);
      return false;
    }
    sets->push_back(r.ok() ? r.value() : nullptr);
  }
  return true;
}

// A STORE form's result: stored at dst when not empty (replacing any value and TTL), else dst
// deleted. Replies the size; `event` is the set event for a stored result.
void StoreResult(CommandContext& ctx, std::string_view dst, SetObject* result,
                 std::string_view event) {
  size_t n = result->size();
  if (n > 0) {
    ctx.db().Upsert(Entry::NewObject(dst, ObjType::kSet, result), false);
    ctx.Notify(kNotifySet, event, dst);
    ctx.Propagate();
  } else {
    delete result;
    if (ctx.db().Delete(dst)) {
      ctx.Notify(kNotifyGeneric, "del", dst);
      ctx.Propagate();
    }
  }
  ctx.rb.SendLong(static_cast<int64_t>(n));
}

enum class InterMode { kReply, kStore, kCard };

// SINTER / SINTERSTORE / SINTERCARD over argv[first..first+count), as sinterGenericCommand.
void Intersect(CommandContext& ctx, size_t first, size_t count, InterMode mode,
               std::string_view dst, uint64_t limit) {
  std::vector<SetObject*> sets;
  if (!CollectSets(ctx, first, count, mode == InterMode::kStore, &sets)) return;
  bool any_missing = std::find(sets.begin(), sets.end(), nullptr) != sets.end();
  if (any_missing) {
    // An intersection with an empty set is empty.
    if (mode == InterMode::kStore) {
      if (ctx.db().Delete(dst)) {
        ctx.Notify(kNotifyGeneric, "del", dst);
        ctx.Propagate();
      }
      ctx.rb.SendLong(0);
    } else if (mode == InterMode::kCard) {
      ctx.rb.SendLong(0);
    } else {
      ctx.rb.StartSet(0);
    }
    return;
  }
  // Walk the smallest set, probing the others.
  std::stable_sort(sets.begin(), sets.end(),
                   [](const SetObject* a, const SetObject* b) { return a->size() < b->size(); });
  SetObject* base = sets[0];
  auto in_all = [&](std::string_view m) {
    for (size_t j = 1; j < sets.size(); ++j) {
      if (sets[j] != base && !sets[j]->Contains(m)) return false;
    }
    return true;
  };
  if (mode == InterMode::kCard) {
    uint64_t n = 0;
    // ForEach cannot stop early; once the limit is met the rest is skipped cheaply.
    base->ForEach([&](std::string_view m) {
      if (limit != 0 && n >= limit) return;
      if (in_all(m)) ++n;
    });
    ctx.rb.SendLong(static_cast<int64_t>(n));
    return;
  }
  if (mode == InterMode::kStore) {
    SetLimits limits = Limits(ctx);
    auto* result = new SetObject(SetObject::Kind::kIntset);
    base->ForEach([&](std::string_view m) {
      if (in_all(m)) result->Add(m, limits);
    });
    StoreResult(ctx, dst, result, "sinterstore");
    return;
  }
  std::vector<std::string> out;
  base->ForEach([&](std::string_view m) {
    if (in_all(m)) out.emplace_back(m);
  });
  ctx.rb.StartSet(out.size());
  for (const std::string& m : out) ctx.rb.SendBulk(m);
}

void CmdSInter(CommandContext& ctx) {
  Intersect(ctx, 1, ctx.argc() - 1, InterMode::kReply, {}, 0);
}

void CmdSInterStore(CommandContext& ctx) {
  Intersect(ctx, 2, ctx.argc() - 2, InterMode::kStore, ctx.arg(1), 0);
}

// SINTERCARD numkeys key [key ...] [LIMIT limit].
void CmdSInterCard(CommandContext& ctx) {
  int64_t numkeys;
  if (!ParseInt64(ctx.arg(1), &numkeys) || numkeys < 1) {
    ctx.rb.SendError("ERR numkeys should be greater than 0");
    return;
  }
  if (numkeys > static_cast<int64_t>(ctx.argc() - 2)) {
    ctx.rb.SendError("ERR Number of keys can't be greater than number of args");
    return;
  }
  int64_t limit = 0;
  for (size_t j = 2 + static_cast<size_t>(numkeys); j < ctx.argc(); ++j) {
    bool more = j + 1 < ctx.argc();
    if (EqualsNoCase(ctx.arg(j), "limit") && more) {
      ++j;
      if (!ParseInt64(ctx.arg(j), &limit) || limit < 0) {
        ctx.rb.SendError("ERR LIMIT can't be negative");
        return;
      }
    } else {
      ctx.rb.SendError(errors::kSyntax);
      return;
    }
  }
  Intersect(ctx, 2, static_cast<size_t>(numkeys), InterMode::kCard, {},
            static_cast<uint64_t>(limit));
}

enum class SetOp { kUnion, kDiff };

// SUNION / SDIFF and their STORE forms, as sunionDiffGenericCommand: the result is built in a
// new set (an intset that converts as members arrive), with Redis's choice of diff algorithm so
// that the stored result's encoding matches.
void UnionDiff(CommandContext& ctx, size_t first, SetOp op, std::string_view dst, bool store) {
  std::vector<SetObject*> sets;
  if (!CollectSets(ctx, first, ctx.argc() - first, store, &sets)) return;
  bool same = false;
  for (size_t j = 1; j < sets.size(); ++j) same = same || sets[j] == sets[0];
  SetLimits limits = Limits(ctx);
  auto* result = new SetObject(SetObject::Kind::kIntset);
  if (op == SetOp::kUnion) {
    for (SetObject* s : sets) {
      if (s) s->ForEach([&](std::string_view m) { result->Add(m, limits); });
    }
  } else if (sets[0] != nullptr && !same) {
    // Algorithm 1 probes every other set for each member of the first; algorithm 2 adds the
    // first and removes the others. Redis picks 1 when its (halved) work is not larger.
    uint64_t work1 = 0, work2 = 0;
    for (SetObject* s : sets) {
      if (s == nullptr) continue;
      work1 += sets[0]->size();
      work2 += s->size();
    }
    if (work1 / 2 <= work2) {
      sets[0]->ForEach([&](std::string_view m) {
        for (size_t j = 1; j < sets.size(); ++j) {
          if (sets[j] && sets[j]->Contains(m)) return;
        }
        result->Add(m, limits);
      });
    } else {
      sets[0]->ForEach([&](std::string_view m) { result->Add(m, limits); });
      for (size_t j = 1; j < sets.size() && result->size() > 0; ++j) {
        if (sets[j]) sets[j]->ForEach([&](std::string_view m) { result->Remove(m); });
      }
    }
  }
  if (store) {
    StoreResult(ctx, dst, result, op == SetOp::kUnion ? "sunionstore" : "sdiffstore");
    return;
  }
  SendMembers(ctx.rb, *result);
  delete result;
}

void CmdSUnion(CommandContext& ctx) { UnionDiff(ctx, 1, SetOp::kUnion, {}, false); }
void CmdSUnionStore(CommandContext& ctx) { UnionDiff(ctx, 2, SetOp::kUnion, ctx.arg(1), true); }
void CmdSDiff(CommandContext& ctx) { UnionDiff(ctx, 1, SetOp::kDiff, {}, false); }
void CmdSDiffStore(CommandContext& ctx) { UnionDiff(ctx, 2, SetOp::kDiff, ctx.arg(1), true); }

// SSCAN key cursor [MATCH pattern] [COUNT count]. As Redis, the options are parsed after the
// lookup: a missing key answers an empty scan whatever follows.
void CmdSScan(CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseScanCursor(ctx.arg(2), &cursor)) {
    ctx.rb.SendError("ERR invalid cursor");
    return;
  }
  SetObject* s = SetOrReply(ctx, ctx.arg(1), false, [](ReplyBuilder& rb) {
    rb.StartArray(2);
    rb.SendBulk("0");
    rb.SendEmptyArray();
  });
  if (s == nullptr) return;
  ScanOptions opts;
  if (!ParseScanOptions(ctx, 3, ScanKind::kMembers, &opts)) return;
  std::vector<std::string> found;
  auto collect = [&](std::string_view m) { found.emplace_back(m); };
  // Redis 7.0 stops once `count` members were gathered (before MATCH filters them) or after
  // count * 10 buckets.
  int64_t max_iterations = opts.count * 10;
  do {
    cursor = s->Scan(cursor, collect);
  } while (cursor != 0 && max_iterations-- > 0 &&
           found.size() < static_cast<uint64_t>(opts.count));
  if (!opts.pattern.empty()) {
    found.erase(std::remove_if(found.begin(), found.end(),
                               [&](const std::string& m) { return !GlobMatch(opts.pattern, m); }),
                found.end());
  }
  ctx.rb.StartArray(2);
  ctx.rb.SendBulk(std::to_string(cursor));
  ctx.rb.StartArray(found.size());
  for (const std::string& m : found) ctx.rb.SendBulk(m);
}

}  // namespace

void RegisterSetCommands(CommandRegistry& r) {
  constexpr uint32_t kRead = kAclRead | kAclSet;
  constexpr uint32_t kWrite = kAclWrite | kAclSet;
  auto add = [&](const char* name, int arity, uint32_t flags, uint32_t acl, CommandHandler h,
                 int first, int last, int step, const char* since, const char* summary,
                 const char* complexity) -> CommandSpec& {
    CommandSpec& s =
        r.Add(MakeCommand(name, arity, flags, acl, first, last, step, h, "set", summary));
    s.since = since;
    s.complexity = complexity;
    return s;
  };
  add("sadd", -3, kCmdWrite | kCmdDenyOom | kCmdFast, kWrite | kAclFast, CmdSAdd, 1, 1, 1,
      "1.0.0", "Add one or more members to a set",
      "O(1) for each element added, so O(N) to add N elements when the command is called with "
      "multiple arguments.");
  add("srem", -3, kCmdWrite | kCmdFast, kWrite | kAclFast, CmdSRem, 1, 1, 1, "1.0.0",
      "Remove one or more members from a set",
      "O(N) where N is the number of members to be removed.");
  add("sismember", 3, kCmdReadOnly | kCmdFast, kRead | kAclFast, CmdSIsMember, 1, 1, 1, "1.0.0",
      "Determine if a given value is a member of a set", "O(1)");
  add("smismember", -3, kCmdReadOnly | kCmdFast, kRead | kAclFast, CmdSMIsMember, 1, 1, 1,
      "6.2.0", "Returns the membership associated with the given elements for a set",
      "O(N) where N is the number of elements being checked for membership");
  add("scard", 2, kCmdReadOnly | kCmdFast, kRead | kAclFast, CmdSCard, 1, 1, 1, "1.0.0",
      "Get the number of members in a set", "O(1)");
  add("smembers", 2, kCmdReadOnly, kRead | kAclSlow, CmdSMembers, 1, 1, 1, "1.0.0",
      "Get all the members in a set", "O(N) where N is the set cardinality.");
  add("smove", 4, kCmdWrite | kCmdFast, kWrite | kAclFast, CmdSMove, 1, 2, 1, "1.0.0",
      "Move a member from one set to another", "O(1)");
  add("spop", -2, kCmdWrite | kCmdFast, kWrite | kAclFast, CmdSPop, 1, 1, 1, "1.0.0",
      "Remove and return one or multiple random members from a set",
      "Without the count argument O(1), otherwise O(N) where N is the value of the passed "
      "count.");
  add("srandmember", -2, kCmdReadOnly, kRead | kAclSlow, CmdSRandMember, 1, 1, 1, "1.0.0",
      "Get one or multiple random members from a set",
      "Without the count argument O(1), otherwise O(N) where N is the absolute value of the "
      "passed count.");
  add("sinter", -2, kCmdReadOnly, kRead | kAclSlow, CmdSInter, 1, -1, 1, "1.0.0",
      "Intersect multiple sets",
      "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of "
      "sets.");
  add("sintercard", -3, kCmdReadOnly, kRead | kAclSlow, CmdSInterCard, 0, 0, 0, "7.0.0",
      "Intersect multiple sets and return the cardinality of the result",
      "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of "
      "sets.")
      .keys = NumKeysSpec(1);
  add("sinterstore", -3, kCmdWrite | kCmdDenyOom, kWrite | kAclSlow, CmdSInterStore, 1, -1, 1,
      "1.0.0", "Intersect multiple sets and store the resulting set in a key",
      "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of "
      "sets.");
  add("sunion", -2, kCmdReadOnly, kRead | kAclSlow, CmdSUnion, 1, -1, 1, "1.0.0",
      "Add multiple sets", "O(N) where N is the total number of elements in all given sets.");
  add("sunionstore", -3, kCmdWrite | kCmdDenyOom, kWrite | kAclSlow, CmdSUnionStore, 1, -1, 1,
      "1.0.0", "Add multiple sets and store the resulting set in a key",
      "O(N) where N is the total number of elements in all given sets.");
  add("sdiff", -2, kCmdReadOnly, kRead | kAclSlow, CmdSDiff, 1, -1, 1, "1.0.0",
      "Subtract multiple sets", "O(N) where N is the total number of elements in all given sets.");
  add("sdiffstore", -3, kCmdWrite | kCmdDenyOom, kWrite | kAclSlow, CmdSDiffStore, 1, -1, 1,
      "1.0.0", "Subtract multiple sets and store the resulting set in a key",
      "O(N) where N is the total number of elements in all given sets.");
  add("sscan", -3, kCmdReadOnly, kRead | kAclSlow, CmdSScan, 1, 1, 1, "2.8.0",
      "Incrementally iterate Set elements",
      "O(1) for every call. O(N) for a complete iteration, including enough command calls for "
      "the cursor to return back to 0. N is the number of elements inside the collection..");
}

}  // namespace sable

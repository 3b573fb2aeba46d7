// Sorted-set commands, part one: ZADD/ZINCRBY/ZREM, lookups (ZSCORE, ZMSCORE, ZRANK, ZCARD,
// ZCOUNT, ZLEXCOUNT), the range family (ZRANGE with BYSCORE/BYLEX/REV/LIMIT, ZRANGESTORE and
// the older ZREVRANGE/ZRANGEBYSCORE/... forms) and ZREMRANGEBY*. Pops, blocking pops, set
// algebra, ZRANDMEMBER and ZSCAN are in zset_multi_commands.cc. The structure is
// server/store/zset_object.h.
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "server/commands/register.h"
#include "server/commands/typed_lookup.h"
#include "server/commands/zset_access.h"
#include "server/config/keyspace_events.h"
#include "server/core/blocking.h"
#include "server/core/server.h"
#include "server/resp/errors.h"
#include "server/util/numbers.h"
#include "server/util/strings.h"

namespace sable {
namespace zset {

ZSetLimits Limits(const CommandContext& ctx) {
  const ServerConfig& c = ctx.server.cfg();
  return {c.zset_max_listpack_entries, c.zset_max_listpack_value};
}

OpResult<ZSetObject*> Find(Db& db, std::string_view key) {
  return FindTyped<ZSetObject>(db, key, ObjType::kZSet);
}

ZSetObject* FindOrReply(CommandContext& ctx, std::string_view key,
                        void (*missing)(ReplyBuilder&)) {
  return ValueOrReply(ctx, Find(ctx.db(), key), missing);
}

void SendElements(ReplyBuilder& rb, const std::vector<Element>& items, bool with_scores,
                  bool nested) {
  bool pairs = with_scores && nested && rb.resp3();
  rb.StartArray(with_scores && !pairs ? items.size() * 2 : items.size());
  for (const Element& e : items) {
    if (pairs) rb.StartArray(2);
    rb.SendBulk(e.first);
    if (with_scores) rb.SendDouble(e.second);
  }
}

void DeleteIfEmpty(CommandContext& ctx, std::string_view key, ZSetObject* z) {
  if (z->size() != 0) return;
  ctx.db().Delete(key);
  ctx.Notify(kNotifyGeneric, "del", key);
}

ZSetObject* Build(const std::vector<Element>& items, const ZSetLimits& limits) {
  auto* z = new ZSetObject();
  if (items.size() > limits.max_entries) z->ConvertToBig();
  for (const Element& e : items) z->Set(e.first, e.second, limits);
  return z;
}

void StoreResult(CommandContext& ctx, std::string_view dst, ZSetObject* z,
                 std::string_view event) {
  size_t n = z ? z->size() : 0;
  Db& db = ctx.db();
  if (n == 0) {
    delete z;
    if (db.Delete(dst)) {
      ctx.Notify(kNotifyGeneric, "del", dst);
      ctx.Propagate();
    }
    ctx.rb.SendLong(0);
    return;
  }
  db.Upsert(Entry::NewObject(dst, ObjType::kZSet, z), false);
  ctx.server.blocking().KeyAdded(db.index(), dst);
  ctx.Notify(kNotifyZset, event, dst);
  ctx.Propagate();
  ctx.rb.SendLong(static_cast<int64_t>(n));
}

}  // namespace zset

namespace {

using zset::Element;

void ReplyNull(ReplyBuilder& rb) { rb.SendNull(); }
void ReplyNullArray(ReplyBuilder& rb) { rb.SendNullArray(); }
void ReplyZero(ReplyBuilder& rb) { rb.SendLong(0); }
void ReplyEmpty(ReplyBuilder& rb) { rb.SendEmptyArray(); }

constexpr std::string_view kNotFloat = "ERR value is not a valid float";
constexpr std::string_view kBadScoreRange = "ERR min or max is not a float";
constexpr std::string_view kBadLexRange = "ERR min or max not valid string range item";

// Redis's getDoubleFromObject for scores (strtod, NaN refused).
bool ParseScore(std::string_view s, double* out) { return ParseDouble(s, out); }

// Redis's zslParseRange item: "(" for exclusive, then what strtod takes whole (leading spaces
// included, as Redis), NaN refused.
bool ParseScoreBound(std::string_view arg, double* v, bool* exclusive) {
  *exclusive = !arg.empty() && arg[0] == '(';
  // An empty number is 0 there, as strtod leaves it.
  std::string s(arg.substr(*exclusive ? 1 : 0));
  char* end = nullptr;
  *v = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && !std::isnan(*v);
}

// A lex range item: "-" and "+" for the ends, "[x" inclusive, "(x" exclusive.
struct LexBound {
  enum Kind { kMin, kMax, kValue } kind = kValue;
  std::string_view value;
  bool exclusive = false;
};

bool ParseLexBound(std::string_view arg, LexBound* b) {
  if (arg == "-") {
    b->kind = LexBound::kMin;
  } else if (arg == "+") {
    b->kind = LexBound::kMax;
  } else if (!arg.empty() && (arg[0] == '[' || arg[0] == '(')) {
    b->kind = LexBound::kValue;
    b->exclusive = arg[0] == '(';
    b->value = arg.substr(1);
  } else {
    return false;
  }
  return true;
}

// Rank of the first element at or after a lex bound used as a minimum, or, as a maximum, of
// the first element past it.
size_t LexRank(const ZSetObject* z, const LexBound& b, bool as_max) {
  if (b.kind == LexBound::kMin) return 0;
  if (b.kind == LexBound::kMax) return z->size();
  return z->LexLowerBound(b.value, as_max ? !b.exclusive : b.exclusive);
}

// A parsed range of a ZRANGE-family command: ranks, scores or members.
struct Range {
  enum Kind { kRank, kScore, kLex } kind = kRank;
  int64_t start = 0, stop = 0;
  double min = 0, max = 0;
  bool min_ex = false, max_ex = false;
  LexBound lmin, lmax;
  bool rev = false;
  int64_t offset = 0, limit = -1;
};

// Parses the two bounds (min first: the caller swaps for the REV forms); false after the reply.
bool ParseBounds(CommandContext& ctx, std::string_view a, std::string_view b, Range* r) {
  switch (r->kind) {
    case Range::kRank:
      if (!ParseInt64(a, &r->start) || !ParseInt64(b, &r->stop)) {
        ctx.rb.SendError(errors::kNotInteger);
        return false;
      }
      return true;
    case Range::kScore:
      if (!ParseScoreBound(a, &r->min, &r->min_ex) || !ParseScoreBound(b, &r->max, &r->max_ex)) {
        ctx.rb.SendError(kBadScoreRange);
        return false;
      }
      return true;
    case Range::kLex:
      if (!ParseLexBound(a, &r->lmin) || !ParseLexBound(b, &r->lmax)) {
        ctx.rb.SendError(kBadLexRange);
        return false;
      }
      return true;
  }
  return false;
}

// The ascending ranks [first, last) a score or lex range covers, or a rank range resolves to.
std::pair<size_t, size_t> Span(const ZSetObject* z, const Range& r) {
  size_t len = z->size();
  if (r.kind == Range::kScore) {
    size_t first = z->ScoreLowerBound(r.min, r.min_ex);
    size_t last = z->ScoreLowerBound(r.max, !r.max_ex);
    return {first, std::max(first, last)};
  }
  if (r.kind == Range::kLex) {
    size_t first = LexRank(z, r.lmin, false);
    size_t last = LexRank(z, r.lmax, true);
    return {first, std::max(first, last)};
  }
  auto n = static_cast<int64_t>(len);
  int64_t start = r.start < 0 ? r.start + n : r.start;
  int64_t stop = r.stop < 0 ? r.stop + n : r.stop;
  if (start < 0) start = 0;
  if (start > stop || start >= n) return {0, 0};
  if (stop >= n) stop = n - 1;
  if (r.rev) {
    // Ranks counted from the highest score.
    return {static_cast<size_t>(n - 1 - stop), static_cast<size_t>(n - start)};
  }
  return {static_cast<size_t>(start), static_cast<size_t>(stop + 1)};
}

// The elements a range selects, in reply order, after LIMIT.
std::vector<Element> Collect(const ZSetObject* z, const Range& r) {
  std::vector<Element> out;
  if (r.offset < 0) return out;
  auto [first, last] = Span(z, r);
  if (first >= last) return out;
  size_t skip = static_cast<size_t>(r.offset);
  size_t avail = last - first;
  if (skip >= avail) return out;
  size_t take = avail - skip;
  if (r.limit >= 0) take = std::min(take, static_cast<size_t>(r.limit));
  if (take == 0) return out;
  out.reserve(take);
  size_t from = r.rev ? last - 1 - skip : first + skip;
  z->Walk(from, r.rev, [&](std::string_view m, double s) {
    out.emplace_back(std::string(m), s);
    return out.size() < take;
  });
  return out;
}

// ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES], the older
// forms (fixed kind/rev, their own option sets) and ZRANGESTORE (dst first, no WITHSCORES).
void RangeCommand(CommandContext& ctx, Range::Kind kind, bool rev, bool generic, bool store) {
  size_t key_at = store ? 2 : 1;
  Range r;
  r.kind = kind;
  r.rev = rev;
  bool with_scores = false, limit_seen = false;
  for (size_t i = key_at + 3; i < ctx.argc(); ++i) {
    std::string_view opt = ctx.arg(i);
    if (!store && EqualsNoCase(opt, "withscores")) {
      with_scores = true;
    } else if (EqualsNoCase(opt, "limit") && i + 2 < ctx.argc()) {
      if (!ParseInt64(ctx.arg(i + 1), &r.offset) || !ParseInt64(ctx.arg(i + 2), &r.limit)) {
        ctx.rb.SendError(errors::kNotInteger);
        return;
      }
      limit_seen = true;
      i += 2;
    } else if (generic && EqualsNoCase(opt, "byscore")) {
      r.kind = Range::kScore;
    } else if (generic && EqualsNoCase(opt, "bylex")) {
      r.kind = Range::kLex;
    } else if (generic && EqualsNoCase(opt, "rev")) {
      r.rev = true;
    } else {
      ctx.rb.SendError(errors::kSyntax);
      return;
    }
  }
  if (limit_seen && r.kind == Range::kRank) {
    ctx.rb.SendError(
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    return;
  }
  if (with_scores && r.kind == Range::kLex) {
    ctx.rb.SendError("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    return;
  }
  std::string_view a = ctx.arg(key_at + 1), b = ctx.arg(key_at + 2);
  // Score and lex ranges of the reverse forms name the high bound first.
  if (r.rev && r.kind != Range::kRank) std::swap(a, b);
  if (!ParseBounds(ctx, a, b, &r)) return;
  std::string_view key = ctx.arg(key_at);
  if (store) {
    OpResult<ZSetObject*> src = zset::Find(ctx.db(), key);
    if (src.status() == OpStatus::kWrongType) {
      ctx.rb.SendError(errors::kWrongType);
      return;
    }
    std::vector<Element> items;
    if (src.ok()) items = Collect(src.value(), r);
    zset::StoreResult(ctx, ctx.arg(1), items.empty() ? nullptr : zset::Build(items, zset::Limits(ctx)),
                      "zrangestore");
    return;
  }
  ZSetObject* z = zset::FindOrReply(ctx, key, ReplyEmpty);
  if (z == nullptr) return;
  zset::SendElements(ctx.rb, Collect(z, r), with_scores, true);
}

void CmdZRange(CommandContext& ctx) { RangeCommand(ctx, Range::kRank, false, true, false); }
void CmdZRangeStore(CommandContext& ctx) { RangeCommand(ctx, Range::kRank, false, true, true); }
void CmdZRevRange(CommandContext& ctx) { RangeCommand(ctx, Range::kRank, true, false, false); }
void CmdZRangeByScore(CommandContext& ctx) {
  RangeCommand(ctx, Range::kScore, false, false, false);
}
void CmdZRevRangeByScore(CommandContext& ctx) {
  RangeCommand(ctx, Range::kScore, true, false, false);
}
void CmdZRangeByLex(CommandContext& ctx) { RangeCommand(ctx, Range::kLex, false, false, false); }
void CmdZRevRangeByLex(CommandContext& ctx) {
  RangeCommand(ctx, Range::kLex, true, false, false);
}

// ZCOUNT / ZLEXCOUNT key min max.
void CountCommand(CommandContext& ctx, Range::Kind kind) {
  Range r;
  r.kind = kind;
  if (!ParseBounds(ctx, ctx.arg(2), ctx.arg(3), &r)) return;
  ZSetObject* z = zset::FindOrReply(ctx, ctx.arg(1), ReplyZero);
  if (z == nullptr) return;
  auto [first, last] = Span(z, r);
  ctx.rb.SendLong(static_cast<int64_t>(last - first));
}

void CmdZCount(CommandContext& ctx) { CountCommand(ctx, Range::kScore); }
void CmdZLexCount(CommandContext& ctx) { CountCommand(ctx, Range::kLex); }

// ZREMRANGEBYRANK / BYSCORE / BYLEX key a b.
void RemRangeCommand(CommandContext& ctx, Range::Kind kind, std::string_view event) {
  Range r;
  r.kind = kind;
  if (!ParseBounds(ctx, ctx.arg(2), ctx.arg(3), &r)) return;
  std::string_view key = ctx.arg(1);
  ZSetObject* z = zset::FindOrReply(ctx, key, ReplyZero);
  if (z == nullptr) return;
  auto [first, last] = Span(z, r);
  size_t removed = z->RemoveRange(first, last);
  if (removed > 0) {
    ctx.db().Touched(key);
    ctx.Notify(kNotifyZset, event, key);
    zset::DeleteIfEmpty(ctx, key, z);
    ctx.Propagate(static_cast<long long>(removed));
  }
  ctx.rb.SendLong(static_cast<int64_t>(removed));
}

void CmdZRemRangeByRank(CommandContext& ctx) {
  RemRangeCommand(ctx, Range::kRank, "zremrangebyrank");
}
void CmdZRemRangeByScore(CommandContext& ctx) {
  RemRangeCommand(ctx, Range::kScore, "zremrangebyscore");
}
void CmdZRemRangeByLex(CommandContext& ctx) {
  RemRangeCommand(ctx, Range::kLex, "zremrangebylex");
}

// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...], and ZINCRBY (INCR
// with one pair and no flags).
void AddCommand(CommandContext& ctx, bool zincrby) {
  bool nx = false, xx = false, gt = false, lt = false, ch = false, incr = zincrby;
  size_t i = 2;
  if (!zincrby) {
    for (; i < ctx.argc(); ++i) {
      std::string_view o = ctx.arg(i);
      if (EqualsNoCase(o, "nx")) {
        nx = true;
      } else if (EqualsNoCase(o, "xx")) {
        xx = true;
      } else if (EqualsNoCase(o, "gt")) {
        gt = true;
      } else if (EqualsNoCase(o, "lt")) {
        lt = true;
      } else if (EqualsNoCase(o, "ch")) {
        ch = true;
      } else if (EqualsNoCase(o, "incr")) {
        incr = true;
      } else {
        break;
      }
    }
  }
  size_t pairs_at = i;
  size_t left = ctx.argc() - pairs_at;
  if (left == 0 || left % 2 != 0) {
    ctx.rb.SendError(errors::kSyntax);
    return;
  }
  if (nx && xx) {
    ctx.rb.SendError("ERR XX and NX options at the same time are not compatible");
    return;
  }
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    ctx.rb.SendError("ERR GT, LT, and/or NX options at the same time are not compatible");
    return;
  }
  size_t n = left / 2;
  if (incr && n > 1) {
    ctx.rb.SendError("ERR INCR option supports a single increment-element pair");
    return;
  }
  std::vector<double> scores(n);
  for (size_t k = 0; k < n; ++k) {
    if (!ParseScore(ctx.arg(pairs_at + 2 * k), &scores[k])) {
      ctx.rb.SendError(kNotFloat);
      return;
    }
  }
  std::string_view key = ctx.arg(1);
  Db& db = ctx.db();
  Entry* e = db.Find(key);
  ZSetObject* z = nullptr;
  bool created = false;
  if (e != nullptr) {
    if (e->type() != ObjType::kZSet) {
      ctx.rb.SendError(errors::kWrongType);
      return;
    }
    z = e->As<ZSetObject>();
  } else if (xx) {
    // Nothing may be added: no key appears.
    if (incr) {
      ctx.rb.SendNull();
    } else {
      ctx.rb.SendLong(0);
    }
    return;
  } else {
    z = new ZSetObject();
    created = true;
  }
  ZSetLimits limits = zset::Limits(ctx);
  size_t added = 0, updated = 0;
  double result = 0;
  bool aborted = false;
  for (size_t k = 0; k < n; ++k) {
    std::string_view member = ctx.arg(pairs_at + 2 * k + 1);
    double score = scores[k];
    std::optional<double> cur = z->Score(member);
    if (cur) {
      if (nx) {
        aborted = true;
        continue;
      }
      if (incr) {
        score += *cur;
        if (std::isnan(score)) {
          if (created) delete z;
          ctx.rb.SendError("ERR resulting score is not a number (NaN)");
          return;
        }
      }
      if ((gt && score <= *cur) || (lt && score >= *cur)) {
        aborted = true;
        continue;
      }
      result = score;
      if (score != *cur) {
        z->Set(member, score, limits);
        ++updated;
      }
    } else {
      if (xx) {
        aborted = true;
        continue;
      }
      z->Set(member, score, limits);
      result = score;
      ++added;
    }
  }
  if (created) {
    if (z->size() == 0) {
      delete z;
      z = nullptr;
    } else {
      db.Add(Entry::NewObject(key, ObjType::kZSet, z));
    }
  }
  if (added + updated > 0) {
    db.Touched(key);
    ctx.Notify(kNotifyZset, incr ? "zincr" : "zadd", key);
    ctx.Propagate(static_cast<long long>(added + updated));
  }
  if (incr) {
    if (aborted) {
      ctx.rb.SendNull();
    } else {
      ctx.rb.SendDouble(result);
    }
    return;
  }
  ctx.rb.SendLong(static_cast<int64_t>(ch ? added + updated : added));
}

void CmdZAdd(CommandContext& ctx) { AddCommand(ctx, false); }
void CmdZIncrBy(CommandContext& ctx) { AddCommand(ctx, true); }

void CmdZRem(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  ZSetObject* z = zset::FindOrReply(ctx, key, ReplyZero);
  if (z == nullptr) return;
  size_t removed = 0;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    removed += z->Remove(ctx.arg(i));
    if (z->size() == 0) break;
  }
  if (removed > 0) {
    ctx.db().Touched(key);
    ctx.Notify(kNotifyZset, "zrem", key);
    zset::DeleteIfEmpty(ctx, key, z);
    ctx.Propagate(static_cast<long long>(removed));
  }
  ctx.rb.SendLong(static_cast<int64_t>(removed));
}

void CmdZCard(CommandContext& ctx) {
  ZSetObject* z = zset::FindOrReply(ctx, ctx.arg(1), ReplyZero);
  if (z != nullptr) ctx.rb.SendLong(static_cast<int64_t>(z->size()));
}

void CmdZScore(CommandContext& ctx) {
  ZSetObject* z = zset::FindOrReply(ctx, ctx.arg(1), ReplyNull);
  if (z == nullptr) return;
  std::optional<double> s = z->Score(ctx.arg(2));
  if (s) {
    ctx.rb.SendDouble(*s);
  } else {
    ctx.rb.SendNull();
  }
}

void CmdZMScore(CommandContext& ctx) {
  OpResult<ZSetObject*> r = zset::Find(ctx.db(), ctx.arg(1));
  if (r.status() == OpStatus::kWrongType) {
    ctx.rb.SendError(errors::kWrongType);
    return;
  }
  ctx.rb.StartArray(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    std::optional<double> s;
    if (r.ok()) s = r.value()->Score(ctx.arg(i));
    if (s) {
      ctx.rb.SendDouble(*s);
    } else {
      ctx.rb.SendNull();
    }
  }
}

// ZRANK / ZREVRANK key member [WITHSCORE] (Redis 7.2's WITHSCORE).
void RankCommand(CommandContext& ctx, bool rev) {
  bool with_score = false;
  if (ctx.argc() > 4 || (ctx.argc() == 4 && !EqualsNoCase(ctx.arg(3), "withscore"))) {
    ctx.rb.SendError(errors::kSyntax);
    return;
  }
  with_score = ctx.argc() == 4;
  ZSetObject* z = zset::FindOrReply(ctx, ctx.arg(1), with_score ? ReplyNullArray : ReplyNull);
  if (z == nullptr) return;
  std::optional<size_t> rank = z->Rank(ctx.arg(2));
  if (!rank) {
    if (with_score) {
      ctx.rb.SendNullArray();
    } else {
      ctx.rb.SendNull();
    }
    return;
  }
  size_t v = rev ? z->size() - 1 - *rank : *rank;
  if (!with_score) {
    ctx.rb.SendLong(static_cast<int64_t>(v));
    return;
  }
  ctx.rb.StartArray(2);
  ctx.rb.SendLong(static_cast<int64_t>(v));
  ctx.rb.SendDouble(*z->Score(ctx.arg(2)));
}

void CmdZRank(CommandContext& ctx) { RankCommand(ctx, false); }
void CmdZRevRank(CommandContext& ctx) { RankCommand(ctx, true); }

}  // namespace

void RegisterZSetCommands(CommandRegistry& r) {
  constexpr uint32_t kRead = kAclRead | kAclSortedSet;
  constexpr uint32_t kWrite = kAclWrite | kAclSortedSet;
  constexpr uint32_t kW = kCmdWrite | kCmdDenyOom;
  auto add = [&](const char* name, int arity, uint32_t flags, uint32_t acl, CommandHandler h,
                 int first, int last, const char* since, const char* summary,
                 const char* complexity) -> CommandSpec& {
    CommandSpec& s =
        r.Add(MakeCommand(name, arity, flags, acl, first, last, 1, h, "sorted_set", summary));
    s.since = since;
    s.complexity = complexity;
    return s;
  };
  const char* kLogN = "O(log(N)) where N is the number of elements in the sorted set.";
  const char* kRangeCost =
      "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
      "elements returned.";
  add("zadd", -4, kW | kCmdFast, kWrite | kAclFast, CmdZAdd, 1, 1, "1.2.0",
      "Add one or more members to a sorted set, or update its score if it already exists",
      "O(log(N)) for each item added, where N is the number of elements in the sorted set.");
  add("zincrby", 4, kW | kCmdFast, kWrite | kAclFast, CmdZIncrBy, 1, 1, "1.2.0",
      "Increment the score of a member in a sorted set", kLogN);
  add("zrem", -3, kCmdWrite | kCmdFast, kWrite | kAclFast, CmdZRem, 1, 1, "1.2.0",
      "Remove one or more members from a sorted set",
      "O(M*log(N)) with N being the number of elements in the sorted set and M the number of "
      "elements to be removed.");
  add("zcard", 2, kCmdReadOnly | kCmdFast, kRead | kAclFast, CmdZCard, 1, 1, "1.2.0",
      "Get the number of members in a sorted set", "O(1)");
  add("zscore", 3, kCmdReadOnly | kCmdFast, kRead | kAclFast, CmdZScore, 1, 1, "1.2.0",
      "Get the score associated with the given member in a sorted set", "O(1)");
  add("zmscore", -3, kCmdReadOnly | kCmdFast, kRead | kAclFast, CmdZMScore, 1, 1, "6.2.0",
      "Get the score associated with the given members in a sorted set",
      "O(N) where N is the number of members being requested.");
  add("zrank", -3, kCmdReadOnly | kCmdFast, kRead | kAclFast, CmdZRank, 1, 1, "2.0.0",
      "Determine the index of a member in a sorted set", kLogN);
  add("zrevrank", -3, kCmdReadOnly | kCmdFast, kRead | kAclFast, CmdZRevRank, 1, 1, "2.0.0",
      "Determine the index of a member in a sorted set, with scores ordered from high to low",
      kLogN);
  add("zcount", 4, kCmdReadOnly | kCmdFast, kRead | kAclFast, CmdZCount, 1, 1, "2.0.0",
      "Count the members in a sorted set with scores within the given values", kLogN);
  add("zlexcount", 4, kCmdReadOnly | kCmdFast, kRead | kAclFast, CmdZLexCount, 1, 1, "2.8.9",
      "Count the number of members in a sorted set between a given lexicographical range",
      kLogN);
  add("zrange", -4, kCmdReadOnly, kRead | kAclSlow, CmdZRange, 1, 1, "1.2.0",
      "Return a range of members in a sorted set", kRangeCost);
  add("zrangestore", -5, kW, kWrite | kAclSlow, CmdZRangeStore, 1, 2, "6.2.0",
      "Store a range of members from sorted set into another key",
      "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
      "elements stored into the destination key.");
  add("zrevrange", -4, kCmdReadOnly, kRead | kAclSlow, CmdZRevRange, 1, 1, "1.2.0",
      "Return a range of members in a sorted set, by index, with scores ordered from high to "
      "low",
      kRangeCost);
  add("zrangebyscore", -4, kCmdReadOnly, kRead | kAclSlow, CmdZRangeByScore, 1, 1, "1.0.5",
      "Return a range of members in a sorted set, by score", kRangeCost);
  add("zrevrangebyscore", -4, kCmdReadOnly, kRead | kAclSlow, CmdZRevRangeByScore, 1, 1,
      "2.2.0", "Return a range of members in a sorted set, by score, with scores ordered from "
      "high to low", kRangeCost);
  add("zrangebylex", -4, kCmdReadOnly, kRead | kAclSlow, CmdZRangeByLex, 1, 1, "2.8.9",
      "Return a range of members in a sorted set, by lexicographical range", kRangeCost);
  add("zrevrangebylex", -4, kCmdReadOnly, kRead | kAclSlow, CmdZRevRangeByLex, 1, 1, "2.8.9",
      "Return a range of members in a sorted set, by lexicographical range, ordered from higher "
      "to lower strings.", kRangeCost);
  const char* kRemCost =
      "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
      "elements removed by the operation.";
  add("zremrangebyrank", 4, kCmdWrite, kWrite | kAclSlow, CmdZRemRangeByRank, 1, 1, "2.0.0",
      "Remove all members in a sorted set within the given indexes", kRemCost);
  add("zremrangebyscore", 4, kCmdWrite, kWrite | kAclSlow, CmdZRemRangeByScore, 1, 1, "1.2.0",
      "Remove all members in a sorted set within the given scores", kRemCost);
  add("zremrangebylex", 4, kCmdWrite, kWrite | kAclSlow, CmdZRemRangeByLex, 1, 1, "2.8.9",
      "Remove all members in a sorted set between the given lexicographical range", kRemCost);
  RegisterZSetMultiCommands(r);
}

}  // namespace sable

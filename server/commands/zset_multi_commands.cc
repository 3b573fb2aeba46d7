// Sorted-set commands, part two: ZPOPMIN/ZPOPMAX/ZMPOP and their blocking forms (parked by
// server/core/blocking.h, propagated as the ZPOPMIN/ZPOPMAX they became), ZRANDMEMBER, the set
// algebra (ZUNION, ZINTER, ZDIFF, their STORE forms, ZINTERCARD) and ZSCAN.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "server/commands/register.h"
#include "server/commands/scan_args.h"
#include "server/commands/zset_access.h"
#include "server/config/keyspace_events.h"
#include "server/core/blocking.h"
#include "server/core/server.h"
#include "server/resp/errors.h"
#include "server/store/set_object.h"
#include "server/util/glob.h"
#include "server/util/numbers.h"
#include "server/util/strings.h"

namespace sable {
namespace {

using zset::Element;

constexpr std::string_view kMustBePositive = "ERR value is out of range, must be positive";

// Pops up to count elements from the low (min) or high end; the key goes when it empties.
std::vector<Element> PopElements(CommandContext& ctx, std::string_view key, ZSetObject* z,
                                 bool min, size_t count) {
  std::vector<Element> out;
  size_t n = std::min(count, z->size());
  if (n == 0) return out;
  out.reserve(n);
  z->Walk(min ? 0 : z->size() - 1, !min, [&](std::string_view m, double s) {
    out.emplace_back(std::string(m), s);
    return out.size() < n;
  });
  if (min) {
    z->RemoveRange(0, n);
  } else {
    z->RemoveRange(z->size() - n, z->size());
  }
  ctx.db().Touched(key);
  ctx.Notify(kNotifyZset, min ? "zpopmin" : "zpopmax", key);
  zset::DeleteIfEmpty(ctx, key, z);
  return out;
}

// ZPOPMIN / ZPOPMAX key [count].
void PopCommand(CommandContext& ctx, bool min) {
  if (ctx.argc() > 3) {
    ctx.rb.SendError(errors::kSyntax);
    return;
  }
  int64_t count = 1;
  bool has_count = ctx.argc() == 3;
  if (has_count) {
    // One error for a negative count and for no integer at all, as Redis 7.0.
    if (!ParseInt64(ctx.arg(2), &count) || count < 0) {
      ctx.rb.SendError(kMustBePositive);
      return;
    }
  }
  std::string_view key = ctx.arg(1);
  OpResult<ZSetObject*> r = zset::Find(ctx.db(), key);
  if (r.status() == OpStatus::kWrongType) {
    ctx.rb.SendError(errors::kWrongType);
    return;
  }
  if (!r.ok() || count == 0) {
    ctx.rb.SendEmptyArray();
    return;
  }
  std::vector<Element> items = PopElements(ctx, key, r.value(), min, static_cast<size_t>(count));
  ctx.Propagate(static_cast<long long>(items.size()));
  zset::SendElements(ctx.rb, items, true, has_count);
}

void CmdZPopMin(CommandContext& ctx) { PopCommand(ctx, true); }
void CmdZPopMax(CommandContext& ctx) { PopCommand(ctx, false); }

// BZPOPMIN / BZPOPMAX key [key ...] timeout: [key, member, score] from the first non-empty key.
void BlockingPop(CommandContext& ctx, bool min) {
  int64_t timeout;
  if (!Blocking::ParseTimeout(ctx, ctx.arg(ctx.argc() - 1), &timeout)) return;
  std::vector<std::string_view> keys(ctx.args.begin() + 1, ctx.args.end() - 1);
  for (std::string_view key : keys) {
    OpResult<ZSetObject*> r = zset::Find(ctx.db(), key);
    if (r.status() == OpStatus::kWrongType) {
      ctx.rb.SendError(errors::kWrongType);
      return;
    }
    if (!r.ok()) continue;
    std::vector<Element> items = PopElements(ctx, key, r.value(), min, 1);
    ctx.PropagateAs({min ? "ZPOPMIN" : "ZPOPMAX", std::string(key)});
    ctx.rb.StartArray(3);
    ctx.rb.SendBulk(key);
    ctx.rb.SendBulk(items.front().first);
    ctx.rb.SendDouble(items.front().second);
    return;
  }
  if (Blocking::MayBlock(ctx)) {
    ctx.server.blocking().Block(ctx, keys, ObjType::kZSet, timeout);
  } else {
    ctx.rb.SendNullArray();
  }
}

void CmdBZPopMin(CommandContext& ctx) { BlockingPop(ctx, true); }
void CmdBZPopMax(CommandContext& ctx) { BlockingPop(ctx, false); }

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count], and BZMPOP timeout numkeys ... Replies
// [key, [[member, score], ...]]; propagated as ZPOPMIN/ZPOPMAX key count.
void MultiPop(CommandContext& ctx, bool blocking) {
  size_t numkeys_at = blocking ? 2 : 1;
  int64_t timeout = -1;
  if (blocking && !Blocking::ParseTimeout(ctx, ctx.arg(1), &timeout)) return;
  int64_t numkeys;
  if (!ParseInt64(ctx.arg(numkeys_at), &numkeys) || numkeys <= 0) {
    ctx.rb.SendError("ERR numkeys should be greater than 0");
    return;
  }
  if (numkeys > static_cast<int64_t>(ctx.argc() - numkeys_at - 2)) {
    ctx.rb.SendError(errors::kSyntax);
    return;
  }
  size_t where_at = numkeys_at + 1 + static_cast<size_t>(numkeys);
  bool min;
  if (EqualsNoCase(ctx.arg(where_at), "min")) {
    min = true;
  } else if (EqualsNoCase(ctx.arg(where_at), "max")) {
    min = false;
  } else {
    ctx.rb.SendError(errors::kSyntax);
    return;
  }
  int64_t count = -1;
  for (size_t i = where_at + 1; i < ctx.argc(); ++i) {
    if (EqualsNoCase(ctx.arg(i), "count") && count == -1 && i + 1 < ctx.argc()) {
      if (!ParseInt64(ctx.arg(i + 1), &count) || count <= 0) {
        ctx.rb.SendError("ERR count should be greater than 0");
        return;
      }
      ++i;
    } else {
      ctx.rb.SendError(errors::kSyntax);
      return;
    }
  }
  if (count == -1) count = 1;
  std::vector<std::string_view> keys(ctx.args.begin() + static_cast<ptrdiff_t>(numkeys_at + 1),
                                     ctx.args.begin() + static_cast<ptrdiff_t>(where_at));
  for (std::string_view key : keys) {
    OpResult<ZSetObject*> r = zset::Find(ctx.db(), key);
    if (r.status() == OpStatus::kWrongType) {
      ctx.rb.SendError(errors::kWrongType);
      return;
    }
    if (!r.ok()) continue;
    std::vector<Element> items =
        PopElements(ctx, key, r.value(), min, static_cast<size_t>(count));
    ctx.PropagateAs({min ? "ZPOPMIN" : "ZPOPMAX", std::string(key), std::to_string(items.size())});
    ctx.rb.StartArray(2);
    ctx.rb.SendBulk(key);
    ctx.rb.StartArray(items.size());
    for (const Element& e : items) {
      ctx.rb.StartArray(2);
      ctx.rb.SendBulk(e.first);
      ctx.rb.SendDouble(e.second);
    }
    return;
  }
  if (blocking && Blocking::MayBlock(ctx)) {
    ctx.server.blocking().Block(ctx, keys, ObjType::kZSet, timeout);
  } else {
    ctx.rb.SendNullArray();
  }
}

void CmdZMPop(CommandContext& ctx) { MultiPop(ctx, false); }
void CmdBZMPop(CommandContext& ctx) { MultiPop(ctx, true); }

// ZRANDMEMBER key [count [WITHSCORES]], as Redis 7.0's zrandmemberWithCountCommand.
void CmdZRandMember(CommandContext& ctx) {
  bool with_count = ctx.argc() >= 3;
  bool with_scores = false;
  int64_t count = 1;
  if (ctx.argc() > 4 || (ctx.argc() == 4 && !EqualsNoCase(ctx.arg(3), "withscores"))) {
    ctx.rb.SendError(errors::kSyntax);
    return;
  }
  with_scores = ctx.argc() == 4;
  if (with_count) {
    if (!ParseInt64(ctx.arg(2), &count)) {
      ctx.rb.SendError(errors::kNotInteger);
      return;
    }
    if (count == INT64_MIN || (with_scores && (count < -INT64_MAX / 2 || count > INT64_MAX / 2))) {
      ctx.rb.SendError("ERR value is out of range");
      return;
    }
  }
  ZSetObject* z = zset::FindOrReply(ctx, ctx.arg(1), with_count
                                                         ? [](ReplyBuilder& rb) { rb.SendEmptyArray(); }
                                                         : [](ReplyBuilder& rb) { rb.SendNull(); });
  if (z == nullptr) return;
  auto at = [&](size_t rank) {
    Element e;
    z->Walk(rank, false, [&](std::string_view m, double s) {
      e = {std::string(m), s};
      return false;
    });
    return e;
  };
  if (!with_count) {
    ctx.rb.SendBulk(at(Db::rng() % z->size()).first);
    return;
  }
  std::vector<Element> out;
  size_t size = z->size();
  if (count < 0) {
    // Repeats allowed: each pick independent.
    auto n = static_cast<size_t>(-count);
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) out.push_back(at(Db::rng() % size));
  } else if (static_cast<size_t>(count) >= size) {
    z->ForEach([&](std::string_view m, double s) { out.emplace_back(std::string(m), s); });
  } else {
    // Distinct ranks: a partial Fisher-Yates over the rank space when it is small, else
    // rejection of repeats (count is then well below size).
    auto n = static_cast<size_t>(count);
    std::vector<size_t> ranks;
    if (size <= 4 * n) {
      ranks.resize(size);
      for (size_t i = 0; i < size; ++i) ranks[i] = i;
      for (size_t i = 0; i < n; ++i) std::swap(ranks[i], ranks[i + Db::rng() % (size - i)]);
      ranks.resize(n);
    } else {
      std::unordered_map<size_t, bool> seen;
      while (ranks.size() < n) {
        size_t r = Db::rng() % size;
        if (seen.emplace(r, true).second) ranks.push_back(r);
      }
    }
    out.reserve(n);
    for (size_t r : ranks) out.push_back(at(r));
  }
  zset::SendElements(ctx.rb, out, with_scores, true);
}

// ---- set algebra ---------------------------------------------------------------------------

enum class SetOp { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

// Redis's zunionInterAggregate: a NaN sum (inf + -inf) counts as 0.
void AggregateInto(double* target, double v, Aggregate agg) {
  if (agg == Aggregate::kSum) {
    *target += v;
    if (std::isnan(*target)) *target = 0;
  } else if (agg == Aggregate::kMin) {
    *target = std::min(*target, v);
  } else {
    *target = std::max(*target, v);
  }
}

// One input of ZUNION/ZINTER/ZDIFF: a sorted set, a plain set (every member scores 1, as
// Redis's zsetopsrc over a set), or nothing for a missing key.
struct Input {
  ZSetObject* z = nullptr;
  SetObject* set = nullptr;
  double weight = 1;
  bool present() const { return z != nullptr || set != nullptr; }
  size_t size() const { return z ? z->size() : set ? set->size() : 0; }
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    if (z != nullptr) {
      z->ForEach(fn);
    } else if (set != nullptr) {
      set->ForEach([&](std::string_view m) { fn(m, 1.0); });
    }
  }
  std::optional<double> Score(std::string_view m) const {
    if (z != nullptr) return z->Score(m);
    if (set != nullptr && set->Contains(m)) return 1.0;
    return std::nullopt;
  }
};

// The computed result of one operation, sorted as a sorted set orders it.
std::vector<Element> Compute(std::vector<Input>& inputs, SetOp op, Aggregate agg) {
  std::vector<Element> out;
  auto weighted = [](double s, double w) {
    double v = s * w;
    return std::isnan(v) ? 0.0 : v;
  };
  if (op == SetOp::kUnion) {
    std::unordered_map<std::string, double> acc;
    for (const Input& in : inputs) {
      in.ForEach([&](std::string_view m, double s) {
        double v = weighted(s, in.weight);
        auto [it, fresh] = acc.try_emplace(std::string(m), v);
        if (!fresh) AggregateInto(&it->second, v, agg);
      });
    }
    out.reserve(acc.size());
    for (auto& [m, s] : acc) out.emplace_back(m, s);
  } else if (op == SetOp::kInter) {
    for (const Input& in : inputs) {
      if (in.size() == 0) return out;
    }
    // Walk the smallest input; look each member up in the others.
    std::vector<size_t> order(inputs.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return inputs[a].size() < inputs[b].size(); });
    const Input& first = inputs[order[0]];
    first.ForEach([&](std::string_view m, double s) {
      double v = weighted(s, first.weight);
      for (size_t k = 1; k < order.size(); ++k) {
        const Input& other = inputs[order[k]];
        std::optional<double> os = other.Score(m);
        if (!os) return;
        AggregateInto(&v, weighted(*os, other.weight), agg);
      }
      out.emplace_back(std::string(m), v);
    });
  } else {
    if (!inputs[0].present()) return out;
    inputs[0].ForEach([&](std::string_view m, double s) {
      for (size_t k = 1; k < inputs.size(); ++k) {
        if (inputs[k].Score(m)) return;
      }
      out.emplace_back(std::string(m), s);
    });
  }
  std::sort(out.begin(), out.end(), [](const Element& a, const Element& b) {
    return ZLess(a.second, a.first, b.second, b.first);
  });
  return out;
}

// Reads numkeys and the keys at numkeys_at; false after the reply. Redis checks the keys'
// types before it reads the options.
bool ReadInputs(CommandContext& ctx, size_t numkeys_at, std::vector<Input>* inputs,
                size_t* next) {
  int64_t numkeys;
  if (!ParseInt64(ctx.arg(numkeys_at), &numkeys)) {
    ctx.rb.SendError(errors::kNotInteger);
    return false;
  }
  if (numkeys < 1) {
    ctx.rb.SendError("ERR at least 1 input key is needed for '" + ToLower(ctx.arg(0)) +
                     "' command");
    return false;
  }
  if (numkeys > static_cast<int64_t>(ctx.argc() - numkeys_at - 1)) {
    ctx.rb.SendError(errors::kSyntax);
    return false;
  }
  inputs->resize(static_cast<size_t>(numkeys));
  for (size_t i = 0; i < inputs->size(); ++i) {
    Entry* e = ctx.db().Find(ctx.arg(numkeys_at + 1 + i));
    if (e == nullptr) {
      ++Db::misses;
      continue;
    }
    ++Db::hits;
    if (e->type() == ObjType::kZSet) {
      (*inputs)[i].z = e->As<ZSetObject>();
    } else if (e->type() == ObjType::kSet) {
      (*inputs)[i].set = e->As<SetObject>();
    } else {
      ctx.rb.SendError(errors::kWrongType);
      return false;
    }
  }
  *next = numkeys_at + 1 + inputs->size();
  return true;
}

// ZUNION/ZINTER/ZDIFF numkeys key ... [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES],
// and the STORE forms (dst first, no WITHSCORES).
void SetOpCommand(CommandContext& ctx, SetOp op, bool store) {
  std::vector<Input> inputs;
  size_t i;
  if (!ReadInputs(ctx, store ? 2 : 1, &inputs, &i)) return;
  Aggregate agg = Aggregate::kSum;
  bool with_scores = false;
  for (; i < ctx.argc(); ++i) {
    std::string_view o = ctx.arg(i);
    size_t remaining = ctx.argc() - i - 1;
    if (op != SetOp::kDiff && EqualsNoCase(o, "weights") && remaining >= inputs.size()) {
      for (Input& in : inputs) {
        if (!ParseDouble(ctx.arg(++i), &in.weight)) {
          ctx.rb.SendError("ERR weight value is not a float");
          return;
        }
      }
    } else if (op != SetOp::kDiff && EqualsNoCase(o, "aggregate") && remaining >= 1) {
      std::string_view a = ctx.arg(++i);
      if (EqualsNoCase(a, "sum")) {
        agg = Aggregate::kSum;
      } else if (EqualsNoCase(a, "min")) {
        agg = Aggregate::kMin;
      } else if (EqualsNoCase(a, "max")) {
        agg = Aggregate::kMax;
      } else {
        ctx.rb.SendError(errors::kSyntax);
        return;
      }
    } else if (!store && EqualsNoCase(o, "withscores")) {
      with_scores = true;
    } else {
      ctx.rb.SendError(errors::kSyntax);
      return;
    }
  }
  std::vector<Element> items = Compute(inputs, op, agg);
  if (!store) {
    zset::SendElements(ctx.rb, items, with_scores, true);
    return;
  }
  static constexpr std::string_view kEvents[] = {"zunionstore", "zinterstore", "zdiffstore"};
  zset::StoreResult(ctx, ctx.arg(1),
                    items.empty() ? nullptr : zset::Build(items, zset::Limits(ctx)),
                    kEvents[static_cast<int>(op)]);
}

void CmdZUnion(CommandContext& ctx) { SetOpCommand(ctx, SetOp::kUnion, false); }
void CmdZInter(CommandContext& ctx) { SetOpCommand(ctx, SetOp::kInter, false); }
void CmdZDiff(CommandContext& ctx) { SetOpCommand(ctx, SetOp::kDiff, false); }
void CmdZUnionStore(CommandContext& ctx) { SetOpCommand(ctx, SetOp::kUnion, true); }
void CmdZInterStore(CommandContext& ctx) { SetOpCommand(ctx, SetOp::kInter, true); }
void CmdZDiffStore(CommandContext& ctx) { SetOpCommand(ctx, SetOp::kDiff, true); }

// ZINTERCARD numkeys key [key ...] [LIMIT limit].
void CmdZInterCard(CommandContext& ctx) {
  std::vector<Input> inputs;
  size_t i;
  if (!ReadInputs(ctx, 1, &inputs, &i)) return;
  int64_t limit = 0;
  for (; i < ctx.argc(); ++i) {
    if (EqualsNoCase(ctx.arg(i), "limit") && i + 1 < ctx.argc()) {
      if (!ParseInt64(ctx.arg(++i), &limit) || limit < 0) {
        ctx.rb.SendError("ERR LIMIT can't be negative");
        return;
      }
    } else {
      ctx.rb.SendError(errors::kSyntax);
      return;
    }
  }
  size_t n = Compute(inputs, SetOp::kInter, Aggregate::kSum).size();
  if (limit > 0) n = std::min(n, static_cast<size_t>(limit));
  ctx.rb.SendLong(static_cast<int64_t>(n));
}

void CmdZScan(CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseScanCursor(ctx.arg(2), &cursor)) {
    ctx.rb.SendError("ERR invalid cursor");
    return;
  }
  ScanOptions opts;
  if (!ParseScanOptions(ctx, 3, ScanKind::kMembers, &opts)) return;
  ZSetObject* z = zset::FindOrReply(ctx, ctx.arg(1), [](ReplyBuilder& rb) {
    rb.StartArray(2);
    rb.SendBulk("0");
    rb.SendEmptyArray();
  });
  if (z == nullptr) return;
  std::vector<Element> found;
  auto collect = [&](std::string_view m, double s) {
    if (!opts.pattern.empty() && !GlobMatch(opts.pattern, m)) return;
    found.emplace_back(std::string(m), s);
  };
  int64_t max_iterations = opts.count * 10;
  size_t visited = 0;
  do {
    size_t before = found.size();
    cursor = z->Scan(cursor, collect);
    visited += found.size() - before + 1;
  } while (cursor != 0 && max_iterations-- > 0 && visited < static_cast<uint64_t>(opts.count));
  ctx.rb.StartArray(2);
  ctx.rb.SendBulk(std::to_string(cursor));
  ctx.rb.StartArray(found.size() * 2);
  char buf[kDoubleBufSize];
  for (const Element& e : found) {
    ctx.rb.SendBulk(e.first);
    ctx.rb.SendBulk({buf, FormatDouble(e.second, buf)});
  }
}

}  // namespace

void RegisterZSetMultiCommands(CommandRegistry& r) {
  constexpr uint32_t kRead = kAclRead | kAclSortedSet;
  constexpr uint32_t kWrite = kAclWrite | kAclSortedSet;
  constexpr uint32_t kBlock = kCmdWrite | kCmdBlocking;
  constexpr uint32_t kBlockAcl = kWrite | kAclSlow | kAclBlocking;
  auto add = [&](const char* name, int arity, uint32_t flags, uint32_t acl, CommandHandler h,
                 int first, int last, const char* since, const char* summary,
                 const char* complexity) -> CommandSpec& {
    CommandSpec& s =
        r.Add(MakeCommand(name, arity, flags, acl, first, last, 1, h, "sorted_set", summary));
    s.since = since;
    s.complexity = complexity;
    return s;
  };
  const char* kPopCost =
      "O(log(N)*M) with N being the number of elements in the sorted set, and M being the "
      "number of elements popped.";
  add("zpopmin", -2, kCmdWrite | kCmdFast, kWrite | kAclFast, CmdZPopMin, 1, 1, "5.0.0",
      "Remove and return members with the lowest scores in a sorted set", kPopCost);
  add("zpopmax", -2, kCmdWrite | kCmdFast, kWrite | kAclFast, CmdZPopMax, 1, 1, "5.0.0",
      "Remove and return members with the highest scores in a sorted set", kPopCost);
  add("zmpop", -4, kCmdWrite, kWrite | kAclSlow, CmdZMPop, 0, 0, "7.0.0",
      "Remove and return members with scores in a sorted set",
      "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of "
      "elements in the sorted set, and M being the number of elements popped.")
      .keys = NumKeysSpec(1);
  add("bzpopmin", -3, kBlock | kCmdFast | kCmdNoScript, kBlockAcl | kAclFast, CmdBZPopMin, 1, -2, "5.0.0",
      "Remove and return the member with the lowest score from one or more sorted sets, or "
      "block until one is available",
      "O(log(N)) with N being the number of elements in the sorted set.");
  add("bzpopmax", -3, kBlock | kCmdFast | kCmdNoScript, kBlockAcl | kAclFast, CmdBZPopMax, 1, -2, "5.0.0",
      "Remove and return the member with the highest score from one or more sorted sets, or "
      "block until one is available",
      "O(log(N)) with N being the number of elements in the sorted set.");
  add("bzmpop", -5, kBlock, kBlockAcl, CmdBZMPop, 0, 0, "7.0.0",
      "Remove and return members with scores in a sorted set or block until one is available",
      "O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of "
      "elements in the sorted set, and M being the number of elements popped.")
      .keys = NumKeysSpec(2);
  add("zrandmember", -2, kCmdReadOnly, kRead | kAclSlow, CmdZRandMember, 1, 1, "6.2.0",
      "Get one or multiple random elements from a sorted set",
      "O(N) where N is the number of elements returned");
  const char* kUnionCost =
      "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being "
      "the number of elements in the resulting sorted set.";
  const char* kInterCost =
      "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the "
      "number of input sorted sets and M being the number of elements in the resulting sorted "
      "set.";
  const char* kDiffCost =
      "O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, "
      "N is the size of the first set, and K is the size of the result set.";
  add("zunion", -3, kCmdReadOnly, kRead | kAclSlow, CmdZUnion, 0, 0, "6.2.0",
      "Add multiple sorted sets", kUnionCost).keys = NumKeysSpec(1);
  add("zinter", -3, kCmdReadOnly, kRead | kAclSlow, CmdZInter, 0, 0, "6.2.0",
      "Intersect multiple sorted sets", kInterCost).keys = NumKeysSpec(1);
  add("zdiff", -3, kCmdReadOnly, kRead | kAclSlow, CmdZDiff, 0, 0, "6.2.0",
      "Subtract multiple sorted sets", kDiffCost).keys = NumKeysSpec(1);
  add("zintercard", -3, kCmdReadOnly, kRead | kAclSlow, CmdZInterCard, 0, 0, "7.0.0",
      "Intersect multiple sorted sets and return the cardinality of the result",
      "O(N*K) worst case with N being the smallest input sorted set, K being the number of "
      "input sorted sets.").keys = NumKeysSpec(1);
  // The STORE forms: dst, then numkeys keys (the key spec adds dst to what NumKeysSpec finds).
  KeySpec store_keys = NumKeysSpec(2);
  store_keys.extractor = [inputs = store_keys.extractor](
                             const std::vector<std::string_view>& argv) {
    std::vector<int> keys = inputs(argv);
    keys.insert(keys.begin(), 1);
    return keys;
  };
  add("zunionstore", -4, kCmdWrite | kCmdDenyOom, kWrite | kAclSlow, CmdZUnionStore, 0, 0,
      "2.0.0", "Add multiple sorted sets and store the resulting sorted set in a new key",
      kUnionCost).keys = store_keys;
  add("zinterstore", -4, kCmdWrite | kCmdDenyOom, kWrite | kAclSlow, CmdZInterStore, 0, 0,
      "2.0.0", "Intersect multiple sorted sets and store the resulting sorted set in a new key",
      kInterCost).keys = store_keys;
  add("zdiffstore", -4, kCmdWrite | kCmdDenyOom, kWrite | kAclSlow, CmdZDiffStore, 0, 0,
      "6.2.0", "Subtract multiple sorted sets and store the resulting sorted set in a new key",
      kDiffCost).keys = store_keys;
  add("zscan", -3, kCmdReadOnly, kRead | kAclSlow, CmdZScan, 1, 1, "2.8.0",
      "Incrementally iterate sorted sets elements and associated scores",
      "O(1) for every call. O(N) for a complete iteration, including enough command calls for "
      "the cursor to return back to 0. N is the number of elements inside the collection.");
}

}  // namespace sable

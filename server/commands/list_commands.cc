// List commands: pushes and pops at both ends, ranges, LINSERT/LREM/LTRIM/LPOS, LMOVE and LMPOP,
// and their blocking forms (server/core/blocking.h parks the client; the command re-runs when a
// key it waits on appears). The structure is server/store/list_object.h.
#include <climits>
#include <string>
#include <vector>

#include "server/commands/register.h"
#include "server/commands/typed_lookup.h"
#include "server/config/keyspace_events.h"
#include "server/core/blocking.h"
#include "server/core/context.h"
#include "server/core/op_status.h"
#include "server/core/server.h"
#include "server/resp/errors.h"
#include "server/store/list_object.h"
#include "server/util/numbers.h"
#include "server/util/strings.h"

namespace sable {
namespace {

constexpr std::string_view kMustBePositive = "ERR value is out of range, must be positive";

ListLimits Limits(const CommandContext& ctx) {
  const ServerConfig& c = ctx.server.cfg();
  return {c.list_max_listpack_size, c.list_compress_depth};
}

// A lookup that counts a keyspace hit or miss: kKeyNotFound, kWrongType or the list.
OpResult<ListObject*> FindList(Db& db, std::string_view key) {
  return FindTyped<ListObject>(db, key, ObjType::kList);
}

// The list at key for a command that replies `missing` when there is none; nullptr after the
// reply when the command ends there (missing or WRONGTYPE).
ListObject* ListOrReply(CommandContext& ctx, std::string_view key,
                        void (*missing)(ReplyBuilder&)) {
  return ValueOrReply(ctx, FindList(ctx.db(), key), missing);
}

void ReplyNull(ReplyBuilder& rb) { rb.SendNull(); }
void ReplyNullArray(ReplyBuilder& rb) { rb.SendNullArray(); }
void ReplyZero(ReplyBuilder& rb) { rb.SendLong(0); }
void ReplyEmpty(ReplyBuilder& rb) { rb.SendEmptyArray(); }
void ReplyOk(ReplyBuilder& rb) { rb.SendOk(); }
void ReplyNoSuchKey(ReplyBuilder& rb) { rb.SendError(errors::kNoSuchKey); }

// The list at key, created (empty, not yet in the keyspace) when absent.
ListObject* ListForPush(CommandContext& ctx, std::string_view key, bool* created) {
  *created = false;
  Entry* e = ctx.db().Find(key);
  if (e == nullptr) {
    *created = true;
    return new ListObject(Limits(ctx));
  }
  if (e->type() != ObjType::kList) {
    ctx.rb.SendError(errors::kWrongType);
    return nullptr;
  }
  return e->As<ListObject>();
}

// Adds a list that ListForPush created once it holds elements: the key appears (and wakes its
// waiters) with its contents in place.
void Publish(CommandContext& ctx, std::string_view key, ListObject* l, bool created) {
  if (created) ctx.db().Add(Entry::NewObject(key, ObjType::kList, l));
}

// After elements were removed: the key goes with its last element.
void DeleteIfEmpty(CommandContext& ctx, std::string_view key, ListObject* l) {
  if (l->size() != 0) return;
  ctx.db().Delete(key);
  ctx.Notify(kNotifyGeneric, "del", key);
}

std::string_view PopEvent(bool front) { return front ? "lpop" : "rpop"; }
std::string_view PushEvent(bool front) { return front ? "lpush" : "rpush"; }

// LEFT / RIGHT; false after a syntax error reply.
bool ParseWhere(CommandContext& ctx, std::string_view arg, bool* front) {
  if (EqualsNoCase(arg, "left")) {
    *front = true;
  } else if (EqualsNoCase(arg, "right")) {
    *front = false;
  } else {
    ctx.rb.SendError(errors::kSyntax);
    return false;
  }
  return true;
}

// Redis's index normalisation for LRANGE/LTRIM: [start, end] clipped to the list, or false when
// the range is empty.
bool ClipRange(int64_t start, int64_t end, size_t len, size_t* from, size_t* to) {
  auto n = static_cast<int64_t>(len);
  if (start < 0) start += n;
  if (end < 0) end += n;
  if (start < 0) start = 0;
  if (start > end || start >= n) return false;
  if (end >= n) end = n - 1;
  *from = static_cast<size_t>(start);
  *to = static_cast<size_t>(end);
  return true;
}

void Push(CommandContext& ctx, bool front, bool only_existing) {
  std::string_view key = ctx.arg(1);
  if (only_existing) {
    ListObject* l = ListOrReply(ctx, key, ReplyZero);
    if (l == nullptr) return;
  }
  bool created;
  ListObject* l = ListForPush(ctx, key, &created);
  if (l == nullptr) return;
  for (size_t i = 2; i < ctx.argc(); ++i) l->Push(ctx.arg(i), front);
  size_t len = l->size();
  Publish(ctx, key, l, created);
  ctx.db().Touched(key);
  ctx.Notify(kNotifyList, PushEvent(front), key);
  ctx.Propagate(static_cast<long long>(ctx.argc() - 2));
  ctx.rb.SendLong(static_cast<int64_t>(len));
}

void CmdLPush(CommandContext& ctx) { Push(ctx, true, false); }
void CmdRPush(CommandContext& ctx) { Push(ctx, false, false); }
void CmdLPushX(CommandContext& ctx) { Push(ctx, true, true); }
void CmdRPushX(CommandContext& ctx) { Push(ctx, false, true); }

// Pops up to count elements from one end of the list at key, with the events and key deletion;
// the caller replies.
std::vector<std::string> PopElements(CommandContext& ctx, std::string_view key, ListObject* l,
                                     bool front, size_t count) {
  std::vector<std::string> out;
  count = std::min(count, l->size());
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) out.push_back(l->Pop(front));
  ctx.db().Touched(key);
  ctx.Notify(kNotifyList, PopEvent(front), key);
  DeleteIfEmpty(ctx, key, l);
  return out;
}

void SendElements(ReplyBuilder& rb, const std::vector<std::string>& items) {
  rb.StartArray(items.size());
  for (const std::string& s : items) rb.SendBulk(s);
}

void Pop(CommandContext& ctx, bool front) {
  if (ctx.argc() > 3) {
    ctx.ReplyWrongArity();
    return;
  }
  bool has_count = ctx.argc() == 3;
  int64_t count = 1;
  if (has_count && (!ParseInt64(ctx.arg(2), &count) || count < 0)) {
    ctx.rb.SendError(kMustBePositive);
    return;
  }
  ListObject* l = ListOrReply(ctx, ctx.arg(1), has_count ? ReplyNullArray : ReplyNull);
  if (l == nullptr) return;
  if (has_count && count == 0) {
    ctx.rb.SendEmptyArray();
    return;
  }
  std::vector<std::string> items = PopElements(ctx, ctx.arg(1), l, front, count);
  ctx.Propagate();
  if (has_count) {
    SendElements(ctx.rb, items);
  } else {
    ctx.rb.SendBulk(items.front());
  }
}

void CmdLPop(CommandContext& ctx) { Pop(ctx, true); }
void CmdRPop(CommandContext& ctx) { Pop(ctx, false); }

void CmdLLen(CommandContext& ctx) {
  ListObject* l = ListOrReply(ctx, ctx.arg(1), ReplyZero);
  if (l != nullptr) ctx.rb.SendLong(static_cast<int64_t>(l->size()));
}

void CmdLRange(CommandContext& ctx) {
  int64_t start, end;
  if (!ParseInt64(ctx.arg(2), &start) || !ParseInt64(ctx.arg(3), &end)) {
    ctx.rb.SendError(errors::kNotInteger);
    return;
  }
  ListObject* l = ListOrReply(ctx, ctx.arg(1), ReplyEmpty);
  if (l == nullptr) return;
  size_t from, to;
  if (!ClipRange(start, end, l->size(), &from, &to)) {
    ctx.rb.SendEmptyArray();
    return;
  }
  size_t n = to - from + 1;
  ctx.rb.StartArray(n);
  l->Walk(from, false, [&](std::string_view v) {
    ctx.rb.SendBulk(v);
    return --n > 0;
  });
}

// A list index (negative counts from the tail) resolved against len; false when outside.
bool ResolveIndex(int64_t index, size_t len, size_t* out) {
  auto n = static_cast<int64_t>(len);
  if (index < 0) index += n;
  if (index < 0 || index >= n) return false;
  *out = static_cast<size_t>(index);
  return true;
}

void CmdLIndex(CommandContext& ctx) {
  int64_t index;
  if (!ParseInt64(ctx.arg(2), &index)) {
    ctx.rb.SendError(errors::kNotInteger);
    return;
  }
  ListObject* l = ListOrReply(ctx, ctx.arg(1), ReplyNull);
  if (l == nullptr) return;
  size_t i;
  if (!ResolveIndex(index, l->size(), &i)) {
    ctx.rb.SendNull();
    return;
  }
  ctx.rb.SendBulk(*l->Index(i));
}

void CmdLSet(CommandContext& ctx) {
  int64_t index;
  if (!ParseInt64(ctx.arg(2), &index)) {
    ctx.rb.SendError(errors::kNotInteger);
    return;
  }
  ListObject* l = ListOrReply(ctx, ctx.arg(1), ReplyNoSuchKey);
  if (l == nullptr) return;
  size_t i;
  if (!ResolveIndex(index, l->size(), &i)) {
    ctx.rb.SendError("ERR index out of range");
    return;
  }
  l->Set(i, ctx.arg(3));
  ctx.db().Touched(ctx.arg(1));
  ctx.Notify(kNotifyList, "lset", ctx.arg(1));
  ctx.Propagate();
  ctx.rb.SendOk();
}

void CmdLInsert(CommandContext& ctx) {
  bool after;
  if (EqualsNoCase(ctx.arg(2), "after")) {
    after = true;
  } else if (EqualsNoCase(ctx.arg(2), "before")) {
    after = false;
  } else {
    ctx.rb.SendError(errors::kSyntax);
    return;
  }
  ListObject* l = ListOrReply(ctx, ctx.arg(1), ReplyZero);
  if (l == nullptr) return;
  if (!l->Insert(ctx.arg(3), ctx.arg(4), after)) {
    ctx.rb.SendLong(-1);
    return;
  }
  ctx.db().Touched(ctx.arg(1));
  ctx.Notify(kNotifyList, "linsert", ctx.arg(1));
  ctx.Propagate();
  ctx.rb.SendLong(static_cast<int64_t>(l->size()));
}

void CmdLRem(CommandContext& ctx) {
  int64_t count;
  if (!ParseInt64(ctx.arg(2), &count)) {
    ctx.rb.SendError(errors::kNotInteger);
    return;
  }
  ListObject* l = ListOrReply(ctx, ctx.arg(1), ReplyZero);
  if (l == nullptr) return;
  size_t removed = l->Remove(ctx.arg(3), count);
  if (removed > 0) {
    ctx.db().Touched(ctx.arg(1));
    ctx.Notify(kNotifyList, "lrem", ctx.arg(1));
    DeleteIfEmpty(ctx, ctx.arg(1), l);
    ctx.Propagate(static_cast<long long>(removed));
  }
  ctx.rb.SendLong(static_cast<int64_t>(removed));
}

void CmdLTrim(CommandContext& ctx) {
  int64_t start, end;
  if (!ParseInt64(ctx.arg(2), &start) || !ParseInt64(ctx.arg(3), &end)) {
    ctx.rb.SendError(errors::kNotInteger);
    return;
  }
  ListObject* l = ListOrReply(ctx, ctx.arg(1), ReplyOk);
  if (l == nullptr) return;
  size_t len = l->size(), from, to, front = len, back = 0;
  if (ClipRange(start, end, len, &from, &to)) {
    front = from;
    back = len - 1 - to;
  }
  l->Trim(front, back);
  ctx.db().Touched(ctx.arg(1));
  ctx.Notify(kNotifyList, "ltrim", ctx.arg(1));
  DeleteIfEmpty(ctx, ctx.arg(1), l);
  ctx.Propagate(static_cast<long long>(front + back));
  ctx.rb.SendOk();
}

void CmdLPos(CommandContext& ctx) {
  int64_t rank = 1, count = -1, maxlen = 0;
  for (size_t i = 3; i < ctx.argc(); i += 2) {
    std::string_view opt = ctx.arg(i);
    bool is_rank = EqualsNoCase(opt, "rank"), is_count = EqualsNoCase(opt, "count");
    if ((!is_rank && !is_count && !EqualsNoCase(opt, "maxlen")) || i + 1 >= ctx.argc()) {
      ctx.rb.SendError(errors::kSyntax);
      return;
    }
    // COUNT and MAXLEN take a non-negative integer, one error for both ways to miss it.
    int64_t v;
    bool parsed = ParseInt64(ctx.arg(i + 1), &v);
    if (is_rank) {
      if (!parsed || v == INT64_MIN) {
        ctx.rb.SendError(parsed ? "ERR value is out of range" : errors::kNotInteger);
        return;
      }
      if (v == 0) {
        ctx.rb.SendError(
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list");
        return;
      }
      rank = v;
    } else if (!parsed || v < 0) {
      ctx.rb.SendError(is_count ? "ERR COUNT can't be negative" : "ERR MAXLEN can't be negative");
      return;
    } else if (is_count) {
      count = v;
    } else {
      maxlen = v;
    }
  }
  ListObject* l = ListOrReply(ctx, ctx.arg(1), count >= 0 ? ReplyEmpty : ReplyNull);
  if (l == nullptr) return;
  bool reverse = rank < 0;
  int64_t skip = (reverse ? -rank : rank) - 1;
  size_t want = count == 0 ? SIZE_MAX : static_cast<size_t>(count < 0 ? 1 : count);
  std::vector<int64_t> found;
  size_t len = l->size();
  size_t pos = 0;
  std::string_view element = ctx.arg(2);
  l->Walk(0, reverse, [&](std::string_view v) {
    if (maxlen != 0 && pos >= static_cast<size_t>(maxlen)) return false;
    if (v == element) {
      if (skip > 0) {
        --skip;
      } else {
        found.push_back(static_cast<int64_t>(reverse ? len - 1 - pos : pos));
      }
    }
    ++pos;
    return found.size() < want;
  });
  if (count < 0) {
    if (found.empty()) {
      ctx.rb.SendNull();
    } else {
      ctx.rb.SendLong(found.front());
    }
    return;
  }
  ctx.rb.StartArray(found.size());
  for (int64_t i : found) ctx.rb.SendLong(i);
}

// LMOVE's work once the source is known to hold elements: the destination is checked, then one
// element moves. Replies the element (or WRONGTYPE); false when nothing moved.
bool MoveElement(CommandContext& ctx, std::string_view src, ListObject* sl, std::string_view dst,
                 bool from_front, bool to_front) {
  Entry* d = ctx.db().Find(dst);
  if (d != nullptr && d->type() != ObjType::kList) {
    ctx.rb.SendError(errors::kWrongType);
    return false;
  }
  std::string value = sl->Pop(from_front);
  bool created = false;
  ListObject* dl;
  if (d != nullptr) {
    dl = d->As<ListObject>();
  } else if (src == dst) {
    dl = sl;
  } else {
    dl = new ListObject(Limits(ctx));
    created = true;
  }
  dl->Push(value, to_front);
  Publish(ctx, dst, dl, created);
  ctx.db().Touched(dst);
  ctx.Notify(kNotifyList, PushEvent(to_front), dst);
  if (src != dst) {
    ctx.db().Touched(src);
    ctx.Notify(kNotifyList, PopEvent(from_front), src);
    DeleteIfEmpty(ctx, src, sl);
  } else {
    ctx.Notify(kNotifyList, PopEvent(from_front), src);
  }
  ctx.rb.SendBulk(value);
  return true;
}

void PropagateMove(CommandContext& ctx, std::string_view src, std::string_view dst,
                   bool from_front, bool to_front) {
  ctx.PropagateAs({"LMOVE", std::string(src), std::string(dst), from_front ? "LEFT" : "RIGHT",
                   to_front ? "LEFT" : "RIGHT"});
}

// LMOVE / RPOPLPUSH, and BLMOVE / BRPOPLPUSH when timeout_arg is set.
void Move(CommandContext& ctx, bool from_front, bool to_front, size_t timeout_arg) {
  int64_t timeout = -1;
  if (timeout_arg != 0 && !Blocking::ParseTimeout(ctx, ctx.arg(timeout_arg), &timeout)) return;
  std::string_view src = ctx.arg(1), dst = ctx.arg(2);
  OpResult<ListObject*> r = FindList(ctx.db(), src);
  if (r.status() == OpStatus::kWrongType) {
    ctx.rb.SendError(errors::kWrongType);
    return;
  }
  if (!r.ok()) {
    if (timeout_arg != 0 && Blocking::MayBlock(ctx)) {
      ctx.server.blocking().Block(ctx, {src}, ObjType::kList, timeout);
    } else {
      ctx.rb.SendNull();
    }
    return;
  }
  if (!MoveElement(ctx, src, r.value(), dst, from_front, to_front)) return;
  // The blocking forms and RPOPLPUSH propagate as what they did, as Redis rewrites them.
  if (timeout_arg == 0 && EqualsNoCase(ctx.arg(0), "lmove")) {
    ctx.Propagate();
  } else if (timeout_arg == 0 || !EqualsNoCase(ctx.arg(0), "brpoplpush")) {
    PropagateMove(ctx, src, dst, from_front, to_front);
  } else {
    ctx.PropagateAs({"RPOPLPUSH", std::string(src), std::string(dst)});
  }
}

void CmdLMove(CommandContext& ctx) {
  bool from_front, to_front;
  if (!ParseWhere(ctx, ctx.arg(3), &from_front) || !ParseWhere(ctx, ctx.arg(4), &to_front)) {
    return;
  }
  Move(ctx, from_front, to_front, 0);
}

void CmdBLMove(CommandContext& ctx) {
  bool from_front, to_front;
  if (!ParseWhere(ctx, ctx.arg(3), &from_front) || !ParseWhere(ctx, ctx.arg(4), &to_front)) {
    return;
  }
  Move(ctx, from_front, to_front, 5);
}

void CmdRPopLPush(CommandContext& ctx) {
  // Propagated as received: RPOPLPUSH is its own non-blocking form.
  std::string_view src = ctx.arg(1);
  OpResult<ListObject*> r = FindList(ctx.db(), src);
  if (r.status() == OpStatus::kWrongType) {
    ctx.rb.SendError(errors::kWrongType);
    return;
  }
  if (!r.ok()) {
    ctx.rb.SendNull();
    return;
  }
  if (MoveElement(ctx, src, r.value(), ctx.arg(2), false, true)) ctx.Propagate();
}

void CmdBRPopLPush(CommandContext& ctx) { Move(ctx, false, true, 3); }

// BLPOP / BRPOP key [key ...] timeout.
void BlockingPop(CommandContext& ctx, bool front) {
  int64_t timeout;
  if (!Blocking::ParseTimeout(ctx, ctx.arg(ctx.argc() - 1), &timeout)) return;
  std::vector<std::string_view> keys(ctx.args.begin() + 1, ctx.args.end() - 1);
  for (std::string_view key : keys) {
    OpResult<ListObject*> r = FindList(ctx.db(), key);
    if (r.status() == OpStatus::kWrongType) {
      ctx.rb.SendError(errors::kWrongType);
      return;
    }
    if (!r.ok()) continue;
    std::vector<std::string> items = PopElements(ctx, key, r.value(), front, 1);
    ctx.PropagateAs({front ? "LPOP" : "RPOP", std::string(key)});
    ctx.rb.StartArray(2);
    ctx.rb.SendBulk(key);
    ctx.rb.SendBulk(items.front());
    return;
  }
  if (Blocking::MayBlock(ctx)) {
    ctx.server.blocking().Block(ctx, keys, ObjType::kList, timeout);
  } else {
    ctx.rb.SendNullArray();
  }
}

void CmdBLPop(CommandContext& ctx) { BlockingPop(ctx, true); }
void CmdBRPop(CommandContext& ctx) { BlockingPop(ctx, false); }

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count], and BLMPOP timeout numkeys ... when
// blocking. Propagated as LPOP/RPOP key count, as Redis rewrites it.
void MultiPop(CommandContext& ctx, bool blocking) {
  size_t numkeys_at = blocking ? 2 : 1;
  int64_t timeout = -1;
  if (blocking && !Blocking::ParseTimeout(ctx, ctx.arg(1), &timeout)) return;
  int64_t numkeys;
  if (!ParseInt64(ctx.arg(numkeys_at), &numkeys) || numkeys <= 0) {
    ctx.rb.SendError("ERR numkeys should be greater than 0");
    return;
  }
  size_t where_at = numkeys_at + 1 + static_cast<size_t>(numkeys);
  if (numkeys > static_cast<int64_t>(ctx.argc() - numkeys_at - 2)) {
    ctx.rb.SendError(errors::kSyntax);
    return;
  }
  bool front;
  if (!ParseWhere(ctx, ctx.arg(where_at), &front)) return;
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
    OpResult<ListObject*> r = FindList(ctx.db(), key);
    if (r.status() == OpStatus::kWrongType) {
      ctx.rb.SendError(errors::kWrongType);
      return;
    }
    if (!r.ok()) continue;
    std::vector<std::string> items =
        PopElements(ctx, key, r.value(), front, static_cast<size_t>(count));
    ctx.PropagateAs({front ? "LPOP" : "RPOP", std::string(key), std::to_string(items.size())});
    ctx.rb.StartArray(2);
    ctx.rb.SendBulk(key);
    SendElements(ctx.rb, items);
    return;
  }
  if (blocking && Blocking::MayBlock(ctx)) {
    ctx.server.blocking().Block(ctx, keys, ObjType::kList, timeout);
  } else {
    ctx.rb.SendNullArray();
  }
}

void CmdLMPop(CommandContext& ctx) { MultiPop(ctx, false); }
void CmdBLMPop(CommandContext& ctx) { MultiPop(ctx, true); }

}  // namespace

void RegisterListCommands(CommandRegistry& r) {
  constexpr uint32_t kRead = kAclRead | kAclList;
  constexpr uint32_t kWrite = kAclWrite | kAclList;
  constexpr uint32_t kW = kCmdWrite | kCmdDenyOom;
  constexpr uint32_t kBlock = kCmdWrite | kCmdBlocking;
  constexpr uint32_t kBlockAcl = kWrite | kAclSlow | kAclBlocking;
  auto add = [&](const char* name, int arity, uint32_t flags, uint32_t acl, CommandHandler h,
                 int first, int last, int step, const char* since, const char* summary,
                 const char* complexity) -> CommandSpec& {
    CommandSpec& s =
        r.Add(MakeCommand(name, arity, flags, acl, first, last, step, h, "list", summary));
    s.since = since;
    s.complexity = complexity;
    return s;
  };
  add("lpush", -3, kW | kCmdFast, kWrite | kAclFast, CmdLPush, 1, 1, 1, "1.0.0",
      "Prepend one or multiple elements to a list",
      "O(1) for each element added, so O(N) to add N elements when the command is called with "
      "multiple arguments.");
  add("rpush", -3, kW | kCmdFast, kWrite | kAclFast, CmdRPush, 1, 1, 1, "1.0.0",
      "Append one or multiple elements to a list",
      "O(1) for each element added, so O(N) to add N elements when the command is called with "
      "multiple arguments.");
  add("lpushx", -3, kW | kCmdFast, kWrite | kAclFast, CmdLPushX, 1, 1, 1, "2.2.0",
      "Prepend an element to a list, only if the list exists",
      "O(1) for each element added, so O(N) to add N elements when the command is called with "
      "multiple arguments.");
  add("rpushx", -3, kW | kCmdFast, kWrite | kAclFast, CmdRPushX, 1, 1, 1, "2.2.0",
      "Append an element to a list, only if the list exists",
      "O(1) for each element added, so O(N) to add N elements when the command is called with "
      "multiple arguments.");
  add("lpop", -2, kCmdWrite | kCmdFast, kWrite | kAclFast, CmdLPop, 1, 1, 1, "1.0.0",
      "Remove and get the first elements in a list",
      "O(N) where N is the number of elements returned");
  add("rpop", -2, kCmdWrite | kCmdFast, kWrite | kAclFast, CmdRPop, 1, 1, 1, "1.0.0",
      "Remove and get the last elements in a list",
      "O(N) where N is the number of elements returned");
  add("llen", 2, kCmdReadOnly | kCmdFast, kRead | kAclFast, CmdLLen, 1, 1, 1, "1.0.0",
      "Get the length of a list", "O(1)");
  add("lrange", 4, kCmdReadOnly, kRead | kAclSlow, CmdLRange, 1, 1, 1, "1.0.0",
      "Get a range of elements from a list",
      "O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest "
      "end (HEAD or TAIL) for large lists; and N is the number of elements in the specified "
      "range.");
  add("lindex", 3, kCmdReadOnly, kRead | kAclSlow, CmdLIndex, 1, 1, 1, "1.0.0",
      "Get an element from a list by its index",
      "O(N) where N is the number of elements to traverse to get to the element at index. This "
      "makes asking for the first or the last element of the list O(1).");
  add("lset", 4, kW, kWrite | kAclSlow, CmdLSet, 1, 1, 1, "1.0.0",
      "Set the value of an element in a list by its index",
      "O(N) where N is the length of the list. Setting either the first or the last element of "
      "the list is O(1).");
  add("linsert", 5, kW, kWrite | kAclSlow, CmdLInsert, 1, 1, 1, "2.2.0",
      "Insert an element before or after another element in a list",
      "O(N) where N is the number of elements to traverse before seeing the value pivot. This "
      "means that inserting somewhere on the left end on the list (head) can be considered "
      "O(1) and inserting somewhere on the right end (tail) is O(N).");
  add("lrem", 4, kCmdWrite, kWrite | kAclSlow, CmdLRem, 1, 1, 1, "1.0.0",
      "Remove elements from a list",
      "O(N+M) where N is the length of the list and M is the number of elements removed.");
  add("ltrim", 4, kCmdWrite, kWrite | kAclSlow, CmdLTrim, 1, 1, 1, "1.0.0",
      "Trim a list to the specified range",
      "O(N) where N is the number of elements to be removed by the operation.");
  add("lpos", -3, kCmdReadOnly, kRead | kAclSlow, CmdLPos, 1, 1, 1, "6.0.6",
      "Return the index of matching elements on a list",
      "O(N) where N is the number of elements in the list, for the average case. When "
      "searching for elements near the head or the tail of the list, or when the MAXLEN option "
      "is provided, the command may run in constant time.");
  add("lmove", 5, kW, kWrite | kAclSlow, CmdLMove, 1, 2, 1, "6.2.0",
      "Pop an element from a list, push it to another list and return it", "O(1)");
  add("rpoplpush", 3, kW, kWrite | kAclSlow, CmdRPopLPush, 1, 2, 1, "1.2.0",
      "Remove the last element in a list, prepend it to another list and return it", "O(1)");
  add("lmpop", -4, kCmdWrite, kWrite | kAclSlow, CmdLMPop, 0, 0, 0, "7.0.0",
      "Pop elements from a list",
      "O(N+M) where N is the number of provided keys and M is the number of elements returned.")
      .keys = NumKeysSpec(1);
  add("blpop", -3, kBlock | kCmdNoScript, kBlockAcl, CmdBLPop, 1, -2, 1, "2.0.0",
      "Remove and get the first element in a list, or block until one is available",
      "O(N) where N is the number of provided keys.");
  add("brpop", -3, kBlock | kCmdNoScript, kBlockAcl, CmdBRPop, 1, -2, 1, "2.0.0",
      "Remove and get the last element in a list, or block until one is available",
      "O(N) where N is the number of provided keys.");
  add("blmove", 6, kBlock | kCmdDenyOom | kCmdNoScript, kBlockAcl, CmdBLMove, 1, 2, 1, "6.2.0",
      "Pop an element from a list, push it to another list and return it; or block until one "
      "is available",
      "O(1)");
  add("brpoplpush", 4, kBlock | kCmdDenyOom | kCmdNoScript, kBlockAcl, CmdBRPopLPush, 1, 2, 1, "2.2.0",
      "Pop an element from a list, push it to another list and return it; or block until one "
      "is available",
      "O(1)");
  add("blmpop", -5, kBlock, kBlockAcl, CmdBLMPop, 0, 0, 0, "7.0.0",
      "Pop elements from a list, or block until one is available",
      "O(N+M) where N is the number of provided keys and M is the number of elements returned.")
      .keys = NumKeysSpec(2);
}

}  // namespace sable

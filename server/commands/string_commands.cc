// String commands: GET/SET and friends, counters, ranges, LCS.
#include <cctype>
#include <climits>
#include <cmath>
#include <cstring>
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

std::string InvalidExpire(const CommandContext& ctx) {
  return "ERR invalid expire time in '" + ctx.cmd->name + "' command";
}

// Reads a string key: kKeyNotFound, kWrongType, or the value (ints formatted into buf).
OpResult<std::string_view> OpGet(Db& db, std::string_view key, char* buf) {
  Entry* e = db.Find(key);
  if (e == nullptr) {
    ++Db::misses;
    return OpStatus::kKeyNotFound;
  }
  ++Db::hits;
  if (e->type() != ObjType::kString) return OpStatus::kWrongType;
  return e->StringValue(buf);
}

// Sends a GET-style reply for a lookup result; returns false when it was an error.
bool ReplyValue(CommandContext& ctx, const OpResult<std::string_view>& r) {
  if (r.ok()) {
    ctx.rb.SendBulk(r.value());
    return true;
  }
  if (r.status() == OpStatus::kKeyNotFound) {
    ctx.rb.SendNull();
    return true;
  }
  ctx.rb.SendError(OpStatusError(r.status()));
  return false;
}

// Expiry options shared by SET and GETEX. unit_ms: EX/EXAT are seconds.
struct ExpireOption {
  enum Kind { kNone, kRelative, kAbsolute, kKeepTtl, kPersist } kind = kNone;
  int64_t when_ms = 0;  // absolute once resolved
};

// Parses "EX n" style values into an absolute time; false with an error already sent.
bool ResolveExpire(CommandContext& ctx, std::string_view opt, std::string_view val,
                   ExpireOption* out) {
  int64_t n;
  if (!ParseInt64(val, &n)) {
    ctx.rb.SendError(errors::kNotInteger);
    return false;
  }
  bool seconds = EqualsNoCase(opt, "ex") || EqualsNoCase(opt, "exat");
  bool relative = EqualsNoCase(opt, "ex") || EqualsNoCase(opt, "px");
  if (n <= 0 || (seconds && n > LLONG_MAX / 1000)) {
    ctx.rb.SendError(InvalidExpire(ctx));
    return false;
  }
  if (seconds) n *= 1000;
  if (relative) {
    if (n > LLONG_MAX - CachedMs()) {
      ctx.rb.SendError(InvalidExpire(ctx));
      return false;
    }
    n += CachedMs();
  }
  out->kind = relative ? ExpireOption::kRelative : ExpireOption::kAbsolute;
  out->when_ms = n;
  return true;
}

// Stores a string value, replacing whatever was there.
Entry* StoreString(Db& db, std::string_view key, std::string_view value, bool keep_ttl) {
  Entry* e = MakeStringEntry(key, value);
  db.Upsert(e, keep_ttl);
  return e;
}

void CmdGet(CommandContext& ctx) {
  char buf[24];
  ReplyValue(ctx, OpGet(ctx.db(), ctx.arg(1), buf));
}

void CmdSet(CommandContext& ctx) {
  bool nx = false, xx = false, get = false;
  ExpireOption exp;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    std::string_view opt = ctx.arg(i);
    bool has_next = i + 1 < ctx.argc();
    if (EqualsNoCase(opt, "nx") && !xx) {
      nx = true;
    } else if (EqualsNoCase(opt, "xx") && !nx) {
      xx = true;
    } else if (EqualsNoCase(opt, "get")) {
      get = true;
    } else if (EqualsNoCase(opt, "keepttl") && exp.kind == ExpireOption::kNone) {
      exp.kind = ExpireOption::kKeepTtl;
    } else if ((EqualsNoCase(opt, "ex") || EqualsNoCase(opt, "px") || EqualsNoCase(opt, "exat") ||
                EqualsNoCase(opt, "pxat")) &&
               exp.kind == ExpireOption::kNone && has_next) {
      // Parsed after the whole option list is known to be valid (Redis reports syntax first).
      exp.kind = ExpireOption::kRelative;
      exp.when_ms = static_cast<int64_t>(i);
      ++i;
    } else {
      ctx.rb.SendError(errors::kSyntax);
      return;
    }
  }
  if (exp.kind == ExpireOption::kRelative) {
    size_t at = static_cast<size_t>(exp.when_ms);
    if (!ResolveExpire(ctx, ctx.arg(at), ctx.arg(at + 1), &exp)) return;
  }
  Db& db = ctx.db();
  std::string_view key = ctx.arg(1);
  Entry* old = db.Find(key);
  std::string old_value;
  if (get && old) {
    if (old->type() != ObjType::kString) {
      ctx.rb.SendError(errors::kWrongType);
      return;
    }
    char buf[24];
    old_value = old->StringValue(buf);
  }
  bool doit = !((nx && old) || (xx && !old));
  if (doit) {
    Entry* e = StoreString(db, key, ctx.arg(2), exp.kind == ExpireOption::kKeepTtl);
    ctx.Notify(kNotifyString, "set", key);
    if (exp.kind == ExpireOption::kRelative || exp.kind == ExpireOption::kAbsolute) {
      db.SetExpire(e, exp.when_ms);
      ctx.Notify(kNotifyGeneric, "expire", key);
      // Relative TTLs are propagated as absolute ones so replicas and the AOF agree.
      std::vector<std::string> argv = {"SET", std::string(key), std::string(ctx.arg(2)), "PXAT",
                                       std::to_string(exp.when_ms)};
      ctx.PropagateAs(std::move(argv));
    } else if (get) {
      // GET changes nothing downstream; Redis drops it (every occurrence) from the stream.
      std::vector<std::string> argv;
      for (size_t i = 0; i < ctx.argc(); ++i) {
        if (i >= 3 && EqualsNoCase(ctx.arg(i), "get")) continue;
        argv.emplace_back(ctx.arg(i));
      }
      ctx.PropagateAs(std::move(argv));
    } else {
      ctx.Propagate();
    }
  }
  if (get) {
    if (old) {
      ctx.rb.SendBulk(old_value);
    } else {
      ctx.rb.SendNull();
    }
  } else if (doit) {
    ctx.rb.SendOk();
  } else {
    ctx.rb.SendNull();
  }
}

void CmdSetNx(CommandContext& ctx) {
  Db& db = ctx.db();
  if (db.Find(ctx.arg(1))) {
    ctx.rb.SendLong(0);
    return;
  }
  StoreString(db, ctx.arg(1), ctx.arg(2), false);
  ctx.Notify(kNotifyString, "set", ctx.arg(1));
  ctx.Propagate();
  ctx.rb.SendLong(1);
}

// SETEX key seconds value / PSETEX key ms value.
void SetWithTtl(CommandContext& ctx, bool seconds) {
  ExpireOption exp;
  if (!ResolveExpire(ctx, seconds ? "ex" : "px", ctx.arg(2), &exp)) return;
  Db& db = ctx.db();
  Entry* e = StoreString(db, ctx.arg(1), ctx.arg(3), false);
  db.SetExpire(e, exp.when_ms);
  ctx.Notify(kNotifyString, "set", ctx.arg(1));
  ctx.Notify(kNotifyGeneric, "expire", ctx.arg(1));
  ctx.PropagateAs({"SET", std::string(ctx.arg(1)), std::string(ctx.arg(3)), "PXAT",
                   std::to_string(exp.when_ms)});
  ctx.rb.SendOk();
}

void CmdSetEx(CommandContext& ctx) { SetWithTtl(ctx, true); }
void CmdPSetEx(CommandContext& ctx) { SetWithTtl(ctx, false); }

void CmdMGet(CommandContext& ctx) {
  Db& db = ctx.db();
  ctx.rb.StartArray(ctx.argc() - 1);
  char buf[24];
  for (size_t i = 1; i < ctx.argc(); ++i) {
    auto r = OpGet(db, ctx.arg(i), buf);
    if (r.ok()) {
      ctx.rb.SendBulk(r.value());
    } else {
      ctx.rb.SendNull();
    }
  }
}

void MSetGeneric(CommandContext& ctx, bool nx) {
  if (ctx.argc() % 2 == 0) {
    ctx.ReplyWrongArity();
    return;
  }
  Db& db = ctx.db();
  if (nx) {
    for (size_t i = 1; i < ctx.argc(); i += 2) {
      if (db.Find(ctx.arg(i))) {
        ctx.rb.SendLong(0);
        return;
      }
    }
  }
  for (size_t i = 1; i < ctx.argc(); i += 2) {
    StoreString(db, ctx.arg(i), ctx.arg(i + 1), false);
    ctx.Notify(kNotifyString, "set", ctx.arg(i));
  }
  ctx.Propagate(static_cast<long long>(ctx.argc() / 2));
  if (nx) {
    ctx.rb.SendLong(1);
  } else {
    ctx.rb.SendOk();
  }
}

void CmdMSet(CommandContext& ctx) { MSetGeneric(ctx, false); }
void CmdMSetNx(CommandContext& ctx) { MSetGeneric(ctx, true); }

void CmdGetSet(CommandContext& ctx) {
  char buf[24];
  auto r = OpGet(ctx.db(), ctx.arg(1), buf);
  if (!r.ok() && r.status() != OpStatus::kKeyNotFound) {
    ctx.rb.SendError(OpStatusError(r.status()));
    return;
  }
  std::string old = r.ok() ? std::string(r.value()) : std::string();
  bool existed = r.ok();
  StoreString(ctx.db(), ctx.arg(1), ctx.arg(2), false);
  ctx.Notify(kNotifyString, "set", ctx.arg(1));
  ctx.PropagateAs({"SET", std::string(ctx.arg(1)), std::string(ctx.arg(2))});
  if (existed) {
    ctx.rb.SendBulk(old);
  } else {
    ctx.rb.SendNull();
  }
}

void CmdGetDel(CommandContext& ctx) {
  char buf[24];
  auto r = OpGet(ctx.db(), ctx.arg(1), buf);
  if (!r.ok()) {
    ReplyValue(ctx, r);
    return;
  }
  ctx.rb.SendBulk(r.value());
  ctx.db().Delete(ctx.arg(1));
  ctx.Notify(kNotifyGeneric, "del", ctx.arg(1));
  ctx.PropagateAs({"DEL", std::string(ctx.arg(1))});
}

void CmdGetEx(CommandContext& ctx) {
  ExpireOption exp;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    std::string_view opt = ctx.arg(i);
    bool has_next = i + 1 < ctx.argc();
    if (EqualsNoCase(opt, "persist") && exp.kind == ExpireOption::kNone) {
      exp.kind = ExpireOption::kPersist;
    } else if ((EqualsNoCase(opt, "ex") || EqualsNoCase(opt, "px") || EqualsNoCase(opt, "exat") ||
                EqualsNoCase(opt, "pxat")) &&
               exp.kind == ExpireOption::kNone && has_next) {
      exp.kind = ExpireOption::kRelative;
      exp.when_ms = static_cast<int64_t>(i);
      ++i;
    } else {
      ctx.rb.SendError(errors::kSyntax);
      return;
    }
  }
  if (exp.kind == ExpireOption::kRelative) {
    size_t at = static_cast<size_t>(exp.when_ms);
    if (!ResolveExpire(ctx, ctx.arg(at), ctx.arg(at + 1), &exp)) return;
  }
  Db& db = ctx.db();
  Entry* e = db.Find(ctx.arg(1));
  if (e == nullptr) {
    ++Db::misses;
    ctx.rb.SendNull();
    return;
  }
  ++Db::hits;
  if (e->type() != ObjType::kString) {
    ctx.rb.SendError(errors::kWrongType);
    return;
  }
  char buf[24];
  ctx.rb.SendBulk(e->StringValue(buf));
  std::string key(ctx.arg(1));
  bool lazy = ctx.server.cfg().lazyfree_lazy_expire;
  if (exp.kind == ExpireOption::kAbsolute && exp.when_ms <= CachedMs() &&
      ctx.server.ExpireAllowed() && !ctx.server.loading()) {
    // EXAT/PXAT already past: the key goes now, downstream as DEL (UNLINK with lazy expire).
    db.Delete(key, lazy);
    ctx.Notify(kNotifyGeneric, "del", key);
    ctx.PropagateAs({lazy ? "UNLINK" : "DEL", key});
  } else if (exp.kind == ExpireOption::kRelative || exp.kind == ExpireOption::kAbsolute) {
    db.SetExpire(e, exp.when_ms);
    ctx.Notify(kNotifyGeneric, "expire", key);
    ctx.PropagateAs({"PEXPIREAT", key, std::to_string(exp.when_ms)});
  } else if (exp.kind == ExpireOption::kPersist && db.RemoveExpire(e)) {
    ctx.Notify(kNotifyGeneric, "persist", key);
    ctx.PropagateAs({"PERSIST", key});
  }
}

// Returns an entry that holds the key's string as a mutable heap string, converting in place.
Entry* MakeRaw(Db& db, Entry* e) {
  if (e->encoding() == Encoding::kRaw) return e;
  char buf[24];
  Entry* fresh = Entry::NewRaw(e->key(), std::string(e->StringValue(buf)));
  db.Replace(e, fresh);
  return fresh;
}

OpResult<size_t> OpAppend(Db& db, std::string_view key, std::string_view value, size_t max_len) {
  Entry* e = db.Find(key);
  if (e == nullptr) {
    db.Add(MakeStringEntry(key, value));
    return value.size();
  }
  if (e->type() != ObjType::kString) return OpStatus::kWrongType;
  if (e->StringLength() + value.size() > max_len) return OpStatus::kStringTooLong;
  e = MakeRaw(db, e);
  std::string* s = e->RawString();
  s->append(value);
  db.Touched(key);
  return s->size();
}

void CmdAppend(CommandContext& ctx) {
  auto r = OpAppend(ctx.db(), ctx.arg(1), ctx.arg(2), ctx.server.cfg().proto_max_bulk_len);
  if (!r.ok()) {
    ctx.rb.SendError(OpStatusError(r.status()));
    return;
  }
  ctx.Notify(kNotifyString, "append", ctx.arg(1));
  ctx.Propagate();
  ctx.rb.SendLong(static_cast<int64_t>(r.value()));
}

void CmdStrlen(CommandContext& ctx) {
  Entry* e = ctx.db().Find(ctx.arg(1));
  if (e == nullptr) {
    ctx.rb.SendLong(0);
  } else if (e->type() != ObjType::kString) {
    ctx.rb.SendError(errors::kWrongType);
  } else {
    ctx.rb.SendLong(static_cast<int64_t>(e->StringLength()));
  }
}

void CmdGetRange(CommandContext& ctx) {
  int64_t start, end;
  if (!ParseInt64(ctx.arg(2), &start) || !ParseInt64(ctx.arg(3), &end)) {
    ctx.rb.SendError(errors::kNotInteger);
    return;
  }
  char buf[24];
  auto r = OpGet(ctx.db(), ctx.arg(1), buf);
  if (!r.ok()) {
    if (r.status() == OpStatus::kKeyNotFound) {
      ctx.rb.SendBulk("");
    } else {
      ctx.rb.SendError(OpStatusError(r.status()));
    }
    return;
  }
  std::string_view s = r.value();
  int64_t len = static_cast<int64_t>(s.size());
  // Redis 7.0's rules, including the empty result for two negative indexes out of order.
  if (start < 0 && end < 0 && start > end) {
    ctx.rb.SendBulk("");
    return;
  }
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (len == 0 || start > end) {
    ctx.rb.SendBulk("");
    return;
  }
  ctx.rb.SendBulk(s.substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1)));
}

void CmdSetRange(CommandContext& ctx) {
  int64_t offset;
  if (!ParseInt64(ctx.arg(2), &offset)) {
    ctx.rb.SendError(errors::kNotInteger);
    return;
  }
  if (offset < 0) {
    ctx.rb.SendError(errors::kOffsetOutOfRange);
    return;
  }
  std::string_view value = ctx.arg(3);
  Db& db = ctx.db();
  Entry* e = db.Find(ctx.arg(1));
  if (e && e->type() != ObjType::kString) {
    ctx.rb.SendError(errors::kWrongType);
    return;
  }
  if (value.empty()) {
    ctx.rb.SendLong(e ? static_cast<int64_t>(e->StringLength()) : 0);
    return;
  }
  if (static_cast<uint64_t>(offset) + value.size() >
      static_cast<uint64_t>(ctx.server.cfg().proto_max_bulk_len)) {
    ctx.rb.SendError(errors::kStringTooLong);
    return;
  }
  if (e == nullptr) {
    e = Entry::NewRaw(ctx.arg(1), std::string());
    db.Add(e);
  } else {
    e = MakeRaw(db, e);
  }
  std::string* s = e->RawString();
  size_t need = static_cast<size_t>(offset) + value.size();
  if (s->size() < need) s->resize(need, '\0');
  std::memcpy(s->data() + offset, value.data(), value.size());
  db.Touched(ctx.arg(1));
  ctx.Notify(kNotifyString, "setrange", ctx.arg(1));
  ctx.Propagate();
  ctx.rb.SendLong(static_cast<int64_t>(s->size()));
}

OpResult<int64_t> OpIncrBy(Db& db, std::string_view key, int64_t delta) {
  Entry* e = db.Find(key);
  int64_t cur = 0;
  if (e) {
    if (e->type() != ObjType::kString) return OpStatus::kWrongType;
    if (e->IsInt()) {
      cur = e->IntValue();
    } else {
      char buf[24];
      if (!ParseInt64(e->StringValue(buf), &cur)) return OpStatus::kNotInteger;
    }
  }
  if ((delta < 0 && cur < 0 && delta < LLONG_MIN - cur) ||
      (delta > 0 && cur > 0 && delta > LLONG_MAX - cur)) {
    return OpStatus::kOverflow;
  }
  int64_t next = cur + delta;
  Entry* fresh = Entry::NewInt(key, next);
  if (e) {
    db.Replace(e, fresh);
  } else {
    db.Add(fresh);
  }
  return next;
}

void IncrGeneric(CommandContext& ctx, int64_t delta) {
  auto r = OpIncrBy(ctx.db(), ctx.arg(1), delta);
  if (!r.ok()) {
    ctx.rb.SendError(OpStatusError(r.status()));
    return;
  }
  ctx.Notify(kNotifyString, "incrby", ctx.arg(1));
  ctx.Propagate();
  ctx.rb.SendLong(r.value());
}

void CmdIncr(CommandContext& ctx) { IncrGeneric(ctx, 1); }
void CmdDecr(CommandContext& ctx) { IncrGeneric(ctx, -1); }

void CmdIncrBy(CommandContext& ctx) {
  int64_t delta;
  if (!ParseInt64(ctx.arg(2), &delta)) {
    ctx.rb.SendError(errors::kNotInteger);
    return;
  }
  IncrGeneric(ctx, delta);
}

void CmdDecrBy(CommandContext& ctx) {
  int64_t delta;
  if (!ParseInt64(ctx.arg(2), &delta)) {
    ctx.rb.SendError(errors::kNotInteger);
    return;
  }
  if (delta == LLONG_MIN) {
    ctx.rb.SendError("ERR decrement would overflow");
    return;
  }
  IncrGeneric(ctx, -delta);
}

void CmdIncrByFloat(CommandContext& ctx) {
  long double incr;
  if (!ParseLongDouble(ctx.arg(2), &incr)) {
    ctx.rb.SendError(errors::kNotFloat);
    return;
  }
  Db& db = ctx.db();
  Entry* e = db.Find(ctx.arg(1));
  long double cur = 0;
  if (e) {
    if (e->type() != ObjType::kString) {
      ctx.rb.SendError(errors::kWrongType);
      return;
    }
    char buf[24];
    if (!ParseLongDouble(e->StringValue(buf), &cur)) {
      ctx.rb.SendError(errors::kNotFloat);
      return;
    }
  }
  long double next = cur + incr;
  if (std::isnan(next) || std::isinf(next)) {
    ctx.rb.SendError(errors::kIncrFloatNaN);
    return;
  }
  std::string text = FormatLongDouble(next);
  Entry* fresh = Entry::NewString(ctx.arg(1), text);
  if (e) {
    db.Replace(e, fresh);
  } else {
    db.Add(fresh);
  }
  ctx.Notify(kNotifyString, "incrbyfloat", ctx.arg(1));
  // Replicas must not redo float math: propagate the result (as Redis does).
  ctx.PropagateAs({"SET", std::string(ctx.arg(1)), text, "KEEPTTL"});
  ctx.rb.SendBulk(text);
}

void CmdLcs(CommandContext& ctx) {
  Db& db = ctx.db();
  std::string a, b;
  for (int k = 0; k < 2; ++k) {
    Entry* e = db.Find(ctx.arg(1 + k));
    if (e == nullptr) continue;
    if (e->type() != ObjType::kString) {
      ctx.rb.SendError("ERR The specified keys must contain string values");
      return;
    }
    char buf[24];
    (k == 0 ? a : b) = std::string(e->StringValue(buf));
  }
  bool get_len = false, get_idx = false, with_match_len = false;
  int64_t min_match_len = 0;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    std::string_view opt = ctx.arg(i);
    if (EqualsNoCase(opt, "idx")) {
      get_idx = true;
    } else if (EqualsNoCase(opt, "len")) {
      get_len = true;
    } else if (EqualsNoCase(opt, "withmatchlen")) {
      with_match_len = true;
    } else if (EqualsNoCase(opt, "minmatchlen") && i + 1 < ctx.argc()) {
      if (!ParseInt64(ctx.arg(i + 1), &min_match_len)) {
        ctx.rb.SendError(errors::kNotInteger);
        return;
      }
      if (min_match_len < 0) min_match_len = 0;
      ++i;
    } else {
      ctx.rb.SendError(errors::kSyntax);
      return;
    }
  }
  if (get_idx && get_len) {
    ctx.rb.SendError("ERR If you want both the length and indexes, please just use IDX.");
    return;
  }
  size_t alen = a.size(), blen = b.size();
  unsigned __int128 cells = static_cast<unsigned __int128>(alen + 1) * (blen + 1);
  if (cells * sizeof(uint32_t) > static_cast<uint64_t>(ctx.server.cfg().proto_max_bulk_len)) {
    ctx.rb.SendError(
        "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
    return;
  }
  // Table of LCS lengths of every pair of prefixes.
  std::vector<uint32_t> dp((alen + 1) * (blen + 1), 0);
  auto at = [&](size_t i, size_t j) -> uint32_t& { return dp[i * (blen + 1) + j]; };
  for (size_t i = 1; i <= alen; ++i) {
    for (size_t j = 1; j <= blen; ++j) {
      at(i, j) = a[i - 1] == b[j - 1] ? at(i - 1, j - 1) + 1
                                      : std::max(at(i - 1, j), at(i, j - 1));
    }
  }
  uint32_t total = at(alen, blen);
  if (get_len) {
    ctx.rb.SendLong(total);
    return;
  }
  // Walk back from the end, collecting the common string and the matched ranges exactly as
  // Redis does (ranges come out last-first).
  struct Match {
    size_t a_start, a_end, b_start, b_end;
  };
  std::vector<Match> matches;
  std::string lcs(total, '\0');
  size_t idx = total, i = alen, j = blen;
  size_t a_start = alen, a_end = 0, b_start = 0, b_end = 0;  // a_start == alen: no range
  while (i > 0 && j > 0) {
    bool emit = false;
    if (a[i - 1] == b[j - 1]) {
      lcs[idx - 1] = a[i - 1];
      if (a_start == alen) {
        a_start = a_end = i - 1;
        b_start = b_end = j - 1;
      } else if (a_start == i && b_start == j) {
        --a_start;
        --b_start;
      } else {
        emit = true;
      }
      if (a_start == 0 || b_start == 0) emit = true;
      --idx;
      --i;
      --j;
    } else {
      if (at(i - 1, j) > at(i, j - 1)) {
        --i;
      } else {
        --j;
      }
      if (a_start != alen) emit = true;
    }
    if (emit) {
      size_t match_len = a_end - a_start + 1;
      if (min_match_len == 0 || match_len >= static_cast<size_t>(min_match_len)) {
        matches.push_back({a_start, a_end, b_start, b_end});
      }
      a_start = alen;
    }
  }
  if (!get_idx) {
    ctx.rb.SendBulk(lcs);
    return;
  }
  ctx.rb.StartMap(2);
  ctx.rb.SendBulk("matches");
  ctx.rb.StartArray(matches.size());
  for (const Match& m : matches) {
    ctx.rb.StartArray(with_match_len ? 3 : 2);
    ctx.rb.StartArray(2);
    ctx.rb.SendLong(static_cast<int64_t>(m.a_start));
    ctx.rb.SendLong(static_cast<int64_t>(m.a_end));
    ctx.rb.StartArray(2);
    ctx.rb.SendLong(static_cast<int64_t>(m.b_start));
    ctx.rb.SendLong(static_cast<int64_t>(m.b_end));
    if (with_match_len) ctx.rb.SendLong(static_cast<int64_t>(m.a_end - m.a_start + 1));
  }
  ctx.rb.SendBulk("len");
  ctx.rb.SendLong(total);
}

}  // namespace

void RegisterStringCommands(CommandRegistry& r) {
  constexpr uint32_t kRead = kAclRead | kAclString;
  constexpr uint32_t kWrite = kAclWrite | kAclString;
  constexpr uint32_t kW = kCmdWrite | kCmdDenyOom;
  // since, summary and complexity are COMMAND DOCS's, worded as Redis 7.0 words them.
  auto add = [&](const char* name, int arity, uint32_t flags, uint32_t acl, int first, int last,
                 int step, CommandHandler h, const char* since, const char* summary,
                 const char* complexity) {
    CommandSpec& s =
        r.Add(MakeCommand(name, arity, flags, acl, first, last, step, h, "string", summary));
    s.since = since;
    s.complexity = complexity;
  };
  add("get", 2, kCmdReadOnly | kCmdFast, kRead | kAclFast, 1, 1, 1, CmdGet,
      "1.0.0", "Get the value of a key", "O(1)");
  add("set", -3, kW, kWrite | kAclSlow, 1, 1, 1, CmdSet,
      "1.0.0", "Set the string value of a key", "O(1)");
  add("setnx", 3, kW | kCmdFast, kWrite | kAclFast, 1, 1, 1, CmdSetNx,
      "1.0.0", "Set the value of a key, only if the key does not exist", "O(1)");
  add("setex", 4, kW, kWrite | kAclSlow, 1, 1, 1, CmdSetEx,
      "2.0.0", "Set the value and expiration of a key", "O(1)");
  add("psetex", 4, kW, kWrite | kAclSlow, 1, 1, 1, CmdPSetEx,
      "2.6.0", "Set the value and expiration in milliseconds of a key", "O(1)");
  add("mget", -2, kCmdReadOnly | kCmdFast, kRead | kAclFast, 1, -1, 1, CmdMGet,
      "1.0.0", "Get the values of all the given keys",
      "O(N) where N is the number of keys to retrieve.");
  add("mset", -3, kW, kWrite | kAclSlow, 1, -1, 2, CmdMSet,
      "1.0.1", "Set multiple keys to multiple values",
      "O(N) where N is the number of keys to set.");
  add("msetnx", -3, kW, kWrite | kAclSlow, 1, -1, 2, CmdMSetNx,
      "1.0.1", "Set multiple keys to multiple values, only if none of the keys exist",
      "O(N) where N is the number of keys to set.");
  add("getset", 3, kW | kCmdFast, kWrite | kAclFast, 1, 1, 1, CmdGetSet,
      "1.0.0", "Set the string value of a key and return its old value", "O(1)");
  add("getdel", 2, kCmdWrite | kCmdFast, kWrite | kAclFast, 1, 1, 1, CmdGetDel,
      "6.2.0", "Get the value of a key and delete the key", "O(1)");
  add("getex", -2, kCmdWrite | kCmdFast, kWrite | kAclFast, 1, 1, 1, CmdGetEx,
      "6.2.0", "Get the value of a key and optionally set its expiration", "O(1)");
  add("append", 3, kW | kCmdFast, kWrite | kAclFast, 1, 1, 1, CmdAppend,
      "2.0.0", "Append a value to a key",
      "O(1). The amortized time complexity is O(1) assuming the appended value is small and the "
      "already present value is of any size, since the dynamic string library used by Redis will "
      "double the free space available on every reallocation.");
  add("strlen", 2, kCmdReadOnly | kCmdFast, kRead | kAclFast, 1, 1, 1, CmdStrlen,
      "2.2.0", "Get the length of the value stored in a key", "O(1)");
  add("getrange", 4, kCmdReadOnly, kRead | kAclSlow, 1, 1, 1, CmdGetRange,
      "2.4.0", "Get a substring of the string stored at a key",
      "O(N) where N is the length of the returned string. The complexity is ultimately determined "
      "by the returned length, but because creating a substring from an existing string is very "
      "cheap, it can be considered O(1) for small strings.");
  add("substr", 4, kCmdReadOnly, kRead | kAclSlow, 1, 1, 1, CmdGetRange,
      "1.0.0", "Get a substring of the string stored at a key",
      "O(N) where N is the length of the returned string. The complexity is ultimately determined "
      "by the returned length, but because creating a substring from an existing string is very "
      "cheap, it can be considered O(1) for small strings.");
  add("setrange", 4, kW, kWrite | kAclSlow, 1, 1, 1, CmdSetRange,
      "2.2.0", "Overwrite part of a string at key starting at the specified offset",
      "O(1), not counting the time taken to copy the new string in place. Usually, this string is "
      "very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M "
      "being the length of the value argument.");
  add("incr", 2, kW | kCmdFast, kWrite | kAclFast, 1, 1, 1, CmdIncr,
      "1.0.0", "Increment the integer value of a key by one", "O(1)");
  add("decr", 2, kW | kCmdFast, kWrite | kAclFast, 1, 1, 1, CmdDecr,
      "1.0.0", "Decrement the integer value of a key by one", "O(1)");
  add("incrby", 3, kW | kCmdFast, kWrite | kAclFast, 1, 1, 1, CmdIncrBy,
      "1.0.0", "Increment the integer value of a key by the given amount", "O(1)");
  add("decrby", 3, kW | kCmdFast, kWrite | kAclFast, 1, 1, 1, CmdDecrBy,
      "1.0.0", "Decrement the integer value of a key by the given number", "O(1)");
  add("incrbyfloat", 3, kW | kCmdFast, kWrite | kAclFast, 1, 1, 1, CmdIncrByFloat,
      "2.6.0", "Increment the float value of a key by the given amount", "O(1)");
  add("lcs", -3, kCmdReadOnly, kRead | kAclSlow, 1, 2, 1, CmdLcs,
      "7.0.0", "Find longest common substring",
      "O(N*M) where N and M are the lengths of s1 and s2, respectively");
}

}  // namespace sable

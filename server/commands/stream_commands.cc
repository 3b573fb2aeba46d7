// Stream commands without consumer groups: XADD, XRANGE, XREVRANGE, XLEN, XDEL, XTRIM, XSETID and
// XINFO, plus the helpers both stream files share (stream_access.h). Errors, replies and what is
// propagated follow Redis 7.0's t_stream.c; XINFO adds the fields of Redis 7.2. The structure is
// server/store/stream_object.h; XREAD lives with XREADGROUP in stream_group_commands.cc.
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include "server/commands/register.h"
#include "server/commands/stream_access.h"
#include "server/commands/typed_lookup.h"
#include "server/config/keyspace_events.h"
#include "server/core/blocking.h"
#include "server/core/server.h"
#include "server/resp/errors.h"
#include "server/util/clock.h"
#include "server/util/numbers.h"
#include "server/util/strings.h"

namespace sable {
namespace stream {
namespace {

// Redis's string2ull: a strict integer, or failing that what strtoull takes whole.
bool ParseU64(std::string_view s, uint64_t* out) {
  int64_t v;
  if (ParseInt64(s, &v)) {
    if (v < 0) return false;
    *out = static_cast<uint64_t>(v);
    return true;
  }
  if (s.empty()) return false;
  std::string buf(s);
  errno = 0;
  char* end = nullptr;
  unsigned long long r = std::strtoull(buf.c_str(), &end, 10);
  if (errno == EINVAL || errno == ERANGE || end != buf.c_str() + buf.size()) return false;
  *out = r;
  return true;
}

}  // namespace

bool ParseId(CommandContext* ctx, std::string_view s, StreamId* id, uint64_t missing_seq,
             bool strict, bool* seq_given) {
  auto invalid = [ctx]() {
    if (ctx != nullptr) ctx->rb.SendError(kInvalidId);
    return false;
  };
  if (seq_given != nullptr) *seq_given = true;
  if (s.size() > 127) return invalid();
  if (s == "-" || s == "+") {
    if (strict) return invalid();
    *id = s == "-" ? StreamId{} : StreamId::Max();
    return true;
  }
  size_t dot = s.find('-');
  if (!ParseU64(s.substr(0, dot), &id->ms)) return invalid();
  if (dot == std::string_view::npos) {
    id->seq = missing_seq;
    return true;
  }
  std::string_view rest = s.substr(dot + 1);
  if (seq_given != nullptr && rest == "*") {
    id->seq = 0;
    *seq_given = false;
    return true;
  }
  if (!ParseU64(rest, &id->seq)) return invalid();
  return true;
}

namespace {

// Redis's streamParseIntervalIdOrReply: "(id" is exclusive and must be a strict ID.
bool ParseBound(CommandContext& ctx, std::string_view s, StreamId* id, uint64_t missing_seq,
                bool* exclusive) {
  *exclusive = s.size() > 1 && s[0] == '(';
  if (*exclusive) return ParseId(&ctx, s.substr(1), id, missing_seq, true);
  return ParseId(&ctx, s, id, missing_seq, false);
}

}  // namespace

bool ParseInt64OrReply(CommandContext& ctx, std::string_view s, int64_t* out,
                       std::string_view err) {
  if (ParseInt64(s, out)) return true;
  ctx.rb.SendError(err);
  return false;
}

bool ParseRangeStart(CommandContext& ctx, std::string_view s, StreamId* id) {
  bool ex;
  if (!ParseBound(ctx, s, id, 0, &ex)) return false;
  if (ex && !id->Incr()) {
    ctx.rb.SendError("ERR invalid start ID for the interval");
    return false;
  }
  return true;
}

bool ParseRangeEnd(CommandContext& ctx, std::string_view s, StreamId* id) {
  bool ex;
  if (!ParseBound(ctx, s, id, UINT64_MAX, &ex)) return false;
  if (ex && !id->Decr()) {
    ctx.rb.SendError("ERR invalid end ID for the interval");
    return false;
  }
  return true;
}

bool ParseRefPolicy(std::string_view s, RefPolicy* out) {
  if (EqualsNoCase(s, "keepref")) {
    *out = RefPolicy::kKeepRef;
  } else if (EqualsNoCase(s, "delref")) {
    *out = RefPolicy::kDelRef;
  } else if (EqualsNoCase(s, "acked")) {
    *out = RefPolicy::kAcked;
  } else {
    return false;
  }
  return true;
}

StreamLimits Limits(const CommandContext& ctx) {
  const ServerConfig& c = ctx.server.cfg();
  return {c.stream_node_max_bytes, c.stream_node_max_entries};
}

OpResult<StreamObject*> Find(Db& db, std::string_view key) {
  return FindTyped<StreamObject>(db, key, ObjType::kStream);
}

StreamObject* FindOrReply(CommandContext& ctx, std::string_view key,
                          void (*missing)(ReplyBuilder&)) {
  return ValueOrReply(ctx, Find(ctx.db(), key), missing);
}

void ReplyZero(ReplyBuilder& rb) { rb.SendLong(0); }

CommandSpec& AddCommand(CommandRegistry& r, const char* name, int arity, uint32_t flags,
                        uint32_t acl, CommandHandler h, const char* since, const char* summary,
                        const char* complexity) {
  CommandSpec& s = r.Add(MakeCommand(name, arity, flags, acl, 1, 1, 1, h, "stream", summary));
  s.since = since;
  s.complexity = complexity;
  return s;
}

void SendId(ReplyBuilder& rb, StreamId id) { rb.SendBulk(id.ToString()); }

void SendEntry(ReplyBuilder& rb, StreamId id, const StreamFields& fv) {
  rb.StartArray(2);
  SendId(rb, id);
  rb.StartArray(fv.size());
  for (std::string_view s : fv) rb.SendBulk(s);
}

void SendEntryOrNull(ReplyBuilder& rb, const StreamObject& s, StreamId id) {
  bool found = false;
  s.Range(id, id, false, [&](StreamId e, const StreamFields& fv) {
    SendEntry(rb, e, fv);
    found = true;
    return false;
  });
  if (!found) rb.SendNull();
}

void ReplyNoGroup(CommandContext& ctx, std::string_view key, std::string_view group,
                  std::string_view suffix) {
  ctx.rb.SendError("NOGROUP No such key '" + std::string(key) + "' or consumer group '" +
                   std::string(group) + "'" + std::string(suffix));
}

namespace {

struct Entry2 {
  StreamId id;
  StreamFields fv;
};

// Entries from start to end (either way), at most count (0 = all).
std::vector<Entry2> Collect(const StreamObject& s, StreamId start, StreamId end, bool reverse,
                            uint64_t count) {
  std::vector<Entry2> out;
  s.Range(start, end, reverse, [&](StreamId id, const StreamFields& fv) {
    out.push_back({id, fv});
    return count == 0 || out.size() < count;
  });
  return out;
}

void SendEntries(ReplyBuilder& rb, const std::vector<Entry2>& items) {
  rb.StartArray(items.size());
  for (const Entry2& e : items) SendEntry(rb, e.id, e.fv);
}

// ---- XADD / XTRIM arguments ---------------------------------------------------------------------

struct TrimArgs {
  enum Strategy { kNone, kMaxLen, kMinId } strategy = kNone;
  bool approx = false;
  int64_t maxlen = 0;
  StreamId minid;
  int64_t limit = 0;
  size_t threshold_at = 0;  // argv index of the threshold (the ~ or = sits just before)
  RefPolicy ref = RefPolicy::kKeepRef;
  bool nomkstream = false;
  bool id_given = false;
  bool seq_given = true;
  StreamId id;
};

// MAXLEN's and LIMIT's count: an integer >= 0, or false after Redis's error.
bool ParseNonNegative(CommandContext& ctx, std::string_view s, int64_t* out, const char* what) {
  if (!ParseInt64OrReply(ctx, s, out)) return false;
  if (*out >= 0) return true;
  ctx.rb.SendError("ERR The " + std::string(what) + " argument must be >= 0.");
  return false;
}

// Redis's streamParseAddOrTrimArgsOrReply. Returns the index it stopped at (the ID for XADD),
// or 0 after replying an error.
size_t ParseAddOrTrim(CommandContext& ctx, TrimArgs* a, bool xadd) {
  size_t i = 2;
  bool limit_given = false;
  for (; i < ctx.argc(); ++i) {
    size_t more = ctx.argc() - 1 - i;
    std::string_view opt = ctx.arg(i);
    if (xadd && opt == "*") {
      a->id_given = false;
      break;
    }
    bool maxlen = EqualsNoCase(opt, "maxlen");
    if ((maxlen || EqualsNoCase(opt, "minid")) && more > 0) {
      if (a->strategy != TrimArgs::kNone) {
        ctx.rb.SendError(
            "ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
        return 0;
      }
      a->approx = false;
      std::string_view next = ctx.arg(i + 1);
      if (more >= 2 && (next == "~" || next == "=")) {
        a->approx = next == "~";
        ++i;
      }
      if (maxlen) {
        if (!ParseNonNegative(ctx, ctx.arg(i + 1), &a->maxlen, "MAXLEN")) return 0;
      } else if (!ParseStrictId(&ctx, ctx.arg(i + 1), &a->minid)) {
        return 0;
      }
      ++i;
      a->strategy = maxlen ? TrimArgs::kMaxLen : TrimArgs::kMinId;
      a->threshold_at = i;
    } else if (EqualsNoCase(opt, "limit") && more > 0) {
      if (!ParseNonNegative(ctx, ctx.arg(i + 1), &a->limit, "LIMIT")) return 0;
      limit_given = true;
      ++i;
    } else if (xadd && EqualsNoCase(opt, "nomkstream")) {
      a->nomkstream = true;
    } else if (ParseRefPolicy(opt, &a->ref)) {
      // Redis 8.2: what trimming does to the groups' references.
    } else if (xadd) {
      if (!ParseId(&ctx, opt, &a->id, 0, true, &a->seq_given)) return 0;
      a->id_given = true;
      break;
    } else {
      ctx.rb.SendError(errors::kSyntax);
      return 0;
    }
  }
  if (a->limit != 0 && a->strategy == TrimArgs::kNone) {
    ctx.rb.SendError(
        "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
    return 0;
  }
  if (!xadd && a->strategy == TrimArgs::kNone) {
    ctx.rb.SendError("ERR syntax error, XTRIM must be called with a trimming strategy");
    return 0;
  }
  if (ctx.client->is_master || ctx.server.loading()) {
    // What the primary or the log did is replayed exactly: their trims were made exact.
    a->limit = 0;
  } else if (limit_given) {
    if (!a->approx) {
      ctx.rb.SendError("ERR syntax error, LIMIT cannot be used without the special ~ option");
      return 0;
    }
  } else if (a->approx) {
    int64_t l = 100 * ctx.server.cfg().stream_node_max_entries;
    a->limit = (l <= 0 || l > 1000000) ? 10000 : l;
  } else {
    a->limit = 0;
  }
  return i;
}

// Live entries below `cap`, counting no further than `enough`.
uint64_t CountBelow(const StreamObject& s, StreamId cap, uint64_t enough) {
  uint64_t n = 0;
  if (cap.IsZero() || enough == 0) return 0;
  StreamId end = cap;
  end.Decr();
  s.Range({}, end, false, [&](StreamId, const StreamFields&) { return ++n < enough; });
  return n;
}

uint64_t ApplyTrim(StreamObject* s, const TrimArgs& a) {
  StreamId old_first = s->first_id();
  uint64_t removed;
  if (a.ref == RefPolicy::kAcked) {
    // Only entries no group still needs may go: those below the first one some group needs.
    StreamId cap = s->FirstNeeded();
    if (a.strategy == TrimArgs::kMaxLen) {
      auto maxlen = static_cast<uint64_t>(a.maxlen);
      uint64_t excess = s->size() > maxlen ? s->size() - maxlen : 0;
      uint64_t allowed = CountBelow(*s, cap, excess);
      removed = s->TrimMaxLen(s->size() - allowed, a.approx, a.limit);
    } else {
      removed = s->TrimMinId(std::min(a.minid, cap), a.approx, a.limit);
    }
  } else if (a.strategy == TrimArgs::kMaxLen) {
    removed = s->TrimMaxLen(static_cast<uint64_t>(a.maxlen), a.approx, a.limit);
  } else {
    removed = s->TrimMinId(a.minid, a.approx, a.limit);
  }
  if (a.ref == RefPolicy::kDelRef && removed != 0) {
    StreamId new_first = s->size() != 0 ? s->first_id() : StreamId::Max();
    s->DropReferencesIn(old_first, new_first);
  }
  return removed;
}

// An approximate trim is propagated as the exact trim it amounted to ("=", and the length or the
// first ID it left), so replicas and the AOF end with the same entries.
void RewriteApproxTrim(std::vector<std::string>* argv, const StreamObject& s, const TrimArgs& a) {
  if (!a.approx) return;
  (*argv)[a.threshold_at - 1] = "=";
  if (a.strategy == TrimArgs::kMaxLen) {
    (*argv)[a.threshold_at] = std::to_string(s.size());
  } else {
    (*argv)[a.threshold_at] = (s.size() != 0 ? s.first_id() : StreamId::Max()).ToString();
  }
}

// The ID an XADD gets, as streamAppendItem picks it; false when it is not above the top item.
bool NextId(const StreamObject& s, const TrimArgs& a, StreamId* out) {
  StreamId last = s.last_id();
  if (!a.id_given) {
    auto now = static_cast<uint64_t>(WallMs());
    if (now > last.ms) {
      *out = {now, 0};
      return true;
    }
    *out = last;
    return out->Incr();
  }
  if (!a.seq_given) {
    if (a.id.ms == last.ms) {
      *out = last;
      return out->Incr();
    }
    if (a.id.ms < last.ms) return false;
    *out = {a.id.ms, 0};
    return true;
  }
  *out = a.id;
  return a.id > last;
}

void CmdXAdd(CommandContext& ctx) {
  TrimArgs a;
  size_t idpos = ParseAddOrTrim(ctx, &a, true);
  if (idpos == 0) return;
  size_t field_pos = idpos + 1;
  if (ctx.argc() < field_pos + 2 || (ctx.argc() - field_pos) % 2 == 1) {
    ctx.ReplyWrongArity();
    return;
  }
  if (a.id_given && a.seq_given && a.id.IsZero()) {
    ctx.rb.SendError("ERR The ID specified in XADD must be greater than 0-0");
    return;
  }
  std::string_view key = ctx.arg(1);
  Db& db = ctx.db();
  Entry* e = db.Find(key);
  StreamObject* s;
  bool created = e == nullptr;
  if (created) {
    if (a.nomkstream) {
      ctx.rb.SendNull();
      return;
    }
    s = new StreamObject();
  } else if (e->type() != ObjType::kStream) {
    ctx.rb.SendError(errors::kWrongType);
    return;
  } else {
    s = e->As<StreamObject>();
  }
  StreamId id;
  if (s->last_id() == StreamId::Max()) {
    if (created) delete s;
    ctx.rb.SendError("ERR The stream has exhausted the last possible ID, unable to add more items");
    return;
  }
  if (!NextId(*s, a, &id)) {
    if (created) delete s;
    ctx.rb.SendError(
        "ERR The ID specified in XADD is equal or smaller than the target stream top item");
    return;
  }
  StreamFields fv(ctx.args.begin() + static_cast<ptrdiff_t>(field_pos), ctx.args.end());
  s->Append(id, fv, Limits(ctx));
  if (created) {
    db.Add(Entry::NewObject(key, ObjType::kStream, s));
  } else {
    db.Touched(key);
    ctx.server.blocking().KeyAdded(db.index(), key);
  }
  std::string idstr = id.ToString();
  ctx.rb.SendBulk(idstr);
  ctx.Notify(kNotifyStream, "xadd", key);
  std::vector<std::string> argv(ctx.args.begin(), ctx.args.end());
  if (a.strategy != TrimArgs::kNone) {
    if (ApplyTrim(s, a) != 0) ctx.Notify(kNotifyStream, "xtrim", key);
    RewriteApproxTrim(&argv, *s, a);
  }
  argv[idpos] = std::move(idstr);
  ctx.PropagateAs(std::move(argv));
}

void CmdXTrim(CommandContext& ctx) {
  TrimArgs a;
  if (ParseAddOrTrim(ctx, &a, false) == 0) return;
  std::string_view key = ctx.arg(1);
  StreamObject* s = FindOrReply(ctx, key, ReplyZero);
  if (s == nullptr) return;
  uint64_t deleted = ApplyTrim(s, a);
  if (deleted != 0) {
    ctx.Notify(kNotifyStream, "xtrim", key);
    ctx.db().Touched(key);
    std::vector<std::string> argv(ctx.args.begin(), ctx.args.end());
    RewriteApproxTrim(&argv, *s, a);
    ctx.PropagateAs(std::move(argv), static_cast<long long>(deleted));
  }
  ctx.rb.SendLong(static_cast<int64_t>(deleted));
}

// ---- Reads --------------------------------------------------------------------------------------

void RangeGeneric(CommandContext& ctx, bool reverse) {
  StreamId start, end;
  if (!ParseRangeStart(ctx, ctx.arg(reverse ? 3 : 2), &start)) return;
  if (!ParseRangeEnd(ctx, ctx.arg(reverse ? 2 : 3), &end)) return;
  int64_t count = -1;
  for (size_t j = 4; j < ctx.argc(); ++j) {
    if (EqualsNoCase(ctx.arg(j), "count") && j + 1 < ctx.argc()) {
      if (!ParseInt64OrReply(ctx, ctx.arg(j + 1), &count)) return;
      if (count < 0) count = 0;
      ++j;
    } else {
      ctx.rb.SendError(errors::kSyntax);
      return;
    }
  }
  StreamObject* s = FindOrReply(ctx, ctx.arg(1), [](ReplyBuilder& rb) { rb.SendEmptyArray(); });
  if (s == nullptr) return;
  if (count == 0) {
    ctx.rb.SendNullArray();
    return;
  }
  SendEntries(ctx.rb,
              Collect(*s, start, end, reverse, count < 0 ? 0 : static_cast<uint64_t>(count)));
}

void CmdXRange(CommandContext& ctx) { RangeGeneric(ctx, false); }
void CmdXRevRange(CommandContext& ctx) { RangeGeneric(ctx, true); }

void CmdXLen(CommandContext& ctx) {
  StreamObject* s = FindOrReply(ctx, ctx.arg(1), ReplyZero);
  if (s != nullptr) ctx.rb.SendLong(static_cast<int64_t>(s->size()));
}

// ---- XDEL, XSETID -------------------------------------------------------------------------------

void CmdXDel(CommandContext& ctx) {
  std::string_view key = ctx.arg(1);
  StreamObject* s = FindOrReply(ctx, key, ReplyZero);
  if (s == nullptr) return;
  // Every ID is checked first, so a bad one leaves the stream untouched.
  std::vector<StreamId> ids(ctx.argc() - 2);
  for (size_t j = 2; j < ctx.argc(); ++j) {
    if (!ParseStrictId(&ctx, ctx.arg(j), &ids[j - 2])) return;
  }
  int64_t deleted = 0;
  for (StreamId id : ids) {
    if (!s->Delete(id)) continue;
    if (id > s->max_deleted_id()) s->set_max_deleted_id(id);
    ++deleted;
  }
  if (deleted != 0) {
    ctx.db().Touched(key);
    ctx.Notify(kNotifyStream, "xdel", key);
    ctx.Propagate(deleted);
  }
  ctx.rb.SendLong(deleted);
}

void CmdXSetId(CommandContext& ctx) {
  StreamId id, max_deleted;
  int64_t entries_added = -1;
  if (!ParseStrictId(&ctx, ctx.arg(2), &id)) return;
  for (size_t i = 3; i < ctx.argc(); i += 2) {
    std::string_view opt = ctx.arg(i);
    bool more = i + 1 < ctx.argc();
    if (EqualsNoCase(opt, "entriesadded") && more) {
      if (!ParseInt64OrReply(ctx, ctx.arg(i + 1), &entries_added)) return;
      if (entries_added < 0) {
        ctx.rb.SendError("ERR entries_added must be positive");
        return;
      }
    } else if (EqualsNoCase(opt, "maxdeletedid") && more) {
      if (!ParseStrictId(&ctx, ctx.arg(i + 1), &max_deleted)) return;
      if (id < max_deleted) {
        ctx.rb.SendError(
            "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
        return;
      }
    } else {
      ctx.rb.SendError(errors::kSyntax);
      return;
    }
  }
  std::string_view key = ctx.arg(1);
  OpResult<StreamObject*> r = Find(ctx.db(), key);
  if (!r.ok()) {
    ctx.rb.SendError(r.status() == OpStatus::kWrongType ? errors::kWrongType
                                                        : errors::kNoSuchKey);
    return;
  }
  StreamObject* s = r.value();
  if (s->size() > 0) {
    if (id < s->last_live_id()) {
      ctx.rb.SendError("ERR The ID specified in XSETID is smaller than the target stream top item");
      return;
    }
    if (entries_added != -1 && s->size() > static_cast<uint64_t>(entries_added)) {
      ctx.rb.SendError(
          "ERR The entries_added specified in XSETID is smaller than the target stream length");
      return;
    }
  }
  if (id < s->max_deleted_id()) {
    ctx.rb.SendError("ERR The ID specified in XSETID is smaller than current max_deleted_entry_id");
    return;
  }
  // A deleted entry can still sit at the end of the last block (MAXDELETEDID may have been set
  // below it); the blocks must stay in ID order, so the last ID may not go under it either.
  if (id < s->last_entry_id()) {
    ctx.rb.SendError("ERR The ID specified in XSETID is smaller than the target stream top item");
    return;
  }
  s->set_last_id(id);
  if (entries_added != -1) s->set_entries_added(static_cast<uint64_t>(entries_added));
  if (!max_deleted.IsZero()) s->set_max_deleted_id(max_deleted);
  ctx.db().Touched(key);
  ctx.Notify(kNotifyStream, "xsetid", key);
  ctx.Propagate();
  ctx.rb.SendOk();
}

// ---- XINFO --------------------------------------------------------------------------------------

void SendEntriesRead(ReplyBuilder& rb, const StreamGroup& g) {
  if (g.entries_read == StreamGroup::kInvalidEntriesRead) {
    rb.SendNull();
  } else {
    rb.SendLong(g.entries_read);
  }
}

void SendLag(ReplyBuilder& rb, const StreamObject& s, const StreamGroup& g) {
  int64_t lag;
  if (s.GroupLag(g, &lag)) {
    rb.SendLong(lag);
  } else {
    rb.SendNull();
  }
}

// The stream header fields XINFO STREAM opens with (7 of them).
void SendStreamHeader(ReplyBuilder& rb, const StreamObject& s) {
  rb.SendBulk("length");
  rb.SendLong(static_cast<int64_t>(s.size()));
  // Redis keeps one radix tree key per listpack node; its node count is about twice that.
  rb.SendBulk("radix-tree-keys");
  rb.SendLong(static_cast<int64_t>(s.block_count()));
  rb.SendBulk("radix-tree-nodes");
  rb.SendLong(static_cast<int64_t>(s.block_count() == 0 ? 1 : 2 * s.block_count()));
  rb.SendBulk("last-generated-id");
  SendId(rb, s.last_id());
  rb.SendBulk("max-deleted-entry-id");
  SendId(rb, s.max_deleted_id());
  rb.SendBulk("entries-added");
  rb.SendLong(static_cast<int64_t>(s.entries_added()));
  rb.SendBulk("recorded-first-entry-id");
  SendId(rb, s.first_id());
}

void SendFirstOrLast(ReplyBuilder& rb, const StreamObject& s, bool last) {
  bool found = false;
  s.Range({}, StreamId::Max(), last, [&](StreamId id, const StreamFields& fv) {
    SendEntry(rb, id, fv);
    found = true;
    return false;
  });
  if (!found) rb.SendNull();
}

template <typename PelMap, typename Fn>
void SendPel(ReplyBuilder& rb, const PelMap& pel, int64_t count, Fn&& one) {
  size_t n = pel.size();
  if (count > 0 && n > static_cast<size_t>(count)) n = static_cast<size_t>(count);
  rb.StartArray(n);
  size_t i = 0;
  for (const auto& item : pel) {
    if (i++ == n) break;
    one(item);
  }
}

void SendStreamFull(ReplyBuilder& rb, const StreamObject& s, int64_t count) {
  rb.StartMap(9);
  SendStreamHeader(rb, s);
  rb.SendBulk("entries");
  SendEntries(rb, Collect(s, {}, StreamId::Max(), false, static_cast<uint64_t>(count)));
  rb.SendBulk("groups");
  rb.StartArray(s.groups().size());
  for (const auto& [name, g] : s.groups()) {
    rb.StartMap(7);
    rb.SendBulk("name");
    rb.SendBulk(name);
    rb.SendBulk("last-delivered-id");
    SendId(rb, g->last_id);
    rb.SendBulk("entries-read");
    SendEntriesRead(rb, *g);
    rb.SendBulk("lag");
    SendLag(rb, s, *g);
    rb.SendBulk("pel-count");
    rb.SendLong(static_cast<int64_t>(g->pel.size()));
    rb.SendBulk("pending");
    SendPel(rb, g->pel, count, [&](const auto& kv) {
      const auto& [id, nack] = kv;
      rb.StartArray(4);
      SendId(rb, id);
      rb.SendBulk(nack.consumer->name);
      rb.SendLong(nack.delivery_time);
      rb.SendLong(static_cast<int64_t>(nack.delivery_count));
    });
    rb.SendBulk("consumers");
    rb.StartArray(g->consumers.size());
    for (const auto& [cname, c] : g->consumers) {
      rb.StartMap(5);
      rb.SendBulk("name");
      rb.SendBulk(cname);
      rb.SendBulk("seen-time");
      rb.SendLong(c->seen_time);
      rb.SendBulk("active-time");
      rb.SendLong(c->active_time);
      rb.SendBulk("pel-count");
      rb.SendLong(static_cast<int64_t>(c->pel.size()));
      rb.SendBulk("pending");
      SendPel(rb, c->pel, count, [&](StreamId id) {
        const StreamNack& nack = g->pel.at(id);
        rb.StartArray(3);
        SendId(rb, id);
        rb.SendLong(nack.delivery_time);
        rb.SendLong(static_cast<int64_t>(nack.delivery_count));
      });
    }
  }
}

void ReplyXInfoSyntax(CommandContext& ctx) {
  ctx.rb.SendError("ERR unknown subcommand or wrong number of arguments for '" +
                   std::string(ctx.arg(1)) + "'. Try XINFO HELP.");
}

// XINFO's subcommands all start with the stream at argv[2]; nullptr after the reply.
StreamObject* XInfoStream(CommandContext& ctx) {
  OpResult<StreamObject*> r = Find(ctx.db(), ctx.arg(2));
  if (r.ok()) return r.value();
  ctx.rb.SendError(r.status() == OpStatus::kWrongType ? errors::kWrongType : errors::kNoSuchKey);
  return nullptr;
}

void CmdXInfoStream(CommandContext& ctx) {
  bool full = ctx.argc() > 3;
  int64_t count = 10;
  if (full) {
    if ((ctx.argc() != 4 && ctx.argc() != 6) || !EqualsNoCase(ctx.arg(3), "full") ||
        (ctx.argc() == 6 && !EqualsNoCase(ctx.arg(4), "count"))) {
      ReplyXInfoSyntax(ctx);
      return;
    }
    if (ctx.argc() == 6) {
      if (!ParseInt64OrReply(ctx, ctx.arg(5), &count)) return;
      if (count < 0) count = 10;
    }
  }
  StreamObject* s = XInfoStream(ctx);
  if (s == nullptr) return;
  if (full) {
    SendStreamFull(ctx.rb, *s, count);
    return;
  }
  ctx.rb.StartMap(10);
  SendStreamHeader(ctx.rb, *s);
  ctx.rb.SendBulk("groups");
  ctx.rb.SendLong(static_cast<int64_t>(s->groups().size()));
  ctx.rb.SendBulk("first-entry");
  SendFirstOrLast(ctx.rb, *s, false);
  ctx.rb.SendBulk("last-entry");
  SendFirstOrLast(ctx.rb, *s, true);
}

void CmdXInfoGroups(CommandContext& ctx) {
  StreamObject* s = XInfoStream(ctx);
  if (s == nullptr) return;
  ctx.rb.StartArray(s->groups().size());
  for (const auto& [name, g] : s->groups()) {
    ctx.rb.StartMap(6);
    ctx.rb.SendBulk("name");
    ctx.rb.SendBulk(name);
    ctx.rb.SendBulk("consumers");
    ctx.rb.SendLong(static_cast<int64_t>(g->consumers.size()));
    ctx.rb.SendBulk("pending");
    ctx.rb.SendLong(static_cast<int64_t>(g->pel.size()));
    ctx.rb.SendBulk("last-delivered-id");
    SendId(ctx.rb, g->last_id);
    ctx.rb.SendBulk("entries-read");
    SendEntriesRead(ctx.rb, *g);
    ctx.rb.SendBulk("lag");
    SendLag(ctx.rb, *s, *g);
  }
}

void CmdXInfoConsumers(CommandContext& ctx) {
  StreamObject* s = XInfoStream(ctx);
  if (s == nullptr) return;
  StreamGroup* g = s->FindGroup(ctx.arg(3));
  if (g == nullptr) {
    ctx.rb.SendError("NOGROUP No such consumer group '" + std::string(ctx.arg(3)) +
                     "' for key name '" + std::string(ctx.arg(2)) + "'");
    return;
  }
  int64_t now = CachedMs();
  ctx.rb.StartArray(g->consumers.size());
  for (const auto& [name, c] : g->consumers) {
    ctx.rb.StartMap(4);
    ctx.rb.SendBulk("name");
    ctx.rb.SendBulk(name);
    ctx.rb.SendBulk("pending");
    ctx.rb.SendLong(static_cast<int64_t>(c->pel.size()));
    ctx.rb.SendBulk("idle");
    ctx.rb.SendLong(std::max<int64_t>(0, Elapsed(now, c->seen_time)));
    ctx.rb.SendBulk("inactive");
    ctx.rb.SendLong(c->active_time < 0 ? -1 : std::max<int64_t>(0, Elapsed(now, c->active_time)));
  }
}

void CmdXInfoHelp(CommandContext& ctx) {
  static const char* const kLines[] = {
      "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CONSUMERS <key> <groupname>",
      "    Show consumers of <groupname>.",
      "GROUPS <key>",
      "    Show the stream consumer groups.",
      "STREAM <key> [FULL [COUNT <count>]",
      "    Show information about the stream.",
      "HELP",
      "    Prints this help.",
  };
  ctx.rb.SendSimpleLines(kLines);
}

}  // namespace
}  // namespace stream

void RegisterStreamCommands(CommandRegistry& r) {
  using namespace stream;  // NOLINT: the handlers above
  constexpr uint32_t kRead = kAclRead | kAclStream;
  constexpr uint32_t kWrite = kAclWrite | kAclStream;
  auto add = [&r](auto&&... a) -> CommandSpec& { return AddCommand(r, a...); };
  add("xadd", -5, kCmdWrite | kCmdDenyOom | kCmdFast, kWrite | kAclFast, CmdXAdd, "5.0.0",
      "Appends a new entry to a stream",
      "O(1) when adding a new entry, O(N) when trimming where N being the number of entries "
      "evicted.");
  add("xtrim", -4, kCmdWrite, kWrite | kAclSlow, CmdXTrim, "5.0.0",
      "Trims the stream to (approximately if '~' is passed) a certain size",
      "O(N), with N being the number of evicted entries. Constant times are very small however, "
      "since entries are organized in macro nodes containing multiple entries that can be "
      "released with a single deallocation.");
  add("xrange", -4, kCmdReadOnly, kRead | kAclSlow, CmdXRange, "5.0.0",
      "Return a range of elements in a stream, with IDs matching the specified IDs interval",
      "O(N) with N being the number of elements being returned. If N is constant (e.g. always "
      "asking for the first 10 elements with COUNT), you can consider it O(1).");
  add("xrevrange", -4, kCmdReadOnly, kRead | kAclSlow, CmdXRevRange, "5.0.0",
      "Return a range of elements in a stream, with IDs matching the specified IDs interval, in "
      "reverse order (from greater to smaller IDs) compared to XRANGE",
      "O(N) with N being the number of elements returned. If N is constant (e.g. always asking "
      "for the first 10 elements with COUNT), you can consider it O(1).");
  add("xlen", 2, kCmdReadOnly | kCmdFast, kRead | kAclFast, CmdXLen, "5.0.0",
      "Return the number of entries in a stream", "O(1)");
  add("xdel", -3, kCmdWrite | kCmdFast, kWrite | kAclFast, CmdXDel, "5.0.0",
      "Removes the specified entries from the stream. Returns the number of items actually "
      "deleted, that may be different from the number of IDs passed in case certain IDs do not "
      "exist.",
      "O(1) for each single item to delete in the stream, regardless of the stream size.");
  add("xsetid", -3, kCmdWrite | kCmdDenyOom | kCmdFast, kWrite | kAclFast, CmdXSetId, "5.0.0",
      "An internal command for replicating stream values", "O(1)");

  r.Add(MakeCommand("xinfo", -2, 0, kAclSlow, 0, 0, 0, nullptr, "stream",
                    "A container for stream introspection commands"))
      .since = "5.0.0";
  auto sub = [&r](const char* name, int arity, CommandHandler h, const char* summary) {
    int key = std::string_view(name) == "help" ? 0 : 2;
    CommandSpec& s = r.AddSub(
        "xinfo", MakeCommand(name, arity, kCmdReadOnly, kRead | kAclSlow, key, key, key ? 1 : 0,
                             h, "stream", summary));
    s.since = "5.0.0";
  };
  sub("stream", -3, CmdXInfoStream, "Get information about a stream");
  sub("groups", 3, CmdXInfoGroups, "List the consumer groups of a stream");
  sub("consumers", 4, CmdXInfoConsumers, "List the consumers in a consumer group");
  sub("help", 2, CmdXInfoHelp, "Show helpful text about the different subcommands");
  RegisterStreamGroupCommands(r);
}

}  // namespace sable

// Reading streams and consumer groups: XREAD and XREADGROUP (with BLOCK), XGROUP, XACK,
// XPENDING, XCLAIM and XAUTOCLAIM. Errors, replies and propagation follow Redis 7.0's
// t_stream.c: XREADGROUP and the claims propagate as XCLAIM ... FORCE JUSTID LASTID plus
// XGROUP SETID ... ENTRIESREAD, so replicas and the AOF keep the same PELs and read counters.
// A blocked reader re-runs its command when a stream it waits on changes (server/core/blocking.h);
// `$` and `+` are resolved to IDs before it blocks.
#include <algorithm>
#include <string>
#include <vector>

#include "server/commands/register.h"
#include "server/commands/stream_access.h"
#include "server/config/keyspace_events.h"
#include "server/core/blocking.h"
#include "server/core/client.h"
#include "server/core/server.h"
#include "server/resp/errors.h"
#include "server/util/clock.h"
#include "server/util/numbers.h"
#include "server/util/strings.h"

namespace sable {
namespace stream {
namespace {

// ---- Propagation --------------------------------------------------------------------------------

void PropagateClaim(CommandContext& ctx, std::string_view key, std::string_view group_name,
                    const StreamGroup& g, StreamId id, const StreamNack& nack) {
  ctx.PropagateAs({"XCLAIM", std::string(key), std::string(group_name),
                   nack.consumer != nullptr ? nack.consumer->name : std::string(), "0",
                   id.ToString(), "TIME", std::to_string(nack.delivery_time), "RETRYCOUNT",
                   std::to_string(nack.delivery_count), "FORCE", "JUSTID", "LASTID",
                   g.last_id.ToString()});
}

void PropagateGroupId(CommandContext& ctx, std::string_view key, std::string_view group_name,
                      const StreamGroup& g) {
  ctx.PropagateAs({"XGROUP", "SETID", std::string(key), std::string(group_name),
                   g.last_id.ToString(), "ENTRIESREAD", std::to_string(g.entries_read)});
}

// streamCreateConsumer, with its keyspace event when `notify` (XREADGROUP creates silently, as
// Redis does); propagated so a replica has it even when no XCLAIM follows (NOACK, or nothing to
// read).
StreamConsumer* CreateConsumer(CommandContext& ctx, std::string_view key,
                               std::string_view group_name, StreamGroup* g,
                               std::string_view name, bool notify) {
  StreamConsumer* c = g->AddConsumer(name, CachedMs());
  if (notify) ctx.Notify(kNotifyStream, "xgroup-createconsumer", key);
  ctx.PropagateAs({"XGROUP", "CREATECONSUMER", std::string(key), std::string(group_name),
                   std::string(name)});
  return c;
}

// ---- XREAD / XREADGROUP -------------------------------------------------------------------------

struct ReadArgs {
  bool group_mode = false;
  std::string_view group_name;
  std::string_view consumer_name;
  int64_t timeout = -2;  // -2: no BLOCK; else Blocking's milliseconds (-1 = forever)
  int64_t count = 0;
  bool noack = false;
  size_t streams_at = 0;
  size_t nstreams = 0;
};

// The entries of one stream XREADGROUP hands out: new ones (above `after`, moving the group's
// last ID, adding PEL entries unless NOACK) or, for history, the consumer's own pending ones.
struct GroupRead {
  StreamObject* s;
  std::string_view key;
  std::string_view group_name;
  StreamGroup* g;
  StreamConsumer* c;
};

struct Served {
  StreamId id;
  StreamFields fv;
  bool present = true;
};

std::vector<Served> ReadNew(CommandContext& ctx, const GroupRead& r, StreamId after,
                            int64_t count, bool noack) {
  std::vector<Served> out;
  StreamId start = after;
  if (!start.Incr()) return out;
  int64_t now = CachedMs();
  bool moved = false;
  StreamGroup* g = r.g;
  r.s->Range(start, StreamId::Max(), false, [&](StreamId id, const StreamFields& fv) {
    if (id > g->last_id) {
      if (g->entries_read != StreamGroup::kInvalidEntriesRead && !r.s->HasTombstonesFrom(id)) {
        ++g->entries_read;
      } else if (r.s->entries_added() != 0) {
        g->entries_read = r.s->EstimateEntriesRead(id);
      }
      g->last_id = id;
      moved = true;
    }
    out.push_back({id, fv});
    if (!noack) {
      StreamNack* nack = g->Assign(id, r.c);
      nack->delivery_time = now;
      nack->delivery_count = 1;
      PropagateClaim(ctx, r.key, r.group_name, *g, id, *nack);
    }
    return count == 0 || static_cast<int64_t>(out.size()) < count;
  });
  if (!out.empty()) r.c->active_time = now;
  if (moved) PropagateGroupId(ctx, r.key, r.group_name, *g);
  return out;
}

std::vector<Served> ReadHistory(const GroupRead& r, StreamId after, int64_t count) {
  std::vector<Served> out;
  StreamId start = after;
  if (!start.Incr()) return out;
  int64_t now = CachedMs();
  for (auto it = r.c->pel.lower_bound(start); it != r.c->pel.end(); ++it) {
    if (count != 0 && static_cast<int64_t>(out.size()) >= count) break;
    Served e{*it, {}, false};
    r.s->Range(e.id, e.id, false, [&](StreamId, const StreamFields& fv) {
      e.fv = fv;
      e.present = true;
      return false;
    });
    if (e.present) {
      StreamNack& nack = r.g->pel.at(e.id);
      nack.delivery_time = now;
      ++nack.delivery_count;
    }
    out.push_back(std::move(e));
  }
  return out;
}

void SendServed(ReplyBuilder& rb, const std::vector<Served>& items) {
  rb.StartArray(items.size());
  for (const Served& e : items) {
    if (e.present) {
      SendEntry(rb, e.id, e.fv);
    } else {
      rb.StartArray(2);
      SendId(rb, e.id);
      rb.SendNullArray();
    }
  }
}

bool ParseReadArgs(CommandContext& ctx, ReadArgs* a) {
  std::string_view cmd = a->group_mode ? "XREADGROUP" : "XREAD";
  for (size_t i = 1; i < ctx.argc(); ++i) {
    size_t more = ctx.argc() - 1 - i;
    std::string_view o = ctx.arg(i);
    if (EqualsNoCase(o, "block") && more > 0) {
      if (ctx.client->is_script()) {
        ctx.rb.SendError("ERR " + std::string(ctx.arg(0)) +
                         " command is not allowed with BLOCK option from scripts");
        return false;
      }
      ++i;
      if (!Blocking::ParseTimeoutMs(ctx, ctx.arg(i), &a->timeout)) return false;
    } else if (EqualsNoCase(o, "count") && more > 0) {
      ++i;
      if (!ParseInt64OrReply(ctx, ctx.arg(i), &a->count)) return false;
      if (a->count < 0) a->count = 0;
    } else if (EqualsNoCase(o, "streams") && more > 0) {
      a->streams_at = i + 1;
      size_t n = ctx.argc() - a->streams_at;
      if (n % 2 != 0) {
        ctx.rb.SendError("ERR Unbalanced '" + ToLower(cmd) +
                         "' list of streams: for each stream key an ID or '" +
                         (a->group_mode ? ">" : "$") + "' must be specified.");
        return false;
      }
      a->nstreams = n / 2;
      break;
    } else if (EqualsNoCase(o, "group") && more >= 2) {
      if (!a->group_mode) {
        ctx.rb.SendError(
            "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
        return false;
      }
      a->group_name = ctx.arg(i + 1);
      a->consumer_name = ctx.arg(i + 2);
      i += 2;
    } else if (EqualsNoCase(o, "noack")) {
      if (!a->group_mode) {
        ctx.rb.SendError(
            "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
        return false;
      }
      a->noack = true;
    } else {
      ctx.rb.SendError(errors::kSyntax);
      return false;
    }
  }
  if (a->streams_at == 0) {
    ctx.rb.SendError(errors::kSyntax);
    return false;
  }
  if (a->group_mode && a->group_name.data() == nullptr) {
    ctx.rb.SendError("ERR Missing GROUP option for XREADGROUP");
    return false;
  }
  return true;
}

// The "after this ID" marker of XREADGROUP's ">".
constexpr StreamId kNewOnly = StreamId::Max();

void ReadGeneric(CommandContext& ctx, bool group_mode) {
  ReadArgs a;
  a.group_mode = group_mode;
  if (!ParseReadArgs(ctx, &a)) return;
  Db& db = ctx.db();
  std::vector<StreamId> ids(a.nstreams);
  std::vector<StreamGroup*> groups(a.nstreams, nullptr);
  // IDs resolved from "$" and "+": a blocked reader re-runs with them in place.
  std::vector<std::pair<size_t, std::string>> resolved;
  for (size_t k = 0; k < a.nstreams; ++k) {
    std::string_view key = ctx.arg(a.streams_at + k);
    std::string_view idarg = ctx.arg(a.streams_at + a.nstreams + k);
    Entry* e = db.Find(key);
    if (e != nullptr && e->type() != ObjType::kStream) {
      ctx.rb.SendError(errors::kWrongType);
      return;
    }
    StreamObject* s = e != nullptr ? e->As<StreamObject>() : nullptr;
    if (group_mode) {
      if (s == nullptr || (groups[k] = s->FindGroup(a.group_name)) == nullptr) {
        if (ctx.server.blocking().IsRerunning(ctx.client)) {
          ctx.rb.SendError("NOGROUP the consumer group this client was blocked on no longer exists");
        } else {
          ReplyNoGroup(ctx, key, a.group_name, " in XREADGROUP with GROUP option");
        }
        return;
      }
    }
    if (idarg == "$" || idarg == "+") {
      if (group_mode) {
        ctx.rb.SendError(
            "ERR The " + std::string(idarg) +
            " ID is meaningless in the context of XREADGROUP: you want to read the history of "
            "this consumer by specifying a proper ID, or use the > ID to get new messages. The " +
            std::string(idarg) + " ID would just return an empty result set.");
        return;
      }
      StreamId id = s != nullptr ? s->last_id() : StreamId{};
      if (idarg == "+" && s != nullptr && s->size() != 0) {
        // Redis 7.4: the last entry itself.
        id = s->last_live_id();
        id.Decr();
      }
      ids[k] = id;
      resolved.emplace_back(a.streams_at + a.nstreams + k, id.ToString());
      continue;
    }
    if (idarg == ">") {
      if (!group_mode) {
        ctx.rb.SendError(
            "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> "
            "<consumer> option.");
        return;
      }
      ids[k] = kNewOnly;
      continue;
    }
    if (!ParseStrictId(&ctx, idarg, &ids[k])) return;
  }

  // Serve what can be served now.
  struct Part {
    std::string_view key;
    std::vector<Served> items;
  };
  std::vector<Part> parts;
  for (size_t k = 0; k < a.nstreams; ++k) {
    std::string_view key = ctx.arg(a.streams_at + k);
    Entry* e = db.Find(key);
    if (e == nullptr) continue;
    auto* s = e->As<StreamObject>();
    if (!group_mode) {
      if (s->size() == 0 || s->last_live_id() <= ids[k]) continue;
      StreamId start = ids[k];
      start.Incr();
      Part p{key, {}};
      s->Range(start, StreamId::Max(), false, [&](StreamId id, const StreamFields& fv) {
        p.items.push_back({id, fv});
        return a.count == 0 || static_cast<int64_t>(p.items.size()) < a.count;
      });
      parts.push_back(std::move(p));
      continue;
    }
    StreamGroup* g = groups[k];
    StreamConsumer* c = g->FindConsumer(a.consumer_name);
    if (c == nullptr) c = CreateConsumer(ctx, key, a.group_name, g, a.consumer_name, false);
    c->seen_time = CachedMs();
    GroupRead r{s, key, a.group_name, g, c};
    if (ids[k] != kNewOnly) {
      parts.push_back({key, ReadHistory(r, ids[k], a.count)});
    } else if (s->size() != 0 && s->last_live_id() > g->last_id) {
      parts.push_back({key, ReadNew(ctx, r, g->last_id, a.count, a.noack)});
    }
  }
  if (!parts.empty()) {
    if (ctx.rb.resp3()) {
      ctx.rb.StartMap(parts.size());
    } else {
      ctx.rb.StartArray(parts.size());
    }
    for (const Part& p : parts) {
      if (!ctx.rb.resp3()) ctx.rb.StartArray(2);
      ctx.rb.SendBulk(p.key);
      SendServed(ctx.rb, p.items);
    }
    return;
  }
  if (a.timeout != -2 && Blocking::MayBlock(ctx)) {
    std::vector<std::string_view> keys(
        ctx.args.begin() + static_cast<ptrdiff_t>(a.streams_at),
        ctx.args.begin() + static_cast<ptrdiff_t>(a.streams_at + a.nstreams));
    // The waiter keeps the resolved IDs; ctx's own arguments are put back after the copy.
    std::vector<std::string_view> original = ctx.args;
    for (const auto& [at, id] : resolved) ctx.args[at] = id;
    ctx.server.blocking().Block(ctx, keys, ObjType::kStream, a.timeout, group_mode);
    ctx.args = std::move(original);
    return;
  }
  ctx.rb.SendNullArray();
}

void CmdXRead(CommandContext& ctx) { ReadGeneric(ctx, false); }
void CmdXReadGroup(CommandContext& ctx) { ReadGeneric(ctx, true); }

// ---- XGROUP -------------------------------------------------------------------------------------

void ReplyXGroupSyntax(CommandContext& ctx) {
  ctx.rb.SendError("ERR unknown subcommand or wrong number of arguments for '" +
                   std::string(ctx.arg(1)) + "'. Try XGROUP HELP.");
}

// What every XGROUP subcommand but HELP resolves first, as xgroupCommand does.
struct GroupTarget {
  StreamObject* s = nullptr;
  StreamGroup* g = nullptr;
  bool mkstream = false;
  int64_t entries_read = StreamGroup::kInvalidEntriesRead;
};

bool ResolveGroup(CommandContext& ctx, GroupTarget* t, bool create, bool setid) {
  if (create || setid) {
    for (size_t i = 5; i < ctx.argc();) {
      std::string_view o = ctx.arg(i);
      if (create && EqualsNoCase(o, "mkstream")) {
        t->mkstream = true;
        ++i;
      } else if (EqualsNoCase(o, "entriesread") && i + 1 < ctx.argc()) {
        if (!ParseInt64OrReply(ctx, ctx.arg(i + 1), &t->entries_read)) return false;
        if (t->entries_read < 0 && t->entries_read != StreamGroup::kInvalidEntriesRead) {
          ctx.rb.SendError("ERR value for ENTRIESREAD must be positive or -1");
          return false;
        }
        i += 2;
      } else {
        ReplyXGroupSyntax(ctx);
        return false;
      }
    }
  }
  Entry* e = ctx.db().Find(ctx.arg(2));
  if (e != nullptr) {
    if (e->type() != ObjType::kStream) {
      ctx.rb.SendError(errors::kWrongType);
      return false;
    }
    t->s = e->As<StreamObject>();
  }
  if (t->mkstream) return true;
  if (t->s == nullptr) {
    ctx.rb.SendError(
        "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want "
        "to use the MKSTREAM option to create an empty stream automatically.");
    return false;
  }
  t->g = t->s->FindGroup(ctx.arg(3));
  if (t->g == nullptr && !create && !EqualsNoCase(ctx.arg(1), "destroy")) {
    ctx.rb.SendError("NOGROUP No such consumer group '" + std::string(ctx.arg(3)) +
                     "' for key name '" + std::string(ctx.arg(2)) + "'");
    return false;
  }
  return true;
}

// What every XGROUP change ends with: WATCH sees it, the event fires, it is propagated as sent.
void GroupChanged(CommandContext& ctx, std::string_view event) {
  ctx.db().Touched(ctx.arg(2));
  ctx.Notify(kNotifyStream, event, ctx.arg(2));
  ctx.Propagate();
}

// The ID at argv[4] of CREATE (strict) and SETID (also "-" and "+"): "$" is the stream's last
// ID (0-0 before MKSTREAM made it). False after the error reply.
bool ParseGroupStart(CommandContext& ctx, const StreamObject* s, bool strict, StreamId* id) {
  if (ctx.arg(4) != "$") return ParseId(&ctx, ctx.arg(4), id, 0, strict);
  *id = s != nullptr ? s->last_id() : StreamId{};
  return true;
}

void CmdXGroupCreate(CommandContext& ctx) {
  if (ctx.argc() > 8) {
    ReplyXGroupSyntax(ctx);
    return;
  }
  GroupTarget t;
  if (!ResolveGroup(ctx, &t, true, false)) return;
  StreamId id;
  if (!ParseGroupStart(ctx, t.s, true, &id)) return;
  std::string_view key = ctx.arg(2);
  if (t.s == nullptr) {
    t.s = new StreamObject();
    ctx.db().Add(Entry::NewObject(key, ObjType::kStream, t.s));
  }
  if (t.s->CreateGroup(ctx.arg(3), id, t.entries_read) == nullptr) {
    ctx.rb.SendError("BUSYGROUP Consumer Group name already exists");
    return;
  }
  GroupChanged(ctx, "xgroup-create");
  ctx.rb.SendOk();
}

void CmdXGroupSetId(CommandContext& ctx) {
  if (ctx.argc() != 5 && ctx.argc() != 7) {
    ReplyXGroupSyntax(ctx);
    return;
  }
  GroupTarget t;
  if (!ResolveGroup(ctx, &t, false, true)) return;
  StreamId id;
  if (!ParseGroupStart(ctx, t.s, false, &id)) return;
  t.g->last_id = id;
  t.g->entries_read = t.entries_read;
  GroupChanged(ctx, "xgroup-setid");
  ctx.rb.SendOk();
}

void CmdXGroupDestroy(CommandContext& ctx) {
  GroupTarget t;
  if (!ResolveGroup(ctx, &t, false, false)) return;
  if (t.g == nullptr) {
    ctx.rb.SendLong(0);
    return;
  }
  t.s->DestroyGroup(ctx.arg(3));
  GroupChanged(ctx, "xgroup-destroy");
  // Readers blocked on the group run again and get NOGROUP.
  ctx.server.blocking().KeyAdded(ctx.db().index(), ctx.arg(2));
  ctx.rb.SendLong(1);
}

void CmdXGroupCreateConsumer(CommandContext& ctx) {
  GroupTarget t;
  if (!ResolveGroup(ctx, &t, false, false)) return;
  if (t.g->FindConsumer(ctx.arg(4)) != nullptr) {
    ctx.rb.SendLong(0);
    return;
  }
  t.g->AddConsumer(ctx.arg(4), CachedMs());
  GroupChanged(ctx, "xgroup-createconsumer");
  ctx.rb.SendLong(1);
}

void CmdXGroupDelConsumer(CommandContext& ctx) {
  GroupTarget t;
  if (!ResolveGroup(ctx, &t, false, false)) return;
  StreamConsumer* c = t.g->FindConsumer(ctx.arg(4));
  size_t pending = c != nullptr ? t.g->DeleteConsumer(ctx.arg(4)) : 0;
  GroupChanged(ctx, "xgroup-delconsumer");
  ctx.rb.SendLong(static_cast<int64_t>(pending));
}

void CmdXGroupHelp(CommandContext& ctx) {
  static const char* const kLines[] = {
      "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CREATE <key> <groupname> <id|$> [option]",
      "    Create a new consumer group. Options are:",
      "    * MKSTREAM",
      "      Create the empty stream if it does not exist.",
      "    * ENTRIESREAD entries_read",
      "      Set the group's entries_read counter (internal use).",
      "CREATECONSUMER <key> <groupname> <consumer>",
      "    Create a new consumer in the specified group.",
      "DELCONSUMER <key> <groupname> <consumer>",
      "    Remove the specified consumer.",
      "DESTROY <key> <groupname>",
      "    Remove the specified group.",
      "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
      "    Set the current group ID and entries_read counter.",
      "HELP",
      "    Prints this help.",
  };
  ctx.rb.SendSimpleLines(kLines);
}

// ---- XACK, XPENDING -----------------------------------------------------------------------------

// The group named at argv[2] of the stream at argv[1]; nullptr (nothing replied) when either is
// missing, and after the WRONGTYPE reply.
StreamGroup* FindGroupAt(CommandContext& ctx, StreamObject** s, bool* wrongtype) {
  *wrongtype = false;
  OpResult<StreamObject*> r = Find(ctx.db(), ctx.arg(1));
  if (r.status() == OpStatus::kWrongType) {
    ctx.rb.SendError(errors::kWrongType);
    *wrongtype = true;
    return nullptr;
  }
  if (!r.ok()) return nullptr;
  *s = r.value();
  return (*s)->FindGroup(ctx.arg(2));
}

void CmdXAck(CommandContext& ctx) {
  StreamObject* s = nullptr;
  bool wrongtype;
  StreamGroup* g = FindGroupAt(ctx, &s, &wrongtype);
  if (wrongtype) return;
  if (g == nullptr) {
    ctx.rb.SendLong(0);
    return;
  }
  std::vector<StreamId> ids(ctx.argc() - 3);
  for (size_t j = 3; j < ctx.argc(); ++j) {
    if (!ParseStrictId(&ctx, ctx.arg(j), &ids[j - 3])) return;
  }
  int64_t acked = 0;
  for (StreamId id : ids) acked += g->Ack(id) ? 1 : 0;
  if (acked != 0) {
    ctx.db().Touched(ctx.arg(1));
    ctx.Propagate(acked);
  }
  ctx.rb.SendLong(acked);
}

void CmdXPending(CommandContext& ctx) {
  size_t argc = ctx.argc();
  bool summary = argc == 3;
  if (argc != 3 && (argc < 6 || argc > 9)) {
    ctx.rb.SendError(errors::kSyntax);
    return;
  }
  StreamId start, end;
  int64_t count = 0, min_idle = 0;
  std::string_view consumer_name;
  bool by_consumer = false;
  if (!summary) {
    size_t at = 3;
    if (EqualsNoCase(ctx.arg(3), "idle")) {
      if (!ParseInt64OrReply(ctx, ctx.arg(4), &min_idle)) return;
      if (argc < 8) {
        ctx.rb.SendError(errors::kSyntax);
        return;
      }
      at += 2;
    }
    if (!ParseInt64OrReply(ctx, ctx.arg(at + 2), &count)) return;
    if (count < 0) count = 0;
    if (!ParseRangeStart(ctx, ctx.arg(at), &start)) return;
    if (!ParseRangeEnd(ctx, ctx.arg(at + 1), &end)) return;
    if (at + 3 < argc) {
      consumer_name = ctx.arg(at + 3);
      by_consumer = true;
    }
  }
  StreamObject* s = nullptr;
  bool wrongtype;
  StreamGroup* g = FindGroupAt(ctx, &s, &wrongtype);
  if (wrongtype) return;
  if (g == nullptr) {
    ReplyNoGroup(ctx, ctx.arg(1), ctx.arg(2));
    return;
  }
  ReplyBuilder& rb = ctx.rb;
  if (summary) {
    rb.StartArray(4);
    rb.SendLong(static_cast<int64_t>(g->pel.size()));
    if (g->pel.empty()) {
      rb.SendNull();
      rb.SendNull();
      rb.SendNullArray();
      return;
    }
    SendId(rb, g->pel.begin()->first);
    SendId(rb, g->pel.rbegin()->first);
    size_t with = 0;
    for (const auto& [name, c] : g->consumers) with += c->pel.empty() ? 0 : 1;
    rb.StartArray(with);
    for (const auto& [name, c] : g->consumers) {
      if (c->pel.empty()) continue;
      rb.StartArray(2);
      rb.SendBulk(name);
      rb.SendBulk(std::to_string(c->pel.size()));
    }
    return;
  }
  int64_t now = CachedMs();
  struct Row {
    StreamId id;
    const StreamNack* nack;
  };
  std::vector<Row> rows;
  auto collect = [&](const auto& pel, auto entry_of) {
    for (auto it = pel.lower_bound(start); it != pel.end() && count > 0; ++it) {
      Row row = entry_of(*it);
      if (row.id > end) break;
      if (min_idle != 0 && Elapsed(now, row.nack->delivery_time) < min_idle) continue;
      rows.push_back(row);
      --count;
    }
  };
  if (by_consumer) {
    StreamConsumer* c = g->FindConsumer(consumer_name);
    if (c == nullptr) {
      rb.SendEmptyArray();
      return;
    }
    collect(c->pel, [g](StreamId id) { return Row{id, &g->pel.at(id)}; });
  } else {
    collect(g->pel, [](const auto& kv) { return Row{kv.first, &kv.second}; });
  }
  rb.StartArray(rows.size());
  for (const Row& row : rows) {
    rb.StartArray(4);
    SendId(rb, row.id);
    rb.SendBulk(row.nack->consumer->name);
    rb.SendLong(std::max<int64_t>(0, Elapsed(now, row.nack->delivery_time)));
    rb.SendLong(static_cast<int64_t>(row.nack->delivery_count));
  }
}

// ---- XCLAIM, XAUTOCLAIM -------------------------------------------------------------------------

// Hands a pending entry to the consumer (created on first use), as both claims do.
void ClaimOne(CommandContext& ctx, StreamGroup* g, StreamConsumer** consumer, StreamId id,
              StreamNack* nack, int64_t delivery_time, int64_t retrycount, bool justid) {
  std::string_view key = ctx.arg(1);
  if (*consumer == nullptr) {
    *consumer = g->FindConsumer(ctx.arg(3));
    if (*consumer == nullptr) {
      *consumer = CreateConsumer(ctx, key, ctx.arg(2), g, ctx.arg(3), true);
    }
    (*consumer)->seen_time = CachedMs();
  }
  nack->delivery_time = delivery_time;
  if (retrycount >= 0) {
    nack->delivery_count = static_cast<uint64_t>(retrycount);
  } else if (!justid) {
    ++nack->delivery_count;
  }
  if (nack->consumer != *consumer) g->Assign(id, *consumer);
  (*consumer)->active_time = CachedMs();
  PropagateClaim(ctx, key, ctx.arg(2), *g, id, *nack);
}

// A pending entry whose stream entry is gone leaves the PEL (propagated, so replicas drop it).
void DropDeleted(CommandContext& ctx, StreamGroup* g, StreamId id, const StreamNack& nack) {
  PropagateClaim(ctx, ctx.arg(1), ctx.arg(2), *g, id, nack);
  g->Ack(id);
}

void CmdXClaim(CommandContext& ctx) {
  StreamObject* s = nullptr;
  bool wrongtype;
  StreamGroup* g = FindGroupAt(ctx, &s, &wrongtype);
  if (wrongtype) return;
  if (g == nullptr) {
    ReplyNoGroup(ctx, ctx.arg(1), ctx.arg(2));
    return;
  }
  int64_t min_idle;
  if (!ParseInt64OrReply(ctx, ctx.arg(4), &min_idle, "ERR Invalid min-idle-time argument for XCLAIM")) {
    return;
  }
  if (min_idle < 0) min_idle = 0;
  std::vector<StreamId> ids;
  size_t j = 5;
  for (; j < ctx.argc(); ++j) {
    StreamId id;
    if (!ParseStrictId(nullptr, ctx.arg(j), &id)) break;
    ids.push_back(id);
  }
  int64_t now = CachedMs();
  int64_t delivery_time = -1, retrycount = -1;
  bool force = false, justid = false;
  StreamId last_id;
  for (; j < ctx.argc(); ++j) {
    bool more = j + 1 < ctx.argc();
    std::string_view o = ctx.arg(j);
    if (EqualsNoCase(o, "force")) {
      force = true;
    } else if (EqualsNoCase(o, "justid")) {
      justid = true;
    } else if (EqualsNoCase(o, "idle") && more) {
      if (!ParseInt64OrReply(ctx, ctx.arg(++j), &delivery_time,
                       "ERR Invalid IDLE option argument for XCLAIM")) {
        return;
      }
      delivery_time = Elapsed(now, delivery_time);
    } else if (EqualsNoCase(o, "time") && more) {
      if (!ParseInt64OrReply(ctx, ctx.arg(++j), &delivery_time,
                       "ERR Invalid TIME option argument for XCLAIM")) {
        return;
      }
    } else if (EqualsNoCase(o, "retrycount") && more) {
      if (!ParseInt64OrReply(ctx, ctx.arg(++j), &retrycount,
                       "ERR Invalid RETRYCOUNT option argument for XCLAIM")) {
        return;
      }
    } else if (EqualsNoCase(o, "lastid") && more) {
      if (!ParseStrictId(&ctx, ctx.arg(++j), &last_id)) return;
    } else {
      ctx.rb.SendError("ERR Unrecognized XCLAIM option '" + std::string(o) + "'");
      return;
    }
  }
  bool propagate_last_id = false;
  if (last_id > g->last_id) {
    g->last_id = last_id;
    propagate_last_id = true;
  }
  if (delivery_time == -1 || delivery_time < 0 || delivery_time > now) delivery_time = now;
  StreamConsumer* consumer = nullptr;
  std::vector<StreamId> claimed;
  for (StreamId id : ids) {
    auto it = g->pel.find(id);
    if (!s->Contains(id)) {
      if (it != g->pel.end()) {
        DropDeleted(ctx, g, id, it->second);
        propagate_last_id = false;
      }
      continue;
    }
    if (it == g->pel.end()) {
      if (!force) continue;
      it = g->pel.try_emplace(id).first;
    }
    StreamNack* nack = &it->second;
    if (nack->consumer != nullptr && min_idle != 0 && Elapsed(now, nack->delivery_time) < min_idle) {
      continue;
    }
    ClaimOne(ctx, g, &consumer, id, nack, delivery_time, retrycount, justid);
    propagate_last_id = false;
    claimed.push_back(id);
  }
  if (propagate_last_id) PropagateGroupId(ctx, ctx.arg(1), ctx.arg(2), *g);
  if (!ctx.rewritten.empty()) ctx.db().Touched(ctx.arg(1));
  ctx.rb.StartArray(claimed.size());
  for (StreamId id : claimed) {
    if (justid) {
      SendId(ctx.rb, id);
    } else {
      SendEntryOrNull(ctx.rb, *s, id);
    }
  }
}

void CmdXAutoClaim(CommandContext& ctx) {
  int64_t min_idle;
  if (!ParseInt64OrReply(ctx, ctx.arg(4), &min_idle,
                   "ERR Invalid min-idle-time argument for XAUTOCLAIM")) {
    return;
  }
  if (min_idle < 0) min_idle = 0;
  StreamId start;
  if (!ParseRangeStart(ctx, ctx.arg(5), &start)) return;
  constexpr int64_t kAttemptsFactor = 10;
  int64_t count = 100;
  bool justid = false;
  for (size_t j = 6; j < ctx.argc(); ++j) {
    std::string_view o = ctx.arg(j);
    if (EqualsNoCase(o, "count") && j + 1 < ctx.argc()) {
      constexpr int64_t kMaxCount = INT64_MAX / 16;
      if (!ParseInt64(ctx.arg(j + 1), &count) || count < 1 || count > kMaxCount) {
        ctx.rb.SendError("ERR COUNT must be > 0");
        return;
      }
      ++j;
    } else if (EqualsNoCase(o, "justid")) {
      justid = true;
    } else {
      ctx.rb.SendError(errors::kSyntax);
      return;
    }
  }
  StreamObject* s = nullptr;
  bool wrongtype;
  StreamGroup* g = FindGroupAt(ctx, &s, &wrongtype);
  if (wrongtype) return;
  if (g == nullptr) {
    ReplyNoGroup(ctx, ctx.arg(1), ctx.arg(2));
    return;
  }
  int64_t now = CachedMs();
  int64_t attempts = count * kAttemptsFactor;
  StreamConsumer* consumer = nullptr;
  std::vector<StreamId> claimed, deleted;
  // Dropping a deleted entry's NACK invalidates btree iterators: each step seeks anew.
  auto it = g->pel.lower_bound(start);
  while (attempts-- > 0 && count > 0 && it != g->pel.end()) {
    StreamId id = it->first;
    StreamNack* nack = &it->second;
    if (!s->Contains(id)) {
      DropDeleted(ctx, g, id, *nack);
      deleted.push_back(id);
      --count;
    } else if (min_idle == 0 || Elapsed(now, nack->delivery_time) >= min_idle) {
      ClaimOne(ctx, g, &consumer, id, nack, now, -1, justid);
      claimed.push_back(id);
      --count;
    }
    it = g->pel.upper_bound(id);
  }
  StreamId cursor = it == g->pel.end() ? StreamId{} : it->first;
  if (!ctx.rewritten.empty()) ctx.db().Touched(ctx.arg(1));
  ReplyBuilder& rb = ctx.rb;
  rb.StartArray(3);
  SendId(rb, cursor);
  rb.StartArray(claimed.size());
  for (StreamId id : claimed) {
    if (justid) {
      SendId(rb, id);
    } else {
      SendEntryOrNull(rb, *s, id);
    }
  }
  rb.StartArray(deleted.size());
  for (StreamId id : deleted) SendId(rb, id);
}

// ---- XDELEX, XACKDEL (Redis 8.2) ----------------------------------------------------------------

// [KEEPREF | DELREF | ACKED] and IDS numids id... from argv[from] on; false after the reply.
bool ParseRefIds(CommandContext& ctx, size_t from, RefPolicy* ref, std::vector<StreamId>* ids) {
  bool ref_given = false, ids_given = false;
  for (size_t i = from; i < ctx.argc();) {
    std::string_view o = ctx.arg(i);
    if (!ref_given && ParseRefPolicy(o, ref)) {
      ref_given = true;
      ++i;
    } else if (!ids_given && EqualsNoCase(o, "ids") && i + 1 < ctx.argc()) {
      int64_t n;
      if (!ParseInt64(ctx.arg(i + 1), &n) || n <= 0) {
        ctx.rb.SendError("ERR Number of IDs must be a positive integer");
        return false;
      }
      if (static_cast<uint64_t>(n) > ctx.argc() - i - 2) {
        ctx.rb.SendError("ERR The `numids` parameter must match the number of arguments");
        return false;
      }
      ids->resize(static_cast<size_t>(n));
      for (size_t k = 0; k < ids->size(); ++k) {
        if (!ParseStrictId(&ctx, ctx.arg(i + 2 + k), &(*ids)[k])) return false;
      }
      ids_given = true;
      i += 2 + ids->size();
    } else {
      ctx.rb.SendError(errors::kSyntax);
      return false;
    }
  }
  if (!ids_given) {
    ctx.rb.SendError(errors::kSyntax);
    return false;
  }
  return true;
}

// Deletes one entry under a reference policy: 1 deleted, 2 kept (ACKED: still needed), -1 when
// there is no such entry (DELREF still drops dangling references then). *changed tells whether
// anything moved.
int DeleteWithPolicy(StreamObject* s, StreamId id, RefPolicy ref, bool* changed) {
  if (!s->Contains(id)) {
    if (ref == RefPolicy::kDelRef && s->Referenced(id)) {
      s->DropReferences(id);
      *changed = true;
    }
    return -1;
  }
  if (ref == RefPolicy::kAcked && s->Referenced(id)) return 2;
  s->Delete(id);
  if (id > s->max_deleted_id()) s->set_max_deleted_id(id);
  if (ref == RefPolicy::kDelRef) s->DropReferences(id);
  *changed = true;
  return 1;
}

void ReplyCodes(ReplyBuilder& rb, const std::vector<int>& codes) {
  rb.StartArray(codes.size());
  for (int c : codes) rb.SendLong(c);
}

void FinishRefDelete(CommandContext& ctx, bool changed, bool deleted) {
  if (deleted) ctx.Notify(kNotifyStream, "xdel", ctx.arg(1));
  if (changed) {
    ctx.db().Touched(ctx.arg(1));
    ctx.Propagate();
  }
}

void CmdXDelEx(CommandContext& ctx) {
  RefPolicy ref = RefPolicy::kKeepRef;
  std::vector<StreamId> ids;
  if (!ParseRefIds(ctx, 2, &ref, &ids)) return;
  OpResult<StreamObject*> r = Find(ctx.db(), ctx.arg(1));
  if (r.status() == OpStatus::kWrongType) {
    ctx.rb.SendError(errors::kWrongType);
    return;
  }
  std::vector<int> codes(ids.size(), -1);
  bool changed = false, deleted = false;
  if (r.ok()) {
    for (size_t k = 0; k < ids.size(); ++k) {
      codes[k] = DeleteWithPolicy(r.value(), ids[k], ref, &changed);
      deleted = deleted || codes[k] == 1;
    }
  }
  FinishRefDelete(ctx, changed, deleted);
  ReplyCodes(ctx.rb, codes);
}

void CmdXAckDel(CommandContext& ctx) {
  RefPolicy ref = RefPolicy::kKeepRef;
  std::vector<StreamId> ids;
  if (!ParseRefIds(ctx, 3, &ref, &ids)) return;
  StreamObject* s = nullptr;
  bool wrongtype;
  StreamGroup* g = FindGroupAt(ctx, &s, &wrongtype);
  if (wrongtype) return;
  if (g == nullptr) {
    ReplyNoGroup(ctx, ctx.arg(1), ctx.arg(2));
    return;
  }
  std::vector<int> codes(ids.size(), -1);
  bool changed = false, deleted = false;
  for (size_t k = 0; k < ids.size(); ++k) {
    if (!g->Ack(ids[k])) continue;
    changed = true;
    int code = DeleteWithPolicy(s, ids[k], ref, &changed);
    codes[k] = code == 2 ? 2 : 1;
    deleted = deleted || code == 1;
  }
  FinishRefDelete(ctx, changed, deleted);
  ReplyCodes(ctx.rb, codes);
}

// XREAD's and XREADGROUP's keys: the first half of what follows STREAMS, found by walking the
// options as Redis's xreadGetKeys does (so a group or consumer named "streams" is no keyword).
KeySpec StreamsKeySpec() {
  KeySpec spec;
  spec.extractor = [](const std::vector<std::string_view>& args) {
    std::vector<int> keys;
    for (size_t i = 1; i < args.size(); ++i) {
      std::string_view o = args[i];
      if (EqualsNoCase(o, "block") || EqualsNoCase(o, "count")) {
        ++i;
      } else if (EqualsNoCase(o, "group")) {
        i += 2;
      } else if (EqualsNoCase(o, "noack")) {
        continue;
      } else if (EqualsNoCase(o, "streams")) {
        size_t rest = args.size() - i - 1;
        if (rest % 2 != 0) break;
        for (size_t k = 0; k < rest / 2; ++k) keys.push_back(static_cast<int>(i + 1 + k));
        break;
      } else {
        break;
      }
    }
    return keys;
  };
  return spec;
}

}  // namespace
}  // namespace stream

void RegisterStreamGroupCommands(CommandRegistry& r) {
  using namespace stream;  // NOLINT: the handlers above
  constexpr uint32_t kRead = kAclRead | kAclStream;
  constexpr uint32_t kWrite = kAclWrite | kAclStream;
  auto add = [&r](auto&&... a) -> CommandSpec& { return AddCommand(r, a...); };
  add("xread", -4, kCmdReadOnly | kCmdBlocking | kCmdMovableKeys,
      kRead | kAclSlow | kAclBlocking, CmdXRead, "5.0.0",
      "Return never seen elements in multiple streams, with IDs greater than the ones reported "
      "by the caller for each stream. Can block.",
      "For each stream mentioned: O(N) with N being the number of elements being returned, it "
      "means that XREAD-ing with a fixed COUNT is O(1). Note that when the BLOCK option is "
      "used, XADD will pay O(M) time in order to serve the M clients blocked on the stream "
      "getting new data.")
      .keys = StreamsKeySpec();
  add("xreadgroup", -7, kCmdWrite | kCmdBlocking | kCmdMovableKeys,
      kWrite | kAclSlow | kAclBlocking, CmdXReadGroup, "5.0.0",
      "Return new entries from a stream using a consumer group, or access the history of the "
      "pending entries for a given consumer. Can block.",
      "For each stream mentioned: O(M) with M being the number of elements returned. If M is "
      "constant (e.g. always asking for the first 10 elements with COUNT), you can consider it "
      "O(1). On the other side when XREADGROUP blocks, XADD will pay the O(N) time in order to "
      "serve the N clients blocked on the stream getting new data.")
      .keys = StreamsKeySpec();
  add("xack", -4, kCmdWrite | kCmdFast, kWrite | kAclFast, CmdXAck, "5.0.0",
      "Marks a pending message as correctly processed, effectively removing it from the pending "
      "entries list of the consumer group. Return value of the command is the number of "
      "messages successfully acknowledged, that is, the IDs we were actually able to resolve in "
      "the PEL.",
      "O(1) for each message ID processed.");
  add("xpending", -3, kCmdReadOnly, kRead | kAclSlow, CmdXPending, "5.0.0",
      "Return information and entries from a stream consumer group pending entries list, that "
      "are messages fetched but never acknowledged.",
      "O(N) with N being the number of elements returned, so asking for a small fixed number of "
      "entries per call is O(1). O(M), where M is the total number of entries scanned when used "
      "with the IDLE filter. When the command returns just the summary and the list of "
      "consumers is small, it runs in O(1) time; otherwise, an additional O(N) time for "
      "iterating every consumer.");
  add("xclaim", -6, kCmdWrite | kCmdFast, kWrite | kAclFast, CmdXClaim, "5.0.0",
      "Changes (or acquires) ownership of a message in a consumer group, as if the message was "
      "delivered to the specified consumer.",
      "O(log N) with N being the number of messages in the PEL of the consumer group.");
  add("xautoclaim", -6, kCmdWrite | kCmdFast, kWrite | kAclFast, CmdXAutoClaim, "6.2.0",
      "Changes (or acquires) ownership of messages in a consumer group, as if the messages were "
      "delivered to the specified consumer.",
      "O(1) if COUNT is small.");

  add("xdelex", -5, kCmdWrite | kCmdFast, kWrite | kAclFast, CmdXDelEx, "8.2.0",
      "Deletes one or multiple entries from the stream.",
      "O(1) for each single item to delete in the stream, regardless of the stream size.");
  add("xackdel", -6, kCmdWrite | kCmdFast, kWrite | kAclFast, CmdXAckDel, "8.2.0",
      "Acknowledges and conditionally deletes one or multiple entries for a stream consumer "
      "group.",
      "O(1) for each entry ID processed.");

  r.Add(MakeCommand("xgroup", -2, 0, kAclSlow, 0, 0, 0, nullptr, "stream",
                    "A container for consumer groups commands"))
      .since = "5.0.0";
  auto sub = [&r](const char* name, int arity, uint32_t flags, CommandHandler h,
                  const char* since, const char* summary) {
    int key = std::string_view(name) == "help" ? 0 : 2;
    uint32_t acl = key != 0 ? (kAclWrite | kAclStream | kAclSlow) : (kAclStream | kAclSlow);
    CommandSpec& s = r.AddSub(
        "xgroup", MakeCommand(name, arity, flags, acl, key, key, key ? 1 : 0, h, "stream",
                              summary));
    s.since = since;
  };
  sub("create", -5, kCmdWrite | kCmdDenyOom, CmdXGroupCreate, "5.0.0",
      "Create a consumer group.");
  sub("setid", -5, kCmdWrite, CmdXGroupSetId, "5.0.0",
      "Set a consumer group to an arbitrary last delivered ID value.");
  sub("destroy", 4, kCmdWrite, CmdXGroupDestroy, "5.0.0", "Destroy a consumer group.");
  sub("createconsumer", 5, kCmdWrite | kCmdDenyOom, CmdXGroupCreateConsumer, "6.2.0",
      "Create a consumer in a consumer group.");
  sub("delconsumer", 5, kCmdWrite, CmdXGroupDelConsumer, "5.0.0",
      "Delete a consumer from a consumer group.");
  sub("help", 2, kCmdLoading | kCmdStale, CmdXGroupHelp, "5.0.0",
      "Show helpful text about the different subcommands");
}

}  // namespace sable

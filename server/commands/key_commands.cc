// Keyspace commands: deleting, testing, renaming, moving and copying keys, whole-database
// operations (SWAPDB, FLUSHDB, FLUSHALL, DBSIZE), iteration (SCAN, KEYS, RANDOMKEY) and OBJECT.
#include <cctype>
#include <climits>
#include <iterator>
#include <string>
#include <vector>

#include "server/commands/register.h"
#include "server/commands/scan_args.h"
#include "server/config/keyspace_events.h"
#include "server/core/context.h"
#include "server/core/op_status.h"
#include "server/core/server.h"
#include "server/persist/rdb_persistence.h"
#include "server/resp/errors.h"
#include "server/store/access_stamp.h"
#include "server/util/clock.h"
#include "server/util/glob.h"
#include "server/util/numbers.h"
#include "server/util/strings.h"

namespace sable {
namespace {

// Redis's getObjectTypeName(): what TYPE answers and what SCAN TYPE compares against.
std::string_view TypeName(ObjType t) {
  switch (t) {
    case ObjType::kString:
      return "string";
    case ObjType::kList:
      return "list";
    case ObjType::kSet:
      return "set";
    case ObjType::kZSet:
      return "zset";
    case ObjType::kHash:
      return "hash";
    case ObjType::kStream:
      return "stream";
  }
  return "unknown";
}

// A read lookup as Redis's lookupKeyRead*() does it: expired keys go away and the keyspace
// hit/miss counters of INFO stats move.
Entry* ReadLookup(Db& db, std::string_view key, bool touch) {
  Entry* e = db.Find(key, touch);
  if (e == nullptr) {
    ++Db::misses;
  } else {
    ++Db::hits;
  }
  return e;
}

// Redis's getIntFromObjectOrReply(): an int64 that also fits an int. `error` replaces the
// generic text when given (SWAPDB names which index was wrong).
bool ParseIntArg(CommandContext& ctx, std::string_view s, int* out,
                 std::string_view error = errors::kNotInteger) {
  int64_t v;
  if (!ParseInt64(s, &v) || v < INT_MIN || v > INT_MAX) {
    ctx.rb.SendError(error);
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

bool ValidDbIndex(CommandContext& ctx, int index) {
  return index >= 0 && index < ctx.server.db_count();
}

// ---- DEL / UNLINK / EXISTS / TYPE / TOUCH ---------------------------------------------------

// Deletes one key if it is live; an expired key is removed by the lookup (with its own
// "expired" event) and does not count, as in Redis.
bool OpDelete(Db& db, std::string_view key, bool lazy) {
  if (db.Find(key, false) == nullptr) return false;
  return db.Delete(key, lazy);
}

void DelGeneric(CommandContext& ctx, bool lazy) {
  Db& db = ctx.db();
  int64_t deleted = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    if (!OpDelete(db, ctx.arg(i), lazy)) continue;
    ctx.Notify(kNotifyGeneric, "del", ctx.arg(i));
    ++deleted;
  }
  if (deleted > 0) ctx.Propagate(deleted);
  ctx.rb.SendLong(deleted);
}

void CmdDel(CommandContext& ctx) { DelGeneric(ctx, ctx.server.cfg().lazyfree_lazy_user_del); }
void CmdUnlink(CommandContext& ctx) { DelGeneric(ctx, true); }

void CmdExists(CommandContext& ctx) {
  Db& db = ctx.db();
  int64_t n = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    if (ReadLookup(db, ctx.arg(i), false)) ++n;
  }
  ctx.rb.SendLong(n);
}

void CmdType(CommandContext& ctx) {
  Entry* e = ReadLookup(ctx.db(), ctx.arg(1), false);
  ctx.rb.SendSimple(e ? TypeName(e->type()) : "none");
}

void CmdTouch(CommandContext& ctx) {
  Db& db = ctx.db();
  int64_t n = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    if (ReadLookup(db, ctx.arg(i), true)) ++n;
  }
  ctx.rb.SendLong(n);
}

// ---- RENAME / RENAMENX / MOVE / COPY --------------------------------------------------------

enum class RenameResult { kRenamed, kSameKey, kTargetExists };

// Moves the value (and TTL) of `src` to `dst` in one db, replacing `dst` unless `nx`.
OpResult<RenameResult> OpRename(Db& db, std::string_view src, std::string_view dst, bool nx,
                                bool lazy_server_del) {
  if (db.Find(src) == nullptr) return OpStatus::kKeyNotFound;
  // Same name: nothing moves, but a missing key is still an error (checked above).
  if (src == dst) return RenameResult::kSameKey;
  if (db.Find(dst)) {
    if (nx) return RenameResult::kTargetExists;
    db.Delete(dst, lazy_server_del);
  }
  int64_t when;
  Entry* old = db.Detach(src, &when);
  // The value is handed over, not copied, so renaming a big collection stays O(1).
  Entry* fresh = Entry::Rekey(old, dst);
  Entry::FreeShell(old);
  db.Add(fresh);
  if (when != -1) db.SetExpire(fresh, when);
  return RenameResult::kRenamed;
}

void RenameGeneric(CommandContext& ctx, bool nx) {
  std::string_view src = ctx.arg(1), dst = ctx.arg(2);
  auto r = OpRename(ctx.db(), src, dst, nx, ctx.server.cfg().lazyfree_lazy_server_del);
  if (!r.ok()) {
    ctx.rb.SendError(errors::kNoSuchKey);
    return;
  }
  if (r.value() != RenameResult::kRenamed) {
    if (nx) {
      ctx.rb.SendLong(0);
    } else {
      ctx.rb.SendOk();
    }
    return;
  }
  ctx.Notify(kNotifyGeneric, "rename_from", src);
  ctx.Notify(kNotifyGeneric, "rename_to", dst);
  ctx.Propagate();
  if (nx) {
    ctx.rb.SendLong(1);
  } else {
    ctx.rb.SendOk();
  }
}

void CmdRename(CommandContext& ctx) { RenameGeneric(ctx, false); }
void CmdRenameNx(CommandContext& ctx) { RenameGeneric(ctx, true); }

// Moves a key with its TTL to another db; false when it is missing or the target has it.
bool OpMove(Db& src, Db& dst, std::string_view key) {
  if (src.Find(key) == nullptr) return false;
  if (dst.Find(key)) return false;
  int64_t when;
  Entry* e = src.Detach(key, &when);
  dst.Add(e);
  if (when != -1) dst.SetExpire(e, when);
  return true;
}

void CmdMove(CommandContext& ctx) {
  if (ctx.server.cfg().cluster_enabled) {
    ctx.rb.SendError("ERR MOVE is not allowed in cluster mode");
    return;
  }
  int dbid;
  if (!ParseIntArg(ctx, ctx.arg(2), &dbid)) return;
  if (!ValidDbIndex(ctx, dbid)) {
    ctx.rb.SendError(errors::kDbIndexOutOfRange);
    return;
  }
  int srcid = ctx.client->db_index;
  if (dbid == srcid) {
    ctx.rb.SendError(errors::kSameObject);
    return;
  }
  std::string_view key = ctx.arg(1);
  if (!OpMove(ctx.server.db(srcid), ctx.server.db(dbid), key)) {
    ctx.rb.SendLong(0);
    return;
  }
  ctx.server.Notify(kNotifyGeneric, "move_from", key, srcid);
  ctx.server.Notify(kNotifyGeneric, "move_to", key, dbid);
  ctx.Propagate();
  ctx.rb.SendLong(1);
}

// Copies `key` (value and TTL) to `newkey` in `dst`; false when the source is missing or the
// target exists without `replace`.
bool OpCopy(Db& src, Db& dst, std::string_view key, std::string_view newkey, bool replace,
            bool lazy_server_del) {
  Entry* e = ReadLookup(src, key, true);
  if (e == nullptr) return false;
  int64_t when = src.GetExpire(e);
  if (dst.Find(newkey)) {
    if (!replace) return false;
    dst.Delete(newkey, lazy_server_del);
  }
  Entry* copy = Entry::Clone(e, newkey);
  dst.Add(copy);
  if (when != -1) dst.SetExpire(copy, when);
  return true;
}

void CmdCopy(CommandContext& ctx) {
  int srcid = ctx.client->db_index;
  int dbid = srcid;
  bool replace = false;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    if (EqualsNoCase(ctx.arg(i), "replace")) {
      replace = true;
    } else if (EqualsNoCase(ctx.arg(i), "db") && i + 1 < ctx.argc()) {
      if (!ParseIntArg(ctx, ctx.arg(i + 1), &dbid)) return;
      if (!ValidDbIndex(ctx, dbid)) {
        ctx.rb.SendError(errors::kDbIndexOutOfRange);
        return;
      }
      ++i;
    } else {
      ctx.rb.SendError(errors::kSyntax);
      return;
    }
  }
  if (ctx.server.cfg().cluster_enabled && (srcid != 0 || dbid != 0)) {
    ctx.rb.SendError("ERR Copying to another database is not allowed in cluster mode");
    return;
  }
  std::string_view key = ctx.arg(1), newkey = ctx.arg(2);
  if (srcid == dbid && key == newkey) {
    ctx.rb.SendError(errors::kSameObject);
    return;
  }
  if (!OpCopy(ctx.server.db(srcid), ctx.server.db(dbid), key, newkey, replace,
              ctx.server.cfg().lazyfree_lazy_server_del)) {
    ctx.rb.SendLong(0);
    return;
  }
  ctx.server.Notify(kNotifyGeneric, "copy_to", newkey, dbid);
  ctx.Propagate();
  ctx.rb.SendLong(1);
}

// ---- SWAPDB / DBSIZE / FLUSHDB / FLUSHALL ---------------------------------------------------

void CmdSwapDb(CommandContext& ctx) {
  if (ctx.server.cfg().cluster_enabled) {
    ctx.rb.SendError("ERR SWAPDB is not allowed in cluster mode");
    return;
  }
  int id1, id2;
  if (!ParseIntArg(ctx, ctx.arg(1), &id1, "ERR invalid first DB index")) return;
  if (!ParseIntArg(ctx, ctx.arg(2), &id2, "ERR invalid second DB index")) return;
  if (!ValidDbIndex(ctx, id1) || !ValidDbIndex(ctx, id2)) {
    ctx.rb.SendError(errors::kDbIndexOutOfRange);
    return;
  }
  if (id1 != id2) ctx.server.db(id1).SwapWith(ctx.server.db(id2));
  // Redis counts (and so propagates) a swap of a db with itself too.
  ctx.Propagate();
  ctx.rb.SendOk();
}

void CmdDbSize(CommandContext& ctx) { ctx.rb.SendLong(static_cast<int64_t>(ctx.db().size())); }

// Redis's getFlushCommandFlags(): [ASYNC|SYNC], defaulting to lazyfree-lazy-user-flush.
bool ParseFlushMode(CommandContext& ctx, bool* lazy) {
  if (ctx.argc() > 2) {
    ctx.rb.SendError(errors::kSyntax);
    return false;
  }
  if (ctx.argc() == 1) {
    *lazy = ctx.server.cfg().lazyfree_lazy_user_flush;
    return true;
  }
  if (EqualsNoCase(ctx.arg(1), "sync")) {
    *lazy = false;
  } else if (EqualsNoCase(ctx.arg(1), "async")) {
    *lazy = true;
  } else {
    ctx.rb.SendError(errors::kSyntax);
    return false;
  }
  return true;
}

void CmdFlushDb(CommandContext& ctx) {
  bool lazy;
  if (!ParseFlushMode(ctx, &lazy)) return;
  size_t removed = ctx.db().Flush(lazy);
  // Redis forces propagation even when the db was already empty, so replicas and the AOF
  // always see the flush; a change count of at least one gets it propagated here.
  ctx.Propagate(removed > 0 ? static_cast<long long>(removed) : 1);
  ctx.rb.SendOk();
}

void CmdFlushAll(CommandContext& ctx) {
  bool lazy;
  if (!ParseFlushMode(ctx, &lazy)) return;
  size_t removed = 0;
  for (int i = 0; i < ctx.server.db_count(); ++i) removed += ctx.server.db(i).Flush(lazy);
  if (RdbPersistence* rdb = ctx.server.rdb()) rdb->AfterFlushAll();
  // Redis adds one on top of the removed keys, so even an empty FLUSHALL is propagated.
  ctx.Propagate(static_cast<long long>(removed) + 1);
  ctx.rb.SendOk();
}

// ---- SCAN / KEYS / RANDOMKEY ----------------------------------------------------------------

// One SCAN step: collects up to about `count` keys (visiting at most 10x as many buckets),
// then filters them by pattern, type and expiry. Returns the next cursor.
uint64_t OpScan(Db& db, uint64_t cursor, const ScanOptions& opts, std::vector<std::string>* out) {
  std::vector<std::string> found;
  int64_t max_iterations = opts.count * 10;
  auto collect = [&](Entry* e) { found.emplace_back(e->key()); };
  do {
    cursor = db.Scan(cursor, collect);
  } while (cursor != 0 && max_iterations-- > 0 &&
           found.size() < static_cast<uint64_t>(opts.count));
  for (std::string& key : found) {
    if (!opts.pattern.empty() && !GlobMatch(opts.pattern, key)) continue;
    if (opts.has_type) {
      // Redis looks the key up for its type, so an expired key reads as "none".
      Entry* e = ReadLookup(db, key, false);
      if (!EqualsNoCase(opts.type, e ? TypeName(e->type()) : "none")) continue;
    }
    if (db.Find(key, false) == nullptr) continue;  // expired: deleted now, not reported
    out->push_back(std::move(key));
  }
  return cursor;
}

void CmdScan(CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseScanCursor(ctx.arg(1), &cursor)) {
    ctx.rb.SendError("ERR invalid cursor");
    return;
  }
  ScanOptions opts;
  if (!ParseScanOptions(ctx, 2, ScanKind::kKeys, &opts)) return;
  std::vector<std::string> keys;
  cursor = OpScan(ctx.db(), cursor, opts, &keys);
  ctx.rb.StartArray(2);
  ctx.rb.SendBulk(std::to_string(cursor));
  ctx.rb.StartArray(keys.size());
  for (const std::string& k : keys) ctx.rb.SendBulk(k);
}

void CmdKeys(CommandContext& ctx) {
  std::string_view pattern = ctx.arg(1);
  bool all = pattern == "*";
  Db& db = ctx.db();
  // Expired keys are skipped but not deleted: the table must not change while it is walked.
  std::vector<std::string_view> keys;
  db.ForEach([&](Entry* e) {
    if ((all || GlobMatch(pattern, e->key())) && !db.Expired(e)) keys.push_back(e->key());
  });
  ctx.rb.StartArray(keys.size());
  for (std::string_view k : keys) ctx.rb.SendBulk(k);
}

void CmdRandomKey(CommandContext& ctx) {
  Entry* e = ctx.db().RandomKey();
  if (e == nullptr) {
    ctx.rb.SendNull();
  } else {
    ctx.rb.SendBulk(e->key());
  }
}

// ---- OBJECT ---------------------------------------------------------------------------------

// Redis's maxmemory policies come in families; OBJECT FREQ/IDLETIME only make sense in one.
bool LfuPolicy(const CommandContext& ctx) {
  MaxmemoryPolicy p = ctx.server.cfg().maxmemory_policy;
  return p == MaxmemoryPolicy::kAllkeysLfu || p == MaxmemoryPolicy::kVolatileLfu;
}

bool LruPolicy(const CommandContext& ctx) {
  MaxmemoryPolicy p = ctx.server.cfg().maxmemory_policy;
  return p == MaxmemoryPolicy::kAllkeysLru || p == MaxmemoryPolicy::kVolatileLru;
}

// OBJECT's lookup: no LRU touch, but expiry and hit/miss counting as for any read; a missing
// key answers a null.
Entry* ObjectLookup(CommandContext& ctx) {
  Entry* e = ReadLookup(ctx.db(), ctx.arg(2), false);
  if (e == nullptr) ctx.rb.SendNull();
  return e;
}

void CmdObjectEncoding(CommandContext& ctx) {
  if (Entry* e = ObjectLookup(ctx)) ctx.rb.SendBulk(e->EncodingName());
}

// Redis keeps the integers 0..9999 as shared objects (unless an LRU/LFU policy needs per-key
// access data) and reports INT_MAX for them; everything else here has one reference.
constexpr int64_t kSharedIntegers = 10000;

void CmdObjectRefcount(CommandContext& ctx) {
  Entry* e = ObjectLookup(ctx);
  if (e == nullptr) return;
  bool shared = e->IsInt() && e->IntValue() >= 0 && e->IntValue() < kSharedIntegers &&
                (ctx.server.cfg().maxmemory == 0 || !(LfuPolicy(ctx) || LruPolicy(ctx)));
  ctx.rb.SendLong(shared ? INT_MAX : 1);
}

void CmdObjectIdletime(CommandContext& ctx) {
  Entry* e = ObjectLookup(ctx);
  if (e == nullptr) return;
  if (LfuPolicy(ctx)) {
    ctx.rb.SendError(
        "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
        "switching between policies at runtime LRU and LFU data will take some time to adjust.");
    return;
  }
  ctx.rb.SendLong(static_cast<int64_t>(LruIdleSeconds(e->lru())));
}

void CmdObjectFreq(CommandContext& ctx) {
  Entry* e = ObjectLookup(ctx);
  if (e == nullptr) return;
  if (!LfuPolicy(ctx)) {
    ctx.rb.SendError(
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
        "that when switching between policies at runtime LRU and LFU data will take some time "
        "to adjust.");
    return;
  }
  ctx.rb.SendLong(access::LfuCounter(e->lru()));
}

void CmdObjectHelp(CommandContext& ctx) {
  static const char* kLines[] = {
      "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ENCODING <key>",
      "    Return the kind of internal representation used in order to store the value",
      "    associated with a <key>.",
      "FREQ <key>",
      "    Return the access frequency index of the <key>. The returned integer is",
      "    proportional to the logarithm of the recent access frequency of the key.",
      "IDLETIME <key>",
      "    Return the idle time of the <key>, that is the approximated number of",
      "    seconds elapsed since the last access to the key.",
      "REFCOUNT <key>",
      "    Return the number of references of the value associated with the specified",
      "    <key>.",
      "HELP",
      "    Prints this help.",
  };
  ctx.rb.SendSimpleLines(kLines);
}

// Only reached for a bare OBJECT: subcommands are dispatched directly.
void CmdObject(CommandContext& ctx) { ctx.ReplyWrongArity(); }

}  // namespace

void RegisterKeyCommands(CommandRegistry& r) {
  constexpr uint32_t kRead = kAclKeyspace | kAclRead;
  constexpr uint32_t kWrite = kAclKeyspace | kAclWrite;
  auto add = [&](const char* name, int arity, uint32_t flags, uint32_t acl, int first, int last,
                 int step, CommandHandler h, const char* since, const char* summary) {
    CommandSpec& s = r.Add(MakeCommand(name, arity, flags, acl, first, last, step, h, "generic",
                                       summary));
    s.since = since;
  };
  add("del", -2, kCmdWrite, kWrite | kAclSlow, 1, -1, 1, CmdDel, "1.0.0", "Delete a key");
  add("unlink", -2, kCmdWrite | kCmdFast, kWrite | kAclFast, 1, -1, 1, CmdUnlink, "4.0.0",
      "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non "
      "blocking.");
  add("exists", -2, kCmdReadOnly | kCmdFast, kRead | kAclFast, 1, -1, 1, CmdExists, "1.0.0",
      "Determine if a key exists");
  add("type", 2, kCmdReadOnly | kCmdFast, kRead | kAclFast, 1, 1, 1, CmdType, "1.0.0",
      "Determine the type stored at key");
  add("touch", -2, kCmdReadOnly | kCmdFast, kRead | kAclFast, 1, -1, 1, CmdTouch, "3.2.1",
      "Alters the last access time of a key(s). Returns the number of existing keys specified.");
  add("rename", 3, kCmdWrite, kWrite | kAclSlow, 1, 2, 1, CmdRename, "1.0.0", "Rename a key");
  add("renamenx", 3, kCmdWrite | kCmdFast, kWrite | kAclFast, 1, 2, 1, CmdRenameNx, "1.0.0",
      "Rename a key, only if the new key does not exist");
  add("move", 3, kCmdWrite | kCmdFast, kWrite | kAclFast, 1, 1, 1, CmdMove, "1.0.0",
      "Move a key to another database");
  add("copy", -3, kCmdWrite | kCmdDenyOom, kWrite | kAclSlow, 1, 2, 1, CmdCopy, "6.2.0",
      "Copy a key");
  add("swapdb", 3, kCmdWrite | kCmdFast, kWrite | kAclFast | kAclDangerous, 0, 0, 0, CmdSwapDb,
      "4.0.0", "Swaps two Redis databases");
  add("dbsize", 1, kCmdReadOnly | kCmdFast, kRead | kAclFast, 0, 0, 0, CmdDbSize, "1.0.0",
      "Return the number of keys in the selected database");
  add("flushdb", -1, kCmdWrite, kWrite | kAclSlow | kAclDangerous, 0, 0, 0, CmdFlushDb, "1.0.0",
      "Remove all keys from the current database");
  add("flushall", -1, kCmdWrite, kWrite | kAclSlow | kAclDangerous, 0, 0, 0, CmdFlushAll,
      "1.0.0", "Remove all keys from all databases");
  // Redis files the whole-database commands under "server" in COMMAND DOCS.
  for (const char* name : {"dbsize", "flushdb", "flushall", "swapdb"}) {
    r.all().find(name)->second->group = "server";
  }
  add("scan", -2, kCmdReadOnly, kRead | kAclSlow, 0, 0, 0, CmdScan, "2.8.0",
      "Incrementally iterate the keys space");
  add("keys", 2, kCmdReadOnly, kRead | kAclSlow | kAclDangerous, 0, 0, 0, CmdKeys, "1.0.0",
      "Find all keys matching the given pattern");
  add("randomkey", 1, kCmdReadOnly, kRead | kAclSlow, 0, 0, 0, CmdRandomKey, "1.0.0",
      "Return a random key from the keyspace");

  add("object", -2, 0, kAclSlow, 0, 0, 0, CmdObject, "2.2.3",
      "A container for object introspection commands");
  auto sub = [&](const char* name, int arity, uint32_t flags, uint32_t acl, int first,
                 CommandHandler h, const char* since, const char* summary) {
    CommandSpec& s = r.AddSub("object", MakeCommand(name, arity, flags, acl, first, first,
                                                    first ? 1 : 0, h, "generic", summary));
    s.since = since;
  };
  sub("encoding", 3, kCmdReadOnly, kRead | kAclSlow, 2, CmdObjectEncoding, "2.2.3",
      "Inspect the internal encoding of a Redis object");
  sub("freq", 3, kCmdReadOnly, kRead | kAclSlow, 2, CmdObjectFreq, "4.0.0",
      "Get the logarithmic access frequency counter of a Redis object");
  sub("idletime", 3, kCmdReadOnly, kRead | kAclSlow, 2, CmdObjectIdletime, "2.2.3",
      "Get the time since a Redis object was last accessed");
  sub("refcount", 3, kCmdReadOnly, kRead | kAclSlow, 2, CmdObjectRefcount, "2.2.3",
      "Get the number of references to the value of the key");
  sub("help", 2, kCmdLoading | kCmdStale, kAclKeyspace | kAclSlow, 0, CmdObjectHelp, "6.2.0",
      "Show helpful text about the different subcommands");
}

}  // namespace sable

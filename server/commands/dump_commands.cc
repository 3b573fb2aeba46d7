// DUMP and RESTORE: a key's value in Redis's DUMP format (RDB value + RDB version + CRC64), the
// format MIGRATE also moves between nodes.
#include <cstdint>
#include <string>
#include <vector>

#include "server/commands/register.h"
#include "server/config/keyspace_events.h"
#include "server/core/context.h"
#include "server/core/server.h"
#include "server/persist/rdb_reader.h"
#include "server/persist/rdb_writer.h"
#include "server/resp/errors.h"
#include "server/store/access_stamp.h"
#include "server/util/clock.h"
#include "server/util/numbers.h"
#include "server/util/strings.h"

namespace sable {
namespace {

void CmdDump(CommandContext& ctx) {
  Entry* e = ctx.db().Find(ctx.arg(1));
  if (e == nullptr) {
    ctx.rb.SendNull();
    return;
  }
  std::string payload, err;
  if (!DumpPayload(*e, ctx.server.cfg().rdbcompression, &payload, &err)) {
    ctx.rb.SendError("ERR " + err);
    return;
  }
  ctx.rb.SendBulk(payload);
}

struct RestoreArgs {
  bool replace = false;
  bool absttl = false;
  int64_t idle_s = -1;
  int64_t freq = -1;
};

// Parses the options after the payload; false after replying with the error.
bool ParseRestoreArgs(CommandContext& ctx, RestoreArgs* a) {
  for (size_t j = 4; j < ctx.argc(); ++j) {
    std::string_view opt = ctx.arg(j);
    bool has_value = j + 1 < ctx.argc();
    if (EqualsNoCase(opt, "replace")) {
      a->replace = true;
    } else if (EqualsNoCase(opt, "absttl")) {
      a->absttl = true;
    } else if (EqualsNoCase(opt, "idletime") && has_value && a->freq == -1) {
      if (!ParseInt64(ctx.arg(j + 1), &a->idle_s)) {
        ctx.rb.SendError(errors::kNotInteger);
        return false;
      }
      if (a->idle_s < 0) {
        ctx.rb.SendError("ERR Invalid IDLETIME value, must be >= 0");
        return false;
      }
      ++j;
    } else if (EqualsNoCase(opt, "freq") && has_value && a->idle_s == -1) {
      if (!ParseInt64(ctx.arg(j + 1), &a->freq)) {
        ctx.rb.SendError(errors::kNotInteger);
        return false;
      }
      if (a->freq < 0 || a->freq > 255) {
        ctx.rb.SendError("ERR Invalid FREQ value, must be >= 0 and <= 255");
        return false;
      }
      ++j;
    } else {
      ctx.rb.SendError(errors::kSyntax);
      return false;
    }
  }
  return true;
}

// RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency], with Redis
// 7.0's checks in its order and its propagation: a relative TTL goes downstream as ABSTTL, and a
// value restored already expired goes as the DEL of the key it replaced (or not at all).
void CmdRestore(CommandContext& ctx) {
  RestoreArgs a;
  if (!ParseRestoreArgs(ctx, &a)) return;
  std::string_view key = ctx.arg(1);
  Db& db = ctx.db();
  if (!a.replace && db.Find(key) != nullptr) {
    ctx.rb.SendError(errors::kBusyKey);
    return;
  }
  int64_t ttl;
  if (!ParseInt64(ctx.arg(2), &ttl)) {
    ctx.rb.SendError(errors::kNotInteger);
    return;
  }
  if (ttl < 0) {
    ctx.rb.SendError("ERR Invalid TTL value, must be >= 0");
    return;
  }
  std::string_view payload = ctx.arg(3);
  if (!VerifyDumpPayload(payload)) {
    ctx.rb.SendError("ERR DUMP payload version or checksum are wrong");
    return;
  }
  RdbLoadEnv env;
  env.config = &ctx.server.cfg();
  // "clients" means every client here: there is no master link yet whose payloads are trusted.
  env.deep_sanitize = ctx.server.cfg().sanitize_dump_payload != SanitizeDumpPayload::kNo;
  std::string err;
  Entry* e = DecodeDumpPayload(key, payload, env, &err);
  if (e == nullptr) {
    ctx.rb.SendError("ERR " + err);
    return;
  }
  bool deleted = a.replace && db.Delete(key, ctx.server.cfg().lazyfree_lazy_server_del);
  int64_t now = CachedMs();
  if (ttl > 0 && !a.absttl) ttl = ttl > INT64_MAX - now ? INT64_MAX : ttl + now;
  // Redis's checkAlreadyExpired(): never while loading, and a replica keeps what its master sent.
  bool expired = ttl > 0 && ttl <= now && !ctx.server.loading() &&
                 ctx.server.cfg().replicaof_host.empty();
  if (expired) {
    Entry::Free(e);
    if (deleted) {
      ctx.Notify(kNotifyGeneric, "del", key);
      ctx.PropagateAs({"DEL", std::string(key)});
    }
    ctx.rb.SendOk();
    return;
  }
  db.Add(e);
  if (ttl > 0) db.SetExpire(e, ttl);
  // IDLETIME sets an LRU stamp, FREQ an LFU counter: each only under its kind of policy.
  if (a.freq >= 0 && access::lfu()) e->set_lru(access::WithCounter(static_cast<uint8_t>(a.freq)));
  if (a.idle_s >= 0 && !access::lfu()) {
    int64_t clock = LruClock();
    int64_t abs = clock - a.idle_s;
    if (abs < 0) abs += kLruClockMax;
    e->set_lru(static_cast<uint32_t>(abs));
  }
  ctx.Notify(kNotifyGeneric, "restore", key);
  ctx.rb.SendOk();
  if (ttl > 0 && !a.absttl) {
    std::vector<std::string> argv(ctx.args.begin(), ctx.args.end());
    argv[2] = std::to_string(ttl);
    argv.emplace_back("ABSTTL");
    ctx.PropagateAs(std::move(argv));
  } else {
    ctx.Propagate();
  }
}

}  // namespace

void RegisterDumpCommands(CommandRegistry& r) {
  CommandSpec& dump =
      r.Add(MakeCommand("dump", 2, kCmdReadOnly, kAclKeyspace | kAclRead | kAclSlow, 1, 1, 1,
                        CmdDump, "generic",
                        "Returns a serialized representation of the value stored at a key."));
  dump.since = "2.6.0";
  const uint32_t kAcl = kAclKeyspace | kAclWrite | kAclSlow | kAclDangerous;
  CommandSpec& restore = r.Add(MakeCommand("restore", -4, kCmdWrite | kCmdDenyOom, kAcl, 1, 1, 1,
                                           CmdRestore, "generic",
                                           "Creates a key from the serialized representation of "
                                           "a value."));
  restore.since = "2.6.0";
  // What MIGRATE sends to the target node: RESTORE that a cluster node accepts for a slot it is
  // importing.
  CommandSpec& asking = r.Add(MakeCommand("restore-asking", -4, kCmdWrite | kCmdDenyOom, kAcl, 1,
                                          1, 1, CmdRestore, "server",
                                          "An internal command for migrating keys in a cluster."));
  asking.since = "3.0.0";
}

}  // namespace sable

// DEBUG: the subset tests and tools use (SLEEP, SET-ACTIVE-EXPIRE, OBJECT, PROTOCOL, LOG, RELOAD,
// DIGEST, DIGEST-VALUE), gated by enable-debug-command exactly as Redis 7.0 gates it.
#include <arpa/inet.h>

#include <array>
#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <spdlog/spdlog.h>

#include "server/commands/register.h"
#include "server/core/context.h"
#include "server/core/server.h"
#include "server/persist/rdb_persistence.h"
#include "server/persist/rdb_writer.h"
#include "server/resp/errors.h"
#include "server/store/hash_object.h"
#include "server/store/list_object.h"
#include "server/store/set_object.h"
#include "server/store/stream_object.h"
#include "server/store/zset_object.h"
#include "server/util/clock.h"
#include "server/util/numbers.h"
#include "server/util/sha1.h"
#include "server/util/strings.h"

namespace sable {
namespace {

// enable-debug-command: no refuses everyone, local only loopback/unix clients, yes everyone.
bool DebugAllowed(CommandContext& ctx) {
  ProtectedAction p = ctx.server.cfg().enable_debug_command;
  if (p == ProtectedAction::kYes) return true;
  if (p == ProtectedAction::kNo) return false;
  net::Connection* conn = ctx.client->conn();
  return conn == nullptr || conn->IsLocal();
}

void DebugHelp(CommandContext& ctx) {
  static const char* const kLines[] = {
      "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "LOG <message>",
      "    Write <message> to the server log.",
      "OBJECT <key>",
      "    Show low level info about the `key` and associated value.",
      "DIGEST",
      "    Output a hex signature representing the current DB content.",
      "DIGEST-VALUE <key> [<key> ...]",
      "    Output a hex signature of the values of all the specified keys.",
      "PROTOCOL <type>",
      "    Reply with a test value of the specified type. <type> can be: string,",
      "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
      "    true, false.",
      "RELOAD [option ...]",
      "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
      "    * NOSAVE: the database will be loaded from an existing RDB file.",
      "    Examples:",
      "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
      "      the database.",
      "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
      "      existing RDB file.",
      "SET-ACTIVE-EXPIRE <0|1>",
      "    Setting it to 0 disables expiring keys in background when they are not",
      "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
      "    default.",
      "SLEEP <seconds>",
      "    Stop the server for <seconds>. Decimals allowed.",
      "HELP",
      "    Print this help.",
  };
  ctx.rb.SendSimpleLines(kLines);
}

void DebugObject(CommandContext& ctx) {
  Entry* e = ctx.db().Find(ctx.arg(2), false);
  if (e == nullptr) {
    ctx.rb.SendError("ERR no such key");
    return;
  }
  // Redis's rdbSavedObjectLen(): the value's RDB encoding without the type byte (the DUMP
  // payload less its type byte and 10-byte footer).
  std::string payload, err;
  size_t serialized = 0;
  if (DumpPayload(*e, ctx.server.cfg().rdbcompression, &payload, &err)) {
    serialized = payload.size() - 11;
  }
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "Value at:%p refcount:1 encoding:%.*s serializedlength:%zu lru:%u "
                "lru_seconds_idle:%" PRIu64,
                static_cast<const void*>(e), static_cast<int>(e->EncodingName().size()),
                e->EncodingName().data(), serialized, e->lru(),
                static_cast<uint64_t>(LruIdleSeconds(e->lru())));
  std::string line = buf;
  if (e->type() == ObjType::kList) {
    // Redis 7.0's quicklist fields.
    const auto* l = e->As<ListObject>();
    size_t nodes = l->node_count();
    std::snprintf(buf, sizeof(buf),
                  " ql_nodes:%zu ql_avg_node:%.2f ql_listpack_max:%d ql_compressed:%d "
                  "ql_uncompressed_size:%zu",
                  nodes, nodes ? static_cast<double>(l->size()) / nodes : 0.0, l->fill(),
                  l->compress_depth() != 0 ? 1 : 0, l->raw_bytes());
    line += buf;
  }
  ctx.rb.SendSimple(line);
}

void DebugProtocol(CommandContext& ctx) {
  std::string_view t = ctx.arg(2);
  ReplyBuilder& rb = ctx.rb;
  if (EqualsNoCase(t, "string")) {
    rb.SendBulk("Hello World");
  } else if (EqualsNoCase(t, "integer")) {
    rb.SendLong(12345);
  } else if (EqualsNoCase(t, "double")) {
    rb.SendDouble(3.141);
  } else if (EqualsNoCase(t, "bignum")) {
    rb.SendBigNumber("1234567999999999999999999999999999999");
  } else if (EqualsNoCase(t, "null")) {
    rb.SendNull();
  } else if (EqualsNoCase(t, "array")) {
    rb.StartArray(3);
    for (int i = 0; i < 3; ++i) rb.SendLong(i);
  } else if (EqualsNoCase(t, "set")) {
    rb.StartSet(3);
    for (int i = 0; i < 3; ++i) rb.SendLong(i);
  } else if (EqualsNoCase(t, "map")) {
    rb.StartMap(3);
    for (int i = 0; i < 3; ++i) {
      rb.SendLong(i);
      rb.SendBool(i == 1);
    }
  } else if (EqualsNoCase(t, "attrib")) {
    if (rb.resp3()) rb.SendRaw("|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n");
    rb.SendBulk("Some real reply following the attribute");
  } else if (EqualsNoCase(t, "push")) {
    if (!rb.resp3()) {
      rb.SendError("ERR RESP2 is not supported by this command");
      return;
    }
    rb.StartPush(2);
    rb.SendBulk("server-cpu-usage");
    rb.SendLong(42);
    rb.SendBulk("Some real reply following the push reply");
  } else if (EqualsNoCase(t, "true")) {
    rb.SendBool(true);
  } else if (EqualsNoCase(t, "false")) {
    rb.SendBool(false);
  } else if (EqualsNoCase(t, "verbatim")) {
    rb.SendVerbatim("txt", "This is a verbatim\nstring");
  } else {
    rb.SendError("ERR Wrong protocol type name. Please use one of the following: "
                 "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|"
                 "true|false");
  }
}

// Redis's DEBUG DIGEST building blocks (debug.c): xor a SHA1 into a digest, or mix data in so the
// order of mixing matters.
using Digest = std::array<uint8_t, 20>;

void XorDigest(Digest& digest, const void* p, size_t n) {
  Sha1 sha;
  sha.Update(p, n);
  Digest h = sha.Final();
  for (int i = 0; i < 20; ++i) digest[i] ^= h[i];
}

void MixDigest(Digest& digest, const void* p, size_t n) {
  XorDigest(digest, p, n);
  Sha1 sha;
  sha.Update(digest.data(), digest.size());
  digest = sha.Final();
}

// Redis's xorObjectDigest(): the type, the value, and whether there is a TTL. Strings match
// Redis byte for byte; types without their own rule yet mix their RDB encoding.
void MixValue(Db& db, const Entry* e, Digest& digest) {
  uint32_t type = htonl(static_cast<uint32_t>(e->type()));
  MixDigest(digest, &type, sizeof(type));
  if (e->type() == ObjType::kString) {
    char buf[32];
    std::string_view v = e->StringValue(buf);
    MixDigest(digest, v.data(), v.size());
  } else if (e->type() == ObjType::kHash) {
    // Per field: mix field then value into a fresh digest, XOR it in, so order never matters.
    // A field with a TTL adds a marker (Redis 7.4), not the time, so digests stay comparable.
    e->As<HashObject>()->ForEachWithTtl([&](std::string_view f, std::string_view v, int64_t when) {
      Digest d{};
      MixDigest(d, f.data(), f.size());
      MixDigest(d, v.data(), v.size());
      if (when != kNoFieldTtl) XorDigest(d, "!!hexpire!!", 11);
      XorDigest(digest, d.data(), d.size());
    });
  } else if (e->type() == ObjType::kList) {
    // Each element in order into the key's digest: order matters for a list.
    e->As<ListObject>()->ForEach([&](std::string_view v) { MixDigest(digest, v.data(), v.size()); });
  } else if (e->type() == ObjType::kSet) {
    // Each member XORed straight into the key's digest: order never matters.
    e->As<SetObject>()->ForEach(
        [&](std::string_view m) { XorDigest(digest, m.data(), m.size()); });
  } else if (e->type() == ObjType::kZSet) {
    // Per element: member then its "%.17g" score into a fresh digest, XORed in (any order).
    char buf[kDoubleBufSize];
    e->As<ZSetObject>()->ForEach([&](std::string_view m, double s) {
      Digest d{};
      MixDigest(d, m.data(), m.size());
      MixDigest(d, buf, FormatDouble(s, buf));
      XorDigest(digest, d.data(), d.size());
    });
  } else if (e->type() == ObjType::kStream) {
    // Each entry in order: "ms.seq", then its fields and values (groups do not count).
    e->As<StreamObject>()->Range({}, StreamId::Max(), false,
                                 [&](StreamId id, const StreamFields& fv) {
      std::string item = std::to_string(id.ms) + "." + std::to_string(id.seq);
      MixDigest(digest, item.data(), item.size());
      for (std::string_view s : fv) MixDigest(digest, s.data(), s.size());
      return true;
    });
  } else {
    std::string payload, err;
    if (DumpPayload(*e, false, &payload, &err)) MixDigest(digest, payload.data(), payload.size());
  }
  if (db.GetExpire(e) != -1) XorDigest(digest, "!!expire!!", 10);
}

std::string HexDigest(const Digest& d) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : d) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

void DebugDigest(CommandContext& ctx) {
  Digest final{};
  for (int j = 0; j < ctx.server.db_count(); ++j) {
    Db& db = ctx.server.db(j);
    if (db.size() == 0) continue;
    uint32_t aux = htonl(static_cast<uint32_t>(j));
    MixDigest(final, &aux, sizeof(aux));
    db.ForEach([&](Entry* e) {
      Digest d{};
      std::string_view key = e->key();
      MixDigest(d, key.data(), key.size());
      MixValue(db, e, d);
      XorDigest(final, d.data(), d.size());
    });
  }
  ctx.rb.SendSimple(HexDigest(final));
}

void DebugDigestValue(CommandContext& ctx) {
  ctx.rb.StartArray(ctx.argc() - 2);
  for (size_t j = 2; j < ctx.argc(); ++j) {
    Digest d{};
    // Logically expired keys count too: Peek, not Find.
    Entry* e = ctx.db().Peek(ctx.arg(j));
    if (e != nullptr) MixValue(ctx.db(), e, d);
    ctx.rb.SendSimple(HexDigest(d));
  }
}

// DEBUG RELOAD [NOSAVE]: save, then replace the dataset with what the file holds.
void DebugReload(CommandContext& ctx) {
  bool save = true;
  for (size_t j = 2; j < ctx.argc(); ++j) {
    std::string_view opt = ctx.arg(j);
    if (EqualsNoCase(opt, "nosave")) {
      save = false;
    } else if (EqualsNoCase(opt, "merge") || EqualsNoCase(opt, "noflush")) {
      // The load replaces the dataset whole (fresh databases swapped in), so there is no merging.
      ctx.rb.SendError("ERR DEBUG RELOAD MERGE and NOFLUSH are not supported");
      return;
    } else {
      ctx.rb.SendError("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
      return;
    }
  }
  RdbPersistence* rdb = ctx.server.rdb();
  if (rdb == nullptr) {
    ctx.rb.SendError("ERR");
    return;
  }
  std::string err;
  if (save && !rdb->Save(&err)) {
    ctx.rb.SendError("ERR");
    return;
  }
  if (!rdb->Reload(&err)) {
    ctx.rb.SendError("ERR Error trying to load the RDB dump, check server logs.");
    return;
  }
  ctx.rb.SendOk();
}

void CmdDebug(CommandContext& ctx) {
  if (!DebugAllowed(ctx)) {
    ctx.rb.SendError(
        "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", "
        "you can run it from a local connection, otherwise you need to set this option in the "
        "configuration file, and then restart the server.");
    return;
  }
  std::string_view sub = ctx.arg(1);
  size_t argc = ctx.argc();
  if (EqualsNoCase(sub, "help") && argc == 2) {
    DebugHelp(ctx);
  } else if (EqualsNoCase(sub, "sleep") && argc == 3) {
    std::string s(ctx.arg(2));
    char* end = nullptr;
    double secs = std::strtod(s.c_str(), &end);
    if (secs > 0) ctx.server.SleepMs(static_cast<int64_t>(secs * 1000));
    ctx.rb.SendOk();
  } else if (EqualsNoCase(sub, "set-active-expire") && argc == 3) {
    ctx.server.set_active_expire(std::atoi(std::string(ctx.arg(2)).c_str()) != 0);
    ctx.rb.SendOk();
  } else if (EqualsNoCase(sub, "object") && argc == 3) {
    DebugObject(ctx);
  } else if (EqualsNoCase(sub, "protocol") && argc == 3) {
    DebugProtocol(ctx);
  } else if (EqualsNoCase(sub, "reload")) {
    DebugReload(ctx);
  } else if (EqualsNoCase(sub, "digest") && argc == 2) {
    DebugDigest(ctx);
  } else if (EqualsNoCase(sub, "digest-value") && argc >= 2) {
    DebugDigestValue(ctx);
  } else if (EqualsNoCase(sub, "log") && argc == 3) {
    spdlog::warn("DEBUG LOG: {}", ctx.arg(2));
    ctx.rb.SendOk();
  } else {
    ctx.rb.SendError("ERR unknown subcommand '" + std::string(sub) + "'. Try DEBUG HELP.");
  }
}

}  // namespace

void RegisterDebugCommands(CommandRegistry& r) {
  CommandSpec& s = r.Add(MakeCommand("debug", -2,
                                     kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale,
                                     kAclAdmin | kAclSlow | kAclDangerous, 0, 0, 0, CmdDebug,
                                     "server", "A container for debugging commands"));
  s.since = "1.0.0";
}

}  // namespace sable

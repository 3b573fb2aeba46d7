#include "server/core/server.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "server/persist/aof_format.h"
#include "server/persist/aof_rewrite.h"
#include "server/persist/rdb_format.h"
#include "server/persist/rdb_writer.h"
#include "server/scripting/function_store.h"
#include "server/store/hash_object.h"
#include "server/store/list_object.h"
#include "server/store/set_object.h"
#include "server/store/stream_object.h"
#include "server/store/zset_object.h"
#include "server/util/numbers.h"

namespace sable {
namespace {

// Redis's REDIS_AUTOSYNC_BYTES.
constexpr size_t kAutoSyncBytes = 4 * 1024 * 1024;
// Encoded commands are handed to the sink in chunks of about this size.
constexpr size_t kChunk = 64 * 1024;

// Redis's rewriteAppendOnlyFileRio() batch size: at most this many elements per command.
constexpr size_t kItemsPerCommand = 64;

// A stream as Redis's rewriteStreamObject() emits it: one XADD per entry (or the XADD MAXLEN 0
// trick for an empty stream), XSETID with the counters, then per group XGROUP CREATE with its
// read counter, an XCLAIM ... JUSTID FORCE per pending entry and XGROUP CREATECONSUMER for
// consumers that hold none.
void AppendStreamCommands(std::string_view key, const StreamObject& s, std::string* out) {
  std::vector<std::string_view> argv;
  if (s.size() != 0) {
    s.Range({}, StreamId::Max(), false, [&](StreamId id, const StreamFields& fv) {
      std::string ids = id.ToString();
      argv = {"XADD", key, ids};
      argv.insert(argv.end(), fv.begin(), fv.end());
      AppendRespCommand(out, argv);
      return true;
    });
  } else {
    AppendRespCommand(out, {"XADD", key, "MAXLEN", "0", "0-1", "x", "y"});
  }
  std::string last = s.last_id().ToString(), added = std::to_string(s.entries_added()),
              maxdel = s.max_deleted_id().ToString();
  AppendRespCommand(out, {"XSETID", key, last, "ENTRIESADDED", added, "MAXDELETEDID", maxdel});
  for (const auto& [name, g] : s.groups()) {
    std::string glast = g->last_id.ToString(), read = std::to_string(g->entries_read);
    AppendRespCommand(out, {"XGROUP", "CREATE", key, name, glast, "ENTRIESREAD", read});
    for (const auto& [cname, c] : g->consumers) {
      if (c->pel.empty()) {
        AppendRespCommand(out, {"XGROUP", "CREATECONSUMER", key, name, cname});
        continue;
      }
      for (StreamId id : c->pel) {
        const StreamNack& nack = g->pel.at(id);
        std::string ids = id.ToString(), when = std::to_string(nack.delivery_time),
                    count = std::to_string(nack.delivery_count);
        AppendRespCommand(out, {"XCLAIM", key, name, cname, "0", ids, "TIME", when,
                                "RETRYCOUNT", count, "JUSTID", "FORCE"});
      }
    }
  }
}

// The commands that rebuild one value; false for a type without a command form.
bool AppendValueCommands(const Entry& e, std::string* out, std::vector<std::string_view>* argv) {
  switch (e.type()) {
    case ObjType::kString: {
      char buf[24];
      *argv = {"SET", e.key(), e.StringValue(buf)};
      AppendRespCommand(out, *argv);
      return true;
    }
    case ObjType::kHash: {
      argv->clear();
      auto flush = [&] {
        AppendRespCommand(out, *argv);
        argv->clear();
      };
      e.As<HashObject>()->ForEach([&](std::string_view f, std::string_view v) {
        if (argv->empty()) *argv = {"HSET", e.key()};
        argv->push_back(f);
        argv->push_back(v);
        if (argv->size() == 2 + 2 * kItemsPerCommand) flush();
      });
      if (!argv->empty()) flush();
      // Field TTLs after the values, one HPEXPIREAT per field, as Redis 7.4's rewrite.
      std::string ms;
      e.As<HashObject>()->ForEachWithTtl([&](std::string_view f, std::string_view, int64_t when) {
        if (when == kNoFieldTtl) return;
        ms = std::to_string(when);
        *argv = {"HPEXPIREAT", e.key(), ms, "FIELDS", "1", f};
        flush();
      });
      return true;
    }
    case ObjType::kList: {
      argv->clear();
      e.As<ListObject>()->ForEach([&](std::string_view v) {
        if (argv->empty()) *argv = {"RPUSH", e.key()};
        argv->push_back(v);
        if (argv->size() == 2 + kItemsPerCommand) {
          AppendRespCommand(out, *argv);
          argv->clear();
        }
      });
      if (!argv->empty()) AppendRespCommand(out, *argv);
      return true;
    }
    case ObjType::kSet: {
      argv->clear();
      std::vector<std::string> ints;  // intset members formatted, one batch at a time
      ints.reserve(kItemsPerCommand);
      e.As<SetObject>()->ForEach([&](std::string_view m) {
        if (argv->empty()) *argv = {"SADD", e.key()};
        ints.emplace_back(m);
        argv->push_back(ints.back());
        if (argv->size() == 2 + kItemsPerCommand) {
          AppendRespCommand(out, *argv);
          argv->clear();
          ints.clear();
        }
      });
      if (!argv->empty()) AppendRespCommand(out, *argv);
      return true;
    }
    case ObjType::kZSet: {
      argv->clear();
      std::vector<std::string> scores;  // the texts argv points into, one batch at a time
      scores.reserve(kItemsPerCommand);
      char buf[kDoubleBufSize];
      e.As<ZSetObject>()->ForEach([&](std::string_view m, double s) {
        if (argv->empty()) *argv = {"ZADD", e.key()};
        scores.emplace_back(buf, FormatDouble(s, buf));
        argv->push_back(scores.back());
        argv->push_back(m);
        if (argv->size() == 2 + 2 * kItemsPerCommand) {
          AppendRespCommand(out, *argv);
          argv->clear();
          scores.clear();
        }
      });
      if (!argv->empty()) AppendRespCommand(out, *argv);
      return true;
    }
    case ObjType::kStream:
      AppendStreamCommands(e.key(), *e.As<StreamObject>(), out);
      return true;
    default:
      return false;
  }
}

}  // namespace

bool WriteAofCommands(Server& server, RdbSink& sink, const AofBaseOptions& opts, std::string* err) {
  std::string out;
  if (opts.timestamp) AppendTimestampAnnotation(&out, static_cast<int64_t>(std::time(nullptr)));
  bool ok = true;
  std::vector<std::string_view> argv;
  // The libraries first, as Redis's rewriteFunctions writes them.
  for (const auto& [name, lib] : server.functions().libraries()) {
    argv = {"FUNCTION", "LOAD", lib.code};
    AppendRespCommand(&out, argv);
  }
  char num[24];
  for (int i = 0; i < server.db_count() && ok; ++i) {
    Db& db = server.db(i);
    if (db.size() == 0) continue;
    AppendSelect(&out, i);
    db.ForEach([&](Entry* e) {
      if (!ok) return;
      if (!AppendValueCommands(*e, &out, &argv)) {
        *err = "Unknown object type for key '" + std::string(e->key()) +
               "': it has no command form yet (use aof-use-rdb-preamble yes)";
        ok = false;
        return;
      }
      int64_t when = db.GetExpire(e);
      if (when != -1) {
        int len = std::snprintf(num, sizeof(num), "%lld", static_cast<long long>(when));
        argv = {"PEXPIREAT", e->key(), std::string_view(num, static_cast<size_t>(len))};
        AppendRespCommand(&out, argv);
      }
      if (opts.key_save_delay_us > 0) usleep(static_cast<useconds_t>(opts.key_save_delay_us));
      if (out.size() >= kChunk) {
        if (!sink.Write(out.data(), out.size())) {
          *err = sink.error();
          ok = false;
        }
        out.clear();
      }
    });
  }
  if (!ok) return false;
  if (!out.empty() && !sink.Write(out.data(), out.size())) {
    *err = sink.error();
    return false;
  }
  if (!sink.Flush()) {
    *err = sink.error();
    return false;
  }
  return true;
}

std::string WriteAofBaseFile(Server& server, const std::string& path, const AofBaseOptions& opts) {
  std::string tmp = "temp-rewriteaof-" + std::to_string(getpid()) + ".aof";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    return std::string("Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): ") +
           std::strerror(errno);
  }
  std::string err;
  bool ok;
  {
    FdSink sink(fd, opts.incremental_fsync ? kAutoSyncBytes : 0);
    if (opts.rdb_preamble) {
      RdbSaveOptions rdb;
      rdb.compress = opts.rdb_compress;
      rdb.checksum = opts.rdb_checksum;
      rdb.aof_preamble = true;
      rdb.key_save_delay_us = opts.key_save_delay_us;
      ok = WriteRdb(server, sink, rdb, &err);
    } else {
      ok = WriteAofCommands(server, sink, opts, &err);
    }
  }
  if (ok && fsync(fd) != 0) {
    err = std::strerror(errno);
    ok = false;
  }
  if (close(fd) != 0 && ok) {
    err = std::strerror(errno);
    ok = false;
  }
  if (!ok) {
    unlink(tmp.c_str());
    return "Write error writing append only file on disk: " + err;
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    err = std::strerror(errno);
    unlink(tmp.c_str());
    return "Error moving temp append only file on the final destination: " + err;
  }
  return "";
}

}  // namespace sable

#include "server/persist/rdb_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <random>
#include <vector>

#include <spdlog/spdlog.h>

#include "server/config/config.h"
#include "server/core/server.h"
#include "server/persist/crc64.h"
#include "server/repl/repl_state.h"
#include "server/scripting/function_store.h"
#include "server/util/clock.h"
#include "server/util/numbers.h"

namespace sable {
namespace {

// Databases being filled by a load report nothing to the server until they replace its own.
class SilentHooks : public KeyspaceHooks {};

// Redis's objectSetLRUOrLFU for the IDLE opcode and RESTORE IDLETIME: the access time becomes
// now minus the idle seconds on the 24-bit LRU clock.
void SetIdle(Entry* e, int64_t idle_s) {
  int64_t clock = LruClock();
  int64_t abs = clock - (idle_s % (static_cast<int64_t>(kLruClockMax) + 1));
  if (abs < 0) abs += kLruClockMax;
  e->set_lru(static_cast<uint32_t>(abs));
}

class Loader {
 public:
  Loader(Server& server, RdbSource& source, const RdbLoadOptions& opts, RdbLoadInfo* info)
      : server_(server), dec_(&source), opts_(opts), info_(info) {
    env_.config = &server.cfg();
    env_.deep_sanitize = false;
    if (opts.drop_expired) env_.drop_parts_expired_at = WallMs();
    std::random_device rd;
    uint64_t seed = (static_cast<uint64_t>(rd()) << 32) ^ rd();
    for (int i = 0; i < server.db_count(); ++i) {
      dbs_.push_back(std::make_unique<Db>(i, &hooks_, seed));
    }
  }

  bool Run(std::string* err) {
    bool ok;
    try {
      ok = Header() && Records() && Trailer();
    } catch (const std::bad_alloc&) {
      ok = dec_.Fail("Short read or OOM loading DB");
    }
    info_->bytes = dec_.consumed();
    if (!ok) {
      *err = dec_.error();
      if (err->empty()) *err = "Short read or OOM loading DB";
      return false;
    }
    // All read and verified: the new contents replace the server's in one step. The libraries
    // come first, as they alone can still fail (code that does not load here).
    std::string lib_err;
    if (!server_.functions().Restore(libraries_, FunctionStore::Policy::kFlush, &lib_err)) {
      *err = "Failed loading library: " + lib_err;
      return false;
    }
    for (int i = 0; i < server_.db_count(); ++i) server_.db(i).SwapWith(*dbs_[i]);
    dbs_.clear();
    return true;
  }

 private:
  bool Header() {
    char magic[9];
    if (!dec_.Raw(magic, 9)) return false;
    if (std::memcmp(magic, "REDIS", 5) != 0) {
      return dec_.Fail("Wrong signature trying to load DB from file");
    }
    int version = 0;
    for (int i = 5; i < 9; ++i) {
      if (magic[i] < '0' || magic[i] > '9') {
        return dec_.Fail("Wrong signature trying to load DB from file");
      }
      version = version * 10 + (magic[i] - '0');
    }
    if (version < 1 || version > kRdbMaxReadVersion) {
      return dec_.Fail("Can't handle RDB format version " + std::to_string(version));
    }
    info_->version = version;
    return true;
  }

  bool Aux() {
    std::string key, value;
    if (!dec_.String(&key) || !dec_.String(&value)) return false;
    if (key == "redis-ver") {
      spdlog::info("Loading RDB produced by version {}", value);
    } else if (key == "ctime") {
      int64_t ctime = std::strtoll(value.c_str(), nullptr, 10);
      info_->ctime = ctime;
      int64_t age = WallMs() / 1000 - ctime;
      spdlog::info("RDB age {} seconds", age < 0 ? 0 : age);
    } else if (key == "used-mem") {
      double mb = static_cast<double>(std::strtoll(value.c_str(), nullptr, 10)) / 1048576.0;
      spdlog::info("RDB memory usage when created {:.2f} Mb", mb);
    } else if (key == "repl-stream-db") {
      info_->repl_stream_db = static_cast<int>(std::strtol(value.c_str(), nullptr, 10));
    } else if (key == "repl-id") {
      if (value.size() == kReplIdLen) info_->repl_id = value;
    } else if (key == "repl-offset") {
      info_->repl_offset = std::strtoll(value.c_str(), nullptr, 10);
    } else if (key == "aof-base" || key == "aof-preamble") {
      info_->aof_base = std::strtoll(value.c_str(), nullptr, 10) != 0;
    }
    info_->aux[key] = std::move(value);
    return true;
  }

  bool Records() {
    Db* db = dbs_.empty() ? nullptr : dbs_[0].get();
    int64_t expire_ms = -1;
    int64_t idle_s = -1;
    int64_t now = WallMs();
    for (;;) {
      uint8_t type;
      if (!dec_.Byte(&type)) return false;
      uint64_t a, b, c;
      switch (type) {
        case kRdbOpExpireTime: {
          int64_t s;
          if (!dec_.SecondTime(&s)) return false;
          expire_ms = s * 1000;
          continue;
        }
        case kRdbOpExpireTimeMs:
          if (!dec_.MillisecondTime(&expire_ms)) return false;
          continue;
        case kRdbOpFreq: {
          uint8_t freq;  // LFU counter: kept by Redis under an LFU policy; Sable has none yet.
          if (!dec_.Byte(&freq)) return false;
          continue;
        }
        case kRdbOpIdle:
          if (!dec_.Length(&a)) return false;
          idle_s = static_cast<int64_t>(a);
          continue;
        case kRdbOpEof:
          return true;
        case kRdbOpSelectDb:
          if (!dec_.Length(&a)) return false;
          if (a >= dbs_.size()) {
            return dec_.Fail("FATAL: Data file was created with a Redis server configured to "
                             "handle more than " + std::to_string(dbs_.size()) +
                             " databases. Exiting");
          }
          db = dbs_[a].get();
          continue;
        case kRdbOpResizeDb:
          if (!dec_.Length(&a) || !dec_.Length(&b)) return false;
          continue;
        case kRdbOpSlotInfo:
          if (!dec_.Length(&a) || !dec_.Length(&b) || !dec_.Length(&c)) return false;
          continue;
        case kRdbOpAux:
          if (!Aux()) return false;
          continue;
        case kRdbOpModuleAux:
          return dec_.Fail("Can't load RDB: it holds module data (MODULE_AUX), and this server "
                           "has no modules");
        case kRdbOpFunction2: {
          std::string code;
          if (!dec_.String(&code)) return false;
          libraries_.push_back(std::move(code));
          continue;
        }
        case kRdbOpFunctionPreGa:
          return dec_.Fail("Pre-release function format not supported.");
        default:
          break;
      }
      if (!RdbIsObjectType(type)) {
        return dec_.Fail("Unknown RDB encoding type " + std::to_string(type));
      }
      if (!KeyValue(type, db, expire_ms, idle_s, now)) return false;
      expire_ms = -1;
      idle_s = -1;
    }
  }

  bool KeyValue(uint8_t type, Db* db, int64_t expire_ms, int64_t idle_s, int64_t now) {
    const RdbValueCodec* codec = RdbCodecForRdbType(type);
    if (codec == nullptr) {
      return dec_.Fail(std::string("Can't load RDB: type '") + RdbTypeName(type) +
                       "' (RDB type " + std::to_string(type) + ") is not supported yet");
    }
    std::string key;
    if (!dec_.String(&key)) return false;
    Entry* e = codec->Load(key, type, dec_, env_);
    if (e == nullptr && dec_.error().empty()) {
      ++info_->keys_expired;  // every field of the hash had expired
      return true;
    }
    if (e == nullptr) {
      return dec_.Fail("Bad data format for key '" + key + "' of type '" + RdbTypeName(type) +
                       "'");
    }
    if (opts_.drop_expired && expire_ms >= 0 && expire_ms < now) {
      Entry::Free(e);
      ++info_->keys_expired;
      return true;
    }
    if (db->Peek(key) != nullptr) {
      Entry::Free(e);
      return dec_.Fail("RDB has duplicated key '" + key + "' in DB " +
                       std::to_string(db->index()));
    }
    db->Add(e);
    if (expire_ms >= 0) db->SetExpire(e, expire_ms);
    if (idle_s >= 0) SetIdle(e, idle_s);
    ++info_->keys_loaded;
    return true;
  }

  bool Trailer() {
    if (info_->version < 5) return true;
    uint64_t expected = dec_.crc();
    unsigned char buf[8];
    if (!dec_.Raw(buf, 8)) return false;
    uint64_t got = 0;
    for (int i = 7; i >= 0; --i) got = (got << 8) | buf[i];
    if (!opts_.check_crc) return true;
    if (got == 0) {
      spdlog::warn("RDB file was saved with checksum disabled: no check performed.");
      return true;
    }
    if (got != expected) {
      char msg[128];
      std::snprintf(msg, sizeof(msg), "Wrong RDB checksum expected: (%" PRIx64 ") got: (%" PRIx64
                    "). Aborting now.", expected, got);
      return dec_.Fail(msg);
    }
    return true;
  }

  Server& server_;
  RdbDecoder dec_;
  const RdbLoadOptions& opts_;
  RdbLoadInfo* info_;
  RdbLoadEnv env_;
  SilentHooks hooks_;
  std::vector<std::unique_ptr<Db>> dbs_;
  std::vector<std::string> libraries_;  // FUNCTION2 records: each library's code
};

}  // namespace

bool LoadRdb(Server& server, RdbSource& source, const RdbLoadOptions& opts, RdbLoadInfo* info,
             std::string* err) {
  RdbLoadInfo local;
  if (info == nullptr) info = &local;
  *info = RdbLoadInfo{};
  Loader loader(server, source, opts, info);
  return loader.Run(err);
}

bool LoadRdbFile(Server& server, const std::string& path, const RdbLoadOptions& opts,
                 RdbLoadInfo* info, bool* missing, std::string* err) {
  *missing = false;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      *missing = true;
      return true;
    }
    *err = std::string("Fatal error loading the DB: ") + std::strerror(errno);
    return false;
  }
  FdSource source(fd);
  bool ok = LoadRdb(server, source, opts, info, err);
  if (!ok && !source.error().empty()) *err += " (" + source.error() + ")";
  ::close(fd);
  return ok;
}

bool VerifyDumpPayload(std::string_view payload) {
  if (payload.size() < 10) return false;
  const auto* footer = reinterpret_cast<const unsigned char*>(payload.data() + payload.size() - 10);
  int version = footer[0] | (footer[1] << 8);
  // Redis 7.0 refuses payloads newer than its own RDB version; this reader knows up to 12 and
  // still refuses any value type it cannot hold.
  if (version > kRdbMaxReadVersion) return false;
  uint64_t crc = Crc64(0, payload.data(), payload.size() - 8);
  uint64_t got = 0;
  for (int i = 7; i >= 0; --i) got = (got << 8) | footer[2 + i];
  return crc == got;
}

Entry* DecodeDumpPayload(std::string_view key, std::string_view payload, const RdbLoadEnv& env,
                         std::string* err) {
  if (payload.size() < 10) {
    *err = "Bad data format";
    return nullptr;
  }
  StringSource source(payload.substr(0, payload.size() - 10));
  RdbDecoder dec(&source);
  uint8_t type;
  if (!dec.Byte(&type) || !RdbIsObjectType(type)) {
    *err = "Bad data format";
    return nullptr;
  }
  const RdbValueCodec* codec = RdbCodecForRdbType(type);
  if (codec == nullptr) {
    *err = std::string("Bad data format: type '") + RdbTypeName(type) + "' (RDB type " +
           std::to_string(type) + ") is not supported yet";
    return nullptr;
  }
  Entry* e = nullptr;
  try {
    e = codec->Load(key, type, dec, env);
  } catch (const std::bad_alloc&) {
    e = nullptr;
  }
  if (e == nullptr) *err = "Bad data format";
  return e;
}

}  // namespace sable

namespace sable {

bool ReadFunctionsDumpPayload(std::string_view payload, std::vector<std::string>* codes,
                              std::string* err) {
  if (!VerifyDumpPayload(payload)) {
    *err = "ERR DUMP payload version or checksum are wrong";
    return false;
  }
  StringSource source(payload.substr(0, payload.size() - 10));
  RdbDecoder dec(&source);
  while (dec.consumed() < payload.size() - 10) {
    uint8_t type;
    if (!dec.Byte(&type)) {
      *err = "ERR can not read data type";
      return false;
    }
    if (type == kRdbOpFunctionPreGa) {
      *err = "ERR Pre-GA function format not supported";
      return false;
    }
    if (type != kRdbOpFunction2) {
      *err = "ERR given type is not a function";
      return false;
    }
    std::string code;
    if (!dec.String(&code)) {
      *err = "ERR failed loading the given functions payload";
      return false;
    }
    codes->push_back(std::move(code));
  }
  return true;
}

}  // namespace sable

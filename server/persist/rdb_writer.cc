#include "server/persist/rdb_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>

#include "server/config/config.h"
#include "server/core/server.h"
#include "server/persist/crc64.h"
#include "server/persist/rdb_codec.h"
#include "server/scripting/function_store.h"

namespace sable {
namespace {

// rdb-save-incremental-fsync: Redis fsyncs every 4 MB written (REDIS_AUTOSYNC_BYTES).
constexpr size_t kAutoSyncBytes = 4 * 1024 * 1024;

bool WriteDb(Db& db, RdbEncoder& enc, int delay_us, std::string* err) {
  if (!enc.Type(kRdbOpSelectDb) || !enc.Length(static_cast<uint64_t>(db.index()))) return false;
  if (!enc.Type(kRdbOpResizeDb) || !enc.Length(db.size()) || !enc.Length(db.expires_size())) {
    return false;
  }
  bool ok = true;
  db.ForEach([&](Entry* e) {
    if (!ok) return;
    if (delay_us > 0) ::usleep(static_cast<useconds_t>(delay_us));
    int64_t when = db.GetExpire(e);
    if (when >= 0 && !(enc.Type(kRdbOpExpireTimeMs) && enc.MillisecondTime(when))) {
      ok = false;
      return;
    }
    const RdbValueCodec* codec = RdbCodecFor(e->type());
    if (codec == nullptr) {
      // Only reachable if a type was added without its codec: refuse rather than drop the key.
      *err = "no RDB codec for the value of key '" + std::string(e->key()) + "'";
      ok = false;
      return;
    }
    ok = enc.Type(codec->SaveType(*e)) && enc.String(e->key()) && codec->Save(*e, enc);
  });
  return ok;
}

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return "";
  return path.substr(0, slash + 1);
}

// Makes the rename durable (Redis's fsyncFileDir).
bool FsyncDir(const std::string& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0 || errno == EINVAL || errno == EBADF;
  ::close(fd);
  return ok;
}

// The libraries, one FUNCTION2 record each (Redis 7.0's rdbSaveFunctions).
bool WriteFunctions(const FunctionStore& store, RdbEncoder& enc) {
  for (const auto& [name, lib] : store.libraries()) {
    if (!enc.Type(kRdbOpFunction2) || !enc.String(lib.code)) return false;
  }
  return true;
}

// The trailer of a DUMP payload: RDB version (2 bytes) and the CRC64 of all before (8 bytes),
// little-endian.
void AppendDumpTrailer(int version, std::string* out) {
  out->push_back(static_cast<char>(version & 0xff));
  out->push_back(static_cast<char>((version >> 8) & 0xff));
  uint64_t crc = Crc64(0, out->data(), out->size());
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
}

}  // namespace

bool WriteRdb(Server& server, RdbSink& sink, const RdbSaveOptions& opts, std::string* err) {
  RdbEncoder enc(&sink, opts.compress);
  auto fail = [&]() {
    if (err->empty()) *err = sink.error().empty() ? "write error" : sink.error();
    return false;
  };
  err->clear();
  int version = kRdbVersion;
  for (int i = 0; i < server.db_count(); ++i) {
    if (server.db(i).HasFieldTtls()) version = kRdbVersionFieldTtl;
  }
  char magic[16];
  std::snprintf(magic, sizeof(magic), "REDIS%04d", version);
  if (!enc.Raw(magic, 9)) return fail();
  // The AUX fields Redis 7.0 writes, in its order (rdbSaveInfoAuxFields).
  bool ok = enc.Aux("redis-ver", kRedisCompatVersion) &&
            enc.Aux("redis-bits", std::to_string(sizeof(void*) * 8)) &&
            enc.Aux("ctime", std::to_string(std::time(nullptr))) &&
            enc.Aux("used-mem", std::to_string(server.UsedMemory()));
  for (const auto& [k, v] : opts.extra_aux) ok = ok && enc.Aux(k, v);
  ok = ok && enc.Aux("aof-base", opts.aof_preamble ? "1" : "0");
  if (!ok || !WriteFunctions(server.functions(), enc)) return fail();
  for (int i = 0; i < server.db_count(); ++i) {
    Db& db = server.db(i);
    if (db.size() == 0) continue;
    if (!WriteDb(db, enc, opts.key_save_delay_us, err)) return fail();
  }
  if (!enc.Type(kRdbOpEof)) return fail();
  // The CRC covers every byte before it; with rdbchecksum off Redis writes zero.
  uint64_t crc = opts.checksum ? enc.crc() : 0;
  unsigned char trailer[8];
  for (int i = 0; i < 8; ++i) trailer[i] = static_cast<unsigned char>(crc >> (8 * i));
  if (!sink.Write(reinterpret_cast<const char*>(trailer), 8) || !sink.Flush()) return fail();
  return true;
}

bool SaveRdbFile(Server& server, const std::string& path, const RdbSaveOptions& opts,
                 std::string* err) {
  std::string tmp = DirOf(path) + "temp-" + std::to_string(getpid()) + ".rdb";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *err = "Failed opening the temp RDB file " + tmp + " for saving: " + std::strerror(errno);
    return false;
  }
  size_t sync_every = server.cfg().rdb_save_incremental_fsync ? kAutoSyncBytes : 0;
  FdSink sink(fd, sync_every);
  std::string write_err;
  bool ok = WriteRdb(server, sink, opts, &write_err);
  if (!ok) {
    *err = "Write error saving DB on disk: " + write_err;
  } else if (::fsync(fd) != 0) {
    *err = std::string("Write error saving DB on disk: ") + std::strerror(errno);
    ok = false;
  }
  if (::close(fd) != 0 && ok) {
    *err = std::string("Write error saving DB on disk: ") + std::strerror(errno);
    ok = false;
  }
  if (!ok) {
    ::unlink(tmp.c_str());
    return false;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    *err = "Error moving temp DB file " + tmp + " on the final destination " + path + ": " +
           std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  if (!FsyncDir(DirOf(path))) {
    *err = std::string("Failed to fsync directory while saving DB: ") + std::strerror(errno);
    return false;
  }
  return true;
}

bool DumpPayload(const Entry& e, bool compress, std::string* out, std::string* err) {
  out->clear();
  StringSink sink(out);
  RdbEncoder enc(&sink, compress);
  if (!SaveTypedValue(e, enc)) {
    *err = "no RDB codec for this value type";
    return false;
  }
  // A hash with field TTLs (type 24/25) needs a reader of RDB 12; anything else stays at 10.
  auto type = static_cast<uint8_t>((*out)[0]);
  bool ttl_hash = type == kRdbTypeHashMetadata || type == kRdbTypeHashListpackEx;
  AppendDumpTrailer(ttl_hash ? kRdbVersionFieldTtl : kRdbVersion, out);
  return true;
}

std::string FunctionsDumpPayload(const FunctionStore& store, bool compress) {
  std::string out;
  StringSink sink(&out);
  RdbEncoder enc(&sink, compress);
  WriteFunctions(store, enc);  // a string sink does not fail
  AppendDumpTrailer(kRdbVersion, &out);
  return out;
}

}  // namespace sable

// Writes the keyspace as a Redis RDB file (version 10, what Redis 7.0 writes; 12 when a hash
// has field TTLs) to any sink: a file
// (SAVE/BGSAVE), an AOF base file (aof-use-rdb-preamble), later a replica socket. Also builds
// DUMP payloads.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "server/persist/rdb_format.h"

namespace sable {

class Server;
class Entry;
class FunctionStore;

struct RdbSaveOptions {
  bool compress = true;      // rdbcompression: LZF for strings over 20 bytes
  bool checksum = true;      // rdbchecksum: CRC64 trailer (8 zero bytes when off)
  bool aof_preamble = false;  // AUX aof-base 1: this RDB starts an AOF base file
  int key_save_delay_us = 0;  // rdb-key-save-delay: sleep per key (tests slow saves down)
  // Further AUX fields written after the standard ones (repl-id, repl-offset, ...).
  std::vector<std::pair<std::string, std::string>> extra_aux;
};

// Writes a whole RDB (header, AUX fields, every db, EOF, checksum) and flushes the sink. Keys
// already expired are written too, as Redis does; the loader drops them. Returns false with
// *err set on a write error (the sink's error text).
bool WriteRdb(Server& server, RdbSink& sink, const RdbSaveOptions& opts, std::string* err);

// Saves to `path` the way Redis does: writes "temp-<pid>.rdb" beside it, fsyncs, renames over
// `path`, then fsyncs the directory. On failure the temp file is removed and *err says why.
bool SaveRdbFile(Server& server, const std::string& path, const RdbSaveOptions& opts,
                 std::string* err);

// DUMP: the value's RDB encoding (type byte + value), then the RDB version as 2 little-endian
// bytes and the CRC64 of all that as 8 little-endian bytes. False only for a value with no codec.
bool DumpPayload(const Entry& e, bool compress, std::string* out, std::string* err);

// FUNCTION DUMP: every library as the RDB holds it (the FUNCTION2 opcode and its code), then
// the RDB version and CRC64 as a DUMP payload ends.
std::string FunctionsDumpPayload(const FunctionStore& store, bool compress);

}  // namespace sable

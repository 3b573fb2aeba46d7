// Reads a Redis RDB (versions 1..12) into the keyspace. The load is all or nothing: keys go into
// fresh databases that replace the server's only once the whole file (up to EOF and its checksum)
// was read; on any error the server's databases are untouched.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "server/persist/rdb_codec.h"
#include "server/persist/rdb_format.h"

namespace sable {

class Server;
class Entry;

struct RdbLoadOptions {
  // Verify the CRC64 trailer when the file has one (rdbchecksum; a zero trailer means the
  // writer had checksums off and is accepted).
  bool check_crc = true;
  // Drop keys whose TTL already passed. A master does; a replica keeps them for its master's
  // DEL, and so does an AOF's RDB preamble (the commands after it were logged against them).
  bool drop_expired = true;
};

struct RdbLoadInfo {
  int version = 0;
  uint64_t keys_loaded = 0;
  uint64_t keys_expired = 0;   // skipped because already expired
  bool aof_base = false;       // AUX aof-base was 1
  int64_t ctime = 0;           // AUX ctime (seconds), 0 when absent
  // Replication info (rdbSaveInfo): AUX repl-stream-db, repl-id (only a 40-character one is
  // taken) and repl-offset; -1 / "" when absent.
  int repl_stream_db = -1;
  std::string repl_id;
  int64_t repl_offset = -1;
  std::map<std::string, std::string> aux;  // every AUX field as read
  uint64_t bytes = 0;          // bytes consumed, through the checksum trailer
};

// Reads from the current position of `source` to the EOF opcode and its checksum, and stops
// there: the source is left just after the RDB (an AOF with an RDB preamble continues with
// commands). On failure returns false with *err set, e.g. "Short read or OOM loading DB",
// "Wrong RDB checksum ...", "Can't load RDB: type 'hash' (RDB type 16) is not supported yet".
bool LoadRdb(Server& server, RdbSource& source, const RdbLoadOptions& opts, RdbLoadInfo* info,
             std::string* err);

// Opens and loads a file. *missing is set (and true returned) when the file does not exist.
bool LoadRdbFile(Server& server, const std::string& path, const RdbLoadOptions& opts,
                 RdbLoadInfo* info, bool* missing, std::string* err);

// RESTORE: checks the trailer of a DUMP payload: an RDB version this reader knows (Redis 7.0
// takes only up to its own 10; types it cannot hold are refused by the decoder anyway) and the
// CRC64. False means "ERR DUMP payload version or checksum are wrong".
bool VerifyDumpPayload(std::string_view payload);
// Decodes a verified payload into a new entry named `key` (caller owns it). nullptr with *err
// set on a malformed payload ("Bad data format") or a type this server lacks.
Entry* DecodeDumpPayload(std::string_view key, std::string_view payload, const RdbLoadEnv& env,
                         std::string* err);

// FUNCTION RESTORE: the libraries' codes in a FUNCTION DUMP payload. False with *err set to the
// reply when the payload's trailer is wrong or it holds anything but FUNCTION2 records.
bool ReadFunctionsDumpPayload(std::string_view payload, std::vector<std::string>* codes,
                              std::string* err);

}  // namespace sable

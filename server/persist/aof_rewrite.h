// Writing an AOF base file: a snapshot of the whole keyspace, either as an RDB (the "preamble",
// aof-use-rdb-preamble yes, named *.base.rdb) or as the commands that rebuild it (*.base.aof).
// Used by the BGREWRITEAOF child and, in the foreground, when the AOF is created at start-up.
#pragma once

#include <string>

namespace sable {

class Server;
class RdbSink;

struct AofBaseOptions {
  bool rdb_preamble = true;       // aof-use-rdb-preamble
  bool timestamp = false;         // aof-timestamp-enabled: a "#TS:" line first (command form)
  bool incremental_fsync = true;  // aof-rewrite-incremental-fsync: fdatasync every 4 MB
  bool rdb_compress = true;       // rdbcompression, for the preamble
  bool rdb_checksum = true;       // rdbchecksum, for the preamble
  int key_save_delay_us = 0;      // rdb-key-save-delay: sleep per key (tests slow rewrites)
};

// The keyspace as commands: for each non-empty db a SELECT, then SET and PEXPIREAT per key.
// False with *err on a write error or a value type without a command form yet.
bool WriteAofCommands(Server& server, RdbSink& sink, const AofBaseOptions& opts, std::string* err);

// Writes a complete base file to `path` the way Redis's rewriteAppendOnlyFile() does: into
// "temp-rewriteaof-<pid>.aof" in the working directory, flushed and fsynced, then renamed over
// `path`. Returns "" or the error text (the temp file is removed then).
std::string WriteAofBaseFile(Server& server, const std::string& path, const AofBaseOptions& opts);

}  // namespace sable

// How each value type is written to and read from RDB. One codec per ObjType; a type issue (hash,
// list, set, zset, stream) adds its codec to the table in rdb_codec.cc and nothing else changes.
// The DUMP/RESTORE payloads use the same codecs.
#pragma once

#include <cstdint>
#include <string_view>

#include "server/persist/rdb_format.h"
#include "server/store/entry.h"

namespace sable {

struct ServerConfig;

// What a codec may consult while loading.
struct RdbLoadEnv {
  // Thresholds for picking compact encodings (hash-max-listpack-entries...); nullptr: defaults.
  const ServerConfig* config = nullptr;
  // sanitize-dump-payload yes: validate compact encodings entry by entry before accepting them.
  bool deep_sanitize = false;
  // Parts of a value whose own TTL is at or before this Unix ms are dropped (hash fields, when a
  // primary loads its RDB); -1 keeps everything.
  int64_t drop_parts_expired_at = -1;
};

class RdbValueCodec {
 public:
  virtual ~RdbValueCodec() = default;
  // The RDB type id this entry is written with (it may depend on the value's encoding).
  virtual uint8_t SaveType(const Entry& e) const = 0;
  // Writes the value alone (the type byte and key are the caller's).
  virtual bool Save(const Entry& e, RdbEncoder& enc) const = 0;
  // Reads a value of RDB type `rdb_type` (one the table maps to this codec) and returns a new
  // entry named `key`, or nullptr after dec.Fail() on malformed input. nullptr with no error
  // means the value was whole but nothing of it is left (every part expired): skip the key.
  virtual Entry* Load(std::string_view key, uint8_t rdb_type, RdbDecoder& dec,
                      const RdbLoadEnv& env) const = 0;
};

// The codec for an in-memory type; nullptr when none exists yet.
const RdbValueCodec* RdbCodecFor(ObjType type);
// The codec that reads an RDB type id; nullptr when this server cannot hold that type yet.
const RdbValueCodec* RdbCodecForRdbType(int rdb_type);

// Writes one value with its type byte (no key): DUMP's body and, after the key, an RDB record.
// False when the value has no codec or the sink failed.
bool SaveTypedValue(const Entry& e, RdbEncoder& enc);

// The codecs of the types this server has, for the table.
const RdbValueCodec& StringRdbCodec();
const RdbValueCodec& HashRdbCodec();
const RdbValueCodec& ListRdbCodec();
const RdbValueCodec& SetRdbCodec();
const RdbValueCodec& ZSetRdbCodec();
const RdbValueCodec& StreamRdbCodec();

}  // namespace sable

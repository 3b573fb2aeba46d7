// What the stream command files share (stream_commands.cc: XADD, XRANGE, XLEN, XDEL, XTRIM,
// XSETID, XREAD, XINFO; stream_group_commands.cc: XGROUP, XREADGROUP, XACK, XPENDING, XCLAIM,
// XAUTOCLAIM): ID parsing with Redis's error strings, lookups, and the entry reply shape.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "server/core/context.h"
#include "server/core/op_status.h"
#include "server/store/stream_object.h"

namespace sable {

void RegisterStreamGroupCommands(CommandRegistry& r);

namespace stream {

inline constexpr std::string_view kInvalidId =
    "ERR Invalid stream ID specified as stream command argument";

// Redis's streamGenericParseIDOrReply: "ms-seq", "ms" (seq = missing_seq), and unless strict "-"
// and "+". With seq_given non-null, "ms-*" parses with *seq_given = false. Replies the error
// (when ctx is non-null) and returns false on a bad ID.
bool ParseId(CommandContext* ctx, std::string_view s, StreamId* id, uint64_t missing_seq,
             bool strict, bool* seq_given = nullptr);
inline bool ParseStrictId(CommandContext* ctx, std::string_view s, StreamId* id) {
  return ParseId(ctx, s, id, 0, true);
}
// A range bound of XRANGE/XPENDING/XAUTOCLAIM: an ID, "-"/"+", or "(id" (exclusive, moved one
// step inward). Replies Redis's error and returns false when invalid.
bool ParseRangeStart(CommandContext& ctx, std::string_view s, StreamId* id);
bool ParseRangeEnd(CommandContext& ctx, std::string_view s, StreamId* id);

// Redis 8.2's reference policies of XADD/XTRIM trimming, XDELEX and XACKDEL.
enum class RefPolicy { kKeepRef, kDelRef, kAcked };
// KEEPREF / DELREF / ACKED (any case); false for anything else.
bool ParseRefPolicy(std::string_view s, RefPolicy* out);

// An integer argument, or false after replying `err` (Redis's getLongLongFromObjectOrReply).
bool ParseInt64OrReply(CommandContext& ctx, std::string_view s, int64_t* out,
                       std::string_view err = "ERR value is not an integer or out of range");

// now - then without overflow (times may come from a payload or a client).
inline int64_t Elapsed(int64_t now, int64_t then) {
  int64_t r;
  if (__builtin_sub_overflow(now, then, &r)) return then < 0 ? INT64_MAX : INT64_MIN;
  return r;
}

StreamLimits Limits(const CommandContext& ctx);
// A read lookup counting a keyspace hit or miss: kKeyNotFound, kWrongType or the stream.
OpResult<StreamObject*> Find(Db& db, std::string_view key);
// Find that replies WRONGTYPE itself, or `missing` when there is no key; nullptr then.
StreamObject* FindOrReply(CommandContext& ctx, std::string_view key,
                          void (*missing)(ReplyBuilder&));
void ReplyZero(ReplyBuilder& rb);

// Adds a stream command whose key is argv[1], with its COMMAND DOCS fields.
CommandSpec& AddCommand(CommandRegistry& r, const char* name, int arity, uint32_t flags,
                        uint32_t acl, CommandHandler h, const char* since, const char* summary,
                        const char* complexity);

void SendId(ReplyBuilder& rb, StreamId id);
// One entry as [id, [field, value, ...]].
void SendEntry(ReplyBuilder& rb, StreamId id, const StreamFields& fv);
// The entry with that ID as SendEntry, or a null when it is gone (XCLAIM, XAUTOCLAIM).
void SendEntryOrNull(ReplyBuilder& rb, const StreamObject& s, StreamId id);

// The "NOGROUP No such key 'k' or consumer group 'g'" reply, with an optional suffix.
void ReplyNoGroup(CommandContext& ctx, std::string_view key, std::string_view group,
                  std::string_view suffix = "");

}  // namespace stream
}  // namespace sable

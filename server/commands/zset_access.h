// What the sorted-set command files share (zset_commands.cc: writes, reads and ranges;
// zset_multi_commands.cc: pops, blocking pops, set algebra, ZRANDMEMBER, ZSCAN): limits,
// lookups, range bounds and the reply shapes of member/score lists.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/core/context.h"
#include "server/core/op_status.h"
#include "server/store/zset_object.h"

namespace sable {

void RegisterZSetMultiCommands(CommandRegistry& r);

namespace zset {

ZSetLimits Limits(const CommandContext& ctx);
// A read lookup counting a keyspace hit or miss: kKeyNotFound, kWrongType or the set.
OpResult<ZSetObject*> Find(Db& db, std::string_view key);
// Find that replies WRONGTYPE itself, or `missing` when there is no key; nullptr then.
ZSetObject* FindOrReply(CommandContext& ctx, std::string_view key,
                        void (*missing)(ReplyBuilder&));

using Element = std::pair<std::string, double>;

// Member/score lists as Redis replies them: flat (member, score, ...) in RESP2, and in RESP3
// pairs as arrays when `nested` (WITHSCORES replies), else flat.
void SendElements(ReplyBuilder& rb, const std::vector<Element>& items, bool with_scores,
                  bool nested);

// Stores `z` (may be empty or nullptr) at dst as a STORE form does: an empty result deletes dst;
// the event (zunionstore...) fires on dst, `del` when it went. Replies the size. Takes z.
void StoreResult(CommandContext& ctx, std::string_view dst, ZSetObject* z,
                 std::string_view event);

// Deletes the key when its set is empty, with `del`.
void DeleteIfEmpty(CommandContext& ctx, std::string_view key, ZSetObject* z);

// Builds a set of the right encoding for `items` (sorted or not) under the limits.
ZSetObject* Build(const std::vector<Element>& items, const ZSetLimits& limits);

}  // namespace zset
}  // namespace sable

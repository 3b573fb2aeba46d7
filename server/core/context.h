// What a handler sees: its arguments, the client, the selected db, the reply builder, and the
// hooks for propagating its effect and firing keyspace events. Handlers never reach around it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "server/core/client.h"
#include "server/core/command.h"
#include "server/resp/reply_builder.h"
#include "server/store/db.h"

namespace sable {

class Server;

class CommandContext {
 public:
  CommandContext(Server& server, Client* client, const CommandSpec* cmd,
                 std::vector<std::string_view>& args, ReplyBuilder& rb)
      : server(server), client(client), cmd(cmd), args(args), rb(rb) {}

  Db& db();
  size_t argc() const { return args.size(); }
  std::string_view arg(size_t i) const { return args[i]; }

  // Records that the command changed the dataset: it is propagated as received (AOF,
  // replicas) and counted in `dirty`.
  void Propagate(long long changes = 1);
  // Records a change to propagate in another form (e.g. relative TTL -> PXAT), as Redis does.
  void PropagateAs(std::vector<std::string> argv, long long changes = 1);
  // Propagates the command as received to replicas only, without counting a change (PUBLISH,
  // as Redis's forceCommandPropagation(PROPAGATE_REPL)).
  void PropagateToReplicas();
  // Fires a keyspace notification for this command's db (type: keyspace_events.h class).
  void Notify(int type, std::string_view event, std::string_view key);

  // Shows argument i as "(redacted)" to SLOWLOG and MONITOR (passwords), as Redis does.
  void Redact(size_t i) {
    if (i < 64) redacted |= uint64_t{1} << i;
  }

  // MONITOR sees this command now rather than after it ran: EVAL and FCALL show before the
  // commands their scripts call, as in Redis (they are flagged skip-monitor for the usual feed).
  void FeedMonitorsNow();

  // Replies with an error built from a printf-like template of Redis's message.
  void ReplyWrongArity();

  Server& server;
  Client* client;
  const CommandSpec* cmd;
  std::vector<std::string_view>& args;
  ReplyBuilder& rb;
  long long dirty = 0;
  uint64_t redacted = 0;  // argument indexes SLOWLOG and MONITOR hide
  bool propagate_rewritten = false;
  bool propagate_repl_only = false;
  std::vector<std::vector<std::string>> rewritten;
};

}  // namespace sable

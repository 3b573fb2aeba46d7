// PING, ECHO, SELECT, QUIT, RESET, AUTH, HELLO: the commands about the connection itself.
#include <string>

#include "server/commands/register.h"
#include "server/core/context.h"
#include "server/core/server.h"
#include "server/repl/repl_state.h"
#include "server/resp/errors.h"
#include "server/resp/hello.h"
#include "server/util/numbers.h"
#include "server/util/strings.h"
#include "server/util/version.h"

namespace sable {
namespace {

void CmdPing(CommandContext& ctx) {
  if (ctx.argc() > 2) {
    ctx.ReplyWrongArity();
    return;
  }
  if (ctx.client->in_pubsub_context()) {
    ctx.rb.StartArray(2);
    ctx.rb.SendBulk("pong");
    ctx.rb.SendBulk(ctx.argc() == 2 ? ctx.arg(1) : "");
    return;
  }
  if (ctx.argc() == 2) {
    ctx.rb.SendBulk(ctx.arg(1));
  } else {
    ctx.rb.SendSimple("PONG");
  }
}

void CmdEcho(CommandContext& ctx) { ctx.rb.SendBulk(ctx.arg(1)); }

void CmdSelect(CommandContext& ctx) {
  int64_t id;
  if (!ParseInt64(ctx.arg(1), &id) || id < INT32_MIN || id > INT32_MAX) {
    ctx.rb.SendError(errors::kNotInteger);
    return;
  }
  if (ctx.server.cfg().cluster_enabled && id != 0) {
    ctx.rb.SendError("ERR SELECT is not allowed in cluster mode");
    return;
  }
  if (id < 0 || id >= ctx.server.db_count()) {
    ctx.rb.SendError(errors::kDbIndexOutOfRange);
    return;
  }
  ctx.client->db_index = static_cast<int>(id);
  ctx.rb.SendOk();
}

void CmdQuit(CommandContext& ctx) {
  ctx.rb.SendOk();
  ctx.server.CloseClient(ctx.client, true);
}

void CmdReset(CommandContext& ctx) {
  Client* c = ctx.client;
  c->in_multi = false;
  c->multi_error = false;
  c->queued.clear();
  c->queued_bytes = 0;
  ctx.server.UnwatchAll(c);
  ctx.server.UnsubscribeAll(c, false);
  c->db_index = 0;
  c->rb().set_resp3(false);
  // OFF ends and RESET's own reply is sent; a SKIP in force still swallows it, as in Redis.
  if (c->reply_mode == ReplyMode::kOff) c->ResumeReplies();
  c->skip_next_reply = false;
  c->name.clear();
  c->no_evict = false;
  if (c->monitor) ctx.server.RemoveMonitor(c);
  c->asking = false;
  c->readonly = false;
  c->authenticated = ctx.server.cfg().requirepass.empty();
  c->user = "default";
  if (c->conn()) c->conn()->parser().set_authenticated(c->authenticated);
  ctx.rb.SendSimple("RESET");
}

// Checks a user/password pair against requirepass (the only user until ACLs land).
bool CheckPassword(Server& server, std::string_view user, std::string_view pass) {
  const std::string& required = server.cfg().requirepass;
  if (user != "default") return false;
  return required.empty() || pass == required;
}

void Authenticated(Client* c, std::string_view user) {
  c->authenticated = true;
  c->user = std::string(user);
  if (c->conn()) c->conn()->parser().set_authenticated(true);
}

void CmdAuth(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    ctx.rb.SendError(errors::kSyntax);
    return;
  }
  for (size_t i = 1; i < ctx.argc(); ++i) ctx.Redact(i);
  std::string_view user = "default";
  std::string_view pass = ctx.arg(1);
  if (ctx.argc() == 3) {
    user = ctx.arg(1);
    pass = ctx.arg(2);
  } else if (ctx.server.cfg().requirepass.empty()) {
    ctx.rb.SendError(errors::kAuthNotConfigured);
    return;
  }
  if (!CheckPassword(ctx.server, user, pass)) {
    ctx.rb.SendError(errors::kWrongPass);
    return;
  }
  Authenticated(ctx.client, user);
  ctx.rb.SendOk();
}

void CmdHello(CommandContext& ctx) {
  Client* c = ctx.client;
  HelloRequest hello;
  // HELLO's AUTH username and password are hidden from SLOWLOG and MONITOR.
  for (size_t i = 2; i + 2 < ctx.argc(); ++i) {
    if (EqualsNoCase(ctx.arg(i), "auth")) {
      ctx.Redact(i + 1);
      ctx.Redact(i + 2);
      i += 2;
    }
  }
  std::string err = ParseHello(ctx.args, c->rb().resp3(), &hello);
  if (!err.empty()) {
    ctx.rb.SendError(err);
    return;
  }
  if (hello.has_auth) {
    if (!CheckPassword(ctx.server, hello.user, hello.pass)) {
      ctx.rb.SendError(errors::kWrongPass);
      return;
    }
    Authenticated(c, hello.user);
  }
  if (!c->authenticated) {
    ctx.rb.SendError(kHelloNoAuth);
    return;
  }
  if (hello.has_name) {
    if (!ValidClientName(hello.name)) {
      ctx.rb.SendError(kBadClientName);
      return;
    }
    c->name = std::string(hello.name);
  }
  int64_t ver = hello.version;
  c->rb().set_resp3(ver == 3);
  ReplyBuilder& rb = ctx.rb;
  rb.set_resp3(ver == 3);
  SendHelloReply(rb, kRedisCompatVersion, ver, static_cast<int64_t>(c->id()),
                 ctx.server.cfg().cluster_enabled ? "cluster" : "standalone",
                 ctx.server.repl().is_replica() ? "replica" : "master");
}

}  // namespace

void RegisterConnectionCommands(CommandRegistry& r) {
  constexpr uint32_t kConn = kAclConnection;
  r.Add(MakeCommand("ping", -1, kCmdFast, kConn | kAclFast, 0, 0, 0, CmdPing, "connection",
                    "Returns the server's liveliness response."));
  r.Add(MakeCommand("echo", 2, kCmdLoading | kCmdStale | kCmdFast, kConn | kAclFast, 0, 0, 0, CmdEcho, "connection",
                    "Returns the given string."));
  r.Add(MakeCommand("select", 2, kCmdLoading | kCmdStale | kCmdFast, kConn | kAclFast, 0, 0, 0,
                    CmdSelect, "connection", "Changes the selected database."));
  r.Add(MakeCommand("quit", -1,
                    kCmdAllowBusy | kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast |
                        kCmdNoAuth,
                    kConn | kAclFast, 0, 0, 0, CmdQuit, "connection", "Closes the connection."));
  r.Add(MakeCommand("reset", 1,
                    kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast | kCmdNoAuth |
                        kCmdAllowBusy,
                    kConn | kAclFast, 0, 0, 0, CmdReset, "connection",
                    "Resets the connection."));
  r.Add(MakeCommand("auth", -2,
                    kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast | kCmdNoAuth |
                        kCmdAllowBusy,
                    kConn | kAclFast, 0, 0, 0, CmdAuth, "connection",
                    "Authenticates the connection."));
  r.Add(MakeCommand("hello", -1,
                    kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast | kCmdNoAuth |
                        kCmdAllowBusy,
                    kConn | kAclFast, 0, 0, 0, CmdHello, "connection",
                    "Handshakes with the Redis server."));
}

}  // namespace sable

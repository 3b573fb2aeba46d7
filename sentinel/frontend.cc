// The RESP front end of sable-sentinel: connections, the small command table Redis Sentinel
// 7.0 offers (PING, AUTH, HELLO, CLIENT, INFO, ROLE, (P)SUBSCRIBE, SHUTDOWN, COMMAND, SENTINEL)
// and event fan-out to subscribers. SENTINEL lives in sentinel_commands.cc, CLIENT and INFO in
// client_info_commands.cc.
#include "sentinel/frontend.h"
#include "sentinel/common.h"

#include <spdlog/spdlog.h>

#include "server/resp/errors.h"
#include "server/resp/hello.h"
#include "server/util/clock.h"
#include "server/util/numbers.h"
#include "server/util/strings.h"

namespace sable::sentinel {
namespace {

// The top-level commands a Redis 7.0 sentinel answers (plus ECHO), with their arities.
struct CommandInfo {
  const char* name;
  int arity;
  const char* flags;  // COMMAND's flags, space separated
  bool no_auth;
  bool pubsub_ok;     // allowed in RESP2 subscriber context
};

const CommandInfo kCommands[] = {
    {"ping", -1, "fast sentinel", false, true},
    {"echo", 2, "fast", false, false},
    {"sentinel", -2, "admin sentinel only_sentinel", false, false},
    {"subscribe", -2, "pubsub noscript loading stale sentinel", false, true},
    {"unsubscribe", -1, "pubsub noscript loading stale sentinel", false, true},
    {"psubscribe", -2, "pubsub noscript loading stale sentinel", false, true},
    {"punsubscribe", -1, "pubsub noscript loading stale sentinel", false, true},
    {"publish", 3, "pubsub loading stale fast may_replicate sentinel", false, false},
    {"info", -1, "loading stale sentinel", false, false},
    {"role", 1, "noscript loading stale fast sentinel", false, false},
    {"client", -2, "sentinel", false, false},
    {"shutdown", -1, "admin noscript loading stale no_multi sentinel allow_busy", false, false},
    {"auth", -2, "noscript loading stale fast no_auth sentinel allow_busy", true, false},
    {"hello", -1, "noscript loading stale fast no_auth sentinel allow_busy", true, false},
    {"command", -1, "loading stale sentinel", false, false},
    {"quit", -1, "allow_busy noscript loading stale fast no_auth", true, true},
};

const CommandInfo* FindCommand(std::string_view name) {
  for (const CommandInfo& c : kCommands) {
    if (EqualsNoCase(c.name, name)) return &c;
  }
  return nullptr;
}


}  // namespace

SentinelClient::SentinelClient(Frontend* f, net::Connection* c)
    : fe(f), conn(c), rb(&c->out()) {}

void SentinelClient::DeliverMessage(std::string_view channel, std::string_view message) {
  rb.StartPush(3);
  rb.SendBulk("message");
  rb.SendBulk(channel);
  rb.SendBulk(message);
  conn->ScheduleFlush();
}

void SentinelClient::DeliverPatternMessage(std::string_view pattern, std::string_view channel,
                                           std::string_view message) {
  rb.StartPush(4);
  rb.SendBulk("pmessage");
  rb.SendBulk(pattern);
  rb.SendBulk(channel);
  rb.SendBulk(message);
  conn->ScheduleFlush();
}

Frontend::Frontend(net::EventLoop* loop, Sentinel* sentinel)
    : loop_(loop), sentinel_(sentinel), net_(loop, this), run_id_(RandomHex(40)) {}

Frontend::~Frontend() {
  net_.StopListening();
  // net_ outlives nothing else here: drop our clients before it retires their connections.
  for (auto& [id, cl] : clients_) {
    cl->conn->user = nullptr;
    delete cl;
  }
  clients_.clear();
}

std::string Frontend::Listen() {
  const SentinelConfig& c = state().config;
  std::vector<std::string> bind = c.bind;
  if (bind.empty()) bind = {"*", "-::*"};
  return net_.ListenTcp(bind, c.port, 511);
}

void Frontend::StopListening() { net_.StopListening(); }

void Frontend::PublishEvent(std::string_view channel, std::string_view payload) {
  // The core has already logged the event ("+sdown master mymaster 127.0.0.1 6379").
  pubsub_.Publish(channel, payload);
}

bool Frontend::OnOpen(net::Connection* c) {
  ++stats_.connections_received;
  const SentinelConfig& cfg = state().config;
  if (cfg.protected_mode && cfg.requirepass.empty() && !c->IsLocal()) {
    ++stats_.rejected_connections;
    c->out().Append("-" + std::string(errors::kDenied) + "\r\n");
    return false;
  }
  auto* cl = new SentinelClient(this, c);
  cl->authenticated = state().config.requirepass.empty();
  cl->created_ms = cl->last_interaction_ms = NowMs();
  c->user = cl;
  c->parser().set_authenticated(cl->authenticated);
  clients_[c->id()] = cl;
  return true;
}

void Frontend::OnClose(net::Connection* c) {
  auto* cl = static_cast<SentinelClient*>(c->user);
  if (cl == nullptr) return;
  for (const std::string& ch : cl->channels) pubsub_.Unsubscribe(cl, ch);
  for (const std::string& p : cl->patterns) pubsub_.PUnsubscribe(cl, p);
  clients_.erase(c->id());
  c->user = nullptr;
  delete cl;
}

bool Frontend::OnRequest(net::Connection* c, std::vector<std::string_view>& args) {
  auto* cl = static_cast<SentinelClient*>(c->user);
  cl->last_interaction_ms = NowMs();
  ++stats_.commands_processed;
  Dispatch(cl, args);
  return true;
}

void Frontend::Dispatch(SentinelClient* cl, Args& args) {
  ReplyBuilder& rb = cl->rb;
  const CommandInfo* cmd = FindCommand(args[0]);
  auto reject = [&](const std::string& err) {
    ++stats_.error_replies;
    rb.SendError(err);
  };
  if (cmd == nullptr) {
    cl->last_cmd = "NULL";
    std::string rest;
    for (size_t i = 1; i < args.size() && rest.size() < 128; ++i) {
      rest += "'" + Sanitize(args[i], 128 - rest.size()) + "' ";
    }
    reject("ERR unknown command '" + Sanitize(args[0], 128) + "', with args beginning with: " +
           rest);
    return;
  }
  cl->last_cmd = cmd->name;
  if (args.size() >= 2 && (EqualsNoCase(cmd->name, "client") ||
                           EqualsNoCase(cmd->name, "sentinel") ||
                           EqualsNoCase(cmd->name, "command"))) {
    cl->last_cmd = std::string(cmd->name) + "|" + ToLower(args[1]);
  }
  int argc = static_cast<int>(args.size());
  if ((cmd->arity > 0 && cmd->arity != argc) || (cmd->arity < 0 && argc < -cmd->arity)) {
    reject("ERR wrong number of arguments for '" + std::string(cmd->name) + "' command");
    return;
  }
  if (!cl->authenticated && !cmd->no_auth) {
    reject(std::string(errors::kNoAuth));
    return;
  }
  if (!rb.resp3() && cl->subscriptions() > 0 && !cmd->pubsub_ok) {
    reject("ERR Can't execute '" + std::string(cmd->name) +
           "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this "
           "context");
    return;
  }
  uint64_t errors_before = rb.errors();
  std::string_view name = cmd->name;
  if (name == "ping") {
    CmdPing(cl, args);
  } else if (name == "echo") {
    rb.SendBulk(args[1]);
  } else if (name == "sentinel") {
    CmdSentinel(*this, cl, args);
  } else if (name == "subscribe") {
    CmdSubscribe(cl, args, false);
  } else if (name == "psubscribe") {
    CmdSubscribe(cl, args, true);
  } else if (name == "unsubscribe") {
    CmdUnsubscribe(cl, args, false);
  } else if (name == "punsubscribe") {
    CmdUnsubscribe(cl, args, true);
  } else if (name == "publish") {
    // Sable sentinels say hello over gRPC; the hello channel is accepted and ignored.
    if (args[1] == "__sentinel__:hello") {
      rb.SendLong(0);
    } else {
      rb.SendError("ERR Only HELLO messages are accepted by Sentinel instances.");
    }
  } else if (name == "info") {
    CmdInfo(cl, args);
  } else if (name == "role") {
    CmdRole(cl, args);
  } else if (name == "client") {
    CmdClient(cl, args);
  } else if (name == "shutdown") {
    CmdShutdown(cl, args);
  } else if (name == "auth") {
    CmdAuth(cl, args);
  } else if (name == "hello") {
    CmdHello(cl, args);
  } else if (name == "command") {
    CmdCommand(cl, args);
  } else if (name == "quit") {
    rb.SendOk();
    cl->conn->CloseAfterReply();
  }
  stats_.error_replies += rb.errors() - errors_before;
}

void Frontend::CmdPing(SentinelClient* cl, Args& args) {
  ReplyBuilder& rb = cl->rb;
  if (args.size() > 2) {
    rb.SendError("ERR wrong number of arguments for 'ping' command");
    return;
  }
  if (!rb.resp3() && cl->subscriptions() > 0) {
    rb.StartArray(2);
    rb.SendBulk("pong");
    rb.SendBulk(args.size() == 2 ? args[1] : "");
    return;
  }
  if (args.size() == 2) {
    rb.SendBulk(args[1]);
  } else {
    rb.SendSimple("PONG");
  }
}

namespace {

bool CheckPassword(const SentinelConfig& c, std::string_view user, std::string_view pass) {
  if (user != "default") return false;
  return c.requirepass.empty() || pass == c.requirepass;
}

}  // namespace

void Frontend::CmdAuth(SentinelClient* cl, Args& args) {
  ReplyBuilder& rb = cl->rb;
  const SentinelConfig& cfg = state().config;
  if (args.size() > 3) {
    rb.SendError(errors::kSyntax);
    return;
  }
  std::string_view user = "default";
  std::string_view pass = args[1];
  if (args.size() == 3) {
    user = args[1];
    pass = args[2];
  } else if (cfg.requirepass.empty()) {
    rb.SendError(errors::kAuthNotConfigured);
    return;
  }
  if (!CheckPassword(cfg, user, pass)) {
    rb.SendError(errors::kWrongPass);
    return;
  }
  cl->authenticated = true;
  cl->conn->parser().set_authenticated(true);
  rb.SendOk();
}

void Frontend::CmdHello(SentinelClient* cl, Args& args) {
  ReplyBuilder& rb = cl->rb;
  HelloRequest hello;
  std::string err = ParseHello(args, rb.resp3(), &hello);
  if (!err.empty()) {
    rb.SendError(err);
    return;
  }
  if (hello.has_auth) {
    if (!CheckPassword(state().config, hello.user, hello.pass)) {
      rb.SendError(errors::kWrongPass);
      return;
    }
    cl->authenticated = true;
    cl->conn->parser().set_authenticated(true);
  }
  if (!cl->authenticated) {
    rb.SendError(kHelloNoAuth);
    return;
  }
  if (hello.has_name) {
    if (!ValidClientName(hello.name)) {
      rb.SendError(kBadClientName);
      return;
    }
    cl->name = std::string(hello.name);
  }
  int64_t ver = hello.version;
  rb.set_resp3(ver == 3);
  // Sentinel mode has no "role" entry.
  SendHelloReply(rb, kRedisCompatVersion, ver, static_cast<int64_t>(cl->conn->id()), "sentinel",
                 "");
}

void Frontend::CmdRole(SentinelClient* cl, Args& args) {
  ReplyBuilder& rb = cl->rb;
  rb.StartArray(2);
  rb.SendBulk("sentinel");
  rb.StartArray(state().masters.size());
  for (const auto& [name, m] : state().masters) rb.SendBulk(name);
}

void Frontend::CmdSubscribe(SentinelClient* cl, Args& args, bool pattern) {
  ReplyBuilder& rb = cl->rb;
  for (size_t i = 1; i < args.size(); ++i) {
    std::string what(args[i]);
    if (pattern) {
      if (cl->patterns.insert(what).second) pubsub_.PSubscribe(cl, what);
    } else {
      if (cl->channels.insert(what).second) pubsub_.Subscribe(cl, what);
    }
    rb.StartPush(3);
    rb.SendBulk(pattern ? "psubscribe" : "subscribe");
    rb.SendBulk(what);
    rb.SendLong(static_cast<int64_t>(cl->subscriptions()));
  }
}

void Frontend::Unsubscribe(SentinelClient* cl, const std::string& what, bool pattern,
                           bool notify) {
  if (pattern) {
    if (cl->patterns.erase(what)) pubsub_.PUnsubscribe(cl, what);
  } else {
    if (cl->channels.erase(what)) pubsub_.Unsubscribe(cl, what);
  }
  if (!notify) return;
  ReplyBuilder& rb = cl->rb;
  rb.StartPush(3);
  rb.SendBulk(pattern ? "punsubscribe" : "unsubscribe");
  rb.SendBulk(what);
  rb.SendLong(static_cast<int64_t>(cl->subscriptions()));
}

void Frontend::CmdUnsubscribe(SentinelClient* cl, Args& args, bool pattern) {
  ReplyBuilder& rb = cl->rb;
  if (args.size() == 1) {
    std::set<std::string>& set = pattern ? cl->patterns : cl->channels;
    if (set.empty()) {
      rb.StartPush(3);
      rb.SendBulk(pattern ? "punsubscribe" : "unsubscribe");
      rb.SendNull();
      rb.SendLong(static_cast<int64_t>(cl->subscriptions()));
      return;
    }
    std::vector<std::string> all(set.begin(), set.end());
    for (const std::string& w : all) Unsubscribe(cl, w, pattern, true);
    return;
  }
  for (size_t i = 1; i < args.size(); ++i) Unsubscribe(cl, std::string(args[i]), pattern, true);
}

void Frontend::CmdShutdown(SentinelClient* cl, Args& args) {
  for (size_t i = 1; i < args.size(); ++i) {
    std::string opt = ToLower(args[i]);
    if (opt != "nosave" && opt != "save" && opt != "now" && opt != "force" && opt != "abort") {
      cl->rb.SendError(errors::kSyntax);
      return;
    }
    if (opt == "abort") {
      cl->rb.SendError("ERR No shutdown in progress.");
      return;
    }
  }
  spdlog::warn("User requested shutdown...");
  if (shutdown_) shutdown_();
}

void Frontend::CmdCommand(SentinelClient* cl, Args& args) {
  ReplyBuilder& rb = cl->rb;
  auto send_info = [&](const CommandInfo& c) {
    rb.StartArray(10);
    rb.SendBulk(c.name);
    rb.SendLong(c.arity);
    std::vector<std::string_view> flags;
    std::string_view f = c.flags;
    while (!f.empty()) {
      size_t sp = f.find(' ');
      flags.push_back(f.substr(0, sp));
      f = sp == std::string_view::npos ? std::string_view() : f.substr(sp + 1);
    }
    rb.StartSet(flags.size());
    for (std::string_view fl : flags) rb.SendSimple(fl);
    rb.SendLong(0);
    rb.SendLong(0);
    rb.SendLong(0);
    rb.StartSet(0);
    rb.StartSet(0);
    rb.StartArray(0);
    rb.StartArray(0);
  };
  size_t n = std::size(kCommands);
  if (args.size() == 1) {
    rb.StartArray(n);
    for (const CommandInfo& c : kCommands) send_info(c);
    return;
  }
  std::string sub = ToLower(args[1]);
  if (sub == "count") {
    rb.SendLong(static_cast<int64_t>(n));
  } else if (sub == "list") {
    rb.StartArray(n);
    for (const CommandInfo& c : kCommands) rb.SendBulk(c.name);
  } else if (sub == "info") {
    rb.StartArray(args.size() - 2);
    for (size_t i = 2; i < args.size(); ++i) {
      const CommandInfo* c = FindCommand(args[i]);
      if (c) {
        send_info(*c);
      } else {
        rb.SendNullArray();
      }
    }
  } else if (sub == "docs") {
    rb.StartMap(0);
  } else if (sub == "getkeys" || sub == "getkeysandflags") {
    rb.SendError("ERR The command has no key arguments");
  } else {
    rb.SendError("ERR unknown subcommand '" + Sanitize(args[1], 128) + "'. Try COMMAND HELP.");
  }
}

}  // namespace sable::sentinel

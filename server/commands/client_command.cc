// CLIENT and its subcommands: connection names and ids, CLIENT LIST/INFO lines, KILL, REPLY,
// PAUSE/UNPAUSE, NO-EVICT and SETINFO. Replies and errors follow Redis 7.0 byte for byte, except
// SETINFO and the lib-name/lib-ver fields, which follow Redis 7.2 (clients send SETINFO on
// connect and 7.2's answer is the useful one). Client-side caching itself lives in
// server/core/tracking.{h,cc}.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <iterator>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "server/commands/register.h"
#include "server/core/client_pause.h"
#include "server/core/context.h"
#include "server/core/server.h"
#include "server/resp/errors.h"
#include "server/resp/hello.h"
#include "server/util/clock.h"
#include "server/util/numbers.h"
#include "server/util/strings.h"

namespace sable {
namespace {

// CLIENT LIST TYPE / CLIENT KILL TYPE classes, as Redis's getClientType() sees them.
enum class ClientType { kNormal, kReplica, kPubSub, kMaster };

ClientType TypeOf(const Client* c) {
  if (c->is_master) return ClientType::kMaster;
  if (c->is_replica) return ClientType::kReplica;
  return c->subscription_count() > 0 ? ClientType::kPubSub : ClientType::kNormal;
}

bool ParseClientType(std::string_view s, ClientType* out) {
  if (EqualsNoCase(s, "normal")) {
    *out = ClientType::kNormal;
  } else if (EqualsNoCase(s, "slave") || EqualsNoCase(s, "replica")) {
    *out = ClientType::kReplica;
  } else if (EqualsNoCase(s, "pubsub")) {
    *out = ClientType::kPubSub;
  } else if (EqualsNoCase(s, "master")) {
    *out = ClientType::kMaster;
  } else {
    return false;
  }
  return true;
}

// Redis's addReplySubcommandSyntaxError(), for subcommands whose arity the table cannot express.
void ReplySubcommandSyntax(CommandContext& ctx) {
  std::string parent = ctx.cmd->parent ? ctx.cmd->parent->name : ctx.cmd->name;
  for (char& ch : parent) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  ctx.rb.SendError("ERR unknown subcommand or wrong number of arguments for '" +
                   std::string(ctx.arg(1).substr(0, 128)) + "'. Try " + parent + " HELP.");
}

// Clients being closed are gone as far as LIST and KILL are concerned: Redis frees a killed
// client at once, we close it at the next safe point.
bool Gone(Client* c) { return c->closing(); }

size_t ArgvBytes(const std::vector<std::string>& argv) {
  size_t n = 0;
  for (const std::string& a : argv) n += a.size();
  return n;
}

// CLIENT GETREDIR, TRACKINGINFO and LIST's redir=: -1 when not tracking, 0 without REDIRECT.
int64_t Redirection(const Client* c) {
  return c->tracking.on ? static_cast<int64_t>(c->tracking.redirect) : -1;
}

// One CLIENT LIST line without its newline, fields in Redis 7.0's order plus 7.2's lib fields.
// `ctx` identifies the client running the command, whose argv Redis counts in argv-mem.
std::string ClientInfoLine(CommandContext& ctx, Client* c) {
  net::Connection* conn = c->conn();
  std::string flags;
  if (c->monitor) {
    flags += 'O';
  } else if (c->is_replica) {
    flags += 'S';
  }
  if (c->is_master) flags += 'M';
  if (c->subscription_count() > 0) flags += 'P';
  if (c->in_multi) flags += 'x';
  if (!c->postponed.empty() || ctx.server.blocking().IsBlocked(c)) flags += 'b';
  if (c->tracking.on) flags += 't';
  if (c->tracking.broken_redirect) flags += 'R';
  if (c->tracking.bcast) flags += 'B';
  if (c->watch_broken) flags += 'd';
  if (conn && conn->is_unix()) flags += 'U';
  if (c->no_evict) flags += 'e';
  if (flags.empty()) flags = "N";

  size_t argc = 0, argv_mem = 0;
  if (c == ctx.client) {
    argc = ctx.argc();
    for (std::string_view a : ctx.args) argv_mem += a.size();
  } else if (!c->postponed.empty()) {
    argc = c->postponed.size();
    argv_mem = ArgvBytes(c->postponed);
  }
  // Redis counts queued argv bytes plus one object pointer per argument.
  size_t multi_mem = 0;
  if (c->in_multi) {
    for (const QueuedCommand& q : c->queued) {
      multi_mem += ArgvBytes(q.args) + sizeof(void*) * q.args.size();
    }
  }
  size_t qbuf = conn ? conn->query_buffer_size() : 0;
  size_t qbuf_alloc = conn ? conn->query_buffer_alloc() : 0;
  size_t qbuf_free = qbuf_alloc > qbuf ? qbuf_alloc - qbuf : 0;
  // Our reply buffer is a list of 16k chunks: the first stands for Redis's static buffer
  // (rbs/obl), the rest for its reply list (oll/omem).
  constexpr size_t kChunk = OutputBuffer::kChunkSize;
  const OutputBuffer& out = c->out();
  size_t obl = std::min(out.size(), kChunk);
  size_t oll = out.size() > kChunk ? (out.size() - kChunk + kChunk - 1) / kChunk : 0;
  size_t omem = out.allocated() > kChunk ? out.allocated() - kChunk : 0;
  size_t pubsub_mem = 0;
  for (const std::string& ch : c->channels) pubsub_mem += ch.size();
  for (const std::string& p : c->patterns) pubsub_mem += p.size();
  size_t tot_mem = sizeof(Client) + qbuf_alloc + kChunk + omem + argv_mem + sizeof(void*) * argc +
                   multi_mem + pubsub_mem;

  int64_t now_s = CachedMs() / 1000;
  std::string s;
  s.reserve(384);
  s += "id=" + std::to_string(c->id());
  s += " addr=" + (conn ? conn->peer() : std::string());
  s += " laddr=" + (conn ? conn->local() : std::string());
  s += " fd=" + std::to_string(conn ? conn->fd() : -1);
  s += " name=" + c->name;
  s += " age=" + std::to_string(now_s - c->ctime_ms / 1000);
  s += " idle=" + std::to_string(now_s - c->last_interaction_ms / 1000);
  s += " flags=" + flags;
  s += " db=" + std::to_string(c->db_index);
  s += " sub=" + std::to_string(c->channels.size());
  s += " psub=" + std::to_string(c->patterns.size());
  s += " ssub=" + std::to_string(c->shard_channels.size());
  s += " multi=" + std::to_string(c->in_multi ? static_cast<int64_t>(c->queued.size()) : -1);
  s += " qbuf=" + std::to_string(qbuf);
  s += " qbuf-free=" + std::to_string(qbuf_free);
  s += " argv-mem=" + std::to_string(argv_mem);
  s += " multi-mem=" + std::to_string(multi_mem);
  s += " rbs=" + std::to_string(kChunk);
  s += " rbp=" + std::to_string(obl);
  s += " obl=" + std::to_string(obl);
  s += " oll=" + std::to_string(oll);
  s += " omem=" + std::to_string(omem);
  s += " tot-mem=" + std::to_string(tot_mem);
  s += " events=";
  if (conn) s += out.empty() ? "r" : "rw";
  s += " cmd=" + c->last_cmd;
  s += " user=" + c->user;
  s += " redir=" + std::to_string(Redirection(c));
  s += c->rb().resp3() ? " resp=3" : " resp=2";
  s += " lib-name=" + c->lib_name;
  s += " lib-ver=" + c->lib_ver;
  return s;
}

void CmdClientId(CommandContext& ctx) { ctx.rb.SendLong(static_cast<int64_t>(ctx.client->id())); }

void CmdClientSetName(CommandContext& ctx) {
  std::string_view name = ctx.arg(2);
  if (!ValidClientName(name)) {
    ctx.rb.SendError(kBadClientName);
    return;
  }
  ctx.client->name = std::string(name);
  ctx.rb.SendOk();
}

void CmdClientGetName(CommandContext& ctx) {
  if (ctx.client->name.empty()) {
    ctx.rb.SendNull();
  } else {
    ctx.rb.SendBulk(ctx.client->name);
  }
}

// CLIENT SETINFO LIB-NAME|LIB-VER <value> (Redis 7.2); an empty value clears the attribute.
void CmdClientSetInfo(CommandContext& ctx) {
  std::string_view attr = ctx.arg(2);
  std::string* dest;
  if (EqualsNoCase(attr, "lib-name")) {
    dest = &ctx.client->lib_name;
  } else if (EqualsNoCase(attr, "lib-ver")) {
    dest = &ctx.client->lib_ver;
  } else {
    ctx.rb.SendError("ERR Unrecognized option '" + std::string(attr) + "'");
    return;
  }
  if (!ValidClientName(ctx.arg(3))) {
    ctx.rb.SendError("ERR " + std::string(attr) +
                     " cannot contain spaces, newlines or special characters.");
    return;
  }
  *dest = std::string(ctx.arg(3));
  ctx.rb.SendOk();
}

void CmdClientList(CommandContext& ctx) {
  std::string text;
  if (ctx.argc() == 4 && EqualsNoCase(ctx.arg(2), "type")) {
    ClientType type;
    if (!ParseClientType(ctx.arg(3), &type)) {
      ctx.rb.SendError("ERR Unknown client type '" + std::string(ctx.arg(3)) + "'");
      return;
    }
    for (const auto& [id, c] : ctx.server.clients()) {
      if (Gone(c) || TypeOf(c) != type) continue;
      text += ClientInfoLine(ctx, c);
      text += '\n';
    }
  } else if (ctx.argc() > 3 && EqualsNoCase(ctx.arg(2), "id")) {
    // In the order asked, repeats included, as Redis does.
    for (size_t i = 3; i < ctx.argc(); ++i) {
      int64_t id;
      if (!ParseInt64(ctx.arg(i), &id)) {
        ctx.rb.SendError("ERR Invalid client ID");
        return;
      }
      Client* c = ctx.server.FindClient(static_cast<uint64_t>(id));
      if (c == nullptr || Gone(c)) continue;
      text += ClientInfoLine(ctx, c);
      text += '\n';
    }
  } else if (ctx.argc() != 2) {
    ctx.rb.SendError(errors::kSyntax);
    return;
  } else {
    for (const auto& [id, c] : ctx.server.clients()) {
      if (Gone(c)) continue;
      text += ClientInfoLine(ctx, c);
      text += '\n';
    }
  }
  ctx.rb.SendVerbatim("txt", text);
}

void CmdClientInfo(CommandContext& ctx) {
  ctx.rb.SendVerbatim("txt", ClientInfoLine(ctx, ctx.client) + "\n");
}

// CLIENT KILL <ip:port> (old form: OK or an error) or CLIENT KILL <filter> <value> ... (new
// form: the number killed). Options are checked in order and the first bad one is reported.
void CmdClientKill(CommandContext& ctx) {
  std::string_view addr, laddr, user;
  bool has_addr = false, has_laddr = false, has_user = false, has_type = false;
  ClientType type = ClientType::kNormal;
  uint64_t id = 0;
  bool skipme = true;
  bool old_form = ctx.argc() == 3;
  if (old_form) {
    addr = ctx.arg(2);
    has_addr = true;
    skipme = false;  // the old form may kill the caller
  } else {
    for (size_t i = 2; i < ctx.argc(); i += 2) {
      std::string_view opt = ctx.arg(i);
      bool more = i + 1 < ctx.argc();
      if (!more) {
        ctx.rb.SendError(errors::kSyntax);
        return;
      }
      std::string_view val = ctx.arg(i + 1);
      if (EqualsNoCase(opt, "id")) {
        int64_t v;
        if (!ParseInt64(val, &v) || v < 1) {
          ctx.rb.SendError("ERR client-id should be greater than 0");
          return;
        }
        id = static_cast<uint64_t>(v);
      } else if (EqualsNoCase(opt, "type")) {
        if (!ParseClientType(val, &type)) {
          ctx.rb.SendError("ERR Unknown client type '" + std::string(val) + "'");
          return;
        }
        has_type = true;
      } else if (EqualsNoCase(opt, "addr")) {
        addr = val;
        has_addr = true;
      } else if (EqualsNoCase(opt, "laddr")) {
        laddr = val;
        has_laddr = true;
      } else if (EqualsNoCase(opt, "user")) {
        // "default" is the only user until ACLs land.
        if (val != "default") {
          ctx.rb.SendError("ERR No such user '" + std::string(val) + "'");
          return;
        }
        user = val;
        has_user = true;
      } else if (EqualsNoCase(opt, "skipme")) {
        if (EqualsNoCase(val, "yes")) {
          skipme = true;
        } else if (EqualsNoCase(val, "no")) {
          skipme = false;
        } else {
          ctx.rb.SendError(errors::kSyntax);
          return;
        }
      } else {
        ctx.rb.SendError(errors::kSyntax);
        return;
      }
    }
  }

  int64_t killed = 0;
  bool kill_self = false;
  for (const auto& [cid, c] : ctx.server.clients()) {
    // A socketless client cannot be disconnected, unless a link stands behind it (master).
    if ((c->conn() == nullptr && !c->close_hook) || Gone(c)) continue;
    if (has_addr && (c->conn() == nullptr || c->conn()->peer() != addr)) continue;
    if (has_laddr && (c->conn() == nullptr || c->conn()->local() != laddr)) continue;
    if (has_type && TypeOf(c) != type) continue;
    if (id != 0 && c->id() != id) continue;
    if (has_user && c->user != user) continue;
    if (c == ctx.client) {
      if (skipme) continue;
      kill_self = true;  // after the reply is queued, below
    } else {
      ctx.server.CloseClient(c, false);
    }
    ++killed;
  }

  if (old_form) {
    if (killed == 0) {
      ctx.rb.SendError("ERR No such client");
    } else {
      ctx.rb.SendOk();
    }
  } else {
    ctx.rb.SendLong(killed);
  }
  if (kill_self) ctx.server.CloseClient(ctx.client, true);
}

// CLIENT UNBLOCK <id> [TIMEOUT|ERROR]: ends the wait of a client blocked on keys (with its
// timeout reply, or the UNBLOCKED error). Clients held by CLIENT PAUSE are not "blocked" for
// this purpose, as in Redis.
void CmdClientUnblock(CommandContext& ctx) {
  if (ctx.argc() != 3 && ctx.argc() != 4) {
    ReplySubcommandSyntax(ctx);
    return;
  }
  if (ctx.argc() == 4 && !EqualsNoCase(ctx.arg(3), "timeout") &&
      !EqualsNoCase(ctx.arg(3), "error")) {
    ctx.rb.SendError("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
    return;
  }
  int64_t id;
  if (!ParseInt64(ctx.arg(2), &id)) {
    ctx.rb.SendError(errors::kNotInteger);
    return;
  }
  Client* target = ctx.server.FindClient(static_cast<uint64_t>(id));
  bool error = ctx.argc() == 4 && EqualsNoCase(ctx.arg(3), "error");
  bool done = target != nullptr && ctx.server.blocking().Unblock(target, error);
  ctx.rb.SendLong(done ? 1 : 0);
}

// CLIENT REPLY ON|OFF|SKIP. OFF and SKIP send nothing; the dispatcher applies the mode (see
// ProcessCommand) and turns an armed SKIP into a skipped next command.
void CmdClientReply(CommandContext& ctx) {
  Client* c = ctx.client;
  std::string_view mode = ctx.arg(2);
  if (EqualsNoCase(mode, "on")) {
    c->ResumeReplies();
    ctx.rb.SendOk();
  } else if (EqualsNoCase(mode, "off")) {
    c->reply_mode = ReplyMode::kOff;
  } else if (EqualsNoCase(mode, "skip")) {
    if (c->reply_mode != ReplyMode::kOff) c->skip_next_reply = true;
  } else {
    ctx.rb.SendError(errors::kSyntax);
  }
}

void CmdClientNoEvict(CommandContext& ctx) {
  std::string_view v = ctx.arg(2);
  if (EqualsNoCase(v, "on")) {
    ctx.client->no_evict = true;
  } else if (EqualsNoCase(v, "off")) {
    ctx.client->no_evict = false;
  } else {
    ctx.rb.SendError(errors::kSyntax);
    return;
  }
  ctx.rb.SendOk();
}

// CLIENT PAUSE <timeout-ms> [WRITE|ALL]. Not yet done: Redis also stops expiring and evicting
// keys while paused, so a replica being promoted sees a frozen dataset.
void CmdClientPause(CommandContext& ctx) {
  if (ctx.argc() != 3 && ctx.argc() != 4) {
    ReplySubcommandSyntax(ctx);
    return;
  }
  ClientPause::Mode mode = ClientPause::Mode::kAll;
  if (ctx.argc() == 4) {
    if (EqualsNoCase(ctx.arg(3), "write")) {
      mode = ClientPause::Mode::kWrite;
    } else if (!EqualsNoCase(ctx.arg(3), "all")) {
      ctx.rb.SendError("ERR CLIENT PAUSE mode must be WRITE or ALL");
      return;
    }
  }
  int64_t ms;
  if (!ParseInt64(ctx.arg(2), &ms)) {
    ctx.rb.SendError(errors::kTimeout);
    return;
  }
  if (ms < 0) {
    ctx.rb.SendError("ERR timeout is negative");
    return;
  }
  // As in Redis, 0 means "until the next event loop iteration". So does a timeout too big to
  // add to the clock: Redis 7.0's deadline wraps around into the past there.
  int64_t now = WallMs();
  int64_t end = 0;
  if (ms > 0 && ms <= std::numeric_limits<int64_t>::max() - now) end = now + ms;
  ctx.server.client_pause().Start(ctx.server, mode, end);
  ctx.rb.SendOk();
}

void CmdClientUnpause(CommandContext& ctx) {
  ctx.server.client_pause().End(ctx.server);
  ctx.rb.SendOk();
}

// Prefixes given to one CLIENT TRACKING call must not overlap (one a prefix of another).
bool CheckPrefixCollisions(CommandContext& ctx, const std::vector<std::string_view>& prefixes) {
  for (size_t i = 0; i < prefixes.size(); ++i) {
    for (size_t j = i + 1; j < prefixes.size(); ++j) {
      std::string_view a = prefixes[i], b = prefixes[j];
      size_t n = std::min(a.size(), b.size());
      if (a.substr(0, n) == b.substr(0, n)) {
        ctx.rb.SendError("ERR Prefix '" + std::string(a) +
                         "' overlaps with another provided prefix '" + std::string(b) +
                         "'. Prefixes for a single client must not overlap.");
        return false;
      }
    }
  }
  return true;
}

// CLIENT TRACKING ON|OFF [REDIRECT id] [BCAST] [PREFIX p ...] [OPTIN] [OPTOUT] [NOLOOP],
// checked in Redis's order with its errors.
void CmdClientTracking(CommandContext& ctx) {
  Client* c = ctx.client;
  bool bcast = false, optin = false, optout = false, noloop = false;
  int64_t redir = 0;
  std::vector<std::string_view> prefixes;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    bool more = j + 1 < ctx.argc();
    std::string_view opt = ctx.arg(j);
    if (EqualsNoCase(opt, "redirect") && more) {
      ++j;
      if (redir != 0) {
        ctx.rb.SendError("ERR A client can only redirect to a single other client");
        return;
      }
      if (!ParseInt64(ctx.arg(j), &redir)) {
        ctx.rb.SendError(errors::kNotInteger);
        return;
      }
      if (ctx.server.FindClient(static_cast<uint64_t>(redir)) == nullptr) {
        ctx.rb.SendError("ERR The client ID you want redirect to does not exist");
        return;
      }
    } else if (EqualsNoCase(opt, "bcast")) {
      bcast = true;
    } else if (EqualsNoCase(opt, "optin")) {
      optin = true;
    } else if (EqualsNoCase(opt, "optout")) {
      optout = true;
    } else if (EqualsNoCase(opt, "noloop")) {
      noloop = true;
    } else if (EqualsNoCase(opt, "prefix") && more) {
      ++j;
      prefixes.push_back(ctx.arg(j));
    } else {
      ctx.rb.SendError(errors::kSyntax);
      return;
    }
  }
  Tracking& tracking = ctx.server.tracking();
  if (EqualsNoCase(ctx.arg(2), "off")) {
    tracking.Disable(c);
    ctx.rb.SendOk();
    return;
  }
  if (!EqualsNoCase(ctx.arg(2), "on")) {
    ctx.rb.SendError(errors::kSyntax);
    return;
  }
  if (!bcast && !prefixes.empty()) {
    ctx.rb.SendError("ERR PREFIX option requires BCAST mode to be enabled");
    return;
  }
  if (c->tracking.on && c->tracking.bcast != bcast) {
    ctx.rb.SendError(
        "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and "
        "then re-enabling it with a different mode.");
    return;
  }
  if (bcast && (optin || optout)) {
    ctx.rb.SendError("ERR OPTIN and OPTOUT are not compatible with BCAST");
    return;
  }
  if (optin && optout) {
    ctx.rb.SendError("ERR You can't specify both OPTIN mode and OPTOUT mode");
    return;
  }
  if ((optin && c->tracking.optout) || (optout && c->tracking.optin)) {
    ctx.rb.SendError(
        "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and "
        "then re-enabling it with a different mode.");
    return;
  }
  if (bcast) {
    for (std::string_view p : prefixes) {
      const std::string* existing = Tracking::OverlappingPrefix(c, p);
      if (existing != nullptr && *existing != p) {
        ctx.rb.SendError("ERR Prefix '" + std::string(p) + "' overlaps with an existing prefix '" +
                         *existing + "'. Prefixes for a single client must not overlap.");
        return;
      }
    }
    if (!CheckPrefixCollisions(ctx, prefixes)) return;
  }
  tracking.Enable(c, static_cast<uint64_t>(redir), bcast, optin, optout, noloop, prefixes);
  ctx.rb.SendOk();
}

void CmdClientCaching(CommandContext& ctx) {
  TrackingState& t = ctx.client->tracking;
  if (!t.on) {
    ctx.rb.SendError(
        "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN "
        "or OPTOUT mode enabled");
    return;
  }
  std::string_view opt = ctx.arg(2);
  if (EqualsNoCase(opt, "yes")) {
    if (!t.optin) {
      ctx.rb.SendError(
          "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
      return;
    }
  } else if (EqualsNoCase(opt, "no")) {
    if (!t.optout) {
      ctx.rb.SendError(
          "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
      return;
    }
  } else {
    ctx.rb.SendError(errors::kSyntax);
    return;
  }
  t.caching = true;
  ctx.rb.SendOk();
}

void CmdClientGetRedir(CommandContext& ctx) { ctx.rb.SendLong(Redirection(ctx.client)); }

void CmdClientTrackingInfo(CommandContext& ctx) {
  const TrackingState& t = ctx.client->tracking;
  std::vector<const char*> flags = {t.on ? "on" : "off"};
  if (t.bcast) flags.push_back("bcast");
  if (t.optin) {
    flags.push_back("optin");
    if (t.caching) flags.push_back("caching-yes");
  }
  if (t.optout) {
    flags.push_back("optout");
    if (t.caching) flags.push_back("caching-no");
  }
  if (t.noloop) flags.push_back("noloop");
  if (t.broken_redirect) flags.push_back("broken_redirect");
  ctx.rb.StartMap(3);
  ctx.rb.SendBulk("flags");
  ctx.rb.StartSet(flags.size());
  for (const char* f : flags) ctx.rb.SendBulk(f);
  ctx.rb.SendBulk("redirect");
  ctx.rb.SendLong(Redirection(ctx.client));
  ctx.rb.SendBulk("prefixes");
  std::vector<std::string> prefixes = t.prefixes;
  std::sort(prefixes.begin(), prefixes.end());
  ctx.rb.StartArray(prefixes.size());
  for (const std::string& p : prefixes) ctx.rb.SendBulk(p);
}

void CmdClientHelp(CommandContext& ctx) {
  // Redis 7.0's text, so tools that scrape it see what they expect.
  static const char* const kLines[] = {
      "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CACHING (YES|NO)",
      "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
      "GETREDIR",
      "    Return the client ID we are redirecting to when tracking is enabled.",
      "GETNAME",
      "    Return the name of the current connection.",
      "ID",
      "    Return the ID of the current connection.",
      "INFO",
      "    Return information about the current client connection.",
      "KILL <ip:port>",
      "    Kill connection made from <ip:port>.",
      "KILL <option> <value> [<option> <value> [...]]",
      "    Kill connections. Options are:",
      "    * ADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made from the specified address",
      "    * LADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made to specified local address",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Kill connections by type.",
      "    * USER <username>",
      "      Kill connections authenticated by <username>.",
      "    * SKIPME (YES|NO)",
      "      Skip killing current connection (default: yes).",
      "LIST [options ...]",
      "    Return information about client connections. Options:",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Return clients of specified type.",
      "UNPAUSE",
      "    Stop the current client pause, resuming traffic.",
      "PAUSE <timeout> [WRITE|ALL]",
      "    Suspend all, or just write, clients for <timeout> milliseconds.",
      "REPLY (ON|OFF|SKIP)",
      "    Control the replies sent to the current connection.",
      "SETNAME <name>",
      "    Assign the name <name> to the current connection.",
      "UNBLOCK <clientid> [TIMEOUT|ERROR]",
      "    Unblock the specified blocked client.",
      "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
      "         [OPTIN] [OPTOUT] [NOLOOP]",
      "    Control server assisted client side caching.",
      "TRACKINGINFO",
      "    Report tracking status for the current connection.",
      "NO-EVICT (ON|OFF)",
      "    Protect current client connection from eviction.",
      "HELP",
      "    Prints this help.",
  };
  ctx.rb.SendSimpleLines(kLines);
}

}  // namespace

void RegisterClientCommand(CommandRegistry& r) {
  r.Add(MakeCommand("client", -2, 0, kAclSlow, 0, 0, 0, nullptr, "connection",
                    "A container for client connection commands"))
      .since = "2.4.0";
  constexpr uint32_t kFlags = kCmdNoScript | kCmdLoading | kCmdStale;
  constexpr uint32_t kAcl = kAclSlow | kAclConnection;
  constexpr uint32_t kAdminFlags = kFlags | kCmdAdmin;
  constexpr uint32_t kAdminAcl = kAcl | kAclAdmin | kAclDangerous;
  auto sub = [&r](const char* name, int arity, uint32_t flags, uint32_t acl, CommandHandler h,
                  const char* since, const char* summary) {
    CommandSpec& s =
        r.AddSub("client", MakeCommand(name, arity, flags, acl, 0, 0, 0, h, "connection", summary));
    s.since = since;
  };
  sub("caching", 3, kFlags, kAcl, CmdClientCaching, "6.0.0",
      "Instruct the server about tracking or not keys in the next request");
  sub("getname", 2, kFlags, kAcl, CmdClientGetName, "2.6.9", "Get the current connection name");
  sub("getredir", 2, kFlags, kAcl, CmdClientGetRedir, "6.0.0",
      "Get tracking notifications redirection client ID if any");
  sub("help", 2, kCmdLoading | kCmdStale, kAcl, CmdClientHelp, "5.0.0",
      "Show helpful text about the different subcommands");
  sub("id", 2, kFlags, kAcl, CmdClientId, "5.0.0",
      "Returns the client ID for the current connection");
  sub("info", 2, kFlags, kAcl, CmdClientInfo, "6.2.0",
      "Returns information about the current client connection.");
  sub("kill", -3, kAdminFlags, kAdminAcl, CmdClientKill, "2.4.0",
      "Kill the connection of a client");
  sub("list", -2, kAdminFlags, kAdminAcl, CmdClientList, "2.4.0",
      "Get the list of client connections");
  sub("no-evict", 3, kAdminFlags, kAdminAcl, CmdClientNoEvict, "7.0.0",
      "Set client eviction mode for the current connection");
  sub("pause", -3, kAdminFlags, kAdminAcl, CmdClientPause, "2.9.50",
      "Stop processing commands from clients for some time");
  sub("reply", 3, kFlags, kAcl, CmdClientReply, "3.2.0",
      "Instruct the server whether to reply to commands");
  sub("setinfo", 4, kFlags, kAcl, CmdClientSetInfo, "7.2.0",
      "Set client or connection specific info");
  sub("setname", 3, kFlags, kAcl, CmdClientSetName, "2.6.9", "Set the current connection name");
  sub("tracking", -3, kFlags, kAcl, CmdClientTracking, "6.0.0",
      "Enable or disable server assisted client side caching support");
  sub("trackinginfo", 2, kFlags, kAcl, CmdClientTrackingInfo, "6.2.0",
      "Return information about server assisted client side caching for the current "
      "connection");
  sub("unblock", -3, kAdminFlags, kAdminAcl, CmdClientUnblock, "5.0.0",
      "Unblock a client blocked in a blocking command from a different connection");
  sub("unpause", 2, kAdminFlags, kAdminAcl, CmdClientUnpause, "6.2.0",
      "Resume processing of clients that were paused");
}

}  // namespace sable

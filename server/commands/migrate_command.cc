// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password |
// AUTH2 username password] [KEYS key ...], as Redis 7.0 does it: the values travel as DUMP
// payloads in RESTORE (RESTORE-ASKING in cluster mode) commands over a connection to the target
// that stays cached for 10 s; the source keys are deleted (unless COPY) and propagated as one DEL.
// Like Redis, the connect and the I/O block the main loop, bounded by the timeout.
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/commands/register.h"
#include "server/config/keyspace_events.h"
#include "server/core/context.h"
#include "server/core/server.h"
#include "server/persist/rdb_writer.h"
#include "server/resp/errors.h"
#include "server/util/clock.h"
#include "server/util/numbers.h"
#include "server/util/strings.h"

namespace sable {
namespace {

// Redis's MIGRATE_SOCKET_CACHE_ITEMS and MIGRATE_SOCKET_CACHE_TTL.
constexpr size_t kMaxCachedLinks = 64;
constexpr int64_t kCachedLinkTtlMs = 10000;

// A blocking (poll-bounded) connection to a MIGRATE target.
class MigrateLink {
 public:
  ~MigrateLink() {
    if (fd_ >= 0) ::close(fd_);
  }

  // Resolves and starts connecting; false when no address could even be tried.
  bool Connect(const std::string& host, const std::string& port, int64_t timeout_ms) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (::getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0) return false;
    int64_t deadline = MonoUs() / 1000 + timeout_ms;
    for (addrinfo* ai = res; ai != nullptr && fd_ < 0; ai = ai->ai_next) {
      int fd =
          ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
      if (fd < 0) continue;
      if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 || errno == EINPROGRESS) {
        fd_ = fd;
      } else {
        ::close(fd);
      }
    }
    // As Redis 7.0's connBlockingConnect: a connect still in progress is waited for (bounded),
    // but a refusal or timeout shows up as the first write's error ("IOERR ... writing").
    if (fd_ >= 0) WaitFor(fd_, POLLOUT, deadline);
    ::freeaddrinfo(res);
    if (fd_ < 0) return false;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return true;
  }

  // Writes everything within timeout_ms per 64 KiB chunk, as Redis's connSyncWrite calls.
  bool WriteAll(std::string_view data, int64_t timeout_ms) {
    timed_out_ = false;
    while (!data.empty()) {
      std::string_view chunk = data.substr(0, 64 * 1024);
      int64_t deadline = MonoUs() / 1000 + timeout_ms;
      while (!chunk.empty()) {
        ssize_t n = ::send(fd_, chunk.data(), chunk.size(), MSG_NOSIGNAL);
        if (n > 0) {
          chunk.remove_prefix(static_cast<size_t>(n));
          data.remove_prefix(static_cast<size_t>(n));
          continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
          if (!WaitFor(fd_, POLLOUT, deadline)) return false;
          continue;
        }
        return false;
      }
    }
    return true;
  }

  // Reads one reply line (without its CRLF) within timeout_ms; false on error, timeout, close
  // or an empty line (as Redis's connSyncReadLine returning 0).
  bool ReadLine(std::string* line, int64_t timeout_ms) {
    timed_out_ = false;
    int64_t deadline = MonoUs() / 1000 + timeout_ms;
    for (;;) {
      size_t nl = in_.find('\n');
      if (nl != std::string::npos) {
        size_t end = nl > 0 && in_[nl - 1] == '\r' ? nl - 1 : nl;
        line->assign(in_, 0, end);
        in_.erase(0, nl + 1);
        return !line->empty();
      }
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n > 0) {
        in_.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (!WaitFor(fd_, POLLIN, deadline)) return false;
        continue;
      }
      return false;  // closed by the peer, or an error
    }
  }

  // A cached link the target closed meanwhile (its idle timeout, CLIENT KILL): the peer's EOF
  // or reset is already waiting. Checked before anything is sent, so a fresh connection can
  // replace it without any risk of sending a RESTORE twice.
  bool ClosedByPeer() {
    if (!in_.empty()) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    char ch;
    ssize_t n = ::recv(fd_, &ch, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
  }

  // The last WriteAll/ReadLine failed because its time ran out (Redis's errno == ETIMEDOUT,
  // which rules out the retry on a fresh connection).
  bool timed_out() const { return timed_out_; }

  int64_t last_db = -1;     // the db the last successful MIGRATE selected on this link
  int64_t last_use_ms = 0;  // for the idle expiry

 private:
  bool WaitFor(int fd, short events, int64_t deadline_ms) {
    for (;;) {
      int64_t left = deadline_ms - MonoUs() / 1000;
      if (left <= 0) {
        timed_out_ = true;
        return false;
      }
      pollfd p{fd, events, 0};
      // poll() takes an int: a longer wait goes in slices (a negative value would wait forever).
      int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, INT_MAX)));
      if (r > 0) return true;
      if (r == 0) {
        timed_out_ = true;
        return false;
      }
      if (errno != EINTR) return false;
    }
  }

  int fd_ = -1;
  bool timed_out_ = false;
  std::string in_;
};

// Redis's migrate_cached_sockets: links by "host:port", closed after 10 s unused.
struct MigrateLinks {
  std::map<std::string, std::unique_ptr<MigrateLink>> links;

  void CloseIdle(int64_t now_ms) {
    for (auto it = links.begin(); it != links.end();) {
      if (now_ms - it->second->last_use_ms > kCachedLinkTtlMs) {
        it = links.erase(it);
      } else {
        ++it;
      }
    }
  }
};

// One cache per server (by run id: a server made later at the same address is another one);
// its cron closes idle links, as Redis's migrateCloseTimedoutSockets().
MigrateLinks& LinksOf(Server& server) {
  static std::map<std::string, std::shared_ptr<MigrateLinks>> all;
  auto& slot = all[server.run_id()];
  if (!slot) {
    slot = std::make_shared<MigrateLinks>();
    std::weak_ptr<MigrateLinks> weak = slot;
    server.AddCronHook([weak] {
      if (auto links = weak.lock()) links->CloseIdle(MonoUs() / 1000);
    });
  }
  return *slot;
}

// The cached link to host:port, or a new one; nullptr when connecting failed.
MigrateLink* GetLink(MigrateLinks& cache, const std::string& host, const std::string& port,
                     int64_t timeout_ms) {
  std::string name = host + ":" + port;
  int64_t now = MonoUs() / 1000;
  auto it = cache.links.find(name);
  if (it != cache.links.end() && it->second->ClosedByPeer()) {
    cache.links.erase(it);
    it = cache.links.end();
  }
  if (it != cache.links.end()) {
    it->second->last_use_ms = now;
    return it->second.get();
  }
  if (cache.links.size() >= kMaxCachedLinks) cache.links.erase(cache.links.begin());
  auto link = std::make_unique<MigrateLink>();
  if (!link->Connect(host, port, timeout_ms)) return nullptr;
  link->last_use_ms = now;
  MigrateLink* raw = link.get();
  cache.links[name] = std::move(link);
  return raw;
}

void CloseLink(MigrateLinks& cache, const std::string& host, const std::string& port) {
  cache.links.erase(host + ":" + port);
}

void AppendBulk(std::string* out, std::string_view s) {
  out->push_back('$');
  out->append(std::to_string(s.size()));
  out->append("\r\n");
  out->append(s);
  out->append("\r\n");
}

void AppendCommand(std::string* out, std::initializer_list<std::string_view> argv) {
  out->push_back('*');
  out->append(std::to_string(argv.size()));
  out->append("\r\n");
  for (std::string_view a : argv) AppendBulk(out, a);
}

struct MigrateArgs {
  bool copy = false;
  bool replace = false;
  bool auth = false;
  bool auth2 = false;  // AUTH2: a username too
  std::string_view username;
  std::string_view password;
  size_t first_key = 3;
  size_t num_keys = 1;
};

// Options from argv[6] on, in Redis's order of checks; false after replying with the error.
bool ParseMigrateArgs(CommandContext& ctx, MigrateArgs* a) {
  for (size_t j = 6; j < ctx.argc(); ++j) {
    std::string_view opt = ctx.arg(j);
    size_t more = ctx.argc() - 1 - j;
    if (EqualsNoCase(opt, "copy")) {
      a->copy = true;
    } else if (EqualsNoCase(opt, "replace")) {
      a->replace = true;
    } else if (EqualsNoCase(opt, "auth")) {
      if (more == 0) {
        ctx.rb.SendError(errors::kSyntax);
        return false;
      }
      a->auth = true;
      ctx.Redact(j + 1);
      a->password = ctx.arg(++j);
    } else if (EqualsNoCase(opt, "auth2")) {
      if (more < 2) {
        ctx.rb.SendError(errors::kSyntax);
        return false;
      }
      a->auth = true;
      a->auth2 = true;
      ctx.Redact(j + 1);
      ctx.Redact(j + 2);
      a->username = ctx.arg(++j);
      a->password = ctx.arg(++j);
    } else if (EqualsNoCase(opt, "keys")) {
      if (!ctx.arg(3).empty()) {
        ctx.rb.SendError(
            "ERR When using MIGRATE KEYS option, the key argument must be set to the empty "
            "string");
        return false;
      }
      a->first_key = j + 1;
      a->num_keys = ctx.argc() - j - 1;
      break;  // every remaining argument is a key
    } else {
      ctx.rb.SendError(errors::kSyntax);
      return false;
    }
  }
  return true;
}

// The keys MIGRATE moves (Redis's migrateGetKeys): argv[3], or everything after KEYS.
std::vector<int> MigrateKeys(const std::vector<std::string_view>& args) {
  int argc = static_cast<int>(args.size());
  int first = 3;
  int num = 1;
  for (int i = 6; i < argc; ++i) {
    if (EqualsNoCase(args[i], "keys")) {
      if (!args[3].empty()) return {};
      first = i + 1;
      num = argc - first;
      break;
    }
  }
  std::vector<int> out;
  for (int i = first; i < first + num && i < argc; ++i) out.push_back(i);
  return out;
}

struct KeyToMove {
  std::string_view key;
  Entry* entry;
};

// What one MIGRATE asks for, besides the keys.
struct MigrateTarget {
  std::string host;
  std::string port;
  int64_t db = 0;
  int64_t timeout_ms = 1000;
  bool restore_asking = false;  // cluster mode: RESTORE-ASKING instead of RESTORE
  bool compress = true;         // rdbcompression for the payloads
};

struct MigrateResult {
  enum class Status {
    kOk,
    kConnectError,  // no connection could even be started
    kIoError,       // writing or reading failed or timed out
    kTargetError,   // the target refused AUTH, SELECT or a RESTORE
    kDumpError,     // a value has no DUMP encoding
  };
  Status status = Status::kOk;
  bool write_error = false;  // kIoError: while writing (else reading)
  std::string error;         // kTargetError: the target's error (no '-'); kDumpError: why
  // Keys the target acknowledged, in order; the source deletes them unless COPY.
  std::vector<std::string_view> acked;
};

// Sends the keys to the target over the cached link and reads the replies, as Redis's
// migrateCommand(): a cached link that fails before any reply arrived is retried once on a
// fresh connection, unless the time ran out.
MigrateResult OpMigrate(Db& db, MigrateLinks& cache, const MigrateTarget& t, const MigrateArgs& a,
                        const std::vector<KeyToMove>& keys) {
  MigrateResult res;
  bool may_retry = true;
  for (;;) {
    res = MigrateResult{};
    MigrateLink* link = GetLink(cache, t.host, t.port, t.timeout_ms);
    if (link == nullptr) {
      res.status = MigrateResult::Status::kConnectError;
      return res;
    }
    std::string out;
    if (a.auth) {
      if (a.auth2) {
        AppendCommand(&out, {"AUTH", a.username, a.password});
      } else {
        AppendCommand(&out, {"AUTH", a.password});
      }
    }
    const bool select = link->last_db != t.db;
    if (select) AppendCommand(&out, {"SELECT", std::to_string(t.db)});

    // Values expire between the lookup and here only in theory (the loop is ours), but Redis
    // skips keys whose TTL ran out, and so do we.
    std::vector<KeyToMove> sent;
    int64_t now = CachedMs();
    std::string payload;
    for (const KeyToMove& k : keys) {
      int64_t ttl = 0;
      int64_t when = db.GetExpire(k.entry);
      if (when != -1) {
        ttl = when - now;
        if (ttl < 0) continue;
        if (ttl < 1) ttl = 1;
      }
      payload.clear();
      if (!DumpPayload(*k.entry, t.compress, &payload, &res.error)) {
        res.status = MigrateResult::Status::kDumpError;
        return res;
      }
      std::string ttl_str = std::to_string(ttl);
      std::string_view restore = t.restore_asking ? "RESTORE-ASKING" : "RESTORE";
      if (a.replace) {
        AppendCommand(&out, {restore, k.key, ttl_str, payload, "REPLACE"});
      } else {
        AppendCommand(&out, {restore, k.key, ttl_str, payload});
      }
      sent.push_back(k);
    }

    std::string auth_reply, select_reply, reply;
    bool socket_error = false;
    bool timed_out = false;
    if (!link->WriteAll(out, t.timeout_ms)) {
      res.write_error = true;
      timed_out = link->timed_out();
      socket_error = true;
    } else if ((a.auth && !link->ReadLine(&auth_reply, t.timeout_ms)) ||
               (select && !link->ReadLine(&select_reply, t.timeout_ms))) {
      timed_out = link->timed_out();
      socket_error = true;
    } else {
      size_t replies = 0;
      for (; replies < sent.size(); ++replies) {
        if (!link->ReadLine(&reply, t.timeout_ms)) {
          timed_out = link->timed_out();
          socket_error = true;
          break;
        }
        const std::string* err_line = nullptr;
        if (a.auth && auth_reply[0] == '-') {
          err_line = &auth_reply;
        } else if (select && select_reply[0] == '-') {
          err_line = &select_reply;
        } else if (reply[0] == '-') {
          err_line = &reply;
        }
        if (err_line == nullptr) {
          res.acked.push_back(sent[replies].key);
        } else if (res.status != MigrateResult::Status::kTargetError) {
          // The first error is the one reported; after it the link's db is not known.
          link->last_db = -1;
          res.status = MigrateResult::Status::kTargetError;
          res.error = err_line->substr(1);
        }
      }
      const bool target_error = res.status == MigrateResult::Status::kTargetError;
      // A reply that never came is never retried, as in Redis 7.0: the target may have applied
      // the RESTOREs already, and resending them would leave keys on both sides. (A cached link
      // the target had closed before we wrote is replaced in GetLink instead.)
      if (!socket_error) {
        if (!target_error) link->last_db = t.db;
        return res;
      }
      CloseLink(cache, t.host, t.port);
      if (target_error) return res;
      // Some keys may have moved: report the error with what was acknowledged, never resend.
      res.status = MigrateResult::Status::kIoError;
      return res;
    }
    // AUTH/SELECT or the write failed: close the link, retry once unless the time ran out.
    CloseLink(cache, t.host, t.port);
    if (!timed_out && may_retry) {
      may_retry = false;
      continue;
    }
    res.status = MigrateResult::Status::kIoError;
    return res;
  }
}

void CmdMigrate(CommandContext& ctx) {
  MigrateArgs a;
  if (!ParseMigrateArgs(ctx, &a)) return;
  MigrateTarget t;
  if (!ParseInt64(ctx.arg(5), &t.timeout_ms) || !ParseInt64(ctx.arg(4), &t.db)) {
    ctx.rb.SendError(errors::kNotInteger);
    return;
  }
  if (t.timeout_ms <= 0) t.timeout_ms = 1000;
  // Deadlines are now + timeout: keep the sum far from overflowing (about 24 days is Redis's
  // own practical bound, an int of milliseconds).
  t.timeout_ms = std::min<int64_t>(t.timeout_ms, INT_MAX);

  // Keys that are gone (or expired meanwhile) are simply skipped; none at all is NOKEY.
  Db& db = ctx.db();
  std::vector<KeyToMove> keys;
  for (size_t j = 0; j < a.num_keys; ++j) {
    std::string_view key = ctx.arg(a.first_key + j);
    if (Entry* e = db.Find(key)) keys.push_back({key, e});
  }
  if (keys.empty()) {
    ctx.rb.SendSimple("NOKEY");
    return;
  }

  t.host = ctx.arg(1);
  t.port = ctx.arg(2);
  t.restore_asking = ctx.server.cfg().cluster_enabled;
  t.compress = ctx.server.cfg().rdbcompression;
  MigrateResult res = OpMigrate(db, LinksOf(ctx.server), t, a, keys);

  // What the target acknowledged leaves this node (unless COPY), even when the reply is an
  // error, and replicas and the AOF see one DEL of those keys.
  if (!a.copy && !res.acked.empty()) {
    std::vector<std::string> del{"DEL"};
    for (std::string_view key : res.acked) {
      db.Delete(key, ctx.server.cfg().lazyfree_lazy_server_del);
      ctx.Notify(kNotifyGeneric, "del", key);
      del.emplace_back(key);
    }
    long long n = static_cast<long long>(res.acked.size());
    ctx.PropagateAs(std::move(del), n);
  }
  switch (res.status) {
    case MigrateResult::Status::kOk:
      ctx.rb.SendOk();
      break;
    case MigrateResult::Status::kConnectError:
      ctx.rb.SendError("IOERR error or timeout connecting to the client");
      break;
    case MigrateResult::Status::kIoError:
      ctx.rb.SendError(std::string("IOERR error or timeout ") +
                       (res.write_error ? "writing" : "reading") + " to target instance");
      break;
    case MigrateResult::Status::kTargetError:
      ctx.rb.SendError("ERR Target instance replied with error: " + res.error);
      break;
    case MigrateResult::Status::kDumpError:
      ctx.rb.SendError("ERR " + res.error);
      break;
  }
}

}  // namespace

void RegisterMigrateCommand(CommandRegistry& r) {
  CommandSpec& migrate = r.Add(MakeCommand(
      "migrate", -6, kCmdWrite, kAclKeyspace | kAclWrite | kAclSlow | kAclDangerous, 3, 3, 1,
      CmdMigrate, "generic", "Atomically transfer a key from a Redis instance to another one."));
  migrate.keys.extractor = MigrateKeys;
  migrate.since = "2.6.0";
  migrate.complexity =
      "This command actually executes a DUMP+DEL in the source instance, and a RESTORE in the "
      "target instance. See the pages of these commands for time complexity. Also an O(N) data "
      "transfer between the two instances is performed.";
}

}  // namespace sable

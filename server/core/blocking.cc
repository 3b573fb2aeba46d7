#include "server/core/blocking.h"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>

#include "cluster/cluster.h"
#include "server/core/client.h"
#include "server/core/context.h"
#include "server/core/server.h"
#include "server/util/numbers.h"

namespace sable {
namespace {

constexpr std::string_view kMissingKeyError = "UNBLOCKED the stream key no longer exists";

}  // namespace

bool Blocking::ParseTimeoutMs(CommandContext& ctx, std::string_view arg, int64_t* ms) {
  int64_t t;
  if (!ParseInt64(arg, &t)) {
    ctx.rb.SendError("ERR timeout is not an integer or out of range");
    return false;
  }
  if (t < 0) {
    ctx.rb.SendError("ERR timeout is negative");
    return false;
  }
  *ms = t == 0 ? -1 : t;
  return true;
}

bool Blocking::ParseTimeout(CommandContext& ctx, std::string_view arg, int64_t* ms) {
  long double secs;
  if (arg.empty() || std::isspace(static_cast<unsigned char>(arg[0])) ||
      !ParseLongDouble(arg, &secs) || std::isnan(secs)) {
    ctx.rb.SendError("ERR timeout is not a float or out of range");
    return false;
  }
  long double millis = secs * 1000.0L;
  if (millis > static_cast<long double>(LLONG_MAX)) {
    ctx.rb.SendError("ERR timeout is out of range");
    return false;
  }
  if (millis < 0) {
    ctx.rb.SendError("ERR timeout is negative");
    return false;
  }
  auto t = static_cast<int64_t>(std::ceil(millis));
  *ms = t == 0 ? -1 : t;
  return true;
}

bool Blocking::MayBlock(CommandContext& ctx) {
  return !ctx.server.in_exec() && !ctx.client->in_multi && !ctx.server.loading() &&
         !ctx.client->is_master;
}

uint64_t Blocking::ClientId(const Client* c) { return c->id(); }

void Blocking::Block(CommandContext& ctx, const std::vector<std::string_view>& keys,
                     ObjType type, int64_t timeout_ms, bool error_on_missing_key) {
  Client* c = ctx.client;
  if (rerunning_ == c->id()) {
    blocked_again_ = true;
    return;
  }
  State st;
  st.db = c->db_index;
  st.type = type;
  st.error_on_missing_key = error_on_missing_key;
  st.cmd = ctx.cmd;
  st.argv.assign(ctx.args.begin(), ctx.args.end());
  for (std::string_view k : keys) {
    if (std::find(st.keys.begin(), st.keys.end(), k) != st.keys.end()) continue;
    st.keys.emplace_back(k);
    waiters_[{st.db, std::string(k)}].push_back(c->id());
  }
  uint64_t id = c->id();
  if (timeout_ms > 0) {
    st.timer = server_.loop().AddTimer(static_cast<uint64_t>(timeout_ms), 0,
                                       [this, id] { Timeout(id); });
  }
  blocked_[id] = std::move(st);
  if (c->conn() != nullptr) c->conn()->Pause();
}

void Blocking::SignalKey(int db, std::string_view key) {
  KeyId k{db, std::string(key)};
  if (waiters_.count(k) == 0) return;
  if (std::find(ready_.begin(), ready_.end(), k) == ready_.end()) ready_.push_back(std::move(k));
}

void Blocking::DbChanged(int db) {
  for (const auto& [k, ids] : waiters_) {
    if (k.first == db) SignalKey(db, k.second);
  }
}

void Blocking::ServeReady() {
  if (serving_) return;
  serving_ = true;
  while (!ready_.empty()) {
    std::vector<KeyId> batch;
    batch.swap(ready_);
    for (const KeyId& k : batch) {
      // Waiters in blocking order; each one served may empty the key for the next.
      auto it = waiters_.find(k);
      if (it == waiters_.end()) continue;
      std::vector<uint64_t> ids(it->second.begin(), it->second.end());
      for (uint64_t id : ids) {
        auto st = blocked_.find(id);
        if (st == blocked_.end()) continue;
        Entry* e = server_.db(k.first).Peek(k.second);
        if (e == nullptr || server_.db(k.first).Expired(e) || e->type() != st->second.type) {
          // Nothing to serve on this key; only the waiters that end when it goes are told.
          if (st->second.error_on_missing_key) EndWithError(id, kMissingKeyError);
          continue;
        }
        TryServe(id);
      }
    }
  }
  serving_ = false;
}

bool Blocking::TryServe(uint64_t id) {
  Client* c = server_.FindClient(id);
  auto it = blocked_.find(id);
  if (c == nullptr || c->closing()) {
    Release(id);
    return true;
  }
  // The command runs again in the db it blocked in, whatever the client selected since (it
  // cannot have: it reads nothing while blocked).
  std::vector<std::string> argv = it->second.argv;
  const CommandSpec* cmd = it->second.cmd;
  std::vector<std::string_view> views(argv.begin(), argv.end());
  rerunning_ = id;
  blocked_again_ = false;
  server_.Call(c, cmd, views);
  rerunning_ = 0;
  if (blocked_again_) return false;
  Release(id);
  c->ScheduleFlush();
  return true;
}

void Blocking::Forget(uint64_t id) {
  auto it = blocked_.find(id);
  if (it == blocked_.end()) return;
  State& st = it->second;
  if (st.timer != 0) server_.loop().CancelTimer(st.timer);
  for (const std::string& k : st.keys) {
    auto w = waiters_.find({st.db, k});
    if (w == waiters_.end()) continue;
    auto& q = w->second;
    q.erase(std::remove(q.begin(), q.end(), id), q.end());
    if (q.empty()) waiters_.erase(w);
  }
  blocked_.erase(it);
}

void Blocking::Release(uint64_t id) {
  Forget(id);
  Client* c = server_.FindClient(id);
  if (c != nullptr && c->conn() != nullptr && c->postponed.empty()) c->conn()->Resume();
}

void Blocking::Timeout(uint64_t id) {
  auto it = blocked_.find(id);
  if (it == blocked_.end()) return;
  it->second.timer = 0;
  Client* c = server_.FindClient(id);
  if (c != nullptr) {
    c->rb().SendNullArray();
    c->ScheduleFlush();
  }
  Release(id);
}

void Blocking::EndWithError(uint64_t id, std::string_view error) {
  if (Client* c = server_.FindClient(id)) {
    c->rb().SendError(error);
    c->ScheduleFlush();
  }
  Release(id);
}

bool Blocking::Unblock(Client* c, bool error) {
  auto it = blocked_.find(c->id());
  if (it == blocked_.end()) return false;
  if (error) {
    EndWithError(c->id(), "UNBLOCKED client unblocked via CLIENT UNBLOCK");
  } else {
    Timeout(c->id());
  }
  return true;
}

void Blocking::ClientGone(Client* c) {
  // No Resume: the connection is closing.
  if (!blocked_.empty()) Forget(c->id());
}

void Blocking::RedirectMoved() {
  cluster::Cluster* cluster = server_.cluster();
  if (cluster == nullptr || blocked_.empty()) return;
  std::vector<std::pair<uint64_t, std::string>> ended;
  for (auto& [id, st] : blocked_) {
    std::string err = cluster->BlockedRedirect(st.keys);
    if (!err.empty()) ended.emplace_back(id, std::move(err));
  }
  for (const auto& [id, err] : ended) EndWithError(id, err);
}

}  // namespace sable

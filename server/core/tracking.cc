#include "server/core/tracking.h"

#include <algorithm>

#include "server/core/client.h"
#include "server/core/command.h"
#include "server/core/server.h"

namespace sable {

const std::string* Tracking::OverlappingPrefix(const Client* c, std::string_view prefix) {
  for (const std::string& p : c->tracking.prefixes) {
    size_t n = std::min(p.size(), prefix.size());
    if (p.compare(0, n, prefix.substr(0, n)) == 0) return &p;
  }
  return nullptr;
}

void Tracking::Enable(Client* c, uint64_t redirect, bool bcast, bool optin, bool optout,
                      bool noloop, const std::vector<std::string_view>& prefixes) {
  TrackingState& t = c->tracking;
  if (!t.on) ++clients_;
  t.on = true;
  t.broken_redirect = false;
  t.redirect = redirect;
  t.bcast = bcast;
  t.optin = optin;
  t.optout = optout;
  t.noloop = noloop;
  if (!bcast) return;
  auto add = [&](std::string_view p) {
    if (std::find(t.prefixes.begin(), t.prefixes.end(), p) != t.prefixes.end()) return;
    t.prefixes.emplace_back(p);
    auto it = prefixes_.find(p);
    if (it == prefixes_.end()) it = prefixes_.emplace(std::string(p), Prefix{}).first;
    it->second.clients.insert(c->id());
  };
  if (prefixes.empty()) add("");
  for (std::string_view p : prefixes) add(p);
}

void Tracking::Disable(Client* c) {
  TrackingState& t = c->tracking;
  if (!t.on) return;
  for (const std::string& p : t.prefixes) {
    auto it = prefixes_.find(p);
    if (it == prefixes_.end()) continue;
    it->second.clients.erase(c->id());
    if (it->second.clients.empty()) prefixes_.erase(it);
  }
  t = TrackingState{};
  --clients_;
}

void Tracking::RememberKeys(Client* caller, const CommandSpec* cmd,
                            const std::vector<std::string_view>& args) {
  const TrackingState& t = caller->tracking;
  if ((t.optin && !t.caching) || (t.optout && t.caching)) return;
  for (int pos : cmd->KeyPositions(args)) {
    std::string_view key = args[pos];
    auto it = table_.find(absl::string_view(key.data(), key.size()));
    if (it == table_.end()) {
      it = table_.emplace(std::string(key), absl::flat_hash_set<uint64_t>{}).first;
    }
    if (it->second.insert(caller->id()).second) ++items_;
  }
}

void Tracking::Invalidate(std::string_view key, Client* by) {
  if (!prefixes_.empty()) {
    // Every prefix the key starts with gathers it for the next broadcast.
    for (auto& [prefix, bs] : prefixes_) {
      if (key.substr(0, prefix.size()) == prefix) bs.keys[std::string(key)] = by ? by->id() : 0;
    }
  }
  auto it = table_.find(absl::string_view(key.data(), key.size()));
  if (it == table_.end()) return;
  // Taken out first: sending may not touch the table, but the ids must outlive the erase.
  absl::flat_hash_set<uint64_t> ids = std::move(it->second);
  items_ -= ids.size();
  table_.erase(it);
  for (uint64_t id : ids) {
    Client* target = server_.FindClient(id);
    // A client that switched to BCAST since does not get its old default-mode invalidations.
    if (target == nullptr || !target->tracking.on || target->tracking.bcast) continue;
    if (target->tracking.noloop && target == by) continue;
    if (target == by && server_.current_client() == by) {
      pending_.emplace_back(false, std::string(key));
      continue;
    }
    Send(target, {key}, false);
  }
}

void Tracking::InvalidateAll(Client* by) {
  // FLUSHALL empties every db and each says so: one command sends one flush.
  uint64_t seq = server_.stats().commands_processed;
  if (flushed_once_ && seq == flush_seq_ && by == flush_by_) return;
  flushed_once_ = true;
  flush_seq_ = seq;
  flush_by_ = by;
  if (clients_ > 0) {
    for (const auto& [id, c] : server_.clients()) {
      if (!c->tracking.on) continue;
      if (c == by && server_.current_client() == by) {
        pending_.emplace_back(true, std::string());
      } else {
        Send(c, {}, true);
      }
    }
  }
  table_.clear();
  items_ = 0;
}

void Tracking::SendPending(Client* c) {
  if (pending_.empty()) return;
  std::vector<std::pair<bool, std::string>> pending;
  pending.swap(pending_);
  if (!c->tracking.on) return;
  for (const auto& [null, key] : pending) Send(c, {key}, null);
}

void Tracking::BroadcastPending() {
  for (auto& [prefix, bs] : prefixes_) {
    if (bs.keys.empty()) continue;
    std::map<std::string, uint64_t, std::less<>> keys;
    keys.swap(bs.keys);
    std::vector<std::string_view> all;
    all.reserve(keys.size());
    for (const auto& [k, by] : keys) all.push_back(k);
    for (uint64_t id : bs.clients) {
      Client* c = server_.FindClient(id);
      if (c == nullptr) continue;
      if (!c->tracking.noloop) {
        Send(c, all, false);
        continue;
      }
      // NOLOOP: the keys this client changed itself are left out.
      std::vector<std::string_view> others;
      for (const auto& [k, by] : keys) {
        if (by != id) others.push_back(k);
      }
      if (!others.empty()) Send(c, others, false);
    }
  }
}

void Tracking::EnforceMaxKeys(uint64_t max_keys) {
  if (max_keys == 0 || table_.size() <= max_keys) return;
  // A bounded number per call, as Redis does, so a lowered limit is reached over a few cycles.
  for (int effort = 0; effort < 100 && table_.size() > max_keys; ++effort) {
    std::string key = table_.begin()->first;
    Invalidate(key, nullptr);
  }
}

void Tracking::Send(Client* c, const std::vector<std::string_view>& keys, bool null) {
  Client* target = c;
  bool redirected = false;
  if (c->tracking.redirect != 0) {
    target = server_.FindClient(c->tracking.redirect);
    if (target == nullptr || target->closing()) {
      if (!c->tracking.broken_redirect) {
        c->tracking.broken_redirect = true;
        if (c->rb().resp3()) {
          ReplyBuilder rb(&c->out(), true);
          rb.StartPush(2);
          rb.SendBulk("tracking-redir-broken");
          rb.SendLong(static_cast<int64_t>(c->tracking.redirect));
          c->ScheduleFlush();
        }
      }
      return;
    }
    redirected = true;
  }
  ReplyBuilder rb(&target->out(), target->rb().resp3());
  if (target->rb().resp3()) {
    rb.StartPush(2);
    rb.SendBulk("invalidate");
  } else if (redirected && target->subscription_count() > 0) {
    rb.StartPush(3);
    rb.SendBulk("message");
    rb.SendBulk(kChannel);
  } else {
    // RESP2 cannot push on a connection that is not subscribed: nothing can be sent.
    return;
  }
  if (null) {
    // The null of the tracking client's own protocol, as Redis writes it.
    ReplyBuilder(&target->out(), c->rb().resp3()).SendNull();
  } else {
    rb.StartArray(keys.size());
    for (std::string_view k : keys) rb.SendBulk(k);
  }
  target->ScheduleFlush();
  server_.CheckOutputLimits(target);
}

}  // namespace sable

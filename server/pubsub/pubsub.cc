#include "server/pubsub/pubsub.h"

#include <algorithm>

#include "server/util/glob.h"

namespace sable {

bool PubSub::Add(SubList& list, Subscriber* s) {
  if (std::find(list.begin(), list.end(), s) != list.end()) return false;
  list.push_back(s);
  return true;
}

bool PubSub::Remove(SubList& list, Subscriber* s) {
  auto it = std::find(list.begin(), list.end(), s);
  if (it == list.end()) return false;
  list.erase(it);
  return true;
}

bool PubSub::Subscribe(Subscriber* s, std::string_view channel) {
  auto it = channels_.find(std::string(channel));
  if (it == channels_.end()) it = channels_.emplace(std::string(channel), SubList{}).first;
  return Add(it->second, s);
}

bool PubSub::Unsubscribe(Subscriber* s, std::string_view channel) {
  auto it = channels_.find(std::string(channel));
  if (it == channels_.end()) return false;
  bool removed = Remove(it->second, s);
  if (it->second.empty()) channels_.erase(it);
  return removed;
}

bool PubSub::PSubscribe(Subscriber* s, std::string_view pattern) {
  for (auto& [p, subs] : patterns_) {
    if (p == pattern) return Add(subs, s);
  }
  patterns_.emplace_back(std::string(pattern), SubList{s});
  return true;
}

bool PubSub::PUnsubscribe(Subscriber* s, std::string_view pattern) {
  for (auto it = patterns_.begin(); it != patterns_.end(); ++it) {
    if (it->first != pattern) continue;
    bool removed = Remove(it->second, s);
    if (it->second.empty()) patterns_.erase(it);
    return removed;
  }
  return false;
}

size_t PubSub::Publish(std::string_view channel, std::string_view message) {
  size_t receivers = 0;
  if (!channels_.empty()) {
    auto it = channels_.find(std::string(channel));
    if (it != channels_.end()) {
      // Copy: a delivery may disconnect a subscriber (output limit) and edit the list.
      SubList subs = it->second;
      for (Subscriber* s : subs) {
        if (sharded_) {
          s->DeliverShardMessage(channel, message);
        } else {
          s->DeliverMessage(channel, message);
        }
      }
      receivers += subs.size();
    }
  }
  if (!patterns_.empty()) {
    auto pats = patterns_;
    for (auto& [pattern, subs] : pats) {
      if (!GlobMatch(pattern, channel)) continue;
      for (Subscriber* s : subs) s->DeliverPatternMessage(pattern, channel, message);
      receivers += subs.size();
    }
  }
  return receivers;
}

std::vector<std::string> PubSub::Channels(std::string_view pattern) const {
  std::vector<std::string> out;
  for (const auto& [name, subs] : channels_) {
    if (pattern.empty() || GlobMatch(pattern, name)) out.push_back(name);
  }
  return out;
}

size_t PubSub::NumSub(std::string_view channel) const {
  auto it = channels_.find(std::string(channel));
  return it == channels_.end() ? 0 : it->second.size();
}

std::vector<Subscriber*> PubSub::Subscribers(std::string_view channel) const {
  auto it = channels_.find(std::string(channel));
  return it == channels_.end() ? std::vector<Subscriber*>{} : it->second;
}

}  // namespace sable

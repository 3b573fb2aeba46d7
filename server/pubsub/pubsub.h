// Channel and pattern subscriptions and message fan-out. Knows nothing of clients beyond the
// Subscriber interface, so sentinel links it for its own event channels.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sable {

class Subscriber {
 public:
  virtual ~Subscriber() = default;
  virtual void DeliverMessage(std::string_view channel, std::string_view message) = 0;
  virtual void DeliverPatternMessage(std::string_view pattern, std::string_view channel,
                                     std::string_view message) = 0;
  // SPUBLISH to a shard channel ("smessage"); only subscribers of a sharded PubSub get these.
  virtual void DeliverShardMessage(std::string_view channel, std::string_view message) {}
};

class PubSub {
 public:
  // A sharded instance (SSUBSCRIBE/SPUBLISH, Redis 7.0) keeps shard channels apart from the
  // global ones and delivers through DeliverShardMessage; it has no patterns.
  explicit PubSub(bool sharded = false) : sharded_(sharded) {}

  // Each returns true when the subscription changed.
  bool Subscribe(Subscriber* s, std::string_view channel);
  bool Unsubscribe(Subscriber* s, std::string_view channel);
  bool PSubscribe(Subscriber* s, std::string_view pattern);
  bool PUnsubscribe(Subscriber* s, std::string_view pattern);

  // Delivers to channel subscribers, then to matching patterns; returns receivers reached.
  size_t Publish(std::string_view channel, std::string_view message);

  // PUBSUB CHANNELS [pattern] (empty pattern = all).
  std::vector<std::string> Channels(std::string_view pattern) const;
  size_t NumSub(std::string_view channel) const;
  // The subscribers of one channel, in subscription order (empty when none).
  std::vector<Subscriber*> Subscribers(std::string_view channel) const;
  size_t NumPat() const { return patterns_.size(); }
  size_t NumChannels() const { return channels_.size(); }

 private:
  using SubList = std::vector<Subscriber*>;
  static bool Add(SubList& list, Subscriber* s);
  static bool Remove(SubList& list, Subscriber* s);

  bool sharded_;
  std::unordered_map<std::string, SubList> channels_;
  // Patterns in subscription order, so PMESSAGE delivery order is stable.
  std::vector<std::pair<std::string, SubList>> patterns_;
};

}  // namespace sable

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
};

class PubSub {
 public:
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
  size_t NumPat() const { return patterns_.size(); }
  size_t NumChannels() const { return channels_.size(); }

 private:
  using SubList = std::vector<Subscriber*>;
  static bool Add(SubList& list, Subscriber* s);
  static bool Remove(SubList& list, Subscriber* s);

  std::unordered_map<std::string, SubList> channels_;
  // Patterns in subscription order, so PMESSAGE delivery order is stable.
  std::vector<std::pair<std::string, SubList>> patterns_;
};

}  // namespace sable

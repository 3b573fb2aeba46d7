#include "sentinel/logic.h"

#include <algorithm>
#include <vector>

namespace sable::sentinel {

std::string FlagsString(uint32_t flags) {
  static const char* kNames[] = {
      "s_down",        "o_down",       "master",        "slave",
      "sentinel",      "disconnected", "master_down",   "failover_in_progress",
      "promoted",      "reconf_sent",  "reconf_inprog", "reconf_done",
      "force_failover"};
  std::string out;
  for (int i = 0; i < 13; ++i) {
    if (flags & (1u << i)) {
      if (!out.empty()) out += ",";
      out += kNames[i];
    }
  }
  return out;
}

const char* FailoverStateName(FailoverState s) {
  switch (s) {
    case FailoverState::kNone:
      return "none";
    case FailoverState::kWaitStart:
      return "wait_start";
    case FailoverState::kSelectSlave:
      return "select_slave";
    case FailoverState::kSendSlaveofNoOne:
      return "send_slaveof_noone";
    case FailoverState::kWaitPromotion:
      return "wait_promotion";
    case FailoverState::kReconfSlaves:
      return "reconf_slaves";
    case FailoverState::kUpdateConfig:
      return "update_config";
  }
  return "unknown";
}

Instance* SelectReplica(const Master& m, int64_t now_ms) {
  int64_t max_link_down = m.down_after_ms * 10;
  if (m.flags & kFlagSDown && m.s_down_since_ms > 0) max_link_down += now_ms - m.s_down_since_ms;
  std::vector<Instance*> cands;
  for (const auto& [key, up] : m.replicas) {
    Instance* r = up.get();
    if (r->flags & (kFlagSDown | kFlagODown | kFlagDisconnected)) continue;
    if (r->gone) continue;
    if (r->last_ok_ping_reply_ms == 0 || now_ms - r->last_ok_ping_reply_ms > 5000) continue;
    if (r->slave_priority == 0) continue;
    if (r->info_refresh_ms == 0 || now_ms - r->info_refresh_ms > 3000) continue;
    if (!r->master_link_up && r->master_link_down_ms > max_link_down) continue;
    cands.push_back(r);
  }
  if (cands.empty()) return nullptr;
  std::sort(cands.begin(), cands.end(), [](const Instance* a, const Instance* b) {
    if (a->slave_priority != b->slave_priority) return a->slave_priority < b->slave_priority;
    if (a->repl_offset != b->repl_offset) return a->repl_offset > b->repl_offset;
    if (a->run_id.empty() != b->run_id.empty()) return !a->run_id.empty();
    return a->run_id < b->run_id;
  });
  return cands.front();
}

VoteOutcome ApplyVoteRequest(uint64_t* current_epoch, std::string* leader, uint64_t* leader_epoch,
                             uint64_t req_epoch, const std::string& req_runid) {
  VoteOutcome out;
  if (req_epoch > *current_epoch) {
    *current_epoch = req_epoch;
    out.epoch_raised = true;
  }
  if (*leader_epoch < req_epoch && *current_epoch <= req_epoch) {
    *leader = req_runid;
    *leader_epoch = *current_epoch;
    out.voted = true;
  }
  return out;
}

std::map<std::string, int> CountVotes(const Master& m, uint64_t epoch) {
  std::map<std::string, int> counts;
  for (const auto& [id, s] : m.sentinels) {
    if (!s->leader.empty() && s->leader != "*" && s->leader_epoch == epoch) counts[s->leader]++;
  }
  return counts;
}

std::string MostVoted(const std::map<std::string, int>& counts, int* votes) {
  std::string best;
  int max = 0;
  for (const auto& [id, n] : counts) {
    if (n > max) {
      max = n;
      best = id;
    }
  }
  if (votes) *votes = max;
  return best;
}

bool HasMajority(int votes, int voters, int quorum) {
  return votes >= voters / 2 + 1 && votes >= quorum;
}

}  // namespace sable::sentinel

// Pure decision logic of the sentinel (no I/O, no loop): replica selection, the vote rule and the
// vote tally. Unit tested in tests/unit/sentinel/.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "sentinel/model.h"

namespace sable::sentinel {

// Returns the replica to promote, or nullptr: skips s_down/o_down/disconnected/gone ones,
// priority 0, stale info (older than 3 s) or no reply for 5 s, and a link to the primary down
// for longer than down-after * 10 (plus the time the primary has been down); then the lowest
// priority, the greatest replication offset, the smallest run id (unknown run ids last).
Instance* SelectReplica(const Master& m, int64_t now_ms);

// Redis's vote rule. A request for req_epoch from req_runid: current_epoch is raised to
// req_epoch when lower; the vote goes to the requester when our recorded leader_epoch is older
// than req_epoch and current_epoch <= req_epoch. The caller persists and publishes.
struct VoteOutcome {
  bool epoch_raised = false;
  bool voted = false;  // leader/leader_epoch changed to the requester
};
VoteOutcome ApplyVoteRequest(uint64_t* current_epoch, std::string* leader, uint64_t* leader_epoch,
                             uint64_t req_epoch, const std::string& req_runid);

// Votes the other sentinels gave in `epoch` (their leader fields), by run id.
std::map<std::string, int> CountVotes(const Master& m, uint64_t epoch);
// The run id with the most votes (ties: smallest run id), or "" when there is none.
std::string MostVoted(const std::map<std::string, int>& counts, int* votes);
// A winner needs a majority of all voters (known sentinels + us) and at least the quorum.
bool HasMajority(int votes, int voters, int quorum);

}  // namespace sable::sentinel

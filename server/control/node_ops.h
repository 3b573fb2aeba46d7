// What the control plane does on the main loop: the health verdict, the NodeState snapshot and
// running an existing command through the dispatcher. Every function here must run on the loop
// thread (LoopCall posts them); none of them blocks.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "proto/node_admin.pb.h"
#include "server/resp/reply_parser.h"

namespace sable {
class Server;
}

namespace sable::control {

// SERVING unless the node loads a dataset, is a replica whose link to its primary is not up
// (connecting, syncing or broken), or is shutting down.
bool IsServing(Server& server);

// Fills a NodeState snapshot from the replication state and configuration.
void FillNodeState(Server& server, sable::NodeState* out);

// The INFO replication "slaveN:ip=..,port=..,state=..,offset=..,lag=.." lines of `info`, parsed:
// the same text INFO shows, so the two never disagree.
std::vector<sable::ReplicaLink> ParseReplicaLines(std::string_view info);

// Runs argv as a socketless, authenticated client through Server::ProcessCommand (every check
// and side effect a RESP client gets: REPLICAOF, CLIENT KILL, CONFIG SET/REWRITE) and returns
// its reply.
RespValue RunCommand(Server& server, const std::vector<std::string>& argv);

}  // namespace sable::control

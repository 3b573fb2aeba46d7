#include "server/control/node_ops.h"

#include <algorithm>
#include <cstdlib>

#include "server/core/server.h"
#include "server/repl/primary.h"
#include "server/repl/repl_state.h"
#include "server/repl/replica.h"
#include "server/util/clock.h"

namespace sable::control {

bool IsServing(Server& server) {
  if (server.loading() || server.shutdown_in_progress()) return false;
  Replica& replica = server.replica();
  return !replica.is_replica() || replica.link_up();
}

std::vector<sable::ReplicaLink> ParseReplicaLines(std::string_view info) {
  std::vector<sable::ReplicaLink> out;
  size_t pos = 0;
  while (pos < info.size()) {
    size_t eol = info.find('\n', pos);
    if (eol == std::string_view::npos) eol = info.size();
    std::string_view line = info.substr(pos, eol - pos);
    pos = eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || line.substr(0, 5) != "slave") continue;
    std::string_view name = line.substr(5, colon - 5);
    if (name.empty() || name.find_first_not_of("0123456789") != std::string_view::npos) continue;
    sable::ReplicaLink link;
    std::string_view rest = line.substr(colon + 1);
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view kv = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      size_t eq = kv.find('=');
      if (eq == std::string_view::npos) continue;
      std::string_view k = kv.substr(0, eq);
      std::string v(kv.substr(eq + 1));
      if (k == "ip") {
        link.set_ip(v);
      } else if (k == "port") {
        link.set_port(std::atoi(v.c_str()));
      } else if (k == "state") {
        link.set_state(v);
      } else if (k == "offset") {
        link.set_offset(std::atoll(v.c_str()));
      } else if (k == "lag") {
        link.set_lag_seconds(std::atoll(v.c_str()));
      }
    }
    out.push_back(std::move(link));
  }
  return out;
}

void FillNodeState(Server& server, sable::NodeState* out) {
  RefreshCachedTime();
  const ServerConfig& cfg = server.cfg();
  ReplicationState& rs = server.repl();
  Replica& replica = server.replica();
  int64_t now = WallMs();
  out->set_run_id(server.run_id());
  out->set_role(rs.is_replica() ? "slave" : "master");
  out->set_replid(rs.replid());
  out->set_replid2(rs.replid2());
  out->set_repl_offset(rs.master_repl_offset());
  out->set_second_repl_offset(rs.second_repl_offset());
  if (replica.is_replica()) {
    out->set_master_host(replica.master_host());
    out->set_master_port(replica.master_port());
    out->set_master_link_up(replica.link_up());
    if (!replica.link_up()) {
      // Never up since start: down for as long as the node has run.
      int64_t since = replica.down_since_ms() ? replica.down_since_ms() : server.start_time_ms();
      out->set_master_link_down_ms(std::max<int64_t>(0, now - since));
    }
  }
  out->set_replica_priority(cfg.replica_priority);
  out->set_replica_announced(cfg.replica_announced);
  out->set_loading(server.loading());
  std::string info;
  server.repl_primary().AppendInfo(&info);
  for (auto& link : ParseReplicaLines(info)) *out->add_replicas() = std::move(link);
  out->set_port(cfg.port);
  out->set_control_port(cfg.control_port > 0 ? cfg.control_port : 0);
  out->set_uptime_ms(now - server.start_time_ms());
}

RespValue RunCommand(Server& server, const std::vector<std::string>& argv) {
  OutputBuffer out;
  Client* c = server.AddLocalClient(&out);
  // The control plane authenticated the caller itself (control-auth / mTLS).
  c->authenticated = true;
  c->name = "control";
  std::vector<std::string_view> args(argv.begin(), argv.end());
  server.ProcessCommand(c, args);
  server.RemoveLocalClient(c);
  RespValue reply;
  std::string bytes = out.ToString();
  if (ParseReply(bytes, &reply) <= 0) {
    reply.type = RespValue::Type::kError;
    reply.str = "ERR no reply";
  }
  return reply;
}

}  // namespace sable::control

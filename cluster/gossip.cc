#include "cluster/gossip.h"

#include <arpa/inet.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "cluster/slot_index.h"
#include "server/config/keyspace_events.h"
#include "server/control/control_auth.h"
#include "server/core/server.h"
#include "server/repl/repl_state.h"
#include "server/repl/replica.h"
#include "server/store/db.h"
#include "server/util/clock.h"

namespace sable::cluster {
namespace {

using Msg = sable::BusMessage;

// Redis's constants (cluster.h).
constexpr int64_t kFailReportValidityMult = 2;  // a failure report counts node_timeout*2
constexpr int64_t kFailUndoTimeMult = 2;  // a primary with slots leaves FAIL after node_timeout*2
// A primary pausing writes for a manual failover pauses them for twice its deadline.
constexpr int64_t kMfPauseMult = 2;
constexpr int64_t kBlacklistTtlMs = 60000;  // CLUSTER FORGET
// Sable's: how soon an unanswered PING whose call failed is retried.
constexpr int64_t kRetryMs = 200;

constexpr uint32_t kAnnouncedFlags = kFlagMaster | kFlagSlave | kFlagPfail | kFlagFail |
                                     kFlagHandshake | kFlagNoAddr | kFlagNoFailover;

bool ValidId(const std::string& id) {
  if (id.size() != 40) return false;
  return std::all_of(id.begin(), id.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Canonical text of an IPv4/IPv6 address; "" when it is not one (Redis accepts no hostnames).
std::string NormalizeIp(const std::string& ip) {
  char buf[INET6_ADDRSTRLEN];
  in_addr v4;
  if (inet_pton(AF_INET, ip.c_str(), &v4) == 1) {
    return inet_ntop(AF_INET, &v4, buf, sizeof(buf)) ? buf : "";
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, ip.c_str(), &v6) == 1) {
    return inet_ntop(AF_INET6, &v6, buf, sizeof(buf)) ? buf : "";
  }
  return "";
}

}  // namespace

std::string EncodeSlots(const std::bitset<kSlots>& slots) {
  std::string out(kSlots / 8, '\0');
  for (int s = 0; s < kSlots; ++s) {
    if (slots[s]) out[s / 8] = static_cast<char>(out[s / 8] | (1 << (s % 8)));
  }
  return out;
}

std::bitset<kSlots> DecodeSlots(const std::string& bytes) {
  std::bitset<kSlots> out;
  if (bytes.size() != kSlots / 8) return out;
  for (int s = 0; s < kSlots; ++s) {
    if (static_cast<unsigned char>(bytes[s / 8]) & (1 << (s % 8))) out.set(s);
  }
  return out;
}

bool SeqTracker::Accept(const std::string& sender, uint64_t run_id, uint64_t seq) {
  // A sender that numbers nothing (run 0, seq 0) is always current.
  if (run_id == 0 && seq == 0) return true;
  auto [it, added] = last_.try_emplace(sender, run_id, seq);
  if (added) return true;
  auto& [last_run, last_seq] = it->second;
  // Another run: the process restarted, its numbering starts over (from a later clock).
  if (run_id != last_run || seq > last_seq) {
    last_run = run_id;
    last_seq = seq;
    return true;
  }
  return false;
}

Gossip::Gossip(Cluster* cluster)
    : cluster_(cluster), alive_(std::make_shared<bool>(true)), rng_(std::random_device{}()) {
  run_id_ = rng_() | 1;  // never 0: 0 means "not numbered"
  // From the wall clock in microseconds: a later run starts above an earlier one's numbers.
  seq_ = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

Gossip::~Gossip() { Stop(); }

int64_t Gossip::Now() const { return WallMs(); }
int64_t Gossip::NodeTimeout() const {
  return std::max<int64_t>(cluster_->server().cfg().cluster_node_timeout, 1);
}
ClusterState& Gossip::st() { return cluster_->state(); }
Node& Gossip::me() { return cluster_->state().myself(); }

Node* Gossip::PrimaryOf(const Node& n) {
  if (n.is_primary()) return const_cast<Node*>(&n);
  return n.primary_id.empty() ? nullptr : st().Find(n.primary_id);
}

int64_t Gossip::MyReplOffset() {
  Server& s = cluster_->server();
  if (me().is_replica()) {
    int64_t off = s.replica().processed_offset();
    if (off >= 0) return off;
  }
  return s.repl().master_repl_offset();
}

std::string Gossip::Start() {
  const ServerConfig& cfg = cluster_->server().cfg();
  int port = cfg.cluster_port != 0 ? cfg.cluster_port : cfg.port + 10000;
  if (port <= 0 || port > 65535) {
    return "Invalid cluster bus port " + std::to_string(port) +
           ": set cluster-port (the default is port + 10000)";
  }
  BusOptions opts;
  opts.port = port;
  opts.tls_cert_file = cfg.control_tls_cert_file;
  opts.tls_key_file = cfg.control_tls_key_file;
  opts.tls_ca_cert_file = cfg.control_tls_ca_cert_file;
  opts.secret = cfg.control_auth;
  secret_ = cfg.control_auth;
  if (opts.tls_cert_file.empty() != opts.tls_key_file.empty()) {
    return "control-tls-cert-file and control-tls-key-file must be set together";
  }
  bool mtls = !opts.tls_cert_file.empty() && !opts.tls_ca_cert_file.empty();
  bool secured = !cfg.control_auth.empty() || mtls;
  // The control port's rules: loopback only unless the bus is secured. Unlike the control port,
  // a secured bus also honours a wildcard `bind`: other hosts must reach it.
  std::vector<std::string> skipped;
  opts.bind = control::DefaultControlBind(cfg.bind, secured, &skipped);
  if (secured) {
    for (const std::string& b : cfg.bind) {
      std::string_view a = b;
      if (!a.empty() && a[0] == '-') a.remove_prefix(1);
      if (control::IsWildcardAddress(a) && !a.empty()) {
        opts.bind = {std::string(a)};
        break;
      }
    }
  }
  std::string err = control::CheckExposure(opts.bind, secured);
  if (!err.empty()) return err;
  if (!skipped.empty()) {
    std::string list;
    for (const auto& s : skipped) list += (list.empty() ? "" : " ") + s;
    spdlog::warn(
        "Cluster bus not bound on {}: set control-auth (or mTLS) so other hosts can join the "
        "cluster without letting strangers in",
        list);
  }
  bus_ = std::make_unique<Bus>(&cluster_->server().loop());
  auto alive = alive_;
  err = bus_->Start(opts, [this, alive](BusRpc rpc, const Msg& req, const std::string& peer_ip) {
    if (!*alive) return Msg();
    return OnRequest(rpc, req, peer_ip);
  });
  if (!err.empty()) {
    bus_.reset();
    return err;
  }
  std::string binds;
  for (const auto& b : opts.bind) binds += (binds.empty() ? "" : " ") + b;
  loopback_only_ = !secured;
  for (const auto& b : opts.bind) {
    std::string_view a = b;
    if (!a.empty() && a[0] == '-') a.remove_prefix(1);
    if (!control::IsLoopbackAddress(a)) loopback_only_ = false;
  }
  if (loopback_only_) {
    spdlog::warn(
        "Cluster bus listens on loopback only ({}): nodes on other hosts cannot reach it. Set "
        "control-auth (or control-tls-* with a CA) to listen on `bind`'s addresses.",
        binds);
  }
  spdlog::info("Cluster bus port {} listening on {} ({}{})", port, binds,
               opts.tls_cert_file.empty() ? "plaintext" : (mtls ? "mTLS" : "TLS"),
               cfg.control_auth.empty() ? "" : ", control-auth required");
  return "";
}

void Gossip::Stop() {
  *alive_ = false;
  if (bus_) bus_->Stop();
}

// ---- Messages ------------------------------------------------------------------------------

void Gossip::FillHeader(sable::BusHeader* h, const Node* to) {
  const ServerConfig& cfg = cluster_->server().cfg();
  Node& m = me();
  // A replica announces its primary's slots and config epoch, as Redis does.
  Node* owner = m.is_replica() ? PrimaryOf(m) : &m;
  h->set_sender(m.id);
  h->set_flags(m.flags & kAnnouncedFlags);
  h->set_primary_id(m.is_replica() ? m.primary_id : "");
  // Only an announced address: otherwise the receiver uses the connection's, as Redis does.
  h->set_ip(cfg.cluster_announce_ip);
  h->set_port(m.port != 0 ? m.port : cfg.port);
  h->set_cport(m.cport != 0 ? m.cport : port());
  h->set_hostname(m.hostname);
  h->set_shard_id(m.shard_id);
  if (owner != nullptr) {
    h->set_slots(EncodeSlots(owner->slots));
    h->set_config_epoch(owner->config_epoch);
  } else {
    h->set_slots(std::string(kSlots / 8, '\0'));
  }
  h->set_current_epoch(st().current_epoch());
  h->set_repl_offset(MyReplOffset());
  h->set_mflags(m.is_primary() && mf_end_ != 0 ? static_cast<uint32_t>(kMflagPaused) : 0u);
  if (to != nullptr) h->set_to_ip(to->ip);
  h->set_run_id(run_id_);
  h->set_seq(++seq_);
}

void Gossip::AddGossip(Msg* msg) {
  // Redis's clusterSendPing: a tenth of the nodes (at least 3) picked at random, then every node
  // in PFAIL so failure reports spread fast.
  const auto& nodes = st().nodes();
  int total = static_cast<int>(nodes.size());
  int fresh = total - 2;
  int wanted = std::max(3, total / 10);
  wanted = std::min(wanted, fresh);
  std::vector<Node*> all;
  all.reserve(nodes.size());
  for (const auto& [id, n] : nodes) all.push_back(n.get());
  std::set<Node*> picked;
  auto add = [msg](const Node& n) {
    sable::GossipEntry* g = msg->add_gossip();
    g->set_id(n.id);
    g->set_ip(n.ip);
    g->set_port(n.port);
    g->set_cport(n.cport);
    g->set_flags(n.flags & kAnnouncedFlags);
    g->set_ping_sent_ms(n.ping_sent_ms);
    g->set_pong_recv_ms(n.pong_recv_ms);
  };
  int iterations = wanted * 3;
  while (fresh > 0 && static_cast<int>(picked.size()) < wanted && iterations-- > 0) {
    Node* n = all[rng_() % all.size()];
    if (n->is_myself() || n->pfailed()) continue;
    if (n->flags & (kFlagHandshake | kFlagNoAddr)) continue;
    if (!n->link_connected && n->num_slots == 0) continue;
    if (!picked.insert(n).second) continue;
    add(*n);
    --fresh;
  }
  for (Node* n : all) {
    if (!n->pfailed() || n->is_myself()) continue;
    if (n->flags & (kFlagHandshake | kFlagNoAddr)) continue;
    add(*n);
  }
}

Msg Gossip::Build(Msg::Type type, const Node* to) {
  Msg m;
  m.set_type(type);
  FillHeader(m.mutable_header(), to);
  if (type == Msg::PING || type == Msg::MEET || type == Msg::PONG) AddGossip(&m);
  return m;
}

namespace {
int StatIndex(Msg::Type type, bool sharded) {
  switch (type) {
    case Msg::PING: return kMsgPing;
    case Msg::PONG: return kMsgPong;
    case Msg::MEET: return kMsgMeet;
    case Msg::FAIL: return kMsgFail;
    case Msg::PUBLISH: return sharded ? kMsgPublishShard : kMsgPublish;
    case Msg::UPDATE: return kMsgUpdate;
    case Msg::FAILOVER_AUTH_REQUEST: return kMsgAuthRequest;
    case Msg::FAILOVER_AUTH_ACK: return kMsgAuthAck;
    case Msg::MFSTART: return kMsgMfStart;
    default: return -1;
  }
}
}  // namespace

void Gossip::CountSent(Msg::Type type, bool sharded) {
  int i = StatIndex(type, sharded);
  if (i >= 0) ++cluster_->message_stats().sent[i];
}

void Gossip::CountReceived(Msg::Type type, bool sharded) {
  int i = StatIndex(type, sharded);
  if (i >= 0) ++cluster_->message_stats().received[i];
}

std::vector<std::pair<std::string, uint64_t>> Gossip::MessageStatLines() const {
  std::vector<std::pair<std::string, uint64_t>> out;
  const auto& stats = cluster_->message_stats();
  auto add = [&out](const auto& counts, const char* dir) {
    uint64_t total = 0;
    for (int t = 0; t < kMsgTypeCount; ++t) {
      if (counts[t] == 0) continue;
      total += counts[t];
      out.emplace_back(std::string("cluster_stats_messages_") + kMessageTypeNames[t] + "_" + dir,
                       counts[t]);
    }
    out.emplace_back(std::string("cluster_stats_messages_") + dir, total);
  };
  add(stats.sent, "sent");
  add(stats.received, "received");
  return out;
}

bool Gossip::Reachable(const Node& n) const {
  return !n.is_myself() && !(n.flags & (kFlagHandshake | kFlagNoAddr)) && !n.ip.empty() &&
         n.cport > 0;
}

// ---- Sending -------------------------------------------------------------------------------

void Gossip::SendPing(Node* n, Msg::Type type, bool broadcast) {
  if (!bus_ || n->is_myself() || n->ip.empty() || n->cport <= 0) return;
  Peer& p = PeerOf(*n);
  if (!broadcast) {
    if (p.inflight) return;
    p.inflight = true;
    // An unanswered ping keeps its time: PFAIL counts from the first one.
    if (n->ping_sent_ms == 0) n->ping_sent_ms = Now();
  }
  Msg m = Build(type, n);
  CountSent(type);
  std::string id = n->id;
  auto alive = alive_;
  net::EventLoop* loop = &cluster_->server().loop();
  bus_->Call(BusRpc::kPing, n->ip, n->cport, m, static_cast<int>(NodeTimeout()),
             [this, alive, loop, id, broadcast](const grpc::Status& status, Msg& reply) {
               loop->Post([this, alive, id, broadcast, status, reply = std::move(reply)] {
                 if (*alive) OnPingDone(id, broadcast, status, reply);
               });
             });
}

void Gossip::SendNotify(Node* n, const Msg& m) {
  if (!bus_ || !Reachable(*n)) return;
  CountSent(m.type(), m.sharded());
  bus_->Call(BusRpc::kNotify, n->ip, n->cport, m, static_cast<int>(NodeTimeout()),
             [](const grpc::Status&, Msg&) {});
}

void Gossip::BroadcastNotify(const Msg& m) {
  for (const auto& [id, n] : st().nodes()) {
    if (Reachable(*n)) SendNotify(n.get(), m);
  }
}

void Gossip::BroadcastPong(bool local_replicas_only) {
  Node* my_primary = PrimaryOf(me());
  for (const auto& [id, n] : st().nodes()) {
    if (!Reachable(*n)) continue;
    if (local_replicas_only) {
      // Redis's CLUSTER_BROADCAST_LOCAL_SLAVES: the other replicas of our primary.
      if (!n->is_replica() || my_primary == nullptr || n->primary_id != my_primary->id) continue;
    }
    SendPing(n.get(), Msg::PONG, /*broadcast=*/true);
  }
}

void Gossip::PingAllNow() {
  for (const auto& [id, n] : st().nodes()) {
    if (Reachable(*n)) SendPing(n.get(), Msg::PING);
  }
}

void Gossip::OnPingDone(const std::string& id, bool broadcast, const grpc::Status& status,
                        const Msg& reply) {
  auto pit = peers_.find(id);
  if (!broadcast && pit != peers_.end()) pit->second.inflight = false;
  Node* n = st().Find(id);
  if (n == nullptr || n->is_myself()) return;
  if (!status.ok()) {
    OnCallFailed(n, status);
    return;
  }
  CountReceived(reply.type());
  Peer& p = PeerOf(*n);
  if (!n->link_connected) p.link_since_ms = Now();
  n->link_connected = true;
  // Our MEET was answered: from now on plain PINGs.
  n->flags &= ~kFlagMeet;
  // A copy: processing may drop n (a duplicate handshake node), and its ip with it.
  std::string link_ip = n->ip;
  Node* sender = Process(reply, n, link_ip, nullptr);
  // Watch the connection of a node we now know: its loss (a killed process) triggers a PING at
  // once rather than at the next round.
  if (sender != nullptr && !sender->in_handshake() && !sender->ip.empty()) {
    Peer& sp = PeerOf(*sender);
    std::string key = sender->ip + ":" + std::to_string(sender->cport);
    if (sp.watched != key) {
      sp.watched = key;
      auto alive = alive_;
      net::EventLoop* loop = &cluster_->server().loop();
      std::string sid = sender->id;
      bus_->WatchLink(sender->ip, sender->cport, [this, alive, loop, sid] {
        loop->Post([this, alive, sid] {
          if (*alive) OnLinkDown(sid);
        });
      });
    }
  }
}

void Gossip::OnCallFailed(Node* n, const grpc::Status& status) {
  Peer& p = PeerOf(*n);
  p.last_fail_ms = Now();
  n->link_connected = false;
  if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED && Now() - p.unauth_log_ms > 10000) {
    p.unauth_log_ms = Now();
    spdlog::warn("Cluster bus: node {} ({}:{}) refused our credentials: {}", n->id, n->ip, n->cport,
                 status.error_message());
  }
  // Only a node we have talked to in this run: it was there and is gone now. One that never
  // answered may just not have started yet (a whole cluster starting, or restarting, one node
  // after the other): it gets the node timeout, as in Redis.
  // And only where a failover can follow: a node nobody would replace (a replica, a slot-less
  // primary, a primary without a usable replica) gets the node timeout as in Redis, so a quick
  // restart of it is never FAIL (and never CLUSTERDOWN for 2 x node timeout).
  if (Bus::Refused(status) && p.link_since_ms != 0 && !n->in_handshake() &&
      !(n->flags & (kFlagPfail | kFlagFail)) && FailoverCanFollow(*n)) {
    SetPfail(n, "its bus port refuses connections: the process is gone");
  }
}

bool Gossip::FailoverCanFollow(const Node& n) const {
  if (!n.is_primary() || n.num_slots == 0) return false;
  for (Node* r : cluster_->state().ReplicasOf(n)) {
    if (!(r->flags & (kFlagFail | kFlagPfail | kFlagNoFailover | kFlagHandshake | kFlagNoAddr))) {
      return true;
    }
  }
  return false;
}

void Gossip::OnLinkDown(const std::string& id) {
  Node* n = st().Find(id);
  if (n == nullptr || n->in_handshake() || n->is_myself()) return;
  // Find out at once whether it is gone (refused) or was only disconnected.
  SendPing(n, Msg::PING);
}

void Gossip::SetPfail(Node* n, const char* why) {
  n->flags |= kFlagPfail;
  spdlog::info("*** NODE {} possibly failing ({})", n->id, why);
  MarkFailingIfNeeded(n);
  cluster_->UpdateState();
  // Our report reaches the primaries now rather than at their next ping round.
  PingAllNow();
}

// ---- Receiving -----------------------------------------------------------------------------

Msg Gossip::OnRequest(BusRpc rpc, const Msg& req, const std::string& peer_ip) {
  Msg reply;
  CountReceived(req.type(), req.sharded());
  Node* sender = Process(req, nullptr, peer_ip, &reply);
  // What a Redis node would send back: a PONG to a PING/MEET, an ACK to a granted vote
  // request; the one-way messages get none (our acknowledgement is not a message).
  if (rpc == BusRpc::kPing) CountSent(reply.type());
  if (rpc == BusRpc::kVote && reply.granted()) CountSent(Msg::FAILOVER_AUTH_ACK);
  if (sender != nullptr) {
    Peer& p = PeerOf(*sender);
    int64_t now = Now();
    // Calls within a node timeout of each other count as one inbound link.
    if (p.inbound_ms == 0 || now - p.inbound_ms > NodeTimeout()) p.inbound_since_ms = now;
    p.inbound_ms = now;
  }
  return reply;
}

Node* Gossip::Process(const Msg& m, Node* link_node, const std::string& peer_ip, Msg* reply) {
  const sable::BusHeader& h = m.header();
  Msg::Type type = m.type();
  int64_t now = Now();
  const ServerConfig& cfg = cluster_->server().cfg();
  if (!ValidId(h.sender())) {
    if (reply) *reply = Build(Msg::PONG, nullptr);
    return nullptr;
  }
  bool pong_type = type == Msg::PING || type == Msg::MEET || type == Msg::PONG;
  Node* sender = st().Find(h.sender());
  if (sender != nullptr && sender->in_handshake()) sender = nullptr;

  // A PONG to our PING: a node in handshake shows its real id now.
  if (link_node != nullptr && pong_type) {
    if (link_node->in_handshake()) {
      if (sender != nullptr) {
        // Already known under its real id (we met an address twice): drop the handshake node.
        if (sender != link_node) {
          UpdateAddress(sender, link_node->ip, h.port(), h.cport());
          DropNode(link_node);
        }
        link_node = sender;
      } else {
        std::string old = link_node->id;
        st().RenameNode(link_node, h.sender());
        RenamePeer(old, h.sender());
        link_node->flags &= ~kFlagHandshake;
        link_node->flags |= h.flags() & (kFlagMaster | kFlagSlave);
        spdlog::info("Handshake with node {} completed.", link_node->id);
        sender = link_node;
      }
    } else if (link_node->id != h.sender()) {
      spdlog::info(
          "PONG contains mismatching sender ID. About node {} added {} ms ago, having flags {}",
          link_node->id, now - link_node->ctime_ms, link_node->flags);
      link_node->flags |= kFlagNoAddr;
      link_node->ip.clear();
      link_node->port = 0;
      link_node->cport = 0;
      link_node->link_connected = false;
      st().MarkDirty();
      return nullptr;
    }
  }
  if (sender != nullptr && sender->is_myself()) {
    // A message from ourselves (we met our own address): nothing to learn.
    if (reply != nullptr) {
      *reply =
          Build(type == Msg::FAILOVER_AUTH_REQUEST ? Msg::FAILOVER_AUTH_ACK : Msg::PONG, nullptr);
    }
    return nullptr;
  }

  // An older message of this sender than one already applied (each RPC has its own bus
  // thread): its header state (role, slots, address, offset, gossip) is out of date. Liveness
  // and the one-way contents (FAIL, PUBLISH, UPDATE, votes) still count; epochs only grow.
  bool fresh = sender == nullptr || seen_.Accept(sender->id, h.run_id(), h.seq());
  if (!fresh) {
    spdlog::debug("Bus message {} from {} arrived after a newer one: header state ignored",
                  static_cast<int>(type), sender->id);
  }

  if (sender != nullptr) {
    if (h.current_epoch() > st().current_epoch()) st().set_current_epoch(h.current_epoch());
    if (fresh && h.config_epoch() > sender->config_epoch) {
      sender->config_epoch = h.config_epoch();
      st().MarkDirty();
    }
  }
  if (sender != nullptr && fresh) {
    sender->repl_offset = h.repl_offset();
    // Our primary, paused for our manual failover, tells its final offset.
    if (mf_end_ != 0 && me().is_replica() && me().primary_id == sender->id &&
        (h.mflags() & kMflagPaused) && mf_primary_offset_ == -1) {
      mf_primary_offset_ = sender->repl_offset;
      spdlog::info("Received replication offset for paused master manual failover: {}",
                   mf_primary_offset_);
    }
    if (!h.hostname().empty() || !sender->hostname.empty()) {
      if (sender->hostname != h.hostname()) {
        sender->hostname = h.hostname();
        st().MarkDirty();
      }
    }
    if (!h.shard_id().empty() && sender->shard_id != h.shard_id()) {
      sender->shard_id = h.shard_id();
      st().MarkDirty();
    }
  }
  if (sender != nullptr) sender->data_recv_ms = now;

  // Learn our own address from the one the peer dialed (or, in a PONG, saw us call from), as
  // Redis does from the socket.
  if (pong_type && cfg.cluster_announce_ip.empty() && !h.to_ip().empty() &&
      (type == Msg::MEET || me().ip.empty()) && me().ip != h.to_ip()) {
    me().ip = h.to_ip();
    spdlog::info("IP address for this node updated to {}", me().ip);
    st().MarkDirty();
  }
  if (type == Msg::PING || type == Msg::MEET) {
    if (sender == nullptr && type == Msg::MEET) {
      auto n = std::make_unique<Node>();
      n->id = NewNodeId();
      n->flags = kFlagHandshake;
      n->ip = h.ip().empty() ? peer_ip : h.ip();
      n->port = h.port();
      n->cport = h.cport();
      n->ctime_ms = now;
      if (!n->ip.empty() && n->port > 0 && n->cport > 0) {
        spdlog::info("Meeting node at {}:{} (bus {}) that met us", n->ip, n->port, n->cport);
        st().AddNode(std::move(n));
      }
    }
  }

  if (pong_type) {
    if (sender != nullptr && fresh) {
      sender->flags = (sender->flags & ~kFlagNoFailover) | (h.flags() & kFlagNoFailover);
      if (type == Msg::PING) {
        UpdateAddress(sender, h.ip().empty() ? peer_ip : h.ip(), h.port(), h.cport());
      }
    }
    if (link_node != nullptr && link_node == sender) {
      link_node->pong_recv_ms = now;
      link_node->ping_sent_ms = 0;
      if (link_node->pfailed()) {
        link_node->flags &= ~kFlagPfail;
        cluster_->UpdateState();
      } else if (link_node->failed()) {
        ClearFailureIfNeeded(link_node);
      }
    }
    if (sender != nullptr && fresh) SetRoleFromHeader(sender, h);

    // Slots: the sender's view of its shard's slots.
    Node* sender_primary = sender == nullptr || !fresh ? nullptr : PrimaryOf(*sender);
    std::bitset<kSlots> hslots = DecodeSlots(h.slots());
    bool dirty_slots = sender_primary != nullptr && sender_primary->slots != hslots;
    if (sender != nullptr && sender->is_primary() && dirty_slots) {
      UpdateSlotsConfigWith(sender, h.config_epoch(), hslots);
    }
    // The reverse: the sender claims slots a newer config gave to someone else. Tell it.
    if (sender != nullptr && dirty_slots) {
      for (int s = 0; s < kSlots; ++s) {
        if (!hslots[s]) continue;
        Node* owner = st().owner(s);
        if (owner == nullptr || owner == sender) continue;
        if (owner->config_epoch > h.config_epoch()) {
          spdlog::info("Node {} has old slots configuration, sending an UPDATE message about {}",
                       sender->id, owner->id);
          SendUpdate(sender, owner);
          break;
        }
      }
    }
    if (sender != nullptr && fresh && me().is_primary() && sender->is_primary() &&
        h.config_epoch() == me().config_epoch) {
      HandleConfigEpochCollision(sender);
    }
    if (sender != nullptr && fresh) ProcessGossip(sender, m);
  } else if (type == Msg::FAIL) {
    Node* failing = sender == nullptr ? nullptr : st().Find(m.fail_id());
    if (failing != nullptr && !(failing->flags & (kFlagFail | kFlagMyself))) {
      spdlog::info("FAIL message received from {} about {}", sender->id, failing->id);
      SetFail(failing);
    }
  } else if (type == Msg::PUBLISH) {
    if (sender != nullptr) {
      Server& server = cluster_->server();
      (m.sharded() ? server.shard_pubsub() : server.pubsub()).Publish(m.channel(), m.message());
    }
  } else if (type == Msg::UPDATE) {
    Node* n = sender == nullptr ? nullptr : st().Find(m.update_id());
    if (n != nullptr && n->config_epoch < m.update_config_epoch()) {
      if (n->is_replica()) st().SetPrimary(n, nullptr);
      n->config_epoch = m.update_config_epoch();
      UpdateSlotsConfigWith(n, m.update_config_epoch(), DecodeSlots(m.update_slots()));
    }
  } else if (type == Msg::MFSTART) {
    if (sender != nullptr && sender->primary_id == me().id && me().is_primary()) {
      ResetManualFailover();
      mf_end_ = now + kMfTimeoutMs;
      mf_replica_id_ = sender->id;
      Server& server = cluster_->server();
      server.client_pause().Start(server, ClientPause::Mode::kWrite,
                                  now + kMfTimeoutMs * kMfPauseMult,
                                  ClientPause::Purpose::kFailover);
      spdlog::info("Manual failover requested by replica {}.", sender->id);
      // Our pings to it now carry the paused flag and our final offset (Cron pings it every
      // time); the reply below already does.
    }
  }

  if (reply != nullptr) {
    bool granted = false;
    if (type == Msg::FAILOVER_AUTH_REQUEST && sender != nullptr) {
      granted = HandleVoteRequest(sender, m);
    }
    Msg::Type rtype = type == Msg::FAILOVER_AUTH_REQUEST ? Msg::FAILOVER_AUTH_ACK : Msg::PONG;
    // Only PING/MEET answers carry gossip; the others just the header.
    if (type == Msg::PING || type == Msg::MEET || type == Msg::PONG) {
      *reply = Build(rtype, nullptr);
    } else {
      reply->set_type(rtype);
      FillHeader(reply->mutable_header(), nullptr);
    }
    reply->set_granted(granted);
    // The caller learns its own address as we see it.
    reply->mutable_header()->set_to_ip(peer_ip);
  }
  return sender;
}

void Gossip::SetRoleFromHeader(Node* sender, const sable::BusHeader& h) {
  if (h.primary_id().empty()) {
    if (!sender->is_primary() || !sender->primary_id.empty()) {
      if (sender->is_replica() && !sender->primary_id.empty()) {
        had_replicas_.insert(sender->primary_id);
      }
      st().SetPrimary(sender, nullptr);
      cluster_->UpdateState();
    }
    return;
  }
  Node* primary = st().Find(h.primary_id());
  if (sender->is_primary()) {
    // A primary turned into a replica: it serves no slots any more.
    if (primary != nullptr) {
      st().SetPrimary(sender, primary);
    } else {
      for (int s = 0; s < kSlots && sender->num_slots > 0; ++s) {
        if (st().owner(s) == sender) st().ClearSlot(s);
      }
      sender->flags = (sender->flags & ~kFlagMaster) | kFlagSlave;
      sender->primary_id = h.primary_id();
      st().MarkDirty();
    }
    cluster_->UpdateState();
  } else if (primary != nullptr && sender->primary_id != primary->id) {
    st().SetPrimary(sender, primary);
  }
  if (primary != nullptr) had_replicas_.insert(primary->id);
}

bool Gossip::UpdateAddress(Node* n, const std::string& ip, int port, int cport) {
  if (n == nullptr || n->is_myself() || ip.empty() || port <= 0 || cport <= 0) return false;
  if (n->ip == ip && n->port == port && n->cport == cport) return false;
  std::string old_ip = n->ip;
  int old_cport = n->cport;
  n->ip = ip;
  n->port = port;
  n->cport = cport;
  // n already has the new address: it keeps the channel when only the client port changed.
  ForgetAddressIfUnused(old_ip, old_cport, nullptr);
  n->flags &= ~kFlagNoAddr;
  n->link_connected = false;
  PeerOf(*n).watched.clear();
  st().MarkDirty();
  spdlog::info("Address updated for node {}, now {}:{}", n->id, ip, port);
  // Our primary moved: follow it there.
  if (me().is_replica() && me().primary_id == n->id) cluster_->ReplicateFrom(n);
  return true;
}

void Gossip::ProcessGossip(Node* sender, const Msg& m) {
  int64_t now = Now();
  for (const sable::GossipEntry& g : m.gossip()) {
    if (!ValidId(g.id())) continue;
    Node* n = st().Find(g.id());
    uint32_t flags = g.flags();
    if (n != nullptr) {
      if (sender->is_primary() && !n->is_myself()) {
        if (flags & (kFlagFail | kFlagPfail)) {
          if (AddFailureReport(n, sender)) {
            spdlog::debug("Node {} reported node {} as not reachable.", sender->id, n->id);
          }
          MarkFailingIfNeeded(n);
        } else if (DelFailureReport(n, sender)) {
          spdlog::debug("Node {} reported node {} is back online.", sender->id, n->id);
        }
      }
      // Up as far as we know and nothing pending: take the fresher pong time.
      if (!(flags & (kFlagFail | kFlagPfail)) && n->ping_sent_ms == 0 &&
          ValidFailureReports(*n) == 0) {
        int64_t pong = g.pong_recv_ms();
        if (pong <= now + 500 && pong > n->pong_recv_ms) n->pong_recv_ms = pong;
      }
      // We cannot reach it but someone can, at another address: use that one.
      if ((n->flags & (kFlagFail | kFlagPfail)) && !(flags & kFlagNoAddr) &&
          !(flags & (kFlagFail | kFlagPfail)) && !g.ip().empty() &&
          (n->ip != g.ip() || n->port != g.port() || n->cport != g.cport())) {
        UpdateAddress(n, g.ip(), g.port(), g.cport());
      }
    } else if (!(flags & kFlagNoAddr) && !(flags & kFlagHandshake) && !g.ip().empty() &&
               g.cport() > 0) {
      auto bl = blacklist_.find(g.id());
      if (bl != blacklist_.end() && bl->second > now) continue;
      // Added with its real id (not a handshake): an address may be reused by another
      // cluster's node, the id may not.
      auto node = std::make_unique<Node>();
      node->id = g.id();
      node->flags = flags & (kFlagMaster | kFlagSlave | kFlagNoFailover);
      node->ip = g.ip();
      node->port = g.port();
      node->cport = g.cport();
      node->ctime_ms = now;
      spdlog::info("Node {} ({}:{}) learned from {}'s gossip", node->id, node->ip, node->port,
                   sender->id);
      st().AddNode(std::move(node));
    }
  }
}

void Gossip::UpdateSlotsConfigWith(Node* sender, uint64_t sender_config_epoch,
                                   const std::bitset<kSlots>& slots) {
  if (sender == nullptr || sender->is_myself()) return;
  Node* cur_primary = PrimaryOf(me());
  Node* new_primary = nullptr;
  int migrated_our_slots = 0;
  int sender_slots = 0;
  std::vector<int> dirty;
  bool changed = false;
  for (int s = 0; s < kSlots; ++s) {
    if (!slots[s]) continue;
    ++sender_slots;
    Node* owner = st().owner(s);
    if (owner == sender) continue;
    // A slot we import is ours to settle (SETSLOT), not gossip's.
    if (st().importing_from(s) != nullptr) continue;
    if (owner == nullptr || owner->config_epoch < sender_config_epoch) {
      if (owner == &me() && cluster_->keys().CountKeys(s) > 0) dirty.push_back(s);
      if (owner != nullptr && owner == cur_primary) {
        new_primary = sender;
        ++migrated_our_slots;
      }
      st().SetSlot(s, sender);
      changed = true;
    }
  }
  if (!changed) return;
  st().MarkDirty();
  const ServerConfig& cfg = cluster_->server().cfg();
  if (new_primary != nullptr && cur_primary->num_slots == 0 &&
      (cfg.cluster_allow_replica_migration || sender_slots == migrated_our_slots)) {
    spdlog::info("Configuration change detected. Reconfiguring myself as a replica of {}",
                 sender->id);
    ResetManualFailover();
    cluster_->ReplicateFrom(sender);
  } else if (me().is_replica()) {
    Node* p = PrimaryOf(me());
    // Our primary became a replica of someone else: follow the new primary (no chains).
    if (p != nullptr && p->is_replica() && p->primary_id != me().id) {
      Node* pp = st().Find(p->primary_id);
      if (pp != nullptr) {
        spdlog::info("I'm a sub-replica! Reconfiguring myself as a replica of {}", pp->id);
        cluster_->ReplicateFrom(pp);
      }
    }
  } else if (!dirty.empty()) {
    // We lost slots that still hold keys to a newer configuration (not a migration: those
    // slots were emptied first). Those keys are not ours any more: delete them, as Redis's
    // delKeysInSlot, so a later reassignment cannot resurrect them.
    size_t deleted = 0;
    for (int s : dirty) deleted += DeleteKeysInSlot(s);
    spdlog::warn("Lost ownership of {} slot(s) holding keys: deleted their {} key(s)",
                 dirty.size(), deleted);
  }
  cluster_->UpdateState();
}

size_t Gossip::DeleteKeysInSlot(int slot) {
  Server& server = cluster_->server();
  // Collected first: each delete updates the index being walked.
  std::vector<std::string> keys;
  cluster_->keys().ForEachKey(slot, static_cast<size_t>(-1),
                              [&keys](std::string_view k) { keys.emplace_back(k); });
  Db& db = server.db(0);
  bool lazy = server.cfg().lazyfree_lazy_server_del;
  size_t deleted = 0;
  for (const std::string& key : keys) {
    if (!db.Delete(key, lazy)) continue;
    ++deleted;
    server.Notify(kNotifyGeneric, "del", key, 0);
    // Replicas and the AOF drop it too (Redis's propagateDeletion).
    std::vector<std::string_view> argv{lazy ? "UNLINK" : "DEL", key};
    server.Propagate(0, argv);
    server.AddDirty(1);
  }
  return deleted;
}

void Gossip::HandleConfigEpochCollision(Node* sender) {
  if (sender->config_epoch != me().config_epoch || !sender->is_primary() || !me().is_primary()) {
    return;
  }
  // The node with the smaller id keeps its epoch.
  if (sender->id <= me().id) return;
  st().set_current_epoch(st().current_epoch() + 1);
  me().config_epoch = st().current_epoch();
  st().MarkDirty();
  spdlog::warn("WARNING: configEpoch collision with node {}. configEpoch set to {}", sender->id,
               me().config_epoch);
}

void Gossip::SendUpdate(Node* to, Node* about) {
  Msg m;
  m.set_type(Msg::UPDATE);
  FillHeader(m.mutable_header(), to);
  m.set_update_id(about->id);
  m.set_update_config_epoch(about->config_epoch);
  m.set_update_slots(EncodeSlots(about->slots));
  SendNotify(to, m);
}

// ---- Failure detection ---------------------------------------------------------------------

bool Gossip::AddFailureReport(Node* failing, const Node* reporter) {
  auto [it, added] = failing->fail_reports.insert_or_assign(reporter->id, Now());
  return added;
}

bool Gossip::DelFailureReport(Node* failing, const Node* reporter) {
  return failing->fail_reports.erase(reporter->id) > 0;
}

int Gossip::ValidFailureReports(const Node& n) const {
  int64_t oldest = WallMs() - NodeTimeout() * kFailReportValidityMult;
  int count = 0;
  for (const auto& [id, when] : n.fail_reports) {
    if (when >= oldest) ++count;
  }
  return count;
}

int Gossip::CountFailureReports(const Node& node) const { return ValidFailureReports(node); }

void Gossip::MarkFailingIfNeeded(Node* n) {
  if (!n->pfailed() || n->failed()) return;
  // Expired reports go.
  int64_t oldest = Now() - NodeTimeout() * kFailReportValidityMult;
  std::erase_if(n->fail_reports, [oldest](const auto& kv) { return kv.second < oldest; });
  int needed = st().Size() / 2 + 1;
  int failures = static_cast<int>(n->fail_reports.size());
  if (me().is_primary()) ++failures;
  if (failures < needed) return;
  spdlog::info("Marking node {} as failing (quorum reached).", n->id);
  SetFail(n);
  if (me().is_primary()) {
    Msg m;
    m.set_type(Msg::FAIL);
    FillHeader(m.mutable_header(), nullptr);
    m.set_fail_id(n->id);
    BroadcastNotify(m);
  }
  // A replica of the failed primary may start its election now.
  if (me().is_replica() && me().primary_id == n->id) HandleReplicaFailover();
}

void Gossip::SetFail(Node* n) {
  n->flags = (n->flags & ~kFlagPfail) | kFlagFail;
  n->fail_time_ms = Now();
  PeerOf(*n).fast_fail = n->data_recv_ms > 0 && Now() - n->data_recv_ms < NodeTimeout();
  st().MarkDirty();
  cluster_->UpdateState();
}

void Gossip::ClearFailureIfNeeded(Node* n) {
  int64_t now = Now();
  if (n->is_primary() && n->num_slots > 0 && PeerOf(*n).fast_fail) {
    // Failed by the fast path (its port refused connections) and back before a replica took
    // its slots: its slots are still its own, and Redis, which waits the node timeout, would
    // not have failed a node back that soon. No 2 x node timeout of CLUSTERDOWN.
    spdlog::info("Clear FAIL state for node {}: reachable again after a fast FAIL, slots still "
                 "its own.",
                 n->id);
    n->flags &= ~kFlagFail;
    st().MarkDirty();
    cluster_->UpdateState();
    return;
  }
  if (n->is_replica() || n->num_slots == 0) {
    spdlog::info("Clear FAIL state for node {}: {} is reachable again.", n->id,
                 n->is_replica() ? "replica" : "master without slots");
    n->flags &= ~kFlagFail;
    st().MarkDirty();
    cluster_->UpdateState();
    return;
  }
  if (n->is_primary() && now - n->fail_time_ms > NodeTimeout() * kFailUndoTimeMult) {
    spdlog::info(
        "Clear FAIL state for node {}: is reachable again and nobody is serving its slots after "
        "some time.",
        n->id);
    n->flags &= ~kFlagFail;
    st().MarkDirty();
    cluster_->UpdateState();
  }
}

// ---- Cron ----------------------------------------------------------------------------------

void Gossip::Cron() {
  if (!bus_) return;
  int64_t now = Now();
  ++iteration_;
  const ServerConfig& cfg = cluster_->server().cfg();
  int64_t timeout = NodeTimeout();
  if (cfg.control_auth != secret_) {
    secret_ = cfg.control_auth;
    bus_->set_secret(secret_);
  }
  // Myself's nofailover flag follows the configuration (Redis's clusterUpdateMyselfFlags).
  uint32_t want = cfg.cluster_replica_no_failover ? static_cast<uint32_t>(kFlagNoFailover) : 0u;
  if ((me().flags & kFlagNoFailover) != want) {
    me().flags = (me().flags & ~kFlagNoFailover) | want;
    st().MarkDirty();
  }
  std::erase_if(blacklist_, [now](const auto& kv) { return kv.second <= now; });

  // Handshake timeouts, and first contact with nodes we just learned.
  int64_t handshake_timeout = std::max<int64_t>(timeout, 1000);
  std::vector<Node*> nodes;
  for (const auto& [id, n] : st().nodes()) nodes.push_back(n.get());
  pfail_nodes_ = 0;
  for (Node* n : nodes) {
    if (n->is_myself() || (n->flags & kFlagNoAddr)) continue;
    if (n->pfailed()) ++pfail_nodes_;
    if (n->in_handshake() && now - n->ctime_ms > handshake_timeout) {
      spdlog::info("Handshake with {}:{} timed out", n->ip, n->port);
      DropNode(n);
      continue;
    }
    auto pit = peers_.find(n->id);
    if (pit == peers_.end() || (n->in_handshake() && !pit->second.inflight &&
                                now - pit->second.last_fail_ms >= kRetryMs)) {
      SendPing(n, (n->flags & kFlagMeet) ? Msg::MEET : Msg::PING);
    }
  }
  nodes.clear();
  for (const auto& [id, n] : st().nodes()) nodes.push_back(n.get());

  // Once a second, a node picked among 5 random ones: the one we heard from least recently.
  if (iteration_ % 10 == 0 && !nodes.empty()) {
    Node* min_node = nullptr;
    for (int i = 0; i < 5; ++i) {
      Node* n = nodes[rng_() % nodes.size()];
      if (!Reachable(*n) || n->ping_sent_ms != 0 || !n->link_connected) continue;
      if (PeerOf(*n).inflight) continue;
      if (min_node == nullptr || n->pong_recv_ms < min_node->pong_recv_ms) min_node = n;
    }
    if (min_node != nullptr) SendPing(min_node, Msg::PING);
  }

  int orphaned = 0;
  int max_replicas = 0;
  int this_replicas = 0;
  bool new_pfail = false;
  for (Node* n : nodes) {
    if (n->is_myself() || (n->flags & (kFlagNoAddr | kFlagHandshake))) continue;
    if (n->is_replica() && !n->primary_id.empty()) had_replicas_.insert(n->primary_id);
    if (me().is_replica() && n->is_primary() && !n->failed()) {
      int ok = OkReplicas(*n);
      if (ok == 0 && n->num_slots > 0 && had_replicas_.count(n->id)) ++orphaned;
      max_replicas = std::max(max_replicas, ok);
      if (me().primary_id == n->id) this_replicas = ok;
    }
    Peer& p = PeerOf(*n);
    if (!p.inflight && n->ping_sent_ms == 0 && now - n->pong_recv_ms > timeout / 2) {
      SendPing(n, Msg::PING);
      continue;
    }
    // The replica of our manual failover hears our offset every 100 ms.
    if (mf_end_ != 0 && me().is_primary() && mf_replica_id_ == n->id) {
      SendPing(n, Msg::PING);
      continue;
    }
    if (n->ping_sent_ms == 0) continue;
    // Retry an unanswered PING whose call failed (Redis re-sends on each new link).
    if (!p.inflight && now - p.last_fail_ms >= kRetryMs) SendPing(n, Msg::PING);
    int64_t delay = std::min(now - n->ping_sent_ms, now - n->data_recv_ms);
    if (delay > timeout && !(n->flags & (kFlagPfail | kFlagFail))) {
      n->flags |= kFlagPfail;
      spdlog::info("*** NODE {} possibly failing", n->id);
      MarkFailingIfNeeded(n);
      new_pfail = true;
    }
  }
  if (new_pfail) {
    cluster_->UpdateState();
    PingAllNow();
  }

  if (mf_end_ != 0 && mf_end_ < now) {
    spdlog::warn("Manual failover timed out.");
    ResetManualFailover();
  }
  if (me().is_replica()) {
    HandleManualFailover();
    HandleReplicaFailover();
    if (orphaned > 0 && max_replicas >= 2 && this_replicas == max_replicas &&
        cfg.cluster_allow_replica_migration) {
      HandleReplicaMigration(max_replicas);
    }
  }
}

int Gossip::OkReplicas(const Node& primary) const {
  int ok = 0;
  for (Node* r : cluster_->state().ReplicasOf(primary)) {
    if (!r->failed()) ++ok;
  }
  return ok;
}

void Gossip::ForgetAddressIfUnused(const std::string& ip, int cport, const Node* except) {
  if (!bus_ || ip.empty()) return;
  for (const auto& [id, other] : st().nodes()) {
    // Another node (a duplicate handshake, the real node behind one) still talks to it over
    // that channel, and its link watch lives there.
    if (other.get() != except && other->ip == ip && other->cport == cport) return;
  }
  bus_->Forget(ip, cport);
}

void Gossip::DropNode(Node* n) {
  ForgetAddressIfUnused(n->ip, n->cport, n);
  seen_.Forget(n->id);
  peers_.erase(n->id);
  orphaned_since_.erase(n->id);
  st().DeleteNode(n->id);
}

void Gossip::RenamePeer(const std::string& from, const std::string& to) {
  auto it = peers_.find(from);
  if (it == peers_.end()) return;
  Peer p = it->second;
  peers_.erase(it);
  peers_[to] = p;
}

// ---- The Cluster methods that live here ----------------------------------------------------

bool Gossip::Meet(const std::string& ip, int port, int cport) {
  std::string norm = NormalizeIp(ip);
  if (norm.empty() || port <= 0 || port > 65535 || cport <= 0 || cport > 65535) return false;
  for (const auto& [id, n] : st().nodes()) {
    // A handshake with that address is already under way.
    if (n->in_handshake() && n->ip == norm && n->port == port && n->cport == cport) return true;
  }
  auto node = std::make_unique<Node>();
  node->id = NewNodeId();
  node->flags = kFlagHandshake | kFlagMeet;
  node->ip = norm;
  node->port = port;
  node->cport = cport;
  node->ctime_ms = Now();
  if (loopback_only_ && !control::IsLoopbackAddress(norm)) {
    spdlog::warn(
        "CLUSTER MEET {}:{}: this node's cluster bus listens on loopback only (no control-auth "
        "or mTLS), so {} cannot call it back and the handshake will not complete",
        norm, port, norm);
  }
  Node* n = st().AddNode(std::move(node));
  SendPing(n, Msg::MEET);
  return true;
}

void Gossip::Forget(Node* node) {
  blacklist_[node->id] = Now() + kBlacklistTtlMs;
  DropNode(node);
  cluster_->UpdateState();
}

void Gossip::Reset(bool hard) {
  Server& server = cluster_->server();
  if (me().is_replica()) {
    cluster_->BecomePrimary();
    if (!me().is_primary()) st().SetPrimary(&me(), nullptr);
    // A former replica's data belonged to its shard: Redis empties it.
    for (int i = 0; i < server.db_count(); ++i) server.db(i).Flush(/*lazy=*/false);
  }
  ResetManualFailover();
  for (int s = 0; s < kSlots; ++s) {
    st().SetMigrating(s, nullptr);
    st().SetImporting(s, nullptr);
    st().ClearSlot(s);
  }
  std::vector<Node*> others;
  for (const auto& [id, n] : st().nodes()) {
    if (!n->is_myself()) others.push_back(n.get());
  }
  for (Node* n : others) DropNode(n);
  peers_.clear();
  blacklist_.clear();
  had_replicas_.clear();
  orphaned_since_.clear();
  seen_.Clear();
  auth_time_ = 0;
  if (hard) {
    st().set_current_epoch(0);
    st().set_last_vote_epoch(0);
    me().config_epoch = 0;
    std::string id = NewNodeId();
    st().RenameNode(&me(), id);
    spdlog::info("Node hard reset, now I'm {}", id);
  }
  st().MarkDirty();
  st().Save();
  cluster_->UpdateState();
}

void Gossip::Publish(std::string_view channel, std::string_view message, bool sharded) {
  Msg m;
  m.set_type(Msg::PUBLISH);
  FillHeader(m.mutable_header(), nullptr);
  m.set_channel(std::string(channel));
  m.set_message(std::string(message));
  m.set_sharded(sharded);
  Node* shard_primary = PrimaryOf(me());
  for (const auto& [id, n] : st().nodes()) {
    if (!Reachable(*n)) continue;
    if (sharded) {
      // Only our shard: our primary and its replicas, or our replicas.
      if (shard_primary == nullptr) continue;
      bool same = n.get() == shard_primary || n->primary_id == shard_primary->id;
      if (!same) continue;
    }
    SendNotify(n.get(), m);
  }
}

std::vector<Cluster::LinkInfo> Gossip::Links() const {
  std::vector<Cluster::LinkInfo> out;
  int64_t now = WallMs();
  for (const auto& [id, n] : cluster_->state().nodes()) {
    if (n->is_myself()) continue;
    auto it = peers_.find(id);
    if (it == peers_.end()) continue;
    const Peer& p = it->second;
    if (n->link_connected) {
      Cluster::LinkInfo l;
      l.direction = "to";
      l.node = id;
      l.create_time_ms = p.link_since_ms;
      l.events = "r";
      out.push_back(l);
    }
    if (p.inbound_ms != 0 && now - p.inbound_ms <= NodeTimeout()) {
      Cluster::LinkInfo l;
      l.direction = "from";
      l.node = id;
      l.create_time_ms = p.inbound_since_ms;
      l.events = "r";
      out.push_back(l);
    }
  }
  return out;
}

bool Cluster::Meet(const std::string& ip, int port, int cport) {
  return gossip_->Meet(ip, port, cport);
}
void Cluster::Forget(Node* node) { gossip_->Forget(node); }
std::string Cluster::StartManualFailover(FailoverMode mode) {
  return gossip_->StartManualFailover(mode);
}
void Cluster::Reset(bool hard) { gossip_->Reset(hard); }
void Cluster::BroadcastPong() { gossip_->BroadcastPong(); }
void Cluster::Publish(std::string_view channel, std::string_view message, bool sharded) {
  gossip_->Publish(channel, message, sharded);
}
int Cluster::CountFailureReports(const Node& node) const {
  return gossip_->CountFailureReports(node);
}
std::vector<Cluster::LinkInfo> Cluster::Links() const { return gossip_->Links(); }

}  // namespace sable::cluster

#include "cluster/state.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "server/util/numbers.h"
#include "server/util/strings.h"

namespace sable::cluster {

std::string FlagsText(uint32_t flags) {
  static constexpr std::pair<uint32_t, const char*> kNames[] = {
      {kFlagMyself, "myself"}, {kFlagMaster, "master"},
      {kFlagSlave, "slave"},   {kFlagPfail, "fail?"},
      {kFlagFail, "fail"},     {kFlagHandshake, "handshake"},
      {kFlagNoAddr, "noaddr"}, {kFlagNoFailover, "nofailover"},
  };
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if (!(flags & bit)) continue;
    if (!out.empty()) out += ',';
    out += name;
  }
  return out.empty() ? "noflags" : out;
}

std::string NewNodeId() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(40, '0');
  for (char& ch : id) ch = kHex[rng() & 15];
  return id;
}

ClusterState::ClusterState(std::string config_path) : path_(std::move(config_path)) {}

ClusterState::~ClusterState() {
  if (lock_fd_ >= 0) close(lock_fd_);
}

Node* ClusterState::Find(std::string_view id) const {
  auto it = nodes_.find(id);
  return it == nodes_.end() ? nullptr : it->second.get();
}

Node* ClusterState::AddNode(std::unique_ptr<Node> node) {
  Node* n = node.get();
  nodes_[n->id] = std::move(node);
  if (n->flags & kFlagMyself) myself_ = n;
  dirty_ = true;
  return n;
}

void ClusterState::DeleteNode(std::string_view id) {
  Node* n = Find(id);
  if (n == nullptr || n == myself_) return;
  ++slots_version_;
  for (int s = 0; s < kSlots; ++s) {
    if (owner_[s] == n) owner_[s] = nullptr;
    if (migrating_to_[s] == n) migrating_to_[s] = nullptr;
    if (importing_from_[s] == n) importing_from_[s] = nullptr;
  }
  for (auto& [other_id, other] : nodes_) {
    other->fail_reports.erase(n->id);
    if (other->primary_id == n->id) other->primary_id.clear();
  }
  nodes_.erase(nodes_.find(id));
  dirty_ = true;
}

void ClusterState::RenameNode(Node* node, const std::string& new_id) {
  auto it = nodes_.find(node->id);
  std::unique_ptr<Node> owned = std::move(it->second);
  nodes_.erase(it);
  owned->id = new_id;
  nodes_[new_id] = std::move(owned);
  dirty_ = true;
}

void ClusterState::SetSlot(int slot, Node* node) {
  Node* prev = owner_[slot];
  if (prev == node) return;
  if (prev != nullptr) {
    prev->slots.reset(slot);
    --prev->num_slots;
  }
  owner_[slot] = node;
  ++slots_version_;
  if (node != nullptr) {
    node->slots.set(slot);
    ++node->num_slots;
  }
  dirty_ = true;
}

void ClusterState::ClearSlot(int slot) { SetSlot(slot, nullptr); }

void ClusterState::SetMigrating(int slot, Node* to) {
  migrating_to_[slot] = to;
  dirty_ = true;
}

void ClusterState::SetImporting(int slot, Node* from) {
  importing_from_[slot] = from;
  dirty_ = true;
}

void ClusterState::SetPrimary(Node* node, Node* primary) {
  if (primary == nullptr) {
    node->flags = (node->flags & ~kFlagSlave) | kFlagMaster;
    node->primary_id.clear();
  } else {
    for (int s = 0; s < kSlots && node->num_slots > 0; ++s) {
      if (owner_[s] == node) SetSlot(s, nullptr);
    }
    node->flags = (node->flags & ~kFlagMaster) | kFlagSlave;
    node->primary_id = primary->id;
    node->shard_id = primary->shard_id;
  }
  ++slots_version_;
  dirty_ = true;
}

std::vector<Node*> ClusterState::ReplicasOf(const Node& primary) const {
  std::vector<Node*> out;
  for (const auto& [id, n] : nodes_) {
    if (n->is_replica() && n->primary_id == primary.id) out.push_back(n.get());
  }
  return out;
}

int ClusterState::Size() const {
  int size = 0;
  for (const auto& [id, n] : nodes_) {
    if (n->is_primary() && n->num_slots > 0) ++size;
  }
  return size;
}

uint64_t ClusterState::MaxConfigEpoch() const {
  uint64_t max = 0;
  for (const auto& [id, n] : nodes_) max = std::max(max, n->config_epoch);
  return max;
}

bool ClusterState::SaveIfDirty() {
  if (!dirty_) return true;
  return Save();
}

// ---- nodes.conf ---------------------------------------------------------------------------

namespace {

constexpr std::string_view kCorrupted = "Unrecoverable error: corrupted cluster config file.";

std::vector<std::string_view> SplitFields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

// Redis's verifyClusterNodeId(): 40 characters of [a-z0-9].
bool ValidNodeId(std::string_view id) {
  if (id.size() != 40) return false;
  return std::all_of(id.begin(), id.end(),
                     [](char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'); });
}

// atoi() as Redis uses it on these fields: leading digits, 0 when there are none.
int64_t LeadingInt(std::string_view s) {
  size_t n = 0;
  if (n < s.size() && (s[n] == '-' || s[n] == '+')) ++n;
  while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
  int64_t v = 0;
  if (!ParseInt64(s.substr(0, n), &v)) return 0;
  return v;
}

// Takes the flock Redis takes (clusterLockConfig): a second node pointed at the same file
// must refuse to start rather than both rewriting it.
std::string LockFile(const std::string& path, int* fd_out) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return "Can't open " + path + " in order to acquire a lock: " + std::strerror(errno);
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    close(fd);
    if (err == EWOULDBLOCK) {
      return "Sorry, the cluster configuration file " + path +
             " is already used by a different Redis Cluster node. Please make sure that "
             "different nodes use different cluster configuration files.";
    }
    return "Impossible to lock " + path + ": " + std::strerror(err);
  }
  *fd_out = fd;
  return "";
}

}  // namespace

std::string ClusterState::LoadOrCreate(const std::string& ip, int port, int cport, int64_t now_ms) {
  if (lock_fd_ < 0) {
    std::string err = LockFile(path_, &lock_fd_);
    if (!err.empty()) return err;
  }
  std::ifstream in(path_, std::ios::binary);
  if (!in) return "Loading the cluster node config from " + path_ + ": " + std::strerror(errno);
  std::stringstream buf;
  buf << in.rdbuf();
  std::string text = buf.str();
  bool fresh = text.empty();  // Redis treats an empty file as no file.
  if (fresh) {
    auto me = std::make_unique<Node>();
    me->id = NewNodeId();
    me->shard_id = NewNodeId();
    me->flags = kFlagMyself | kFlagMaster;
    me->ctime_ms = now_ms;
    AddNode(std::move(me));
  } else {
    std::string err = Parse(text, now_ms);
    if (!err.empty()) return err;
  }
  if (!ip.empty()) myself_->ip = ip;
  myself_->port = port;
  myself_->cport = cport;
  if (!Save()) return "Fatal: can't update cluster config file.";
  return "";
}

std::string ClusterState::Parse(std::string_view text, int64_t now_ms) {
  // Nodes named before their own line (a replica's primary, a migration peer) start as
  // placeholders that their line fills in later, as in Redis.
  auto lookup_or_create = [this, now_ms](std::string_view id) {
    Node* n = Find(id);
    if (n != nullptr) return n;
    auto fresh = std::make_unique<Node>();
    fresh->id = std::string(id);
    fresh->shard_id = NewNodeId();
    fresh->ctime_ms = now_ms;
    return AddNode(std::move(fresh));
  };
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    std::string_view line = text.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
    std::vector<std::string_view> f = SplitFields(line);
    if (f.empty()) continue;
    if (EqualsNoCase(f[0], "vars")) {
      for (size_t j = 1; j + 1 < f.size(); j += 2) {
        uint64_t v = static_cast<uint64_t>(LeadingInt(f[j + 1]));
        if (EqualsNoCase(f[j], "currentEpoch")) {
          current_epoch_ = v;
        } else if (EqualsNoCase(f[j], "lastVoteEpoch")) {
          last_vote_epoch_ = v;
        }
        // Unknown variables are skipped, as Redis does (it only logs them).
      }
      continue;
    }
    if (f.size() < 8 || !ValidNodeId(f[0])) return std::string(kCorrupted);
    Node* n = lookup_or_create(f[0]);
    // ip:port@cport[,hostname]; the ip may itself hold ':' (IPv6), hence the last one.
    std::string_view addr = f[1];
    size_t comma = addr.find(',');
    if (comma != std::string_view::npos) {
      n->hostname = std::string(addr.substr(comma + 1));
      addr = addr.substr(0, comma);
    }
    size_t colon = addr.rfind(':');
    if (colon == std::string_view::npos) return std::string(kCorrupted);
    n->ip = std::string(addr.substr(0, colon));
    std::string_view ports = addr.substr(colon + 1);
    size_t at = ports.find('@');
    n->port = static_cast<int>(LeadingInt(ports.substr(0, at)));
    n->cport = at == std::string_view::npos ? n->port + 10000
                                            : static_cast<int>(LeadingInt(ports.substr(at + 1)));
    // Flags.
    size_t start = 0;
    std::string_view flags = f[2];
    while (start <= flags.size()) {
      size_t end = flags.find(',', start);
      std::string_view flag =
          flags.substr(start, end == std::string_view::npos ? end : end - start);
      start = end == std::string_view::npos ? flags.size() + 1 : end + 1;
      if (flag == "myself") {
        if (myself_ != nullptr && myself_ != n) return std::string(kCorrupted);
        n->flags |= kFlagMyself;
        myself_ = n;
      } else if (flag == "master") {
        n->flags |= kFlagMaster;
      } else if (flag == "slave") {
        n->flags |= kFlagSlave;
      } else if (flag == "fail?") {
        n->flags |= kFlagPfail;
      } else if (flag == "fail") {
        n->flags |= kFlagFail;
        n->fail_time_ms = now_ms;
      } else if (flag == "handshake") {
        n->flags |= kFlagHandshake;
      } else if (flag == "noaddr") {
        n->flags |= kFlagNoAddr;
      } else if (flag == "nofailover") {
        n->flags |= kFlagNoFailover;
      } else if (flag != "noflags") {
        return "Unknown flag in redis cluster config file";
      }
    }
    if (f[3] != "-") {
      if (!ValidNodeId(f[3])) return std::string(kCorrupted);
      Node* primary = lookup_or_create(f[3]);
      n->primary_id = primary->id;
    }
    // Redis restarts the clocks rather than trusting old timestamps.
    if (LeadingInt(f[4]) != 0) n->ping_sent_ms = now_ms;
    if (LeadingInt(f[5]) != 0) n->pong_recv_ms = now_ms;
    n->config_epoch = static_cast<uint64_t>(LeadingInt(f[6]));
    // f[7], the link state, is not state: links are made anew.
    for (size_t j = 8; j < f.size(); ++j) {
      std::string_view item = f[j];
      if (item.front() == '[') {
        // [slot->-id] (migrating to id) or [slot-<-id] (importing from id).
        size_t dash = item.find('-');
        if (dash == std::string_view::npos || dash + 3 >= item.size() || item.back() != ']') {
          return std::string(kCorrupted);
        }
        char dir = item[dash + 1];
        int64_t slot = LeadingInt(item.substr(1, dash - 1));
        if (slot < 0 || slot >= kSlots || (dir != '>' && dir != '<')) {
          return std::string(kCorrupted);
        }
        std::string_view peer_id = item.substr(dash + 3, item.size() - dash - 4);
        if (!ValidNodeId(peer_id)) return std::string(kCorrupted);
        Node* peer = lookup_or_create(peer_id);
        if (dir == '>') {
          migrating_to_[slot] = peer;
        } else {
          importing_from_[slot] = peer;
        }
        continue;
      }
      size_t dash = item.find('-');
      int64_t first = LeadingInt(item.substr(0, dash));
      int64_t last = dash == std::string_view::npos ? first : LeadingInt(item.substr(dash + 1));
      if (first < 0 || first >= kSlots || last < 0 || last >= kSlots) {
        return std::string(kCorrupted);
      }
      for (int64_t s = first; s <= last; ++s) SetSlot(static_cast<int>(s), n);
    }
  }
  if (myself_ == nullptr) return std::string(kCorrupted);
  // Replicas share their primary's shard (nodes.conf of 7.0 does not store shard ids).
  for (auto& [id, node] : nodes_) {
    if (node->primary_id.empty()) continue;
    if (Node* primary = Find(node->primary_id)) node->shard_id = primary->shard_id;
  }
  // A hand-edited file may carry a current epoch below a node's: Redis corrects it.
  current_epoch_ = std::max(current_epoch_, MaxConfigEpoch());
  dirty_ = false;
  return "";
}

std::string ClusterState::NodeLine(const Node& node, int64_t /*now_ms*/) const {
  std::string out;
  out.reserve(128);
  out += node.id;
  out += ' ';
  out += node.ip;
  out += ':';
  out += std::to_string(node.port);
  out += '@';
  out += std::to_string(node.cport);
  if (!node.hostname.empty()) {
    out += ',';
    out += node.hostname;
  }
  out += ' ';
  out += FlagsText(node.flags);
  out += ' ';
  out += node.primary_id.empty() ? std::string("-") : node.primary_id;
  // A replica shows its primary's config epoch, as Redis does.
  uint64_t epoch = node.config_epoch;
  if (node.is_replica() && !node.primary_id.empty()) {
    if (const Node* primary = Find(node.primary_id)) epoch = primary->config_epoch;
  }
  out += ' ';
  out += std::to_string(node.ping_sent_ms);
  out += ' ';
  out += std::to_string(node.pong_recv_ms);
  out += ' ';
  out += std::to_string(epoch);
  out += (node.link_connected || node.is_myself()) ? " connected" : " disconnected";
  for (int s = 0; s < kSlots; ++s) {
    if (!node.slots.test(s)) continue;
    int e = s;
    while (e + 1 < kSlots && node.slots.test(e + 1)) ++e;
    out += ' ';
    out += std::to_string(s);
    if (e != s) {
      out += '-';
      out += std::to_string(e);
    }
    s = e;
  }
  if (node.is_myself()) {
    for (int s = 0; s < kSlots; ++s) {
      if (migrating_to_[s] != nullptr) {
        out += " [" + std::to_string(s) + "->-" + migrating_to_[s]->id + "]";
      } else if (importing_from_[s] != nullptr) {
        out += " [" + std::to_string(s) + "-<-" + importing_from_[s]->id + "]";
      }
    }
  }
  out += '\n';
  return out;
}

std::string ClusterState::NodesText(int64_t now_ms) const {
  std::string out = NodeLine(*myself_, now_ms);
  for (const auto& [id, n] : nodes_) {
    if (n.get() != myself_) out += NodeLine(*n, now_ms);
  }
  return out;
}

std::string ClusterState::ConfigText() const {
  std::string out = NodeLine(*myself_, 0);
  for (const auto& [id, n] : nodes_) {
    // A handshake node has a made-up id until it answers: not worth remembering.
    if (n.get() != myself_ && !n->in_handshake()) out += NodeLine(*n, 0);
  }
  out += "vars currentEpoch " + std::to_string(current_epoch_) + " lastVoteEpoch " +
         std::to_string(last_vote_epoch_) + "\n";
  return out;
}

bool ClusterState::Save() {
  if (myself_ == nullptr) return false;
  std::string text = ConfigText();
  std::string tmp = path_ + ".tmp-" + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      close(fd);
      unlink(tmp.c_str());
      return false;
    }
    off += static_cast<size_t>(n);
  }
  // The lock moves to the new file before it replaces the old one: the rename would otherwise
  // leave the flock on an unlinked inode and let a second node lock the live file.
  bool ok = fsync(fd) == 0 && (lock_fd_ < 0 || flock(fd, LOCK_EX | LOCK_NB) == 0) &&
            rename(tmp.c_str(), path_.c_str()) == 0;
  if (!ok) {
    close(fd);
    unlink(tmp.c_str());
    return false;
  }
  // The rename reaches the disk with its directory.
  std::string dir = path_.find('/') == std::string::npos ? "." : path_.substr(0, path_.rfind('/'));
  if (dir.empty()) dir = "/";
  int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  if (lock_fd_ >= 0) {
    close(lock_fd_);
    lock_fd_ = fd;
  } else {
    close(fd);
  }
  dirty_ = false;
  return true;
}

}  // namespace sable::cluster

#include "server/repl/repl_state.h"

#include <algorithm>
#include <cstring>
#include <random>

namespace sable {

namespace {

const std::string kNoReplId(kReplIdLen, '0');

}  // namespace

std::string ReplicationState::RandomReplId() {
  static std::mt19937_64 gen(std::random_device{}());
  static const char kHex[] = "0123456789abcdef";
  std::string out(kReplIdLen, '0');
  for (char& c : out) c = kHex[gen() & 15];
  return out;
}

ReplicationState::ReplicationState(int64_t backlog_size)
    : replid_(RandomReplId()),
      replid2_(kNoReplId),
      backlog_size_(std::max<int64_t>(backlog_size, 1)) {}

void ReplicationState::Feed(std::string_view resp_bytes) {
  if (backlog_.empty() || resp_bytes.empty()) return;
  AppendToBacklog(resp_bytes);
  master_repl_offset_ += static_cast<int64_t>(resp_bytes.size());
  if (consumer_) consumer_(resp_bytes);
}

void ReplicationState::AppendToBacklog(std::string_view bytes) {
  const size_t cap = backlog_.size();
  const int64_t fed = static_cast<int64_t>(bytes.size());
  // Only the last `cap` bytes can survive.
  if (bytes.size() > cap) bytes.remove_prefix(bytes.size() - cap);
  size_t first = std::min(bytes.size(), cap - backlog_idx_);
  std::memcpy(backlog_.data() + backlog_idx_, bytes.data(), first);
  std::memcpy(backlog_.data(), bytes.data() + first, bytes.size() - first);
  backlog_idx_ = (backlog_idx_ + bytes.size()) % cap;
  histlen_ =
      std::min<int64_t>(histlen_ + static_cast<int64_t>(bytes.size()), static_cast<int64_t>(cap));
  // The caller advances master_repl_offset_ after this; the first byte held is then
  // offset - histlen + 1.
  first_byte_offset_ = master_repl_offset_ + fed - histlen_ + 1;
}

bool ReplicationState::CanPartialSync(std::string_view replid, int64_t psync_offset) const {
  if (replid != replid_) {
    if (replid != replid2_ || replid2_ == kNoReplId) return false;
    if (psync_offset > second_repl_offset_) return false;
  }
  if (backlog_.empty()) return false;
  return psync_offset >= first_byte_offset_ && psync_offset <= first_byte_offset_ + histlen_;
}

std::string ReplicationState::BacklogFrom(int64_t offset) const {
  if (backlog_.empty() || offset < first_byte_offset_ || offset > master_repl_offset_ + 1) {
    return {};
  }
  const size_t cap = backlog_.size();
  size_t skip = static_cast<size_t>(offset - first_byte_offset_);
  size_t len = static_cast<size_t>(histlen_) - skip;
  // Where the oldest byte sits: histlen bytes behind the write position.
  size_t start = (backlog_idx_ + cap - static_cast<size_t>(histlen_) + skip) % cap;
  std::string out;
  out.reserve(len);
  size_t first = std::min(len, cap - start);
  out.append(backlog_.data() + start, first);
  out.append(backlog_.data(), len - first);
  return out;
}

void ReplicationState::ShiftReplId() {
  replid2_ = replid_;
  second_repl_offset_ = master_repl_offset_ + 1;
  replid_ = RandomReplId();
}

void ReplicationState::SetMaster(std::string replid, int64_t offset) {
  replid_ = std::move(replid);
  master_repl_offset_ = offset;
  ClearReplId2();
  if (backlog_.empty()) {
    CreateBacklog();
  } else {
    backlog_idx_ = 0;
    histlen_ = 0;
    first_byte_offset_ = master_repl_offset_ + 1;
  }
}

void ReplicationState::ContinueWithNewReplId(std::string replid) {
  replid2_ = replid_;
  second_repl_offset_ = master_repl_offset_ + 1;
  replid_ = std::move(replid);
}

void ReplicationState::ChangeReplId() { replid_ = RandomReplId(); }

void ReplicationState::ClearReplId2() {
  replid2_ = kNoReplId;
  second_repl_offset_ = -1;
}

void ReplicationState::RestoreAsReplica(std::string replid, int64_t offset) {
  replid_ = std::move(replid);
  master_repl_offset_ = offset;
  // The backlog, if any, held another history; it is created again on +CONTINUE / +FULLRESYNC.
  FreeBacklog();
}

void ReplicationState::RestoreAsPrimary(std::string replid, int64_t offset) {
  replid2_ = std::move(replid);
  second_repl_offset_ = offset + 1;
  master_repl_offset_ += offset;
  if (backlog_.empty()) {
    CreateBacklog();
  } else {
    first_byte_offset_ = master_repl_offset_ - histlen_ + 1;
  }
}

void ReplicationState::CreateBacklog() {
  backlog_.assign(static_cast<size_t>(backlog_size_), 0);
  backlog_idx_ = 0;
  histlen_ = 0;
  // Nothing is held yet: the next byte fed is the first one.
  first_byte_offset_ = master_repl_offset_ + 1;
}

void ReplicationState::FreeBacklog() {
  backlog_.clear();
  backlog_.shrink_to_fit();
  backlog_idx_ = 0;
  histlen_ = 0;
  first_byte_offset_ = 0;
}

void ReplicationState::SetBacklogSize(int64_t size) {
  size = std::max<int64_t>(size, 1);
  if (size == backlog_size_) return;
  backlog_size_ = size;
  if (backlog_.empty()) return;
  int64_t keep = std::min(histlen_, size);
  std::string tail = BacklogFrom(master_repl_offset_ - keep + 1);
  backlog_.assign(static_cast<size_t>(size), 0);
  std::memcpy(backlog_.data(), tail.data(), tail.size());
  backlog_idx_ = tail.size() % static_cast<size_t>(size);
  histlen_ = keep;
  first_byte_offset_ = master_repl_offset_ - keep + 1;
}

}  // namespace sable

#include "server/store/list_object.h"

#include <lzf.h>

#include <algorithm>
#include <vector>

#include "server/util/varint.h"

namespace sable {
namespace {

// Redis's quicklist limits: the byte sizes of the negative fill classes, the byte cap that
// applies to a positive fill too (SIZE_SAFETY_LIMIT), and the compression thresholds
// (MIN_COMPRESS_BYTES, MIN_COMPRESS_IMPROVE).
constexpr size_t kFillBytes[] = {4096, 8192, 16384, 32768, 65536};
constexpr size_t kSafetyLimit = 8192;
constexpr size_t kMinCompressBytes = 48;
constexpr size_t kMinCompressImprove = 8;
constexpr uint32_t kMaxNodeCount = 65535;

size_t ElementSize(size_t len) { return len + 2 * VarintLen(len); }

template <typename Buf>
void AppendFramed(Buf* buf, std::string_view v) {
  char head[10], tail[10];
  size_t n = PutVarint(v.size(), head);
  // The same varint, last byte first, so a reader coming from the end meets the low bits first.
  for (size_t i = 0; i < n; ++i) tail[i] = head[n - 1 - i];
  buf->append(head, n);
  buf->append(v);
  buf->append(tail, n);
}

}  // namespace

void ListObject::AppendElement(std::string* buf, std::string_view v) { AppendFramed(buf, v); }
void ListObject::AppendElement(ByteBuf* buf, std::string_view v) { AppendFramed(buf, v); }

std::string_view ListObject::ReadForward(const char** p) {
  uint64_t len = 0;
  const char* at = GetVarint(*p, &len);
  auto n = static_cast<size_t>(at - *p);
  *p = at + len + n;
  return {at, len};
}

std::string_view ListObject::ReadBackward(const char** end) {
  const auto* q = reinterpret_cast<const uint8_t*>(*end);
  size_t len = 0;
  int shift = 0;
  size_t n = 0;
  uint8_t b;
  do {
    b = *(q - 1 - n);
    ++n;
    len |= static_cast<size_t>(b & 0x7f) << shift;
    shift += 7;
  } while (b & 0x80);
  const char* start = *end - n - len;
  *end = start - n;
  return {start, len};
}

ListObject::ListObject(const ListLimits& limits)
    : fill_(static_cast<int16_t>(std::clamp(limits.fill, -5, 32767))),
      depth_(static_cast<uint16_t>(std::clamp(limits.compress_depth, 0, 65535))) {}

size_t ListObject::Footprint() const {
  size_t bytes = sizeof(*this);
  for (const Node& n : nodes_) bytes += sizeof(Node) + n.data.capacity();
  return bytes;
}

Object* ListObject::Clone() const { return new ListObject(*this); }

size_t ListObject::compressed_nodes() const {
  size_t n = 0;
  for (const Node& node : nodes_) n += node.lzf;
  return n;
}

std::string_view ListObject::RawOf(const Node& node, std::string* scratch) {
  if (!node.lzf) return node.data;
  scratch->resize(node.raw_size);
  unsigned int got = lzf_decompress(node.data.data(), static_cast<unsigned int>(node.data.size()),
                                    scratch->data(), node.raw_size);
  // Our own compressed bytes: they always inflate to raw_size.
  scratch->resize(got);
  return *scratch;
}

bool ListObject::Fits(const Node& node, size_t bytes) const {
  if (node.lzf || node.count >= kMaxNodeCount) return false;
  size_t after = node.raw_size + bytes;
  if (fill_ >= 0) return node.count < static_cast<uint32_t>(fill_) && after <= kSafetyLimit;
  return after <= kFillBytes[-fill_ - 1];
}

bool ListObject::ShouldCompress(size_t k) const {
  return depth_ != 0 && k >= depth_ && k + depth_ < nodes_.size();
}

void ListObject::Open(size_t k) {
  Node& node = nodes_[k];
  if (!node.lzf) return;
  std::string raw;
  RawOf(node, &raw);
  node.data.assign(raw);
  node.lzf = false;
}

void ListObject::Settle(size_t k) {
  Node& node = nodes_[k];
  bool want = ShouldCompress(k);
  if (!want) {
    Open(k);
    return;
  }
  if (node.lzf || node.raw_size < kMinCompressBytes) return;
  std::string out(node.raw_size - kMinCompressImprove, '\0');
  unsigned int n = lzf_compress(node.data.data(), node.raw_size, out.data(),
                                static_cast<unsigned int>(out.size()));
  if (n == 0) return;  // does not shrink enough: stays raw
  node.data.assign(std::string_view(out.data(), n));
  node.lzf = true;
}

void ListObject::SettleEdges() {
  if (depth_ == 0) return;
  size_t n = nodes_.size();
  size_t edge = std::min<size_t>(n, depth_ + 1u);
  for (size_t k = 0; k < edge; ++k) {
    Settle(k);
    Settle(n - 1 - k);
  }
}

void ListObject::Push(std::string_view value, bool front) {
  size_t bytes = ElementSize(value.size());
  if (nodes_.empty() || !Fits(front ? nodes_.front() : nodes_.back(), bytes)) {
    if (front) {
      nodes_.emplace(nodes_.begin());
    } else {
      nodes_.emplace_back();
    }
    SettleEdges();
  }
  Node& node = front ? nodes_.front() : nodes_.back();
  if (front) {
    std::string item;
    item.reserve(bytes);
    AppendElement(&item, value);
    node.data.insert(0, item);
  } else {
    AppendElement(&node.data, value);
  }
  ++node.count;
  node.raw_size = static_cast<uint32_t>(node.data.size());
  ++count_;
}

std::string ListObject::Pop(bool front) {
  size_t k = front ? 0 : nodes_.size() - 1;
  Open(k);
  Node& node = nodes_[k];
  std::string out;
  if (front) {
    const char* p = node.data.data();
    out = std::string(ReadForward(&p));
    node.data.erase(0, static_cast<size_t>(p - node.data.data()));
  } else {
    const char* end = node.data.data() + node.data.size();
    out = std::string(ReadBackward(&end));
    node.data.resize(static_cast<size_t>(end - node.data.data()));
  }
  --node.count;
  node.raw_size = static_cast<uint32_t>(node.data.size());
  --count_;
  if (node.count == 0) {
    if (front) {
      nodes_.erase(nodes_.begin());
    } else {
      nodes_.pop_back();
    }
    SettleEdges();
  }
  return out;
}

std::pair<size_t, size_t> ListObject::Locate(size_t i) const {
  if (i < count_ / 2) {
    for (size_t k = 0; k < nodes_.size(); ++k) {
      if (i < nodes_[k].count) return {k, i};
      i -= nodes_[k].count;
    }
  } else {
    size_t from_tail = count_ - 1 - i;
    for (size_t k = nodes_.size(); k-- > 0;) {
      if (from_tail < nodes_[k].count) return {k, nodes_[k].count - 1 - from_tail};
      from_tail -= nodes_[k].count;
    }
  }
  return {nodes_.size(), 0};
}

size_t ListObject::OffsetOf(std::string_view raw, size_t j) {
  const char* p = raw.data();
  for (size_t x = 0; x < j; ++x) ReadForward(&p);
  return static_cast<size_t>(p - raw.data());
}

std::optional<std::string> ListObject::Index(size_t i) const {
  if (i >= count_) return std::nullopt;
  auto [k, j] = Locate(i);
  const Node& node = nodes_[k];
  std::string scratch;
  std::string_view raw = RawOf(node, &scratch);
  if (j < node.count / 2) {
    const char* p = raw.data() + OffsetOf(raw, j);
    return std::string(ReadForward(&p));
  }
  const char* end = raw.data() + raw.size();
  std::string_view v;
  for (size_t x = node.count; x > j; --x) v = ReadBackward(&end);
  return std::string(v);
}

void ListObject::Set(size_t i, std::string_view value) {
  auto [k, j] = Locate(i);
  Open(k);
  Node& node = nodes_[k];
  size_t off = OffsetOf(node.data, j);
  const char* p = node.data.data() + off;
  ReadForward(&p);
  size_t old_len = static_cast<size_t>(p - (node.data.data() + off));
  std::string item;
  AppendElement(&item, value);
  node.data.replace(off, old_len, item);
  node.raw_size = static_cast<uint32_t>(node.data.size());
  Settle(k);
}

bool ListObject::Insert(std::string_view pivot, std::string_view value, bool after) {
  std::string scratch;
  for (size_t k = 0; k < nodes_.size(); ++k) {
    std::string_view raw = RawOf(nodes_[k], &scratch);
    const char* p = raw.data();
    for (uint32_t j = 0; j < nodes_[k].count; ++j) {
      const char* start = p;
      if (ReadForward(&p) != pivot) continue;
      size_t off = static_cast<size_t>((after ? p : start) - raw.data());
      size_t index = after ? j + 1 : j;  // elements of the node before the new one
      Open(k);
      std::string item;
      AppendElement(&item, value);
      Node& node = nodes_[k];
      if (Fits(node, item.size())) {
        node.data.insert(off, item);
        ++node.count;
        node.raw_size = static_cast<uint32_t>(node.data.size());
      } else {
        // Split at the insertion point; the new element ends the left half when it fits there,
        // else starts the right half, else gets a node of its own.
        Node right;
        right.data.assign(node.data.view().substr(off));
        right.count = node.count - static_cast<uint32_t>(index);
        right.raw_size = static_cast<uint32_t>(right.data.size());
        node.data.resize(off);
        node.count = static_cast<uint32_t>(index);
        node.raw_size = static_cast<uint32_t>(off);
        Node mid;
        if (node.count > 0 && Fits(node, item.size())) {
          node.data.append(item);
          ++node.count;
          node.raw_size = static_cast<uint32_t>(node.data.size());
        } else if (right.count > 0 && Fits(right, item.size())) {
          right.data.insert(0, item);
          ++right.count;
          right.raw_size = static_cast<uint32_t>(right.data.size());
        } else {
          mid.data.assign(item);
          mid.count = 1;
          mid.raw_size = static_cast<uint32_t>(mid.data.size());
        }
        size_t at = k + 1;
        if (mid.count > 0) nodes_.insert(nodes_.begin() + static_cast<ptrdiff_t>(at++), std::move(mid));
        if (right.count > 0) nodes_.insert(nodes_.begin() + static_cast<ptrdiff_t>(at), std::move(right));
        if (nodes_[k].count == 0) nodes_.erase(nodes_.begin() + static_cast<ptrdiff_t>(k));
        for (size_t x = k; x < std::min(nodes_.size(), k + 3); ++x) Settle(x);
        SettleEdges();
      }
      ++count_;
      if (k < nodes_.size()) Settle(k);
      return true;
    }
  }
  return false;
}

size_t ListObject::Remove(std::string_view value, int64_t count) {
  bool from_tail = count < 0;
  size_t limit = count == 0 ? SIZE_MAX : static_cast<size_t>(count < 0 ? -(count + 1) + 1 : count);
  size_t removed = 0;
  std::string scratch;
  size_t n = nodes_.size();
  for (size_t step = 0; step < n && removed < limit; ++step) {
    size_t k = from_tail ? n - 1 - step : step;
    std::string_view raw = RawOf(nodes_[k], &scratch);
    // Offsets [start, end) of the matching elements, in storage order.
    std::vector<std::pair<size_t, size_t>> hits;
    const char* p = raw.data();
    for (uint32_t j = 0; j < nodes_[k].count; ++j) {
      const char* start = p;
      if (ReadForward(&p) == value) {
        hits.emplace_back(start - raw.data(), p - raw.data());
      }
    }
    if (hits.empty()) continue;
    size_t take = std::min(hits.size(), limit - removed);
    size_t first = from_tail ? hits.size() - take : 0;
    std::string kept;
    kept.reserve(raw.size());
    size_t pos = 0;
    for (size_t h = first; h < first + take; ++h) {
      kept.append(raw.substr(pos, hits[h].first - pos));
      pos = hits[h].second;
    }
    kept.append(raw.substr(pos));
    Node& node = nodes_[k];
    node.data.assign(kept);
    node.lzf = false;
    node.count -= static_cast<uint32_t>(take);
    node.raw_size = static_cast<uint32_t>(node.data.size());
    removed += take;
    count_ -= take;
    Settle(k);
  }
  if (removed > 0) {
    std::erase_if(nodes_, [](const Node& node) { return node.count == 0; });
    SettleEdges();
  }
  return removed;
}

void ListObject::DropFront(size_t n) {
  while (n > 0 && !nodes_.empty() && nodes_.front().count <= n) {
    n -= nodes_.front().count;
    count_ -= nodes_.front().count;
    nodes_.erase(nodes_.begin());
  }
  if (n == 0 || nodes_.empty()) return;
  Open(0);
  Node& node = nodes_.front();
  size_t off = OffsetOf(node.data, n);
  node.data.erase(0, off);
  node.count -= static_cast<uint32_t>(n);
  node.raw_size = static_cast<uint32_t>(node.data.size());
  count_ -= n;
}

void ListObject::DropBack(size_t n) {
  while (n > 0 && !nodes_.empty() && nodes_.back().count <= n) {
    n -= nodes_.back().count;
    count_ -= nodes_.back().count;
    nodes_.pop_back();
  }
  if (n == 0 || nodes_.empty()) return;
  Open(nodes_.size() - 1);
  Node& node = nodes_.back();
  size_t off = OffsetOf(node.data, node.count - n);
  node.data.resize(off);
  node.count -= static_cast<uint32_t>(n);
  node.raw_size = static_cast<uint32_t>(node.data.size());
  count_ -= n;
}

void ListObject::Trim(size_t front, size_t back) {
  DropFront(front);
  DropBack(back);
  SettleEdges();
}

}  // namespace sable

// The list value type: a vector of nodes, each node one contiguous, exactly sized buffer of
// elements (Redis's quicklist of listpacks, without its linked-list node headers). An element is stored as its length (a varint), its bytes, and the
// length again written backwards, so a node is walked from either end without an index: that is
// what LPOP/RPOP and LRANGE from the tail need. Nodes fill up to `list-max-listpack-size`
// (entries when positive, 4..64 KB when negative); with `list-compress-depth` d, every node but
// the d at each end is kept LZF-compressed (liblzf, as Redis). Pure structure: no replies, no Db.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/store/entry.h"
#include "server/util/byte_buf.h"

namespace sable {

// list-max-listpack-size and list-compress-depth, fixed for a list when it is created (as
// Redis's quicklist keeps its fill and compress settings).
struct ListLimits {
  int fill = -2;
  int compress_depth = 0;
};

class ListObject : public Object {
 public:
  explicit ListObject(const ListLimits& limits);
  ~ListObject() override = default;

  // Redis 7.0 reports every list as a quicklist.
  const char* EncodingName() const override { return "quicklist"; }
  size_t Footprint() const override;
  Object* Clone() const override;

  size_t size() const { return count_; }
  size_t node_count() const { return nodes_.size(); }
  size_t compressed_nodes() const;
  // The node fill this list was created with (list-max-listpack-size), and the bytes of its
  // elements uncompressed (DEBUG OBJECT's ql_* fields), and its list-compress-depth.
  int fill() const { return fill_; }
  int compress_depth() const { return depth_; }
  size_t raw_bytes() const {
    size_t n = 0;
    for (const Node& node : nodes_) n += node.raw_size;
    return n;
  }

  void Push(std::string_view value, bool front);
  // Removes and returns the first (front) or last element; the list must not be empty.
  std::string Pop(bool front);
  // The element at a 0-based index (the caller resolves negative indexes); nullopt past the end.
  std::optional<std::string> Index(size_t i) const;
  // Replaces the element at index i (< size()).
  void Set(size_t i, std::string_view value);
  // Inserts beside the first element equal to pivot; false when there is none.
  bool Insert(std::string_view pivot, std::string_view value, bool after);
  // LREM: removes up to |count| elements equal to value, from the head when count > 0, from the
  // tail when count < 0, all when 0. Returns how many went.
  size_t Remove(std::string_view value, int64_t count);
  // Drops `front` elements from the head and `back` from the tail.
  void Trim(size_t front, size_t back);

  // Calls fn(element) for elements from `start` (an index from the head, or from the tail when
  // reverse) onwards in that direction, until fn returns false or the list ends.
  template <typename Fn>
  void Walk(size_t start, bool reverse, Fn&& fn) const {
    std::string scratch;
    size_t n = nodes_.size();
    for (size_t k = 0; k < n; ++k) {
      const Node& node = nodes_[reverse ? n - 1 - k : k];
      if (start >= node.count) {
        start -= node.count;
        continue;
      }
      std::string_view raw = RawOf(node, &scratch);
      if (!reverse) {
        const char* p = raw.data();
        for (uint32_t j = 0; j < node.count; ++j) {
          std::string_view v = ReadForward(&p);
          if (j < start) continue;
          if (!fn(v)) return;
        }
      } else {
        const char* end = raw.data() + raw.size();
        for (uint32_t j = 0; j < node.count; ++j) {
          std::string_view v = ReadBackward(&end);
          if (j < start) continue;
          if (!fn(v)) return;
        }
      }
      start = 0;
    }
  }
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    Walk(0, false, [&](std::string_view v) {
      fn(v);
      return true;
    });
  }

  // Calls fn(elements) with the elements of each node in order: for writers that keep node
  // boundaries, as RDB's quicklist records do.
  template <typename Fn>
  void ForEachNode(Fn&& fn) const {
    std::string scratch;
    std::vector<std::string_view> items;
    for (const Node& node : nodes_) {
      std::string_view raw = RawOf(node, &scratch);
      items.clear();
      const char* p = raw.data();
      for (uint32_t j = 0; j < node.count; ++j) items.push_back(ReadForward(&p));
      fn(items);
    }
  }

  // Element codec of the node buffers (exposed for tests).
  static void AppendElement(std::string* buf, std::string_view v);
  static void AppendElement(ByteBuf* buf, std::string_view v);
  static std::string_view ReadForward(const char** p);
  static std::string_view ReadBackward(const char** end);

 private:
  struct Node {
    ByteBuf data;         // the elements, or their LZF form when lzf
    uint32_t count = 0;   // elements in the node
    uint32_t raw_size = 0;  // bytes of the elements uncompressed
    bool lzf = false;
  };

  // The node's elements, decompressed into scratch when needed.
  static std::string_view RawOf(const Node& node, std::string* scratch);
  // Whether one more element of `bytes` encoded bytes may join the node.
  bool Fits(const Node& node, size_t bytes) const;
  // Decompresses a node in place before a change.
  void Open(size_t k);
  // Compresses or decompresses node k as its position requires.
  void Settle(size_t k);
  // Settles the nodes near both ends, whose position may have changed class.
  void SettleEdges();
  bool ShouldCompress(size_t k) const;
  // Node index and element offset within it of element i.
  std::pair<size_t, size_t> Locate(size_t i) const;
  // Byte offset of element j in a raw node buffer.
  static size_t OffsetOf(std::string_view raw, size_t j);
  void DropFront(size_t n);
  void DropBack(size_t n);

  std::vector<Node> nodes_;  // a vector: one exact block for the common one-node list
  size_t count_ = 0;
  int16_t fill_;
  uint16_t depth_;
};

}  // namespace sable

// What the allocator and the kernel say about our memory: jemalloc's statistics (when the
// server runs on jemalloc), the process RSS, and Redis's MEMORY DOCTOR reading of the figures.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sable::memory {

struct AllocatorStats {
  size_t allocated = 0;  // stats.allocated: bytes handed out
  size_t active = 0;     // stats.active: in pages with live allocations
  size_t resident = 0;   // stats.resident: physically resident allocator pages
};

// Reads fresh jemalloc statistics; false (and zeros) without jemalloc.
bool ReadAllocator(AllocatorStats* out);
// The process's resident set size in bytes (/proc/self/statm).
size_t RssBytes();
size_t TotalSystemMemory();
// MEMORY MALLOC-STATS: jemalloc's own report, or Redis's text for other allocators.
std::string MallocStatsText();
// MEMORY PURGE: returns dirty pages of every arena to the system; false without jemalloc.
bool Purge();
// The allocator's name and version for INFO's mem_allocator ("jemalloc-5.3.0").
std::string AllocatorName();

// The figures Redis's getMemoryOverheadData gathers, for INFO memory, MEMORY STATS and DOCTOR.
struct Overhead {
  size_t total_allocated = 0;
  size_t startup_allocated = 0;
  size_t peak_allocated = 0;
  size_t repl_backlog = 0;
  size_t clients_slaves = 0;
  size_t clients_normal = 0;
  size_t aof_buffer = 0;
  size_t lua_caches = 0;
  size_t functions_caches = 0;
  struct Db {
    int id;
    size_t main;
    size_t expires;
  };
  std::vector<Db> dbs;
  size_t overhead_total = 0;
  size_t keys_count = 0;
  size_t bytes_per_key = 0;
  size_t dataset = 0;
  double dataset_perc = 0;
  double peak_perc = 0;
  AllocatorStats allocator;
  size_t rss = 0;
  // Ratios and their byte differences, as INFO prints them.
  double allocator_frag = 0, allocator_rss = 0, rss_extra = 0, total_frag = 0;
  int64_t allocator_frag_bytes = 0, allocator_rss_bytes = 0, rss_extra_bytes = 0,
          total_frag_bytes = 0;
  size_t replicas = 0;
  size_t normal_clients = 0;
  size_t cached_scripts = 0;

  // Fills the sums, the dataset share and the ratios from the fields above.
  void Finish();
};

// MEMORY DOCTOR's report from the overhead figures.
std::string Doctor(const Overhead& mh);

}  // namespace sable::memory

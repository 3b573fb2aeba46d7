#include "server/observe/memory.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>

extern "C" int mallctl(const char*, void*, size_t*, void*, size_t) __attribute__((weak));
extern "C" void malloc_stats_print(void (*write_cb)(void*, const char*), void* cbopaque,
                                   const char* opts) __attribute__((weak));

namespace sable::memory {

bool ReadAllocator(AllocatorStats* out) {
  *out = {};
  if (!mallctl) return false;
  uint64_t epoch = 1;
  size_t sz = sizeof(epoch);
  mallctl("epoch", &epoch, &sz, &epoch, sz);
  auto read = [](const char* name, size_t* v) {
    size_t len = sizeof(*v);
    return mallctl(name, v, &len, nullptr, 0) == 0;
  };
  return read("stats.allocated", &out->allocated) && read("stats.active", &out->active) &&
         read("stats.resident", &out->resident);
}

size_t RssBytes() {
  std::ifstream in("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  if (!(in >> size >> resident)) return 0;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

size_t TotalSystemMemory() {
  return static_cast<size_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

std::string MallocStatsText() {
  if (!malloc_stats_print) return "Stats not supported for the current allocator";
  std::string out;
  malloc_stats_print(
      [](void* opaque, const char* text) { static_cast<std::string*>(opaque)->append(text); },
      &out, nullptr);
  return out;
}

bool Purge() {
  if (!mallctl) return false;
  // MALLCTL_ARENAS_ALL (4096): every arena.
  return mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0) == 0;
}

std::string AllocatorName() {
  if (!mallctl) return "libc";
  const char* version = nullptr;
  size_t sz = sizeof(version);
  if (mallctl("version", &version, &sz, nullptr, 0) != 0 || version == nullptr) {
    return "jemalloc";
  }
  std::string v = version;
  return "jemalloc-" + v.substr(0, v.find('-'));
}

void Overhead::Finish() {
  overhead_total = startup_allocated + repl_backlog + clients_slaves + clients_normal +
                   aof_buffer + lua_caches + functions_caches;
  for (const Db& d : dbs) overhead_total += d.main + d.expires;
  size_t net = total_allocated > startup_allocated ? total_allocated - startup_allocated : 0;
  dataset = total_allocated > overhead_total ? total_allocated - overhead_total : 0;
  dataset_perc = net ? static_cast<double>(dataset) * 100 / static_cast<double>(net) : 0;
  bytes_per_key = keys_count ? net / keys_count : 0;
  peak_perc = peak_allocated
                  ? static_cast<double>(total_allocated) * 100 / static_cast<double>(peak_allocated)
                  : 0;
  auto ratio = [](size_t a, size_t b) {
    return b ? static_cast<double>(a) / static_cast<double>(b) : 0.0;
  };
  auto diff = [](size_t a, size_t b) { return static_cast<int64_t>(a) - static_cast<int64_t>(b); };
  allocator_frag = ratio(allocator.active, allocator.allocated);
  allocator_frag_bytes = diff(allocator.active, allocator.allocated);
  allocator_rss = ratio(allocator.resident, allocator.active);
  allocator_rss_bytes = diff(allocator.resident, allocator.active);
  rss_extra = ratio(rss, allocator.resident);
  rss_extra_bytes = diff(rss, allocator.resident);
  total_frag = ratio(rss, total_allocated);
  total_frag_bytes = diff(rss, total_allocated);
}

std::string Doctor(const Overhead& mh) {
  if (mh.total_allocated < 5 * 1024 * 1024) {
    return "Hi Sam, this instance is empty or is using very little memory, my issues detector "
           "can't be used in these conditions. Please, leave for your mission on Earth and fill "
           "it with some data. The new Sam and I will be back to our programming as soon as I "
           "finished rebooting.";
  }
  constexpr int64_t k10Mb = 10 << 20;
  bool peak = mh.peak_allocated / 1.5 > static_cast<double>(mh.total_allocated);
  bool high_frag = mh.total_frag > 1.4 && mh.total_frag_bytes > k10Mb;
  bool alloc_frag = mh.allocator_frag > 1.1 && mh.allocator_frag_bytes > k10Mb;
  bool alloc_rss = mh.allocator_rss > 1.1 && mh.allocator_rss_bytes > k10Mb;
  bool proc_rss = mh.rss_extra > 1.1 && mh.rss_extra_bytes > k10Mb;
  bool big_slave_buf = mh.replicas > 0 && mh.clients_slaves / mh.replicas > (10u << 20);
  bool big_client_buf =
      mh.normal_clients > 0 && mh.clients_normal / mh.normal_clients > (200u << 10);
  bool many_scripts = mh.cached_scripts > 1000;
  if (!(peak || high_frag || alloc_frag || alloc_rss || proc_rss || big_slave_buf ||
        big_client_buf || many_scripts)) {
    return "Hi Sam, I can't find any memory issue in your instance. I can only account for what "
           "occurs on this base.";
  }
  std::string s = "Sam, I detected a few issues in this Redis instance memory implants:\n\n";
  if (peak) {
    s += " * Peak memory: In the past this instance used more than 150% the memory that is "
         "currently using. The allocator is normally not able to release memory after a peak, "
         "so you can expect to see a big fragmentation ratio, however this is actually harmless "
         "and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) "
         "is currently bigger than expected, the memory will be used as soon as you fill the "
         "Redis instance with more data. If the memory peak was only occasional and you want to "
         "try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other "
         "option is to shutdown and restart the instance.\n\n";
  }
  if (high_frag) {
    s += " * High total RSS: This instance has a memory fragmentation and RSS overhead greater "
         "than 1.4 (this means that the Resident Set Size of the Redis process is much larger "
         "than the sum of the logical allocations Redis performed). This problem is usually due "
         "either to a large peak memory (check if there is a peak memory entry above in the "
         "report) or may result from a workload that causes the allocator to fragment memory a "
         "lot. If the problem is a large peak memory, then there is no issue. Otherwise, make "
         "sure you are using the Jemalloc allocator and not the default libc malloc. Note: The "
         "currently used allocator is \"" + AllocatorName() + "\".\n\n";
  }
  if (alloc_frag) {
    s += " * High allocator fragmentation: This instance has an allocator external "
         "fragmentation greater than 1.1. This problem is usually due either to a large peak "
         "memory (check if there is a peak memory entry above in the report) or may result "
         "from a workload that causes the allocator to fragment memory a lot. You can try "
         "enabling 'activedefrag' config option.\n\n";
  }
  if (alloc_rss) {
    s += " * High allocator RSS overhead: This instance has an RSS memory overhead is greater "
         "than 1.1 (this means that the Resident Set Size of the allocator is much larger than "
         "the sum what the allocator actually holds). This problem is usually due to a large "
         "peak memory (check if there is a peak memory entry above in the report), you can try "
         "the MEMORY PURGE command to reclaim it.\n\n";
  }
  if (proc_rss) {
    s += " * High process RSS overhead: This instance has non-allocator RSS memory overhead is "
         "greater than 1.1 (this means that the Resident Set Size of the Redis process is much "
         "larger than the RSS the allocator holds). This problem may be due to Lua scripts or "
         "Modules.\n\n";
  }
  if (big_slave_buf) {
    s += " * Big replica buffers: The replica output buffers in this instance are greater than "
         "10MB for each replica (on average). This likely means that there is some replica "
         "instance that is struggling receiving data, either because it is too slow or because "
         "of networking issues. As a result, data piles on the master output buffers. Please "
         "try to identify what replica is not receiving data correctly and why. You can use the "
         "INFO output in order to check the replicas delays and the CLIENT LIST command to "
         "check the output buffers of each replica.\n\n";
  }
  if (big_client_buf) {
    s += " * Big client buffers: The clients output buffers in this instance are greater than "
         "200K per client (on average). This may result from different causes, like Pub/Sub "
         "clients subscribed to channels bot not receiving data fast enough, so that data piles "
         "on the Redis instance output buffer, or clients sending commands with large replies "
         "or very large sequences of commands in the same pipeline. Please use the CLIENT LIST "
         "command in order to investigate the issue if it causes problems in your instance, or "
         "to understand better why certain clients are using a big amount of memory.\n\n";
  }
  if (many_scripts) {
    s += " * Many scripts: There seem to be many cached scripts in this instance (more than "
         "1000). This may be because scripts are generated and `EVAL`ed, instead of being "
         "parameterized (with KEYS and ARGV), `SCRIPT LOAD`ed and `EVALSHA`ed. Unless `SCRIPT "
         "FLUSH` is called periodically, the scripts' caches may end up consuming most of your "
         "memory.\n\n";
  }
  s += "I'm here to keep you safe, Sam. I want to help you.\n";
  return s;
}

}  // namespace sable::memory

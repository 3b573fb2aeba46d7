// MEMORY USAGE / STATS / DOCTOR / MALLOC-STATS / PURGE, in Redis 7.0's reply shapes.
#include <string>

#include "server/commands/register.h"
#include "server/core/context.h"
#include "server/core/server.h"
#include "server/observe/memory.h"
#include "server/resp/errors.h"
#include "server/store/db.h"
#include "server/util/numbers.h"
#include "server/util/strings.h"

namespace sable {
namespace {


// MEMORY USAGE key [SAMPLES count]: the bytes the key, its value and its table slots take. Our
// types keep their own byte counts, so every value is measured whole whatever SAMPLES says
// (which is still validated as Redis does).
void CmdMemoryUsage(CommandContext& ctx) {
  for (size_t j = 3; j < ctx.argc(); ++j) {
    if (EqualsNoCase(ctx.arg(j), "samples") && j + 1 < ctx.argc()) {
      int64_t samples = 0;
      if (!ParseInt64(ctx.arg(j + 1), &samples)) {
        ctx.rb.SendError(errors::kNotInteger);
        return;
      }
      if (samples < 0) {
        ctx.rb.SendError(errors::kSyntax);
        return;
      }
      ++j;
    } else {
      ctx.rb.SendError(errors::kSyntax);
      return;
    }
  }
  Db& db = ctx.db();
  Entry* e = db.Find(ctx.arg(2), /*touch=*/false);
  if (e == nullptr) {
    ctx.rb.SendNull();
    return;
  }
  size_t usage = e->Footprint() + sizeof(void*);  // the entry and its slot in the table
  if (e->has_expire()) usage += sizeof(ExpireEntry) + ctx.arg(2).size() + sizeof(void*);
  ctx.rb.SendLong(static_cast<int64_t>(usage));
}

void CmdMemoryStats(CommandContext& ctx) {
  memory::Overhead mh = ctx.server.MemoryReport();
  ReplyBuilder& rb = ctx.rb;
  rb.StartMap(27 + mh.dbs.size());
  auto num = [&rb](const char* name, int64_t v) {
    rb.SendBulk(name);
    rb.SendLong(v);
  };
  auto dbl = [&rb](const char* name, double v) {
    rb.SendBulk(name);
    rb.SendDouble(v);
  };
  auto sz = [](size_t v) { return static_cast<int64_t>(v); };
  num("peak.allocated", sz(mh.peak_allocated));
  num("total.allocated", sz(mh.total_allocated));
  num("startup.allocated", sz(mh.startup_allocated));
  num("replication.backlog", sz(mh.repl_backlog));
  num("clients.slaves", sz(mh.clients_slaves));
  num("clients.normal", sz(mh.clients_normal));
  num("cluster.links", 0);
  num("aof.buffer", sz(mh.aof_buffer));
  num("lua.caches", sz(mh.lua_caches));
  num("functions.caches", sz(mh.functions_caches));
  for (const memory::Overhead::Db& d : mh.dbs) {
    rb.SendBulk("db." + std::to_string(d.id));
    rb.StartMap(3);
    num("overhead.hashtable.main", sz(d.main));
    num("overhead.hashtable.expires", sz(d.expires));
    num("overhead.hashtable.slot-to-keys", 0);
  }
  num("overhead.total", sz(mh.overhead_total));
  num("keys.count", sz(mh.keys_count));
  num("keys.bytes-per-key", sz(mh.bytes_per_key));
  num("dataset.bytes", sz(mh.dataset));
  dbl("dataset.percentage", mh.dataset_perc);
  dbl("peak.percentage", mh.peak_perc);
  num("allocator.allocated", sz(mh.allocator.allocated));
  num("allocator.active", sz(mh.allocator.active));
  num("allocator.resident", sz(mh.allocator.resident));
  dbl("allocator-fragmentation.ratio", mh.allocator_frag);
  num("allocator-fragmentation.bytes", mh.allocator_frag_bytes);
  dbl("allocator-rss.ratio", mh.allocator_rss);
  num("allocator-rss.bytes", mh.allocator_rss_bytes);
  dbl("rss-overhead.ratio", mh.rss_extra);
  num("rss-overhead.bytes", mh.rss_extra_bytes);
  dbl("fragmentation", mh.total_frag);
  num("fragmentation.bytes", mh.total_frag_bytes);
}

void CmdMemoryDoctor(CommandContext& ctx) {
  ctx.rb.SendVerbatim("txt", memory::Doctor(ctx.server.MemoryReport()));
}

void CmdMemoryMallocStats(CommandContext& ctx) {
  ctx.rb.SendVerbatim("txt", memory::MallocStatsText());
}

void CmdMemoryPurge(CommandContext& ctx) {
  memory::Purge();
  ctx.rb.SendOk();
}

void CmdMemoryHelp(CommandContext& ctx) {
  static const char* const kLines[] = {
      "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DOCTOR",
      "    Return memory problems reports.",
      "MALLOC-STATS",
      "    Return internal statistics report from the memory allocator.",
      "PURGE",
      "    Attempt to purge dirty pages for reclamation by the allocator.",
      "STATS",
      "    Return information about the memory usage of the server.",
      "USAGE <key> [SAMPLES <count>]",
      "    Return memory in bytes used by <key> and its value. Nested values are",
      "    sampled up to <count> times (default: 5, 0 means sample all).",
      "HELP",
      "    Prints this help.",
  };
  ctx.rb.SendSimpleLines(kLines);
}

}  // namespace

void RegisterMemoryCommand(CommandRegistry& r) {
  CommandSpec& c = r.Add(MakeCommand("memory", -2, 0, kAclSlow, 0, 0, 0, nullptr, "server",
                                     "A container for memory diagnostics commands"));
  c.since = "4.0.0";
  auto sub = [&r](const char* name, int arity, uint32_t flags, uint32_t acl, int first,
                  CommandHandler h, const char* summary) {
    CommandSpec& s = r.AddSub("memory", MakeCommand(name, arity, flags, acl, first, first,
                                                    first ? 1 : 0, h, "server", summary));
    s.since = "4.0.0";
  };
  sub("usage", -3, kCmdReadOnly, kAclRead | kAclSlow, 2, CmdMemoryUsage,
      "Estimate the memory usage of a key");
  sub("stats", 2, 0, kAclSlow, 0, CmdMemoryStats, "Show memory usage details");
  sub("doctor", 2, 0, kAclSlow, 0, CmdMemoryDoctor, "Outputs memory problems report");
  sub("malloc-stats", 2, 0, kAclSlow, 0, CmdMemoryMallocStats, "Show allocator internal stats");
  sub("purge", 2, 0, kAclSlow, 0, CmdMemoryPurge, "Ask the allocator to release memory");
  sub("help", 2, kCmdLoading | kCmdStale, kAclSlow, 0, CmdMemoryHelp,
      "Show helpful text about the different subcommands");
}

}  // namespace sable

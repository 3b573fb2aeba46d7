// SLOWLOG, LATENCY and MONITOR: what an operator looks at while debugging, in Redis 7.0's reply
// shapes and words.
#include <sys/types.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "server/commands/register.h"
#include "server/core/context.h"
#include "server/core/server.h"
#include "server/util/clock.h"
#include "server/util/numbers.h"
#include "server/util/strings.h"

namespace sable {
namespace {

// ---- SLOWLOG -------------------------------------------------------------------------------

void CmdSlowlogGet(CommandContext& ctx) {
  const auto& entries = ctx.server.slowlog().entries();
  int64_t count = 10;
  if (ctx.argc() == 3 && (!ParseInt64(ctx.arg(2), &count) || count < -1)) {
    ctx.rb.SendError("ERR count should be greater than or equal to -1");
    return;
  }
  size_t n = count == -1 ? entries.size() : std::min(entries.size(), static_cast<size_t>(count));
  ctx.rb.StartArray(n);
  for (size_t i = 0; i < n; ++i) {
    const SlowLog::Entry& e = entries[i];
    ctx.rb.StartArray(6);
    ctx.rb.SendLong(e.id);
    ctx.rb.SendLong(e.time_s);
    ctx.rb.SendLong(e.duration_us);
    ctx.rb.StartArray(e.args.size());
    for (const std::string& a : e.args) ctx.rb.SendBulk(a);
    ctx.rb.SendBulk(e.peer);
    ctx.rb.SendBulk(e.name);
  }
}

void CmdSlowlogLen(CommandContext& ctx) {
  ctx.rb.SendLong(static_cast<int64_t>(ctx.server.slowlog().entries().size()));
}

void CmdSlowlogReset(CommandContext& ctx) {
  ctx.server.slowlog().Reset();
  ctx.rb.SendOk();
}

void CmdSlowlogHelp(CommandContext& ctx) {
  static const char* const kLines[] = {
      "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET [<count>]",
      "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
      "    Entries are made of:",
      "    id, timestamp, time in microseconds, arguments array, client IP and port,",
      "    client name",
      "LEN",
      "    Return the length of the slowlog.",
      "RESET",
      "    Reset the slowlog.",
      "HELP",
      "    Prints this help.",
  };
  ctx.rb.SendSimpleLines(kLines);
}

// ---- LATENCY -------------------------------------------------------------------------------


void CmdLatencyLatest(CommandContext& ctx) {
  const auto& events = ctx.server.latency_monitor().events();
  ctx.rb.StartArray(events.size());
  for (const auto& [name, ts] : events) {
    const LatencyMonitor::Sample& last = ts.Latest();
    ctx.rb.StartArray(4);
    ctx.rb.SendBulk(name);
    ctx.rb.SendLong(last.time);
    ctx.rb.SendLong(last.latency);
    ctx.rb.SendLong(ts.max);
  }
}

void CmdLatencyHistory(CommandContext& ctx) {
  const LatencyMonitor::Series* ts = ctx.server.latency_monitor().Find(ctx.arg(2));
  if (ts == nullptr) {
    ctx.rb.StartArray(0);
    return;
  }
  std::vector<LatencyMonitor::Sample> history = ts->History();
  ctx.rb.StartArray(history.size());
  for (const LatencyMonitor::Sample& s : history) {
    ctx.rb.StartArray(2);
    ctx.rb.SendLong(s.time);
    ctx.rb.SendLong(s.latency);
  }
}

void CmdLatencyReset(CommandContext& ctx) {
  std::vector<std::string> events;
  for (size_t i = 2; i < ctx.argc(); ++i) events.emplace_back(ctx.arg(i));
  ctx.rb.SendLong(ctx.server.latency_monitor().Reset(events));
}

void CmdLatencyGraph(CommandContext& ctx) {
  const LatencyMonitor::Series* ts = ctx.server.latency_monitor().Find(ctx.arg(2));
  if (ts == nullptr) {
    ctx.rb.SendError("ERR No samples available for event '" + std::string(ctx.arg(2)) + "'");
    return;
  }
  ctx.rb.SendVerbatim("txt", LatencyMonitor::Graph(ctx.arg(2), *ts, WallMs() / 1000));
}

// Transparent huge pages in use by this process (LATENCY DOCTOR advises against them).
bool UsesHugePages() {
  std::ifstream in("/proc/self/smaps_rollup");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("AnonHugePages:", 0) == 0) {
      long long kb = 0;
      std::sscanf(line.c_str() + 14, "%lld", &kb);
      return kb > 0;
    }
  }
  return false;
}

void CmdLatencyDoctor(CommandContext& ctx) {
  const ServerConfig& cfg = ctx.server.cfg();
  LatencyMonitor::Facts f;
  f.threshold_ms = cfg.latency_monitor_threshold;
  f.slowlog_slower_than = cfg.slowlog_log_slower_than;
  f.hz = cfg.hz;
  // Redis's stat_fork_rate: memory forked per second of fork().
  int64_t fork_us = ctx.server.child().last_fork_usec();
  f.fork_rate_gb_s = fork_us > 0 ? static_cast<double>(ctx.server.UsedMemory()) * 1e6 /
                                       static_cast<double>(fork_us) / (1024.0 * 1024 * 1024)
                                 : 0;
  f.huge_pages = UsesHugePages();
  f.now_s = WallMs() / 1000;
  ctx.rb.SendVerbatim("txt", ctx.server.latency_monitor().Doctor(f));
}

void SendHistogram(CommandContext& ctx, const CommandSpec& spec) {
  const LatencyHistogram& h = *spec.latency;
  ctx.rb.SendBulk(spec.fullname());
  ctx.rb.StartMap(2);
  ctx.rb.SendBulk("calls");
  ctx.rb.SendLong(static_cast<int64_t>(h.total()));
  ctx.rb.SendBulk("histogram_usec");
  auto cdf = h.CumulativeUs();
  ctx.rb.StartMap(cdf.size());
  for (const auto& [us, count] : cdf) {
    ctx.rb.SendLong(us);
    ctx.rb.SendLong(static_cast<int64_t>(count));
  }
}

bool HasHistogram(const CommandSpec& spec) { return spec.latency && spec.latency->total() > 0; }

// LATENCY HISTOGRAM [command ...]: every command with calls, or the named ones (a container
// names its subcommands; "config|get" names one); unknown names are skipped.
void CmdLatencyHistogram(CommandContext& ctx) {
  std::vector<const CommandSpec*> specs;
  auto add_with_subs = [&specs](const CommandSpec& spec) {
    if (HasHistogram(spec)) specs.push_back(&spec);
    for (const auto& [name, sub] : spec.subcommands) {
      if (HasHistogram(*sub)) specs.push_back(sub.get());
    }
  };
  if (ctx.argc() == 2) {
    for (const auto& [name, spec] : ctx.server.commands().all()) add_with_subs(*spec);
  } else {
    for (size_t i = 2; i < ctx.argc(); ++i) {
      std::string name = ToLower(ctx.arg(i));
      size_t bar = name.find('|');
      const CommandSpec* spec = ctx.server.commands().Find(name.substr(0, bar));
      if (spec == nullptr) continue;
      if (bar != std::string::npos) {
        auto it = spec->subcommands.find(name.substr(bar + 1));
        if (it != spec->subcommands.end() && HasHistogram(*it->second)) {
          specs.push_back(it->second.get());
        }
        continue;
      }
      add_with_subs(*spec);
    }
  }
  ctx.rb.StartMap(specs.size());
  for (const CommandSpec* spec : specs) SendHistogram(ctx, *spec);
}

void CmdLatencyHelp(CommandContext& ctx) {
  static const char* const kLines[] = {
      "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DOCTOR",
      "    Return a human readable latency analysis report.",
      "GRAPH <event>",
      "    Return an ASCII latency graph for the <event> class.",
      "HISTORY <event>",
      "    Return time-latency samples for the <event> class.",
      "LATEST",
      "    Return the latest latency samples for all events.",
      "RESET [<event> ...]",
      "    Reset latency data of one or more <event> classes.",
      "    (default: reset all data for all event classes)",
      "HISTOGRAM [COMMAND ...]",
      "    Return a cumulative distribution of latencies in the format of a histogram for the "
      "specified command names.",
      "    If no commands are specified then all histograms are replied.",
      "HELP",
      "    Prints this help.",
  };
  ctx.rb.SendSimpleLines(kLines);
}

// ---- MONITOR -------------------------------------------------------------------------------

void CmdMonitor(CommandContext& ctx) {
  Client* c = ctx.client;
  // A replica's link (or a client already monitoring) is left as it is, without a reply.
  if (c->is_replica || c->monitor) return;
  ctx.server.AddMonitor(c);
  ctx.rb.SendOk();
}

}  // namespace

void RegisterIntrospectionCommands(CommandRegistry& r) {
  constexpr uint32_t kFlags = kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale;
  constexpr uint32_t kAcl = kAclAdmin | kAclSlow | kAclDangerous;
  auto container = [&r](const char* name, const char* since, const char* summary) {
    CommandSpec& s = r.Add(MakeCommand(name, -2, 0, kAclSlow, 0, 0, 0, nullptr, "server", summary));
    s.since = since;
  };
  auto sub = [&r](const char* parent, const char* name, int arity, uint32_t flags, uint32_t acl,
                  CommandHandler h, const char* since, const char* summary) {
    CommandSpec& s =
        r.AddSub(parent, MakeCommand(name, arity, flags, acl, 0, 0, 0, h, "server", summary));
    s.since = since;
  };
  container("slowlog", "2.2.12", "A container for slow log commands");
  sub("slowlog", "get", -2, kFlags, kAcl, CmdSlowlogGet, "2.2.12",
      "Get the slow log's entries");
  sub("slowlog", "len", 2, kFlags, kAcl, CmdSlowlogLen, "2.2.12", "Get the slow log's length");
  sub("slowlog", "reset", 2, kFlags, kAcl, CmdSlowlogReset, "2.2.12",
      "Clear all entries from the slow log");
  sub("slowlog", "help", 2, kCmdLoading | kCmdStale, kAclSlow, CmdSlowlogHelp, "6.2.0",
      "Show helpful text about the different subcommands");

  container("latency", "2.8.13", "A container for latency diagnostics commands");
  sub("latency", "doctor", 2, kFlags, kAcl, CmdLatencyDoctor, "2.8.13",
      "Return a human readable latency analysis report.");
  sub("latency", "graph", 3, kFlags, kAcl, CmdLatencyGraph, "2.8.13",
      "Return a latency graph for the event.");
  sub("latency", "histogram", -2, kFlags, kAcl, CmdLatencyHistogram, "7.0.0",
      "Return the cumulative distribution of latencies of a subset of commands or all.");
  sub("latency", "history", 3, kFlags, kAcl, CmdLatencyHistory, "2.8.13",
      "Return timestamp-latency samples for the event.");
  sub("latency", "latest", 2, kFlags, kAcl, CmdLatencyLatest, "2.8.13",
      "Return the latest latency samples for all events.");
  sub("latency", "reset", -2, kFlags, kAcl, CmdLatencyReset, "2.8.13",
      "Reset latency data for one or more events.");
  sub("latency", "help", 2, kCmdLoading | kCmdStale, kAclSlow, CmdLatencyHelp, "2.8.13",
      "Show helpful text about the different subcommands.");

  CommandSpec& m =
      r.Add(MakeCommand("monitor", 1, kFlags, kAcl, 0, 0, 0, CmdMonitor, "server",
                        "Listen for all requests received by the server in real time"));
  m.since = "1.0.0";
}

}  // namespace sable

// CLIENT and INFO for sable-sentinel's front end: the connection list and the server, clients,
// cpu, stats and sentinel sections as a Redis 7.0 sentinel prints them.
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "sentinel/frontend.h"
#include "sentinel/common.h"
#include "server/resp/errors.h"
#include "server/resp/hello.h"
#include "server/util/clock.h"
#include "server/util/numbers.h"
#include "server/util/strings.h"

namespace sable::sentinel {

std::string Frontend::ClientLine(const SentinelClient* c) const {
  int64_t now_s = NowMs() / 1000;
  const net::Connection* conn = c->conn;
  size_t qbuf = conn->query_buffer_size();
  size_t qalloc = conn->query_buffer_alloc();
  std::string s = "id=" + std::to_string(conn->id());
  s += " addr=" + conn->peer();
  s += " laddr=" + conn->local();
  s += " fd=" + std::to_string(conn->fd());
  s += " name=" + c->name;
  s += " age=" + std::to_string(now_s - c->created_ms / 1000);
  s += " idle=" + std::to_string(now_s - c->last_interaction_ms / 1000);
  s += std::string(" flags=") + (c->subscriptions() > 0 ? "P" : "N");
  s += " db=0";
  s += " sub=" + std::to_string(c->channels.size());
  s += " psub=" + std::to_string(c->patterns.size());
  s += " ssub=0 multi=-1";
  s += " qbuf=" + std::to_string(qbuf);
  s += " qbuf-free=" + std::to_string(qalloc > qbuf ? qalloc - qbuf : 0);
  s += " argv-mem=0 multi-mem=0 rbs=16384 rbp=16384 obl=0 oll=0 omem=0";
  s += " tot-mem=" + std::to_string(sizeof(SentinelClient) + qalloc + 16384);
  s += " events=r cmd=" + c->last_cmd;
  s += " user=default redir=-1";
  s += " resp=" + std::to_string(const_cast<SentinelClient*>(c)->rb.resp3() ? 3 : 2);
  if (!c->lib_name.empty() || !c->lib_ver.empty()) {
    s += " lib-name=" + c->lib_name + " lib-ver=" + c->lib_ver;
  }
  return s;
}

void Frontend::CmdClient(SentinelClient* cl, Args& args) {
  ReplyBuilder& rb = cl->rb;
  std::string sub = ToLower(args[1]);
  auto arity = [&](bool ok) {
    if (!ok) rb.SendError("ERR wrong number of arguments for 'client|" + sub + "' command");
    return ok;
  };
  if (sub == "id") {
    if (arity(args.size() == 2)) rb.SendLong(static_cast<int64_t>(cl->conn->id()));
  } else if (sub == "getname") {
    if (!arity(args.size() == 2)) return;
    if (cl->name.empty()) {
      rb.SendNull();
    } else {
      rb.SendBulk(cl->name);
    }
  } else if (sub == "setname") {
    if (!arity(args.size() == 3)) return;
    if (!ValidClientName(args[2])) {
      rb.SendError(kBadClientName);
      return;
    }
    cl->name = std::string(args[2]);
    rb.SendOk();
  } else if (sub == "setinfo") {
    if (!arity(args.size() == 4)) return;
    std::string attr = ToLower(args[2]);
    if (attr == "lib-name") {
      cl->lib_name = std::string(args[3]);
    } else if (attr == "lib-ver") {
      cl->lib_ver = std::string(args[3]);
    } else {
      rb.SendError("ERR Unrecognized option '" + std::string(args[2]) + "'");
      return;
    }
    rb.SendOk();
  } else if (sub == "info") {
    if (arity(args.size() == 2)) rb.SendVerbatim("txt", ClientLine(cl) + "\n");
  } else if (sub == "list") {
    std::string text;
    for (const auto& [id, c] : clients_) text += ClientLine(c) + "\n";
    rb.SendVerbatim("txt", text);
  } else if (sub == "kill") {
    if (!arity(args.size() >= 3)) return;
    if (args.size() == 3) {
      // Old form: CLIENT KILL addr:port.
      for (const auto& [id, c] : clients_) {
        if (c->conn->peer() == args[2]) {
          rb.SendOk();
          c->conn->CloseAfterReply();
          return;
        }
      }
      rb.SendError("ERR No such client");
      return;
    }
    if ((args.size() - 2) % 2 != 0) {
      rb.SendError(errors::kSyntax);
      return;
    }
    std::string id_f, addr_f, laddr_f, type_f;
    bool skipme = true;
    for (size_t i = 2; i + 1 < args.size(); i += 2) {
      std::string k = ToLower(args[i]);
      std::string v(args[i + 1]);
      if (k == "id") {
        int64_t n;
        if (!ParseInt64(v, &n) || n <= 0) {
          rb.SendError("ERR client-id should be greater than 0");
          return;
        }
        id_f = v;
      } else if (k == "addr") {
        addr_f = v;
      } else if (k == "laddr") {
        laddr_f = v;
      } else if (k == "type") {
        type_f = ToLower(v);
        if (type_f != "normal" && type_f != "pubsub" && type_f != "master" &&
            type_f != "replica" && type_f != "slave") {
          rb.SendError("ERR Unknown client type '" + v + "'");
          return;
        }
      } else if (k == "user") {
        if (v != "default") {
          rb.SendError("ERR No such user '" + v + "'");
          return;
        }
      } else if (k == "skipme") {
        int64_t yn = EqualsNoCase(v, "yes") ? 1 : EqualsNoCase(v, "no") ? 0 : -1;
        if (yn < 0) {
          rb.SendError(errors::kSyntax);
          return;
        }
        skipme = yn == 1;
      } else {
        rb.SendError(errors::kSyntax);
        return;
      }
    }
    int64_t killed = 0;
    for (const auto& [id, c] : clients_) {
      if (!id_f.empty() && std::to_string(id) != id_f) continue;
      if (!addr_f.empty() && c->conn->peer() != addr_f) continue;
      if (!laddr_f.empty() && c->conn->local() != laddr_f) continue;
      if (!type_f.empty()) {
        bool pubsub = c->subscriptions() > 0;
        if ((type_f == "pubsub") != pubsub || type_f == "master" || type_f == "replica" ||
            type_f == "slave") {
          continue;
        }
      }
      if (c == cl && skipme) continue;
      c->conn->CloseAfterReply();
      ++killed;
    }
    rb.SendLong(killed);
  } else if (sub == "help") {
    static const char* kHelp[] = {
        "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ID", "    Return the ID of the current connection.", "GETNAME",
        "    Return the name of the current connection.", "INFO",
        "    Return information about the current client connection.",
        "KILL <ip:port>", "    Kill connection made from <ip:port>.",
        "KILL <option> <value> [<option> <value> [...]]",
        "    Kill connections. Options are: ID, ADDR, LADDR, TYPE, USER, SKIPME.", "LIST",
        "    Return information about client connections.", "SETNAME <name>",
        "    Assign the name <name> to the current connection.",
        "SETINFO <option> <value>", "    Set client meta attr (LIB-NAME, LIB-VER).", "HELP",
        "    Prints this help."};
    rb.SendSimpleLines(kHelp);
  } else {
    rb.SendError("ERR unknown subcommand '" + Sanitize(args[1], 128) + "'. Try CLIENT HELP.");
  }
}

void Frontend::CmdInfo(SentinelClient* cl, Args& args) {
  static const char* kSections[] = {"server", "clients", "cpu", "stats", "sentinel"};
  std::set<std::string> want;
  bool all = args.size() == 1;
  for (size_t i = 1; i < args.size(); ++i) {
    std::string s = ToLower(args[i]);
    if (s == "all" || s == "default" || s == "everything") {
      all = true;
    } else {
      want.insert(s);
    }
  }
  const SentinelState& st = state();
  int64_t now = NowMs();
  std::string out;
  auto section = [&](const char* name) {
    if (!all && !want.count(name)) return false;
    if (!out.empty()) out += "\r\n";
    std::string title(name);
    title[0] = static_cast<char>(std::toupper(title[0]));
    if (title == "Cpu") title = "CPU";
    out += "# " + title + "\r\n";
    return true;
  };
  auto field = [&](std::string_view k, const std::string& v) {
    out.append(k).append(":").append(v).append("\r\n");
  };
  for (const char* sec : kSections) {
    if (!section(sec)) continue;
    std::string s = sec;
    if (s == "server") {
      utsname un{};
      uname(&un);
      int64_t up_s = (now - st.start_ms) / 1000;
      char exe[4096];
      ssize_t el = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
      field("redis_version", std::string(kRedisCompatVersion));
      field("redis_git_sha1", "00000000");
      field("redis_git_dirty", "0");
      field("redis_build_id", "0");
      field("redis_mode", "sentinel");
      field("os", std::string(un.sysname) + " " + un.release + " " + un.machine);
      field("arch_bits", "64");
      field("monotonic_clock", "POSIX clock_gettime");
      field("multiplexing_api", "epoll");
      field("process_id", std::to_string(getpid()));
      field("process_supervised", "no");
      field("run_id", run_id_);
      field("tcp_port", std::to_string(st.config.port));
      field("server_time_usec", std::to_string(WallUs()));
      field("uptime_in_seconds", std::to_string(up_s));
      field("uptime_in_days", std::to_string(up_s / 86400));
      field("hz", "10");
      field("configured_hz", "10");
      field("executable", el > 0 ? std::string(exe, el) : "");
      field("config_file", st.config.config_file);
      field("io_threads_active", "0");
    } else if (s == "clients") {
      field("connected_clients", std::to_string(clients_.size()));
      field("cluster_connections", "0");
      field("maxclients", "10000");
      field("client_recent_max_input_buffer", "0");
      field("client_recent_max_output_buffer", "0");
      field("blocked_clients", "0");
      field("tracking_clients", "0");
      field("clients_in_timeout_table", "0");
    } else if (s == "cpu") {
      rusage self{}, children{};
      getrusage(RUSAGE_SELF, &self);
      getrusage(RUSAGE_CHILDREN, &children);
      auto secs = [](const timeval& tv) {
        char buf[32];
        std::snprintf(buf, sizeof(buf), "%ld.%06ld", static_cast<long>(tv.tv_sec),
                      static_cast<long>(tv.tv_usec));
        return std::string(buf);
      };
      field("used_cpu_sys", secs(self.ru_stime));
      field("used_cpu_user", secs(self.ru_utime));
      field("used_cpu_sys_children", secs(children.ru_stime));
      field("used_cpu_user_children", secs(children.ru_utime));
    } else if (s == "stats") {
      field("total_connections_received", std::to_string(stats_.connections_received));
      field("total_commands_processed", std::to_string(stats_.commands_processed));
      field("instantaneous_ops_per_sec", "0");
      field("rejected_connections", std::to_string(stats_.rejected_connections));
      field("expired_keys", "0");
      field("evicted_keys", "0");
      field("keyspace_hits", "0");
      field("keyspace_misses", "0");
      field("pubsub_channels", std::to_string(pubsub_.NumChannels()));
      field("pubsub_patterns", std::to_string(pubsub_.NumPat()));
      field("total_error_replies", std::to_string(stats_.error_replies));
    } else if (s == "sentinel") {
      field("sentinel_masters", std::to_string(st.masters.size()));
      field("sentinel_tilt", st.tilt ? "1" : "0");
      field("sentinel_tilt_since_seconds",
            st.tilt ? std::to_string((now - st.tilt_since_ms) / 1000) : "-1");
      field("sentinel_running_scripts", "0");
      field("sentinel_scripts_queue_length", "0");
      field("sentinel_simulate_failure_flags", "0");
      int i = 0;
      for (const auto& [name, m] : st.masters) {
        const char* status = (m->flags & kFlagODown)   ? "odown"
                             : (m->flags & kFlagSDown) ? "sdown"
                                                       : "ok";
        field("master" + std::to_string(i++),
              "name=" + name + ",status=" + status + ",address=" + m->ip + ":" +
                  std::to_string(m->port) + ",slaves=" + std::to_string(m->replicas.size()) +
                  ",sentinels=" + std::to_string(m->sentinels.size() + 1));
      }
    }
  }
  // A 7.0 sentinel answers INFO with a plain bulk string in RESP3 too (not verbatim like CLIENT).
  cl->rb.SendBulk(out);
}

}  // namespace sable::sentinel

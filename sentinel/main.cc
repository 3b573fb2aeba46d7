// sable-sentinel: `sable-sentinel /path/sentinel.conf [--port N] [--directive value ...]`.
// Loads sentinel.conf (which it must be able to rewrite, as Redis Sentinel insists), starts the
// RESP front end and the sentinel core on one main loop, and saves its state on every change.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "sentinel/config_file.h"
#include "sentinel/frontend.h"
#include "sentinel/sentinel.h"
#include "server/net/event_loop.h"
#include "server/util/clock.h"

namespace {

using sable::sentinel::SentinelState;

spdlog::level::level_enum SpdLevel(const std::string& level) {
  if (level == "debug" || level == "verbose") return spdlog::level::debug;
  if (level == "warning") return spdlog::level::warn;
  if (level == "nothing") return spdlog::level::off;
  return spdlog::level::info;
}

void SetUpLogging(const std::string& logfile, const std::string& level) {
  std::shared_ptr<spdlog::logger> logger;
  if (logfile.empty()) {
    logger = spdlog::stdout_logger_st("sable-sentinel");
  } else {
    logger = spdlog::basic_logger_st("sable-sentinel", logfile);
  }
  // Redis's log line shape: pid:role (X = sentinel) date time.ms level message.
  logger->set_pattern(std::to_string(getpid()) + ":X %d %b %Y %H:%M:%S.%e %L %v");
  logger->set_level(SpdLevel(level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

// Before logging is configured, errors go out in Redis's start-up shape.
void EarlyError(const std::string& msg) {
  std::fprintf(stdout, "%d:X %s\n", getpid(), msg.c_str());
  std::fflush(stdout);
}

std::string AbsolutePath(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char buf[PATH_MAX];
  if (getcwd(buf, sizeof(buf)) == nullptr) return path;
  return std::string(buf) + "/" + path;
}

// Quotes a command-line argument for the config-line parser when it needs it.
std::string QuoteArg(const std::string& a) {
  bool plain = !a.empty();
  for (unsigned char c : a) {
    if (c <= ' ' || c == '"' || c == '\'' || c == '\\') plain = false;
  }
  if (plain) return a;
  std::string out = "\"";
  for (char c : a) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

void Daemonize() {
  if (fork() != 0) std::exit(0);
  setsid();
  int fd = open("/dev/null", O_RDWR, 0);
  if (fd != -1) {
    dup2(fd, STDIN_FILENO);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    if (fd > STDERR_FILENO) close(fd);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 1 && (args[0] == "-v" || args[0] == "--version")) {
    std::printf("Sable sentinel v=0.1.0 (Redis Sentinel compatible with 7.0.15)\n");
    return 0;
  }
  if (args.size() == 1 && (args[0] == "-h" || args[0] == "--help")) {
    std::printf("Usage: sable-sentinel /path/to/sentinel.conf [--port N] [--option value ...]\n");
    return 0;
  }
  std::string config_path;
  size_t j = 0;
  if (!args.empty() && args[0].rfind("-", 0) != 0) {
    config_path = AbsolutePath(args[0]);
    j = 1;
  }
  if (config_path.empty()) {
    EarlyError("Sentinel needs config file on disk to save state. Exiting...");
    return 1;
  }
  SentinelState state;
  if (auto err = sable::sentinel::LoadConfigFile(config_path, &state)) {
    std::fprintf(stderr, "%s\n", err->c_str());
    return 1;
  }
  // "--name value value" options become config lines; --sentinel only selects the mode.
  std::vector<std::string> lines;
  for (; j < args.size(); ++j) {
    const std::string& a = args[j];
    if (a.rfind("--", 0) == 0) {
      lines.push_back(a.substr(2));
    } else if (!lines.empty()) {
      lines.back() += " " + QuoteArg(a);
    } else {
      std::fprintf(stderr, "Unexpected argument '%s'\n", a.c_str());
      return 1;
    }
  }
  for (const std::string& line : lines) {
    if (line == "sentinel") continue;
    if (auto err = sable::sentinel::ApplyConfigLine(line, &state)) {
      std::fprintf(stderr, "%s\n", err->c_str());
      return 1;
    }
  }
  if (access(config_path.c_str(), W_OK) == -1) {
    EarlyError("Sentinel config file " + config_path + " is not writable: " +
               std::strerror(errno) + ". Exiting...");
    return 1;
  }
  if (!state.config.dir.empty() && chdir(state.config.dir.c_str()) != 0) {
    EarlyError("Can't chdir to '" + state.config.dir + "': " + std::strerror(errno));
    return 1;
  }
  {
    // The rewrite records the working directory as an absolute "dir", as Redis does.
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof(cwd)) != nullptr) state.config.dir = cwd;
  }
  if (state.config.daemonize) Daemonize();
  SetUpLogging(state.config.logfile, state.config.loglevel);
  if (!state.config.pidfile.empty()) {
    if (FILE* f = std::fopen(state.config.pidfile.c_str(), "w")) {
      std::fprintf(f, "%d\n", getpid());
      std::fclose(f);
    }
  }
  signal(SIGPIPE, SIG_IGN);
  spdlog::warn("oO0OoO0OoO0Oo Sable sentinel is starting oO0OoO0OoO0Oo");
  spdlog::warn("Configuration loaded");
  state.start_ms = sable::MonoUs() / 1000;

  sable::net::EventLoop loop;
  sable::sentinel::Sentinel core(&loop, &state);
  sable::sentinel::Frontend frontend(&loop, &core);
  auto save = [&state] {
    if (auto err = sable::sentinel::RewriteConfigFile(state)) {
      spdlog::warn("WARNING: Sentinel was not able to save the new configuration on disk!!!: {}",
                   *err);
    } else {
      spdlog::info("Sentinel new configuration saved on disk");
    }
  };
  core.SetConfigSaver(save);
  core.SetEventSink([&frontend](std::string_view channel, std::string_view payload) {
    frontend.PublishEvent(channel, payload);
  });
  bool stopping = false;
  auto stop = [&] {
    if (stopping) return;
    stopping = true;
    frontend.StopListening();
    core.Stop();
    save();
    loop.Stop();
  };
  frontend.SetShutdownHandler(stop);
  frontend.SetLogLevelHandler([](const std::string& level) {
    spdlog::default_logger()->set_level(SpdLevel(level));
  });
  loop.OnSignal(SIGTERM, [&] {
    spdlog::warn("Received SIGTERM scheduling shutdown...");
    stop();
  });
  loop.OnSignal(SIGINT, [&] {
    spdlog::warn("Received SIGINT scheduling shutdown...");
    stop();
  });

  std::string err = frontend.Listen();
  if (!err.empty()) {
    spdlog::critical("{}", err);
    return 1;
  }
  spdlog::info("Running mode=sentinel, port={}.", state.config.port);
  // Persist at once so a generated myid survives a crash right after start.
  save();
  spdlog::warn("Sentinel ID is {}", state.myid);
  err = core.Start();
  if (!err.empty()) {
    spdlog::critical("{}", err);
    return 1;
  }
  loop.Run();
  // The front end goes first: nothing the core still does may reach it.
  core.SetEventSink(nullptr);
  if (!state.config.pidfile.empty()) unlink(state.config.pidfile.c_str());
  spdlog::warn("Sentinel is now ready to exit, bye bye...");
  return 0;
}

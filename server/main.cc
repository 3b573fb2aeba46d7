// sable-server: parses the configuration like redis-server, sets up logging, starts listening
// and runs the main loop until SHUTDOWN or a signal.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "cluster/cluster.h"
#include "server/config/config.h"
#include "server/control/control_server.h"
#include "server/core/server.h"
#include "server/persist/aof.h"
#include "server/persist/rdb_persistence.h"

namespace {

spdlog::level::level_enum SpdLevel(sable::LogLevel level) {
  switch (level) {
    case sable::LogLevel::kDebug:
    case sable::LogLevel::kVerbose:
      return spdlog::level::debug;
    case sable::LogLevel::kWarning:
      return spdlog::level::warn;
    case sable::LogLevel::kNotice:
      break;
  }
  return spdlog::level::info;
}

void SetUpLogging(const sable::ServerConfig& cfg) {
  std::shared_ptr<spdlog::logger> logger;
  if (cfg.logfile.empty()) {
    logger = spdlog::stdout_logger_st("sable");
  } else {
    logger = spdlog::basic_logger_st("sable", cfg.logfile);
  }
  // Redis's log line shape: pid:role day month time.ms level-char message.
  logger->set_pattern(std::to_string(getpid()) + ":M %d %b %Y %H:%M:%S.%e %L %v");
  logger->set_level(SpdLevel(cfg.loglevel));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && (std::string(argv[1]) == "-v" || std::string(argv[1]) == "--version")) {
    std::printf("Sable server v=0.1.0 (Redis protocol compatible with 7.0.15)\n");
    return 0;
  }
  sable::Config config;
  if (auto err = config.LoadFromArgs(argc, argv)) {
    std::fprintf(stderr, "%s\n", err->c_str());
    return 1;
  }
  SetUpLogging(config.values());
  config.OnChange("loglevel", [&config]() -> std::optional<std::string> {
    spdlog::default_logger()->set_level(SpdLevel(config.values().loglevel));
    return std::nullopt;
  });
  sable::Server server(&config);
  // RDB first: its MISCONF check comes before the AOF's, as in Redis.
  sable::RdbPersistence rdb(&server);
  sable::AofPersistence aof(&server);
  std::string err = server.Start();
  if (!err.empty()) {
    spdlog::critical("{}", err);
    return 1;
  }
  // The control plane starts before the dataset loads: meanwhile the loop does not answer, so
  // health checks report NOT_SERVING instead of failing to connect.
  sable::control::ControlServer control(&server);
  err = control.Start();
  if (!err.empty()) {
    // A configuration error: also on stderr when the log goes to a file, as Redis does.
    if (!config.values().logfile.empty()) std::fprintf(stderr, "%s\n", err.c_str());
    spdlog::critical("{}", err);
    return 1;
  }
  spdlog::info("Server initialized");
  // Start-up load, as Redis 7.0: the manifest is read in any case; with appendonly yes the AOF
  // is the dataset (the RDB is not read even when there is no AOF yet), else dump.rdb.
  err = aof.ReadManifestOnStartup();
  if (err.empty()) {
    if (config.values().appendonly) {
      err = aof.LoadOnStartup();
    } else {
      err = rdb.LoadOnStartup();
    }
  }
  if (err.empty()) err = aof.OpenOnStartup();
  if (!err.empty()) {
    spdlog::critical("{}", err);
    return 1;
  }
  spdlog::info("Ready to accept connections tcp");
  server.Run();
  // Before the Server goes: gRPC threads post to its loop.
  if (server.cluster() != nullptr) server.cluster()->Stop();
  control.Shutdown();
  spdlog::warn("Sable is now ready to exit, bye bye...");
  return 0;
}

// AofPersistence, the file set: BGREWRITEAOF in a forked child (Redis 7.0's way: a new incr file
// opens at the fork, so nothing needs to be buffered for the child), what happens when it ends,
// history clean-up, and start-up (manifest, upgrade of an old single-file AOF, load, creation).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>

#include <spdlog/spdlog.h>

#include "server/core/server.h"
#include "server/persist/aof.h"
#include "server/persist/aof_loader.h"
#include "server/persist/aof_rewrite.h"
#include "server/util/clock.h"

namespace sable {
namespace {

int64_t NowSeconds() { return static_cast<int64_t>(std::time(nullptr)); }

bool DirExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// mkdir unless it exists; 0 or -1 (errno).
int CreateDirIfMissing(const std::string& path) {
  if (mkdir(path.c_str(), 0755) == -1 && errno != EEXIST) return -1;
  return 0;
}

int64_t SizeOf(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

std::string TempRewriteName(int pid) {
  return "temp-rewriteaof-bg-" + std::to_string(pid) + ".aof";
}

AofBaseOptions BaseOptions(const ServerConfig& cfg) {
  AofBaseOptions o;
  o.rdb_preamble = cfg.aof_use_rdb_preamble;
  o.timestamp = cfg.aof_timestamp_enabled;
  o.incremental_fsync = cfg.aof_rewrite_incremental_fsync;
  o.rdb_compress = cfg.rdbcompression;
  o.rdb_checksum = cfg.rdbchecksum;
  o.key_save_delay_us = cfg.rdb_key_save_delay;
  return o;
}

}  // namespace

// ---- rewrite ----------------------------------------------------------------------------------

AofPersistence::RewriteRequest AofPersistence::RequestRewrite() {
  if (rewrite_child_active()) return RewriteRequest::kInProgress;
  if (server_->child().active() || server_->in_exec()) {
    rewrite_scheduled_ = true;
    // Asked for by hand: run as soon as possible, whatever failed before.
    consecutive_failures_ = 0;
    return RewriteRequest::kScheduled;
  }
  return StartRewrite() ? RewriteRequest::kStarted : RewriteRequest::kFailed;
}

// After 3 failed rewrites in a row the automatic ones back off: 1, 2, 4... up to 60 minutes.
bool AofPersistence::RewriteLimited() {
  if (consecutive_failures_ < 3) {
    next_delay_minutes_ = 0;
    next_rewrite_time_ = 0;
    return false;
  }
  int64_t now = NowSeconds();
  if (next_rewrite_time_ != 0) {
    if (now < next_rewrite_time_) return true;
    next_rewrite_time_ = 0;
    return false;
  }
  next_delay_minutes_ = next_delay_minutes_ == 0 ? 1 : std::min(next_delay_minutes_ * 2, 60);
  next_rewrite_time_ = now + next_delay_minutes_ * 60;
  spdlog::warn(
      "Background AOF rewrite has repeatedly failed and triggered the limit, will retry in {} "
      "minutes",
      next_delay_minutes_);
  return true;
}

bool AofPersistence::OpenNewIncr() {
  if (state_ == State::kOff) return true;
  std::optional<AofManifest> next;
  std::string name;
  if (state_ == State::kWaitRewrite) {
    // Not part of the log until the first rewrite succeeds: a temp file the done handler renames.
    name = AofTempIncrName(prefix());
  } else {
    next = manifest_;
    name = next->NewIncr(prefix());
  }
  int fd = open((dir() + "/" + name).c_str(), O_WRONLY | O_TRUNC | O_CREAT, 0644);
  if (fd == -1) {
    spdlog::warn("Can't open the append-only file {}: {}", name, std::strerror(errno));
    return false;
  }
  if (next) {
    std::string err = WriteAofManifest(dir(), prefix(), *next);
    if (!err.empty()) {
      spdlog::warn("{}", err);
      close(fd);
      unlink((dir() + "/" + name).c_str());
      return false;
    }
  }
  spdlog::info("Creating AOF incr file {} on background rewrite", name);
  if (fd_ != -1) {
    // Everything before the fork is in the old file; make it durable before letting it go.
    bio_.FsyncAndClose(fd_);
    fsync_offset_ = current_size_;
    last_fsync_s_ = NowSeconds();
  }
  fd_ = fd;
  last_incr_size_ = 0;
  if (next) manifest_ = std::move(*next);
  return true;
}

bool AofPersistence::StartRewrite() {
  if (server_->child().active()) return false;
  if (CreateDirIfMissing(dir()) == -1) {
    spdlog::warn("Can't open or create append-only dir {}: {}", dir(), std::strerror(errno));
    last_bgrewrite_ok_ = false;
    return false;
  }
  // The new incr file starts with a SELECT.
  selected_db_ = -1;
  Flush(true);
  if (!OpenNewIncr()) {
    last_bgrewrite_ok_ = false;
    return false;
  }
  ++rewrites_;
  AofBaseOptions opts = BaseOptions(server_->cfg());
  Server* server = server_;
  std::string err = server_->child().Start(
      ChildProcess::Kind::kAof,
      [server, opts] {
        std::string tmp = TempRewriteName(getpid());
        std::string werr = WriteAofBaseFile(*server, tmp, opts);
        if (!werr.empty()) {
          spdlog::warn("{}", werr);
          return 1;
        }
        spdlog::info("Successfully created the temporary AOF base file {}", tmp);
        return 0;
      },
      [this](int exit_code, bool by_signal) { RewriteDone(exit_code, by_signal); });
  if (!err.empty()) {
    last_bgrewrite_ok_ = false;
    spdlog::warn("Can't rewrite append only file in background: {}", err);
    return false;
  }
  child_pid_ = server_->child().pid();
  child_rdb_preamble_ = opts.rdb_preamble;
  rewrite_killed_ = false;
  spdlog::info("Background append only file rewriting started by pid {}", child_pid_);
  rewrite_scheduled_ = false;
  rewrite_time_start_ = NowSeconds();
  return true;
}

void AofPersistence::KillRewriteChild() {
  if (!rewrite_child_active()) return;
  spdlog::info("Killing running AOF rewrite child: {}", server_->child().pid());
  rewrite_killed_ = true;
  server_->child().Kill();  // runs RewriteDone
}

void AofPersistence::RewriteDone(int exit_code, bool by_signal) {
  std::string tmp = TempRewriteName(child_pid_);
  bool ok = false;
  if (!by_signal && exit_code == 0) {
    spdlog::info("Background AOF rewrite terminated with success");
    AofManifest next = manifest_;
    std::string base_name = next.NewBase(prefix(), child_rdb_preamble_);
    std::string base_path = dir() + "/" + base_name;
    std::string incr_path;
    bool step_ok = true;
    if (rename(tmp.c_str(), base_path.c_str()) == -1) {
      spdlog::warn("Error trying to rename the temporary AOF base file {} into {}: {}", tmp,
                   base_path, std::strerror(errno));
      step_ok = false;
    } else {
      spdlog::info("Successfully renamed the temporary AOF base file {} into {}", tmp, base_name);
    }
    if (step_ok && state_ == State::kWaitRewrite) {
      std::string temp_incr = AofTempIncrName(prefix());
      std::string incr_name = next.NewIncr(prefix());
      incr_path = dir() + "/" + incr_name;
      if (rename((dir() + "/" + temp_incr).c_str(), incr_path.c_str()) == -1) {
        spdlog::warn("Error trying to rename the temporary AOF incr file {} into {}: {}", temp_incr,
                     incr_name, std::strerror(errno));
        unlink(base_path.c_str());
        incr_path.clear();
        step_ok = false;
      } else {
        spdlog::info("Successfully renamed the temporary AOF incr file {} into {}", temp_incr,
                     incr_name);
      }
    }
    if (step_ok) {
      // The incr files the new base covers become history; the one being written stays.
      next.MarkIncrsAsHistory(fd_ != -1);
      std::string err = WriteAofManifest(dir(), prefix(), next);
      if (!err.empty()) {
        spdlog::warn("{}", err);
        unlink(base_path.c_str());
        if (!incr_path.empty()) unlink(incr_path.c_str());
        step_ok = false;
      }
    }
    if (step_ok) {
      manifest_ = std::move(next);
      if (fd_ != -1) {
        selected_db_ = -1;
        current_size_ = SizeOf(base_path) + last_incr_size_;
        rewrite_base_size_ = current_size_;
        fsync_offset_ = current_size_;
        last_fsync_s_ = NowSeconds();
      }
      DeleteHistory();
      ok = true;
      consecutive_failures_ = 0;
      spdlog::info("Background AOF rewrite finished successfully");
      if (state_ == State::kWaitRewrite) state_ = State::kOn;
    }
  } else if (!by_signal) {
    spdlog::warn("Background AOF rewrite terminated with error");
  } else {
    spdlog::warn("Background AOF rewrite terminated by signal {}", exit_code);
  }
  // Stopping the child ourselves (SIGUSR1, as Redis does) is not a failure.
  if (!ok && !(by_signal && (rewrite_killed_ || exit_code == SIGUSR1))) {
    ++consecutive_failures_;
    last_bgrewrite_ok_ = false;
  } else if (ok) {
    last_bgrewrite_ok_ = true;
  }
  unlink(tmp.c_str());
  unlink(("temp-rewriteaof-" + std::to_string(child_pid_) + ".aof").c_str());
  if (state_ == State::kWaitRewrite) {
    // What the temp incr gathered is covered by the next rewrite's snapshot.
    buf_.clear();
    unlink((dir() + "/" + AofTempIncrName(prefix())).c_str());
    rewrite_scheduled_ = true;
  }
  rewrite_time_last_ = NowSeconds() - rewrite_time_start_;
  rewrite_time_start_ = -1;
  rewrite_killed_ = false;
  child_pid_ = -1;
}

void AofPersistence::DeleteHistory() {
  if (server_->cfg().aof_disable_auto_gc || manifest_.history().empty()) return;
  for (const AofFileInfo& f : manifest_.TakeHistory()) {
    spdlog::info("Removing the history file {} in the background", f.name);
    bio_.Unlink(dir() + "/" + f.name);
  }
  std::string err = WriteAofManifest(dir(), prefix(), manifest_);
  if (!err.empty()) spdlog::warn("{}", err);
}

// ---- start-up -----------------------------------------------------------------------------

std::string AofPersistence::ReadManifestOnStartup() {
  bool missing = false;
  AofManifestError err;
  std::optional<AofManifest> m = ReadAofManifest(dir(), prefix(), &missing, &err);
  if (m) {
    manifest_ = std::move(*m);
    return "";
  }
  if (missing) return "";
  std::string msg = "\n*** FATAL AOF MANIFEST FILE ERROR ***\n";
  if (err.line_no > 0) {
    msg += "Reading the manifest file, at line " + std::to_string(err.line_no) + "\n";
    msg += ">>> '" + err.line + "'\n";
  }
  msg += err.message;
  spdlog::warn("{}", msg);
  return msg;
}

// A pre-7.0 appendonly.aof in dir becomes the base of a new manifest, moved into appenddirname.
std::string AofPersistence::UpgradeOldStyle() {
  const std::string& name = prefix();
  if (!FileExists(name)) return "";
  const auto& base = manifest_.base();
  bool upgrade =
      !DirExists(dir()) || manifest_.empty() ||
      (base && manifest_.incrs().empty() && base->name == name && !FileExists(dir() + "/" + name));
  if (!upgrade) return "";
  if (CreateDirIfMissing(dir()) == -1) {
    return "Can't open or create append-only dir " + dir() + ": " + std::strerror(errno);
  }
  AofManifest next;
  next.SetBase(AofFileInfo{name, 1, AofFileType::kBase});
  std::string err = WriteAofManifest(dir(), name, next);
  if (!err.empty()) return err;
  manifest_ = std::move(next);
  if (rename(name.c_str(), (dir() + "/" + name).c_str()) == -1) {
    return "Error trying to move the old AOF file " + name + " into dir " + dir() + ": " +
           std::strerror(errno);
  }
  spdlog::info("Successfully migrated an old-style AOF file ({}) into the AOF directory ({}).",
               name, dir());
  return "";
}

std::string AofPersistence::LoadOnStartup() {
  std::string err = UpgradeOldStyle();
  if (!err.empty()) {
    spdlog::warn("{}", err);
    return err;
  }
  int64_t start = MonoUs();
  AofLoadResult r =
      LoadAofFiles(*server_, dir(), manifest_, server_->cfg().aof_load_truncated, prefix());
  switch (r.status) {
    case AofLoadStatus::kNotExist:
      return "";
    case AofLoadStatus::kOpenError:
    case AofLoadStatus::kFailed:
      return "Error loading the append only file, see the log above";
    case AofLoadStatus::kEmpty:
    case AofLoadStatus::kOk:
    case AofLoadStatus::kTruncated:
      break;
  }
  // Replayed commands are not the clients' commands: INFO stats start from zero, as in Redis
  // (which counts them in rdb_changes_since_last_save though: dirty stays).
  server_->ResetStats();
  current_size_ = r.total_size;
  rewrite_base_size_ = r.base_size;
  fsync_offset_ = current_size_;
  spdlog::info("DB loaded from append only file: {:.3f} seconds",
               static_cast<double>(MonoUs() - start) / 1e6);
  return "";
}

std::string AofPersistence::OpenOnStartup() {
  const ServerConfig& cfg = server_->cfg();
  if (cfg.appendonly) {
    state_ = State::kOn;
    if (CreateDirIfMissing(dir()) == -1) {
      return "Can't open or create append-only dir " + dir() + ": " + std::strerror(errno);
    }
    if (manifest_.empty()) {
      // No AOF yet: its base is the current dataset (empty unless something was loaded).
      AofManifest next = manifest_;
      std::string base_name = next.NewBase(prefix(), cfg.aof_use_rdb_preamble);
      std::string err = WriteAofBaseFile(*server_, dir() + "/" + base_name, BaseOptions(cfg));
      if (!err.empty()) return err;
      manifest_ = std::move(next);
      spdlog::info("Creating AOF base file {} on server start", base_name);
      current_size_ = rewrite_base_size_ = SizeOf(dir() + "/" + base_name);
    }
    bool had_incr = !manifest_.incrs().empty();
    std::string name = manifest_.LastIncr(prefix());
    std::string path = dir() + "/" + name;
    fd_ = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd_ == -1) return "Can't open the append-only file " + name + ": " + std::strerror(errno);
    std::string err = WriteAofManifest(dir(), prefix(), manifest_);
    if (!err.empty()) return err;
    last_incr_size_ = SizeOf(path);
    spdlog::info("{} AOF incr file {} on server start", had_incr ? "Opening" : "Creating", name);
    fsync_offset_ = current_size_;
    last_fsync_s_ = NowSeconds();
  }
  DeleteHistory();
  return "";
}

}  // namespace sable

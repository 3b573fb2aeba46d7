// AofPersistence, the running log: feeding the propagated stream into the buffer, writing and
// fsyncing it before replies, cron duties, the MISCONF state, CONFIG SET appendonly, shutdown and
// INFO. Rewrites and start-up live in aof_control.cc.
#include "server/persist/aof.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include <spdlog/spdlog.h>

#include "server/core/server.h"
#include "server/persist/aof_format.h"
#include "server/util/clock.h"

namespace sable {
namespace {

// Seconds between two logs of the same AOF write error (Redis's AOF_WRITE_LOG_ERROR_RATE).
constexpr int64_t kWriteErrorLogRate = 30;
// A buffer that grew past this is released after a write rather than kept for reuse.
constexpr size_t kKeepBufferBytes = 4000;

int64_t NowSeconds() { return static_cast<int64_t>(std::time(nullptr)); }

// write(2) until done, retrying short writes and EINTR; returns the bytes written, or -1 when
// nothing could be written (errno set).
ssize_t WriteAll(int fd, const char* p, size_t len) {
  ssize_t total = 0;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return total ? total : -1;
    }
    p += n;
    len -= static_cast<size_t>(n);
    total += n;
  }
  return total;
}

}  // namespace

AofPersistence::AofPersistence(Server* server) : server_(server) {
  server_->set_aof(this);
  server_->AddPropagationSink(
      [this](int db, const std::vector<std::string_view>& argv) { Feed(db, argv); });
  // First among the before-sleep hooks: written (and for "always", fsynced) before any reply of
  // this loop iteration leaves.
  server_->loop().AddBeforeSleep(
      [this] {
        if (state_ != State::kOff) Flush(false);
      },
      /*first=*/true);
  server_->AddCronHook([this] { Cron(); });
  server_->AddShutdownHook([this](bool, bool) { return OnShutdown(); });
  server_->AddDiskErrorCheck([this] { return WriteDeniedError(); });
  server_->config().OnChange("appendonly", [this] { return OnAppendonlyChanged(); });
}

AofPersistence::~AofPersistence() {
  if (fd_ >= 0) {
    Flush(true);
    fdatasync(fd_);
    close(fd_);
    fd_ = -1;
  }
}

std::string AofPersistence::dir() const { return server_->cfg().appenddirname; }

const std::string& AofPersistence::prefix() const { return server_->cfg().appendfilename; }

bool AofPersistence::rewrite_child_active() const {
  return server_->child().active() && server_->child().kind() == ChildProcess::Kind::kAof;
}

void AofPersistence::Feed(int db, const std::vector<std::string_view>& argv) {
  if (state_ == State::kOff) return;
  // Waiting for the first rewrite: only what happens after its fork needs logging.
  if (state_ == State::kWaitRewrite && !rewrite_child_active()) return;
  if (server_->cfg().aof_timestamp_enabled) {
    int64_t now = CachedMs() / 1000;
    if (cur_timestamp_ < now) {
      cur_timestamp_ = now;
      AppendTimestampAnnotation(&buf_, now);
    }
  }
  if (db != -1 && db != selected_db_) {
    AppendSelect(&buf_, db);
    selected_db_ = db;
  }
  AppendRespCommand(&buf_, argv);
}

void AofPersistence::Flush(bool force) {
  if (fd_ < 0) return;
  const ServerConfig& cfg = server_->cfg();
  bool everysec = cfg.appendfsync == AppendFsync::kEverysec;
  bool always = cfg.appendfsync == AppendFsync::kAlways;
  int64_t now = NowSeconds();
  bool sync_in_progress = false;
  if (buf_.empty()) {
    // Nothing new, but an everysec fsync may still be owed for what an earlier write left.
    if (everysec && fsync_offset_ != current_size_ && now > last_fsync_s_ &&
        !(sync_in_progress = bio_.fsync_pending() > 0)) {
      if (cfg.no_appendfsync_on_rewrite && server_->child().active()) return;
      bio_.Fsync(fd_);
      fsync_offset_ = current_size_;
      last_fsync_s_ = now;
    }
    return;
  }
  if (everysec) sync_in_progress = bio_.fsync_pending() > 0;
  if (everysec && !force && sync_in_progress) {
    // write(2) would block behind the running fsync anyway: wait up to two seconds.
    if (flush_postponed_start_ == 0) {
      flush_postponed_start_ = now;
      return;
    }
    if (now - flush_postponed_start_ < 2) return;
    ++delayed_fsync_;
    spdlog::info(
        "Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer "
        "without waiting for fsync to complete, this may slow down Redis.");
  }
  ssize_t written = WriteAll(fd_, buf_.data(), buf_.size());
  flush_postponed_start_ = 0;
  if (written != static_cast<ssize_t>(buf_.size())) {
    bool can_log = now - last_write_error_log_ > kWriteErrorLogRate;
    if (can_log) last_write_error_log_ = now;
    if (written == -1) {
      last_write_errno_ = errno;
      if (can_log) spdlog::warn("Error writing to the AOF file: {}", std::strerror(errno));
    } else {
      if (can_log) {
        spdlog::warn("Short write while writing to the AOF file: (nwritten={}, expected={})",
                     written, buf_.size());
      }
      // Cut the partial record so the file stays loadable; retry the whole buffer later.
      if (ftruncate(fd_, last_incr_size_) == -1) {
        if (can_log) {
          spdlog::warn(
              "Could not remove short write from the append-only file.  Redis may refuse to "
              "load the AOF the next time it starts.  ftruncate: {}",
              std::strerror(errno));
        }
      } else {
        written = -1;
      }
      last_write_errno_ = ENOSPC;
    }
    if (always) {
      // The replies are already queued and the writes cannot be undone: the contract is that
      // an acknowledged write is on disk, so stop here.
      spdlog::warn(
          "Can't recover from AOF write error when the AOF fsync policy is 'always'. "
          "Exiting...");
      std::exit(1);
    }
    last_write_ok_ = false;
    if (written > 0) {
      current_size_ += written;
      last_incr_size_ += written;
      buf_.erase(0, static_cast<size_t>(written));
    }
    return;
  }
  if (!last_write_ok_) {
    spdlog::warn("AOF write error looks solved, Redis can write again.");
    last_write_ok_ = true;
  }
  current_size_ += written;
  last_incr_size_ += written;
  if (buf_.capacity() < kKeepBufferBytes) {
    buf_.clear();
  } else {
    std::string().swap(buf_);
  }

  if (cfg.no_appendfsync_on_rewrite && server_->child().active()) return;
  if (always) {
    if (fdatasync(fd_) == -1) {
      spdlog::warn(
          "Can't persist AOF for fsync error when the AOF fsync policy is 'always': {}. "
          "Exiting...",
          std::strerror(errno));
      std::exit(1);
    }
    fsync_offset_ = current_size_;
    last_fsync_s_ = now;
  } else if (everysec && now > last_fsync_s_) {
    if (!sync_in_progress) {
      bio_.Fsync(fd_);
      fsync_offset_ = current_size_;
    }
    last_fsync_s_ = now;
  }
}

void AofPersistence::FlushAndSync() {
  if (fd_ < 0) return;
  Flush(true);
  if (fdatasync(fd_) == 0) {
    fsync_offset_ = current_size_;
    last_fsync_s_ = NowSeconds();
  }
}

void AofPersistence::Cron() {
  int64_t now_ms = WallMs();
  if (state_ != State::kOff && flush_postponed_start_ != 0) Flush(false);
  // A failed write is retried once a second; writes stay refused (MISCONF) until one succeeds.
  if (state_ != State::kOff && !last_write_ok_ && now_ms - last_write_retry_ms_ >= 1000) {
    last_write_retry_ms_ = now_ms;
    Flush(false);
  }
  int fsync_err = bio_.fsync_error();
  if (fsync_err != 0 && !bio_error_logged_) {
    spdlog::warn("Fail to fsync the AOF file: {}", std::strerror(fsync_err));
  }
  bio_error_logged_ = fsync_err != 0;

  if (server_->child().active()) return;
  if (rewrite_scheduled_ && !RewriteLimited()) {
    StartRewrite();
    return;
  }
  const ServerConfig& cfg = server_->cfg();
  if (state_ == State::kOn && cfg.auto_aof_rewrite_percentage > 0 &&
      current_size_ > cfg.auto_aof_rewrite_min_size) {
    int64_t base = rewrite_base_size_ > 0 ? rewrite_base_size_ : 1;
    int64_t growth = current_size_ * 100 / base - 100;
    if (growth >= cfg.auto_aof_rewrite_percentage && !RewriteLimited()) {
      spdlog::info("Starting automatic rewriting of AOF on {}% growth", growth);
      StartRewrite();
    }
  }
}

std::string AofPersistence::WriteDeniedError() {
  if (state_ == State::kOff) return "";
  if (last_write_ok_) {
    int e = bio_.fsync_error();
    if (e == 0) return "";
    last_write_errno_ = e;
  }
  return std::string("MISCONF Errors writing to the AOF file: ") + std::strerror(last_write_errno_);
}

AofStatus AofPersistence::Status() const {
  AofStatus s;
  s.enabled = state_ != State::kOff;
  s.rewrite_in_progress = rewrite_child_active();
  s.rewrite_scheduled = rewrite_scheduled_;
  s.last_rewrite_time_sec = rewrite_time_last_;
  s.current_rewrite_time_sec = rewrite_time_start_ != -1 ? NowSeconds() - rewrite_time_start_ : -1;
  s.last_bgrewrite_ok = last_bgrewrite_ok_;
  s.rewrites = rewrites_;
  s.rewrites_consecutive_failures = consecutive_failures_;
  s.last_write_ok = last_write_ok_ && bio_.fsync_error() == 0;
  s.current_size = current_size_;
  s.base_size = rewrite_base_size_;
  s.buffer_length = buf_.size();
  s.pending_bio_fsync = bio_.fsync_pending();
  s.delayed_fsync = delayed_fsync_;
  return s;
}

std::optional<std::string> AofPersistence::OnAppendonlyChanged() {
  bool want = server_->cfg().appendonly;
  if (want && state_ == State::kOff) {
    if (!StartAppendOnly()) return std::string("Unable to turn on AOF. Check server logs.");
  } else if (!want && state_ != State::kOff) {
    StopAppendOnly();
  }
  return std::nullopt;
}

bool AofPersistence::StartAppendOnly() {
  state_ = State::kWaitRewrite;
  if (server_->child().active() && !rewrite_child_active()) {
    rewrite_scheduled_ = true;
    spdlog::warn(
        "AOF was enabled but there is already another background operation. An AOF background "
        "was scheduled to start when possible.");
  } else if (server_->in_exec()) {
    rewrite_scheduled_ = true;
    spdlog::warn(
        "AOF was enabled during a transaction. An AOF background was scheduled to start when "
        "possible.");
  } else {
    // A rewrite already running does not log what happens meanwhile: start a new one.
    if (rewrite_child_active()) {
      spdlog::warn(
          "AOF was enabled but there is already an AOF rewriting in background. Stopping "
          "background AOF and starting a rewrite now.");
      KillRewriteChild();
    }
    if (!StartRewrite()) {
      state_ = State::kOff;
      spdlog::warn(
          "Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. "
          "Check the above logs for more info about the error.");
      return false;
    }
  }
  last_fsync_s_ = NowSeconds();
  if (bio_.fsync_error() != 0) {
    spdlog::warn("AOF reopen, just ignore the AOF fsync error in bio job");
    bio_.ClearFsyncError();
  }
  if (!last_write_ok_) {
    spdlog::warn("AOF reopen, just ignore the last error.");
    last_write_ok_ = true;
  }
  return true;
}

void AofPersistence::StopAppendOnly() {
  bool waiting = state_ == State::kWaitRewrite;
  Flush(true);
  if (fd_ >= 0) {
    if (fdatasync(fd_) == -1) {
      spdlog::warn("Fail to fsync the AOF file: {}", std::strerror(errno));
    } else {
      fsync_offset_ = current_size_;
      last_fsync_s_ = NowSeconds();
    }
    close(fd_);
  }
  fd_ = -1;
  selected_db_ = -1;
  state_ = State::kOff;
  rewrite_scheduled_ = false;
  last_incr_size_ = 0;
  KillRewriteChild();
  buf_.clear();
  // The first rewrite never finished: what its temp incr file gathered is not part of any log.
  if (waiting) unlink((dir() + "/" + AofTempIncrName(prefix())).c_str());
}

std::string AofPersistence::OnShutdown() {
  if (state_ == State::kOff) return "";
  if (rewrite_child_active()) {
    if (state_ == State::kWaitRewrite) {
      // The log is not complete before its first rewrite ends.
      spdlog::warn("Writing initial AOF, can't exit.");
      return "Writing initial AOF, can't exit.";
    }
    spdlog::warn("There is a child rewriting the AOF. Killing it!");
    KillRewriteChild();
  }
  spdlog::info("Calling fsync() on the AOF file.");
  FlushAndSync();
  return "";
}

}  // namespace sable

// Redis 7.0's multi-part append-only file for the running server: the propagated command stream
// is buffered and written before replies go out (fsynced there for appendfsync always, once a
// second from a background thread for everysec), BGREWRITEAOF snapshots the keyspace into a new
// base file in a forked child while writes go to a fresh incr file, and the manifest in
// appenddirname says which files make up the log. Also: start-up load and creation, CONFIG SET
// appendonly, automatic rewrites from cron, the MISCONF state after write errors, shutdown.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/persist/aof_bio.h"
#include "server/persist/aof_manifest.h"

namespace sable {

class Server;

// What INFO persistence reports about the AOF.
struct AofStatus {
  bool enabled = false;  // aof_enabled (on, or waiting for its first rewrite)
  bool rewrite_in_progress = false;
  bool rewrite_scheduled = false;
  int64_t last_rewrite_time_sec = -1;
  int64_t current_rewrite_time_sec = -1;
  bool last_bgrewrite_ok = true;
  uint64_t rewrites = 0;
  uint64_t rewrites_consecutive_failures = 0;
  bool last_write_ok = true;
  int64_t current_size = 0;
  int64_t base_size = 0;
  uint64_t buffer_length = 0;
  int pending_bio_fsync = 0;
  uint64_t delayed_fsync = 0;
};

class AofPersistence {
 public:
  // Registers the propagation sink, the before-reply flush, cron, shutdown, config and MISCONF
  // hooks on the server and attaches itself (set_aof).
  explicit AofPersistence(Server* server);
  ~AofPersistence();
  AofPersistence(const AofPersistence&) = delete;
  AofPersistence& operator=(const AofPersistence&) = delete;

  // Start-up, in this order (each returns "" or a fatal error text; main exits 1 on one):
  // reads the manifest (always, as Redis does, even with appendonly no)...
  std::string ReadManifestOnStartup();
  // ...with appendonly yes, replays the AOF into the keyspace (adopting an old single-file AOF
  // first); when there is none the dataset stays empty (the RDB is not read then)...
  std::string LoadOnStartup();
  // ...then, with appendonly yes, creates a base file when there is no AOF yet, opens the last
  // incr file for appending and writes the manifest; finally removes history files.
  std::string OpenOnStartup();

  // BGREWRITEAOF.
  enum class RewriteRequest { kStarted, kScheduled, kInProgress, kFailed };
  RewriteRequest RequestRewrite();

  AofStatus Status() const;
  bool enabled() const { return state_ != State::kOff; }
  // The MISCONF error while AOF writes or fsyncs fail, "" otherwise.
  std::string WriteDeniedError();
  // Writes and fsyncs everything buffered now (tests, DEBUG, shutdown).
  void FlushAndSync();

 private:
  enum class State { kOff, kOn, kWaitRewrite };

  void Feed(int db, const std::vector<std::string_view>& argv);
  // flushAppendOnlyFile(): write the buffer, fsync per policy. `force` writes even while an
  // everysec fsync is still running.
  void Flush(bool force);
  void Cron();
  std::string OnShutdown();
  std::optional<std::string> OnAppendonlyChanged();

  bool StartRewrite();
  bool OpenNewIncr();
  void RewriteDone(int exit_code, bool by_signal);
  void KillRewriteChild();
  bool RewriteLimited();
  bool StartAppendOnly();
  void StopAppendOnly();
  void DeleteHistory();
  std::string UpgradeOldStyle();

  std::string dir() const;  // appenddirname (relative to the working directory, like Redis)
  const std::string& prefix() const;  // appendfilename
  bool rewrite_child_active() const;

  Server* server_;
  AofBio bio_;
  State state_ = State::kOff;
  int fd_ = -1;
  std::string buf_;
  int selected_db_ = -1;
  AofManifest manifest_;
  int64_t current_size_ = 0;
  int64_t last_incr_size_ = 0;
  int64_t rewrite_base_size_ = 0;
  int64_t fsync_offset_ = 0;
  int64_t last_fsync_s_ = 0;
  int64_t flush_postponed_start_ = 0;
  int64_t cur_timestamp_ = 0;
  uint64_t delayed_fsync_ = 0;
  bool last_write_ok_ = true;
  int last_write_errno_ = 0;
  int64_t last_write_error_log_ = 0;
  int64_t last_write_retry_ms_ = 0;
  bool bio_error_logged_ = false;
  // Rewrites.
  bool rewrite_scheduled_ = false;
  bool rewrite_killed_ = false;      // we stopped the child: not a failure
  bool child_rdb_preamble_ = false;  // what the running child writes
  int child_pid_ = -1;
  int64_t rewrite_time_start_ = -1;
  int64_t rewrite_time_last_ = -1;
  uint64_t rewrites_ = 0;
  uint64_t consecutive_failures_ = 0;
  bool last_bgrewrite_ok_ = true;
  int next_delay_minutes_ = 0;
  int64_t next_rewrite_time_ = 0;
};

}  // namespace sable

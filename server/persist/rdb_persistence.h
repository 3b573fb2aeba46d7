// RDB snapshots of the running server, as Redis manages them: load on start-up, SAVE, BGSAVE in
// a forked child, save points checked from cron, the stop-writes-on-bgsave-error state, saving
// on SHUTDOWN, and the numbers INFO persistence reports.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "server/persist/rdb_reader.h"
#include "server/persist/rdb_writer.h"

namespace sable {

class Server;

class RdbPersistence {
 public:
  // Registers the cron and shutdown hooks on the server and attaches itself (set_rdb).
  explicit RdbPersistence(Server* server);
  RdbPersistence(const RdbPersistence&) = delete;
  RdbPersistence& operator=(const RdbPersistence&) = delete;

  // Start-up: loads dir/dbfilename when it exists. Returns an error text for a file that exists
  // but cannot be loaded (main exits 1), "" otherwise.
  std::string LoadOnStartup();

  // dir/dbfilename as a path.
  std::string Path() const;
  RdbSaveOptions SaveOptions() const;
  // SaveOptions plus the replication info Redis 7.0 stores in a snapshot of this node
  // (rdbPopulateSaveInfo): AUX repl-stream-db, repl-id, repl-offset for a replica with a
  // (cached) primary or a primary with a backlog; nothing for a node in no replication chain.
  RdbSaveOptions SnapshotOptions() const;

  // Writes the snapshot in the foreground (SAVE, SHUTDOWN, DEBUG RELOAD, FLUSHALL). False with
  // *err on failure.
  bool Save(std::string* err);
  // The SAVE command counts in INFO rdb_saves; the other foreground saves do not (as Redis).
  void CountSaveCommand() { ++saves_; }
  // FLUSHALL: a BGSAVE of the old data is killed and, with save points, the now empty dataset is
  // saved at once so a crash cannot bring the keys back (Redis's flushAllDataAndResetRDB).
  void AfterFlushAll();
  // BGSAVE: forks a child that writes the snapshot. Returns "" when started, or the error reply.
  std::string BackgroundSave();
  // BGSAVE SCHEDULE while another child (an AOF rewrite) runs: starts as soon as it ends.
  void ScheduleBackgroundSave() { scheduled_ = true; }
  bool scheduled() const { return scheduled_; }
  bool bgsave_in_progress() const;

  // Replaces the dataset with the file's contents (DEBUG RELOAD). The load goes into fresh
  // databases swapped in at the end, so a failed load leaves the dataset as it was. False with
  // *err on failure.
  bool Reload(std::string* err);

  // The MISCONF error when writes must be refused (the last background save failed, save points
  // are configured and stop-writes-on-bgsave-error is on); nullptr otherwise.
  const char* WriteDeniedError() const;

  // INFO persistence / stats.
  bool last_bgsave_ok() const { return last_bgsave_ok_; }
  int64_t last_bgsave_time_sec() const { return last_bgsave_time_sec_; }
  int64_t current_bgsave_time_sec() const;
  uint64_t saves() const { return saves_; }
  bool loading() const { return loading_; }
  int64_t loading_start_time() const { return loading_start_s_; }
  uint64_t last_load_keys_loaded() const { return last_load_keys_loaded_; }
  uint64_t last_load_keys_expired() const { return last_load_keys_expired_; }
  uint64_t dirty_before_bgsave() const { return dirty_before_bgsave_; }
  // When the last background save was started (unix seconds): save points wait 5 s after a
  // failed one before trying again.
  int64_t last_bgsave_try_s() const { return last_bgsave_try_s_; }

 private:
  // Loads dir/dbfilename into the server (all or nothing); *missing when there is no file.
  bool LoadFile(RdbLoadInfo* info, bool* missing, std::string* err);
  // Start-up: takes the replication id/offset the RDB holds (Redis 7.0's loadDataFromDisk).
  void RestoreReplInfo(const RdbLoadInfo& info);
  void Cron();
  std::string OnShutdown(bool save, bool nosave);
  void BackgroundSaveDone(int exit_code, bool by_signal);
  // The dataset was saved: reset dirty, note the time.
  void SaveSucceeded(uint64_t dirty_at_start);

  Server* server_;
  bool last_bgsave_ok_ = true;
  int64_t last_bgsave_time_sec_ = -1;
  int64_t last_bgsave_try_s_ = 0;
  uint64_t saves_ = 0;
  uint64_t dirty_before_bgsave_ = 0;
  bool scheduled_ = false;
  pid_t child_pid_ = -1;  // the BGSAVE child, for its temp file name once it is gone
  bool loading_ = false;
  int64_t loading_start_s_ = 0;
  uint64_t last_load_keys_loaded_ = 0;
  uint64_t last_load_keys_expired_ = 0;
};

// Redis's MISCONF error for a failed background save.
extern const char kMisconfRdbError[];

}  // namespace sable

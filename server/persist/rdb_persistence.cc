#include "server/persist/rdb_persistence.h"

#include <unistd.h>

#include <csignal>
#include <string>

#include <spdlog/spdlog.h>

#include "server/core/server.h"
#include "server/repl/repl_state.h"
#include "server/repl/replica.h"
#include "server/util/clock.h"

namespace sable {

const char kMisconfRdbError[] =
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to "
    "disk. Commands that may modify the data set are disabled, because this instance is "
    "configured to report errors during writes if RDB snapshotting fails "
    "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about the "
    "RDB error.";

namespace {

// After a failed background save, save points wait this long before trying again
// (CONFIG_BGSAVE_RETRY_DELAY).
constexpr int64_t kBgsaveRetryDelayS = 5;

int64_t NowS() { return WallMs() / 1000; }

}  // namespace

RdbPersistence::RdbPersistence(Server* server) : server_(server) {
  server_->set_rdb(this);
  server_->AddCronHook([this] { Cron(); });
  server_->AddShutdownHook([this](bool save, bool nosave) { return OnShutdown(save, nosave); });
  server_->AddDiskErrorCheck([this]() -> std::string {
    const char* e = WriteDeniedError();
    return e ? e : "";
  });
}

std::string RdbPersistence::Path() const { return server_->cfg().dbfilename; }

RdbSaveOptions RdbPersistence::SaveOptions() const {
  const ServerConfig& c = server_->cfg();
  RdbSaveOptions o;
  o.compress = c.rdbcompression;
  o.checksum = c.rdbchecksum;
  o.key_save_delay_us = c.rdb_key_save_delay;
  return o;
}

RdbSaveOptions RdbPersistence::SnapshotOptions() const {
  RdbSaveOptions o = SaveOptions();
  const ReplicationState& rs = server_->repl();
  int stream_db = -1;
  if (!rs.is_replica()) {
    // Without a backlog the node is in no replication chain: the next replica gets a new
    // history anyway. A primary that wrote nothing since a sync has stream db -1: the next write
    // emits SELECT, so 0 is safe.
    if (rs.backlog_active()) stream_db = rs.stream_db() == -1 ? 0 : rs.stream_db();
  } else {
    stream_db = server_->replica().SaveInfoStreamDb();
  }
  if (stream_db < 0) return o;
  o.extra_aux.emplace_back("repl-stream-db", std::to_string(stream_db));
  o.extra_aux.emplace_back("repl-id", rs.replid());
  o.extra_aux.emplace_back("repl-offset", std::to_string(rs.master_repl_offset()));
  return o;
}

void RdbPersistence::RestoreReplInfo(const RdbLoadInfo& info) {
  // Older writers could store repl-stream-db -1 by mistake; Redis ignores such info.
  if (info.repl_id.empty() || info.repl_offset < 0 || info.repl_stream_db < 0 ||
      info.repl_stream_db >= server_->db_count()) {
    return;
  }
  ReplicationState& rs = server_->repl();
  if (rs.is_replica()) {
    rs.RestoreAsReplica(info.repl_id, info.repl_offset);
    server_->replica().RestoreCachedMaster(info.repl_stream_db);
  } else {
    rs.RestoreAsPrimary(info.repl_id, info.repl_offset);
    spdlog::info("Replication history restored from the RDB: replid2 {} valid up to offset {}",
                 rs.replid2(), rs.second_repl_offset());
  }
}

bool RdbPersistence::LoadFile(RdbLoadInfo* info, bool* missing, std::string* err) {
  RdbLoadOptions opts;
  opts.check_crc = server_->cfg().rdbchecksum;
  // A replica keeps keys its master has not expired yet; the master's DELs will follow.
  opts.drop_expired = server_->cfg().replicaof_host.empty();
  loading_ = true;
  loading_start_s_ = NowS();
  server_->set_loading(true);
  bool ok = LoadRdbFile(*server_, Path(), opts, info, missing, err);
  server_->set_loading(false);
  loading_ = false;
  if (ok && !*missing) {
    last_load_keys_loaded_ = info->keys_loaded;
    last_load_keys_expired_ = info->keys_expired;
    spdlog::info("Done loading RDB, keys loaded: {}, keys expired: {}.", info->keys_loaded,
                 info->keys_expired);
  }
  return ok;
}

std::string RdbPersistence::LoadOnStartup() {
  int64_t start = MonoUs();
  RdbLoadInfo info;
  bool missing = false;
  std::string err;
  if (!LoadFile(&info, &missing, &err)) {
    if (err.rfind("Short read", 0) == 0) {
      return "Short read or OOM loading DB. Unrecoverable error, aborting now. (" + Path() +
             " at offset " + std::to_string(info.bytes) + ")";
    }
    return "Fatal error loading the DB (" + Path() + "): " + err + ". Exiting.";
  }
  if (missing) return "";
  RestoreReplInfo(info);
  spdlog::info("DB loaded from disk: {:.3f} seconds",
               static_cast<double>(MonoUs() - start) / 1e6);
  return "";
}

void RdbPersistence::SaveSucceeded(uint64_t dirty_at_start) {
  // Changes made while a child was saving are not in the file: they stay counted.
  uint64_t now_dirty = server_->dirty();
  server_->AddDirty(-static_cast<long long>(std::min(dirty_at_start, now_dirty)));
  server_->set_last_save_time(NowS());
  last_bgsave_ok_ = true;
}

bool RdbPersistence::Save(std::string* err) {
  if (bgsave_in_progress()) {
    *err = "Background save already in progress";
    return false;
  }
  uint64_t dirty = server_->dirty();
  if (!SaveRdbFile(*server_, Path(), SnapshotOptions(), err)) {
    spdlog::warn("{}", *err);
    return false;
  }
  spdlog::info("DB saved on disk");
  SaveSucceeded(dirty);
  return true;
}

void RdbPersistence::AfterFlushAll() {
  if (bgsave_in_progress()) server_->child().Kill();
  if (server_->cfg().save.empty() || server_->loading()) return;
  std::string err;
  Save(&err);  // a failure is logged; FLUSHALL itself succeeded
}

bool RdbPersistence::bgsave_in_progress() const {
  return server_->child().active() && server_->child().kind() == ChildProcess::Kind::kRdb;
}

int64_t RdbPersistence::current_bgsave_time_sec() const {
  if (!bgsave_in_progress()) return -1;
  return (WallMs() - server_->child().start_ms()) / 1000;
}

std::string RdbPersistence::BackgroundSave() {
  if (bgsave_in_progress()) return "ERR Background save already in progress";
  if (server_->child().active()) {
    return "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE "
           "SCHEDULE in order to schedule a BGSAVE whenever possible.";
  }
  ++saves_;
  dirty_before_bgsave_ = server_->dirty();
  last_bgsave_try_s_ = NowS();
  RdbSaveOptions opts = SnapshotOptions();
  std::string path = Path();
  Server* server = server_;
  std::string err = server_->child().Start(
      ChildProcess::Kind::kRdb,
      [server, path, opts]() -> int {
        std::string e;
        if (!SaveRdbFile(*server, path, opts, &e)) {
          spdlog::warn("{}", e);
          return 1;
        }
        spdlog::info("DB saved on disk");
        return 0;
      },
      [this](int code, bool by_signal) { BackgroundSaveDone(code, by_signal); });
  if (!err.empty()) {
    last_bgsave_ok_ = false;
    spdlog::warn("Can't save in background: {}", err);
    return "ERR";
  }
  child_pid_ = server_->child().pid();
  spdlog::info("Background saving started by pid {}", child_pid_);
  return "";
}

void RdbPersistence::BackgroundSaveDone(int exit_code, bool by_signal) {
  last_bgsave_time_sec_ = NowS() - last_bgsave_try_s_;
  if (!by_signal && exit_code == 0) {
    spdlog::info("Background saving terminated with success");
    SaveSucceeded(dirty_before_bgsave_);
  } else if (!by_signal) {
    spdlog::warn("Background saving error");
    last_bgsave_ok_ = false;
  } else {
    spdlog::warn("Background saving terminated by signal {}", exit_code);
    // SIGUSR1 is our own Kill(): an abort on purpose (SHUTDOWN, FLUSHALL), not a failure.
    if (exit_code != SIGUSR1) last_bgsave_ok_ = false;
  }
  // A killed child could not clean up its temp file (rdbRemoveTempFile).
  if (by_signal) ::unlink(("temp-" + std::to_string(child_pid_) + ".rdb").c_str());
}

void RdbPersistence::Cron() {
  if (server_->child().active()) return;
  const ServerConfig& c = server_->cfg();
  int64_t now = NowS();
  bool may_retry = last_bgsave_ok_ || now - last_bgsave_try_s_ > kBgsaveRetryDelayS;
  if (scheduled_ && may_retry) {
    if (BackgroundSave().empty()) scheduled_ = false;
    return;
  }
  for (const SavePoint& sp : c.save) {
    if (server_->dirty() >= static_cast<uint64_t>(sp.changes) &&
        now - server_->last_save_time() > sp.seconds && may_retry) {
      spdlog::info("{} changes in {} seconds. Saving...", sp.changes, sp.seconds);
      BackgroundSave();
      break;
    }
  }
}

std::string RdbPersistence::OnShutdown(bool save, bool nosave) {
  if (bgsave_in_progress()) {
    spdlog::warn("There is a child saving an .rdb. Killing it!");
    server_->child().Kill();
  }
  if ((server_->cfg().save.empty() || nosave) && !save) return "";
  spdlog::info("Saving the final RDB snapshot before exiting.");
  std::string err;
  if (!Save(&err)) {
    spdlog::warn("Error trying to save the DB, can't exit.");
    return "Error trying to save the DB: " + err;
  }
  return "";
}

bool RdbPersistence::Reload(std::string* err) {
  RdbLoadInfo info;
  bool missing = false;
  bool ok = LoadFile(&info, &missing, err);
  if (ok && missing) {
    *err = "No RDB file to load";
    ok = false;
  }
  if (!ok) {
    spdlog::warn("DEBUG RELOAD failed: {}", *err);
    return false;
  }
  spdlog::warn("DB reloaded by DEBUG RELOAD");
  return true;
}

const char* RdbPersistence::WriteDeniedError() const {
  const ServerConfig& c = server_->cfg();
  if (c.stop_writes_on_bgsave_error && !c.save.empty() && !last_bgsave_ok_) {
    return kMisconfRdbError;
  }
  return nullptr;
}

}  // namespace sable

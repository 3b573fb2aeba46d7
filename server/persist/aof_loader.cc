#include "server/persist/aof_loader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "server/core/server.h"
#include "server/persist/aof_format.h"
#include "server/persist/aof_manifest.h"
#include "server/persist/rdb_format.h"
#include "server/persist/rdb_reader.h"
#include "server/util/clock.h"

namespace sable {
namespace {

// Replays one file. Owns the socketless client the commands run as.
class FileLoader {
 public:
  FileLoader(Server& server, const std::string& dir, const std::string& name, bool load_truncated,
             bool old_style)
      : server_(server),
        name_(name),
        path_(dir + "/" + name),
        load_truncated_(load_truncated),
        old_style_(old_style) {}

  ~FileLoader() {
    if (client_) server_.RemoveLocalClient(client_);
    if (fd_ >= 0) close(fd_);
  }

  AofLoadStatus Load(uint64_t* commands) {
    fd_ = open(path_.c_str(), O_RDONLY);
    if (fd_ < 0) {
      int en = errno;
      struct stat st;
      if (stat(path_.c_str(), &st) == 0 || errno != ENOENT) {
        spdlog::warn("Fatal error: can't open the append log file {} for reading: {}", name_,
                     std::strerror(en));
        return AofLoadStatus::kOpenError;
      }
      spdlog::warn("The append log file {} doesn't exist: {}", name_, std::strerror(en));
      return AofLoadStatus::kNotExist;
    }
    struct stat st;
    if (fstat(fd_, &st) == 0 && st.st_size == 0) return AofLoadStatus::kEmpty;

    uint64_t start = 0;
    char sig[5];
    if (pread(fd_, sig, 5, 0) == 5 && std::memcmp(sig, "REDIS", 5) == 0) {
      if (!LoadPreamble(&start)) return AofLoadStatus::kFailed;
    }
    client_ = server_.AddLocalClient(&out_);
    client_->authenticated = true;
    AofLoadStatus status = Replay(start, commands);
    return status;
  }

 private:
  // An RDB base file (or the RDB preamble of an old-style AOF): keys as they are, expired ones
  // included, since the commands that follow were logged against them.
  bool LoadPreamble(uint64_t* end) {
    if (old_style_) {
      spdlog::info("Reading RDB preamble from AOF file...");
    } else {
      spdlog::info("Reading RDB base file on AOF loading...");
    }
    lseek(fd_, 0, SEEK_SET);
    FdSource source(fd_);
    RdbLoadOptions opts;
    opts.drop_expired = false;
    RdbLoadInfo info;
    std::string err;
    if (!LoadRdb(server_, source, opts, &info, &err)) {
      if (old_style_) {
        spdlog::warn("Error reading the RDB preamble of the AOF file {}, AOF loading aborted: {}",
                     name_, err);
      } else {
        spdlog::warn("Error reading the RDB base file {}, AOF loading aborted: {}", name_, err);
      }
      return false;
    }
    *end = info.bytes;
    if (old_style_) spdlog::info("Reading the remaining AOF tail...");
    return true;
  }

  AofLoadStatus Replay(uint64_t start, uint64_t* commands) {
    AofCommandReader reader(fd_, start);
    std::vector<std::string> argv;
    std::vector<std::string_view> views;
    uint64_t valid_up_to = start;
    uint64_t valid_before_multi = start;
    while (true) {
      AofCommandReader::Result r = reader.Next(&argv);
      if (r == AofCommandReader::Result::kEof) break;
      if (r == AofCommandReader::Result::kReadError) {
        spdlog::warn("Unrecoverable error reading the append only file {}: {}", name_,
                     reader.error());
        return AofLoadStatus::kFailed;
      }
      if (r == AofCommandReader::Result::kFormatError) return FormatError();
      if (r == AofCommandReader::Result::kTruncated) {
        // A torn transaction is dropped whole: its queued commands never ran.
        return ShortRead(client_->in_multi ? valid_before_multi : valid_up_to);
      }
      views.assign(argv.begin(), argv.end());
      const CommandSpec* cmd = server_.Lookup(views);
      if (cmd == nullptr) {
        spdlog::warn("Unknown command '{}' reading the append only file {}", argv[0], name_);
        return AofLoadStatus::kFailed;
      }
      int argc = static_cast<int>(views.size());
      if ((cmd->arity > 0 && cmd->arity != argc) || (cmd->arity < 0 && argc < -cmd->arity)) {
        return FormatError();
      }
      if (cmd->name == "multi") valid_before_multi = valid_up_to;
      if ((++*commands & 1023) == 0) RefreshCachedTime();
      if (client_->in_multi && cmd->name != "exec") {
        client_->queued.push_back(QueuedCommand{cmd, std::move(argv)});
        argv = {};
      } else {
        server_.Call(client_, cmd, views);
      }
      out_.Clear();
      valid_up_to = reader.command_end();
    }
    if (client_->in_multi) {
      spdlog::warn("Revert incomplete MULTI/EXEC transaction in AOF file {}", name_);
      return ShortRead(valid_before_multi);
    }
    return AofLoadStatus::kOk;
  }

  AofLoadStatus ShortRead(uint64_t valid_up_to) {
    if (load_truncated_) {
      spdlog::warn("!!! Warning: short read while loading the AOF file {}!!!", name_);
      spdlog::warn("!!! Truncating the AOF {} at offset {} !!!", name_, valid_up_to);
      if (truncate(path_.c_str(), static_cast<off_t>(valid_up_to)) == -1) {
        spdlog::warn("Error truncating the AOF file {}: {}", name_, std::strerror(errno));
      } else {
        spdlog::warn("AOF {} loaded anyway because aof-load-truncated is enabled", name_);
        return AofLoadStatus::kTruncated;
      }
    }
    spdlog::warn(
        "Unexpected end of file reading the append only file {}. You can: 1) Make a backup of "
        "your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively "
        "you can set the 'aof-load-truncated' configuration option to yes and restart the "
        "server.",
        name_);
    return AofLoadStatus::kFailed;
  }

  AofLoadStatus FormatError() {
    spdlog::warn(
        "Bad file format reading the append only file {}: make a backup of your AOF file, then "
        "use ./redis-check-aof --fix <filename.manifest>",
        name_);
    return AofLoadStatus::kFailed;
  }

  Server& server_;
  std::string name_;
  std::string path_;
  bool load_truncated_;
  bool old_style_;
  int fd_ = -1;
  OutputBuffer out_;
  Client* client_ = nullptr;
};

// stat() size of a listed file; a listed file that is missing is fatal.
bool FileSize(const std::string& dir, const std::string& name, int64_t* size,
              AofLoadStatus* status) {
  struct stat st;
  std::string path = dir + "/" + name;
  if (stat(path.c_str(), &st) != 0) {
    spdlog::warn("Unable to obtain the AOF file {} length. stat: {}", name, std::strerror(errno));
    *status = errno == ENOENT ? AofLoadStatus::kFailed : AofLoadStatus::kOpenError;
    return false;
  }
  *size = static_cast<int64_t>(st.st_size);
  return true;
}

}  // namespace

AofLoadResult LoadAofFiles(Server& server, const std::string& dir, const AofManifest& manifest,
                           bool load_truncated, const std::string& old_style_name) {
  AofLoadResult result;
  if (manifest.empty()) {
    result.status = AofLoadStatus::kNotExist;
    return result;
  }
  std::vector<std::pair<std::string, bool>> files;  // name, is base
  if (manifest.base()) files.emplace_back(manifest.base()->name, true);
  for (const AofFileInfo& f : manifest.incrs()) files.emplace_back(f.name, false);
  int64_t total = 0;
  for (const auto& [name, is_base] : files) {
    int64_t size;
    if (!FileSize(dir, name, &size, &result.status)) return result;
    total += size;
  }
  if (total == 0) {
    result.status = AofLoadStatus::kEmpty;
    return result;
  }

  server.set_loading(true);
  AofLoadStatus ret = AofLoadStatus::kOk;
  for (size_t i = 0; i < files.size(); ++i) {
    const auto& [name, is_base] = files[i];
    bool last = i + 1 == files.size();
    int64_t start = MonoUs();
    FileLoader loader(server, dir, name, load_truncated, name == old_style_name);
    ret = loader.Load(&result.commands);
    if (ret == AofLoadStatus::kOk || (ret == AofLoadStatus::kTruncated && last)) {
      spdlog::info("DB loaded from {} file {}: {:.3f} seconds", is_base ? "base" : "incr", name,
                   static_cast<double>(MonoUs() - start) / 1e6);
    }
    // Only the last file may be cut short; an empty incr is fine once something had data.
    if (ret == AofLoadStatus::kEmpty) ret = AofLoadStatus::kOk;
    if (ret == AofLoadStatus::kTruncated && !last) {
      spdlog::warn("Fatal error: the truncated file is not the last file");
      ret = AofLoadStatus::kFailed;
    }
    if (ret == AofLoadStatus::kOpenError || ret == AofLoadStatus::kFailed ||
        ret == AofLoadStatus::kNotExist) {
      if (ret == AofLoadStatus::kNotExist) ret = AofLoadStatus::kFailed;
      break;
    }
  }
  server.set_loading(false);
  result.status = ret;
  if (ret != AofLoadStatus::kOk && ret != AofLoadStatus::kTruncated) return result;
  // Sizes after a possible truncation.
  result.total_size = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    int64_t size = 0;
    AofLoadStatus ignored;
    FileSize(dir, files[i].first, &size, &ignored);
    result.total_size += size;
    if (files[i].second) result.base_size = size;
    if (i + 1 == files.size() && !files[i].second) result.last_incr_size = size;
  }
  return result;
}

}  // namespace sable

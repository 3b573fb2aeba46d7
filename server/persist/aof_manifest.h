// The multi-part AOF manifest of Redis 7.0: which files of appenddirname make up the log (one
// BASE snapshot, then INCR files of commands, in order) and which are HISTORY awaiting deletion.
// One line per file, "file <name> seq <n> type <b|h|i>", base first, then history, then incr.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sable {

enum class AofFileType : char { kBase = 'b', kHistory = 'h', kIncr = 'i' };

struct AofFileInfo {
  std::string name;  // a bare file name inside appenddirname
  int64_t seq = 0;
  AofFileType type = AofFileType::kIncr;
  bool operator==(const AofFileInfo&) const = default;
};

// Why a manifest was refused, in Redis's words ("Invalid AOF manifest file format", ...), with
// the offending line when there is one (1-based; 0 = none).
struct AofManifestError {
  std::string message;
  int line_no = 0;
  std::string line;
};

class AofManifest {
 public:
  // Parses manifest text with Redis's rules: '#' lines are comments, each other line holds
  // key/value pairs (unknown keys ignored, at least 6 tokens), one base at most, incr sequence
  // numbers strictly increasing.
  static std::optional<AofManifest> Parse(std::string_view text, AofManifestError* err);
  std::string Format() const;

  const std::optional<AofFileInfo>& base() const { return base_; }
  const std::vector<AofFileInfo>& incrs() const { return incrs_; }
  const std::vector<AofFileInfo>& history() const { return history_; }
  // No base and no incr: there is no AOF yet.
  bool empty() const { return !base_ && incrs_.empty(); }

  // Names the next base file "<prefix>.<seq>.base.rdb|.aof" and turns the current base, if any,
  // into history.
  const std::string& NewBase(const std::string& prefix, bool rdb);
  // Appends the next incr file "<prefix>.<seq>.incr.aof" and returns its name.
  const std::string& NewIncr(const std::string& prefix);
  // The incr file appended to: the last one, created when there is none.
  const std::string& LastIncr(const std::string& prefix);
  // After a successful rewrite the incr files it covered become history: all of them, or all but
  // the last when that one is being written to.
  void MarkIncrsAsHistory(bool keep_last);
  // Hands the history files over for deletion and forgets them.
  std::vector<AofFileInfo> TakeHistory();
  // Old-style single AOF being adopted as base (upgrade from Redis < 7).
  void SetBase(AofFileInfo info);

 private:
  std::optional<AofFileInfo> base_;
  std::vector<AofFileInfo> incrs_;
  std::vector<AofFileInfo> history_;
  int64_t base_seq_ = 0;
  int64_t incr_seq_ = 0;
};

// File names, built as Redis 7.0 builds them from appendfilename.
std::string AofManifestName(const std::string& appendfilename);      // <name>.manifest
std::string AofTempManifestName(const std::string& appendfilename);  // temp-<name>.manifest
std::string AofTempIncrName(const std::string& appendfilename);      // temp-<name>.incr

// Reads dir/<appendfilename>.manifest. Returns nullopt with *missing set when the directory or
// the manifest does not exist; nullopt with *err set when it cannot be read or parsed.
std::optional<AofManifest> ReadAofManifest(const std::string& dir,
                                           const std::string& appendfilename, bool* missing,
                                           AofManifestError* err);

// Replaces dir/<appendfilename>.manifest atomically: writes the temp manifest, fsyncs it,
// renames it over the old one and fsyncs the directory. Returns "" or the error text.
std::string WriteAofManifest(const std::string& dir, const std::string& appendfilename,
                             const AofManifest& manifest);

// fsync()s a directory so renames and new files in it survive a crash. Returns 0 or -1 (errno).
int FsyncDir(const std::string& dir);

}  // namespace sable

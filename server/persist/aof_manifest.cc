#include "server/persist/aof_manifest.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "server/util/split_args.h"
#include "server/util/strings.h"

namespace sable {
namespace {

// Redis reads the manifest with fgets() into a buffer of this size: a longer line (or a last
// line without its newline) is refused.
constexpr size_t kManifestMaxLine = 1024;

// sdsneedsrepr(): names with spaces, quotes or unprintable bytes are written quoted.
bool NeedsRepr(std::string_view s) {
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (ch == '\\' || ch == '"' || !std::isprint(c) || std::isspace(c)) return true;
  }
  return false;
}

// sdscatrepr(): a double-quoted form that SplitArgs() reads back to the same bytes.
std::string Repr(std::string_view s) {
  std::string out;
  AppendRepr(&out, s);
  return out;
}

std::string_view Trim(std::string_view s) {
  const char* kWs = " \t\r\n";
  size_t b = s.find_first_not_of(kWs);
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(kWs);
  return s.substr(b, e - b + 1);
}

void AppendLine(std::string* out, const AofFileInfo& f) {
  out->append("file ");
  out->append(NeedsRepr(f.name) ? Repr(f.name) : f.name);
  out->append(" seq ");
  out->append(std::to_string(f.seq));
  out->append(" type ");
  out->push_back(static_cast<char>(f.type));
  out->push_back('\n');
}

}  // namespace

std::optional<AofManifest> AofManifest::Parse(std::string_view text, AofManifestError* err) {
  AofManifest m;
  int64_t max_incr_seq = 0;
  int line_no = 0;
  size_t pos = 0;
  auto fail = [&](const char* msg, std::string_view line) -> std::optional<AofManifest> {
    err->message = msg;
    err->line_no = line.empty() ? 0 : line_no;
    err->line = std::string(line);
    return std::nullopt;
  };
  if (text.empty()) return fail("Found an empty AOF manifest", {});
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    bool has_newline = nl != std::string_view::npos;
    std::string_view raw = text.substr(pos, has_newline ? nl - pos + 1 : std::string_view::npos);
    pos = has_newline ? nl + 1 : text.size();
    ++line_no;
    if (raw[0] == '#') continue;
    if (!has_newline || raw.size() > kManifestMaxLine) {
      return fail("The AOF manifest file contains too long line", {});
    }
    std::string_view line = Trim(raw);
    if (line.empty()) return fail("Invalid AOF manifest file format", line);
    std::vector<std::string> argv;
    // At least 6 tokens, in pairs; more are accepted for forward compatibility.
    if (!SplitArgs(line, &argv) || argv.size() < 6 || argv.size() % 2 != 0) {
      return fail("Invalid AOF manifest file format", line);
    }
    AofFileInfo info;
    char type = 0;
    for (size_t i = 0; i < argv.size(); i += 2) {
      const std::string& key = argv[i];
      const std::string& value = argv[i + 1];
      if (EqualsNoCase(key, "file")) {
        if (value.find('/') != std::string::npos || value.find('\\') != std::string::npos) {
          return fail("File can't be a path, just a filename", line);
        }
        info.name = value;
      } else if (EqualsNoCase(key, "seq")) {
        info.seq = std::atoll(value.c_str());
      } else if (EqualsNoCase(key, "type")) {
        type = value.empty() ? 0 : value[0];
      }
    }
    if (info.name.empty() || info.seq == 0 || type == 0) {
      return fail("Invalid AOF manifest file format", line);
    }
    if (type == static_cast<char>(AofFileType::kBase)) {
      if (m.base_) return fail("Found duplicate base file information", line);
      info.type = AofFileType::kBase;
      m.base_seq_ = info.seq;
      m.base_ = std::move(info);
    } else if (type == static_cast<char>(AofFileType::kHistory)) {
      info.type = AofFileType::kHistory;
      m.history_.push_back(std::move(info));
    } else if (type == static_cast<char>(AofFileType::kIncr)) {
      if (info.seq <= max_incr_seq) return fail("Found a non-monotonic sequence number", line);
      info.type = AofFileType::kIncr;
      max_incr_seq = m.incr_seq_ = info.seq;
      m.incrs_.push_back(std::move(info));
    } else {
      return fail("Unknown AOF file type", line);
    }
  }
  return m;
}

std::string AofManifest::Format() const {
  std::string out;
  if (base_) AppendLine(&out, *base_);
  for (const AofFileInfo& f : history_) AppendLine(&out, f);
  for (const AofFileInfo& f : incrs_) AppendLine(&out, f);
  return out;
}

const std::string& AofManifest::NewBase(const std::string& prefix, bool rdb) {
  if (base_) {
    base_->type = AofFileType::kHistory;
    history_.insert(history_.begin(), std::move(*base_));
  }
  AofFileInfo info;
  info.seq = ++base_seq_;
  info.name = prefix + "." + std::to_string(info.seq) + ".base" + (rdb ? ".rdb" : ".aof");
  info.type = AofFileType::kBase;
  base_ = std::move(info);
  return base_->name;
}

const std::string& AofManifest::NewIncr(const std::string& prefix) {
  AofFileInfo info;
  info.seq = ++incr_seq_;
  info.name = prefix + "." + std::to_string(info.seq) + ".incr.aof";
  info.type = AofFileType::kIncr;
  incrs_.push_back(std::move(info));
  return incrs_.back().name;
}

const std::string& AofManifest::LastIncr(const std::string& prefix) {
  if (incrs_.empty()) return NewIncr(prefix);
  return incrs_.back().name;
}

void AofManifest::MarkIncrsAsHistory(bool keep_last) {
  size_t n = incrs_.size();
  if (keep_last && n > 0) --n;
  // Newest first at the head of history, as Redis lists them.
  for (size_t i = 0; i < n; ++i) {
    AofFileInfo f = std::move(incrs_[i]);
    f.type = AofFileType::kHistory;
    history_.insert(history_.begin(), std::move(f));
  }
  incrs_.erase(incrs_.begin(), incrs_.begin() + static_cast<std::ptrdiff_t>(n));
}

std::vector<AofFileInfo> AofManifest::TakeHistory() {
  std::vector<AofFileInfo> out;
  out.swap(history_);
  return out;
}

void AofManifest::SetBase(AofFileInfo info) {
  info.type = AofFileType::kBase;
  base_seq_ = info.seq;
  base_ = std::move(info);
}

std::string AofManifestName(const std::string& appendfilename) {
  return appendfilename + ".manifest";
}

std::string AofTempManifestName(const std::string& appendfilename) {
  return "temp-" + appendfilename + ".manifest";
}

std::string AofTempIncrName(const std::string& appendfilename) {
  return "temp-" + appendfilename + ".incr";
}

std::optional<AofManifest> ReadAofManifest(const std::string& dir,
                                           const std::string& appendfilename, bool* missing,
                                           AofManifestError* err) {
  *missing = false;
  std::string path = dir + "/" + AofManifestName(appendfilename);
  int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) {
    if (errno == ENOENT) {
      *missing = true;
    } else {
      err->message = "Fatal error: can't open the AOF manifest file " + path +
                     " for reading: " + std::strerror(errno);
    }
    return std::nullopt;
  }
  std::string text;
  char buf[4096];
  while (true) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      err->message = std::string("Read AOF manifest failed: ") + std::strerror(errno);
      close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return AofManifest::Parse(text, err);
}

int FsyncDir(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY);
  if (fd < 0) return -1;
  int rc = fsync(fd);
  int saved = errno;
  close(fd);
  errno = saved;
  return rc;
}

std::string WriteAofManifest(const std::string& dir, const std::string& appendfilename,
                             const AofManifest& manifest) {
  std::string name = AofManifestName(appendfilename);
  std::string tmp_name = AofTempManifestName(appendfilename);
  std::string path = dir + "/" + name;
  std::string tmp_path = dir + "/" + tmp_name;
  std::string content = manifest.Format();
  int fd = open(tmp_path.c_str(), O_WRONLY | O_TRUNC | O_CREAT, 0644);
  if (fd < 0) {
    return "Can't open the AOF manifest file " + tmp_name + ": " + std::strerror(errno);
  }
  const char* p = content.data();
  size_t left = content.size();
  while (left > 0) {
    ssize_t n = write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::string err = "Error trying to write the temporary AOF manifest file " + tmp_name + ": " +
                        std::strerror(errno);
      close(fd);
      return err;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) {
    std::string err = "Fail to fsync the temp AOF file " + tmp_name + ": " + std::strerror(errno);
    close(fd);
    return err;
  }
  close(fd);
  if (rename(tmp_path.c_str(), path.c_str()) != 0) {
    return "Error trying to rename the temporary AOF manifest file " + tmp_name + " into " + name +
           ": " + std::strerror(errno);
  }
  if (FsyncDir(dir) != 0) {
    return "Fail to fsync AOF directory " + path + ": " + std::strerror(errno);
  }
  return "";
}

}  // namespace sable

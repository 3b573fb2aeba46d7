#include "server/persist/aof_format.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace sable {
namespace {

constexpr size_t kReadChunk = 64 * 1024;
// Redis reads header lines with fgets() into 1024 bytes; longer ones are not AOF headers.
constexpr size_t kMaxHeaderLine = 1024;

void AppendHeader(std::string* out, char kind, uint64_t n) {
  char buf[24];
  buf[0] = kind;
  auto r = std::to_chars(buf + 1, buf + sizeof(buf) - 2, n);
  *r.ptr++ = '\r';
  *r.ptr++ = '\n';
  out->append(buf, static_cast<size_t>(r.ptr - buf));
}

void AppendBulk(std::string* out, std::string_view s) {
  AppendHeader(out, '$', s.size());
  out->append(s);
  out->append("\r\n", 2);
}

// atoi()-like: an optional sign and leading digits, the rest ignored; `ok` says digits were seen.
int64_t LeadingInt(std::string_view s, bool* ok) {
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  int64_t v = 0;
  size_t start = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9' && v < (int64_t{1} << 53)) {
    v = v * 10 + (s[i++] - '0');
  }
  *ok = i > start;
  return neg ? -v : v;
}

}  // namespace

void AppendRespCommand(std::string* out, const std::vector<std::string_view>& argv) {
  AppendHeader(out, '*', argv.size());
  for (std::string_view a : argv) AppendBulk(out, a);
}

void AppendSelect(std::string* out, int db) {
  out->append("*2\r\n$6\r\nSELECT\r\n");
  AppendBulk(out, std::to_string(db));
}

void AppendTimestampAnnotation(std::string* out, int64_t unix_seconds) {
  out->append("#TS:");
  out->append(std::to_string(unix_seconds));
  out->append("\r\n");
}

AofCommandReader::AofCommandReader(int fd, uint64_t start_offset)
    : fd_(fd), offset_(start_offset), command_end_(start_offset) {
  struct stat st;
  if (fstat(fd, &st) == 0) file_size_ = static_cast<uint64_t>(st.st_size);
  lseek(fd, static_cast<off_t>(start_offset), SEEK_SET);
}

bool AofCommandReader::Fill() {
  if (pos_ > 0) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  size_t old = buf_.size();
  buf_.resize(old + kReadChunk);
  while (true) {
    ssize_t n = read(fd_, buf_.data() + old, kReadChunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error_ = std::strerror(errno);
      buf_.resize(old);
      return false;
    }
    buf_.resize(old + static_cast<size_t>(n));
    return n > 0;
  }
}

bool AofCommandReader::ReadLine(std::string* line) {
  while (true) {
    size_t nl = buf_.find('\n', pos_);
    if (nl != std::string::npos) {
      size_t len = nl - pos_;
      size_t end = len > 0 && buf_[nl - 1] == '\r' ? nl - 1 : nl;
      line->assign(buf_, pos_, end - pos_);
      offset_ += nl + 1 - pos_;
      pos_ = nl + 1;
      return true;
    }
    if (buf_.size() - pos_ > kMaxHeaderLine) {
      // No line end in sight: hand back what an fgets() would have, the caller rejects it.
      line->assign(buf_, pos_, kMaxHeaderLine);
      offset_ += kMaxHeaderLine;
      pos_ += kMaxHeaderLine;
      return true;
    }
    if (!Fill()) return false;
  }
}

bool AofCommandReader::ReadExact(size_t n, std::string* out) {
  while (buf_.size() - pos_ < n) {
    if (!Fill()) return false;
  }
  out->assign(buf_, pos_, n);
  pos_ += n;
  offset_ += n;
  return true;
}

AofCommandReader::Result AofCommandReader::Next(std::vector<std::string>* argv) {
  argv->clear();
  std::string line;
  auto short_read = [this] { return error_.empty() ? Result::kTruncated : Result::kReadError; };
  while (true) {
    if (pos_ == buf_.size() && !Fill()) return error_.empty() ? Result::kEof : Result::kReadError;
    if (!ReadLine(&line)) {
      // A last line without its newline: an annotation may end the file, a header may not.
      if (!error_.empty()) return Result::kReadError;
      if (buf_[pos_] == '#') return Result::kEof;
      return Result::kTruncated;
    }
    if (!line.empty() && line[0] == '#') continue;  // annotation
    break;
  }
  if (line.empty() || line[0] != '*') return Result::kFormatError;
  bool ok;
  int64_t argc = LeadingInt(std::string_view(line).substr(1), &ok);
  if (argc < 1) return Result::kFormatError;
  argv->reserve(static_cast<size_t>(std::min<int64_t>(argc, 1024)));
  for (int64_t i = 0; i < argc; ++i) {
    if (!ReadLine(&line)) return short_read();
    if (line.empty() || line[0] != '$') return Result::kFormatError;
    int64_t len = LeadingInt(std::string_view(line).substr(1), &ok);
    if (!ok || len < 0) return Result::kFormatError;
    // Never allocate for a length the file cannot hold: that is a torn record.
    if (static_cast<uint64_t>(len) + 2 > file_size_ - std::min(file_size_, offset_)) {
      return Result::kTruncated;
    }
    std::string arg;
    if (!ReadExact(static_cast<size_t>(len), &arg)) return short_read();
    std::string crlf;
    if (!ReadExact(2, &crlf)) return short_read();
    if (crlf != "\r\n") return Result::kFormatError;
    argv->push_back(std::move(arg));
  }
  command_end_ = offset_;
  return Result::kCommand;
}

}  // namespace sable

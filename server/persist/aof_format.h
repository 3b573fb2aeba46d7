// The command form of the append-only file: commands as RESP multibulks, "#TS:<unix>" annotation
// lines (aof-timestamp-enabled), and a reader that walks a file command by command the way
// Redis's loader does, telling a clean end from a torn last record and from garbage.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sable {

// Appends argv as "*<argc>\r\n" then "$<len>\r\n<arg>\r\n" for each argument.
void AppendRespCommand(std::string* out, const std::vector<std::string_view>& argv);
// Appends "*2\r\n$6\r\nSELECT\r\n$<n>\r\n<db>\r\n".
void AppendSelect(std::string* out, int db);
// Appends the annotation "#TS:<unix_seconds>\r\n".
void AppendTimestampAnnotation(std::string* out, int64_t unix_seconds);

// Reads commands from a file descriptor it does not own, starting at a given offset (after an
// RDB preamble, for example).
class AofCommandReader {
 public:
  enum class Result {
    kCommand,      // *argv holds the next command
    kEof,          // the file ends cleanly after the last command
    kTruncated,    // the file ends inside a command (a torn last write)
    kFormatError,  // bytes that are not a command
    kReadError,    // read(2) failed; see error()
  };

  AofCommandReader(int fd, uint64_t start_offset);
  Result Next(std::vector<std::string>* argv);
  // Offset just past the last command Next() returned: where a torn file is cut.
  uint64_t command_end() const { return command_end_; }
  const std::string& error() const { return error_; }

 private:
  // Fills the buffer; false at end of file or on error (error_ set).
  bool Fill();
  // A header line ("*3", "$5", "#TS:...") without its line end; false when the file ends first.
  bool ReadLine(std::string* line);
  bool ReadExact(size_t n, std::string* out);

  int fd_;
  std::string buf_;
  size_t pos_ = 0;
  uint64_t offset_;  // file offset of buf_[pos_]
  uint64_t file_size_ = 0;
  uint64_t command_end_;
  std::string error_;
};

}  // namespace sable

// Parses client requests (RESP multibulk and inline commands) from a query buffer. Stateless
// between calls: each call looks at the bytes from the start of the next request, so input may be
// split anywhere. Arguments are views into the buffer (inline ones into the parser's own storage)
// and stay valid until the buffer changes or the next Parse call.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sable {

class RequestParser {
 public:
  enum class Result {
    kCommand,     // args filled; consumed bytes belong to it
    kSkip,        // consumed bytes held no command (empty line, "*0")
    kIncomplete,  // need more bytes; needed() hints how many in total
    kError,       // protocol error; error() holds the text after "ERR Protocol error: "
  };

  // Largest bulk argument accepted (proto-max-bulk-len).
  void set_max_bulk_len(int64_t n) { max_bulk_len_ = n; }
  // Unauthenticated clients get tight limits so they cannot make us allocate much.
  void set_authenticated(bool on) { authenticated_ = on; }

  Result Parse(std::string_view buf, size_t* consumed, std::vector<std::string_view>* args);

  const std::string& error() const { return error_; }
  // When kIncomplete: total bytes from the start of buf this request needs, when known (0 if
  // not), so the caller can grow its buffer once for a big bulk.
  size_t needed() const { return needed_; }

  static constexpr size_t kInlineMaxSize = 64 * 1024;

 private:
  Result ParseInline(std::string_view buf, size_t* consumed, std::vector<std::string_view>* args);
  Result ParseMultibulk(std::string_view buf, size_t* consumed,
                        std::vector<std::string_view>* args);
  Result Fail(std::string msg) {
    error_ = std::move(msg);
    return Result::kError;
  }

  int64_t max_bulk_len_ = 512 * 1024 * 1024;
  bool authenticated_ = true;
  std::string error_;
  size_t needed_ = 0;
  std::vector<std::string> inline_args_;
};

}  // namespace sable

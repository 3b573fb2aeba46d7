#include "server/resp/request_parser.h"

#include <climits>
#include <cstring>

#include "server/util/numbers.h"
#include "server/util/split_args.h"

namespace sable {

RequestParser::Result RequestParser::Parse(std::string_view buf, size_t* consumed,
                                           std::vector<std::string_view>* args) {
  needed_ = 0;
  args->clear();
  if (buf.empty()) return Result::kIncomplete;
  if (buf[0] == '*') return ParseMultibulk(buf, consumed, args);
  return ParseInline(buf, consumed, args);
}

RequestParser::Result RequestParser::ParseInline(std::string_view buf, size_t* consumed,
                                                 std::vector<std::string_view>* args) {
  size_t nl = buf.find('\n');
  if (nl == std::string_view::npos) {
    if (buf.size() > kInlineMaxSize) return Fail("too big inline request");
    return Result::kIncomplete;
  }
  std::string_view line = buf.substr(0, nl);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  *consumed = nl + 1;
  inline_args_.clear();
  if (!SplitArgs(line, &inline_args_)) return Fail("unbalanced quotes in request");
  if (inline_args_.empty()) return Result::kSkip;
  for (const std::string& a : inline_args_) args->emplace_back(a);
  return Result::kCommand;
}

RequestParser::Result RequestParser::ParseMultibulk(std::string_view buf, size_t* consumed,
                                                    std::vector<std::string_view>* args) {
  const char* base = buf.data();
  size_t len = buf.size();
  const void* cr = std::memchr(base, '\r', len);
  if (cr == nullptr) {
    if (len > kInlineMaxSize) return Fail("too big mbulk count string");
    return Result::kIncomplete;
  }
  size_t line_end = static_cast<const char*>(cr) - base;
  if (line_end + 1 >= len) return Result::kIncomplete;  // need the '\n' too
  int64_t count;
  if (!ParseInt64(std::string_view(base + 1, line_end - 1), &count) || count > INT_MAX) {
    return Fail("invalid multibulk length");
  }
  if (count > 10 && !authenticated_) return Fail("unauthenticated multibulk length");
  size_t pos = line_end + 2;
  if (count <= 0) {
    *consumed = pos;
    return Result::kSkip;
  }
  args->reserve(count < 1024 ? count : 1024);
  for (int64_t i = 0; i < count; ++i) {
    if (pos >= len) return Result::kIncomplete;
    cr = std::memchr(base + pos, '\r', len - pos);
    if (cr == nullptr) {
      if (len - pos > kInlineMaxSize) return Fail("too big bulk count string");
      return Result::kIncomplete;
    }
    if (base[pos] != '$') {
      return Fail(std::string("expected '$', got '") + base[pos] + "'");
    }
    line_end = static_cast<const char*>(cr) - base;
    int64_t blen;
    if (!ParseInt64(std::string_view(base + pos + 1, line_end - pos - 1), &blen) || blen < 0 ||
        blen > max_bulk_len_) {
      return Fail("invalid bulk length");
    }
    if (blen > 16384 && !authenticated_) return Fail("unauthenticated bulk length");
    if (line_end + 1 >= len) return Result::kIncomplete;
    size_t data = line_end + 2;
    size_t end = data + static_cast<size_t>(blen) + 2;
    if (end > len) {
      needed_ = end;
      return Result::kIncomplete;
    }
    args->emplace_back(base + data, static_cast<size_t>(blen));
    pos = end;
  }
  *consumed = pos;
  return Result::kCommand;
}

}  // namespace sable

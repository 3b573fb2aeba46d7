#include "server/resp/reply_parser.h"

#include <cstdlib>
#include <cstring>

#include "server/util/numbers.h"

namespace sable {
namespace {

// Reads one "\r\n"-terminated line at pos; returns its end (index of '\r') or npos.
size_t LineEnd(std::string_view buf, size_t pos) {
  size_t cr = buf.find("\r\n", pos);
  return cr;
}

long ParseAt(std::string_view buf, size_t pos, RespValue* out, int depth) {
  if (depth > 64) return -1;
  if (pos >= buf.size()) return 0;
  size_t end = LineEnd(buf, pos);
  if (end == std::string_view::npos) return 0;
  char t = buf[pos];
  std::string_view line = buf.substr(pos + 1, end - pos - 1);
  size_t next = end + 2;
  using T = RespValue::Type;
  auto parse_len = [&](int64_t* n) { return ParseInt64(line, n); };
  switch (t) {
    case '+':
      out->type = T::kSimple;
      out->str.assign(line);
      return static_cast<long>(next);
    case '-':
      out->type = T::kError;
      out->str.assign(line);
      return static_cast<long>(next);
    case ':':
      out->type = T::kInteger;
      if (!ParseInt64(line, &out->integer)) return -1;
      return static_cast<long>(next);
    case '_':
      out->type = T::kNull;
      return static_cast<long>(next);
    case '#':
      out->type = T::kBool;
      out->integer = line == "t";
      return static_cast<long>(next);
    case ',':
      out->type = T::kDouble;
      out->str.assign(line);
      out->dbl = std::strtod(out->str.c_str(), nullptr);
      return static_cast<long>(next);
    case '(':
      out->type = T::kBigNumber;
      out->str.assign(line);
      return static_cast<long>(next);
    case '$':
    case '=': {
      int64_t n;
      if (!parse_len(&n)) return -1;
      if (n < 0) {
        out->type = T::kNull;
        return static_cast<long>(next);
      }
      if (buf.size() < next + static_cast<size_t>(n) + 2) return 0;
      std::string_view body = buf.substr(next, static_cast<size_t>(n));
      if (t == '=') {
        out->type = T::kVerbatim;
        out->str.assign(body.size() >= 4 ? body.substr(4) : body);
      } else {
        out->type = T::kBulk;
        out->str.assign(body);
      }
      return static_cast<long>(next + static_cast<size_t>(n) + 2);
    }
    case '*':
    case '~':
    case '>':
    case '%': {
      int64_t n;
      if (!parse_len(&n)) return -1;
      if (n < 0) {
        out->type = T::kNullArray;
        return static_cast<long>(next);
      }
      out->type = t == '*' ? T::kArray : t == '~' ? T::kSet : t == '>' ? T::kPush : T::kMap;
      size_t count = static_cast<size_t>(t == '%' ? n * 2 : n);
      out->elems.clear();
      out->elems.resize(count);
      for (size_t i = 0; i < count; ++i) {
        long used = ParseAt(buf, next, &out->elems[i], depth + 1);
        if (used <= 0) return used;
        next = static_cast<size_t>(used);
      }
      return static_cast<long>(next);
    }
    default:
      return -1;
  }
}

}  // namespace

long ParseReply(std::string_view buf, RespValue* out) { return ParseAt(buf, 0, out, 0); }

std::string RespValue::DebugString() const {
  using T = Type;
  switch (type) {
    case T::kSimple:
      return "+" + str;
    case T::kError:
      return "-" + str;
    case T::kInteger:
      return ":" + std::to_string(integer);
    case T::kBulk:
      return "\"" + str + "\"";
    case T::kVerbatim:
      return "=\"" + str + "\"";
    case T::kNull:
      return "(nil)";
    case T::kNullArray:
      return "(nil array)";
    case T::kBool:
      return integer ? "#t" : "#f";
    case T::kDouble:
      return "," + str;
    case T::kBigNumber:
      return "(" + str;
    default: {
      std::string s = type == T::kMap ? "%{" : type == T::kSet ? "~[" : type == T::kPush ? ">[" : "[";
      for (size_t i = 0; i < elems.size(); ++i) {
        if (i) s += ", ";
        s += elems[i].DebugString();
      }
      return s + (type == T::kMap ? "}" : "]");
    }
  }
}

}  // namespace sable

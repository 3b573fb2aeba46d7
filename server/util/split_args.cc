#include "server/util/split_args.h"

#include <cstddef>
#include <cstdio>

namespace sable {
namespace {

// isspace() in the C locale. Redis uses it to skip between arguments and after closing quotes,
// yet only space, \n, \r and \t end an unquoted argument; both sets are kept distinct on purpose.
inline bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

inline bool EndsBareWord(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\0';
}

inline int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Redis reads NUL-terminated text; answering '\0' past the end lets the loops mirror it.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}
  char Peek(size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  void Advance(size_t n = 1) { pos_ += n; }
  bool AtEnd() const { return pos_ >= text_.size(); }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

inline char Unescape(char c) {
  switch (c) {
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'b':
      return '\b';
    case 'a':
      return '\a';
    default:
      return c;
  }
}

// Consumes a double-quoted section whose opening quote is already consumed, through its closing
// quote. Returns false if the quotes are unbalanced or the closing quote is glued to more text.
bool ReadDoubleQuoted(Cursor* in, std::string* arg) {
  while (true) {
    const char c = in->Peek();
    if (c == '\\' && in->Peek(1) == 'x' && HexValue(in->Peek(2)) >= 0 &&
        HexValue(in->Peek(3)) >= 0) {
      arg->push_back(static_cast<char>(HexValue(in->Peek(2)) * 16 + HexValue(in->Peek(3))));
      in->Advance(4);
    } else if (c == '\\' && in->Peek(1) != '\0') {
      arg->push_back(Unescape(in->Peek(1)));
      in->Advance(2);
    } else if (c == '"') {
      if (in->Peek(1) != '\0' && !IsSpace(in->Peek(1))) return false;
      in->Advance();
      return true;
    } else if (c == '\0') {
      return false;
    } else {
      arg->push_back(c);
      in->Advance();
    }
  }
}

// Like ReadDoubleQuoted for single quotes, where only \' is an escape.
bool ReadSingleQuoted(Cursor* in, std::string* arg) {
  while (true) {
    const char c = in->Peek();
    if (c == '\\' && in->Peek(1) == '\'') {
      arg->push_back('\'');
      in->Advance(2);
    } else if (c == '\'') {
      if (in->Peek(1) != '\0' && !IsSpace(in->Peek(1))) return false;
      in->Advance();
      return true;
    } else if (c == '\0') {
      return false;
    } else {
      arg->push_back(c);
      in->Advance();
    }
  }
}

// Reads one argument starting at a non-space byte. Quotes may open mid-word ("foo"bar" style
// prefixes are allowed) but a closed quote always ends the argument.
bool ReadArg(Cursor* in, std::string* arg) {
  while (true) {
    const char c = in->Peek();
    if (EndsBareWord(c)) {
      if (c != '\0') in->Advance();
      return true;
    }
    in->Advance();
    if (c == '"') return ReadDoubleQuoted(in, arg);
    if (c == '\'') return ReadSingleQuoted(in, arg);
    arg->push_back(c);
  }
}

}  // namespace

bool SplitArgs(std::string_view line, std::vector<std::string>* out) {
  out->clear();
  const size_t nul = line.find('\0');
  if (nul != std::string_view::npos) line = line.substr(0, nul);
  Cursor in(line);
  while (true) {
    while (!in.AtEnd() && IsSpace(in.Peek())) in.Advance();
    if (in.AtEnd()) return true;
    std::string& arg = out->emplace_back();
    if (!ReadArg(&in, &arg)) {
      out->clear();
      return false;
    }
  }
}

std::string QuoteArg(std::string_view s) {
  bool plain = !s.empty();
  for (unsigned char ch : s) {
    if (ch <= ' ' || ch == '"' || ch == '\'' || ch == '\\' || ch >= 127) plain = false;
  }
  if (plain) return std::string(s);
  std::string out;
  AppendRepr(&out, s);
  return out;
}

void AppendRepr(std::string* out, std::string_view s) {
  out->push_back('"');
  for (unsigned char ch : s) {
    switch (ch) {
      case '\\': *out += "\\\\"; break;
      case '"': *out += "\\\""; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      case '\a': *out += "\\a"; break;
      case '\b': *out += "\\b"; break;
      default:
        if (ch < ' ' || ch >= 127) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02x", ch);
          *out += buf;
        } else {
          out->push_back(static_cast<char>(ch));
        }
    }
  }
  out->push_back('"');
}

}  // namespace sable

// Small string helpers shared by command parsing and configuration.
#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace sable {

inline char AsciiLower(char ch) {
  return static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
}

// ASCII case-insensitive equality, as Redis's strcasecmp() == 0 on option names.
inline bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

inline std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = AsciiLower(ch);
  return out;
}

}  // namespace sable

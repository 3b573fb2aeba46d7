// Small string helpers shared by command parsing and configuration.
#pragma once

#include <vector>

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

// The whitespace-separated words of `line` (views into it).
inline std::vector<std::string_view> SplitWords(std::string_view line) {
  std::vector<std::string_view> words;
  for (size_t i = 0; i < line.size();) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    size_t j = i;
    while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j]))) ++j;
    if (j > i) words.push_back(line.substr(i, j - i));
    i = j;
  }
  return words;
}

}  // namespace sable

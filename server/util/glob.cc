#include "server/util/glob.h"

#include <cstddef>
#include <utility>

namespace sable {
namespace {

// Redis recurses once per '*' and gives up past this depth, so a pattern with more stars than
// this never matches a string long enough to reach them. Clients can observe that, so we keep it.
constexpr int kMaxStarNesting = 1000;

constexpr size_t kNoStar = static_cast<size_t>(-1);

// Redis runs in the C locale, where tolower() folds only ASCII letters.
inline int FoldCase(int c) { return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c; }

// Redis compares plain `char`, which is signed on the x86-64 builds we mirror; the sign only
// matters for bracket ranges that straddle 0x7f/0x80.
inline int SignedByte(char c) { return static_cast<signed char>(c); }

inline bool SameByte(char a, char b, bool nocase) {
  if (!nocase) return a == b;
  return FoldCase(static_cast<unsigned char>(a)) == FoldCase(static_cast<unsigned char>(b));
}

// Redis walks patterns as NUL-terminated strings and peeks one byte past the end in a few places;
// returning '\0' there reproduces what it sees.
inline char At(std::string_view pattern, size_t i) {
  return i < pattern.size() ? pattern[i] : '\0';
}

// Matches the bracket expression whose '[' is at *p against `ch`. On return *p indexes the last
// pattern byte belonging to the expression (normally its ']'), so the caller steps past it.
bool MatchBracket(std::string_view pattern, size_t* p, char ch, bool nocase) {
  const size_t n = pattern.size();
  size_t i = *p + 1;
  const bool negate = At(pattern, i) == '^';
  if (negate) ++i;
  bool match = false;
  while (true) {
    const size_t left = n - i;  // Bytes of pattern remaining at i; 0 means we are at the end.
    const char pc = At(pattern, i);
    if (pc == '\\' && left >= 2) {
      ++i;
      if (pattern[i] == ch) match = true;
    } else if (pc == ']') {
      break;
    } else if (left == 0) {
      // Unterminated set: Redis backs up so that the last byte is consumed as the set's end.
      --i;
      break;
    } else if (left >= 3 && pattern[i + 1] == '-') {
      int start = SignedByte(pattern[i]);
      int end = SignedByte(pattern[i + 2]);
      int c = SignedByte(ch);
      if (start > end) std::swap(start, end);
      if (nocase) {
        start = FoldCase(start);
        end = FoldCase(end);
        c = FoldCase(c);
      }
      i += 2;
      if (c >= start && c <= end) match = true;
    } else if (SameByte(pc, ch, nocase)) {
      match = true;
    }
    ++i;
  }
  *p = i;
  return match != negate;
}

}  // namespace

// An iterative form of Redis's recursive matcher. Redis stops trying longer expansions of earlier
// stars once a later star has failed at every position, which means only the most recent star is
// ever retried; remembering just that star gives the same answers in polynomial time.
bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase) {
  const size_t plen = pattern.size();
  const size_t slen = str.size();
  size_t p = 0;
  size_t s = 0;
  size_t star_p = kNoStar;  // Pattern index just after the most recent star run.
  size_t star_s = 0;        // String index that star run currently stops at.
  int nesting = 0;
  while (true) {
    bool mismatch = false;
    while (p < plen && s < slen) {
      const char pc = pattern[p];
      if (pc == '*') {
        while (p + 1 < plen && pattern[p + 1] == '*') ++p;
        if (p + 1 == plen) return true;
        if (++nesting > kMaxStarNesting) return false;
        star_p = p + 1;
        star_s = s;
        p = star_p;
        continue;
      }
      bool ok;
      if (pc == '?') {
        ok = true;
      } else if (pc == '[') {
        ok = MatchBracket(pattern, &p, str[s], nocase);
      } else {
        if (pc == '\\' && p + 1 < plen) ++p;
        ok = SameByte(pattern[p], str[s], nocase);
      }
      if (!ok) {
        mismatch = true;
        break;
      }
      ++p;
      ++s;
      if (s == slen) {
        // Redis only lets trailing stars match nothing once some input was consumed, so "*"
        // does not match the empty string.
        while (p < plen && pattern[p] == '*') ++p;
        break;
      }
    }
    if (!mismatch && p == plen && s == slen) return true;
    // Let the latest star swallow one more byte; it never tries to swallow the whole rest,
    // because every non-star token needs a byte.
    if (star_p == kNoStar || ++star_s >= slen) return false;
    p = star_p;
    s = star_s;
  }
}

}  // namespace sable

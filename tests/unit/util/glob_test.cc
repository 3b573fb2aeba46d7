#include "server/util/glob.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace sable {
namespace {

using namespace std::string_literals;

TEST(GlobMatchTest, Literals) {
  EXPECT_TRUE(GlobMatch("", ""));
  EXPECT_FALSE(GlobMatch("", "a"));
  EXPECT_FALSE(GlobMatch("a", ""));
  EXPECT_TRUE(GlobMatch("hello", "hello"));
  EXPECT_FALSE(GlobMatch("hello", "hellO"));
  EXPECT_FALSE(GlobMatch("hello", "hell"));
  EXPECT_FALSE(GlobMatch("hell", "hello"));
}

TEST(GlobMatchTest, Star) {
  EXPECT_TRUE(GlobMatch("*", "anything"));
  EXPECT_TRUE(GlobMatch("h*o", "hello"));
  EXPECT_TRUE(GlobMatch("h*o", "ho"));
  EXPECT_TRUE(GlobMatch("h*llo", "hello"));
  EXPECT_TRUE(GlobMatch("*llo", "hello"));
  EXPECT_TRUE(GlobMatch("he*", "he"));
  EXPECT_TRUE(GlobMatch("a*b*c", "aXXbYYc"));
  EXPECT_TRUE(GlobMatch("a*b*c", "abbbc"));
  EXPECT_FALSE(GlobMatch("a*b*c", "aXXbYYcd"));
  EXPECT_TRUE(GlobMatch("a**b", "ab"));
  EXPECT_TRUE(GlobMatch("*a*", "a"));
  EXPECT_TRUE(GlobMatch("user:*:name", "user:1000:name"));
  EXPECT_FALSE(GlobMatch("user:*:name", "user:1000:age"));
}

TEST(GlobMatchTest, StarNeverMatchesTheEmptyString) {
  // Redis only lets a star match nothing after at least one byte was consumed.
  EXPECT_FALSE(GlobMatch("*", ""));
  EXPECT_FALSE(GlobMatch("**", ""));
  EXPECT_TRUE(GlobMatch("a*", "a"));
  EXPECT_TRUE(GlobMatch("a**", "a"));
}

TEST(GlobMatchTest, QuestionMark) {
  EXPECT_TRUE(GlobMatch("h?llo", "hello"));
  EXPECT_TRUE(GlobMatch("h?llo", "hallo"));
  EXPECT_FALSE(GlobMatch("h?llo", "hllo"));
  EXPECT_TRUE(GlobMatch("???", "abc"));
  EXPECT_FALSE(GlobMatch("???", "ab"));
  EXPECT_FALSE(GlobMatch("?", ""));
}

TEST(GlobMatchTest, Brackets) {
  EXPECT_TRUE(GlobMatch("h[ae]llo", "hello"));
  EXPECT_TRUE(GlobMatch("h[ae]llo", "hallo"));
  EXPECT_FALSE(GlobMatch("h[ae]llo", "hillo"));
  EXPECT_TRUE(GlobMatch("h[^e]llo", "hallo"));
  EXPECT_FALSE(GlobMatch("h[^e]llo", "hello"));
  EXPECT_TRUE(GlobMatch("h[a-b]llo", "hbllo"));
  EXPECT_FALSE(GlobMatch("h[a-b]llo", "hcllo"));
  EXPECT_TRUE(GlobMatch("[0-9][0-9]", "42"));
  EXPECT_FALSE(GlobMatch("[^0-9]", "4"));
  // "[]" is an empty set that never matches.
  EXPECT_FALSE(GlobMatch("[]", "]"));
  EXPECT_FALSE(GlobMatch("[]", "a"));
  EXPECT_TRUE(GlobMatch("[^]", "a"));
  EXPECT_TRUE(GlobMatch("[*?]", "*"));
  EXPECT_TRUE(GlobMatch("[*?]", "?"));
  EXPECT_FALSE(GlobMatch("[*?]", "a"));
}

TEST(GlobMatchTest, ReversedRanges) {
  EXPECT_TRUE(GlobMatch("[z-a]", "m"));
  EXPECT_TRUE(GlobMatch("[z-a]", "a"));
  EXPECT_TRUE(GlobMatch("[z-a]", "z"));
  EXPECT_FALSE(GlobMatch("[z-a]", "A"));
  EXPECT_FALSE(GlobMatch("[^z-a]", "m"));
}

TEST(GlobMatchTest, RangesCompareSignedBytes) {
  // Redis compares plain (signed) chars, so high bytes sort below ASCII inside ranges.
  // Here \xff is -1, so the reversed range spans -1..'a' (checked against redis-server 7.0.15).
  EXPECT_TRUE(GlobMatch("[a-\xff]", "\xff"));
  EXPECT_TRUE(GlobMatch("[a-\xff]", "0"));
  EXPECT_TRUE(GlobMatch("[a-\xff]", "a"));
  EXPECT_FALSE(GlobMatch("[a-\xff]", "\x80"));
  EXPECT_FALSE(GlobMatch("[a-\xff]", "b"));
  EXPECT_TRUE(GlobMatch("[\x80-\xff]", "\xc3"));
  EXPECT_FALSE(GlobMatch("[\x80-\xff]", "a"));
}

TEST(GlobMatchTest, Escapes) {
  EXPECT_TRUE(GlobMatch("\\*", "*"));
  EXPECT_FALSE(GlobMatch("\\*", "a"));
  EXPECT_TRUE(GlobMatch("a\\?b", "a?b"));
  EXPECT_FALSE(GlobMatch("a\\?b", "axb"));
  EXPECT_TRUE(GlobMatch("\\[a]", "[a]"));
  EXPECT_TRUE(GlobMatch("\\a", "a"));
  EXPECT_TRUE(GlobMatch("\\\\", "\\"));
  // A trailing lone backslash is a literal backslash.
  EXPECT_TRUE(GlobMatch("a\\", "a\\"));
  EXPECT_TRUE(GlobMatch("[\\]]", "]"));
  EXPECT_TRUE(GlobMatch("[\\-]", "-"));
  EXPECT_TRUE(GlobMatch("[a\\-z]", "-"));
  EXPECT_FALSE(GlobMatch("[a\\-z]", "m"));
  EXPECT_TRUE(GlobMatch("[\\^a]", "^"));
  EXPECT_TRUE(GlobMatch("[\\", "\\"));
}

TEST(GlobMatchTest, UnterminatedBracket) {
  // The rest of the pattern becomes the set, and the pattern ends there.
  EXPECT_TRUE(GlobMatch("[a", "a"));
  EXPECT_FALSE(GlobMatch("[a", "b"));
  EXPECT_FALSE(GlobMatch("[a", "aa"));
  EXPECT_TRUE(GlobMatch("[ab", "b"));
  EXPECT_FALSE(GlobMatch("[", "["));
  EXPECT_FALSE(GlobMatch("[", ""));
  EXPECT_TRUE(GlobMatch("[^", "x"));
  EXPECT_TRUE(GlobMatch("x[^", "xy"));
  // "[a-]" reads as the reversed range ']'..'a' with no closing bracket.
  EXPECT_TRUE(GlobMatch("[a-]", "_"));
  EXPECT_TRUE(GlobMatch("[a-]", "]"));
  EXPECT_TRUE(GlobMatch("[a-]", "a"));
  EXPECT_FALSE(GlobMatch("[a-]", "b"));
  EXPECT_FALSE(GlobMatch("[a-]", "-"));
  EXPECT_TRUE(GlobMatch("*[a", "xxa"));
}

TEST(GlobMatchTest, NoCase) {
  EXPECT_TRUE(GlobMatch("HeLLo", "hello", true));
  EXPECT_FALSE(GlobMatch("HeLLo", "hello", false));
  EXPECT_TRUE(GlobMatch("h*O", "HELLO", true));
  EXPECT_TRUE(GlobMatch("[A-C]x", "bX", true));
  EXPECT_TRUE(GlobMatch("[a-c]x", "BX", true));
  EXPECT_TRUE(GlobMatch("[ABC]", "b", true));
  EXPECT_TRUE(GlobMatch("\\A", "a", true));
  // Escaped bytes inside brackets compare exactly even without case, as in Redis.
  EXPECT_FALSE(GlobMatch("[\\A]", "a", true));
  EXPECT_TRUE(GlobMatch("[\\A]", "A", true));
  EXPECT_TRUE(GlobMatch("maxmemory*", "MAXMEMORY-POLICY", true));
}

TEST(GlobMatchTest, BinarySafe) {
  EXPECT_TRUE(GlobMatch("a\0b"s, "a\0b"s));
  EXPECT_FALSE(GlobMatch("a\0b"s, "a\0c"s));
  EXPECT_FALSE(GlobMatch("a"s, "a\0"s));
  EXPECT_TRUE(GlobMatch("a*"s, "a\0\0"s));
  EXPECT_TRUE(GlobMatch("?\0"s, "x\0"s));
  EXPECT_TRUE(GlobMatch("[\0]"s, "\0"s));
  EXPECT_TRUE(GlobMatch("*\0*"s, "ab\0cd"s));
  EXPECT_FALSE(GlobMatch("*\0*"s, "abcd"s));
}

TEST(GlobMatchTest, StarNestingLimitMatchesRedis) {
  // Verified against redis-server 7.0.15: 1000 "*a" groups match, 1001 never do.
  const std::string str(2000, 'a');
  std::string pattern;
  for (int i = 0; i < 1000; ++i) pattern += "*a";
  EXPECT_TRUE(GlobMatch(pattern, str));
  EXPECT_FALSE(GlobMatch(pattern + "*a", str));
  // A trailing star matches at once and so never counts against the limit.
  std::string trailing;
  for (int i = 0; i < 1001; ++i) trailing += "a*";
  EXPECT_TRUE(GlobMatch(trailing, str));
}

TEST(GlobMatchTest, PathologicalPatternsAreFast) {
  std::string pattern;
  for (int i = 0; i < 30; ++i) pattern += "a*";
  pattern += "b";
  const std::string str(100000, 'a');
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(GlobMatch(pattern, str));
  EXPECT_FALSE(GlobMatch("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", str));
  EXPECT_TRUE(GlobMatch(pattern.substr(0, pattern.size() - 1), str));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(1));
}

}  // namespace
}  // namespace sable

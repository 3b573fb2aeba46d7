#include "server/resp/request_parser.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace sable {
namespace {

// Feeds `input` to the parser the way a connection does: growing a buffer by random-size
// reads and parsing whatever is complete. Returns the commands seen.
std::vector<std::vector<std::string>> ParseInPieces(const std::string& input, std::mt19937& rng,
                                                    std::string* error) {
  RequestParser parser;
  std::vector<std::vector<std::string>> out;
  std::string buf;
  size_t fed = 0;
  std::vector<std::string_view> args;
  while (fed < input.size()) {
    size_t n = 1 + rng() % 7;
    buf.append(input.substr(fed, n));
    fed += n;
    for (;;) {
      size_t consumed = 0;
      auto r = parser.Parse(buf, &consumed, &args);
      if (r == RequestParser::Result::kIncomplete) break;
      if (r == RequestParser::Result::kError) {
        *error = parser.error();
        return out;
      }
      if (r == RequestParser::Result::kCommand) out.emplace_back(args.begin(), args.end());
      buf.erase(0, consumed);
    }
  }
  return out;
}

TEST(RequestParserTest, RandomSplitsGiveTheSameCommands) {
  std::string input;
  std::vector<std::vector<std::string>> expected;
  for (int i = 0; i < 200; ++i) {
    std::string v(static_cast<size_t>(i % 37), static_cast<char>('a' + i % 26));
    v += std::string("\r\n\0x", 4);
    input += "*3\r\n$3\r\nSET\r\n$" + std::to_string(3 + std::to_string(i).size()) + "\r\nkey" +
             std::to_string(i) + "\r\n$" + std::to_string(v.size()) + "\r\n" + v + "\r\n";
    expected.push_back({"SET", "key" + std::to_string(i), v});
    input += "PING\r\n";
    expected.push_back({"PING"});
    input += "\r\n";  // an empty inline line is skipped
  }
  for (unsigned seed = 0; seed < 20; ++seed) {
    std::mt19937 rng(seed);
    std::string err;
    auto got = ParseInPieces(input, rng, &err);
    EXPECT_EQ(err, "");
    ASSERT_EQ(got, expected) << "seed " << seed;
  }
}

TEST(RequestParserTest, InlineQuoting) {
  std::mt19937 rng(1);
  std::string err;
  auto got = ParseInPieces("SET a \"b c\\x41\"\nGET 'x y'\r\n", rng, &err);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], (std::vector<std::string>{"SET", "a", "b cA"}));
  EXPECT_EQ(got[1], (std::vector<std::string>{"GET", "x y"}));
  got = ParseInPieces("SET a \"b\n", rng, &err);
  EXPECT_EQ(err, "unbalanced quotes in request");
}

TEST(RequestParserTest, ProtocolErrors) {
  struct Case {
    std::string input;
    std::string error;
  };
  std::vector<Case> cases = {
      {"*abc\r\n", "invalid multibulk length"},
      {"*1\r\n$-5\r\n", "invalid bulk length"},
      {"*1\r\n$999999999999\r\n", "invalid bulk length"},
      {"*1\r\nxyz\r\n", "expected '$', got 'x'"},
      {"*3000000000\r\n", "invalid multibulk length"},
  };
  for (const Case& c : cases) {
    RequestParser parser;
    std::vector<std::string_view> args;
    size_t consumed = 0;
    EXPECT_EQ(parser.Parse(c.input, &consumed, &args), RequestParser::Result::kError) << c.input;
    EXPECT_EQ(parser.error(), c.error);
  }
  RequestParser parser;
  std::vector<std::string_view> args;
  size_t consumed = 0;
  std::string big(70000, 'a');
  EXPECT_EQ(parser.Parse(big, &consumed, &args), RequestParser::Result::kError);
  EXPECT_EQ(parser.error(), "too big inline request");
}

TEST(RequestParserTest, UnauthenticatedLimits) {
  RequestParser parser;
  parser.set_authenticated(false);
  std::vector<std::string_view> args;
  size_t consumed = 0;
  EXPECT_EQ(parser.Parse("*100\r\n", &consumed, &args), RequestParser::Result::kError);
  EXPECT_EQ(parser.error(), "unauthenticated multibulk length");
}

TEST(RequestParserTest, BigBulkHintsItsSize) {
  RequestParser parser;
  std::vector<std::string_view> args;
  size_t consumed = 0;
  EXPECT_EQ(parser.Parse("*1\r\n$100000\r\nabc", &consumed, &args),
            RequestParser::Result::kIncomplete);
  EXPECT_EQ(parser.needed(), 4u + 9u + 100000u + 2u);
}

}  // namespace
}  // namespace sable

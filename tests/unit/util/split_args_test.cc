#include "server/util/split_args.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sable {
namespace {

using namespace std::string_literals;
using Args = std::vector<std::string>;

Args Split(std::string_view line) {
  Args out;
  EXPECT_TRUE(SplitArgs(line, &out)) << line;
  return out;
}

bool Fails(std::string_view line) {
  Args out = {"stale"};
  return !SplitArgs(line, &out) && out.empty();
}

TEST(SplitArgsTest, Whitespace) {
  EXPECT_EQ(Split(""), Args{});
  EXPECT_EQ(Split("   \t\r\n"), Args{});
  EXPECT_EQ(Split("set key value"), (Args{"set", "key", "value"}));
  EXPECT_EQ(Split("  set   key\tvalue\r\n"), (Args{"set", "key", "value"}));
  EXPECT_EQ(Split("a\nb\rc"), (Args{"a", "b", "c"}));
}

TEST(SplitArgsTest, VerticalTabAndFormFeedOnlySeparateBetweenArguments) {
  // Redis skips any isspace() byte before an argument but ends a bare word only on ' ', \t, \r, \n.
  EXPECT_EQ(Split("\va\fb"), (Args{"a\fb"}));
  EXPECT_EQ(Split("a\vb \fc"), (Args{"a\vb", "c"}));
}

TEST(SplitArgsTest, OutputIsReplaced) {
  Args out = {"old"};
  ASSERT_TRUE(SplitArgs("new", &out));
  EXPECT_EQ(out, Args{"new"});
}

TEST(SplitArgsTest, DoubleQuotes) {
  EXPECT_EQ(Split("\"hello world\""), Args{"hello world"});
  EXPECT_EQ(Split("set \"\" x"), (Args{"set", "", "x"}));
  EXPECT_EQ(Split("\"a\\nb\\rc\\td\\be\\af\""), Args{"a\nb\rc\td\be\af"});
  EXPECT_EQ(Split("\"q\\\"q\""), Args{"q\"q"});
  EXPECT_EQ(Split("\"back\\\\slash\""), Args{"back\\slash"});
  EXPECT_EQ(Split("\"\\z\\'\""), Args{"z'"});
  EXPECT_EQ(Split("\"\\x41\\x62\\xfF\\x00\""), Args{"Ab\xff\0"s});
  // Not a complete \xHH escape: the backslash escapes the 'x' alone.
  EXPECT_EQ(Split("\"\\x4g\""), Args{"x4g"});
  EXPECT_EQ(Split("\"\\x\""), Args{"x"});
  EXPECT_EQ(Split("\"it's\""), Args{"it's"});
}

TEST(SplitArgsTest, SingleQuotes) {
  EXPECT_EQ(Split("'hello world'"), Args{"hello world"});
  EXPECT_EQ(Split("'it\\'s'"), Args{"it's"});
  EXPECT_EQ(Split("'a\\nb'"), Args{"a\\nb"});
  EXPECT_EQ(Split("'\\x41'"), Args{"\\x41"});
  EXPECT_EQ(Split("'say \"hi\"'"), Args{"say \"hi\""});
  EXPECT_EQ(Split("''"), Args{""});
}

TEST(SplitArgsTest, QuoteMayOpenMidWord) {
  EXPECT_EQ(Split("foo\"bar baz\""), Args{"foobar baz"});
  EXPECT_EQ(Split("foo'bar' x"), (Args{"foobar", "x"}));
}

TEST(SplitArgsTest, ClosingQuoteMustEndTheArgument) {
  EXPECT_TRUE(Fails("\"foo\"bar"));
  EXPECT_TRUE(Fails("'foo'bar"));
  EXPECT_TRUE(Fails("\"a\"\"b\""));
  EXPECT_EQ(Split("\"foo\"\tbar"), (Args{"foo", "bar"}));
  EXPECT_EQ(Split("\"foo\"\vbar"), (Args{"foo", "bar"}));
}

TEST(SplitArgsTest, UnbalancedQuotes) {
  EXPECT_TRUE(Fails("\""));
  EXPECT_TRUE(Fails("'"));
  EXPECT_TRUE(Fails("set \"key"));
  EXPECT_TRUE(Fails("set 'key"));
  EXPECT_TRUE(Fails("\"abc\\\""));
  EXPECT_TRUE(Fails("\"abc\\"));
  EXPECT_TRUE(Fails("'abc\\'"));
}

TEST(SplitArgsTest, LineEndsAtNul) {
  EXPECT_EQ(Split("a b\0c d"s), (Args{"a", "b"}));
  EXPECT_TRUE(Fails("\"a\0\""s));
  EXPECT_EQ(Split("\"a\"\0b"s), Args{"a"});
}

TEST(SplitArgsTest, ConfigFileLines) {
  EXPECT_EQ(Split("save 900 1"), (Args{"save", "900", "1"}));
  EXPECT_EQ(Split("requirepass \"p@ss word\""), (Args{"requirepass", "p@ss word"}));
  EXPECT_EQ(Split("dir ''"), (Args{"dir", ""}));
}


TEST(QuoteArgTest, SplitArgsReadsBackWhatQuoteArgWrites) {
  EXPECT_EQ(QuoteArg("plain"), "plain");
  EXPECT_EQ(QuoteArg(""), "\"\"");
  EXPECT_EQ(QuoteArg("a b"), "\"a b\"");
  for (std::string v : {std::string("a b"), std::string(""), std::string("x\"y'z\\"),
                        std::string("line\r\nnext\t\a\b"), std::string("\x01\xff", 2)}) {
    std::vector<std::string> out;
    ASSERT_TRUE(SplitArgs(QuoteArg(v), &out)) << v;
    ASSERT_EQ(out.size(), 1u) << v;
    EXPECT_EQ(out[0], v);
  }
}

}  // namespace
}  // namespace sable

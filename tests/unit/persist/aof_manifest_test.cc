#include "server/persist/aof_manifest.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sable {
namespace {

std::optional<AofManifest> Parse(std::string_view text, AofManifestError* err = nullptr) {
  AofManifestError local;
  return AofManifest::Parse(text, err ? err : &local);
}

TEST(AofManifestTest, ParsesAndFormatsRedisLayout) {
  const char* text =
      "file appendonly.aof.2.base.rdb seq 2 type b\n"
      "file appendonly.aof.1.incr.aof seq 1 type h\n"
      "file appendonly.aof.2.incr.aof seq 2 type h\n"
      "file appendonly.aof.3.incr.aof seq 3 type i\n"
      "file appendonly.aof.4.incr.aof seq 4 type i\n";
  auto m = Parse(text);
  ASSERT_TRUE(m);
  ASSERT_TRUE(m->base());
  EXPECT_EQ(m->base()->name, "appendonly.aof.2.base.rdb");
  EXPECT_EQ(m->base()->seq, 2);
  EXPECT_EQ(m->history().size(), 2u);
  ASSERT_EQ(m->incrs().size(), 2u);
  EXPECT_EQ(m->incrs()[1].name, "appendonly.aof.4.incr.aof");
  EXPECT_EQ(m->Format(), text);
}

TEST(AofManifestTest, CommentsUnknownKeysAndOrderOfPairs) {
  auto m = Parse(
      "# written by hand\n"
      "seq 1 type b file base.rdb\n"
      "file incr.1 seq 1 type i future value\n");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->base()->name, "base.rdb");
  EXPECT_EQ(m->incrs()[0].name, "incr.1");
  // Formatted back in Redis's canonical order, comments dropped.
  EXPECT_EQ(m->Format(), "file base.rdb seq 1 type b\nfile incr.1 seq 1 type i\n");
}

TEST(AofManifestTest, QuotesNamesThatNeedIt) {
  AofManifest m;
  m.SetBase(AofFileInfo{"my file.aof", 1, AofFileType::kBase});
  std::string text = m.Format();
  EXPECT_EQ(text, "file \"my file.aof\" seq 1 type b\n");
  auto back = Parse(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->base()->name, "my file.aof");
}

TEST(AofManifestTest, RejectsWhatRedisRejects) {
  AofManifestError err;
  EXPECT_FALSE(Parse("", &err));
  EXPECT_EQ(err.message, "Found an empty AOF manifest");
  EXPECT_FALSE(Parse("file a seq 1 type b", &err));  // last line without newline
  EXPECT_EQ(err.message, "The AOF manifest file contains too long line");
  EXPECT_FALSE(Parse("file a seq 1\n", &err));
  EXPECT_EQ(err.message, "Invalid AOF manifest file format");
  EXPECT_EQ(err.line_no, 1);
  EXPECT_EQ(err.line, "file a seq 1");
  EXPECT_FALSE(Parse("\n", &err));
  EXPECT_EQ(err.message, "Invalid AOF manifest file format");
  EXPECT_FALSE(Parse("file a seq 0 type b\n", &err));
  EXPECT_EQ(err.message, "Invalid AOF manifest file format");
  EXPECT_FALSE(Parse("file dir/a seq 1 type b\n", &err));
  EXPECT_EQ(err.message, "File can't be a path, just a filename");
  EXPECT_FALSE(Parse("file a seq 1 type b\nfile b seq 2 type b\n", &err));
  EXPECT_EQ(err.message, "Found duplicate base file information");
  EXPECT_EQ(err.line_no, 2);
  EXPECT_FALSE(Parse("file a seq 2 type i\nfile b seq 2 type i\n", &err));
  EXPECT_EQ(err.message, "Found a non-monotonic sequence number");
  EXPECT_FALSE(Parse("file a seq 1 type x\n", &err));
  EXPECT_EQ(err.message, "Unknown AOF file type");
  EXPECT_FALSE(Parse("file \"a seq 1 type b\n", &err));
  EXPECT_EQ(err.message, "Invalid AOF manifest file format");
  EXPECT_FALSE(Parse(std::string(1100, 'x') + "\n", &err));
  EXPECT_EQ(err.message, "The AOF manifest file contains too long line");
}

TEST(AofManifestTest, RewriteLifecycle) {
  AofManifest m;
  EXPECT_TRUE(m.empty());
  EXPECT_EQ(m.NewBase("appendonly.aof", true), "appendonly.aof.1.base.rdb");
  EXPECT_EQ(m.LastIncr("appendonly.aof"), "appendonly.aof.1.incr.aof");
  EXPECT_EQ(m.LastIncr("appendonly.aof"), "appendonly.aof.1.incr.aof");
  // BGREWRITEAOF: a new incr at the fork, then the new base; the covered files become history.
  EXPECT_EQ(m.NewIncr("appendonly.aof"), "appendonly.aof.2.incr.aof");
  EXPECT_EQ(m.NewBase("appendonly.aof", false), "appendonly.aof.2.base.aof");
  m.MarkIncrsAsHistory(/*keep_last=*/true);
  EXPECT_EQ(m.Format(),
            "file appendonly.aof.2.base.aof seq 2 type b\n"
            "file appendonly.aof.1.incr.aof seq 1 type h\n"
            "file appendonly.aof.1.base.rdb seq 1 type h\n"
            "file appendonly.aof.2.incr.aof seq 2 type i\n");
  auto history = m.TakeHistory();
  ASSERT_EQ(history.size(), 2u);
  EXPECT_TRUE(m.history().empty());
  // With the AOF off no incr is kept.
  m.MarkIncrsAsHistory(/*keep_last=*/false);
  EXPECT_TRUE(m.incrs().empty());
  EXPECT_EQ(m.NewIncr("appendonly.aof"), "appendonly.aof.3.incr.aof");
}

TEST(AofManifestTest, SequencesContinueAfterParse) {
  auto m = Parse("file x.5.base.rdb seq 5 type b\nfile x.7.incr.aof seq 7 type i\n");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->NewIncr("x"), "x.8.incr.aof");
  EXPECT_EQ(m->NewBase("x", true), "x.6.base.rdb");
}

TEST(AofManifestTest, TempNames) {
  EXPECT_EQ(AofManifestName("appendonly.aof"), "appendonly.aof.manifest");
  EXPECT_EQ(AofTempManifestName("appendonly.aof"), "temp-appendonly.aof.manifest");
  EXPECT_EQ(AofTempIncrName("appendonly.aof"), "temp-appendonly.aof.incr");
}

}  // namespace
}  // namespace sable

#include "server/persist/aof_format.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace sable {
namespace {

using ::testing::ElementsAre;
using Result = AofCommandReader::Result;

TEST(AofFormatTest, EncodesCommandsLikeRedis) {
  std::string out;
  AppendSelect(&out, 0);
  AppendRespCommand(&out, {"SET", "k", ""});
  EXPECT_EQ(out, "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n");
  out.clear();
  AppendTimestampAnnotation(&out, 1700000000);
  AppendSelect(&out, 15);
  EXPECT_EQ(out, "#TS:1700000000\r\n*2\r\n$6\r\nSELECT\r\n$2\r\n15\r\n");
  out.clear();
  std::string binary("a\r\n\0b", 5);
  AppendRespCommand(&out, {"APPEND", binary});
  EXPECT_EQ(out, std::string("*2\r\n$6\r\nAPPEND\r\n$5\r\na\r\n\0b\r\n", 27));
}

// A temp file holding `content`, open for reading.
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    char path[] = "/tmp/sable-aof-test-XXXXXX";
    fd_ = mkstemp(path);
    path_ = path;
    EXPECT_EQ(write(fd_, content.data(), content.size()), static_cast<ssize_t>(content.size()));
    lseek(fd_, 0, SEEK_SET);
  }
  ~TempFile() {
    close(fd_);
    unlink(path_.c_str());
  }
  int fd() const { return fd_; }

 private:
  int fd_;
  std::string path_;
};

std::vector<Result> ReadAll(const std::string& content, std::vector<std::vector<std::string>>* cmds,
                            uint64_t* end = nullptr, uint64_t start = 0) {
  TempFile f(content);
  AofCommandReader reader(f.fd(), start);
  std::vector<Result> results;
  std::vector<std::string> argv;
  while (true) {
    Result r = reader.Next(&argv);
    results.push_back(r);
    if (r != Result::kCommand) break;
    cmds->push_back(argv);
  }
  if (end) *end = reader.command_end();
  return results;
}

TEST(AofFormatTest, ReaderRoundTrip) {
  std::string content;
  AppendTimestampAnnotation(&content, 1);
  AppendSelect(&content, 3);
  AppendRespCommand(&content, {"SET", "key", std::string(100000, 'x')});
  content += "#TS:2\r\n";
  AppendRespCommand(&content, {"DEL", "key"});
  std::vector<std::vector<std::string>> cmds;
  uint64_t end;
  auto results = ReadAll(content, &cmds, &end);
  EXPECT_THAT(results,
              ElementsAre(Result::kCommand, Result::kCommand, Result::kCommand, Result::kEof));
  ASSERT_EQ(cmds.size(), 3u);
  EXPECT_THAT(cmds[0], ElementsAre("SELECT", "3"));
  EXPECT_EQ(cmds[1][2].size(), 100000u);
  EXPECT_THAT(cmds[2], ElementsAre("DEL", "key"));
  EXPECT_EQ(end, content.size());
}

TEST(AofFormatTest, ReaderTellsTornRecordsFromGarbage) {
  std::string good;
  AppendRespCommand(&good, {"SET", "a", "1"});
  std::string next;
  AppendRespCommand(&next, {"SET", "b", "2"});
  // Every proper prefix of the second command is a torn record, cut after the first.
  for (size_t cut = 1; cut < next.size(); ++cut) {
    std::vector<std::vector<std::string>> cmds;
    uint64_t end;
    auto results = ReadAll(good + next.substr(0, cut), &cmds, &end);
    EXPECT_THAT(results, ElementsAre(Result::kCommand, Result::kTruncated)) << cut;
    EXPECT_EQ(end, good.size());
  }
  std::vector<std::vector<std::string>> cmds;
  EXPECT_THAT(ReadAll(good + "garbage\r\n" + next, &cmds),
              ElementsAre(Result::kCommand, Result::kFormatError));
  EXPECT_THAT(ReadAll("*0\r\n", &cmds), ElementsAre(Result::kFormatError));
  EXPECT_THAT(ReadAll("*1\r\n+OK\r\n", &cmds), ElementsAre(Result::kFormatError));
  EXPECT_THAT(ReadAll("*1\r\n$2\r\nabXY", &cmds), ElementsAre(Result::kFormatError));
  // A length the file cannot hold is a torn record, not an allocation.
  EXPECT_THAT(ReadAll("*1\r\n$99999999999\r\nab", &cmds), ElementsAre(Result::kTruncated));
  // An annotation may end the file without its newline.
  EXPECT_THAT(ReadAll(good + "#TS:12", &cmds), ElementsAre(Result::kCommand, Result::kEof));
  EXPECT_THAT(ReadAll("", &cmds), ElementsAre(Result::kEof));
}

TEST(AofFormatTest, ReaderStartsAtAnOffset) {
  std::string content = "REDIS-PREAMBLE-BYTES";
  size_t start = content.size();
  AppendRespCommand(&content, {"PING"});
  std::vector<std::vector<std::string>> cmds;
  uint64_t end;
  EXPECT_THAT(ReadAll(content, &cmds, &end, start), ElementsAre(Result::kCommand, Result::kEof));
  EXPECT_THAT(cmds[0], ElementsAre("PING"));
  EXPECT_EQ(end, content.size());
}

}  // namespace
}  // namespace sable

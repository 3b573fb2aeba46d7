// What the propagated stream (AOF, replicas) receives for each kind of write, compared with what
// Redis 7.0.15 writes to its AOF for the same commands.
#include "server/util/clock.h"
#include "tests/unit/core/server_test_base.h"

namespace sable {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class PropagationTest : public ServerTestBase {
 protected:
  PropagationTest() {
    PinCachedTime(kNow);
    server_->AddPropagationSink([this](int db, const std::vector<std::string_view>& argv) {
      std::string line = std::to_string(db);
      for (std::string_view a : argv) line += " " + std::string(a);
      stream_.push_back(line);
    });
  }
  ~PropagationTest() override { PinCachedTime(0); }

  std::vector<std::string> Take() {
    std::vector<std::string> out;
    out.swap(stream_);
    return out;
  }

  static constexpr int64_t kNow = 1'700'000'000'000;
  std::vector<std::string> stream_;
};

TEST_F(PropagationTest, RelativeTimesBecomeAbsolute) {
  Run({"SET", "a", "1", "EX", "100"});
  Run({"SET", "b", "1", "PX", "100", "NX", "GET"});
  Run({"SETEX", "c", "10", "v"});
  Run({"PSETEX", "d", "10", "v"});
  Run({"EXPIRE", "a", "200", "GT"});
  Run({"PEXPIREAT", "a", "1800000000000"});
  EXPECT_THAT(Take(), ElementsAre("0 SET a 1 PXAT 1700000100000", "0 SET b 1 PXAT 1700000000100",
                                  "0 SET c v PXAT 1700000010000", "0 SET d v PXAT 1700000000010",
                                  "0 PEXPIREAT a 1700000200000 GT", "0 PEXPIREAT a 1800000000000"));
}

TEST_F(PropagationTest, RewrittenForms) {
  Run({"SET", "b", "2", "get"});
  Run({"SET", "b", "3", "KEEPTTL", "GET", "get"});
  Run({"SET", "b", "4", "NX", "GET"});  // not set: nothing
  Run({"INCRBYFLOAT", "f", "1.5"});
  Run({"GETEX", "b", "EX", "50"});
  Run({"GETEX", "b", "PERSIST"});
  Run({"GETEX", "b", "PERSIST"});  // no TTL to remove: nothing
  Run({"GETEX", "b", "PXAT", "1"});
  Run({"GETSET", "g", "v"});
  Run({"GETDEL", "g"});
  EXPECT_THAT(Take(), ElementsAre("0 SET b 2", "0 SET b 3 KEEPTTL", "0 SET f 1.5 KEEPTTL",
                                  "0 PEXPIREAT b 1700000050000", "0 PERSIST b", "0 DEL b",
                                  "0 SET g v", "0 DEL g"));
}

TEST_F(PropagationTest, TransactionsAreWrappedWhenTheyWriteMoreThanOnce) {
  Run({"MULTI"});
  Run({"SET", "m1", "1"});
  Run({"EXEC"});
  EXPECT_THAT(Take(), ElementsAre("0 SET m1 1"));
  Run({"MULTI"});
  Run({"GET", "m1"});
  Run({"EXEC"});
  EXPECT_THAT(Take(), IsEmpty());
  Run({"MULTI"});
  Run({"SET", "m2", "1"});
  Run({"SELECT", "3"});
  Run({"INCR", "m2"});
  Run({"EXEC"});
  EXPECT_THAT(Take(), ElementsAre("-1 MULTI", "0 SET m2 1", "3 INCR m2", "-1 EXEC"));
}

TEST_F(PropagationTest, ExpiredKeysAreDeletedDownstreamFirst) {
  // No cron runs here: only lookups expire keys.
  Run({"SET", "e1", "x", "PX", "50"});
  Run({"SET", "e2", "x", "PX", "50"});
  Take();
  PinCachedTime(kNow + 100);
  Run({"GET", "e1"});
  Run({"SET", "e2", "y"});
  EXPECT_THAT(Take(), ElementsAre("0 DEL e1", "0 DEL e2", "0 SET e2 y"));
  // With lazyfree-lazy-expire, UNLINK; inside EXEC the deletion goes first, unwrapped.
  Run({"CONFIG", "SET", "lazyfree-lazy-expire", "yes"});
  Run({"SET", "e3", "x", "PXAT", std::to_string(kNow + 150)});
  Take();
  PinCachedTime(kNow + 200);
  Run({"MULTI"});
  Run({"GET", "e3"});
  Run({"SET", "z", "1"});
  Run({"EXEC"});
  EXPECT_THAT(Take(), ElementsAre("0 UNLINK e3", "0 SET z 1"));
}

TEST_F(PropagationTest, NothingIsPropagatedOrExpiredWhileLoading) {
  Run({"SET", "k", "1", "PXAT", std::to_string(kNow + 10)});
  Take();
  PinCachedTime(kNow + 20);
  server_->set_loading(true);
  // An AOF replayed later than it was written: the key was alive for the commands after it.
  EXPECT_THAT(Run({"INCR", "k"}), IsInt(2));
  EXPECT_THAT(Run({"PEXPIREAT", "k", std::to_string(kNow + 15)}), IsInt(1));
  EXPECT_THAT(Run({"GET", "k"}), IsBulk("2"));
  server_->set_loading(false);
  EXPECT_THAT(Take(), IsEmpty());
  EXPECT_THAT(Run({"GET", "k"}), IsNil());
  EXPECT_THAT(Take(), ElementsAre("0 DEL k"));
}

}  // namespace
}  // namespace sable

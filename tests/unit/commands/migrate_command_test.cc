// MIGRATE in process: argument checks, NOKEY, key extraction, and the exact commands sent to a
// fake target (a thread that answers every command with a scripted reply).
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "server/resp/request_parser.h"
#include "tests/unit/core/server_test_base.h"

namespace sable {
namespace {

using ::testing::ElementsAre;

// Accepts connections on a loopback port; records every command received and answers each one
// with the next scripted reply ("+OK" when the script runs out).
class FakeTarget {
 public:
  FakeTarget() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    socklen_t len = sizeof(a);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(listen_fd_, 4);
    thread_ = std::thread([this] { Serve(); });
  }
  ~FakeTarget() {
    stop_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    {
      // The server under test keeps its link cached: end it from this side.
      std::lock_guard<std::mutex> l(mu_);
      if (conn_fd_ >= 0) ::shutdown(conn_fd_, SHUT_RDWR);
    }
    thread_.join();
    ::close(listen_fd_);
  }

  int port() const { return port_; }
  void Script(std::vector<std::string> replies) {
    std::lock_guard<std::mutex> l(mu_);
    for (auto& r : replies) replies_.push_back(std::move(r));
  }
  std::vector<std::vector<std::string>> Received() {
    std::lock_guard<std::mutex> l(mu_);
    return received_;
  }
  int connections() const { return connections_; }

 private:
  void Serve() {
    while (!stop_) {
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      ++connections_;
      {
        std::lock_guard<std::mutex> l(mu_);
        conn_fd_ = fd;
        if (stop_) ::shutdown(fd, SHUT_RDWR);
      }
      std::string buf;
      char chunk[4096];
      RequestParser parser;
      bool hang_up = false;
      while (!hang_up) {
        ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
        if (n <= 0) break;
        buf.append(chunk, static_cast<size_t>(n));
        std::string out;
        for (;;) {
          size_t used = 0;
          std::vector<std::string_view> args;
          if (parser.Parse(buf, &used, &args) != RequestParser::Result::kCommand) break;
          std::lock_guard<std::mutex> l(mu_);
          received_.emplace_back(args.begin(), args.end());
          buf.erase(0, used);
          std::string reply = "+OK";
          if (!replies_.empty()) {
            reply = replies_.front();
            replies_.pop_front();
          }
          // "!close": the target took the command and hangs up instead of replying.
          if (reply == "!close") {
            hang_up = true;
            break;
          }
          out += reply + "\r\n";
        }
        if (!out.empty()) ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
      }
      {
        std::lock_guard<std::mutex> l(mu_);
        conn_fd_ = -1;
      }
      ::close(fd);
    }
  }

  int listen_fd_ = -1;
  int conn_fd_ = -1;  // the connection being served, guarded by mu_
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::thread thread_;
  std::mutex mu_;
  std::deque<std::string> replies_;
  std::vector<std::vector<std::string>> received_;
};

class MigrateTest : public ServerTestBase {};

TEST_F(MigrateTest, ArgumentErrorsAndNokey) {
  Run({"SET", "k", "v"});
  EXPECT_THAT(Run({"MIGRATE", "h", "1", "k", "0"}), IsError("ERR wrong number of arguments"));
  EXPECT_THAT(Run({"MIGRATE", "h", "1", "k", "0", "10", "AUTH"}), IsError("ERR syntax error"));
  EXPECT_THAT(Run({"MIGRATE", "h", "1", "k", "0", "10", "AUTH2", "u"}),
              IsError("ERR syntax error"));
  EXPECT_THAT(Run({"MIGRATE", "h", "1", "k", "0", "10", "NOPE"}), IsError("ERR syntax error"));
  EXPECT_THAT(Run({"MIGRATE", "h", "1", "k", "0", "10", "KEYS", "k"}),
              IsError("ERR When using MIGRATE KEYS option, the key argument must be set to the "
                      "empty string"));
  EXPECT_THAT(Run({"MIGRATE", "h", "1", "k", "x", "10"}),
              IsError("ERR value is not an integer or out of range"));
  EXPECT_THAT(Run({"MIGRATE", "h", "1", "k", "0", "x"}),
              IsError("ERR value is not an integer or out of range"));
  EXPECT_THAT(Run({"MIGRATE", "h", "1", "nokey", "0", "10"}), IsSimple("NOKEY"));
  EXPECT_THAT(Run({"MIGRATE", "h", "1", "", "0", "10", "KEYS", "a", "b"}), IsSimple("NOKEY"));
}

TEST_F(MigrateTest, GetKeysSeesBothForms) {
  EXPECT_THAT(StrArray(Run({"COMMAND", "GETKEYS", "MIGRATE", "h", "1", "k", "0", "10"})),
              ElementsAre("k"));
  EXPECT_THAT(StrArray(Run({"COMMAND", "GETKEYS", "MIGRATE", "h", "1", "", "0", "10", "COPY",
                            "REPLACE", "KEYS", "a", "b"})),
              ElementsAre("a", "b"));
}

TEST_F(MigrateTest, SendsSelectOnceThenRestoreAndDeletes) {
  FakeTarget target;
  std::string port = std::to_string(target.port());
  Run({"SET", "a", "1"});
  Run({"SET", "b", "2"});
  Run({"SET", "c", "3"});
  EXPECT_THAT(Run({"MIGRATE", "127.0.0.1", port, "a", "5", "1000"}), IsOk());
  EXPECT_THAT(Run({"MIGRATE", "127.0.0.1", port, "", "5", "1000", "REPLACE", "AUTH2", "u",
                   "p", "KEYS", "b", "missing", "c"}),
              IsOk());
  EXPECT_THAT(Run({"EXISTS", "a", "b", "c"}), IsInt(0));
  auto got = target.Received();
  ASSERT_EQ(got.size(), 5u);
  EXPECT_THAT(got[0], ElementsAre("SELECT", "5"));
  ASSERT_EQ(got[1].size(), 4u);
  EXPECT_EQ(got[1][0], "RESTORE");
  EXPECT_EQ(got[1][1], "a");
  EXPECT_EQ(got[1][2], "0");
  // The same link, db 5 already selected: no SELECT, AUTH each time.
  EXPECT_THAT(got[2], ElementsAre("AUTH", "u", "p"));
  ASSERT_EQ(got[3].size(), 5u);
  EXPECT_EQ(got[3][1], "b");
  EXPECT_EQ(got[3][4], "REPLACE");
  EXPECT_EQ(got[4][1], "c");
  EXPECT_EQ(target.connections(), 1);
  // The payload restores here as the value it came from.
  EXPECT_THAT(Run({"RESTORE", "a2", "0", got[1][3]}), IsOk());
  EXPECT_THAT(Run({"GET", "a2"}), IsBulk("1"));
}

TEST_F(MigrateTest, TargetErrorsAreForwardedAndKeepTheKey) {
  FakeTarget target;
  std::string port = std::to_string(target.port());
  Run({"SET", "a", "1"});
  Run({"SET", "b", "2"});
  target.Script({"+OK", "-BUSYKEY Target key name already exists.", "+OK"});
  EXPECT_THAT(Run({"MIGRATE", "127.0.0.1", port, "", "0", "1000", "COPY", "KEYS", "a", "b"}),
              IsError("ERR Target instance replied with error: BUSYKEY Target key name already "
                      "exists."));
  EXPECT_THAT(Run({"EXISTS", "a", "b"}), IsInt(2));
  target.Script({"+OK", "-BUSYKEY Target key name already exists.", "+OK"});
  EXPECT_THAT(Run({"MIGRATE", "127.0.0.1", port, "", "0", "1000", "KEYS", "a", "b"}),
              IsError("ERR Target instance replied with error: BUSYKEY Target key name already "
                      "exists."));
  // b was acknowledged and goes away; a stays. After an error the link selects again.
  EXPECT_THAT(Run({"EXISTS", "a"}), IsInt(1));
  EXPECT_THAT(Run({"EXISTS", "b"}), IsInt(0));
  EXPECT_THAT(Run({"MIGRATE", "127.0.0.1", port, "a", "0", "1000"}), IsOk());
  auto got = target.Received();
  ASSERT_EQ(got.size(), 8u);
  for (size_t i : {0, 3, 6}) EXPECT_THAT(got[i], ElementsAre("SELECT", "0"));
  EXPECT_EQ(got[7][0], "RESTORE");
  EXPECT_EQ(target.connections(), 1);
}

TEST_F(MigrateTest, LostReplyIsNotRetried) {
  // The target applied the RESTORE but its reply never came: sending it again could leave the
  // key on both sides, so MIGRATE reports the error and keeps the key, as Redis 7.0.
  FakeTarget target;
  std::string port = std::to_string(target.port());
  Run({"SET", "a", "1"});
  target.Script({"+OK", "!close"});
  EXPECT_THAT(Run({"MIGRATE", "127.0.0.1", port, "a", "0", "1000"}),
              IsError("IOERR error or timeout reading to target instance"));
  EXPECT_THAT(Run({"EXISTS", "a"}), IsInt(1));
  EXPECT_EQ(target.connections(), 1);
  auto got = target.Received();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1][0], "RESTORE");
  // The next MIGRATE notices the closed link before writing and connects again.
  EXPECT_THAT(Run({"MIGRATE", "127.0.0.1", port, "a", "0", "1000", "REPLACE"}), IsOk());
  EXPECT_EQ(target.connections(), 2);
}

}  // namespace
}  // namespace sable

#include <algorithm>
#include <map>
#include <sstream>

#include "tests/unit/core/server_test_base.h"

namespace sable {
namespace {

class ClientCommandTest : public ServerTestBase {
 protected:
  // CLIENT INFO as key -> value.
  std::map<std::string, std::string> Info(Client* c, OutputBuffer* out) {
    RespValue v = RunOn(c, out, {"CLIENT", "INFO"});
    std::map<std::string, std::string> fields;
    std::istringstream in(v.str);
    std::string kv;
    while (in >> kv) {
      size_t eq = kv.find('=');
      fields[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    return fields;
  }
};

TEST_F(ClientCommandTest, IdAndNames) {
  EXPECT_THAT(Run({"CLIENT", "ID"}), IsInt(static_cast<int64_t>(client_->id())));
  EXPECT_THAT(Run({"CLIENT", "GETNAME"}), IsNil());
  EXPECT_THAT(Run({"CLIENT", "SETNAME", "w1"}), IsOk());
  EXPECT_THAT(Run({"CLIENT", "GETNAME"}), IsBulk("w1"));
  EXPECT_THAT(Run({"CLIENT", "SETNAME", "a\x7f"}),
              IsError("ERR Client names cannot contain spaces, newlines or special characters."));
  EXPECT_THAT(Run({"CLIENT", "SETNAME", ""}), IsOk());
  EXPECT_THAT(Run({"CLIENT", "GETNAME"}), IsNil());
  EXPECT_THAT(Run({"CLIENT", "ID", "x"}),
              IsError("ERR wrong number of arguments for 'client|id' command"));
  EXPECT_THAT(Run({"CLIENT"}), IsError("ERR wrong number of arguments for 'client' command"));
}

TEST_F(ClientCommandTest, InfoLine) {
  Run({"SELECT", "3"});
  Run({"CLIENT", "SETNAME", "me"});
  RespValue v = Run({"CLIENT", "INFO"});
  ASSERT_EQ(v.type, RespValue::Type::kBulk);
  EXPECT_EQ(v.str.back(), '\n');
  EXPECT_EQ(v.str.rfind("id=" + std::to_string(client_->id()) + " addr=", 0), 0u);
  auto f = Info(client_, &out_);
  EXPECT_EQ(f["name"], "me");
  EXPECT_EQ(f["db"], "3");
  EXPECT_EQ(f["flags"], "N");
  EXPECT_EQ(f["multi"], "-1");
  EXPECT_EQ(f["cmd"], "client|info");
  EXPECT_EQ(f["argv-mem"], "10");
  EXPECT_EQ(f["resp"], "2");
  EXPECT_EQ(f["lib-name"], "");

  Run({"MULTI"});
  Run({"SET", "a", "1"});
  Run({"DISCARD"});
  Run({"CLIENT", "NO-EVICT", "on"});
  f = Info(client_, &out_);
  EXPECT_EQ(f["flags"], "e");
  EXPECT_EQ(f["cmd"], "client|info");

  // Rejected commands still show up as the last command; unknown ones as NULL.
  OutputBuffer other_out;
  Client* other = NewClient(&other_out);
  RunOn(other, &other_out, {"GET"});
  RespValue list = Run({"CLIENT", "LIST", "ID", std::to_string(other->id())});
  EXPECT_NE(list.str.find(" cmd=get "), std::string::npos);
  RunOn(other, &other_out, {"NOSUCH"});
  list = Run({"CLIENT", "LIST", "ID", std::to_string(other->id())});
  EXPECT_NE(list.str.find(" cmd=NULL "), std::string::npos);
  server_->RemoveLocalClient(other);
}

TEST_F(ClientCommandTest, ListFilters) {
  OutputBuffer sub_out;
  Client* sub = NewClient(&sub_out);
  RunOn(sub, &sub_out, {"SUBSCRIBE", "ch"});
  RespValue v = Run({"CLIENT", "LIST", "TYPE", "pubsub"});
  EXPECT_EQ(v.str.rfind("id=" + std::to_string(sub->id()) + " ", 0), 0u);
  EXPECT_NE(v.str.find(" flags=P "), std::string::npos);
  EXPECT_EQ(std::count(v.str.begin(), v.str.end(), '\n'), 1);
  EXPECT_THAT(Run({"CLIENT", "LIST", "TYPE", "master"}), IsBulk(""));
  EXPECT_THAT(Run({"CLIENT", "LIST", "TYPE", "x"}), IsError("ERR Unknown client type 'x'"));
  EXPECT_THAT(Run({"CLIENT", "LIST", "ID", "1", "x"}), IsError("ERR Invalid client ID"));
  EXPECT_THAT(Run({"CLIENT", "LIST", "ID", "999999"}), IsBulk(""));
  EXPECT_THAT(Run({"CLIENT", "LIST", "ID"}), IsError("ERR syntax error"));
  server_->RemoveLocalClient(sub);
}

TEST_F(ClientCommandTest, KillSyntax) {
  EXPECT_THAT(Run({"CLIENT", "KILL", "1.2.3.4:5"}), IsError("ERR No such client"));
  EXPECT_THAT(Run({"CLIENT", "KILL", "ID", "0"}),
              IsError("ERR client-id should be greater than 0"));
  EXPECT_THAT(Run({"CLIENT", "KILL", "ID", "5", "SKIPME"}), IsError("ERR syntax error"));
  EXPECT_THAT(Run({"CLIENT", "KILL", "SKIPME", "maybe"}), IsError("ERR syntax error"));
  EXPECT_THAT(Run({"CLIENT", "KILL", "USER", "bob"}), IsError("ERR No such user 'bob'"));
  EXPECT_THAT(Run({"CLIENT", "KILL", "TYPE", "x"}), IsError("ERR Unknown client type 'x'"));
  EXPECT_THAT(Run({"CLIENT", "KILL", "ID", "999999"}), IsInt(0));
}

// Mirrors Redis: SKIP silences the next command only, and a SKIP issued while skipping chains.
TEST_F(ClientCommandTest, ReplyModes) {
  auto send = [&](std::vector<std::string> args) {
    std::vector<std::string_view> views(args.begin(), args.end());
    server_->ProcessCommand(client_, views);
  };
  send({"CLIENT", "REPLY", "SKIP"});
  send({"CLIENT", "REPLY", "SKIP"});
  send({"PING", "a"});
  send({"PING", "b"});
  EXPECT_EQ(out_.ToString(), "$1\r\nb\r\n");
  out_.Clear();
  send({"CLIENT", "REPLY", "OFF"});
  send({"NOSUCH"});
  send({"PING", "c"});
  send({"CLIENT", "REPLY", "ON"});
  send({"PING", "d"});
  EXPECT_EQ(out_.ToString(), "+OK\r\n$1\r\nd\r\n");
  out_.Clear();
  send({"CLIENT", "REPLY", "OFF"});
  send({"RESET"});
  EXPECT_EQ(out_.ToString(), "+RESET\r\n");
  out_.Clear();
  send({"CLIENT", "REPLY", "SKIP"});
  send({"RESET"});
  send({"PING"});
  EXPECT_EQ(out_.ToString(), "+PONG\r\n");
  out_.Clear();
  EXPECT_THAT(Run({"CLIENT", "REPLY", "FOO"}), IsError("ERR syntax error"));
}

TEST_F(ClientCommandTest, SetInfo) {
  EXPECT_THAT(Run({"CLIENT", "SETINFO", "LIB-NAME", "redis-py"}), IsOk());
  EXPECT_THAT(Run({"CLIENT", "SETINFO", "lib-ver", "5.0"}), IsOk());
  EXPECT_THAT(Run({"CLIENT", "SETINFO", "lib-ver", "a b"}),
              IsError("ERR lib-ver cannot contain spaces, newlines or special characters."));
  EXPECT_THAT(Run({"CLIENT", "SETINFO", "foo", "x"}), IsError("ERR Unrecognized option 'foo'"));
  auto f = Info(client_, &out_);
  EXPECT_EQ(f["lib-name"], "redis-py");
  EXPECT_EQ(f["lib-ver"], "5.0");
}

TEST_F(ClientCommandTest, PauseArguments) {
  EXPECT_THAT(Run({"CLIENT", "PAUSE", "abc", "x"}),
              IsError("ERR CLIENT PAUSE mode must be WRITE or ALL"));
  EXPECT_THAT(Run({"CLIENT", "PAUSE", "abc"}),
              IsError("ERR timeout is not an integer or out of range"));
  EXPECT_THAT(Run({"CLIENT", "PAUSE", "-1"}), IsError("ERR timeout is negative"));
  EXPECT_THAT(Run({"CLIENT", "PAUSE", "1", "ALL", "x"}),
              IsError("ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try "
                      "CLIENT HELP."));
  EXPECT_THAT(Run({"CLIENT", "PAUSE", "100000", "WRITE"}), IsOk());
  EXPECT_EQ(server_->client_pause().mode(), ClientPause::Mode::kWrite);
  // A socketless client has no connection to hold, so it keeps running.
  EXPECT_THAT(Run({"SET", "k", "v"}), IsOk());
  EXPECT_THAT(Run({"CLIENT", "UNPAUSE"}), IsOk());
  EXPECT_EQ(server_->client_pause().mode(), ClientPause::Mode::kOff);
}

TEST_F(ClientCommandTest, Tracking) {
  EXPECT_THAT(Run({"CLIENT", "TRACKING", "off"}), IsOk());
  EXPECT_THAT(Run({"CLIENT", "TRACKING", "on", "prefix", "a"}),
              IsError("ERR PREFIX option requires BCAST mode to be enabled"));
  EXPECT_THAT(Run({"CLIENT", "TRACKING", "on", "optin", "optout"}),
              IsError("ERR You can't specify both OPTIN mode and OPTOUT mode"));
  EXPECT_THAT(Run({"CLIENT", "TRACKING", "on", "bcast", "prefix", "ab", "prefix", "a"}),
              IsError("ERR Prefix 'ab' overlaps with another provided prefix 'a'."));
  EXPECT_THAT(Run({"CLIENT", "TRACKING", "on", "redirect", "999999"}),
              IsError("ERR The client ID you want redirect to does not exist"));
  RespValue v = Run({"CLIENT", "TRACKINGINFO"});
  ASSERT_THAT(v, IsArrayOfSize(6));
  EXPECT_EQ(v.elems[0].str, "flags");
  EXPECT_EQ(StrArray(v.elems[1]), std::vector<std::string>{"off"});
  EXPECT_THAT(v.elems[3], IsInt(-1));
  EXPECT_THAT(Run({"CLIENT", "GETREDIR"}), IsInt(-1));
  EXPECT_THAT(Run({"CLIENT", "CACHING", "yes"}),
              IsError("ERR CLIENT CACHING can be called only when the client is in tracking"));
  // On: no redirect (0), CACHING YES only in OPTIN mode, the mode fixed until OFF.
  EXPECT_THAT(Run({"CLIENT", "TRACKING", "on"}), IsOk());
  EXPECT_THAT(Run({"CLIENT", "GETREDIR"}), IsInt(0));
  EXPECT_THAT(Run({"CLIENT", "CACHING", "yes"}),
              IsError("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN"));
  EXPECT_THAT(Run({"CLIENT", "TRACKING", "on", "bcast"}),
              IsError("ERR You can't switch BCAST mode on/off"));
  v = Run({"CLIENT", "TRACKINGINFO"});
  ASSERT_THAT(v, IsArrayOfSize(6));
  EXPECT_EQ(StrArray(v.elems[1]), std::vector<std::string>{"on"});
  EXPECT_THAT(v.elems[3], IsInt(0));
  EXPECT_THAT(v.elems[5], IsArrayOfSize(0));
  EXPECT_THAT(Run({"CLIENT", "TRACKING", "off"}), IsOk());
  EXPECT_THAT(Run({"CLIENT", "GETREDIR"}), IsInt(-1));
}

TEST_F(ClientCommandTest, Help) {
  RespValue v = Run({"CLIENT", "HELP"});
  ASSERT_THAT(v, IsArrayOfSize(48));
  EXPECT_EQ(v.elems[0].str, "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  EXPECT_THAT(Run({"CLIENT", "FOO"}), IsError("ERR unknown subcommand 'FOO'. Try CLIENT HELP."));
}

}  // namespace
}  // namespace sable

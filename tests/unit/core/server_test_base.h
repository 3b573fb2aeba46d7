// In-process command tests: a real Server (no sockets) and a client whose replies are parsed
// back into RespValues, so `Run({"SET", "k", "v"})` can be checked with matchers.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "server/config/config.h"
#include "server/core/server.h"
#include "server/resp/reply_parser.h"

namespace sable {

class ServerTestBase : public ::testing::Test {
 protected:
  ServerTestBase() {
    config_ = std::make_unique<Config>();
    server_ = std::make_unique<Server>(config_.get());
    client_ = server_->AddLocalClient(&out_);
  }
  ~ServerTestBase() override {
    server_->RemoveLocalClient(client_);
    server_.reset();
  }

  // Runs one command and returns its (single) reply.
  RespValue Run(std::vector<std::string> args) { return RunOn(client_, &out_, std::move(args)); }

  RespValue RunOn(Client* c, OutputBuffer* out, std::vector<std::string> args) {
    std::vector<std::string_view> views(args.begin(), args.end());
    server_->ProcessCommand(c, views);
    return TakeReply(out);
  }

  // Pops one parsed reply from a client's output (nil-array marker when there is none).
  static RespValue TakeReply(OutputBuffer* out) {
    std::string bytes = out->ToString();
    RespValue v;
    long used = ParseReply(bytes, &v);
    if (used <= 0) {
      v = RespValue{};
      v.type = RespValue::Type::kError;
      v.str = "(no reply)";
      return v;
    }
    out->Consume(static_cast<size_t>(used));
    return v;
  }

  // A second client, for WATCH, pub/sub and the like.
  Client* NewClient(OutputBuffer* out) { return server_->AddLocalClient(out); }

  std::unique_ptr<Config> config_;
  std::unique_ptr<Server> server_;
  OutputBuffer out_;
  Client* client_;
};

// Matchers over RespValue.
MATCHER(IsOk, "is +OK") {
  return arg.type == RespValue::Type::kSimple && arg.str == "OK";
}
MATCHER_P(IsSimple, s, "is +" + std::string(s)) {
  return arg.type == RespValue::Type::kSimple && arg.str == s;
}
MATCHER_P(IsInt, n, "is :" + std::to_string(n)) {
  return arg.type == RespValue::Type::kInteger && arg.integer == n;
}
MATCHER_P(IsBulk, s, "is \"" + std::string(s) + "\"") {
  return arg.type == RespValue::Type::kBulk && arg.str == s;
}
MATCHER(IsNil, "is nil") {
  return arg.type == RespValue::Type::kNull || arg.type == RespValue::Type::kNullArray;
}
// Matches an error whose text starts with the given prefix ("WRONGTYPE", "ERR syntax error").
MATCHER_P(IsError, prefix, "is an error starting with " + std::string(prefix)) {
  return arg.type == RespValue::Type::kError && arg.str.rfind(prefix, 0) == 0;
}
MATCHER_P(IsArrayOfSize, n, "is an array of " + std::to_string(n)) {
  return arg.is_array() && arg.elems.size() == static_cast<size_t>(n);
}

// The bulk strings of an array reply, for comparing with ElementsAre / UnorderedElementsAre.
inline std::vector<std::string> StrArray(const RespValue& v) {
  std::vector<std::string> out;
  for (const RespValue& e : v.elems) out.push_back(e.type == RespValue::Type::kNull ? "(nil)" : e.str);
  return out;
}

inline void PrintTo(const RespValue& v, std::ostream* os) { *os << v.DebugString(); }

}  // namespace sable

// Writes replies in RESP2 or RESP3 into an OutputBuffer. The protocol version belongs to the
// connection (HELLO), so handlers call the same methods either way and never see the difference.
// A concrete class rather than an interface: the reply path is the hottest path we have, and a
// captured reply (Lua, tests) is just a builder writing into a scratch buffer.
#pragma once

#include <cstdint>
#include <string>
#include <iterator>
#include <string_view>

#include "server/resp/output_buffer.h"

namespace sable {

class ReplyBuilder {
 public:
  explicit ReplyBuilder(OutputBuffer* out, bool resp3 = false) : out_(out), resp3_(resp3) {}

  bool resp3() const { return resp3_; }
  void set_resp3(bool on) { resp3_ = on; }
  OutputBuffer* buffer() { return out_; }
  void set_buffer(OutputBuffer* out) { out_ = out; }
  // Errors sent through this builder since the counter was last read (INFO errorstats, EXEC).
  uint64_t errors() const { return errors_; }
  // The first word of the last error sent ("ERR", "WRONGTYPE"), for INFO errorstats.
  const std::string& last_error() const { return last_error_; }

  void SendOk() { out_->Append("+OK\r\n", 5); }
  void SendSimple(std::string_view s);
  // `msg` is the whole error text without the leading '-', e.g. "ERR syntax error".
  void SendError(std::string_view msg);
  void SendLong(int64_t v) { SendPrefixed(':', v); }
  void SendBulk(std::string_view s);
  void SendNull() {
    if (resp3_) {
      out_->Append("_\r\n", 3);
    } else {
      out_->Append("$-1\r\n", 5);
    }
  }
  void SendNullArray() {
    if (resp3_) {
      out_->Append("_\r\n", 3);
    } else {
      out_->Append("*-1\r\n", 5);
    }
  }
  void SendDouble(double d);
  void SendBool(bool b);
  // RESP3 verbatim string with a 3-letter format ("txt"); a bulk string in RESP2.
  void SendVerbatim(std::string_view format, std::string_view text);
  void SendBigNumber(std::string_view digits);

  void StartArray(size_t n) { SendPrefixed('*', static_cast<int64_t>(n)); }
  // A map of n pairs (RESP2: flat array of 2n).
  void StartMap(size_t n) {
    if (resp3_) {
      SendPrefixed('%', static_cast<int64_t>(n));
    } else {
      SendPrefixed('*', static_cast<int64_t>(2 * n));
    }
  }
  void StartSet(size_t n) { SendPrefixed(resp3_ ? '~' : '*', static_cast<int64_t>(n)); }
  // Out-of-band messages (pub/sub); an array in RESP2.
  void StartPush(size_t n) { SendPrefixed(resp3_ ? '>' : '*', static_cast<int64_t>(n)); }
  // Attribute-free "empty" values.
  // An array of status lines: every HELP subcommand answers this way.
  template <typename Lines>
  void SendSimpleLines(const Lines& lines) {
    StartArray(std::size(lines));
    for (std::string_view line : lines) SendSimple(line);
  }
  void SendEmptyArray() { out_->Append("*0\r\n", 4); }

  void SendBulks(std::initializer_list<std::string_view> items) {
    StartArray(items.size());
    for (std::string_view s : items) SendBulk(s);
  }
  // Raw bytes already in RESP form.
  void SendRaw(std::string_view s) { out_->Append(s); }

 private:
  void SendPrefixed(char prefix, int64_t v);

  OutputBuffer* out_;
  bool resp3_;
  uint64_t errors_ = 0;
  std::string last_error_;
};

}  // namespace sable

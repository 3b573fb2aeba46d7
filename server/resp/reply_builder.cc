#include "server/resp/reply_builder.h"

#include <cstring>

#include "server/util/numbers.h"

namespace sable {

void ReplyBuilder::SendPrefixed(char prefix, int64_t v) {
  char buf[32];
  buf[0] = prefix;
  size_t n = 1 + FormatInt64(v, buf + 1);
  buf[n++] = '\r';
  buf[n++] = '\n';
  out_->Append(buf, n);
}

void ReplyBuilder::SendSimple(std::string_view s) {
  char buf[128];
  if (s.size() + 3 <= sizeof(buf)) {
    buf[0] = '+';
    std::memcpy(buf + 1, s.data(), s.size());
    buf[s.size() + 1] = '\r';
    buf[s.size() + 2] = '\n';
    out_->Append(buf, s.size() + 3);
    return;
  }
  out_->Append("+", 1);
  out_->Append(s);
  out_->Append("\r\n", 2);
}

void ReplyBuilder::SendError(std::string_view msg) {
  ++errors_;
  last_error_.assign(msg.substr(0, msg.find(' ')));
  out_->Append("-", 1);
  // An error must stay on one line: newlines would desynchronise the client's parser.
  if (msg.find_first_of("\r\n") == std::string_view::npos) {
    out_->Append(msg);
  } else {
    std::string clean(msg);
    for (char& c : clean) {
      if (c == '\r' || c == '\n') c = ' ';
    }
    out_->Append(clean);
  }
  out_->Append("\r\n", 2);
}

void ReplyBuilder::SendBulk(std::string_view s) {
  char buf[64];
  buf[0] = '$';
  size_t n = 1 + FormatUint64(s.size(), buf + 1);
  buf[n++] = '\r';
  buf[n++] = '\n';
  if (s.size() <= sizeof(buf) - n - 2) {
    // Small values go out in one append.
    std::memcpy(buf + n, s.data(), s.size());
    n += s.size();
    buf[n++] = '\r';
    buf[n++] = '\n';
    out_->Append(buf, n);
    return;
  }
  out_->Append(buf, n);
  out_->Append(s);
  out_->Append("\r\n", 2);
}

void ReplyBuilder::SendDouble(double d) {
  char buf[64];
  size_t n = FormatDouble(d, buf);
  if (resp3_) {
    out_->Append(",", 1);
    out_->Append(buf, n);
    out_->Append("\r\n", 2);
  } else {
    SendBulk({buf, n});
  }
}

void ReplyBuilder::SendBool(bool b) {
  if (resp3_) {
    out_->Append(b ? "#t\r\n" : "#f\r\n", 4);
  } else {
    out_->Append(b ? ":1\r\n" : ":0\r\n", 4);
  }
}

void ReplyBuilder::SendVerbatim(std::string_view format, std::string_view text) {
  if (!resp3_) {
    SendBulk(text);
    return;
  }
  SendPrefixed('=', static_cast<int64_t>(text.size() + 4));
  out_->Append(format);
  out_->Append(":", 1);
  out_->Append(text);
  out_->Append("\r\n", 2);
}

void ReplyBuilder::SendBigNumber(std::string_view digits) {
  if (!resp3_) {
    SendBulk(digits);
    return;
  }
  out_->Append("(", 1);
  out_->Append(digits);
  out_->Append("\r\n", 2);
}

}  // namespace sable

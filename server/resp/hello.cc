#include "server/resp/hello.h"

#include <cctype>
#include <charconv>

#include "server/resp/errors.h"
#include "server/resp/reply_builder.h"

namespace sable {
namespace {

// server/resp includes nothing else of ours, so the two helpers HELLO needs live here.
bool SameNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  }
  return true;
}

// Redis's string2ll rules for the protocol version: digits with an optional '-', no '+', no
// spaces, no leading zeros.
bool ParseVersion(std::string_view s, int64_t* out) {
  std::string_view digits = !s.empty() && s[0] == '-' ? s.substr(1) : s;
  if (digits.empty() || (digits[0] == '0' && s.size() > 1)) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

std::string ParseHello(const std::vector<std::string_view>& args, bool resp3_now,
                       HelloRequest* out) {
  out->version = resp3_now ? 3 : 2;
  size_t i = 1;
  if (args.size() >= 2) {
    if (!ParseVersion(args[1], &out->version)) {
      return "ERR Protocol version is not an integer or out of range";
    }
    if (out->version < 2 || out->version > 3) return std::string(errors::kNoProto);
    i = 2;
  }
  for (; i < args.size(); ++i) {
    size_t more = args.size() - i - 1;
    if (SameNoCase(args[i], "auth") && more >= 2) {
      out->has_auth = true;
      out->user = args[i + 1];
      out->pass = args[i + 2];
      i += 2;
    } else if (SameNoCase(args[i], "setname") && more >= 1) {
      out->has_name = true;
      out->name = args[i + 1];
      i += 1;
    } else {
      return "ERR Syntax error in HELLO option '" + std::string(args[i]) + "'";
    }
  }
  return "";
}

void SendHelloReply(ReplyBuilder& rb, std::string_view version, int64_t proto, int64_t client_id,
                    std::string_view mode, std::string_view role) {
  rb.StartMap(role.empty() ? 6 : 7);
  rb.SendBulk("server");
  rb.SendBulk("redis");
  rb.SendBulk("version");
  rb.SendBulk(version);
  rb.SendBulk("proto");
  rb.SendLong(proto);
  rb.SendBulk("id");
  rb.SendLong(client_id);
  rb.SendBulk("mode");
  rb.SendBulk(mode);
  if (!role.empty()) {
    rb.SendBulk("role");
    rb.SendBulk(role);
  }
  rb.SendBulk("modules");
  rb.StartArray(0);
}

bool ValidClientName(std::string_view name) {
  for (char ch : name) {
    if (ch < '!' || ch > '~') return false;
  }
  return true;
}

}  // namespace sable

// The connection handshake both RESP front ends (sable-server and sable-sentinel) share: HELLO's
// arguments and the client-name rule of HELLO SETNAME and CLIENT SETNAME. What a front end then
// does with them (authenticate, set the protocol, name the client) stays its own.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sable {

inline constexpr std::string_view kHelloNoAuth =
    "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
    "HELLO AUTH <user> <pass> option can be used to authenticate the client and "
    "select the RESP protocol version at the same time";
inline constexpr std::string_view kBadClientName =
    "ERR Client names cannot contain spaces, newlines or special characters.";

struct HelloRequest {
  int64_t version = 2;  // the protocol asked for; the current one when HELLO has no argument
  bool has_auth = false;
  std::string_view user;
  std::string_view pass;
  bool has_name = false;
  std::string_view name;
};

// Parses HELLO [protover [AUTH username password] [SETNAME clientname]] (args[0] is HELLO).
// Returns "" on success, else Redis's error reply text.
std::string ParseHello(const std::vector<std::string_view>& args, bool resp3_now,
                       HelloRequest* out);

class ReplyBuilder;

// HELLO's reply map in Redis's field order; `role` is left out when empty (sentinels have none).
void SendHelloReply(ReplyBuilder& rb, std::string_view version, int64_t proto, int64_t client_id,
                    std::string_view mode, std::string_view role);

// Client names (and CLIENT SETINFO attributes) are printed unquoted in CLIENT LIST, whose
// lines are split on spaces: only printable ASCII without spaces is allowed.
bool ValidClientName(std::string_view name);

}  // namespace sable

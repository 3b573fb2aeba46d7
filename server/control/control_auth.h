// Who may use the control port: the secret check for NodeAdmin (constant time), and the address
// rules that decide which interfaces the port binds and when the server must refuse to start.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sable::control {

// True when a and b are equal. Takes time that depends only on the longer length, never on
// where they differ, so a caller cannot guess the secret byte by byte.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// The `authorization` metadata value carries the secret, bare or as "Bearer <secret>".
bool AuthorizationMatches(std::string_view secret, std::string_view header);

// 127.0.0.0/8, ::1, ::ffff:127.x.x.x and "localhost".
bool IsLoopbackAddress(std::string_view addr);

// A wildcard address ("*", "0.0.0.0", "::", "::*") binds every interface.
bool IsWildcardAddress(std::string_view addr);

// control-bind when not configured: 127.0.0.1, plus the concrete non-loopback addresses of the
// node's `bind` (a leading '-' dropped) when the port is secured; unsecured, those are skipped
// (and listed in *skipped) so a default configuration never exposes an open NodeAdmin.
std::vector<std::string> DefaultControlBind(const std::vector<std::string>& bind, bool secured,
                                            std::vector<std::string>* skipped);

// "" when the control port may bind these addresses; otherwise the fatal error: a non-loopback
// address needs control-auth or mTLS.
std::string CheckExposure(const std::vector<std::string>& control_bind, bool secured);

// "host:port" as gRPC wants it, with IPv6 addresses in brackets and "*" as every interface.
std::string ListenAddress(std::string_view addr, int port);

}  // namespace sable::control

#include "server/control/control_auth.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace sable::control {

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  size_t n = std::max(a.size(), b.size());
  // Every byte up to the longer length is compared, missing ones as zero: the loop's duration
  // does not depend on the contents, and a length mismatch still fails.
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    unsigned char ca = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char cb = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(ca ^ cb);
  }
  return diff == 0;
}

bool AuthorizationMatches(std::string_view secret, std::string_view header) {
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() >= kBearer.size() && header.substr(0, kBearer.size()) == kBearer) {
    header.remove_prefix(kBearer.size());
  }
  return ConstantTimeEquals(secret, header);
}

bool IsLoopbackAddress(std::string_view addr) {
  if (addr == "localhost") return true;
  std::string s(addr);
  in_addr v4;
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    // An IPv4-mapped loopback address.
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

bool IsWildcardAddress(std::string_view addr) {
  return addr == "*" || addr == "::*" || addr == "0.0.0.0" || addr == "::" || addr.empty();
}

std::vector<std::string> DefaultControlBind(const std::vector<std::string>& bind, bool secured,
                                            std::vector<std::string>* skipped) {
  std::vector<std::string> out = {"127.0.0.1"};
  for (std::string_view a : bind) {
    if (!a.empty() && a[0] == '-') a.remove_prefix(1);
    if (IsWildcardAddress(a) || IsLoopbackAddress(a)) continue;
    if (std::find(out.begin(), out.end(), a) != out.end()) continue;
    if (!secured) {
      if (skipped) skipped->emplace_back(a);
      continue;
    }
    out.emplace_back(a);
  }
  return out;
}

std::string CheckExposure(const std::vector<std::string>& control_bind, bool secured) {
  if (secured) return "";
  for (const std::string& a : control_bind) {
    std::string_view v = a;
    if (!v.empty() && v[0] == '-') v.remove_prefix(1);
    if (!IsLoopbackAddress(v)) {
      return "control-bind '" + a +
             "' is not a loopback address: set control-auth, or "
             "control-tls-cert-file, control-tls-key-file and control-tls-ca-cert-file (mTLS), "
             "before exposing the control port";
    }
  }
  return "";
}

std::string ListenAddress(std::string_view addr, int port) {
  if (!addr.empty() && addr[0] == '-') addr.remove_prefix(1);
  std::string host;
  if (addr == "*" || addr == "0.0.0.0") {
    host = "0.0.0.0";
  } else if (addr == "::*" || addr == "::") {
    host = "[::]";
  } else if (addr.find(':') != std::string_view::npos) {
    host = "[" + std::string(addr) + "]";
  } else {
    host = std::string(addr);
  }
  return host + ":" + std::to_string(port);
}

}  // namespace sable::control

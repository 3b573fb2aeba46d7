#include "sentinel/common.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <random>

#include "server/util/clock.h"

namespace sable::sentinel {

int64_t NowMs() { return MonoUs() / 1000; }

std::string Sanitize(std::string_view s, size_t max) {
  std::string out(s.substr(0, max));
  for (char& ch : out) {
    if (ch == '\r' || ch == '\n') ch = ' ';
  }
  return out;
}

bool ValidRunId(std::string_view id) {
  if (id.size() != 40) return false;
  for (char c : id) {
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) return false;
  }
  return true;
}

bool ValidPeerAddress(std::string_view ip, int64_t port) {
  if (ip.empty() || ip.size() > 255 || port <= 0 || port > 65535) return false;
  for (char c : ip) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return false;
  }
  return true;
}

bool ValidAddress(const std::string& host, bool resolve) {
  in_addr a4;
  in6_addr a6;
  if (inet_pton(AF_INET, host.c_str(), &a4) == 1 || inet_pton(AF_INET6, host.c_str(), &a6) == 1) {
    return true;
  }
  if (!resolve) return false;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &res) != 0) return false;
  freeaddrinfo(res);
  return true;
}

std::string RandomHex(size_t n) {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
  static const char kHex[] = "0123456789abcdef";
  std::string out(n, '0');
  for (char& c : out) c = kHex[gen() & 15];
  return out;
}

}  // namespace sable::sentinel

#include "sentinel/resp_probe.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sentinel/common.h"
#include "server/resp/reply_parser.h"

namespace sable::sentinel {

namespace {

std::string Command(std::initializer_list<std::string> parts) {
  std::string out = "*" + std::to_string(parts.size()) + "\r\n";
  for (const auto& p : parts) out += "$" + std::to_string(p.size()) + "\r\n" + p + "\r\n";
  return out;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(-1); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset(int fd) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

bool WaitFd(int fd, short events, int64_t deadline) {
  int64_t left = deadline - NowMs();
  if (left <= 0) return false;
  pollfd p{fd, events, 0};
  int rc;
  do {
    rc = poll(&p, 1, static_cast<int>(left));
  } while (rc < 0 && errno == EINTR);
  return rc > 0;
}

constexpr int kNoAddress = -1;       // the name does not resolve
constexpr int kConnectTimeout = -2;  // no answer by the deadline

// Connects a non-blocking socket to ip:port by `deadline`, leaving it in *fd. Returns 0 when
// connected, kNoAddress, kConnectTimeout, or the errno of the failure (ECONNREFUSED, ...).
int Connect(const std::string& ip, int port, int64_t deadline, Fd* fd) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* ai = nullptr;
  if (getaddrinfo(ip.c_str(), std::to_string(port).c_str(), &hints, &ai) != 0 || !ai) {
    return kNoAddress;
  }
  fd->reset(socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd->get() < 0) {
    int err = errno;
    freeaddrinfo(ai);
    return err;
  }
  int rc = connect(fd->get(), ai->ai_addr, ai->ai_addrlen);
  int err = rc < 0 ? errno : 0;
  freeaddrinfo(ai);
  if (rc == 0) return 0;
  if (err != EINPROGRESS) return err;
  if (!WaitFd(fd->get(), POLLOUT, deadline)) return kConnectTimeout;
  err = 0;
  socklen_t len = sizeof(err);
  getsockopt(fd->get(), SOL_SOCKET, SO_ERROR, &err, &len);
  return err;
}

}  // namespace

bool TcpRefused(const std::string& ip, int port, int timeout_ms) {
  Fd fd(-1);
  return Connect(ip, port, NowMs() + timeout_ms, &fd) == ECONNREFUSED;
}

ProbeResult ProbeControlPort(const std::string& ip, int port, const std::string& auth_user,
                             const std::string& auth_pass, int timeout_ms) {
  ProbeResult res;
  int64_t deadline = NowMs() + timeout_ms;
  Fd fd(-1);
  int err = Connect(ip, port, deadline, &fd);
  if (err != 0) {
    res.error = err == kNoAddress       ? "cannot resolve " + ip
                : err == kConnectTimeout ? std::string("connect timeout")
                                         : std::string(strerror(err));
    return res;
  }
  sockaddr_storage local{};
  socklen_t local_len = sizeof(local);
  if (getsockname(fd.get(), reinterpret_cast<sockaddr*>(&local), &local_len) == 0) {
    char text[INET6_ADDRSTRLEN] = {0};
    if (local.ss_family == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&local)->sin_addr, text, sizeof(text));
    } else if (local.ss_family == AF_INET6) {
      inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&local)->sin6_addr, text,
                sizeof(text));
    }
    res.local_ip = text;
  }
  std::string out;
  int expected = 1;
  if (!auth_pass.empty()) {
    out +=
        auth_user.empty() ? Command({"AUTH", auth_pass}) : Command({"AUTH", auth_user, auth_pass});
    expected = 2;
  }
  out += Command({"INFO", "server"});
  size_t off = 0;
  while (off < out.size()) {
    if (!WaitFd(fd.get(), POLLOUT, deadline)) {
      res.error = "write timeout";
      return res;
    }
    ssize_t n = send(fd.get(), out.data() + off, out.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      res.error = strerror(errno);
      return res;
    }
    off += static_cast<size_t>(n);
  }
  std::string in;
  std::vector<RespValue> replies;
  char buf[16384];
  while (static_cast<int>(replies.size()) < expected) {
    RespValue v;
    long used = ParseReply(in, &v);
    if (used < 0) {
      res.error = "protocol error";
      return res;
    }
    if (used > 0) {
      in.erase(0, static_cast<size_t>(used));
      replies.push_back(std::move(v));
      continue;
    }
    if (!WaitFd(fd.get(), POLLIN, deadline)) {
      res.error = "read timeout";
      return res;
    }
    ssize_t n = recv(fd.get(), buf, sizeof(buf), 0);
    if (n == 0) {
      res.error = "connection closed";
      return res;
    }
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      res.error = strerror(errno);
      return res;
    }
    in.append(buf, static_cast<size_t>(n));
  }
  const RespValue& info = replies.back();
  if (info.type == RespValue::Type::kError) {
    res.error = info.str;
    return res;
  }
  res.ok = true;
  const std::string& text = info.str;
  size_t pos = text.find("control_port:");
  if (pos != std::string::npos && (pos == 0 || text[pos - 1] == '\n')) {
    res.control_port = std::atoi(text.c_str() + pos + strlen("control_port:"));
    res.has_control_port = true;
  }
  return res;
}

}  // namespace sable::sentinel

#include "server/net/connection.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <uv.h>

#include <cstring>

#include "server/net/net_server.h"
#include "server/resp/errors.h"

namespace sable::net {
namespace {

constexpr size_t kReadChunk = 16 * 1024;
constexpr int kMaxIov = 64;

std::string AddrToString(const sockaddr_storage& ss) {
  char ip[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (ss.ss_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&ss);
    uv_ip4_name(sin, ip, sizeof(ip));
    port = ntohs(sin->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    uv_ip6_name(sin6, ip, sizeof(ip));
    port = ntohs(sin6->sin6_port);
  }
  return std::string(ip) + ":" + std::to_string(port);
}

}  // namespace

Connection::Connection(NetServer* server, uv_stream_s* stream, uint64_t id, bool unix_socket)
    : server_(server), stream_(stream), id_(id), unix_(unix_socket) {
  stream_->data = this;
  if (unix_) {
    char path[256];
    size_t len = sizeof(path);
    if (uv_pipe_getsockname(reinterpret_cast<uv_pipe_t*>(stream_), path, &len) == 0) {
      local_ = std::string(path, len) + ":0";
    }
    peer_ = local_;
  } else {
    sockaddr_storage ss;
    int len = sizeof(ss);
    auto* tcp = reinterpret_cast<uv_tcp_t*>(stream_);
    if (uv_tcp_getpeername(tcp, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
      peer_ = AddrToString(ss);
    }
    len = sizeof(ss);
    if (uv_tcp_getsockname(tcp, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
      local_ = AddrToString(ss);
    }
  }
  parser_.set_max_bulk_len(server_->max_bulk_len());
}

Connection::~Connection() = default;

std::string_view Connection::peer_ip() const {
  std::string_view p = peer_;
  size_t colon = p.rfind(':');
  return colon == std::string_view::npos ? p : p.substr(0, colon);
}

bool Connection::IsLocal() const {
  if (unix_) return true;
  std::string_view ip = peer_ip();
  return ip.starts_with("127.") || ip == "::1" || ip.starts_with("::ffff:127.");
}

int Connection::fd() const {
  uv_os_fd_t fd = -1;
  uv_fileno(reinterpret_cast<const uv_handle_t*>(stream_), &fd);
  return fd;
}

char* Connection::ReadSpace(size_t* len) {
  size_t want = kReadChunk;
  // A partly read big bulk tells us its size: grow once instead of doubling many times.
  size_t needed = parser_.needed();
  if (needed > 0 && qstart_ + needed > qlen_ + want) want = qstart_ + needed - qlen_;
  if (qcap_ - qlen_ < want) {
    if (qstart_ > 0 && qcap_ - (qlen_ - qstart_) >= want) {
      std::memmove(qbuf_.get(), qbuf_.get() + qstart_, qlen_ - qstart_);
      qlen_ -= qstart_;
      qstart_ = 0;
    } else {
      size_t cap = qcap_ ? qcap_ : kReadChunk;
      size_t live = qlen_ - qstart_;
      while (cap < live + want) cap *= 2;
      std::unique_ptr<char[]> fresh(new char[cap]);
      if (live) std::memcpy(fresh.get(), qbuf_.get() + qstart_, live);
      qbuf_ = std::move(fresh);
      qcap_ = cap;
      qlen_ = live;
      qstart_ = 0;
    }
  }
  *len = qcap_ - qlen_;
  return qbuf_.get() + qlen_;
}

void Connection::StartReading() {
  uv_read_start(
      stream_,
      [](uv_handle_t* h, size_t, uv_buf_t* buf) {
        auto* c = static_cast<Connection*>(h->data);
        size_t len;
        buf->base = c->ReadSpace(&len);
        buf->len = len;
      },
      [](uv_stream_t* s, ssize_t nread, const uv_buf_t*) {
        static_cast<Connection*>(s->data)->OnRead(nread);
      });
}

void Connection::ReadNow() {
  int sock = fd();
  if (sock < 0) return;
  for (int i = 0; i < 16 && !closing() && !paused_ && !in_process_; ++i) {
    size_t len = 0;
    char* space = ReadSpace(&len);
    ssize_t n = ::recv(sock, space, len, MSG_DONTWAIT);
    // Nothing yet, or EOF and errors: libuv's own read sees those again and handles them.
    if (n <= 0) return;
    OnRead(n);
  }
}

void Connection::OnRead(ssize_t nread) {
  if (nread < 0) {
    Close();
    return;
  }
  if (nread == 0 || closing()) return;
  server_->bytes_read_ += static_cast<uint64_t>(nread);
  qlen_ += static_cast<size_t>(nread);
  if (qlen_ - qstart_ > qpeak_) qpeak_ = qlen_ - qstart_;
  ProcessInput();
  if (!closing() && query_buffer_size() > server_->query_buffer_limit()) {
    // Redis closes such clients without a reply.
    Close();
  }
}

void Connection::ProcessInput() {
  if (in_process_) return;
  in_process_ = true;
  ConnectionHandler* handler = server_->handler();
  while (!paused_ && !closing() && qstart_ < qlen_) {
    size_t consumed = 0;
    std::string_view input(qbuf_.get() + qstart_, qlen_ - qstart_);
    auto result = parser_.Parse(input, &consumed, &args_);
    if (result == RequestParser::Result::kIncomplete) break;
    if (result == RequestParser::Result::kError) {
      std::string msg = "-";
      msg.append(errors::kProtoPrefix).append(parser_.error()).append("\r\n");
      out_.Append(msg);
      qstart_ = qlen_ = 0;
      CloseAfterReply();
      break;
    }
    if (result == RequestParser::Result::kCommand) {
      bool go_on = handler->OnRequest(this, args_);
      qstart_ += consumed;
      if (!go_on) paused_ = true;
    } else {
      qstart_ += consumed;
    }
  }
  if (qstart_ == qlen_) qstart_ = qlen_ = 0;
  in_process_ = false;
  if (!closed_) handler->AfterInput(this);
  ScheduleFlush();
}

void Connection::Resume() {
  if (!paused_) return;
  paused_ = false;
  if (qstart_ < qlen_ && !closing()) {
    // Run from the loop, not from inside whoever resumed us.
    server_->loop()->Post([this, id = id_, srv = server_] {
      (void)id;
      if (srv->conns_.count(this)) ProcessInput();
    });
  }
}

void Connection::ScheduleFlush() {
  if (flush_scheduled_) return;
  flush_scheduled_ = true;
  server_->pending_flush_.push_back(this);
}

void Connection::Flush() {
  flush_scheduled_ = false;
  if (closed_ || closing_ || writing_) return;
  while (!out_.empty()) {
    iovec iov[kMaxIov];
    int n = out_.FillIov(iov, kMaxIov);
    static_assert(sizeof(uv_buf_t) == sizeof(iovec));
    int written = uv_try_write(stream_, reinterpret_cast<uv_buf_t*>(iov), n);
    if (written == UV_EAGAIN || written == UV_ENOSYS) written = 0;
    if (written < 0) {
      Close();
      return;
    }
    out_.Consume(static_cast<size_t>(written));
    server_->bytes_written_ += static_cast<uint64_t>(written);
    size_t total = 0;
    for (int i = 0; i < n; ++i) total += iov[i].iov_len;
    if (static_cast<size_t>(written) < total) {
      // The socket is full: hand the rest to libuv and wait for its callback.
      n = out_.FillIov(iov, kMaxIov);
      in_flight_ = 0;
      for (int i = 0; i < n; ++i) in_flight_ += iov[i].iov_len;
      auto* req = new uv_write_t;
      req->data = this;
      writing_ = true;
      int rc = uv_write(req, stream_, reinterpret_cast<uv_buf_t*>(iov), n,
                        [](uv_write_t* r, int status) {
                          auto* c = static_cast<Connection*>(r->data);
                          delete r;
                          if (c) c->OnWriteDone(status);
                        });
      if (rc != 0) {
        delete req;
        writing_ = false;
        Close();
      }
      return;
    }
  }
  if (close_after_reply_) Close();
}

void Connection::OnWriteDone(int status) {
  writing_ = false;
  if (closed_) return;
  if (status < 0) {
    Close();
    return;
  }
  out_.Consume(in_flight_);
  server_->bytes_written_ += in_flight_;
  in_flight_ = 0;
  if (!out_.empty() || close_after_reply_) ScheduleFlush();
  if (closing_) ReallyClose();
}

void Connection::CloseAfterReply() {
  if (close_after_reply_ || closing_) return;
  close_after_reply_ = true;
  uv_read_stop(stream_);
  ScheduleFlush();
}

void Connection::Close() {
  if (closing_) return;
  closing_ = true;
  uv_read_stop(stream_);
  server_->pending_close_.push_back(this);
}

void Connection::ReallyClose() {
  if (closed_) return;
  if (writing_) return;  // the write callback finishes the job
  closed_ = true;
  server_->Retire(this);
}

}  // namespace sable::net

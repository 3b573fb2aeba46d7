#include "server/net/tcp_client.h"

#include <netdb.h>
#include <sys/socket.h>
#include <uv.h>

#include <cstring>

namespace sable::net {

struct TcpClient::Impl {
  uv_tcp_t tcp;
  uv_connect_t connect_req;
  ConnectFn on_connect;
  DataFn on_data;
  ErrorFn on_error;
  bool closed = false;  // the owner let go: no more callbacks
  bool connected = false;
  std::string read_buf;

  void Shut() {
    closed = true;
    on_connect = nullptr;
    on_data = nullptr;
    on_error = nullptr;
    auto* h = reinterpret_cast<uv_handle_t*>(&tcp);
    if (!uv_is_closing(h)) {
      uv_close(h, [](uv_handle_t* handle) { delete static_cast<Impl*>(handle->data); });
    }
  }
};

namespace {

struct WriteReq {
  uv_write_t req;
  std::string data;
};

}  // namespace

TcpClient::TcpClient(EventLoop* loop) : loop_(loop) {}

TcpClient::~TcpClient() { Close(); }

void TcpClient::Connect(const std::string& host, int port, ConnectFn on_connect, DataFn on_data,
                        ErrorFn on_error) {
  Close();
  // Resolution is synchronous, as Redis's connectWithMaster (anetTcpGenericConnect) does it.
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int grc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
  if (grc != 0 || res == nullptr) {
    std::string err = std::string("Can't resolve ") + host + ": " + gai_strerror(grc);
    loop_->Post([cb = std::move(on_connect), err] { cb(err); });
    return;
  }
  impl_ = new Impl;
  impl_->on_connect = std::move(on_connect);
  impl_->on_data = std::move(on_data);
  impl_->on_error = std::move(on_error);
  uv_tcp_init(loop_->raw(), &impl_->tcp);
  impl_->tcp.data = impl_;
  impl_->connect_req.data = impl_;
  int rc = uv_tcp_connect(
      &impl_->connect_req, &impl_->tcp, res->ai_addr, [](uv_connect_t* req, int status) {
        auto* im = static_cast<Impl*>(req->data);
        if (im->closed) return;
        if (status != 0) {
          ConnectFn cb = std::move(im->on_connect);
          if (cb) cb(uv_strerror(status));
          return;
        }
        im->connected = true;
        uv_tcp_nodelay(&im->tcp, 1);
        uv_read_start(
            reinterpret_cast<uv_stream_t*>(&im->tcp),
            [](uv_handle_t* h, size_t suggested, uv_buf_t* buf) {
              auto* self = static_cast<Impl*>(h->data);
              self->read_buf.resize(64 * 1024);
              buf->base = self->read_buf.data();
              buf->len = self->read_buf.size();
            },
            [](uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
              auto* self = static_cast<Impl*>(s->data);
              if (self->closed) return;
              if (nread > 0) {
                if (self->on_data) self->on_data(std::string_view(buf->base, nread));
              } else if (nread < 0) {
                ErrorFn cb = self->on_error;
                if (cb)
                  cb(nread == UV_EOF ? "connection lost" : uv_strerror(static_cast<int>(nread)));
              }
            });
        ConnectFn cb = im->on_connect;
        if (cb) cb("");
      });
  freeaddrinfo(res);
  if (rc != 0) {
    std::string err = uv_strerror(rc);
    ConnectFn cb = std::move(impl_->on_connect);
    impl_->Shut();
    impl_ = nullptr;
    loop_->Post([cb = std::move(cb), err] { cb(err); });
  }
}

void TcpClient::Write(std::string data) {
  if (impl_ == nullptr || !impl_->connected || data.empty()) return;
  auto* w = new WriteReq;
  w->data = std::move(data);
  w->req.data = impl_;
  uv_buf_t buf = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
  int rc = uv_write(&w->req, reinterpret_cast<uv_stream_t*>(&impl_->tcp), &buf, 1,
                    [](uv_write_t* req, int status) {
                      auto* im = static_cast<Impl*>(req->data);
                      delete reinterpret_cast<WriteReq*>(req);
                      if (status != 0 && status != UV_ECANCELED && !im->closed && im->on_error) {
                        ErrorFn cb = im->on_error;
                        cb(uv_strerror(status));
                      }
                    });
  if (rc != 0) delete w;
}

void TcpClient::Close() {
  if (impl_ == nullptr) return;
  impl_->Shut();
  impl_ = nullptr;
}

bool TcpClient::connected() const { return impl_ != nullptr && impl_->connected; }

std::string TcpClient::LocalIp() const {
  if (!connected()) return "";
  sockaddr_storage ss;
  int len = sizeof(ss);
  if (uv_tcp_getsockname(&impl_->tcp, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "";
  char ip[INET6_ADDRSTRLEN] = {0};
  if (ss.ss_family == AF_INET6) {
    uv_ip6_name(reinterpret_cast<sockaddr_in6*>(&ss), ip, sizeof(ip));
  } else {
    uv_ip4_name(reinterpret_cast<sockaddr_in*>(&ss), ip, sizeof(ip));
  }
  return ip;
}

}  // namespace sable::net

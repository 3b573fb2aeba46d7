#include "server/net/net_server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include <cstring>

namespace sable::net {

struct NetServer::Listener {
  union {
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } handle;
  bool unix_socket;
  NetServer* owner;
};

NetServer::NetServer(EventLoop* loop, ConnectionHandler* handler)
    : loop_(loop), handler_(handler) {
  loop_->AddBeforeSleep([this] { FlushAll(); });
}

NetServer::~NetServer() {
  StopListening();
  for (Connection* c : std::vector<Connection*>(conns_.begin(), conns_.end())) {
    c->closed_ = true;
    Retire(c);
  }
}

std::string NetServer::ListenTcp(const std::vector<std::string>& addrs, int port, int backlog) {
  for (std::string addr : addrs) {
    bool optional = !addr.empty() && addr[0] == '-';
    if (optional) addr.erase(0, 1);
    sockaddr_storage ss;
    int rc;
    bool v6 = addr.find(':') != std::string::npos;
    if (addr == "*") {
      rc = uv_ip4_addr("0.0.0.0", port, reinterpret_cast<sockaddr_in*>(&ss));
    } else if (addr == "::*" || addr == "::") {
      rc = uv_ip6_addr("::", port, reinterpret_cast<sockaddr_in6*>(&ss));
      v6 = true;
    } else if (v6) {
      rc = uv_ip6_addr(addr.c_str(), port, reinterpret_cast<sockaddr_in6*>(&ss));
    } else {
      rc = uv_ip4_addr(addr.c_str(), port, reinterpret_cast<sockaddr_in*>(&ss));
    }
    if (rc != 0) return "Invalid bind address '" + addr + "'";
    auto* l = new Listener;
    l->unix_socket = false;
    l->owner = this;
    uv_tcp_init(loop_->raw(), &l->handle.tcp);
    l->handle.tcp.data = l;
    rc = uv_tcp_bind(&l->handle.tcp, reinterpret_cast<sockaddr*>(&ss), v6 ? UV_TCP_IPV6ONLY : 0);
    if (rc == 0) {
      rc = uv_listen(reinterpret_cast<uv_stream_t*>(&l->handle.tcp), backlog,
                     [](uv_stream_t* s, int status) {
                       auto* lst = static_cast<Listener*>(s->data);
                       if (status == 0) lst->owner->OnConnection(lst);
                     });
    }
    if (rc != 0) {
      uv_close(reinterpret_cast<uv_handle_t*>(&l->handle.tcp),
               [](uv_handle_t* h) { delete static_cast<Listener*>(h->data); });
      // An unavailable IPv6 stack or a '-' address is skipped, as Redis does.
      bool unsupported = rc == UV_EAFNOSUPPORT || rc == UV_EADDRNOTAVAIL || rc == UV_EPROTONOSUPPORT;
      if (optional || (unsupported && addrs.size() > 1)) continue;
      return "Could not create server TCP listening socket " + addr + ":" + std::to_string(port) +
             ": " + uv_strerror(rc);
    }
    listeners_.push_back(l);
  }
  return "";
}

std::string NetServer::ListenUnix(const std::string& path, int perm, int backlog) {
  unlink(path.c_str());
  auto* l = new Listener;
  l->unix_socket = true;
  l->owner = this;
  uv_pipe_init(loop_->raw(), &l->handle.pipe, 0);
  l->handle.pipe.data = l;
  int rc = uv_pipe_bind(&l->handle.pipe, path.c_str());
  if (rc == 0) {
    rc = uv_listen(reinterpret_cast<uv_stream_t*>(&l->handle.pipe), backlog,
                   [](uv_stream_t* s, int status) {
                     auto* lst = static_cast<Listener*>(s->data);
                     if (status == 0) lst->owner->OnConnection(lst);
                   });
  }
  if (rc != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(&l->handle.pipe),
             [](uv_handle_t* h) { delete static_cast<Listener*>(h->data); });
    return "Failed opening Unix socket: " + std::string(uv_strerror(rc));
  }
  if (perm) chmod(path.c_str(), static_cast<mode_t>(perm));
  listeners_.push_back(l);
  return "";
}

void NetServer::StopListening() {
  for (Listener* l : listeners_) {
    uv_close(reinterpret_cast<uv_handle_t*>(&l->handle),
             [](uv_handle_t* h) { delete static_cast<Listener*>(h->data); });
  }
  listeners_.clear();
}

void NetServer::StopListeningTcp() {
  std::vector<Listener*> keep;
  for (Listener* l : listeners_) {
    if (l->unix_socket) {
      keep.push_back(l);
      continue;
    }
    uv_close(reinterpret_cast<uv_handle_t*>(&l->handle),
             [](uv_handle_t* h) { delete static_cast<Listener*>(h->data); });
  }
  listeners_ = std::move(keep);
}

void NetServer::OnConnection(Listener* l) {
  uv_stream_t* stream;
  if (l->unix_socket) {
    auto* p = new uv_pipe_t;
    uv_pipe_init(loop_->raw(), p, 0);
    stream = reinterpret_cast<uv_stream_t*>(p);
  } else {
    auto* t = new uv_tcp_t;
    uv_tcp_init(loop_->raw(), t);
    stream = reinterpret_cast<uv_stream_t*>(t);
  }
  if (uv_accept(reinterpret_cast<uv_stream_t*>(&l->handle), stream) != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(stream), [](uv_handle_t* h) {
      if (h->type == UV_NAMED_PIPE) {
        delete reinterpret_cast<uv_pipe_t*>(h);
      } else {
        delete reinterpret_cast<uv_tcp_t*>(h);
      }
    });
    return;
  }
  Adopt(stream, l->unix_socket);
}

void NetServer::AcceptNow(Listener* l) {
  uv_os_fd_t listen_fd;
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(&l->handle), &listen_fd) != 0) return;
  for (int i = 0; i < 64; ++i) {
    int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // none waiting (EAGAIN), or an error libuv's accept sees too
    uv_stream_t* stream;
    int rc;
    if (l->unix_socket) {
      auto* p = new uv_pipe_t;
      uv_pipe_init(loop_->raw(), p, 0);
      rc = uv_pipe_open(p, fd);
      stream = reinterpret_cast<uv_stream_t*>(p);
    } else {
      auto* t = new uv_tcp_t;
      uv_tcp_init(loop_->raw(), t);
      rc = uv_tcp_open(t, fd);
      stream = reinterpret_cast<uv_stream_t*>(t);
    }
    if (rc != 0) {
      ::close(fd);
      uv_close(reinterpret_cast<uv_handle_t*>(stream), [](uv_handle_t* h) {
        if (h->type == UV_NAMED_PIPE) {
          delete reinterpret_cast<uv_pipe_t*>(h);
        } else {
          delete reinterpret_cast<uv_tcp_t*>(h);
        }
      });
      continue;
    }
    Adopt(stream, l->unix_socket);
  }
}

void NetServer::Adopt(uv_stream_t* stream, bool unix_socket) {
  if (!unix_socket) {
    auto* t = reinterpret_cast<uv_tcp_t*>(stream);
    uv_tcp_nodelay(t, 1);
    if (tcp_keepalive_ > 0) uv_tcp_keepalive(t, 1, tcp_keepalive_);
  }
  auto* c = new Connection(this, stream, next_id_++, unix_socket);
  conns_.insert(c);
  if (!handler_->OnOpen(c)) {
    c->CloseAfterReply();
    return;
  }
  c->StartReading();
}

void NetServer::FlushAll() {
  // Flushing may schedule more (a write callback), so swap the list first.
  std::vector<Connection*> batch;
  batch.swap(pending_flush_);
  for (Connection* c : batch) c->Flush();
  std::vector<Connection*> doomed;
  doomed.swap(pending_close_);
  for (Connection* c : doomed) c->ReallyClose();
}

void NetServer::ServeWhileBusy() {
  for (Listener* l : listeners_) AcceptNow(l);
  // Nothing is freed before the loop runs again (closes are deferred), so the copy stays valid.
  std::vector<Connection*> conns(conns_.begin(), conns_.end());
  for (Connection* c : conns) c->ReadNow();
  std::vector<Connection*> batch;
  batch.swap(pending_flush_);
  for (Connection* c : batch) c->Flush();
}

void NetServer::Retire(Connection* c) {
  handler_->OnClose(c);
  conns_.erase(c);
  // Drop it from the pending lists so nobody touches it after free.
  for (auto& p : pending_flush_) {
    if (p == c) p = nullptr;
  }
  std::erase(pending_flush_, nullptr);
  std::erase(pending_close_, c);
  uv_handle_t* h = reinterpret_cast<uv_handle_t*>(c->stream_);
  h->data = c;
  uv_close(h, [](uv_handle_t* handle) {
    auto* conn = static_cast<Connection*>(handle->data);
    if (handle->type == UV_NAMED_PIPE) {
      delete reinterpret_cast<uv_pipe_t*>(handle);
    } else {
      delete reinterpret_cast<uv_tcp_t*>(handle);
    }
    delete conn;
  });
}

}  // namespace sable::net

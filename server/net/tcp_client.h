// An outbound TCP connection (a replica's link to its primary): resolves and connects
// asynchronously, hands received bytes to a callback and queues writes. Callbacks run on the
// loop thread and never after Close(); the client may be destroyed from inside one of them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "server/net/event_loop.h"

namespace sable::net {

class TcpClient {
 public:
  // err is "" once connected, else why the connection failed.
  using ConnectFn = std::function<void(const std::string& err)>;
  using DataFn = std::function<void(std::string_view data)>;
  // The peer closed the connection or an I/O error happened; err describes it.
  using ErrorFn = std::function<void(const std::string& err)>;

  explicit TcpClient(EventLoop* loop);
  ~TcpClient();
  TcpClient(const TcpClient&) = delete;
  TcpClient& operator=(const TcpClient&) = delete;

  void Connect(const std::string& host, int port, ConnectFn on_connect, DataFn on_data,
               ErrorFn on_error);
  // Queues bytes for sending (ignored when not connected).
  void Write(std::string data);
  // Drops the connection; no callback runs afterwards. Safe to call more than once.
  void Close();
  bool connected() const;
  // Our side's address once connected ("" before).
  std::string LocalIp() const;

 private:
  struct Impl;
  EventLoop* loop_;
  Impl* impl_ = nullptr;  // freed by libuv's close callback, detached on Close()
};

}  // namespace sable::net

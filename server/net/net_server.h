// Accepts TCP and unix-socket connections on the main loop and owns their lifetime.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "server/net/connection.h"
#include "server/net/event_loop.h"

struct uv_stream_s;

namespace sable::net {

class NetServer {
 public:
  NetServer(EventLoop* loop, ConnectionHandler* handler);
  ~NetServer();

  // Binds each address on `port` ("*" = all IPv4, "::*" or "::" = all IPv6, a leading '-' marks
  // an address that may be missing, as in Redis's bind). Returns an error text or "".
  std::string ListenTcp(const std::vector<std::string>& addrs, int port, int backlog);
  std::string ListenUnix(const std::string& path, int perm, int backlog);
  void StopListening();
  // Closes only the TCP listeners (CONFIG SET port/bind rebinds them; the unix socket stays).
  void StopListeningTcp();

  // Limits applied to every connection's input.
  void set_query_buffer_limit(size_t n) { query_buffer_limit_ = n; }
  void set_max_bulk_len(int64_t n) { max_bulk_len_ = n; }
  void set_tcp_keepalive(int seconds) { tcp_keepalive_ = seconds; }

  EventLoop* loop() { return loop_; }
  ConnectionHandler* handler() { return handler_; }
  size_t query_buffer_limit() const { return query_buffer_limit_; }
  int64_t max_bulk_len() const { return max_bulk_len_; }

  // Flushes every connection with pending output; closes those marked for closing.
  void FlushAll();
  // While a long script holds up the loop (Redis's processEventsWhileBlocked): reads and
  // processes what every other connection sent, and sends their replies. New connections are
  // accepted here; closes wait for the loop.
  void ServeWhileBusy();
  size_t connection_count() const { return conns_.size(); }
  // Bytes read from and written to every connection since the last call (INFO's
  // total_net_input_bytes and total_net_output_bytes).
  std::pair<uint64_t, uint64_t> TakeByteCounts() {
    std::pair<uint64_t, uint64_t> r{bytes_read_, bytes_written_};
    bytes_read_ = bytes_written_ = 0;
    return r;
  }

 private:
  friend class Connection;
  struct Listener;
  void OnConnection(Listener* l);
  // Accepts what waits on `l` without libuv (ServeWhileBusy: its callbacks cannot run).
  void AcceptNow(Listener* l);
  // Takes an accepted stream in as a connection.
  void Adopt(uv_stream_s* stream, bool unix_socket);
  void Retire(Connection* c);

  EventLoop* loop_;
  ConnectionHandler* handler_;
  std::vector<Listener*> listeners_;
  std::unordered_set<Connection*> conns_;
  uint64_t bytes_read_ = 0;
  uint64_t bytes_written_ = 0;
  std::vector<Connection*> pending_flush_;
  std::vector<Connection*> pending_close_;
  uint64_t next_id_ = 1;
  size_t query_buffer_limit_ = 1024ull * 1024 * 1024;
  int64_t max_bulk_len_ = 512ll * 1024 * 1024;
  int tcp_keepalive_ = 300;
};

}  // namespace sable::net

// One client connection: reads into a query buffer, parses requests and hands each to the
// handler, buffers replies and flushes them with one vectored write per loop iteration. Knows no
// command. Closing is always deferred to a safe point, so a handler may close the connection it
// is serving.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/resp/output_buffer.h"
#include "server/resp/request_parser.h"

struct uv_stream_s;

namespace sable::net {

class Connection;
class NetServer;

class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  // A new connection. Return false to refuse it: whatever was written to its output is sent,
  // then it is closed (maxclients, protected mode).
  virtual bool OnOpen(Connection* c) = 0;
  // One parsed request; args are valid only during the call. Return false to stop processing
  // this connection's buffered input until Resume() (blocked client).
  virtual bool OnRequest(Connection* c, std::vector<std::string_view>& args) = 0;
  // After a batch of input was processed (output limits, stats).
  virtual void AfterInput(Connection* c) {}
  // The connection is going away; `c` is freed right after.
  virtual void OnClose(Connection* c) = 0;
};

class Connection {
 public:
  Connection(NetServer* server, uv_stream_s* stream, uint64_t id, bool unix_socket);
  ~Connection();

  uint64_t id() const { return id_; }
  bool is_unix() const { return unix_; }
  // "ip:port" of the peer and of our side ("/path:0" for unix sockets, as Redis prints).
  const std::string& peer() const { return peer_; }
  const std::string& local() const { return local_; }
  std::string_view peer_ip() const;
  // Unix socket or loopback peer: what protected-mode and enable-*-command "local" allow.
  bool IsLocal() const;
  int fd() const;

  OutputBuffer& out() { return out_; }
  RequestParser& parser() { return parser_; }
  // Bytes read but not yet processed, and the buffer's allocation.
  size_t query_buffer_size() const { return qlen_ - qstart_; }
  size_t query_buffer_alloc() const { return qcap_; }
  size_t query_buffer_peak() const { return qpeak_; }

  // Sends what is buffered, then closes.
  void CloseAfterReply();
  // Closes at the next safe point without sending pending output.
  void Close();
  bool closing() const { return closing_ || close_after_reply_; }

  // Stops request processing from inside a request handler, as returning false does
  // (CLIENT PAUSE holds a client); Resume() undoes either.
  void Pause() { paused_ = true; }
  // Resumes request processing after the handler returned false.
  void Resume();
  // Queues this connection for the before-sleep flush.
  void ScheduleFlush();

  void* user = nullptr;  // the server's per-client state

 private:
  friend class NetServer;
  void StartReading();
  // Reads what the socket holds now, without waiting, and processes it (NetServer's
  // ServeWhileBusy: the loop is held up by a script).
  void ReadNow();
  void OnRead(ssize_t nread);
  void ProcessInput();
  void Flush();
  void OnWriteDone(int status);
  void ReallyClose();
  char* ReadSpace(size_t* len);

  NetServer* server_;
  uv_stream_s* stream_;
  uint64_t id_;
  bool unix_;
  std::string peer_;
  std::string local_;
  RequestParser parser_;
  std::vector<std::string_view> args_;
  OutputBuffer out_;
  // The query buffer: [qstart_, qlen_) holds unprocessed bytes.
  std::unique_ptr<char[]> qbuf_;
  size_t qstart_ = 0;
  size_t qlen_ = 0;
  size_t qcap_ = 0;
  size_t qpeak_ = 0;
  bool paused_ = false;
  bool in_process_ = false;
  bool writing_ = false;
  bool flush_scheduled_ = false;
  bool closing_ = false;
  bool close_after_reply_ = false;
  bool closed_ = false;
  size_t in_flight_ = 0;
};

}  // namespace sable::net

// Server::MemoryReport: where the used memory goes, gathered the way Redis's
// getMemoryOverheadData does (startup, replication backlog, client buffers, AOF buffer, script
// caches, the keyspace tables; the rest is the dataset).
#include "server/core/server.h"
#include "server/persist/aof.h"
#include "server/repl/repl_state.h"
#include "server/scripting/function_store.h"
#include "server/scripting/lua_engine.h"

namespace sable {

memory::Overhead Server::MemoryReport() {
  memory::Overhead mh;
  mh.total_allocated = UsedMemory();
  peak_memory_ = std::max(peak_memory_, mh.total_allocated);
  mh.peak_allocated = peak_memory_;
  mh.startup_allocated = startup_memory_;
  mh.repl_backlog = repl_->backlog_active() ? static_cast<size_t>(repl_->backlog_size()) : 0;
  for (const auto& [id, c] : clients_) {
    net::Connection* conn = c->conn();
    if (conn == nullptr) continue;
    size_t used = sizeof(Client) + conn->query_buffer_alloc() + conn->out().allocated() +
                  c->queued_bytes;
    if (c->is_replica) {
      mh.clients_slaves += conn->out().allocated();
      ++mh.replicas;
    } else {
      mh.clients_normal += used;
      ++mh.normal_clients;
    }
  }
  if (aof_ != nullptr) mh.aof_buffer = aof_->Status().buffer_length;
  mh.lua_caches = lua().scripts_memory();
  mh.cached_scripts = lua().script_count();
  mh.functions_caches = functions().memory();
  for (int i = 0; i < db_count(); ++i) {
    Db& d = db(i);
    mh.keys_count += d.size();
    if (d.size() == 0) continue;
    mh.dbs.push_back({i, d.MainTableBytes(), d.ExpireTableBytes()});
  }
  memory::ReadAllocator(&mh.allocator);
  mh.rss = memory::RssBytes();
  mh.Finish();
  return mh;
}

}  // namespace sable

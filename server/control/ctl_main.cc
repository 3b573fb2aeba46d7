// sable-ctl: a small command-line client of a data node's control port (grpc.health.v1.Health
// and sable.NodeAdmin), for operators, scripts and docker compose healthchecks.
//
//   sable-ctl [-h host] [-p control-port] [-a secret] [-t timeout-ms]
//             [--tls-ca file [--tls-cert file --tls-key file]] command [args]
//
// Exit status 0 on success (for `health`: only when SERVING), 1 on an RPC error or a status
// other than SERVING, 2 on a usage error.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "proto/health.grpc.pb.h"
#include "proto/node_admin.grpc.pb.h"

namespace {

struct Options {
  std::string host = "127.0.0.1";
  int port = 6379 + 20000;  // the default control port of a node on the default port
  std::string secret;
  int timeout_ms = 2000;
  std::string tls_ca, tls_cert, tls_key;
  std::vector<std::string> args;  // the command and its arguments
};

void Usage() {
  std::fprintf(stderr,
               "usage: sable-ctl [-h host] [-p control-port] [-a secret] [-t timeout-ms]\n"
               "                 [--tls-ca file] [--tls-cert file --tls-key file] command\n"
               "commands:\n"
               "  health [service]       print SERVING/NOT_SERVING; exit 0 only if SERVING\n"
               "  watch [service] [n]    print health changes as they stream (n messages)\n"
               "  state                  print the node's replication state\n"
               "  promote                REPLICAOF NO ONE (keeps the old replid as replid2)\n"
               "  replicaof host port    follow a primary\n"
               "  client-kill type       normal|master|replica|slave|pubsub\n"
               "  config-set name value  CONFIG SET\n"
               "  config-rewrite         CONFIG REWRITE\n");
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "sable-ctl: can't read %s\n", path.c_str());
    std::exit(2);
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool ParseOptions(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) return false;
      *out = argv[++i];
      return true;
    };
    std::string v;
    if (!o->args.empty()) {
      o->args.push_back(a);
    } else if (a == "-h") {
      if (!value(&o->host)) return false;
    } else if (a == "-p") {
      if (!value(&v)) return false;
      o->port = std::atoi(v.c_str());
    } else if (a == "-a") {
      if (!value(&o->secret)) return false;
    } else if (a == "-t") {
      if (!value(&v)) return false;
      o->timeout_ms = std::atoi(v.c_str());
    } else if (a == "--tls-ca") {
      if (!value(&o->tls_ca)) return false;
    } else if (a == "--tls-cert") {
      if (!value(&o->tls_cert)) return false;
    } else if (a == "--tls-key") {
      if (!value(&o->tls_key)) return false;
    } else if (a == "--help") {
      return false;
    } else {
      o->args.push_back(a);
    }
  }
  return !o->args.empty();
}

std::shared_ptr<grpc::Channel> MakeChannel(const Options& o) {
  std::string target = o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host;
  target += ":" + std::to_string(o.port);
  std::shared_ptr<grpc::ChannelCredentials> creds = grpc::InsecureChannelCredentials();
  if (!o.tls_ca.empty()) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ReadFile(o.tls_ca);
    if (!o.tls_cert.empty()) {
      ssl.pem_cert_chain = ReadFile(o.tls_cert);
      ssl.pem_private_key = ReadFile(o.tls_key);
    }
    creds = grpc::SslCredentials(ssl);
  }
  return grpc::CreateChannel(target, creds);
}

void Prepare(const Options& o, grpc::ClientContext* ctx) {
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(o.timeout_ms));
  if (!o.secret.empty()) ctx->AddMetadata("authorization", o.secret);
}

const char* CodeName(grpc::StatusCode c) {
  switch (c) {
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "ERROR";
  }
}

int Fail(const grpc::Status& st) {
  std::fprintf(stderr, "%s: %s\n", CodeName(st.error_code()), st.error_message().c_str());
  return 1;
}

const char* StatusName(grpc::health::v1::HealthCheckResponse::ServingStatus s) {
  switch (s) {
    case grpc::health::v1::HealthCheckResponse::SERVING:
      return "SERVING";
    case grpc::health::v1::HealthCheckResponse::NOT_SERVING:
      return "NOT_SERVING";
    case grpc::health::v1::HealthCheckResponse::SERVICE_UNKNOWN:
      return "SERVICE_UNKNOWN";
    default:
      return "UNKNOWN";
  }
}

void PrintState(const sable::NodeState& s) {
  std::printf(
      "run_id:%s\nrole:%s\nreplid:%s\nreplid2:%s\nrepl_offset:%lld\n"
      "second_repl_offset:%lld\n",
      s.run_id().c_str(), s.role().c_str(), s.replid().c_str(), s.replid2().c_str(),
      static_cast<long long>(s.repl_offset()), static_cast<long long>(s.second_repl_offset()));
  if (s.role() == "slave") {
    std::printf("master_host:%s\nmaster_port:%d\nmaster_link_up:%d\nmaster_link_down_ms:%lld\n",
                s.master_host().c_str(), s.master_port(), s.master_link_up() ? 1 : 0,
                static_cast<long long>(s.master_link_down_ms()));
  }
  std::printf("replica_priority:%d\nreplica_announced:%d\nloading:%d\n", s.replica_priority(),
              s.replica_announced() ? 1 : 0, s.loading() ? 1 : 0);
  std::printf("connected_replicas:%d\n", s.replicas_size());
  for (int i = 0; i < s.replicas_size(); ++i) {
    const sable::ReplicaLink& r = s.replicas(i);
    std::printf("replica%d:ip=%s,port=%d,state=%s,offset=%lld,lag=%lld\n", i, r.ip().c_str(),
                r.port(), r.state().c_str(), static_cast<long long>(r.offset()),
                static_cast<long long>(r.lag_seconds()));
  }
  std::printf("port:%d\ncontrol_port:%d\nuptime_ms:%lld\n", s.port(), s.control_port(),
              static_cast<long long>(s.uptime_ms()));
}

int Health(const Options& o, const std::vector<std::string>& a) {
  auto stub = grpc::health::v1::Health::NewStub(MakeChannel(o));
  grpc::health::v1::HealthCheckRequest req;
  if (a.size() > 1) req.set_service(a[1]);
  grpc::health::v1::HealthCheckResponse resp;
  grpc::ClientContext ctx;
  Prepare(o, &ctx);
  grpc::Status st = stub->Check(&ctx, req, &resp);
  if (!st.ok()) return Fail(st);
  std::printf("%s\n", StatusName(resp.status()));
  return resp.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 1;
}

// Streams status changes, one line each, flushed at once (tests read them as they come). Ends
// after n messages when n > 0; the deadline (-t) bounds the whole stream.
int Watch(const Options& o, const std::vector<std::string>& a) {
  auto stub = grpc::health::v1::Health::NewStub(MakeChannel(o));
  grpc::health::v1::HealthCheckRequest req;
  if (a.size() > 1) req.set_service(a[1]);
  int limit = a.size() > 2 ? std::atoi(a[2].c_str()) : 0;
  grpc::ClientContext ctx;
  Prepare(o, &ctx);
  auto reader = stub->Watch(&ctx, req);
  grpc::health::v1::HealthCheckResponse resp;
  int n = 0;
  while (reader->Read(&resp)) {
    std::printf("%s\n", StatusName(resp.status()));
    std::fflush(stdout);
    if (limit > 0 && ++n >= limit) {
      ctx.TryCancel();
      break;
    }
  }
  grpc::Status st = reader->Finish();
  if (limit > 0 && n >= limit) return 0;
  return Fail(st);
}

int Admin(const Options& o, const std::vector<std::string>& a) {
  auto stub = sable::NodeAdmin::NewStub(MakeChannel(o));
  grpc::ClientContext ctx;
  Prepare(o, &ctx);
  const std::string& cmd = a[0];
  grpc::Status st;
  sable::NodeState state;
  if (cmd == "state" && a.size() == 1) {
    st = stub->GetState(&ctx, sable::Empty(), &state);
  } else if ((cmd == "promote" && a.size() == 1) ||
             (cmd == "replicaof" && a.size() == 3 && a[1] == "no" && a[2] == "one")) {
    st = stub->Promote(&ctx, sable::PromoteRequest(), &state);
  } else if (cmd == "replicaof" && a.size() == 3) {
    sable::ReplicaOfRequest req;
    req.set_host(a[1]);
    req.set_port(std::atoi(a[2].c_str()));
    st = stub->ReplicaOf(&ctx, req, &state);
  } else if (cmd == "client-kill" && a.size() == 2) {
    sable::ClientKillRequest req;
    req.set_type(a[1]);
    sable::ClientKillReply reply;
    st = stub->ClientKill(&ctx, req, &reply);
    if (!st.ok()) return Fail(st);
    std::printf("killed:%lld\n", static_cast<long long>(reply.killed()));
    return 0;
  } else if (cmd == "config-set" && a.size() == 3) {
    sable::ConfigSetRequest req;
    req.set_name(a[1]);
    req.set_value(a[2]);
    sable::Empty reply;
    st = stub->ConfigSet(&ctx, req, &reply);
    if (!st.ok()) return Fail(st);
    std::printf("OK\n");
    return 0;
  } else if (cmd == "config-rewrite" && a.size() == 1) {
    sable::Empty reply;
    st = stub->ConfigRewrite(&ctx, sable::Empty(), &reply);
    if (!st.ok()) return Fail(st);
    std::printf("OK\n");
    return 0;
  } else {
    Usage();
    return 2;
  }
  if (!st.ok()) return Fail(st);
  PrintState(state);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!ParseOptions(argc, argv, &o)) {
    Usage();
    return 2;
  }
  if (o.args[0] == "health") return Health(o, o.args);
  if (o.args[0] == "watch") return Watch(o, o.args);
  return Admin(o, o.args);
}

// HttpServer: `qun serve` — the REST API (/v1), the dashboard's static files,
// /healthz, /readyz and /metrics over HTTP/1.1 (cpp-httplib), in front of one
// open Workspace. docs/api/README.md describes auth, roles, errors, limits.
//
// Every request goes through one dispatch path: route match → bearer token →
// role check → per-token rate limit → handler → structured error mapping →
// access log line and metrics. Handlers run on a fixed pool of worker
// threads; readers share the workspace read lock, ingest serializes on the
// workspace writer.
//
// Lifecycle: Bind() then Serve() (blocks). Stop() from any thread begins a
// graceful drain: /readyz turns 503, the listener closes, requests in flight
// finish, then Serve() returns.
//
// Thread-safety: Stop() and port() may be called from any thread.
#ifndef QUN_SERVER_SERVER_H_
#define QUN_SERVER_SERVER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "qun/status.h"

namespace qun {
class Workspace;
}

namespace qun::server {

class Authenticator;

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                          // 0 = any free port
  size_t max_body_bytes = 32u << 20;        // larger requests get 413
  size_t max_events_per_request = 200000;   // larger batches get 413
  double rate_per_second = 50;              // per token; <= 0 disables
  double rate_burst = 200;
  int read_timeout_s = 30;                  // per socket read
  int write_timeout_s = 30;
  int keep_alive_timeout_s = 5;
  int threads = 8;
  bool access_log = true;                   // one JSON line per request on stderr
};

class HttpServer {
 public:
  HttpServer(ServerOptions options, Workspace* workspace, Authenticator* auth);
  ~HttpServer();

  // Binds the listening socket. Unavailable when the address is in use.
  Status Bind();
  int port() const;
  // Serves until Stop(); returns after the drain.
  Status Serve();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace qun::server

#endif  // QUN_SERVER_SERVER_H_

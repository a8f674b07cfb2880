#include "server/server.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/time.h"
#include "server/assets.h"
#include "server/auth.h"
#include "server/http_errors.h"
#include "server/rate_limiter.h"
#include "server/router.h"
#include "server/server_metrics.h"
#include "store/workspace.h"

namespace qun::server {
namespace {

using Clock = std::chrono::steady_clock;

// What the access log needs to know about the request this worker thread is
// serving (set by dispatch, read by the logger right after, same thread).
struct RequestNote {
  Clock::time_point start;
  std::string route;  // pattern, or "static" / "-"
  std::string token;  // token *name*, never the token
};
thread_local RequestNote t_note;

double SecondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

double NowSeconds() { return std::chrono::duration<double>(Clock::now().time_since_epoch()).count(); }

void SendApi(httplib::Response& res, const ApiResponse& r) {
  res.status = r.status;
  res.set_content(r.body, r.content_type.c_str());
}

}  // namespace

struct HttpServer::Impl {
  ServerOptions opt;
  Workspace* ws;
  Authenticator* auth;
  httplib::Server svr;
  Router router;
  RateLimiter limiter;
  ServerMetrics metrics;
  std::atomic<bool> draining{false};
  std::atomic<int> bound_port{0};
  std::mutex log_mu;

  Impl(ServerOptions o, Workspace* w, Authenticator* a)
      : opt(std::move(o)), ws(w), auth(a), limiter(opt.rate_per_second, opt.rate_burst) {
    RegisterAllRoutes(router);
  }

  std::string Gauges() {
    auto lock = ws->ReadLock();
    const Engine& e = ws->engine();
    return fmt::format(
        "# HELP qun_events Events in the store.\n# TYPE qun_events gauge\nqun_events {}\n"
        "# HELP qun_members Live members (people).\n# TYPE qun_members gauge\nqun_members {}\n"
        "# HELP qun_communities Communities.\n# TYPE qun_communities gauge\nqun_communities {}\n"
        "# HELP qun_engine_bytes Approximate engine memory.\n# TYPE qun_engine_bytes gauge\nqun_engine_bytes {}\n"
        "# HELP qun_draining 1 while the server drains for shutdown.\n# TYPE qun_draining gauge\nqun_draining {}\n",
        e.events().size(), e.live_member_count(), e.communities().size(), e.MemoryBytes(), draining.load() ? 1 : 0);
  }

  void ServeStatic(const httplib::Request& req, httplib::Response& res) {
    t_note.route = "static";
    auto files = WebAssets();
    std::string_view path = req.path;
    if (path == "/") path = "/index.html";
    const EmbeddedFile* hit = nullptr;
    const EmbeddedFile* index = nullptr;
    for (const auto& f : files) {
      if (f.path == path) hit = &f;
      if (f.path == "/index.html") index = &f;
    }
    // Client-side routes (no extension) get the app shell.
    if (!hit && path.rfind('.') == std::string_view::npos) hit = index;
    if (!hit) {
      if (files.empty() && (path == "/index.html")) {
        res.status = 200;
        res.set_content(
            "<!doctype html><meta charset=utf-8><title>qun</title><p>The qun API is up (<a "
            "href=/v1/openapi.json>/v1/openapi.json</a>). The dashboard was not built into this binary: run "
            "<code>scripts/install-deps</code> (npm ci in web/) and rebuild.",
            "text/html; charset=utf-8");
        return;
      }
      SendApi(res, ApiResponse::Error(NotFound(fmt::format("no such file: {}", req.path))));
      return;
    }
    res.status = 200;
    res.set_content(hit->data.data(), hit->data.size(), std::string(ContentTypeFor(hit->path)).c_str());
    if (hit->path.rfind("/assets/", 0) == 0)
      res.set_header("Cache-Control", "public, max-age=31536000, immutable");
    else
      res.set_header("Cache-Control", "no-cache");
    res.set_header("Content-Security-Policy",
                   "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                   "connect-src 'self'; frame-ancestors 'none'");
  }

  // One response for every API path, in one place.
  ApiResponse Api(const httplib::Request& req, httplib::Response& res, std::string& body) {
    Router::Match m = router.Find(req.method, req.path);
    if (!m.route) {
      t_note.route = "-";
      if (m.method_mismatch)
        return ApiResponse{405, ErrorBody(InvalidArgument(fmt::format("{} is not allowed on {}", req.method, req.path)),
                                          {{"method", req.method}}),
                           "application/json"};
      return ApiResponse::Error(NotFound(fmt::format("no API route {} {}", req.method, req.path)));
    }
    const Route& route = *m.route;
    t_note.route = route.pattern;
    ApiRequest ar;
    ar.method = req.method;
    ar.path = req.path;
    ar.params = std::move(m.params);
    for (const auto& [k, v] : req.params) ar.query[k] = v;
    ar.content_type = req.get_header_value("Content-Type");

    // Public routes (documentation) need no token.
    bool is_public = route.min_role == Role::kPublic;
    if (!is_public) {
      std::string authz = req.get_header_value("Authorization");
      std::string_view token;
      if (authz.size() > 7 && (authz.compare(0, 7, "Bearer ") == 0 || authz.compare(0, 7, "bearer ") == 0))
        token = std::string_view(authz).substr(7);
      if (token.empty()) {
        metrics.AddAuthFailure();
        res.set_header("WWW-Authenticate", "Bearer realm=\"qun\"");
        return ApiResponse::Error(Unauthenticated("missing bearer token: send 'Authorization: Bearer <token>'"));
      }
      auto p = auth->Authenticate(token);
      if (!p.ok()) {
        metrics.AddAuthFailure();
        res.set_header("WWW-Authenticate", "Bearer realm=\"qun\", error=\"invalid_token\"");
        return ApiResponse::Error(p.status());
      }
      ar.principal = *p;
      t_note.token = p->name;
      if (static_cast<int>(p->role) < static_cast<int>(route.min_role))
        return ApiResponse::Error(
            PermissionDenied(fmt::format("{} {} needs role {} or higher; this token has role {}", route.method,
                                         route.pattern, RoleName(route.min_role), RoleName(p->role))),
            {{"required_role", RoleName(route.min_role)}, {"token_role", RoleName(p->role)}});
      double retry = 0;
      if (!limiter.Allow(p->token_id, NowSeconds(), &retry)) {
        metrics.AddRateLimited();
        int secs = std::max(1, static_cast<int>(std::ceil(retry)));
        res.set_header("Retry-After", std::to_string(secs));
        return ApiResponse::Error(
            ResourceExhausted(fmt::format("rate limit: {} requests/s per token (burst {}); retry in {} s",
                                          opt.rate_per_second, opt.rate_burst, secs)),
            {{"limit", "rate"}, {"retry_after_s", secs}});
      }
    }
    ar.body = std::move(body);
    ServerContext ctx{ws, auth, &metrics, opt.max_events_per_request};
    try {
      auto r = route.handler(ctx, ar);
      if (!r.ok()) {
        const Status& st = r.status();
        if (st.code() == StatusCode::kInternal || st.code() == StatusCode::kDataLoss) Log("error", st.ToString());
        return ApiResponse::Error(st);
      }
      return std::move(r).value();
    } catch (const std::exception& e) {
      Log("error", fmt::format("handler {} {} threw: {}", route.method, route.pattern, e.what()));
      return ApiResponse::Error(Internal("internal error (logged on the server)"));
    }
  }

  void Dispatch(const httplib::Request& req, httplib::Response& res, std::string body) {
    res.set_header("X-Content-Type-Options", "nosniff");
    if (req.path == "/healthz") {
      t_note.route = "/healthz";
      SendApi(res, ApiResponse::Json(nlohmann::json{{"status", "ok"}}));
    } else if (req.path == "/readyz") {
      t_note.route = "/readyz";
      if (draining)
        SendApi(res, ApiResponse::Error(Unavailable("draining for shutdown")));
      else
        SendApi(res, ApiResponse::Json(nlohmann::json{{"status", "ready"}}));
    } else if (req.path == "/metrics" && req.method == "GET") {
      t_note.route = "/metrics";
      res.status = 200;
      res.set_content(metrics.Render(Gauges()), "text/plain; version=0.0.4; charset=utf-8");
    } else if (req.path.rfind("/v1/", 0) == 0 || req.path == "/v1") {
      res.set_header("Cache-Control", "no-store");
      SendApi(res, Api(req, res, body));
    } else if (req.method == "GET" || req.method == "HEAD") {
      ServeStatic(req, res);
    } else {
      t_note.route = "-";
      SendApi(res, ApiResponse::Error(NotFound(fmt::format("no route {} {}", req.method, req.path))));
    }
  }

  ApiResponse TooLarge() const {
    return ApiResponse::Error(
        ResourceExhausted(fmt::format("request body over the {}-byte limit; split the batch", opt.max_body_bytes)),
        {{"limit", "request_bytes"}, {"max_bytes", opt.max_body_bytes}}, "request_bytes");
  }

  void Log(std::string_view level, const std::string& msg) {
    nlohmann::json j = {{"ts", FormatRfc3339(NowUtcMs())}, {"level", level}, {"msg", msg}};
    std::lock_guard l(log_mu);
    std::fprintf(stderr, "%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  }

  void AccessLog(const httplib::Request& req, const httplib::Response& res) {
    double secs = SecondsSince(t_note.start);
    std::string route = t_note.route.empty() ? "-" : t_note.route;
    metrics.ObserveRequest(req.method, route, res.status, secs);
    if (!opt.access_log) return;
    // Path only: no query string, no headers (tokens live in headers).
    nlohmann::json j = {{"ts", FormatRfc3339(NowUtcMs())},
                        {"remote", req.remote_addr},
                        {"method", req.method},
                        {"path", req.path},
                        {"route", route},
                        {"status", res.status},
                        {"bytes", res.body.size()},
                        {"ms", std::round(secs * 1e5) / 100},
                        {"token", t_note.token.empty() ? nlohmann::json() : nlohmann::json(t_note.token)}};
    std::lock_guard l(log_mu);
    std::fprintf(stderr, "%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  }

  static int64_t NowUtcMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

HttpServer::HttpServer(ServerOptions options, Workspace* workspace, Authenticator* auth)
    : impl_(std::make_unique<Impl>(std::move(options), workspace, auth)) {
  Impl* im = impl_.get();
  auto& svr = im->svr;
  int threads = std::max(2, im->opt.threads);
  svr.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  svr.set_tcp_nodelay(true);  // no Nagle/delayed-ACK 40 ms stall between header and body writes
  svr.set_payload_max_length(im->opt.max_body_bytes);
  svr.set_read_timeout(im->opt.read_timeout_s, 0);
  svr.set_write_timeout(im->opt.write_timeout_s, 0);
  svr.set_keep_alive_timeout(im->opt.keep_alive_timeout_s);
  svr.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    t_note = RequestNote{Clock::now(), {}, {}};
    return httplib::Server::HandlerResponse::Unhandled;
  });
  auto h = [im](const httplib::Request& req, httplib::Response& res) { im->Dispatch(req, res, req.body); };
  // Bodies are read here, not by httplib, so no content type is special
  // (httplib caps form-urlencoded bodies at 8 KiB, and curl -d sends that
  // type by default) and the size limit is ours.
  auto hb = [im](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
    std::string body;
    bool too_big = false;
    size_t max = im->opt.max_body_bytes;
    if (req.is_multipart_form_data()) {
      SendApi(res, ApiResponse::Error(InvalidArgument("multipart bodies are not accepted; send the data as the body")));
      return;
    }
    // No Content-Length and no chunked Transfer-Encoding: the request has no
    // body (RFC 9112 §6.3), e.g. `curl -X POST` without data. Reading would
    // wait for the peer to close and then fail on the read timeout.
    if (!req.has_header("Content-Length") &&
        req.get_header_value("Transfer-Encoding").find("chunked") == std::string::npos) {
      im->Dispatch(req, res, std::string());
      return;
    }
    bool read_ok = reader([&](const char* data, size_t len) {
      if (body.size() + len > max) {
        too_big = true;
        return false;
      }
      body.append(data, len);
      return true;
    });
    if (!read_ok && !too_big && req.get_header_value<uint64_t>("Content-Length") > max) too_big = true;
    if (!read_ok && !too_big) {
      t_note.route = "-";
      SendApi(res, ApiResponse::Error(InvalidArgument("could not read the request body (truncated or timed out)")));
      res.set_header("Connection", "close");
      return;
    }
    if (too_big) {
      t_note.route = "-";
      SendApi(res, im->TooLarge());
      res.set_header("Connection", "close");
      return;
    }
    im->Dispatch(req, res, std::move(body));
  };
  svr.Get(".*", h);
  svr.Post(".*", hb);
  svr.Put(".*", hb);
  svr.Delete(".*", h);
  svr.Patch(".*", hb);
  // Errors httplib raises itself (413 body too large, 400 bad request line…)
  // get the same error document.
  svr.set_error_handler([im](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (t_note.route.empty()) t_note.route = "-";
    ApiResponse r;
    if (res.status == 413)
      r = im->TooLarge();
    else
      r = ApiResponse{res.status, ErrorBody(InvalidArgument(fmt::format("HTTP {}", res.status))), "application/json"};
    res.status = r.status;
    res.set_content(r.body, r.content_type.c_str());
  });
  svr.set_exception_handler([im](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    im->Log("error", "unhandled exception in a request");
    SendApi(res, ApiResponse::Error(Internal("internal error (logged on the server)")));
  });
  svr.set_logger([im](const httplib::Request& req, const httplib::Response& res) { im->AccessLog(req, res); });
}

HttpServer::~HttpServer() = default;

Status HttpServer::Bind() {
  Impl* im = impl_.get();
  int port = im->opt.port;
  if (port == 0) {
    port = im->svr.bind_to_any_port(im->opt.host);
    if (port < 0) return Unavailable(fmt::format("cannot bind {}: no free port", im->opt.host));
  } else if (!im->svr.bind_to_port(im->opt.host, port)) {
    return Unavailable(fmt::format("cannot listen on {}:{} (address in use or not local?)", im->opt.host, port));
  }
  im->bound_port = port;
  return Status::Ok();
}

int HttpServer::port() const { return impl_->bound_port; }

Status HttpServer::Serve() {
  if (!impl_->svr.listen_after_bind() && !impl_->draining)
    return Unavailable("the listener stopped unexpectedly");
  return Status::Ok();
}

void HttpServer::Stop() {
  impl_->draining = true;
  impl_->Log("info", "draining: no new connections; finishing requests in flight");
  impl_->svr.stop();
}

}  // namespace qun::server

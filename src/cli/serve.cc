// qun serve: the REST API and the dashboard over HTTP (docs/api/README.md).
// Holds the data directory's writer lock while running; ingest goes through
// POST /v1/events. SIGTERM / SIGINT start a graceful drain;
// SIGHUP reloads the moderation rules.
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include <fmt/format.h>

#include "cli/command.h"
#include "server/auth.h"
#include "server/server.h"
#include "store/moderation/inline_moderation.h"
#include "store/sqlite/token_store.h"
#include "store/workspace.h"

namespace qun::cli {
namespace {

struct ServeFlags {
  std::string data_dir;
  std::string listen = "127.0.0.1:8080";
  bool print_admin_token = false;
  server::ServerOptions opt;
  size_t max_body_mb = 32;
  bool quiet = false;
};

Result<std::pair<std::string, int>> ParseListen(const std::string& s) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == s.size())
    return InvalidArgument(fmt::format("--listen '{}': expected HOST:PORT, e.g. 127.0.0.1:8080", s));
  std::string host = s.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = 0;
  for (char c : s.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535) return InvalidArgument(fmt::format("--listen '{}': bad port", s));
    port = port * 10 + (c - '0');
  }
  if (port > 65535) return InvalidArgument(fmt::format("--listen '{}': bad port", s));
  return std::make_pair(host, port);
}

Status RunServe(ServeFlags& f) {
  QUN_ASSIGN_OR_RETURN(auto hp, ParseListen(f.listen));
  f.opt.host = hp.first;
  f.opt.port = hp.second;
  f.opt.max_body_bytes = f.max_body_mb << 20;
  f.opt.access_log = !f.quiet;

  // Signals are handled by one thread (sigwait), so block them everywhere first.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::fprintf(stderr, "qun serve: opening %s …\n", f.data_dir.c_str());
  QUN_ASSIGN_OR_RETURN(auto ws, Workspace::Open(f.data_dir));
  QUN_ASSIGN_OR_RETURN(auto tokens, TokenStore::Open(f.data_dir, false));
  server::Authenticator auth(std::move(tokens));
  std::string admin_token;
  if (f.print_admin_token) {
    auto revoked = auth.Revoke("make-run");  // one live "make-run" token at a time
    (void)revoked;
    QUN_ASSIGN_OR_RETURN(auto created, auth.Create("make-run", server::Role::kAdmin));
    admin_token = created.second;
  }
  server::HttpServer srv(f.opt, ws.get(), &auth);
  QUN_RETURN_IF_ERROR(srv.Bind());
  std::string host = f.opt.host.find(':') != std::string::npos ? "[" + f.opt.host + "]" : f.opt.host;
  std::string url = fmt::format("http://{}:{}/", host, srv.port());
  std::printf("qun serve: listening on %s (dashboard and API /v1; Ctrl-C to stop)\n", url.c_str());
  if (!admin_token.empty()) std::printf("admin token (name 'make-run'): %s\n", admin_token.c_str());
  std::fflush(stdout);

  std::atomic<bool> done{false};
  std::thread signals([&srv, &done, &ws, set] {
    int sig = 0;
    for (;;) {
      sigwait(&set, &sig);
      if (done) return;  // woken after a normal stop
      if (sig != SIGHUP) break;
      // SIGHUP: reload the moderation rules (docs/moderation.md#hot-reload).
      store::InlineModeration* m = ws->moderation();
      auto r = m ? m->Reload(ws->data_dir()) : Result<size_t>(FailedPrecondition("no moderation store"));
      if (r.ok())
        std::fprintf(stderr, "qun serve: SIGHUP: moderation rules reloaded (%zu lexicon entries)\n", *r);
      else
        std::fprintf(stderr, "qun serve: SIGHUP: moderation rules not reloaded: %s\n",
                     r.status().message().c_str());
    }
    std::fprintf(stderr, "qun serve: %s received, draining\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    srv.Stop();
  });
  Status st = srv.Serve();
  done = true;
  pthread_kill(signals.native_handle(), SIGTERM);
  signals.join();
  std::fprintf(stderr, "qun serve: stopped\n");
  return st;
}

void Setup(CLI::App& root) {
  static ServeFlags flags;  // CLI11 binds to it for the process lifetime
  auto* f = &flags;
  auto* sub = root.add_subcommand("serve", "Serve the REST API (/v1) and the web dashboard over HTTP");
  sub->footer(
      "Requests need 'Authorization: Bearer <token>' (create one with 'qun token create').\n"
      "Open endpoints: /healthz, /readyz, /metrics (Prometheus), /v1/openapi.json, the dashboard.\n"
      "While serving, the data directory is locked: ingest with POST /v1/events.\n"
      "SIGTERM or Ctrl-C drains: in-flight requests finish, then the process exits.\n"
      "SIGHUP reloads the moderation rules (lexicons, allow-lists, policy) without pausing ingest.\n"
      "Examples:\n"
      "  qun token create --data-dir ./qun-data --role admin --name me\n"
      "  qun serve --data-dir ./qun-data --listen 127.0.0.1:8080\n"
      "Docs: docs/api/README.md, docs/dashboard.md");
  AddDataDirOption(sub, &f->data_dir);
  sub->add_option("--listen", f->listen, "HOST:PORT to listen on (port 0 = any free port)")
      ->default_val("127.0.0.1:8080");
  sub->add_flag("--print-admin-token", f->print_admin_token,
                "Create an admin token named 'make-run' (replacing an older one) and print it");
  sub->add_option("--threads", f->opt.threads, "Worker threads")->default_val(8)->check(CLI::Range(2, 256));
  sub->add_option("--max-body-mb", f->max_body_mb, "Largest request body in MiB (larger: 413)")
      ->default_val(32)
      ->check(CLI::Range(1, 1024));
  sub->add_option("--max-events", f->opt.max_events_per_request, "Most events in one POST /v1/events")
      ->default_val(200000)
      ->check(CLI::Range(1, 10000000));
  sub->add_option("--rate", f->opt.rate_per_second, "Requests per second per token (0 = unlimited)")
      ->default_val(50);
  sub->add_option("--burst", f->opt.rate_burst, "Burst size of the per-token rate limit")->default_val(200);
  sub->add_option("--timeout", f->opt.read_timeout_s, "Socket read/write timeout in seconds")
      ->default_val(30)
      ->check(CLI::Range(1, 3600))
      ->each([f](const std::string&) { f->opt.write_timeout_s = f->opt.read_timeout_s; });
  sub->add_flag("--quiet", f->quiet, "No access log on stderr");
  SetRun(sub, [f] { return RunServe(*f); });
}

}  // namespace
}  // namespace qun::cli

QUN_REGISTER_COMMAND(serve, 95, qun::cli::Setup);

// qun: the community operations engine's command line.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "cli/command.h"

namespace qun::cli {
namespace {

struct Registered {
  const char* name;
  int order;
  CommandSetup setup;
};

std::vector<Registered>& Registry() {
  static std::vector<Registered> r;
  return r;
}

int g_exit_code = 0;

}  // namespace

bool RegisterCommand(const char* name, int order, CommandSetup setup) {
  Registry().push_back({name, order, setup});
  return true;
}

int ExitCodeFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kOk: return 0;
    case StatusCode::kInternal: return 1;
    case StatusCode::kInvalidArgument: return 3;
    case StatusCode::kNotFound: return 4;
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition: return 5;
    case StatusCode::kUnavailable: return 6;
    case StatusCode::kDataLoss: return 7;
    case StatusCode::kResourceExhausted: return 8;
    case StatusCode::kPermissionDenied:
    case StatusCode::kUnauthenticated: return 9;
  }
  return 1;
}

void SetRun(CLI::App* sub, std::function<Status()> run) {
  sub->callback([sub, run = std::move(run)] {
    Status s;
    try {
      s = run();
    } catch (const std::exception& e) {
      s = Internal(std::string("unexpected exception: ") + e.what());
    }
    if (!s.ok()) std::fprintf(stderr, "qun %s: %s\n", sub->get_name().c_str(), s.message().c_str());
    g_exit_code = ExitCodeFor(s);
  });
}

void AddDataDirOption(CLI::App* sub, std::string* data_dir) {
  sub->add_option("--data-dir", *data_dir, "Data directory of the store")->default_val("./qun-data");
}

bool StderrIsTerminal() { return isatty(2) == 1; }

}  // namespace qun::cli

int main(int argc, char** argv) {
  using namespace qun::cli;
  CLI::App app{
      "qun — community operations engine: ingest every message and event of your member\n"
      "groups, unify members across platforms, keep community metrics live, moderate,\n"
      "and serve it all through this CLI, a REST API and a web dashboard.",
      "qun"};
  app.set_version_flag("--version", std::string("qun ") + QUN_VERSION);
  app.require_subcommand(1);
  app.footer("Run 'qun <command> --help' for a command's options. Exit codes: docs/cli.md.");
  auto& reg = Registry();
  std::sort(reg.begin(), reg.end(), [](const Registered& a, const Registered& b) { return a.order < b.order; });
  for (const auto& r : reg) r.setup(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  return g_exit_code;
}

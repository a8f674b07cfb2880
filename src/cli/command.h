// The qun command line: every subcommand lives in its own file under src/cli/
// and registers itself with QUN_REGISTER_COMMAND, so main.cc never changes
// when a command is added.
//
// A command's setup function adds a CLI11 subcommand and a callback; the
// callback returns a Status which main maps to an exit code (the only place
// that mapping lives: ExitCodeFor). Human output goes to stdout, diagnostics
// to stderr; with --json, stdout carries exactly one JSON document.
#ifndef QUN_CLI_COMMAND_H_
#define QUN_CLI_COMMAND_H_

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "qun/status.h"

namespace qun::cli {

// Exit codes (documented in docs/cli.md):
//   0 ok, 1 internal error, 2 usage error, 3 invalid input, 4 not found,
//   5 conflict / failed precondition, 6 unavailable (store busy/locked),
//   7 data loss (corrupt store), 8 limit exceeded, 9 permission denied.
int ExitCodeFor(const Status& s);

// Sets the callback that runs a subcommand. The Status it returns becomes the
// process exit code; a non-OK status is printed to stderr as "qun <cmd>: msg".
void SetRun(CLI::App* sub, std::function<Status()> run);

using CommandSetup = void (*)(CLI::App& root);
bool RegisterCommand(const char* name, int order, CommandSetup setup);

// Adds --data-dir (default ./qun-data) to a subcommand.
void AddDataDirOption(CLI::App* sub, std::string* data_dir);

// True when stderr is a terminal (progress bars are drawn only then).
bool StderrIsTerminal();

}  // namespace qun::cli

#define QUN_REGISTER_COMMAND(name, order, setup) \
  static const bool qun_registered_##name = ::qun::cli::RegisterCommand(#name, order, setup)

#endif  // QUN_CLI_COMMAND_H_

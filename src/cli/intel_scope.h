// Shared flags and set-up of the member-intelligence commands (members,
// health, report): which community, which time zone, which evaluation day.
// The evaluation day defaults to the local day of the last event in scope,
// so results are reproducible (never the wall clock).
#ifndef QUN_CLI_INTEL_SCOPE_H_
#define QUN_CLI_INTEL_SCOPE_H_

#include <CLI/CLI.hpp>

#include <string>

#include "common/time.h"
#include "core/engine/engine.h"
#include "qun/status.h"

namespace qun::cli {

struct ScopeFlags {
  std::string community;  // "" = whole workspace
  std::string as_of;      // YYYY-MM-DD, "" = last event day
  std::string tz = "UTC";
};

struct IntelScope {
  uint32_t community = kNone;
  TimeZone tz = TimeZone::Utc();
  int32_t day = 0;        // evaluation day
  int32_t last_day = 0;   // local day of the last event in scope
  bool empty = true;      // no event in scope
};

// Adds --community, --as-of, --tz to `sub`.
void AddScopeOptions(CLI::App* sub, ScopeFlags* f, bool with_as_of = true);
// Resolves the flags against the engine. InvalidArgument for a bad date or
// zone, NotFound for an unknown community.
Result<IntelScope> ResolveScope(const Engine& engine, const ScopeFlags& f);

}  // namespace qun::cli

#endif  // QUN_CLI_INTEL_SCOPE_H_

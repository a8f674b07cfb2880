// The scope flags of the intelligence commands (members, health, report):
// --community, --as-of, --tz, bound to a ScopeText that ResolveScope
// (src/core/engine/scope.h) resolves. The evaluation day defaults to the
// local day of the last event, so results are reproducible (never the wall
// clock).
#ifndef QUN_CLI_INTEL_SCOPE_H_
#define QUN_CLI_INTEL_SCOPE_H_

#include <CLI/CLI.hpp>

#include "core/engine/scope.h"

namespace qun::cli {

// Adds --community, --as-of (unless !with_as_of) and --tz to `sub`.
void AddScopeOptions(CLI::App* sub, ScopeText* f, bool with_as_of = true);

}  // namespace qun::cli

#endif  // QUN_CLI_INTEL_SCOPE_H_

// The scope of an intelligence query — which community, which time zone,
// which evaluation day — as a person types it and as the engine resolves it.
// Shared by every surface that answers member, health or report queries (the
// CLI's --community/--as-of/--tz, the API's community/as_of/tz parameters),
// so all resolve a scope the same way and name a bad field the same way.
// Thread-safety: read-only on the engine (callers hold the read lock).
#ifndef QUN_CORE_ENGINE_SCOPE_H_
#define QUN_CORE_ENGINE_SCOPE_H_

#include <string>
#include <string_view>

#include "common/time.h"
#include "core/engine/engine.h"
#include "qun/status.h"

namespace qun {

// How errors name a field: as a CLI flag ("--as-of"), or as an API query
// parameter ("parameter 'as_of'").
enum class ParamStyle { kCliFlag, kApi };
std::string FieldLabel(ParamStyle style, std::string_view field);

// What was asked: community "" = all (else an id or platform:id), as_of
// YYYY-MM-DD ("" = the default day), tz an IANA zone ("" = UTC).
struct ScopeText {
  std::string community;
  std::string as_of;
  std::string tz = "UTC";
};

struct ResolvedScope {
  uint32_t community = kNone;
  TimeZone tz = TimeZone::Utc();
  int32_t day = 0;       // evaluation day
  int32_t last_day = 0;  // local day of the last event the default day looks at (0 when none)
  bool empty = true;     // no event there
};

// Where the default evaluation day comes from: the last event in the scope's
// community (health, report), or in the whole workspace (member tables, so a
// community's table is comparable with the whole's).
enum class DefaultDay { kLastEventInScope, kLastEventAnywhere };

// InvalidArgument naming the field for a bad zone or date, NotFound for an
// unknown community. An empty scope is not an error here (see `empty`).
Result<ResolvedScope> ResolveScope(const Engine& engine, const ScopeText& text, ParamStyle style,
                                   DefaultDay default_day);

}  // namespace qun

#endif  // QUN_CORE_ENGINE_SCOPE_H_

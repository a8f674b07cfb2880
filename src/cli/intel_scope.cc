#include "cli/intel_scope.h"

#include <algorithm>

#include "core/engine/lookup.h"

namespace qun::cli {

void AddScopeOptions(CLI::App* sub, ScopeFlags* f, bool with_as_of) {
  sub->add_option("--community", f->community, "Only this community (id or platform:id); default: all");
  if (with_as_of)
    sub->add_option("--as-of", f->as_of, "Evaluation day YYYY-MM-DD (default: the day of the last event)");
  sub->add_option("--tz", f->tz, "IANA time zone for day boundaries")->default_val("UTC");
}

Result<IntelScope> ResolveScope(const Engine& engine, const ScopeFlags& f) {
  IntelScope s;
  QUN_ASSIGN_OR_RETURN(s.tz, TimeZone::Load(f.tz));
  if (!f.community.empty()) {
    QUN_ASSIGN_OR_RETURN(s.community, ResolveCommunity(engine, f.community));
  }
  const EventColumns& c = engine.events();
  uint32_t last = 0;
  for (size_t i = 0; i < c.size(); ++i) {
    if (s.community != kNone && c.community[i] != s.community) continue;
    last = std::max(last, c.ts[i]);
    s.empty = false;
  }
  s.last_day = s.empty ? 0 : s.tz.LocalDay(FromEngineSeconds(last));
  if (!f.as_of.empty()) {
    auto d = ParseDate(f.as_of);
    if (!d.ok()) return InvalidArgument("--as-of: " + d.status().message());
    s.day = *d;
  } else {
    s.day = s.last_day;
  }
  return s;
}

}  // namespace qun::cli

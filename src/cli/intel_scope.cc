#include "cli/intel_scope.h"

namespace qun::cli {

void AddScopeOptions(CLI::App* sub, ScopeText* f, bool with_as_of) {
  sub->add_option("--community", f->community, "Only this community (id or platform:id); default: all");
  if (with_as_of)
    sub->add_option("--as-of", f->as_of, "Evaluation day YYYY-MM-DD (default: the day of the last event)");
  sub->add_option("--tz", f->tz, "IANA time zone for day boundaries")->default_val("UTC");
}

}  // namespace qun::cli

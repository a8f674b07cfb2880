// The standard engine modules, attached to every workspace's engine before it
// is rebuilt. Add one line per module.
#include "core/engine/engine.h"
#include "core/members/activity_ledger.h"
#include "core/metrics/metrics.h"
#include "core/moderation/tally.h"

namespace qun {

void AttachStandardModules(Engine& engine) {
  engine.AttachModule(std::make_unique<metrics::MetricsModule>(engine), "metrics");
  engine.AttachModule(std::make_unique<MemberLedgerModule>(), "member_ledger");
  engine.AttachModule(std::make_unique<moderation::ModerationTally>(), "moderation_tally");
}

}  // namespace qun

#include "core/moderation/tally.h"

namespace qun::moderation {

uint64_t ModerationTally::Count(const Engine& engine, uint32_t community, const TimeZone& tz,
                                int32_t from_day, int32_t to_day) const {
  const EventColumns& cols = engine.events();
  uint64_t n = 0;
  for (uint32_t row : rows_) {
    if (row >= cols.size()) continue;
    if (community != kNone && cols.community[row] != community) continue;
    int32_t day = tz.LocalDay(FromEngineSeconds(cols.ts[row]));
    if (day >= from_day && day <= to_day) ++n;
  }
  return n;
}

}  // namespace qun::moderation

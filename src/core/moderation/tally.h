// ModerationTally: an engine module holding which event rows inline
// moderation gave a verdict stronger than allow, so engine-side scores (the
// health score's complaints indicator, docs/health.md §2) can count them
// without any I/O. The workspace fills it from moderation.db at open and after
// each moderated batch (docs/moderation.md#ingest-hook); core only reads it.
//
// Thread-safety: not synchronized; guarded by the workspace's state lock like
// the rest of the engine (Add under the exclusive lock, Count under shared).
#ifndef QUN_CORE_MODERATION_TALLY_H_
#define QUN_CORE_MODERATION_TALLY_H_

#include <cstdint>
#include <vector>

#include "common/time.h"
#include "core/engine/engine.h"

namespace qun::moderation {

class ModerationTally final : public EngineModule {
 public:
  void OnAppended(const Engine&, uint32_t, uint32_t) override {}
  size_t MemoryBytes() const override { return rows_.capacity() * sizeof(uint32_t); }

  // Records that event row `row` (seq - 1) was flagged or worse. Rows that
  // are not (yet) in the engine are ignored by Count.
  void Add(uint32_t row) { rows_.push_back(row); }
  size_t size() const { return rows_.size(); }

  // Flagged messages whose event time falls on local days [from_day, to_day]
  // in `tz`, in `community` (kNone = every community).
  uint64_t Count(const Engine& engine, uint32_t community, const TimeZone& tz, int32_t from_day,
                 int32_t to_day) const;

 private:
  std::vector<uint32_t> rows_;
};

}  // namespace qun::moderation

#endif  // QUN_CORE_MODERATION_TALLY_H_

// MessageTimeIndex: finds the messages that come just before a given message
// in *event time* within its community, over the engine's event columns — the
// "context" shown with a review item (docs/moderation.md#review-context).
//
// The event log is in ingest order, not time order (imports can be out of
// order), so "the 3 messages before" cannot be read off the neighbouring
// rows. The index keeps, per block of kBlockRows rows, the minimum and
// maximum event time and the running maximum up to that block (12 bytes per
// 1024 rows); a search scans only the blocks whose time range can hold a
// better candidate, newest first, and stops once no earlier block can. On a
// log in time order that is the last few blocks; an old backfill costs the
// blocks that overlap its time range. The answer is exact either way.
//
// Ownership: holds only the block summaries; the columns are passed in and
// must be the ones the index was extended over (append-only).
// Thread-safety: none; the owner serializes Extend with searches.
#ifndef QUN_CORE_MODERATION_REVIEW_CONTEXT_H_
#define QUN_CORE_MODERATION_REVIEW_CONTEXT_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/engine/engine.h"

namespace qun::moderation {

class MessageTimeIndex {
 public:
  static constexpr uint32_t kBlockRows = 1024;

  // Covers rows [0, cols.size()); call after rows were appended (cheap when
  // nothing is new). Rows already covered must not have changed.
  void Extend(const EventColumns& cols);
  // Rows covered so far.
  size_t rows() const { return rows_; }

  // The message.posted rows r of `row`'s community with (ts[r], r) <
  // (ts[row], row) — earlier in event time, ties broken by ingest order — for
  // which `accept(r)` holds (nullptr: all), the up to `n` latest of them,
  // returned oldest first. `accept` is called newest candidate first; at
  // most `max_examined` candidates are offered to it (so a selective filter
  // cannot turn one search into a scan of every message). Precondition: the
  // index covers `row` and cols is what it was extended over.
  std::vector<uint32_t> MessagesBefore(const EventColumns& cols, uint32_t row, size_t n,
                                       const std::function<bool(uint32_t)>& accept = nullptr,
                                       size_t max_examined = 256) const;

 private:
  struct Block {
    uint32_t min_ts;
    uint32_t max_ts;
    uint32_t prefix_max_ts;  // max ts of rows [0, end of this block)
  };
  // The up to `n` largest keys below (bound_ts, bound_row) in `community`,
  // largest first.
  std::vector<uint32_t> TopBelow(const EventColumns& cols, uint32_t community, uint32_t bound_ts,
                                 uint32_t bound_row, size_t n) const;
  std::vector<Block> blocks_;
  size_t rows_ = 0;
};

}  // namespace qun::moderation

#endif  // QUN_CORE_MODERATION_REVIEW_CONTEXT_H_

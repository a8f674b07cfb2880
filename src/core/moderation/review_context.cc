#include "core/moderation/review_context.h"

#include <algorithm>

namespace qun::moderation {
namespace {

// (ts, row) order: event time, ties by ingest order.
bool KeyLess(uint32_t ts_a, uint32_t row_a, uint32_t ts_b, uint32_t row_b) {
  return ts_a < ts_b || (ts_a == ts_b && row_a < row_b);
}

}  // namespace

void MessageTimeIndex::Extend(const EventColumns& cols) {
  for (size_t r = rows_; r < cols.size(); ++r) {
    const size_t b = r / kBlockRows;
    if (b == blocks_.size()) {
      const uint32_t prefix = blocks_.empty() ? 0 : blocks_.back().prefix_max_ts;
      blocks_.push_back({UINT32_MAX, 0, prefix});
    }
    Block& blk = blocks_[b];
    const uint32_t ts = cols.ts[r];
    blk.min_ts = std::min(blk.min_ts, ts);
    blk.max_ts = std::max(blk.max_ts, ts);
    blk.prefix_max_ts = std::max(blk.prefix_max_ts, ts);
  }
  rows_ = cols.size();
}

std::vector<uint32_t> MessageTimeIndex::TopBelow(const EventColumns& cols, uint32_t community,
                                                 uint32_t bound_ts, uint32_t bound_row, size_t n) const {
  std::vector<uint32_t> top;  // largest key first
  if (n == 0) return top;
  top.reserve(n + 1);
  for (size_t b = blocks_.size(); b-- > 0;) {
    const Block& blk = blocks_[b];
    if (top.size() == n) {
      const uint32_t th = cols.ts[top.back()];
      if (blk.prefix_max_ts < th) break;  // nothing in this block or before can beat the n-th best
      if (blk.max_ts < th) continue;
    }
    if (blk.min_ts > bound_ts) continue;  // all later than the bound
    const size_t begin = b * kBlockRows, end = std::min(rows_, begin + kBlockRows);
    for (size_t r = end; r-- > begin;) {
      if (cols.type[r] != EventType::kMessagePosted || cols.community[r] != community) continue;
      const uint32_t ts = cols.ts[r], row = static_cast<uint32_t>(r);
      if (!KeyLess(ts, row, bound_ts, bound_row)) continue;
      if (top.size() == n && !KeyLess(cols.ts[top.back()], top.back(), ts, row)) continue;
      auto at =
          std::find_if(top.begin(), top.end(), [&](uint32_t t) { return KeyLess(cols.ts[t], t, ts, row); });
      top.insert(at, row);
      if (top.size() > n) top.pop_back();
    }
  }
  return top;
}

std::vector<uint32_t> MessageTimeIndex::MessagesBefore(const EventColumns& cols, uint32_t row, size_t n,
                                                       const std::function<bool(uint32_t)>& accept,
                                                       size_t max_examined) const {
  std::vector<uint32_t> out;  // newest first while collecting
  if (row >= rows_ || n == 0) return out;
  const uint32_t community = cols.community[row];
  uint32_t bound_ts = cols.ts[row], bound_row = row;
  size_t examined = 0;
  while (out.size() < n && examined < max_examined) {
    // Without a filter one search suffices; with one, fetch a few more at a time.
    const size_t want =
        accept ? std::min(max_examined - examined, std::max<size_t>(n - out.size(), 16)) : n - out.size();
    std::vector<uint32_t> batch = TopBelow(cols, community, bound_ts, bound_row, want);
    for (uint32_t r : batch) {
      ++examined;
      if (!accept || accept(r)) out.push_back(r);
      if (out.size() == n) break;
    }
    if (batch.size() < want) break;  // nothing earlier
    bound_ts = cols.ts[batch.back()];
    bound_row = batch.back();
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace qun::moderation

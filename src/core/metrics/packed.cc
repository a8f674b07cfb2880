// Compact containers of the metrics module (packed.h).
#include "core/metrics/packed.h"

namespace qun::metrics {

PackedIdSet::PackedIdSet(std::span<const uint32_t> ids) : n_(static_cast<uint32_t>(ids.size())) {
  heads_.reserve((ids.size() + kBlock - 1) / kBlock * 2);
  std::vector<uint8_t> bytes;
  bytes.reserve(ids.size() + ids.size() / 4);
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i % kBlock == 0) {
      heads_.push_back(ids[i]);
      heads_.push_back(static_cast<uint32_t>(bytes.size()));
    } else {
      PutVarint(bytes, ids[i] - ids[i - 1]);
    }
  }
  bytes_.assign(bytes.begin(), bytes.end());  // exact capacity
}

bool PackedIdSet::Contains(uint32_t id) const {
  // The last block whose first id is <= id.
  size_t lo = 0, hi = heads_.size() / 2;  // blocks [lo, hi)
  while (hi - lo > 1) {
    const size_t mid = (lo + hi) / 2;
    if (heads_[2 * mid] <= id)
      lo = mid;
    else
      hi = mid;
  }
  if (heads_.empty() || heads_[2 * lo] > id) return false;
  uint32_t v = heads_[2 * lo];
  const uint8_t* p = bytes_.data() + heads_[2 * lo + 1];
  const size_t count = std::min<size_t>(kBlock, n_ - lo * kBlock);
  for (size_t i = 1; i < count && v < id; ++i) v += GetVarint(p);
  return v == id;
}

}  // namespace qun::metrics

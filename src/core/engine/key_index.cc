#include "core/engine/key_index.h"

#include <bit>
#include <utility>

namespace qun {

void KeyIndex::Insert(uint64_t key, uint32_t row) {
  delta_.Insert(key, row);
  if (delta_.size() > std::max(kMinDelta, rows_.size() / 16)) Merge();
}

void KeyIndex::Compact() {
  if (delta_.size() > 0) Merge();
  mid_.shrink_to_fit();
  lo_.shrink_to_fit();
  rows_.shrink_to_fit();
}

void KeyIndex::Merge() {
  std::vector<std::pair<uint64_t, uint32_t>> d;
  d.reserve(delta_.size());
  delta_.ForEach([&](uint64_t k, uint32_t row) { d.emplace_back(k, row); });
  delta_ = FlatMap64();
  std::sort(d.begin(), d.end());
  if (d.empty()) return;

  constexpr size_t kBuckets = size_t{1} << kBucketBits;
  const size_t n = rows_.size() + d.size();
  for (const auto& e : d) max_row_ = std::max(max_row_, e.second);
  // Written through raw pointers (no capacity checks); rows are packed at the end.
  std::vector<uint32_t> offsets(kBuckets + 1), mid(n), rows(n);
  std::vector<uint16_t> lo(n);
  size_t out = 0;
  uint32_t* const mid_out = mid.data();
  uint16_t* const lo_out = lo.data();
  uint32_t* const rows_out = rows.data();
  auto emit = [&](uint64_t k, uint32_t row) {
    mid_out[out] = static_cast<uint32_t>(k >> 16);
    lo_out[out] = static_cast<uint16_t>(k);
    rows_out[out++] = row;
  };
  size_t j = 0;
  for (size_t b = 0; b < kBuckets; ++b) {
    offsets[b] = static_cast<uint32_t>(out);
    const uint64_t top = static_cast<uint64_t>(b) << (64 - kBucketBits);
    if (!offsets_.empty()) {
      for (size_t i = offsets_[b]; i < offsets_[b + 1]; ++i) {
        const uint64_t k = top | (static_cast<uint64_t>(mid_[i]) << 16) | lo_[i];
        // Equal keys: main (older rows) first.
        while (j < d.size() && d[j].first < k) emit(d[j].first, d[j].second), ++j;
        emit(k, static_cast<uint32_t>(rows_[i]));
      }
    }
    while (j < d.size() && (d[j].first >> (64 - kBucketBits)) == b) emit(d[j].first, d[j].second), ++j;
  }
  offsets[kBuckets] = static_cast<uint32_t>(out);
  offsets_ = std::move(offsets);
  mid_ = std::move(mid);
  lo_ = std::move(lo);
  rows_ = PackedArray::Pack(std::max(1, static_cast<int>(std::bit_width(max_row_))), rows.data(), rows.size());
}

}  // namespace qun

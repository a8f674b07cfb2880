#include "core/engine/key_index.h"

#include <bit>
#include <utility>

namespace qun {
namespace {

// Position of the j-th (0-based) set bit of x; precondition j < popcount(x).
inline unsigned SelectInWord(uint64_t x, unsigned j) {
  unsigned base = 0;
  for (unsigned half : {32u, 16u, 8u}) {
    const unsigned c = static_cast<unsigned>(Popcount64(x & ((uint64_t{1} << half) - 1)));
    if (j >= c) {
      j -= c;
      x >>= half;
      base += half;
    }
  }
  for (; j > 0; --j) x &= x - 1;
  return base + static_cast<unsigned>(std::countr_zero(x));
}

}  // namespace

int KeyIndex::BucketBitsFor(size_t n) {
  const int lo = std::max(kMinBucketBits, static_cast<int>(std::bit_width(n)) - 1);
  // Key bits of the main part: n·(64 − b + 1) + 1.5·2^b.
  auto cost = [n](int b) { return static_cast<double>(n) * (65 - b) + 1.5 * static_cast<double>(uint64_t{1} << b); };
  return cost(lo + 1) < cost(lo) ? lo + 1 : lo;
}

size_t KeyIndex::SelectZero(size_t pos, unsigned k) const {
  size_t w = pos >> 6;
  uint64_t x = ~dir_[w] & (~uint64_t{0} << (pos & 63));
  for (;;) {
    const unsigned c = static_cast<unsigned>(Popcount64(x));
    if (c >= k) return (w << 6) + SelectInWord(x, k - 1);
    k -= c;
    x = ~dir_[++w];
  }
}

void KeyIndex::Insert(uint64_t key, uint32_t row) {
  delta_.Insert(key, row);
  if (delta_.size() > std::max(kMinDelta, rows_.size() / 8)) Merge();
}

void KeyIndex::Compact() {
  if (delta_.size() > 0) Merge();
  rem_.shrink_to_fit();
  rows_.shrink_to_fit();
  dir_.shrink_to_fit();
  samples_.shrink_to_fit();
}

void KeyIndex::Merge() {
  std::vector<std::pair<uint64_t, uint32_t>> d;
  d.reserve(delta_.size());
  delta_.ForEach([&](uint64_t k, uint32_t row) { d.emplace_back(k, row); });
  delta_ = FlatMap64();
  std::sort(d.begin(), d.end());
  if (d.empty()) return;
  for (const auto& e : d) max_row_ = std::max(max_row_, e.second);

  const size_t old_n = rows_.size(), n = old_n + d.size();
  const int b = BucketBitsFor(n);
  const uint64_t buckets = uint64_t{1} << b;
  PackedArray rem(64 - b), rows(std::max(1, static_cast<int>(std::bit_width(max_row_))));
  rem.presize(n);
  rows.presize(n);
  std::vector<uint64_t> dir((n + buckets + 63) / 64 + 1, 0);
  std::vector<uint32_t> samples(buckets >> kGroupBits);

  // Writer: keys arrive in increasing order; bucket q_out is open, `bit` is
  // the next position of dir.
  uint64_t q_out = 0;
  size_t bit = 0, out = 0;
  const uint64_t new_mask = (uint64_t{1} << (64 - b)) - 1;
  auto close_buckets_before = [&](uint64_t q) {
    for (; q_out < q; ++q_out) {
      ++bit;  // the 0 ending bucket q_out
      if (((q_out + 1) & ((1u << kGroupBits) - 1)) == 0 && q_out + 1 < buckets)
        samples[(q_out + 1) >> kGroupBits] = static_cast<uint32_t>(out);
    }
  };
  auto emit = [&](uint64_t k, uint32_t row) {
    close_buckets_before(k >> (64 - b));
    dir[bit >> 6] |= uint64_t{1} << (bit & 63);
    ++bit;
    rem.push_back(k & new_mask);
    rows.push_back(row);
    ++out;
  };

  // Reader of the old main part, in key order (equal keys: main, older rows, first).
  size_t i = 0, pos = 0;
  uint64_t q_in = 0;
  const int old_b = bucket_bits_;
  size_t j = 0;
  while (i < old_n) {
    // Skip the 0s (bucket ends) before the next key's 1, a word at a time.
    for (uint64_t x = dir_[pos >> 6] >> (pos & 63);; x = dir_[pos >> 6]) {
      if (x != 0) {
        const unsigned z = static_cast<unsigned>(std::countr_zero(x));
        q_in += z, pos += z;
        break;
      }
      const size_t skip = 64 - (pos & 63);
      q_in += skip, pos += skip;
    }
    const uint64_t k = (q_in << (64 - old_b)) | rem_[i];
    while (j < d.size() && d[j].first < k) emit(d[j].first, d[j].second), ++j;
    emit(k, static_cast<uint32_t>(rows_[i]));
    ++i, ++pos;
  }
  for (; j < d.size(); ++j) emit(d[j].first, d[j].second);
  close_buckets_before(buckets);

  bucket_bits_ = b;
  rem_mask_ = new_mask;
  rem_ = std::move(rem);
  rows_ = std::move(rows);
  dir_ = std::move(dir);
  samples_ = std::move(samples);
}

}  // namespace qun

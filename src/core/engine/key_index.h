// KeyIndex: the engine's 64-bit key -> row index (idempotency keys, message
// keys, account keys), exact on the full 64 bits, at about 8.4 bytes per key
// at 10M keys (43.3 key bits + 24 row bits).
//
// Layout. Keys live in a sorted "main" part plus a small hash "delta" for the
// keys inserted since the last merge:
//   * main, quotiented (Elias–Fano style): the top b bits of a key are its
//     bucket, b chosen at each merge from the key count n (b ≈ log2 n, the b
//     of {⌊log2 n⌋, ⌊log2 n⌋ + 1} that costs fewer bits, at least 8), so a
//     bucket holds ≈ 1 key. The bucket is implied by the position, so only
//     the other 64 − b bits are stored ("remainders", PackedArray), sorted
//     by key, beside the rows (PackedArray at the width of the largest row:
//     20 bits at 1M rows, 24 at 10M, 27 at 100M). The bucket boundaries are
//     a unary bit vector (`dir_`): per bucket, one 1 bit per key then a 0
//     bit — n + 2^b bits — plus, every 64 buckets, the count of keys before
//     them (32 bits: 0.5 bit per bucket). Per key: (64 − b) + 1 + 1.5·2^b/n
//     bits of key (43.3 at 10M, 40.1 at 100M) + the row bits. No slack after
//     a merge (every array is sized exactly).
//   * delta: a FlatMap64 (12 bytes per slot). When it holds more than
//     max(4096, main / 8) keys it is sorted and merged into main, which is
//     rebuilt with the b of the new size (amortized O(8) copies per key;
//     1/8 rather than 1/16 since the quotiented rebuild costs more per key);
//     Compact() merges on demand and releases slack.
// A lookup of bucket q: the count sample of q's group of 64 buckets, a
// select of the (q mod 64)-th 0 bit from there (usually within one or two
// words: a group spans ≈ 128 bits), then a scan of the bucket's ≈ 1
// remainders (binary search in a bucket of more than 8, which only skewed
// keys produce); a row is unpacked only on a match. Plus one delta probe.
// Several rows may share a key (a 64-bit hash of (platform, id)): Find visits
// each of them, oldest first, and the caller confirms the real identity.
//
// Thread-safety: none; owned by the Engine (const methods are safe to call
// concurrently when nothing writes).
#ifndef QUN_CORE_ENGINE_KEY_INDEX_H_
#define QUN_CORE_ENGINE_KEY_INDEX_H_

#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

#include "core/engine/flat_map.h"
#include "core/engine/packed_array.h"

namespace qun {

class KeyIndex {
 public:
  static constexpr uint32_t kNotFound = 0xFFFFFFFFu;
  static constexpr int kMinBucketBits = 8;   // keeps remainders <= 56 bits (PackedArray::kMaxWidth)
  static constexpr int kGroupBits = 6;       // a count sample every 64 buckets
  static constexpr size_t kMinDelta = 4096;
  static constexpr size_t kLinearScan = 8;  // larger buckets (skewed keys) are binary searched

  // Adds (key, row). Rows should be inserted in increasing order (Find then
  // visits equal keys oldest first). row != kNotFound.
  void Insert(uint64_t key, uint32_t row);

  // Calls fn(row) for each row stored with `key` until fn returns true;
  // returns that row, or kNotFound.
  template <typename Fn>
  uint32_t Find(uint64_t key, Fn&& fn) const {
    if (bucket_bits_ > 0) {
      const uint64_t q = key >> (64 - bucket_bits_);
      const uint64_t rem = key & rem_mask_;
      size_t i, end;
      Bucket(q, &i, &end);
      if (end - i > kLinearScan) i = LowerBound(i, end, rem);
      for (; i < end; ++i) {
        const uint64_t v = rem_[i];
        if (v < rem) continue;
        if (v > rem) break;
        const uint32_t row = static_cast<uint32_t>(rows_[i]);
        if (fn(row)) return row;
      }
    }
    return delta_.Find(key, fn);
  }
  uint32_t FindFirst(uint64_t key) const {
    return Find(key, [](uint32_t) { return true; });
  }

  // Merges the delta into main and gives back spare capacity.
  void Compact();

  size_t size() const { return rows_.size() + delta_.size(); }
  // Bucket bits b of the main part (0 while main is empty).
  int bucket_bits() const { return bucket_bits_; }
  // Capacity of every array. Each non-empty vector also costs a malloc
  // chunk header (≈ 16 bytes, 5 vectors at most): counted as 16 bytes each.
  size_t MemoryBytes() const {
    size_t bytes = rem_.MemoryBytes() + rows_.MemoryBytes() + dir_.capacity() * 8 + samples_.capacity() * 4 +
                   delta_.MemoryBytes();
    for (size_t b : {rem_.MemoryBytes(), rows_.MemoryBytes(), dir_.capacity(), samples_.capacity()})
      if (b) bytes += 16;
    return bytes;
  }

  // The bucket bits b that minimize the main part's key bits for n keys
  // (see the header comment). Exposed for tests and docs.
  static int BucketBitsFor(size_t n);

 private:
  // Sets [*first, *end) to the main entries of bucket q.
  void Bucket(uint64_t q, size_t* first, size_t* end) const {
    const size_t s = static_cast<size_t>(q >> kGroupBits);
    size_t pos = samples_[s] + (s << kGroupBits);  // bit where bucket 64·s starts
    const unsigned k = static_cast<unsigned>(q & ((1u << kGroupBits) - 1));
    if (k > 0) pos = SelectZero(pos, k) + 1;
    // Exactly q zeros precede bucket q's first bit.
    *first = pos - static_cast<size_t>(q);
    *end = *first + (SelectZero(pos, 1) - pos);
  }
  // First index in [first, end) whose remainder is >= rem.
  size_t LowerBound(size_t first, size_t end, uint64_t rem) const {
    while (first < end) {
      const size_t mid = first + (end - first) / 2;
      if (rem_[mid] < rem) first = mid + 1;
      else end = mid;
    }
    return first;
  }
  // Position of the k-th (k >= 1) 0 bit of dir_ at or after bit `pos`.
  size_t SelectZero(size_t pos, unsigned k) const;
  void Merge();

  int bucket_bits_ = 0;        // b; 0 while main is empty
  uint64_t rem_mask_ = 0;      // low 64 - b bits
  PackedArray rem_;            // key bits below the bucket, sorted by key
  PackedArray rows_;           // as wide as the largest row needs
  std::vector<uint64_t> dir_;  // unary bucket sizes: per bucket 1^count 0; + 1 padding word
  std::vector<uint32_t> samples_;  // keys before bucket 64·s, for each s < 2^b / 64
  uint32_t max_row_ = 0;           // largest row inserted
  FlatMap64 delta_;
};

}  // namespace qun

#endif  // QUN_CORE_ENGINE_KEY_INDEX_H_

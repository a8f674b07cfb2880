#include "core/engine/key_index.h"

#include <gtest/gtest.h>

#include <bit>
#include <map>
#include <random>
#include <vector>

namespace qun {
namespace {

// Every row stored under `key` in the index, oldest first.
std::vector<uint32_t> AllRows(const KeyIndex& index, uint64_t key) {
  std::vector<uint32_t> rows;
  index.Find(key, [&](uint32_t r) {
    rows.push_back(r);
    return false;
  });
  return rows;
}

TEST(KeyIndexTest, FindStopsAtTheAcceptedRow) {
  KeyIndex index;
  for (uint32_t r = 0; r < 10000; ++r) index.Insert(r % 3 == 0 ? 42 : r * 0x9E3779B97F4A7C15ULL, r);
  EXPECT_EQ(index.Find(42, [](uint32_t r) { return r > 5000; }), 5001u);
  EXPECT_EQ(index.Find(42, [](uint32_t) { return false; }), KeyIndex::kNotFound);
  EXPECT_EQ(index.FindFirst(43), KeyIndex::kNotFound);
}

TEST(KeyIndexTest, CompactLeavesExactlyTheQuotientedLayout) {
  for (size_t n : {size_t{1}, size_t{5000}, size_t{200000}}) {
    KeyIndex index;
    std::mt19937_64 rng(9 + n);
    for (uint32_t r = 0; r < n; ++r) index.Insert(rng(), r);
    index.Compact();
    const int b = KeyIndex::BucketBitsFor(n);
    ASSERT_EQ(index.bucket_bits(), b);
    const size_t row_width = std::max<size_t>(1, std::bit_width(n - 1));
    // Remainders (64 - b bits) and rows, each packed with one padding word;
    // the unary directory (n + 2^b bits, one padding word); a 32-bit count
    // every 64 buckets; 16 bytes of malloc header per array.
    const size_t rem_bytes = ((n * (64 - b) + 63) / 64 + 1) * 8;
    const size_t row_bytes = ((n * row_width + 63) / 64 + 1) * 8;
    const size_t dir_bytes = ((n + (size_t{1} << b) + 63) / 64 + 1) * 8;
    const size_t sample_bytes = ((size_t{1} << b) >> KeyIndex::kGroupBits) * 4;
    EXPECT_EQ(index.MemoryBytes(), rem_bytes + row_bytes + dir_bytes + sample_bytes + 4 * 16) << n;
  }
}

TEST(KeyIndexTest, BucketBitsFollowTheKeyCount) {
  EXPECT_EQ(KeyIndex::BucketBitsFor(0), KeyIndex::kMinBucketBits);
  EXPECT_EQ(KeyIndex::BucketBitsFor(1000), 10);  // 2^9 or 2^10 buckets: 1,000 + 1.5 * 512 > 2 * 1.5 * 512
  EXPECT_EQ(KeyIndex::BucketBitsFor(10016205), 23);
  EXPECT_EQ(KeyIndex::BucketBitsFor(100000000), 26);
  int prev = 0;
  for (size_t n = 1; n < (size_t{1} << 33); n = n * 3 / 2 + 1) {
    const int b = KeyIndex::BucketBitsFor(n);
    EXPECT_GE(b, prev);
    EXPECT_GE(b, KeyIndex::kMinBucketBits);
    if (n >= 512) {
      EXPECT_GE(b, static_cast<int>(std::bit_width(n)) - 1) << n;
      EXPECT_LE(b, static_cast<int>(std::bit_width(n))) << n;
    }
    prev = b;
  }
}

// Differential test against std::multimap (which keeps equal keys in
// insertion order, i.e. oldest row first) while the index grows through
// every bucket-bit change from 8 to 18: colliding keys (same 64 bits, many
// rows), keys sharing the top b bits for every b, keys at 0 and 2^64 - 1,
// dense runs of small and of large keys (buckets spanning many directory
// words), lookups interleaved with inserts, before and after Compact.
TEST(KeyIndexTest, MatchesMultimapAcrossBucketBitChanges) {
  for (uint32_t seed : {4u, 5u}) {
    std::mt19937_64 rng(seed);
    KeyIndex index;
    std::multimap<uint64_t, uint32_t> ref;
    std::vector<uint64_t> keys;
    auto check = [&](uint64_t key) {
      std::vector<uint32_t> want;
      auto [lo, hi] = ref.equal_range(key);
      for (auto it = lo; it != hi; ++it) want.push_back(it->second);
      ASSERT_EQ(AllRows(index, key), want) << "key " << key << " size " << index.size();
      ASSERT_EQ(index.FindFirst(key), want.empty() ? KeyIndex::kNotFound : want.front());
    };
    auto neighbours = [&](uint64_t key) {
      check(key);
      check(key + 1);
      check(key - 1);
      check(key ^ (uint64_t{1} << 63));
    };
    const uint32_t n = 250000;
    int last_b = 0;
    std::vector<int> seen_b;
    for (uint32_t row = 0; row < n; ++row) {
      uint64_t key;
      switch (rng() % 10) {
        case 0:
          key = keys.empty() ? rng() : keys[rng() % keys.size()];
          break;
        case 1: {  // shares the top `t` bits with an earlier key, t in 1..63
          const int t = 1 + static_cast<int>(rng() % 63);
          const uint64_t high = ~uint64_t{0} << (64 - t);
          key = keys.empty() ? rng() : (keys[rng() % keys.size()] & high) | (rng() & ~high);
          break;
        }
        case 2:
          if (rng() % 8 == 0) key = (rng() & 1) ? 0 : ~uint64_t{0};
          else key = rng();
          break;
        case 3:
          if (rng() % 8 == 0) key = rng() % 5000;  // all in bucket 0
          else key = rng();
          break;
        case 4:
          if (rng() % 8 == 0) key = ~uint64_t{0} - rng() % 5000;  // all in the last bucket
          else key = rng();
          break;
        default:
          key = rng();
      }
      index.Insert(key, row);
      ref.emplace(key, row);
      keys.push_back(key);
      // Below the delta's merge threshold only Compact builds main: cross b = 8 .. 11 that way.
      if (row < KeyIndex::kMinDelta && KeyIndex::BucketBitsFor(index.size()) != index.bucket_bits()) index.Compact();
      if (index.bucket_bits() != last_b) {
        last_b = index.bucket_bits();
        seen_b.push_back(last_b);
        for (int i = 0; i < 300; ++i) neighbours(keys[rng() % keys.size()]);
        neighbours(0);
        neighbours(~uint64_t{0});
      }
      if (row % 1013 == 0) {
        check(key);
        check(rng());
      }
    }
    std::vector<int> every_b;
    for (int b = KeyIndex::kMinBucketBits; b <= KeyIndex::BucketBitsFor(n); ++b) every_b.push_back(b);
    EXPECT_EQ(seen_b, every_b);
    ASSERT_EQ(index.size(), ref.size());
    for (int i = 0; i < 2000; ++i) neighbours(keys[rng() % keys.size()]);
    index.Compact();
    ASSERT_EQ(index.size(), ref.size());
    for (int i = 0; i < 2000; ++i) neighbours(keys[rng() % keys.size()]);
    neighbours(0);
    neighbours(~uint64_t{0});
    // Every key, once, after Compact.
    for (auto it = ref.begin(); it != ref.end(); it = ref.upper_bound(it->first)) check(it->first);
  }
}

// A single key repeated many times, and every key in one bucket.
TEST(KeyIndexTest, OneHugeBucket) {
  KeyIndex index;
  std::multimap<uint64_t, uint32_t> ref;
  for (uint32_t r = 0; r < 50000; ++r) {
    const uint64_t key = r % 2 ? 7 : r;  // all below 2^16: bucket 0 for every b <= 48
    index.Insert(key, r);
    ref.emplace(key, r);
  }
  index.Compact();
  for (uint64_t key : {uint64_t{0}, uint64_t{7}, uint64_t{8}, uint64_t{49998}, uint64_t{49999}, uint64_t{60000}}) {
    std::vector<uint32_t> want;
    auto [lo, hi] = ref.equal_range(key);
    for (auto it = lo; it != hi; ++it) want.push_back(it->second);
    EXPECT_EQ(AllRows(index, key), want) << key;
  }
  EXPECT_EQ(index.FindFirst(uint64_t{1} << 63), KeyIndex::kNotFound);
}

// Rows of any width up to 32 bits come back intact (the width grows with
// the largest row at each merge).
TEST(KeyIndexTest, WideRowsSurviveMerges) {
  KeyIndex index;
  std::vector<std::pair<uint64_t, uint32_t>> ref;
  std::mt19937_64 rng(11);
  for (uint32_t i = 0; i < 20000; ++i) {
    const uint32_t row = i < 10000 ? i : 0xFFFFFFFEu - (20000 - i) * 1000;  // 14 bits, then 32 bits
    ref.emplace_back(rng(), row);
    index.Insert(ref.back().first, row);
  }
  index.Compact();
  for (const auto& [k, row] : ref) ASSERT_EQ(index.FindFirst(k), row) << "key " << k;
}

// The delta (FlatMap64) visits equal keys in insertion order even after
// its growth re-places clusters that wrapped past the end of the table.
TEST(KeyIndexTest, FlatMap64KeepsEqualKeysInInsertionOrderAcrossGrowth) {
  FlatMap64 map;
  const uint64_t kKeys = 64;
  for (uint32_t v = 0; v < 20000; ++v) map.Insert((v % kKeys) * 0x9E3779B97F4A7C15ULL, v);
  for (uint64_t k = 0; k < kKeys; ++k) {
    std::vector<uint32_t> got;
    map.Find(k * 0x9E3779B97F4A7C15ULL, [&](uint32_t v) {
      got.push_back(v);
      return false;
    });
    ASSERT_EQ(got.size(), 20000 / kKeys + (k < 20000 % kKeys ? 1 : 0)) << k;
    EXPECT_TRUE(std::is_sorted(got.begin(), got.end())) << "key " << k;
  }
}

TEST(KeyIndexTest, EmptyIndexFindsNothing) {
  KeyIndex index;
  EXPECT_EQ(index.FindFirst(0), KeyIndex::kNotFound);
  index.Compact();
  EXPECT_EQ(index.FindFirst(0), KeyIndex::kNotFound);
  EXPECT_EQ(index.size(), 0u);
}

}  // namespace
}  // namespace qun

#include "core/engine/key_index.h"

#include <gtest/gtest.h>

#include <random>
#include <unordered_map>
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

// Differential test against std::unordered_multimap: random inserts with
// repeated keys and keys that share a bucket or the high 48 bits, lookups of
// present and absent keys, through several merges (growth) and a Compact.
TEST(KeyIndexTest, MatchesUnorderedMultimap) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    std::mt19937_64 rng(seed);
    KeyIndex index;
    std::unordered_multimap<uint64_t, uint32_t> ref;
    std::vector<uint64_t> keys;
    const uint32_t n = 60000 + seed * 7919;
    auto check = [&](uint64_t key) {
      std::vector<uint32_t> want;
      auto [lo, hi] = ref.equal_range(key);
      for (auto it = lo; it != hi; ++it) want.push_back(it->second);
      std::sort(want.begin(), want.end());
      std::vector<uint32_t> got = AllRows(index, key);
      std::vector<uint32_t> sorted = got;
      std::sort(sorted.begin(), sorted.end());
      ASSERT_EQ(sorted, want) << "key " << key;
      if (!want.empty()) {
        EXPECT_EQ(index.FindFirst(key), got.front());
      } else {
        EXPECT_EQ(index.FindFirst(key), KeyIndex::kNotFound);
      }
    };
    for (uint32_t row = 0; row < n; ++row) {
      uint64_t key;
      switch (rng() % 8) {
        case 0:  // a repeated key (hash collision of distinct events)
          key = keys.empty() ? rng() : keys[rng() % keys.size()];
          break;
        case 1:  // same top 16 bits (bucket) as an earlier key
          key = keys.empty() ? rng() : (keys[rng() % keys.size()] & 0xFFFF000000000000ULL) | (rng() >> 16);
          break;
        case 2:  // same high 48 bits, other low 16
          key = keys.empty() ? rng() : (keys[rng() % keys.size()] & ~0xFFFFULL) | (rng() & 0xFFFF);
          break;
        case 3:  // extremes
          key = (rng() & 1) ? 0 : ~0ULL;
          break;
        default:
          key = rng();
      }
      index.Insert(key, row);
      ref.emplace(key, row);
      keys.push_back(key);
      if (row % 997 == 0) {
        check(key);
        check(keys[rng() % keys.size()]);
        check(rng());  // almost surely absent
      }
    }
    ASSERT_EQ(index.size(), ref.size());
    for (size_t i = 0; i < 3000; ++i) check(keys[rng() % keys.size()]);
    index.Compact();
    ASSERT_EQ(index.size(), ref.size());
    for (size_t i = 0; i < 3000; ++i) {
      check(keys[rng() % keys.size()]);
      check(rng());
    }
    // Equal keys come back oldest row first, across main and delta.
    for (size_t i = 0; i < 200; ++i) {
      std::vector<uint32_t> got = AllRows(index, keys[rng() % keys.size()]);
      EXPECT_TRUE(std::is_sorted(got.begin(), got.end()));
    }
  }
}

TEST(KeyIndexTest, FindStopsAtTheAcceptedRow) {
  KeyIndex index;
  for (uint32_t r = 0; r < 10000; ++r) index.Insert(r % 3 == 0 ? 42 : r * 0x9E3779B97F4A7C15ULL, r);
  EXPECT_EQ(index.Find(42, [](uint32_t r) { return r > 5000; }), 5001u);
  EXPECT_EQ(index.Find(42, [](uint32_t) { return false; }), KeyIndex::kNotFound);
  EXPECT_EQ(index.FindFirst(43), KeyIndex::kNotFound);
}

TEST(KeyIndexTest, CompactPacksRowsAtTheWidthOfTheLargest) {
  KeyIndex index;
  std::mt19937_64 rng(9);
  const size_t n = 200000;
  for (uint32_t r = 0; r < n; ++r) index.Insert(rng(), r);
  index.Compact();
  // 6 bytes of key per key, 18-bit rows (the largest is 199,999) packed with
  // one word of padding, plus the 65,537-entry offsets array.
  const size_t row_bytes = ((n * 18 + 63) / 64 + 1) * 8;
  EXPECT_EQ(index.MemoryBytes(), n * 6 + row_bytes + ((size_t{1} << KeyIndex::kBucketBits) + 1) * 4);
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

TEST(KeyIndexTest, EmptyIndexFindsNothing) {
  KeyIndex index;
  EXPECT_EQ(index.FindFirst(0), KeyIndex::kNotFound);
  index.Compact();
  EXPECT_EQ(index.FindFirst(0), KeyIndex::kNotFound);
  EXPECT_EQ(index.size(), 0u);
}

}  // namespace
}  // namespace qun

#include "core/engine/packed_array.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace qun {
namespace {

// Every width, values at random and at the extremes (0, all ones, and bits
// above the width, which are dropped), read back after each append so reads
// near the end (the padding word) are covered.
TEST(PackedArrayTest, ReadsBackEveryWidth) {
  std::mt19937_64 rng(5);
  for (int width = 1; width <= PackedArray::kMaxWidth; ++width) {
    const uint64_t mask = (uint64_t{1} << width) - 1;
    PackedArray a(width);
    std::vector<uint64_t> want;
    for (int i = 0; i < 300; ++i) {
      const uint64_t v = i % 7 == 0 ? 0 : i % 7 == 1 ? ~uint64_t{0} : rng();
      a.push_back(v);
      want.push_back(v & mask);
      ASSERT_EQ(a[a.size() - 1], want.back()) << "width " << width << " entry " << i;
    }
    ASSERT_EQ(a.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) ASSERT_EQ(a[i], want[i]) << "width " << width << " entry " << i;
  }
}

TEST(PackedArrayTest, PackEqualsPushBack) {
  std::mt19937_64 rng(6);
  std::vector<uint32_t> values(1000);
  for (auto& v : values) v = static_cast<uint32_t>(rng());
  for (int width : {1, 7, 20, 31, 32, 33, 57}) {
    const PackedArray packed = PackedArray::Pack(width, values.data(), values.size());
    PackedArray pushed(width);
    for (uint32_t v : values) pushed.push_back(v);
    ASSERT_EQ(packed.size(), values.size());
    for (size_t i = 0; i < values.size(); ++i) ASSERT_EQ(packed[i], pushed[i]) << "width " << width << " entry " << i;
  }
  EXPECT_EQ(PackedArray::Pack(9, values.data(), 0).size(), 0u);
}

TEST(PackedArrayTest, ReserveIsExactAndShrinkKeepsEntries) {
  PackedArray a(20);
  a.reserve(1000);
  for (uint64_t i = 0; i < 1000; ++i) a.push_back(i * 977);
  // 1000 x 20 bits = 2,500 bytes = 313 words, plus one word of padding.
  EXPECT_EQ(a.MemoryBytes(), 314u * 8);
  a.shrink_to_fit();
  for (uint64_t i = 0; i < 1000; ++i) ASSERT_EQ(a[i], (i * 977) & 0xFFFFF);
}

}  // namespace
}  // namespace qun

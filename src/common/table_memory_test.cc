#include "common/table_memory.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <vector>

namespace qun {
namespace {

TEST(TableMemory, SmallBlocksAreOrdinaryAndUsable) {
  std::vector<uint32_t, TableAllocator<uint32_t>> v(1000);
  std::iota(v.begin(), v.end(), 0u);
  EXPECT_EQ(v[999], 999u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(v.data()) % alignof(uint32_t), 0u);
}

TEST(TableMemory, LargeBlocksAreHugePageAligned) {
  std::vector<uint32_t, TableAllocator<uint32_t>> v(kHugePageBytes / sizeof(uint32_t) + 7, 5u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(v.data()) % kHugePageBytes, 0u);
  EXPECT_EQ(v.back(), 5u);  // the whole (rounded-up) block is writable
  v.back() = 6;
  EXPECT_EQ(v.back(), 6u);
}

TEST(TableMemory, VectorsMoveAndCopyAcrossInstances) {
  std::vector<int, TableAllocator<int>> a(kHugePageBytes / sizeof(int), 3);
  const int* data = a.data();
  auto b = std::move(a);
  EXPECT_EQ(b.data(), data);  // equal allocators: a move steals the block
  auto c = b;
  EXPECT_NE(c.data(), b.data());
  EXPECT_EQ(c, b);
  EXPECT_TRUE(TableAllocator<int>() == TableAllocator<char>());
}

TEST(TableMemory, ZeroAndFree) {
  void* p = AllocateTable(0);
  EXPECT_NE(p, nullptr);
  FreeTable(p);
  FreeTable(nullptr);
}

}  // namespace
}  // namespace qun

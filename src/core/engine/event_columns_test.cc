// BlockPackedColumn and AuxColumn against a plain std::vector reference.
#include "core/engine/event_columns.h"

#include <gtest/gtest.h>

#include <limits>
#include <random>
#include <vector>

#include "core/engine/engine.h"

namespace qun {
namespace {

constexpr size_t kRows = BlockPackedColumn<uint32_t>::kBlockRows;

template <typename T>
void ExpectSame(const BlockPackedColumn<T>& col, const std::vector<T>& ref) {
  ASSERT_EQ(col.size(), ref.size());
  for (size_t i = 0; i < ref.size(); ++i) ASSERT_EQ(col[i], ref[i]) << "row " << i;
  // DecodeRange over every kind of range: empty, inside a block, across
  // block edges, into the open block.
  std::vector<T> out(ref.size() + 1);
  const size_t n = ref.size();
  const size_t cuts[] = {0, 1, kRows - 1, kRows, kRows + 1, 3 * kRows - 7, n / 2, n - (n > 0 ? 1 : 0), n};
  for (size_t a : cuts)
    for (size_t b : cuts) {
      if (a > b || b > n) continue;
      col.DecodeRange(a, b, out.data());
      for (size_t i = a; i < b; ++i)
        ASSERT_EQ(out[i - a], ref[i]) << "range [" << a << "," << b << ") row " << i;
    }
}

template <typename T>
void Append(BlockPackedColumn<T>& col, std::vector<T>& ref, T v) {
  col.push_back(v);
  ref.push_back(v);
}

TEST(BlockPackedColumnTest, EmptyHasNothingAndNoHeapWords) {
  BlockPackedColumn<uint32_t> c;
  EXPECT_EQ(c.size(), 0u);
  EXPECT_TRUE(c.empty());
  EXPECT_EQ(c.sealed_blocks(), 0u);
  EXPECT_EQ(c.MemoryBytes(), kRows * sizeof(uint32_t));  // only the open block's buffer
  c.DecodeRange(0, 0, nullptr);
}

TEST(BlockPackedColumnTest, BlockEdgesOpenBlockAndZeroWidth) {
  BlockPackedColumn<uint32_t> c;
  std::vector<uint32_t> ref;
  for (size_t i = 0; i < kRows - 1; ++i) Append(c, ref, 7u);
  EXPECT_EQ(c.sealed_blocks(), 0u);
  ExpectSame(c, ref);
  Append(c, ref, 7u);  // fills the block: sealed at width 0
  ASSERT_EQ(c.sealed_blocks(), 1u);
  EXPECT_EQ(c.block_width(0), 0);
  ExpectSame(c, ref);
  Append(c, ref, 8u);  // first row of the next, open block
  ExpectSame(c, ref);
}

TEST(BlockPackedColumnTest, ZeroAndMaxValuesTakeTheFullWidth) {
  BlockPackedColumn<uint32_t> c;
  std::vector<uint32_t> ref;
  const uint32_t max = std::numeric_limits<uint32_t>::max();
  for (size_t i = 0; i < 3 * kRows + 5; ++i) Append(c, ref, i % 3 == 0 ? 0u : (i % 3 == 1 ? max : max - 1));
  ASSERT_EQ(c.sealed_blocks(), 3u);
  EXPECT_EQ(c.block_width(0), 32);
  ExpectSame(c, ref);
  // All-max blocks are width 0 around a max base.
  for (size_t i = ref.size(); i % kRows != 0; ++i) Append(c, ref, 0u);
  for (size_t i = 0; i < kRows; ++i) Append(c, ref, max);
  EXPECT_EQ(c.block_width(c.sealed_blocks() - 1), 0);
  ExpectSame(c, ref);
}

TEST(BlockPackedColumnTest, WidthGrowsMidBlockAndOutOfOrderOnlyWidensItsBlock) {
  BlockPackedColumn<uint32_t> c;
  std::vector<uint32_t> ref;
  uint32_t t = 800000000;
  for (size_t i = 0; i < 4 * kRows; ++i) {
    t += 1;
    uint32_t v = t;
    if (i == kRows + 100) v = t + 5000000;  // a late jump in block 1
    if (i == 2 * kRows + 17) v = t - 3000;  // an out-of-order row in block 2
    Append(c, ref, v);
  }
  ASSERT_EQ(c.sealed_blocks(), 4u);
  EXPECT_EQ(c.block_width(0), 8);                               // 0..255
  // Block 1: offsets 0..255 but one: 8 bits, the jump and the offset 255
  // (equal to the 8-bit marker) as exceptions.
  EXPECT_EQ(c.block_width(1), 8);
  EXPECT_EQ(c.block_exceptions(1), 2);
  EXPECT_FALSE(c.block_sparse(1));
  // An out-of-order low value moves the base: every other offset widens.
  EXPECT_EQ(c.block_width(2), std::bit_width(3000u + 255 - 17));
  EXPECT_EQ(c.block_width(3), 8);
  ExpectSame(c, ref);
}

TEST(BlockPackedColumnTest, RandomValuesOfEveryWidthMatchTheReference) {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 8; ++round) {
    BlockPackedColumn<uint32_t> c;
    std::vector<uint32_t> ref;
    const size_t n = rng() % (20 * kRows);
    for (size_t i = 0; i < n; ++i) {
      // Each stretch picks a width, 0..32, and a base.
      const int width = static_cast<int>((i / 97 + round) % 33);
      const uint32_t base = static_cast<uint32_t>(rng() >> 33);
      const uint64_t off = width == 0 ? 0 : rng() & ((uint64_t{1} << width) - 1);
      Append(c, ref, static_cast<uint32_t>(base + off));
    }
    ExpectSame(c, ref);
    const size_t before = c.MemoryBytes();
    c.shrink_to_fit();
    EXPECT_LE(c.MemoryBytes(), before);
    ExpectSame(c, ref);
  }
}

TEST(BlockPackedColumnTest, MostlyZeroBlocksAreSparseAndRareLargeValuesAreExceptions) {
  BlockPackedColumn<uint32_t> c;
  std::vector<uint32_t> ref;
  // Block 0: 200 zeros, 56 values 1..15: sparse at 4 bits.
  for (size_t k = 0; k < kRows; ++k) Append(c, ref, k % 32 < 25 ? 0u : static_cast<uint32_t>(1 + k % 15));
  // Block 1: values 0..6 everywhere, three of them 2^31 + k: dense at 3 bits,
  // three exceptions (and the value 7 = the 3-bit marker never occurs).
  for (size_t k = 0; k < kRows; ++k)
    Append(c, ref, (k == 3 || k == 128 || k == 255) ? (1u << 31) + static_cast<uint32_t>(k) : static_cast<uint32_t>(k % 7));
  // Block 2: three quarters zeros, the rest 1..2 but four 2^20: sparse at
  // 2 bits with four exceptions.
  for (size_t k = 0; k < kRows; ++k)
    Append(c, ref, k % 4 ? 0u : (k % 64 == 0 ? 1u << 20 : static_cast<uint32_t>(1 + (k / 4) % 2)));
  Append(c, ref, 9u);  // the open block
  ASSERT_EQ(c.sealed_blocks(), 3u);
  EXPECT_TRUE(c.block_sparse(0));
  EXPECT_EQ(c.block_width(0), 4);
  EXPECT_EQ(c.block_exceptions(0), 0);
  EXPECT_FALSE(c.block_sparse(1));
  EXPECT_EQ(c.block_width(1), 3);
  EXPECT_EQ(c.block_exceptions(1), 3);
  EXPECT_TRUE(c.block_sparse(2));
  EXPECT_EQ(c.block_width(2), 2);
  EXPECT_EQ(c.block_exceptions(2), 4);  // k = 0, 64, 128, 192
  ExpectSame(c, ref);
}

TEST(BlockPackedColumnTest, RandomSparseAndExceptionBlocksMatchTheReference) {
  std::mt19937_64 rng(7);
  size_t sparse = 0, with_exceptions = 0, both = 0;
  for (int round = 0; round < 6; ++round) {
    BlockPackedColumn<uint32_t> c;
    std::vector<uint32_t> ref;
    const size_t blocks = 40;
    for (size_t b = 0; b < blocks; ++b) {
      // Per block: a share of "zero" (= the base) rows, a small width for
      // the others and a rate of large outliers (up to 2^32 - 1).
      const uint32_t base = rng() % 3 == 0 ? 0u : static_cast<uint32_t>(rng() >> 40);
      const unsigned zero_pct = static_cast<unsigned>(rng() % 101);
      const int small = static_cast<int>(rng() % 12);
      const unsigned outlier_pct = static_cast<unsigned>(rng() % 8);
      for (size_t k = 0; k < kRows; ++k) {
        uint32_t v = base;
        if (rng() % 100 >= zero_pct) {
          v = base + static_cast<uint32_t>(rng() & ((uint64_t{1} << small) - 1));
          if (rng() % 100 < outlier_pct)
            v = rng() % 4 == 0 ? std::numeric_limits<uint32_t>::max() : base + static_cast<uint32_t>(rng() >> 36);
        }
        Append(c, ref, v);
      }
    }
    for (size_t i = rng() % kRows; i > 0; --i) Append(c, ref, static_cast<uint32_t>(rng()));
    for (size_t b = 0; b < c.sealed_blocks(); ++b) {
      sparse += c.block_sparse(b);
      with_exceptions += c.block_exceptions(b) > 0;
      both += c.block_sparse(b) && c.block_exceptions(b) > 0;
    }
    ExpectSame(c, ref);
    c.shrink_to_fit();
    ExpectSame(c, ref);
  }
  // The generator makes every layout common; a chooser that never picks
  // one of them fails here.
  EXPECT_GT(sparse, 20u);
  EXPECT_GT(with_exceptions, 20u);
  EXPECT_GT(both, 5u);
}

TEST(BlockPackedColumnTest, NarrowTypesRoundTrip) {
  std::mt19937 rng(3);
  BlockPackedColumn<uint16_t> com;
  std::vector<uint16_t> com_ref;
  BlockPackedColumn<EventType> type;
  std::vector<EventType> type_ref;
  for (size_t i = 0; i < 5 * kRows + 3; ++i) {
    Append(com, com_ref, static_cast<uint16_t>(i < 2 * kRows ? rng() % 6 : (i % 2 ? 65534 : 0)));
    Append(type, type_ref, static_cast<EventType>(rng() % kEventTypeCount));
  }
  ExpectSame(com, com_ref);
  ExpectSame(type, type_ref);
  EXPECT_EQ(com.block_width(0), 3);
  EXPECT_EQ(com.block_width(3), 16);
}

TEST(AuxColumnTest, RowReferencesAndOtherValuesRoundTrip) {
  std::mt19937_64 rng(11);
  EventColumns c;
  std::vector<uint32_t> ref;
  for (uint32_t row = 0; row < 9 * kRows + 77; ++row) {
    const EventType t = static_cast<EventType>(rng() % kEventTypeCount);
    uint32_t aux = kNone;
    if (AuxColumn::IsRowRef(t)) {
      // kNone, the row just before, row 0 and anything in between.
      const int pick = static_cast<int>(rng() % 4);
      if (row > 0 && pick == 1) aux = row - 1;
      if (row > 0 && pick == 2) aux = 0;
      if (row > 0 && pick == 3) aux = static_cast<uint32_t>(rng() % row);
    } else {
      const int pick = static_cast<int>(rng() % 4);
      if (pick == 1) aux = 0;
      if (pick == 2) aux = kNone - 1;  // the largest value that is not kNone
      if (pick == 3) aux = static_cast<uint32_t>(rng() % 1000);
    }
    c.Append(row * 3, row % 17, static_cast<uint16_t>(row % 5), t, aux);
    ref.push_back(aux);
  }
  ASSERT_EQ(c.aux.size(), ref.size());
  ASSERT_EQ(c.size(), ref.size());
  for (size_t i = 0; i < ref.size(); ++i) ASSERT_EQ(c.aux[i], ref[i]) << "row " << i;
}

TEST(AuxColumnTest, NearbyRepliesAndNoneCodeNarrow) {
  EventColumns c;
  for (uint32_t row = 0; row < 2 * kRows; ++row) {
    const bool reply = row % 2 == 1;
    c.Append(row, 0, 0, reply ? EventType::kMessagePosted : EventType::kCheckin,
             reply ? row - 1 - row % 8 : kNone);
  }
  // Distances 1..8 and kNone as 0: 4 bits, whatever the row numbers.
  EXPECT_EQ(c.aux.codes().block_width(1), 4);
  for (uint32_t row = 0; row < 2 * kRows; ++row)
    EXPECT_EQ(c.aux[row], row % 2 == 1 ? row - 1 - row % 8 : kNone);
}

}  // namespace
}  // namespace qun

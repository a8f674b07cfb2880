// The metrics module's compact containers against plain std references.
#include "core/metrics/packed.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <unordered_map>

namespace qun::metrics {
namespace {

TEST(Varint, BoundariesRoundTrip) {
  const uint32_t values[] = {
      0, 1, 127, 128, 16383, 16384, (1u << 21) - 1, 1u << 21, (1u << 28) - 1, 1u << 28, UINT32_MAX};
  std::vector<uint8_t> bytes;
  for (uint32_t v : values) PutVarint(bytes, v);
  EXPECT_EQ(bytes.size(), 1u + 1 + 1 + 2 + 2 + 3 + 3 + 4 + 4 + 5 + 5);
  const uint8_t* p = bytes.data();
  for (uint32_t v : values) EXPECT_EQ(GetVarint(p), v);
  EXPECT_EQ(p, bytes.data() + bytes.size());
}

TEST(Varint, ZigZag) {
  for (int64_t d : std::initializer_list<int64_t>{0, 1, -1, 2, -2, 1000, -1000, INT32_MAX, INT32_MIN}) {
    EXPECT_EQ(UnZigZag(ZigZag(d)), d);
  }
  EXPECT_EQ(ZigZag(0), 0u);
  EXPECT_EQ(ZigZag(-1), 1u);
  EXPECT_EQ(ZigZag(1), 2u);
  EXPECT_EQ(ZigZag(int64_t{INT32_MIN}), UINT32_MAX);
}

TEST(ListArena, SlotForRoundsUpBy3SignificantBits) {
  EXPECT_EQ(ListArena<uint8_t>::SlotFor(0), 0u);
  EXPECT_EQ(ListArena<uint8_t>::SlotFor(1), 8u);
  EXPECT_EQ(ListArena<uint32_t>::SlotFor(1), 2u);
  EXPECT_EQ(ListArena<uint64_t>::SlotFor(1), 1u);
  EXPECT_EQ(ListArena<uint64_t>::SlotFor(7), 7u);
  EXPECT_EQ(ListArena<uint8_t>::SlotFor(9), 10u);
  EXPECT_EQ(ListArena<uint8_t>::SlotFor(17), 20u);
  EXPECT_EQ(ListArena<uint8_t>::SlotFor(1025), 1280u);
  for (size_t n = 1; n < 100000; n += 7) {
    const size_t s = ListArena<uint8_t>::SlotFor(n);
    EXPECT_GE(s, n);
    EXPECT_LE(s, std::max<size_t>(8, n + n / 4 + 1)) << n;
    EXPECT_GE(ListArena<uint8_t>::SlotFor(n + 1), s);  // monotone
  }
}

TEST(ListArena, EmptyLists) {
  ListArena<uint32_t> a;
  a.Resize(3);
  EXPECT_EQ(a.lists(), 3u);
  EXPECT_TRUE(a.Get(0).empty());
  a.Append(1, std::span<const uint32_t>());
  EXPECT_TRUE(a.Get(1).empty());
  a.Assign(2, std::span<const uint32_t>());
  EXPECT_TRUE(a.Get(2).empty());
}

// Random appends, assigns and in-place edits over many lists (relocations,
// in-place growth of the last slot, compactions) against vector<vector>.
template <typename T>
void RandomAgainstReference(uint32_t seed) {
  std::mt19937 rng(seed);
  ListArena<T> a;
  std::vector<std::vector<T>> ref;
  for (int step = 0; step < 60000; ++step) {
    if (ref.size() < 300 && rng() % 50 == 0) {
      ref.resize(ref.size() + 1 + rng() % 20);
      a.Resize(ref.size());
    }
    if (ref.empty()) continue;
    const uint32_t id = rng() % ref.size();
    const int op = rng() % 20;
    std::vector<T> items(rng() % (op == 0 ? 40 : 4));
    for (T& x : items) x = static_cast<T>(rng());
    if (op == 0) {
      a.Assign(id, items);
      ref[id] = items;
    } else if (op == 1 && !ref[id].empty()) {
      const size_t i = rng() % ref[id].size();
      a.Mutable(id)[i] = ref[id][i] = static_cast<T>(rng());
    } else {
      a.Append(id, items);
      ref[id].insert(ref[id].end(), items.begin(), items.end());
    }
    if (step % 997 == 0 || step == 59999) {
      ASSERT_EQ(a.lists(), ref.size());
      size_t live = 0;
      for (uint32_t i = 0; i < ref.size(); ++i) {
        auto got = a.Get(i);
        ASSERT_TRUE(std::equal(got.begin(), got.end(), ref[i].begin(), ref[i].end())) << "list " << i;
        live += ref[i].size();
      }
      EXPECT_GE(a.Bytes(), live * sizeof(T));
    }
  }
}

TEST(ListArena, RandomBytesAgainstVectors) { RandomAgainstReference<uint8_t>(1); }
TEST(ListArena, RandomWordsAgainstVectors) { RandomAgainstReference<uint32_t>(2); }
TEST(ListArena, RandomWideAgainstVectors) { RandomAgainstReference<uint64_t>(3); }

TEST(ListArena, GarbageStaysBounded) {
  // Lists growing one element at a time, interleaved: every list relocates
  // often; compaction keeps the arena within a small factor of the slots.
  ListArena<uint8_t> a;
  a.Resize(1000);
  size_t slots = 0;
  for (int round = 0; round < 300; ++round)
    for (uint32_t id = 0; id < 1000; ++id) a.Append(id, static_cast<uint8_t>(round));
  for (uint32_t id = 0; id < 1000; ++id) {
    slots += ListArena<uint8_t>::SlotFor(a.size(id));
    ASSERT_EQ(a.Get(id).size(), 300u);
    EXPECT_EQ(a.Get(id)[299], 43);  // 299 % 256
  }
  EXPECT_LE(a.Bytes(), slots * 3 / 2 + 8 * 1000 + 4096);
}

TEST(ListArena, FullArenaThrowsAndKeepsEveryList) {
  // A capacity of 64 elements stands in for the 32-bit limit (kMaxElements).
  ListArena<uint8_t> a(64);
  a.Resize(3);
  const std::vector<uint8_t> ten(10, 7), twenty(20, 9);
  a.Append(0, ten);     // slot 10: [0, 10)
  a.Append(1, twenty);  // slot 20: [10, 30)
  a.Append(0, ten);     // 20 elements, slot 20: moves to [30, 50), [0, 10) abandoned
  ASSERT_EQ(a.size(0), 20u);
  // List 2 needs a slot of 20: 50 + 20 > 64, but compacting the abandoned
  // 10 makes room (40 + 20 <= 64).
  a.Append(2, twenty);
  // Now 60 of 64 are in use and nothing is abandoned: growing list 1 to 28
  // (slot 28) cannot fit anywhere.
  EXPECT_THROW(a.Append(1, std::span<const uint8_t>(ten.data(), 8)), std::length_error);
  ASSERT_EQ(a.size(0), 20u);
  ASSERT_EQ(a.size(1), 20u);
  ASSERT_EQ(a.size(2), 20u);
  for (uint8_t b : a.Get(0)) EXPECT_EQ(b, 7);
  for (uint8_t b : a.Get(1)) EXPECT_EQ(b, 9);
  for (uint8_t b : a.Get(2)) EXPECT_EQ(b, 9);
  EXPECT_THROW(a.Assign(0, std::vector<uint8_t>(40, 1)), std::length_error);
  EXPECT_EQ(a.size(0), 20u);
  // The last list grows in place up to the capacity exactly (slot 20 -> 24).
  a.Append(2, std::span<const uint8_t>(ten.data(), 4));
  EXPECT_EQ(a.size(2), 24u);
  EXPECT_EQ(a.Get(2)[23], 7);
  EXPECT_THROW(a.Append(2, ten[0]), std::length_error);
  EXPECT_EQ(a.size(2), 24u);
}

void ExpectSame(const PackedIdSet& p, const std::set<uint32_t>& ref, uint32_t probe_max, std::mt19937& rng) {
  ASSERT_EQ(p.size(), ref.size());
  std::vector<uint32_t> got;
  p.AppendTo(got);
  ASSERT_TRUE(std::equal(got.begin(), got.end(), ref.begin(), ref.end()));
  for (uint32_t x : ref) ASSERT_TRUE(p.Contains(x)) << x;
  for (int i = 0; i < 2000; ++i) {
    const uint32_t x = probe_max ? static_cast<uint32_t>(rng() % probe_max) : static_cast<uint32_t>(rng());
    ASSERT_EQ(p.Contains(x), ref.count(x) > 0) << x;
  }
}

TEST(PackedIdSet, EmptyAndSingle) {
  PackedIdSet e;
  EXPECT_TRUE(e.empty());
  EXPECT_FALSE(e.Contains(0));
  EXPECT_FALSE(e.Contains(UINT32_MAX));
  PackedIdSet e2(std::span<const uint32_t>{});
  EXPECT_FALSE(e2.Contains(5));
  EXPECT_EQ(e2.Bytes(), 0u);
  const uint32_t one[] = {UINT32_MAX};
  PackedIdSet s(one);
  EXPECT_TRUE(s.Contains(UINT32_MAX));
  EXPECT_FALSE(s.Contains(0));
  EXPECT_FALSE(s.Contains(UINT32_MAX - 1));
}

TEST(PackedIdSet, BlockEdgesAndExtremes) {
  std::mt19937 rng(5);
  for (size_t n : {1u, 63u, 64u, 65u, 127u, 128u, 129u, 1000u}) {
    std::set<uint32_t> ref;
    // Dense from 0, then jumps up to the maximum id (5-byte deltas).
    for (uint32_t i = 0; ref.size() < n; ++i) ref.insert(i * (i % 3 == 0 ? 1u : 7u));
    ref.insert(UINT32_MAX);
    ref.insert(UINT32_MAX - 1);
    std::vector<uint32_t> ids(ref.begin(), ref.end());
    ExpectSame(PackedIdSet(ids), ref, 20000, rng);
  }
}

TEST(PackedIdSet, RandomAgainstStdSet) {
  std::mt19937 rng(9);
  for (int round = 0; round < 60; ++round) {
    const uint32_t universe = round % 3 == 0 ? 1000 : round % 3 == 1 ? 200000 : UINT32_MAX;
    std::set<uint32_t> ref;
    const size_t n = rng() % std::min<uint32_t>(5000, universe / 2);  // reachable with distinct ids
    while (ref.size() < n) ref.insert(static_cast<uint32_t>(rng() % universe));
    std::vector<uint32_t> ids(ref.begin(), ref.end());
    const PackedIdSet p(ids);
    ExpectSame(p, ref, universe == UINT32_MAX ? 0 : universe + 10, rng);
    if (universe == 1000 && n > 500) {
      EXPECT_LE(p.Bytes(), n + n / 8 + 64);  // about a byte per dense id
    }
  }
}

TEST(FlatIdMap, EmptyAndExtremes) {
  FlatIdMap m;
  EXPECT_EQ(m.Find(0), FlatIdMap::kAbsent);
  EXPECT_EQ(m.Bytes(), 0u);
  EXPECT_EQ(m.FindOrInsert(0, 7), 7u);
  EXPECT_EQ(m.FindOrInsert(UINT32_MAX - 1, 0), 0u);
  EXPECT_EQ(m.FindOrInsert(0, 9), 7u);  // kept
  EXPECT_EQ(m.Find(0), 7u);
  EXPECT_EQ(m.Find(UINT32_MAX - 1), 0u);
  EXPECT_EQ(m.Find(1), FlatIdMap::kAbsent);
  EXPECT_EQ(m.Mutable(1), nullptr);
  *m.Mutable(0) = 3;
  EXPECT_EQ(m.Find(0), 3u);
  EXPECT_EQ(m.size(), 2u);
}

TEST(FlatIdMap, RandomAgainstUnorderedMap) {
  std::mt19937 rng(11);
  for (uint32_t universe : {50u, 5000u, 1u << 20, UINT32_MAX - 1}) {
    FlatIdMap m;
    std::unordered_map<uint32_t, uint32_t> ref;
    for (int i = 0; i < 40000; ++i) {
      const uint32_t k = static_cast<uint32_t>(rng() % universe), v = static_cast<uint32_t>(rng());
      if (rng() % 5 == 0) {
        auto it = ref.find(k);
        uint32_t* slot = m.Mutable(k);
        ASSERT_EQ(slot == nullptr, it == ref.end());
        if (slot) *slot = it->second = v;
      } else if (rng() % 2) {
        auto [it, fresh] = ref.try_emplace(k, v);
        ASSERT_EQ(m.FindOrInsert(k, v), it->second);
      } else {
        auto it = ref.find(k);
        ASSERT_EQ(m.Find(k), it == ref.end() ? FlatIdMap::kAbsent : it->second);
      }
    }
    ASSERT_EQ(m.size(), ref.size());
    for (auto [k, v] : ref) ASSERT_EQ(m.Find(k), v);
    EXPECT_LE(m.Bytes(), std::max<size_t>(16 * 8, ref.size() * 8 * 8 / 3 + 8));  // load >= 3/8
  }
}

std::vector<uint32_t> Values(const DeltaList& l) {
  std::vector<uint32_t> out;
  l.ForEach([&](uint32_t v) { out.push_back(v); });
  return out;
}

TEST(DeltaList, EmptyAndExtremes) {
  DeltaList l;
  EXPECT_TRUE(l.empty());
  EXPECT_TRUE(Values(l).empty());
  EXPECT_EQ(l.Bytes(), 0u);
  // Largest jumps both ways, repeats and zero.
  const std::vector<uint32_t> want = {0, UINT32_MAX, 0, 0, UINT32_MAX, UINT32_MAX - 1, 1, 63, 64, 0};
  for (uint32_t v : want) l.push_back(v);
  EXPECT_EQ(l.size(), want.size());
  EXPECT_EQ(Values(l), want);
}

TEST(DeltaList, RandomAgainstVector) {
  std::mt19937 rng(13);
  for (uint32_t spread : {1u, 64u, 100000u, UINT32_MAX}) {
    DeltaList l;
    std::vector<uint32_t> ref;
    uint32_t v = static_cast<uint32_t>(rng());
    for (int i = 0; i < 20000; ++i) {
      // Mostly near the previous value (rows of a day), sometimes anywhere.
      v = rng() % 50 ? v + static_cast<uint32_t>(rng() % spread) : static_cast<uint32_t>(rng());
      l.push_back(v);
      ref.push_back(v);
      if (i % 4999 == 0) {
        ASSERT_EQ(Values(l), ref);
      }
    }
    ASSERT_EQ(Values(l), ref);
    if (spread <= 64) {
      EXPECT_LE(l.Bytes(), ref.size() * 2 + ref.size() / 2);  // mostly 1-byte deltas
    }
  }
}

}  // namespace
}  // namespace qun::metrics

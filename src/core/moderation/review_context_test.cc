#include "core/moderation/review_context.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <tuple>

namespace qun::moderation {
namespace {

void Add(EventColumns* c, uint32_t ts, uint32_t community, EventType type = EventType::kMessagePosted) {
  c->Append(ts, 0, static_cast<uint16_t>(community), type, kNone);
}

// The obviously correct version: sort every earlier message of the community.
std::vector<uint32_t> Naive(const EventColumns& c, uint32_t row, size_t n,
                            const std::function<bool(uint32_t)>& ok) {
  std::vector<uint32_t> v;
  for (uint32_t r = 0; r < c.size(); ++r)
    if (c.type[r] == EventType::kMessagePosted && c.community[r] == c.community[row] &&
        std::pair(c.ts[r], r) < std::pair(c.ts[row], row) && (!ok || ok(r)))
      v.push_back(r);
  std::sort(v.begin(), v.end(),
            [&](uint32_t a, uint32_t b) { return std::pair(c.ts[a], a) < std::pair(c.ts[b], b); });
  if (v.size() > n) v.erase(v.begin(), v.end() - n);
  return v;
}

TEST(MessageTimeIndex, OutOfOrderRowsAreOrderedByEventTime) {
  EventColumns c;
  Add(&c, 50, 0);                             // 0
  Add(&c, 60, 0);                             // 1
  Add(&c, 100, 0);                            // 2: the flagged one
  Add(&c, 90, 0);                             // 3: ingested after it, earlier in time
  Add(&c, 95, 1);                             // 4: other community
  Add(&c, 95, 0, EventType::kReactionAdded);  // 5: not a message
  Add(&c, 97, 0);                             // 6
  Add(&c, 200, 0);                            // 7: later in time
  MessageTimeIndex idx;
  idx.Extend(c);
  EXPECT_EQ(idx.MessagesBefore(c, 2, 3), (std::vector<uint32_t>{1, 3, 6}));
  EXPECT_EQ(idx.MessagesBefore(c, 0, 3), (std::vector<uint32_t>{}));
  EXPECT_EQ(idx.MessagesBefore(c, 2, 3, [](uint32_t r) { return r != 3; }), (std::vector<uint32_t>{0, 1, 6}));
}

TEST(MessageTimeIndex, EqualTimesBreakTiesByIngestOrder) {
  EventColumns c;
  for (int i = 0; i < 5; ++i) Add(&c, 10, 0);
  MessageTimeIndex idx;
  idx.Extend(c);
  EXPECT_EQ(idx.MessagesBefore(c, 3, 2), (std::vector<uint32_t>{1, 2}));
}

// Randomized differential test against the naive version, across block
// boundaries, with logs in time order, shuffled, and with an old backfill.
TEST(MessageTimeIndex, MatchesNaiveScan) {
  std::mt19937 rng(42);
  for (int shape = 0; shape < 3; ++shape) {
    EventColumns c;
    MessageTimeIndex idx;
    const int rows = 5000;
    for (int i = 0; i < rows; ++i) {
      uint32_t ts = shape == 0   ? i * 3 + rng() % 5
                    : shape == 1 ? rng() % 20000
                                 : (i < 3000 ? 9000 + i : i - 3000);
      Add(&c, ts, rng() % 4, rng() % 3 ? EventType::kMessagePosted : EventType::kCheckin);
      if (i % 777 == 0) idx.Extend(c);  // extended incrementally, as batches arrive
    }
    idx.Extend(c);
    ASSERT_EQ(idx.rows(), c.size());
    auto odd = [](uint32_t r) { return r % 2 == 1; };
    for (int q = 0; q < 300; ++q) {
      uint32_t row = rng() % rows;
      size_t n = 1 + rng() % 5;
      ASSERT_EQ(idx.MessagesBefore(c, row, n), Naive(c, row, n, nullptr))
          << "shape " << shape << " row " << row;
      ASSERT_EQ(idx.MessagesBefore(c, row, n, odd, 100000), Naive(c, row, n, odd)) << "shape " << shape;
    }
  }
}

TEST(MessageTimeIndex, FilterExaminesAtMostTheLimit) {
  EventColumns c;
  for (int i = 0; i < 100; ++i) Add(&c, i, 0);
  MessageTimeIndex idx;
  idx.Extend(c);
  size_t calls = 0;
  auto none = [&](uint32_t) {
    ++calls;
    return false;
  };
  EXPECT_TRUE(idx.MessagesBefore(c, 99, 3, none, 20).empty());
  EXPECT_EQ(calls, 20u);
}

}  // namespace
}  // namespace qun::moderation

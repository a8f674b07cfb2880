// Tests of AccountFacts' compact encoding (activity_ledger.h): random adds
// against a plain std::vector<DayCounts> reference, out-of-order days, field
// extremes, dropped rows, milestones past the one-byte count, the as-of cut,
// copies and moves.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/members/activity_ledger.h"

namespace qun {
namespace {

constexpr uint32_t kMax32 = std::numeric_limits<uint32_t>::max();

bool IsZero(const DayCounts& d) { return d == DayCounts{.day = d.day}; }

// The reference: rows sorted by day, DayCounts::Add, optional drop.
void RefAdd(std::vector<DayCounts>& ref, const DayCounts& delta, bool drop_if_zero) {
  auto it = std::lower_bound(ref.begin(), ref.end(), delta.day,
                             [](const DayCounts& d, int32_t v) { return d.day < v; });
  if (it == ref.end() || it->day != delta.day) it = ref.insert(it, DayCounts{.day = delta.day});
  it->Add(delta);
  if (drop_if_zero && IsZero(*it)) ref.erase(it);
}

void ExpectRows(const AccountFacts& f, const std::vector<DayCounts>& ref, int32_t until_day) {
  std::vector<DayCounts> got;
  f.AppendDays(until_day, &got);
  std::vector<DayCounts> want;
  for (const DayCounts& d : ref)
    if (d.day <= until_day) want.push_back(d);
  ASSERT_EQ(got.size(), want.size()) << "until " << until_day;
  for (size_t i = 0; i < got.size(); ++i) EXPECT_TRUE(got[i] == want[i]) << "row " << i << " until " << until_day;
}

// A random delta: most fields zero, small counts, sometimes an extreme.
DayCounts RandomDelta(std::mt19937& rng, int32_t day) {
  DayCounts d{.day = day};
  auto count = [&]() -> uint32_t {
    switch (rng() % 8) {
      case 0: return kMax32;
      case 1: return static_cast<uint32_t>(rng());
      default: return 1 + rng() % 3;
    }
  };
  d.own = rng() % 2;
  d.active = d.own && rng() % 2;
  uint32_t DayCounts::*fields[] = {&DayCounts::messages, &DayCounts::replies_given, &DayCounts::answers,
                                   &DayCounts::replies_received, &DayCounts::reactions_given,
                                   &DayCounts::reactions_received, &DayCounts::ugc, &DayCounts::invites,
                                   &DayCounts::orders, &DayCounts::checkins, &DayCounts::reports_filed,
                                   &DayCounts::funnel};
  for (auto f : fields)
    if (rng() % 4 == 0) d.*f = count();
  // gmv within ±2^40 per add so sums never overflow int64 (the reference
  // would be undefined too).
  if (rng() % 4 == 0) d.gmv_minor = static_cast<int64_t>(rng() % (1ull << 40)) * (rng() % 2 ? 1 : -1);
  return d;
}

TEST(AccountFactsTest, EmptyHasNoRowsNorMilestones) {
  AccountFacts f;
  EXPECT_TRUE(f.empty());
  EXPECT_FALSE(f.has_milestones());
  EXPECT_EQ(f.HeapBytes(), 0u);
  EXPECT_TRUE(f.Days().empty());
  AccountMilestones m = f.MilestonesAsOf(std::numeric_limits<int32_t>::max());
  EXPECT_EQ(m.first_join_ts, -1);
  EXPECT_EQ(m.last_nps, -1);
}

TEST(AccountFactsTest, RandomAddsMatchAVectorReference) {
  std::vector<DayCounts> scratch;
  for (uint32_t seed = 1; seed <= 60; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    AccountFacts f;
    std::vector<DayCounts> ref;
    // Days from around the epoch (negative days too) to a few hundred on;
    // mostly the latest day or later, sometimes earlier (out of order).
    int32_t day = static_cast<int32_t>(rng() % 40000) - 20000;
    const int adds = 1 + static_cast<int>(rng() % 400);
    for (int i = 0; i < adds; ++i) {
      const uint32_t k = rng() % 10;
      int32_t d = day;
      if (k < 3) {
        d = day + 1 + static_cast<int32_t>(rng() % (k == 0 ? 400 : 3));
      } else if (k == 3 && !ref.empty()) {
        d = ref[rng() % ref.size()].day - static_cast<int32_t>(rng() % 2);
      }
      day = std::max(day, d);
      const DayCounts delta = RandomDelta(rng, d);
      const bool drop = rng() % 8 == 0;
      f.AddToDay(delta, drop, &scratch);
      RefAdd(ref, delta, drop);
      ASSERT_EQ(f.empty(), ref.empty());
      if (!ref.empty()) {
        ASSERT_EQ(f.last_day(), ref.back().day);
      }
    }
    ExpectRows(f, ref, std::numeric_limits<int32_t>::max());
    // The as-of cut at every row's day, just before it, and before all.
    for (const DayCounts& r : ref) {
      ExpectRows(f, ref, r.day);
      ExpectRows(f, ref, r.day - 1);
    }
    ExpectRows(f, ref, std::numeric_limits<int32_t>::min());
  }
}

TEST(AccountFactsTest, ExtremeValuesAndDays) {
  std::vector<DayCounts> scratch;
  AccountFacts f;
  std::vector<DayCounts> ref;
  const int32_t lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max();
  DayCounts all_max{.day = lo, .own = true, .active = true};
  all_max.gmv_minor = std::numeric_limits<int64_t>::min();
  all_max.messages = all_max.replies_given = all_max.answers = all_max.replies_received = kMax32;
  all_max.reactions_given = all_max.reactions_received = all_max.ugc = all_max.invites = kMax32;
  all_max.orders = all_max.checkins = all_max.reports_filed = all_max.funnel = kMax32;
  DayCounts top = all_max;
  top.day = hi;
  top.gmv_minor = std::numeric_limits<int64_t>::max();
  for (const DayCounts& d : {all_max, top, DayCounts{.day = 0, .own = true}, DayCounts{.day = -1, .active = false}}) {
    f.AddToDay(d, false, &scratch);
    RefAdd(ref, d, false);
  }
  ExpectRows(f, ref, hi);
  EXPECT_EQ(f.last_day(), hi);
  // Wrap-around like DayCounts::Add: kMax32 + 1 is 0 (the row stays, own).
  DayCounts one{.day = lo};
  one.messages = 1;
  f.AddToDay(one, false, &scratch);
  RefAdd(ref, one, false);
  ExpectRows(f, ref, hi);
  EXPECT_EQ(f.Days().front().messages, 0u);
}

TEST(AccountFactsTest, DropsARowLeftAllZero) {
  std::vector<DayCounts> scratch;
  AccountFacts f;
  DayCounts ugc{.day = 10};
  ugc.ugc = 1;
  DayCounts minus{.day = 10};
  minus.ugc = kMax32;  // -1
  f.AddToDay(ugc, false, &scratch);
  f.AddToDay(DayCounts{.day = 12, .own = true}, false, &scratch);
  f.AddToDay(ugc, false, &scratch);  // day 10 again: out of order
  f.AddToDay(minus, true, &scratch);
  ASSERT_EQ(f.Days().size(), 2u);
  f.AddToDay(minus, true, &scratch);  // the middle row is gone
  ASSERT_EQ(f.Days().size(), 1u);
  EXPECT_EQ(f.last_day(), 12);
  // The latest row dropped: last_day falls back to the previous row.
  f.AddToDay(ugc, false, &scratch);
  DayCounts late{.day = 15};
  late.ugc = 1;
  f.AddToDay(late, false, &scratch);
  late.ugc = kMax32;
  f.AddToDay(late, true, &scratch);
  EXPECT_EQ(f.last_day(), 12);
  ASSERT_EQ(f.Days().size(), 2u);
  // A zero delta with drop creates nothing.
  f.AddToDay(DayCounts{.day = 20}, true, &scratch);
  f.AddToDay(DayCounts{.day = 5}, true, &scratch);
  EXPECT_EQ(f.Days().size(), 2u);
  EXPECT_EQ(f.last_day(), 12);
}

TEST(AccountFactsTest, MilestonesInterleavedWithRows) {
  std::vector<DayCounts> scratch;
  std::mt19937 rng(5);
  AccountFacts f;
  std::vector<DayCounts> ref;
  std::vector<Milestone> ms;
  // 300 milestones: the count's varint grows from one byte to two at 128.
  for (int i = 0; i < 600; ++i) {
    if (i % 2 == 0) {
      const DayCounts d = RandomDelta(rng, 100 + i / 3);
      f.AddToDay(d, false, &scratch);
      RefAdd(ref, d, false);
    } else {
      Milestone m{.ts = static_cast<uint32_t>(rng() % 100000),
                  .day = 100 + static_cast<int32_t>(rng() % 250),
                  .kind = static_cast<Milestone::Kind>(rng() % 3),
                  .nps = static_cast<int8_t>(rng() % 11)};
      f.AddMilestone(m);
      ms.push_back(m);
    }
    if (i % 50 == 49 || i == 255 || i == 257) {
      ExpectRows(f, ref, std::numeric_limits<int32_t>::max());
      ASSERT_EQ(f.last_day(), ref.back().day);
      for (int32_t until : {99, 150, 200, 400}) {
        AccountMilestones want;
        for (const Milestone& s : ms) {
          if (s.day > until) continue;
          if (s.kind == Milestone::kJoin) {
            if (want.first_join_ts < 0 || s.ts < want.first_join_ts) {
              want.first_join_ts = s.ts;
              want.first_join_day = s.day;
            }
            want.last_join_ts = std::max<int64_t>(want.last_join_ts, s.ts);
          } else if (s.kind == Milestone::kLeft && s.ts > want.last_left_ts) {
            want.last_left_ts = s.ts;
            want.last_left_day = s.day;
          } else if (s.kind == Milestone::kNps && s.ts >= want.last_nps_ts) {
            want.last_nps_ts = s.ts;
            want.last_nps = s.nps;
          }
        }
        const AccountMilestones got = f.MilestonesAsOf(until);
        EXPECT_EQ(got.first_join_ts, want.first_join_ts) << until;
        EXPECT_EQ(got.first_join_day, want.first_join_day) << until;
        EXPECT_EQ(got.last_join_ts, want.last_join_ts) << until;
        EXPECT_EQ(got.last_left_ts, want.last_left_ts) << until;
        EXPECT_EQ(got.last_left_day, want.last_left_day) << until;
        EXPECT_EQ(got.last_nps_ts, want.last_nps_ts) << until;
        EXPECT_EQ(got.last_nps, want.last_nps) << until;
      }
    }
  }
  EXPECT_TRUE(f.has_milestones());
}

TEST(AccountFactsTest, CopiesAndMovesAreIndependent) {
  std::vector<DayCounts> scratch;
  AccountFacts a;
  a.AddToDay(DayCounts{.day = 3, .own = true}, false, &scratch);
  a.AddMilestone({.ts = 7, .day = 3, .kind = Milestone::kJoin});
  AccountFacts b = a;
  b.AddToDay(DayCounts{.day = 4, .own = true}, false, &scratch);
  EXPECT_EQ(a.Days().size(), 1u);
  EXPECT_EQ(b.Days().size(), 2u);
  EXPECT_EQ(b.MilestonesAsOf(3).first_join_ts, 7);
  AccountFacts c = std::move(b);
  EXPECT_EQ(c.Days().size(), 2u);
  a = c;
  EXPECT_EQ(a.last_day(), 4);
  c = AccountFacts();
  EXPECT_TRUE(c.empty());
  EXPECT_EQ(a.Days().size(), 2u);
  EXPECT_GE(a.HeapBytes(), 32u);
}

}  // namespace
}  // namespace qun

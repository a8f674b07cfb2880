// Tests of AccountFacts' compact encoding and AccountFactsArena
// (activity_ledger.h): random adds against a plain std::vector<DayCounts>
// reference, out-of-order days, field extremes, dropped rows, milestones past
// the one-byte count and with every day offset, the as-of cut, many accounts
// growing interleaved in one arena (moves, compaction), copies and moves.
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

// One account (slot 0) of its own arena, with AccountFacts' read API.
class OneAccount {
 public:
  OneAccount() { arena_.Resize(1); }
  void AddToDay(const DayCounts& delta, bool drop, std::vector<DayCounts>*) { arena_.AddToDay(0, delta, drop); }
  void AddMilestone(const Milestone& m) { arena_.AddMilestone(0, m); }
  bool empty() const { return arena_.Get(0) == nullptr; }
  int32_t last_day() const { return arena_.Get(0)->last_day(); }
  void AppendDays(int32_t until, std::vector<DayCounts>* out) const {
    if (const AccountFacts* f = arena_.Get(0)) f->AppendDays(until, out);
  }
  std::vector<DayCounts> Days() const { return empty() ? std::vector<DayCounts>{} : arena_.Get(0)->Days(); }
  bool has_milestones() const { return !empty() && arena_.Get(0)->has_milestones(); }
  AccountMilestones MilestonesAsOf(int32_t until) const {
    return empty() ? AccountMilestones{} : arena_.Get(0)->MilestonesAsOf(until);
  }
  size_t HeapBytes() const { return arena_.Bytes(); }

 private:
  AccountFactsArena arena_;
};

bool IsZero(const DayCounts& d) { return d == DayCounts{.day = d.day}; }

// The reference: rows sorted by day, DayCounts::Add, optional drop.
void RefAdd(std::vector<DayCounts>& ref, const DayCounts& delta, bool drop_if_zero) {
  auto it = std::lower_bound(ref.begin(), ref.end(), delta.day,
                             [](const DayCounts& d, int32_t v) { return d.day < v; });
  if (it == ref.end() || it->day != delta.day) it = ref.insert(it, DayCounts{.day = delta.day});
  it->Add(delta);
  if (drop_if_zero && IsZero(*it)) ref.erase(it);
}

template <typename Facts>
void ExpectRows(const Facts& f, const std::vector<DayCounts>& ref, int32_t until_day) {
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

int32_t UtcDayOf(uint32_t ts) { return static_cast<int32_t>(FloorDiv(FromEngineSeconds(ts), kMsPerDay)); }

// The reference fold of milestones as of `until` (AccountFacts::MilestonesAsOf).
AccountMilestones WantMilestones(const std::vector<Milestone>& ms, int32_t until) {
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
  return want;
}

void ExpectMilestones(const AccountMilestones& got, const AccountMilestones& want) {
  EXPECT_EQ(got.first_join_ts, want.first_join_ts);
  EXPECT_EQ(got.first_join_day, want.first_join_day);
  EXPECT_EQ(got.last_join_ts, want.last_join_ts);
  EXPECT_EQ(got.last_left_ts, want.last_left_ts);
  EXPECT_EQ(got.last_left_day, want.last_left_day);
  EXPECT_EQ(got.last_nps_ts, want.last_nps_ts);
  EXPECT_EQ(got.last_nps, want.last_nps);
}

TEST(AccountFactsTest, EmptyHasNoRowsNorMilestones) {
  OneAccount f;
  EXPECT_TRUE(f.empty());
  EXPECT_FALSE(f.has_milestones());
  EXPECT_LE(f.HeapBytes(), 8u);  // just the one-slot table
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
    OneAccount f;
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
  OneAccount f;
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
  OneAccount f;
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
  OneAccount f;
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
        SCOPED_TRACE("until " + std::to_string(until));
        ExpectMilestones(f.MilestonesAsOf(until), WantMilestones(ms, until));
      }
    }
  }
  EXPECT_TRUE(f.has_milestones());
}

TEST(AccountFactsTest, MilestoneDaysAroundTheUtcDay) {
  // The tag keeps local day - UTC day in -4..3; further days are stored whole.
  for (const uint32_t ts : {0u, 86399u, 86400u, 1'000'000'000u, kMax32}) {
    for (int adj = -7; adj <= 7; ++adj) {
      for (const int8_t nps : {int8_t{0}, int8_t{10}, int8_t{-128}, int8_t{127}}) {
        SCOPED_TRACE("ts " + std::to_string(ts) + " adj " + std::to_string(adj) + " nps " + std::to_string(nps));
        OneAccount f;
        std::vector<Milestone> ms;
        const int32_t day = UtcDayOf(ts) + adj;
        for (const auto kind : {Milestone::kJoin, Milestone::kNps, Milestone::kLeft}) {
          ms.push_back({.ts = ts, .day = day, .kind = kind, .nps = kind == Milestone::kNps ? nps : int8_t{-1}});
          f.AddMilestone(ms.back());
        }
        f.AddToDay(DayCounts{.day = day, .own = true}, false, nullptr);
        ASSERT_TRUE(f.has_milestones());
        ExpectMilestones(f.MilestonesAsOf(day), WantMilestones(ms, day));
        ExpectMilestones(f.MilestonesAsOf(day - 1), AccountMilestones{});
        EXPECT_EQ(f.MilestonesAsOf(day).last_nps, nps);
        ASSERT_EQ(f.Days().size(), 1u);
        EXPECT_EQ(f.Days()[0].day, day);
      }
    }
  }
}

TEST(AccountFactsArenaTest, CopiesAndMovesAreIndependent) {
  AccountFactsArena a;
  a.Resize(2);
  a.AddToDay(1, DayCounts{.day = 3, .own = true}, false);
  a.AddMilestone(1, {.ts = 7, .day = UtcDayOf(7), .kind = Milestone::kJoin});
  AccountFactsArena b = a;
  b.AddToDay(1, DayCounts{.day = 4, .own = true}, false);
  EXPECT_EQ(a.Get(1)->Days().size(), 1u);
  EXPECT_EQ(b.Get(1)->Days().size(), 2u);
  EXPECT_EQ(b.Get(1)->MilestonesAsOf(UtcDayOf(7)).first_join_ts, 7);
  AccountFactsArena c = std::move(b);
  EXPECT_EQ(c.Get(1)->Days().size(), 2u);
  a = c;
  EXPECT_EQ(a.Get(1)->last_day(), 4);
  c = AccountFactsArena();
  EXPECT_EQ(c.accounts(), 0u);
  EXPECT_EQ(c.Get(1), nullptr);
  EXPECT_EQ(a.Get(1)->Days().size(), 2u);
  EXPECT_EQ(a.Get(0), nullptr);  // a slot never written
  EXPECT_EQ(a.Get(9), nullptr);  // no slot
  EXPECT_GT(a.Bytes(), 0u);
}

TEST(AccountFactsArenaTest, ZeroChangesAllocateNothing) {
  AccountFactsArena a;
  a.Resize(3);
  const size_t before = a.Bytes();
  DayCounts minus{.day = 10};
  minus.ugc = kMax32;
  a.AddToDay(0, DayCounts{.day = 10}, true);
  a.AddToDay(1, DayCounts{.day = 10}, true);
  EXPECT_EQ(a.Get(0), nullptr);
  EXPECT_EQ(a.Bytes(), before);
  // A block whose only row is dropped is released (the slot is empty again).
  DayCounts plus{.day = 10};
  plus.ugc = 1;
  a.AddToDay(2, plus, false);
  ASSERT_NE(a.Get(2), nullptr);
  a.AddToDay(2, minus, true);
  EXPECT_EQ(a.Get(2), nullptr);
}

// Many accounts of one arena growing interleaved (blocks outgrow their size
// class, move to the arena's end, the arena compacts), with out-of-order
// days, dropped rows and milestones, against per-account references; a copy
// taken midway stays as it was.
TEST(AccountFactsArenaTest, ManyAccountsGrowingInterleaved) {
  for (uint32_t seed = 1; seed <= 4; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    constexpr uint32_t kAccounts = 300;
    AccountFactsArena arena;
    arena.Resize(kAccounts);
    std::vector<std::vector<DayCounts>> ref(kAccounts);
    std::vector<std::vector<Milestone>> ms(kAccounts);
    std::vector<int32_t> day(kAccounts, 20400);
    auto expect_all = [&](const AccountFactsArena& a, const std::vector<std::vector<DayCounts>>& rows,
                          const std::vector<std::vector<Milestone>>& mss) {
      for (uint32_t acc = 0; acc < kAccounts; ++acc) {
        SCOPED_TRACE("account " + std::to_string(acc));
        const AccountFacts* f = a.Get(acc);
        ASSERT_EQ(f == nullptr, rows[acc].empty());
        if (!f) continue;
        ExpectRows(*f, rows[acc], std::numeric_limits<int32_t>::max());
        EXPECT_EQ(f->last_day(), rows[acc].back().day);
        EXPECT_EQ(f->has_milestones(), !mss[acc].empty());
        for (int32_t until : {20400, 20450, 21000})
          ExpectMilestones(f->MilestonesAsOf(until), WantMilestones(mss[acc], until));
      }
    };
    AccountFactsArena snapshot;
    std::vector<std::vector<DayCounts>> snapshot_ref;
    std::vector<std::vector<Milestone>> snapshot_ms;
    for (int i = 0; i < 20000; ++i) {
      // A few heavy accounts, many light ones.
      const uint32_t acc = rng() % 4 == 0 ? rng() % 5 : rng() % kAccounts;
      const uint32_t k = rng() % 10;
      int32_t d = day[acc];
      if (k < 3) d += 1 + static_cast<int32_t>(rng() % 3);
      else if (k == 3 && !ref[acc].empty()) d = ref[acc][rng() % ref[acc].size()].day - static_cast<int32_t>(rng() % 2);
      day[acc] = std::max(day[acc], d);
      if (rng() % 30 == 0 && !ref[acc].empty()) {
        const uint32_t ts = static_cast<uint32_t>(rng());
        const Milestone m{.ts = ts,
                          .day = rng() % 2 ? UtcDayOf(ts) + static_cast<int32_t>(rng() % 3) - 1 : d,
                          .kind = static_cast<Milestone::Kind>(rng() % 3),
                          .nps = static_cast<int8_t>(rng() % 11)};
        arena.AddMilestone(acc, m);
        ms[acc].push_back(m);
      }
      const DayCounts delta = RandomDelta(rng, d);
      const bool drop = rng() % 8 == 0 && ms[acc].empty();  // Fold never drops a milestone's own row
      arena.AddToDay(acc, delta, drop);
      RefAdd(ref[acc], delta, drop);
      if (i == 10000) {
        snapshot = arena;
        snapshot_ref = ref;
        snapshot_ms = ms;
      }
      if (i % 5000 == 4999) expect_all(arena, ref, ms);
    }
    expect_all(snapshot, snapshot_ref, snapshot_ms);
  }
}

}  // namespace
}  // namespace qun

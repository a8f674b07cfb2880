// Differential tests of the maintained cohort aggregate
// (docs/metrics.md#cohort-aggregates): retention matrix, retention trend,
// lifecycle and interaction of a long-lived engine — whose aggregates were
// built early and then maintained through shuffled batches spread over 200
// days (so events land far outside a person's 64-day mask), identity merges
// and unmerges — against a per-person reference computed from the raw event
// log, in UTC and in zones with DST and :30/:45 offsets, for the workspace
// and single communities, for whole and cut-off ranges.
#include "core/metrics/cohort.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "core/engine/engine.h"
#include "core/metrics/metrics.h"

namespace qun::metrics {
namespace {

constexpr Granularity kGrains[] = {Granularity::kDay, Granularity::kWeek, Granularity::kMonth};

// Per-person facts of one scope and zone, straight from the event log.
struct Reference {
  std::map<uint32_t, int32_t> first_seen;            // member -> local day
  std::map<uint32_t, std::set<int32_t>> active, interacting;  // member -> local days

  Reference(const Engine& e, const TimeZone& tz, uint32_t community) {
    const auto& c = e.events();
    for (size_t r = 0; r < c.size(); ++r) {
      if (community != kNone && c.community[r] != community) continue;
      const EventType t = c.type[r];
      const int32_t day = tz.LocalDay(FromEngineSeconds(c.ts[r]));
      const uint32_t m = e.member_of(c.account[r]);
      if (IsActivityType(t) || t == EventType::kMemberJoined) {
        auto [it, fresh] = first_seen.try_emplace(m, day);
        if (!fresh) it->second = std::min(it->second, day);
      }
      if (IsActivityType(t)) active[m].insert(day);
      if (t == EventType::kMessagePosted || t == EventType::kReactionAdded) interacting[m].insert(day);
    }
  }
  static size_t CountIn(const std::map<uint32_t, std::set<int32_t>>& days, int32_t a, int32_t b,
                        std::set<uint32_t>* who = nullptr) {
    size_t n = 0;
    for (const auto& [m, ds] : days) {
      auto it = ds.lower_bound(a);
      if (it == ds.end() || *it > b) continue;
      ++n;
      if (who) who->insert(m);
    }
    return n;
  }
};

// Shuffled batches of random events over 200 days around the 2026 DST
// changes; merges and unmerges between batches; queries after the first
// batch build the lazily kept aggregates early.
void Fill(Engine& e, uint32_t seed, int n, const TimeZone& tz) {
  std::mt19937 rng(seed);
  const int64_t t0 = 1767225600000LL;  // 2026-01-01T00:00:00Z
  const EventType types[] = {EventType::kMessagePosted, EventType::kReactionAdded, EventType::kCheckin,
                             EventType::kMemberJoined,  EventType::kMemberLeft,    EventType::kVisit};
  std::vector<Event> all;
  for (int i = 0; i < n; ++i) {
    Event ev;
    ev.id = "e" + std::to_string(i);
    ev.type = types[rng() % std::size(types)];
    ev.ts_ms = t0 + static_cast<int64_t>(rng() % (200ULL * 86400)) * 1000;
    ev.platform = Platform::kCustom;
    ev.community = "g" + std::to_string(rng() % 3);
    ev.actor = "u" + std::to_string(rng() % 50);
    ev.message_id = "m" + std::to_string(i);
    ev.text = "ok";
    if (ev.type == EventType::kReactionAdded) ev.message_id = "m" + std::to_string(rng() % (i + 1));
    if (ev.type == EventType::kMemberLeft) ev.reason = "left";
    all.push_back(std::move(ev));
  }
  std::shuffle(all.begin(), all.end(), rng);
  std::vector<uint32_t> merges;
  for (size_t pos = 0; pos < all.size();) {
    const size_t k = std::min(all.size() - pos, static_cast<size_t>(1 + rng() % 200));
    std::vector<Event> batch(all.begin() + pos, all.begin() + pos + k);
    pos += k;
    e.Apply(e.Stage(std::move(batch), e.last_seq() + 1));
    const MetricsModule& m = *e.module<MetricsModule>();
    if (pos == k)
      for (uint32_t community : {kNone, 0u, 1u}) {
        Query q;
        q.community = community;
        q.tz = tz;
        ASSERT_TRUE(m.Retention(q, Granularity::kWeek).ok());
      }
    const uint32_t accounts = static_cast<uint32_t>(e.accounts().size());
    if (rng() % 3 == 0 && accounts > 2) {
      const uint32_t ma = e.member_of(rng() % accounts), mb = e.member_of(rng() % accounts);
      if (ma != mb) {
        auto id = e.Merge(ma, mb, "test", 0);
        ASSERT_TRUE(id.ok());
        merges.push_back(*id);
      }
    } else if (rng() % 4 == 0 && !merges.empty()) {
      const size_t i = rng() % merges.size();
      (void)e.Unmerge(merges[i], 0);  // may be refused (a later merge moved its accounts)
      merges.erase(merges.begin() + static_cast<std::ptrdiff_t>(i));
    }
  }
}

// Checks every cohort query of `m` over [from, to] against the reference.
void Check(const MetricsModule& m, const Reference& ref, Query q, int32_t from, int32_t to) {
  q.from = from;
  q.to = to;
  for (Granularity g : kGrains) {
    SCOPED_TRACE(std::string(GranularityName(g)) + " " + FormatDate(from) + ".." + FormatDate(to));
    std::vector<int32_t> starts;
    for (int32_t s = PeriodStart(g, from); s <= to; s = NextPeriod(g, s)) starts.push_back(s);
    auto end_of = [&](size_t i) { return std::min(NextPeriod(g, starts[i]) - 1, to); };

    auto mat = m.Retention(q, g);
    ASSERT_TRUE(mat.ok());
    ASSERT_EQ(mat->cohorts.size(), starts.size());
    auto trend = m.RetentionTrend(q, g, 1);
    ASSERT_TRUE(trend.ok());
    size_t trend_at = 0;
    for (size_t i = 0; i < starts.size(); ++i) {
      std::set<uint32_t> cohort;
      for (auto [p, d] : ref.first_seen)
        if (d >= starts[i] && d <= end_of(i)) cohort.insert(p);
      const RetentionCohort& c = mat->cohorts[i];
      EXPECT_EQ(c.start, starts[i]);
      EXPECT_EQ(c.size, cohort.size()) << FormatDate(starts[i]);
      ASSERT_EQ(c.retained.size(), starts.size() - i);
      for (size_t k = 0; k < c.retained.size(); ++k) {
        std::set<uint32_t> act;
        Reference::CountIn(ref.active, starts[i + k], end_of(i + k), &act);
        size_t n = 0;
        for (uint32_t p : cohort) n += act.count(p);
        EXPECT_EQ(c.retained[k], n) << FormatDate(starts[i]) << " k=" << k;
        if (k == 1) {
          ASSERT_LT(trend_at, trend->size());
          EXPECT_EQ((*trend)[trend_at].first, starts[i]);
          EXPECT_DOUBLE_EQ((*trend)[trend_at].second, cohort.empty() ? 0.0 : double(n) / double(cohort.size()));
          ++trend_at;
        }
      }
    }
    EXPECT_EQ(trend_at, trend->size());

    auto life = m.Lifecycle(q, g);
    ASSERT_TRUE(life.ok());
    ASSERT_EQ(life->size(), starts.size());
    for (size_t i = 0; i < starts.size(); ++i) {
      std::set<uint32_t> cur, prev;
      Reference::CountIn(ref.active, starts[i], end_of(i), &cur);
      Reference::CountIn(ref.active, PeriodStart(g, starts[i] - 1), starts[i] - 1, &prev);
      LifecyclePoint want{starts[i], static_cast<uint32_t>(cur.size()), 0, 0, 0, 0};
      for (uint32_t p : cur) {
        if (ref.first_seen.at(p) >= starts[i]) ++want.new_;
        else if (prev.count(p)) ++want.returning;
        else ++want.resurrecting;
      }
      for (uint32_t p : prev) want.dormant += cur.count(p) ? 0 : 1;
      const LifecyclePoint& got = (*life)[i];
      EXPECT_EQ(got.start, want.start);
      EXPECT_EQ(got.active, want.active) << FormatDate(starts[i]);
      EXPECT_EQ(got.new_, want.new_) << FormatDate(starts[i]);
      EXPECT_EQ(got.returning, want.returning) << FormatDate(starts[i]);
      EXPECT_EQ(got.resurrecting, want.resurrecting) << FormatDate(starts[i]);
      EXPECT_EQ(got.dormant, want.dormant) << FormatDate(starts[i]);
    }

    auto inter = m.Interaction(q, g);
    ASSERT_TRUE(inter.ok());
    ASSERT_EQ(inter->size(), starts.size());
    for (size_t i = 0; i < starts.size(); ++i)
      EXPECT_EQ((*inter)[i].interacting, Reference::CountIn(ref.interacting, std::max(starts[i], from), end_of(i)))
          << FormatDate(starts[i]);
  }
}

class CohortDifferential : public ::testing::TestWithParam<std::tuple<uint32_t, const char*>> {};

TEST_P(CohortDifferential, MaintainedAggregateMatchesPerPersonReference) {
  auto [seed, zone] = GetParam();
  auto tz = TimeZone::Load(zone);
  ASSERT_TRUE(tz.ok());
  Engine e;
  AttachStandardModules(e);
  Fill(e, seed, 2500, *tz);
  const MetricsModule& m = *e.module<MetricsModule>();
  for (uint32_t community : {kNone, 0u, 1u, 2u}) {
    SCOPED_TRACE("community " + std::to_string(community));
    Reference ref(e, *tz, community);
    Query q;
    q.community = community;
    q.tz = *tz;
    auto range = m.ResolveRange(q);
    ASSERT_TRUE(range.has_value());
    auto [lo, hi] = *range;
    Check(m, ref, q, lo, hi);                 // whole range: the maintained aggregate
    Check(m, ref, q, lo + 10, hi - 17);       // cut-off periods: the exact fallback
    Check(m, ref, q, lo + 40, lo + 40 + 62);  // a window in the middle
  }
}

INSTANTIATE_TEST_SUITE_P(Zones, CohortDifferential,
                         ::testing::Combine(::testing::Values(1u, 2u, 3u),
                                            ::testing::Values("UTC", "America/New_York", "Asia/Kathmandu")));

// The aggregate alone: days far outside the 64-day mask arrive late and out of
// order; "before the batch" answers come from a plain set.
TEST(CohortAggregate, OutOfOrderDaysBeyondTheMaskWindow) {
  std::mt19937 rng(11);
  CohortAggregate agg;
  std::map<uint32_t, std::set<int32_t>> seen;  // applied days (the past lookup)
  std::map<uint32_t, int32_t> fs;
  for (int batch = 0; batch < 60; ++batch) {
    std::vector<std::pair<uint32_t, int32_t>> notes;
    for (int i = 0; i < 20; ++i) notes.emplace_back(rng() % 15, 20000 + static_cast<int32_t>(rng() % 400));
    for (auto [p, d] : notes) {
      agg.NoteFirstSeen(p, d);
      agg.NoteDay(p, CohortAggregate::kActivity, d);
    }
    agg.End([&](uint32_t p, CohortAggregate::Kind, int32_t d) { return seen[p].count(d) > 0; });
    for (auto [p, d] : notes) {
      seen[p].insert(d);
      auto [it, fresh] = fs.try_emplace(p, d);
      if (!fresh) it->second = std::min(it->second, d);
    }
  }
  for (Granularity g : kGrains) {
    std::map<std::pair<int32_t, int32_t>, uint32_t> cells;  // (cohort, period) -> people
    std::map<int32_t, uint32_t> active, both, size;
    for (const auto& [p, days] : seen) {
      const int32_t c = PeriodIndex(g, fs[p]);
      ++size[c];
      std::set<int32_t> periods;
      for (int32_t d : days) periods.insert(PeriodIndex(g, d));
      for (int32_t q : periods) {
        ++cells[{c, q}];
        ++active[q];
        if (periods.count(q - 1)) ++both[q];
      }
    }
    const int32_t lo = PeriodIndex(g, 20000) - 1, hi = PeriodIndex(g, 20400) + 1;
    for (int32_t q = lo; q <= hi; ++q) {
      EXPECT_EQ(agg.Active(g, q), active[q]) << q;
      EXPECT_EQ(agg.ActiveBoth(g, q), both[q]) << q;
      EXPECT_EQ(agg.CohortSize(g, q), size[q]) << q;
      for (int32_t k = 0; q + k <= hi; ++k) EXPECT_EQ(agg.Retained(g, q, k), (cells[{q, q + k}])) << q << "+" << k;
    }
  }
}

TEST(CohortAggregate, PeriodIndexRoundTrips) {
  for (int32_t day = -800; day < 800; day += 3)
    for (Granularity g : kGrains) {
      const int32_t i = PeriodIndex(g, day);
      EXPECT_EQ(PeriodIndexStart(g, i), PeriodStart(g, day)) << day;
      EXPECT_EQ(PeriodIndexStart(g, i + 1), NextPeriod(g, PeriodStart(g, day))) << day;
    }
}

}  // namespace
}  // namespace qun::metrics

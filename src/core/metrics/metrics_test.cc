// Differential tests: the incremental MetricsModule against a naive scan of
// the raw event log, on random communities with out-of-order batches,
// identity merges and several time zones (half-hour, 45-minute, DST).
#include "core/metrics/metrics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "core/engine/engine.h"

namespace qun::metrics {
namespace {

struct World {
  Engine engine;
  World() { AttachStandardModules(engine); }
  const MetricsModule& m() const { return *engine.module<MetricsModule>(); }
};

// Builds a random world: `n` events over 45 days around the 2026 US DST
// change, shuffled into batches, with merges between batches.
void Fill(World& w, uint32_t seed, int n, const TimeZone& tz) {
  std::mt19937 rng(seed);
  const int64_t t0 = 1771545600000LL;  // 2026-02-20T00:00:00Z
  std::vector<Event> all;
  const EventType types[] = {EventType::kMessagePosted, EventType::kReactionAdded, EventType::kCheckin,
                             EventType::kMemberJoined,  EventType::kMemberLeft,    EventType::kVisit,
                             EventType::kOrderPaid};
  for (int i = 0; i < n; ++i) {
    Event e;
    e.id = "e" + std::to_string(i);
    e.type = types[rng() % std::size(types)];
    e.ts_ms = t0 + static_cast<int64_t>(rng() % (45ULL * 86400)) * 1000;
    e.platform = Platform::kCustom;
    e.community = "g" + std::to_string(rng() % 3);
    e.actor = "u" + std::to_string(rng() % 40);
    e.message_id = "m" + std::to_string(i);
    e.text = rng() % 3 == 0 ? "how?" : "ok";
    if (e.type == EventType::kReactionAdded) e.message_id = "m" + std::to_string(rng() % (i + 1));
    if (e.type == EventType::kOrderPaid) {
      e.order_id = "o" + std::to_string(i);
      e.amount_minor = 100;
      e.currency = "CNY";
    }
    if (e.type == EventType::kMemberLeft) e.reason = "left";
    all.push_back(std::move(e));
  }
  std::shuffle(all.begin(), all.end(), rng);
  size_t pos = 0;
  while (pos < all.size()) {
    size_t k = std::min(all.size() - pos, static_cast<size_t>(1 + rng() % 300));
    std::vector<Event> batch(all.begin() + pos, all.begin() + pos + k);
    pos += k;
    auto staged = w.engine.Stage(std::move(batch), w.engine.last_seq() + 1);
    w.engine.Apply(staged);
    // The first query in a zone builds its view; later batches must keep it fresh.
    if (pos == k) {
      Query q;
      q.tz = tz;
      ASSERT_TRUE(w.m().Active(q).ok());
    }
    // Merge two random accounts' members now and then.
    if (rng() % 2 && w.engine.accounts().size() > 2) {
      uint32_t a = rng() % w.engine.accounts().size(), b = rng() % w.engine.accounts().size();
      uint32_t ma = w.engine.member_of(a), mb = w.engine.member_of(b);
      if (ma != mb) {
        ASSERT_TRUE(w.engine.Merge(ma, mb, "test", 0).ok());
      }
    }
  }
}

// ---- naive reference ----
struct Ref {
  const Engine& e;
  const TimeZone& tz;
  uint32_t community;
  bool InScope(size_t r) const { return community == kNone || e.events().community[r] == community; }
  int32_t Day(size_t r) const { return tz.LocalDay(FromEngineSeconds(e.events().ts[r])); }
  std::pair<int32_t, int32_t> Range() const {
    int32_t lo = INT32_MAX, hi = INT32_MIN;
    for (size_t r = 0; r < e.events().size(); ++r)
      if (InScope(r)) lo = std::min(lo, Day(r)), hi = std::max(hi, Day(r));
    return {lo, hi};
  }
  std::set<uint32_t> ActiveBetween(int32_t a, int32_t b) const {
    std::set<uint32_t> s;
    for (size_t r = 0; r < e.events().size(); ++r)
      if (InScope(r) && IsActivityType(e.events().type[r]) && Day(r) >= a && Day(r) <= b)
        s.insert(e.member_of(e.events().account[r]));
    return s;
  }
  std::map<uint32_t, int32_t> FirstSeen() const {
    std::map<uint32_t, int32_t> fs;
    for (size_t r = 0; r < e.events().size(); ++r) {
      EventType t = e.events().type[r];
      if (!InScope(r) || !(IsActivityType(t) || t == EventType::kMemberJoined)) continue;
      uint32_t m = e.member_of(e.events().account[r]);
      auto [it, fresh] = fs.try_emplace(m, Day(r));
      if (!fresh) it->second = std::min(it->second, Day(r));
    }
    return fs;
  }
};

class Differential : public ::testing::TestWithParam<std::tuple<uint32_t, const char*>> {};

TEST_P(Differential, ActiveAndRetentionMatchNaiveScan) {
  auto [seed, zone] = GetParam();
  World w;
  auto tz = TimeZone::Load(zone);
  ASSERT_TRUE(tz.ok());
  Fill(w, seed, 1500, *tz);
  for (uint32_t community : {kNone, 0u, 2u}) {
    Ref ref{w.engine, *tz, community};
    Query q;
    q.community = community;
    q.tz = *tz;
    auto [lo, hi] = ref.Range();
    auto active = w.m().Active(q);
    ASSERT_TRUE(active.ok());
    ASSERT_EQ(active->size(), static_cast<size_t>(hi - lo + 1));
    for (const ActivePoint& p : *active) {
      SCOPED_TRACE(FormatDate(p.day));
      EXPECT_EQ(p.dau, ref.ActiveBetween(p.day, p.day).size());
      EXPECT_EQ(p.wau, ref.ActiveBetween(p.day - 6, p.day).size());
      EXPECT_EQ(p.mau, ref.ActiveBetween(p.day - 29, p.day).size());
    }
    for (Granularity g : {Granularity::kDay, Granularity::kWeek, Granularity::kMonth}) {
      auto mat = w.m().Retention(q, g);
      ASSERT_TRUE(mat.ok());
      auto fs = ref.FirstSeen();
      for (const RetentionCohort& c : mat->cohorts) {
        std::set<uint32_t> cohort;
        for (auto [m, d] : fs)
          if (PeriodStart(g, d) == c.start) cohort.insert(m);
        EXPECT_EQ(c.size, cohort.size()) << FormatDate(c.start);
        int32_t p = c.start;
        for (size_t k = 0; k < c.retained.size(); ++k, p = NextPeriod(g, p)) {
          auto act = ref.ActiveBetween(p, std::min(NextPeriod(g, p) - 1, hi));
          size_t n = 0;
          for (uint32_t m : cohort) n += act.count(m);
          EXPECT_EQ(c.retained[k], n) << FormatDate(c.start) << " k=" << k;
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Zones, Differential,
                         ::testing::Combine(::testing::Values(1u, 2u, 3u),
                                            ::testing::Values("UTC", "Asia/Kathmandu", "America/New_York",
                                                              "America/St_Johns")));

TEST(Question, Definition) {
  EXPECT_TRUE(IsQuestionText("does this work?"));
  EXPECT_TRUE(IsQuestionText("这个怎么用"));
  EXPECT_TRUE(IsQuestionText("好用吗"));
  EXPECT_TRUE(IsQuestionText("  How do I reset my password"));
  EXPECT_TRUE(IsQuestionText("有人知道吗？"));
  EXPECT_FALSE(IsQuestionText("thanks, that works"));
  EXPECT_FALSE(IsQuestionText("however it failed"));
  EXPECT_FALSE(IsQuestionText(""));
}

TEST(Anomalies, FlagsSpikeAgainstSameWeekday) {
  std::vector<double> v(63, 10.0);
  for (size_t i = 0; i < v.size(); ++i) v[i] += static_cast<double>(i % 3);  // some spread
  v[62] = 100;
  auto a = DetectAnomalies(0, v);
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a.back().day, 62);
  EXPECT_TRUE(a.back().up);
}

}  // namespace
}  // namespace qun::metrics

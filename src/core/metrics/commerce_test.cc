// Differential test of the maintained commerce aggregates (conversion people,
// value per currency, ordered funnels; docs/metrics.md#commerce-aggregates)
// against a naive scan of the event log. Out-of-order batches, merges and
// unmerges are interleaved with queries, so the aggregates and the funnel
// caches filled by earlier queries must follow every change; ranges holding
// all data (maintained path) and partial ranges (per-day path) in several
// time zones, per community and for the workspace.
#include "core/metrics/commerce.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "core/engine/engine.h"
#include "core/metrics/metrics.h"

namespace qun::metrics {
namespace {

const int64_t kT0 = 1772928000000LL;  // 2026-03-08T00:00:00Z (US DST starts that day)

// `communities` community names; `currencies` 0: CNY or USD, else that many
// three-letter codes.
std::vector<Event> RandomEvents(std::mt19937& rng, int first_id, int n, int communities = 3, int currencies = 0) {
  const EventType types[] = {EventType::kVisit,         EventType::kSignup,         EventType::kOrderPaid,
                             EventType::kOrderRefunded, EventType::kActivityJoined, EventType::kCheckin,
                             EventType::kMemberJoined,  EventType::kMessagePosted};
  std::vector<Event> out;
  for (int i = first_id; i < first_id + n; ++i) {
    Event e;
    e.id = "e" + std::to_string(i);
    e.type = types[rng() % std::size(types)];
    // Any time over 20 days, so batches arrive out of order; some events share a second.
    e.ts_ms = kT0 + static_cast<int64_t>(rng() % (20ULL * 86400 / 600)) * 600000;
    e.platform = Platform::kCustom;
    e.community = "g" + std::to_string(rng() % static_cast<uint32_t>(communities));
    e.actor = "u" + std::to_string(rng() % 30);
    e.message_id = "m" + std::to_string(i);
    e.text = "ok";
    if (e.type == EventType::kOrderPaid || e.type == EventType::kOrderRefunded) {
      e.order_id = "o" + std::to_string(i);
      e.amount_minor = 100 + static_cast<int64_t>(rng() % 900);
      if (currencies == 0) {
        e.currency = rng() % 3 ? "CNY" : "USD";
      } else {
        const auto c = static_cast<int>(rng() % static_cast<uint32_t>(currencies));
        e.currency = std::string{'X', static_cast<char>('A' + c / 26), static_cast<char>('A' + c % 26)};
      }
    }
    if (e.type == EventType::kActivityJoined) e.activity_id = "act" + std::to_string(rng() % 3);
    out.push_back(std::move(e));
  }
  return out;
}

// ---- naive reference over the log ----
struct Ref {
  const Engine& e;
  const TimeZone& tz;
  uint32_t community;
  int32_t from, to;  // local days, inclusive
  bool In(size_t r) const {
    if (community != kNone && e.events().community[r] != community) return false;
    const int32_t d = tz.LocalDay(FromEngineSeconds(e.events().ts[r]));
    return d >= from && d <= to;
  }
  uint32_t Member(size_t r) const { return e.member_of(e.events().account[r]); }
  bool ValidOrder(size_t r) const { return e.events().aux[r] < e.orders().size(); }

  size_t People(EventType t) const {
    std::set<uint32_t> s;
    for (size_t r = 0; r < e.events().size(); ++r)
      if (e.events().type[r] == t && In(r) && (t != EventType::kOrderPaid || ValidOrder(r)))
        s.insert(Member(r));
    return s.size();
  }

  struct Cur {
    int64_t gmv = 0;
    uint64_t orders = 0, refunds = 0;
    std::map<uint32_t, int> paid_by;  // member -> paid orders
  };
  std::map<std::string, Cur> Values() const {
    std::map<std::string, Cur> out;
    for (size_t r = 0; r < e.events().size(); ++r) {
      const EventType t = e.events().type[r];
      if ((t != EventType::kOrderPaid && t != EventType::kOrderRefunded) || !In(r) || !ValidOrder(r))
        continue;
      const OrderInfo& o = e.orders()[e.events().aux[r]];
      Cur& c = out[e.currencies()[o.currency]];
      if (t == EventType::kOrderPaid) {
        c.gmv += o.amount_minor;
        ++c.orders;
        ++c.paid_by[Member(r)];
      } else {
        c.gmv -= o.amount_minor;
        ++c.refunds;
      }
    }
    return out;
  }

  // People reaching each step: entry = first step-0 event in range; step k =
  // the earliest step-k event (any day) at or after step k-1's time, within
  // entry + window.
  std::vector<uint32_t> Funnel(const std::vector<EventType>& steps, uint32_t window_s) const {
    const auto& c = e.events();
    std::map<uint32_t, uint32_t> entry;
    for (size_t r = 0; r < c.size(); ++r)
      if (c.type[r] == steps[0] && In(r)) {
        auto [it, fresh] = entry.try_emplace(Member(r), c.ts[r]);
        if (!fresh) it->second = std::min(it->second, c.ts[r]);
      }
    std::vector<uint32_t> reached(steps.size(), 0);
    for (auto [m, t0] : entry) {
      uint32_t at = t0;
      ++reached[0];
      for (size_t k = 1; k < steps.size(); ++k) {
        uint32_t best = UINT32_MAX;
        for (size_t r = 0; r < c.size(); ++r)
          if (c.type[r] == steps[k] && Member(r) == m && c.ts[r] >= at &&
              (community == kNone || c.community[r] == community))
            best = std::min(best, c.ts[r]);
        if (best == UINT32_MAX || best > t0 + window_s) break;
        at = best;
        ++reached[k];
      }
    }
    return reached;
  }
};

const std::vector<std::pair<std::vector<EventType>, uint32_t>>& Funnels() {
  static const std::vector<std::pair<std::vector<EventType>, uint32_t>> kFunnels = {
      {{EventType::kVisit, EventType::kSignup, EventType::kOrderPaid}, 7 * 86400},
      {{EventType::kMemberJoined, EventType::kCheckin, EventType::kActivityJoined}, 3 * 86400},
      {{EventType::kVisit, EventType::kVisit, EventType::kOrderPaid, EventType::kOrderPaid}, 2 * 86400},
      {{EventType::kSignup}, 3600},
  };
  return kFunnels;
}

// Conversion people and value per currency of `q` against the naive scan.
void ExpectConversionAndValues(const MetricsModule& m, const Query& q, const Ref& ref) {
  auto conv = m.Conversions(q);
  ASSERT_TRUE(conv.ok()) << conv.status().message();
  EXPECT_EQ(conv->visitors, ref.People(EventType::kVisit));
  EXPECT_EQ(conv->signups, ref.People(EventType::kSignup));
  EXPECT_EQ(conv->buyers, ref.People(EventType::kOrderPaid));
  EXPECT_EQ(conv->participants, ref.People(EventType::kActivityJoined));

  auto values = m.Values(q);
  ASSERT_TRUE(values.ok()) << values.status().message();
  const auto want = ref.Values();
  ASSERT_EQ(values->size(), want.size());
  for (const Value& v : *values) {
    SCOPED_TRACE(v.currency);
    ASSERT_TRUE(want.count(v.currency));
    const Ref::Cur& w = want.at(v.currency);
    EXPECT_EQ(v.gmv_minor, w.gmv);
    EXPECT_EQ(v.orders, w.orders);
    EXPECT_EQ(v.refunds, w.refunds);
    EXPECT_EQ(v.buyers, w.paid_by.size());
    EXPECT_EQ(v.repeat_buyers, static_cast<uint32_t>(std::count_if(w.paid_by.begin(), w.paid_by.end(),
                                                                   [](const auto& p) { return p.second >= 2; })));
  }
}

class CommerceDiff : public ::testing::TestWithParam<std::tuple<uint32_t, const char*>> {};

TEST_P(CommerceDiff, MaintainedAggregatesMatchNaiveScanThroughBatchesMergesAndUnmerges) {
  auto [seed, zone] = GetParam();
  auto tz = TimeZone::Load(zone);
  ASSERT_TRUE(tz.ok());
  std::mt19937 rng(seed);
  Engine engine;
  AttachStandardModules(engine);
  const MetricsModule& m = *engine.module<MetricsModule>();
  int merges = 0, unmerges = 0, checked_all = 0, checked_partial = 0;
  int next_id = 0;
  for (int step = 0; step < 14; ++step) {
    const uint32_t what = step < 2 ? 0 : rng() % 4;
    if (what <= 1) {
      auto batch = RandomEvents(rng, next_id, 20 + static_cast<int>(rng() % 60));
      next_id += static_cast<int>(batch.size());
      engine.Apply(engine.Stage(std::move(batch), engine.last_seq() + 1));
    } else if (what == 2 || engine.merges().empty()) {
      const uint32_t ma = engine.member_of(rng() % engine.accounts().size());
      const uint32_t mb = engine.member_of(rng() % engine.accounts().size());
      if (ma != mb && engine.Merge(ma, mb, "test", 0).ok()) ++merges;
    } else if (engine.Unmerge(1 + rng() % static_cast<uint32_t>(engine.merges().size()), 0).ok()) {
      ++unmerges;
    }
    const int32_t day0 = static_cast<int32_t>(kT0 / 86400000);
    for (uint32_t community : {kNone, 0u, 1u, 2u}) {
      if (community != kNone && community >= engine.communities().size()) continue;
      // (-1, -1): the scope's own range; (-5, 40): wider than the data; the rest partial.
      for (auto [from, to] : {std::pair<int, int>{-1, -1}, {-5, 40}, {3, 12}, {0, 0}, {8, 19}}) {
        Query q;
        q.tz = *tz;
        q.community = community;
        if (from != -1) {
          q.from = day0 + from;
          q.to = day0 + to;
        }
        SCOPED_TRACE("step " + std::to_string(step) + " community " + std::to_string(community) + " days " +
                     std::to_string(from) + ".." + std::to_string(to));
        auto range = m.ResolveRange(q);
        if (!range) continue;
        (from <= -1 ? checked_all : checked_partial)++;
        const Ref ref{engine, *tz, community, range->first, range->second};

        ExpectConversionAndValues(m, q, ref);
        if (HasFatalFailure()) return;

        for (const auto& [steps, window] : Funnels()) {
          auto f = m.FunnelOf(q, steps, window);
          ASSERT_TRUE(f.ok()) << f.status().message();
          const std::vector<uint32_t> want_f = ref.Funnel(steps, window);
          ASSERT_EQ(f->steps.size(), want_f.size());
          for (size_t k = 0; k < want_f.size(); ++k) EXPECT_EQ(f->steps[k].count, want_f[k]) << "step " << k;
        }
      }
    }
  }
  EXPECT_GT(merges, 0);
  EXPECT_GT(unmerges, 0);
  EXPECT_GT(checked_all, 0);
  EXPECT_GT(checked_partial, 0);
}

// Community and currency indexes past 127 take two varint bytes in the
// per-account lists (docs/metrics.md#memory-layout); the all-time aggregates
// must still match the naive scan, per community and for the workspace.
TEST(Commerce, WideCommunityAndCurrencyIndexesMatchNaiveScan) {
  std::mt19937 rng(5);
  Engine engine;
  AttachStandardModules(engine);
  const MetricsModule& m = *engine.module<MetricsModule>();
  int next_id = 0;
  for (int batch = 0; batch < 6; ++batch) {
    auto events = RandomEvents(rng, next_id, 1500, 150, 140);
    next_id += static_cast<int>(events.size());
    engine.Apply(engine.Stage(std::move(events), engine.last_seq() + 1));
  }
  ASSERT_GT(engine.communities().size(), 130u);
  ASSERT_GT(engine.currencies().size(), 130u);
  const TimeZone utc = TimeZone::Utc();
  int checked = 0;
  for (uint32_t community = 0; community <= engine.communities().size(); ++community) {
    Query q;
    q.community = community == engine.communities().size() ? kNone : community;
    auto range = m.ResolveRange(q);
    if (!range) continue;
    SCOPED_TRACE("community " + std::to_string(q.community));
    const Ref ref{engine, utc, q.community, range->first, range->second};
    ExpectConversionAndValues(m, q, ref);
    if (HasFatalFailure()) return;
    ++checked;
  }
  EXPECT_GT(checked, 130);
}

INSTANTIATE_TEST_SUITE_P(Zones, CommerceDiff,
                         ::testing::Combine(::testing::Values(1u, 2u, 3u, 4u),
                                            ::testing::Values("UTC", "America/New_York", "Asia/Kathmandu")));

TEST(Commerce, FunnelCacheKeepsAtMostMaxDefinitions) {
  Engine engine;
  AttachStandardModules(engine);
  std::mt19937 rng(9);
  engine.Apply(engine.Stage(RandomEvents(rng, 0, 200), 1));
  const MetricsModule& m = *engine.module<MetricsModule>();
  Query q;
  std::vector<uint32_t> first;
  // More definitions than the cache holds, then the first again: evicted and
  // rebuilt, the same answer.
  for (uint32_t w = 1; w <= CommerceAggregates::kMaxFunnels + 2; ++w) {
    auto f = m.FunnelOf(q, {EventType::kVisit, EventType::kSignup}, w * 3600);
    ASSERT_TRUE(f.ok());
    if (w == 1)
      for (const auto& s : f->steps) first.push_back(s.count);
  }
  auto again = m.FunnelOf(q, {EventType::kVisit, EventType::kSignup}, 3600);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->steps.size(), first.size());
  for (size_t k = 0; k < first.size(); ++k) EXPECT_EQ(again->steps[k].count, first[k]);
  EXPECT_GT(first[0], 0u);
  size_t funnel_bytes = 0;
  for (const auto& [name, bytes] : m.MemoryParts())
    if (name == "funnel_caches") funnel_bytes = bytes;
  EXPECT_GT(funnel_bytes, 0u);
}

}  // namespace
}  // namespace qun::metrics

// Cache-invalidation differential test: the MetricsModule keeps per-day person
// sets, first-seen days, member counts and funnel indexes cached between
// queries (docs/metrics.md#caching). Here batches (out of order), identity
// merges and unmerges are interleaved with queries, and after every step
// every metric of the long-lived engine (whose caches were filled by the
// earlier queries) must equal the same metric of a fresh engine built from
// the same history (whose caches are cold) and, for the activity series, a
// naive scan of the event log.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "core/engine/engine.h"
#include "core/metrics/metrics.h"
#include "core/metrics/metrics_json.h"

namespace qun::metrics {
namespace {

// One step of a history: a batch, a merge of two accounts' people, or the
// unmerge of a merge record.
struct Op {
  enum Kind { kBatch, kMerge, kUnmerge } kind;
  std::vector<Event> batch;
  uint32_t a = 0, b = 0;  // accounts (merge) / merge id (unmerge: a)
};

// Applies `op` to `e`; returns false when the op was not applicable (then the
// replay skips it too, as it is deterministic).
bool Apply(Engine& e, const Op& op) {
  switch (op.kind) {
    case Op::kBatch: {
      auto staged = e.Stage(op.batch, e.last_seq() + 1);
      e.Apply(staged);
      return true;
    }
    case Op::kMerge: {
      if (op.a >= e.accounts().size() || op.b >= e.accounts().size()) return false;
      uint32_t ma = e.member_of(op.a), mb = e.member_of(op.b);
      return ma != mb && e.Merge(ma, mb, "test", 0).ok();
    }
    case Op::kUnmerge: return e.Unmerge(op.a, 0).ok();
  }
  return false;
}

std::vector<Event> RandomEvents(std::mt19937& rng, int first_id, int n) {
  const int64_t t0 = 1772928000000LL;  // 2026-03-08T00:00:00Z (US DST starts that day)
  const EventType types[] = {EventType::kMessagePosted, EventType::kReactionAdded, EventType::kCheckin,
                             EventType::kMemberJoined,  EventType::kMemberLeft,    EventType::kVisit,
                             EventType::kSignup,        EventType::kOrderPaid,     EventType::kActivityJoined};
  std::vector<Event> out;
  for (int i = first_id; i < first_id + n; ++i) {
    Event e;
    e.id = "e" + std::to_string(i);
    e.type = types[rng() % std::size(types)];
    // Out of order: any time over 40 days.
    e.ts_ms = t0 + static_cast<int64_t>(rng() % (40ULL * 86400)) * 1000;
    e.platform = Platform::kCustom;
    e.community = "g" + std::to_string(rng() % 3);
    e.actor = "u" + std::to_string(rng() % 60);
    e.message_id = "m" + std::to_string(i);
    e.text = rng() % 3 == 0 ? "how?" : "ok";
    if (e.type == EventType::kReactionAdded) e.message_id = "m" + std::to_string(rng() % (i + 1));
    if (e.type == EventType::kOrderPaid) {
      e.order_id = "o" + std::to_string(i);
      e.amount_minor = 100 + static_cast<int64_t>(rng() % 900);
      e.currency = "CNY";
    }
    if (e.type == EventType::kActivityJoined) e.activity_id = "act" + std::to_string(rng() % 4);
    if (e.type == EventType::kMemberLeft) e.reason = "left";
    out.push_back(std::move(e));
  }
  return out;
}

// Every metric with parameters that exercise the cached paths.
std::vector<std::pair<std::string, Params>> Queries(const std::string& tz, const std::string& community) {
  std::vector<std::pair<std::string, Params>> v;
  auto p = [&](Params x) {
    x["tz"] = tz;
    if (!community.empty()) x["community"] = community;
    return x;
  };
  v.push_back({"active", p({})});
  v.push_back({"active", p({{"from", "2026-03-20"}, {"to", "2026-04-10"}})});
  for (const char* g : {"day", "week", "month"}) {
    v.push_back({"retention", p({{"granularity", g}})});
    v.push_back({"lifecycle", p({{"granularity", g}})});
    v.push_back({"interaction", p({{"granularity", g}})});
    v.push_back({"revenue-cohorts", p({{"granularity", g}})});
  }
  v.push_back({"joins", p({})});
  v.push_back({"conversion", p({})});
  v.push_back({"conversion", p({{"from", "2026-03-15"}, {"to", "2026-03-25"}})});
  v.push_back({"funnel", p({{"steps", "visit,signup,order.paid"}, {"window", "604800"}})});
  v.push_back({"funnel", p({{"steps", "member.joined,checkin,activity.joined"}, {"window", "259200"},
                            {"from", "2026-03-10"}, {"to", "2026-04-01"}})});
  v.push_back({"value", p({})});
  v.push_back({"referral", p({})});
  v.push_back({"anomalies", p({{"series", "interacting"}})});
  v.push_back({"anomalies", p({{"series", "mau"}})});
  return v;
}

// DAU/WAU/MAU by naive scan of the log (docs/metrics.md#active).
size_t NaiveActive(const Engine& e, const TimeZone& tz, int32_t a, int32_t b) {
  std::set<uint32_t> s;
  const auto& c = e.events();
  for (size_t r = 0; r < c.size(); ++r) {
    if (!IsActivityType(c.type[r])) continue;
    int32_t d = tz.LocalDay(FromEngineSeconds(c.ts[r]));
    if (d >= a && d <= b) s.insert(e.member_of(c.account[r]));
  }
  return s.size();
}

class CacheInvalidation : public ::testing::TestWithParam<std::tuple<uint32_t, const char*>> {};

TEST_P(CacheInvalidation, InterleavedMergesUnmergesAndBatchesMatchColdEngine) {
  auto [seed, zone] = GetParam();
  auto tz = TimeZone::Load(zone);
  ASSERT_TRUE(tz.ok());
  std::mt19937 rng(seed);
  Engine live;
  AttachStandardModules(live);
  std::vector<Op> history;
  int next_id = 0;
  int merges_done = 0, unmerges_done = 0;
  for (int step = 0; step < 24; ++step) {
    Op op;
    uint32_t r = step < 3 ? 0 : rng() % 4;
    if (r <= 1) {
      op.kind = Op::kBatch;
      int n = 20 + static_cast<int>(rng() % 120);
      op.batch = RandomEvents(rng, next_id, n);
      next_id += n;
    } else if (r == 2 || live.merges().empty()) {
      op.kind = Op::kMerge;
      op.a = rng() % std::max<size_t>(live.accounts().size(), 1);
      op.b = rng() % std::max<size_t>(live.accounts().size(), 1);
    } else {
      op.kind = Op::kUnmerge;
      op.a = 1 + rng() % live.merges().size();
    }
    if (!Apply(live, op)) continue;
    merges_done += op.kind == Op::kMerge;
    unmerges_done += op.kind == Op::kUnmerge;
    history.push_back(op);

    // A cold engine with the same history.
    Engine cold;
    AttachStandardModules(cold);
    for (const Op& h : history) ASSERT_TRUE(Apply(cold, h));
    ASSERT_EQ(cold.merges().size(), live.merges().size());

    for (const std::string community : {"", "g1"}) {
      if (!community.empty() && live.FindCommunity(Platform::kCustom, community) == kNone) continue;
      for (const auto& [name, params] : Queries(zone, community)) {
        SCOPED_TRACE("step " + std::to_string(step) + " " + name + " community '" + community + "'");
        auto got = MetricsJson(live, name, params);
        auto want = MetricsJson(cold, name, params);
        ASSERT_EQ(got.ok(), want.ok());
        if (got.ok()) {
          EXPECT_EQ(got->dump(), want->dump()) << "params " << nlohmann::json(params).dump();
        }
      }
    }
    // And the activity series against a naive scan (workspace scope).
    Query q;
    q.tz = *tz;
    auto act = live.module<MetricsModule>()->Active(q);
    ASSERT_TRUE(act.ok());
    for (const ActivePoint& p : *act) {
      ASSERT_EQ(p.dau, NaiveActive(live, *tz, p.day, p.day)) << FormatDate(p.day);
      ASSERT_EQ(p.wau, NaiveActive(live, *tz, p.day - 6, p.day)) << FormatDate(p.day);
      ASSERT_EQ(p.mau, NaiveActive(live, *tz, p.day - 29, p.day)) << FormatDate(p.day);
    }
  }
  // The history must really have exercised identity changes.
  EXPECT_GT(merges_done, 0);
  EXPECT_GT(unmerges_done, 0);
}

INSTANTIATE_TEST_SUITE_P(Zones, CacheInvalidation,
                         ::testing::Combine(::testing::Values(11u, 12u, 13u),
                                            ::testing::Values("UTC", "America/New_York", "Asia/Kathmandu")));

}  // namespace
}  // namespace qun::metrics

// Differential test of the referral metric (docs/metrics.md#referral): the
// MetricsModule's union-find over time-sorted invites against a naive
// reference that walks the invite rules literally (O(n^2), std::map), on
// random invite graphs with cycles, self-invites, repeated joins, same-second
// ties, out-of-order batches, merges of inviter and invitee and unmerges.
// A second test checks that the result does not depend on arrival order.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <tuple>

#include "core/engine/engine.h"
#include "core/metrics/metrics.h"

namespace qun::metrics {
namespace {

constexpr int64_t kT0 = 1772928000000LL;  // 2026-03-08T00:00:00Z (US DST starts that day)

// Random joins with inviters among few people (so cycles and repeated joins
// are common), times on a coarse grid (so same-second ties happen), and some
// activity that decides `converted`.
std::vector<Event> RandomEvents(std::mt19937& rng, int n, int people) {
  std::vector<Event> out;
  for (int i = 0; i < n; ++i) {
    Event e;
    e.id = "e" + std::to_string(i);
    e.platform = Platform::kCustom;
    e.community = "g" + std::to_string(rng() % 2);
    e.actor = "u" + std::to_string(rng() % people);
    e.ts_ms = kT0 + static_cast<int64_t>(rng() % (20 * 24)) * 3600000;  // hourly grid over 20 days
    const uint32_t kind = rng() % 10;
    if (kind < 6) {
      e.type = EventType::kMemberJoined;
      const uint32_t w = rng() % 6;
      if (w == 0)
        e.inviter = e.actor;  // self-invite
      else if (w < 5)
        e.inviter = "u" + std::to_string(rng() % people);  // may close a cycle
    } else if (kind < 8) {
      e.type = EventType::kCheckin;
    } else {
      e.type = EventType::kMessagePosted;
      e.message_id = "m" + std::to_string(i);
      e.text = "hi";
    }
    out.push_back(std::move(e));
  }
  return out;
}

void Ingest(Engine& engine, std::vector<Event> events, std::mt19937& rng) {
  std::shuffle(events.begin(), events.end(), rng);
  size_t pos = 0;
  while (pos < events.size()) {
    size_t k = std::min(events.size() - pos, static_cast<size_t>(1 + rng() % 40));
    std::vector<Event> batch(events.begin() + static_cast<std::ptrdiff_t>(pos),
                             events.begin() + static_cast<std::ptrdiff_t>(pos + k));
    pos += k;
    engine.Apply(engine.Stage(std::move(batch), engine.last_seq() + 1));
  }
}

// The rules of docs/metrics.md#referral, applied literally.
// `cycles` counts the invites ignored because they would close a cycle.
Referral Naive(const Engine& e, const Query& q, uint32_t members_at_start, int* cycles) {
  const auto& c = e.events();
  auto in_range = [&](uint32_t row) {
    if (q.community != kNone && c.community[row] != q.community) return false;
    const int32_t d = q.tz.LocalDay(FromEngineSeconds(c.ts[row]));
    return (!q.from || d >= *q.from) && (!q.to || d <= *q.to);
  };
  auto account_key = [&](uint32_t a) {
    return std::make_pair(static_cast<int>(e.accounts()[a].platform), e.accounts()[a].ext_id);
  };
  std::vector<std::tuple<uint32_t, std::pair<int, std::string>, std::pair<int, std::string>, uint32_t>>
      invites;
  uint32_t joins = 0;
  for (uint32_t r = 0; r < c.size(); ++r) {
    if (c.type[r] != EventType::kMemberJoined || !in_range(r)) continue;
    ++joins;
    if (c.aux[r] != kNone) invites.emplace_back(c.ts[r], account_key(c.account[r]), account_key(c.aux[r]), r);
  }
  std::sort(invites.begin(), invites.end());
  Referral out;
  std::map<uint32_t, uint32_t> parent;
  std::map<uint32_t, Inviter> inviters;
  for (const auto& inv_row : invites) {
    const uint32_t r = std::get<3>(inv_row);
    const uint32_t child = e.member_of(c.account[r]), inv = e.member_of(c.aux[r]);
    if (child == inv || parent.count(child)) continue;
    bool cycle = false;
    for (uint32_t x = inv;;) {
      if (x == child) {
        cycle = true;
        break;
      }
      auto it = parent.find(x);
      if (it == parent.end()) break;
      x = it->second;
    }
    if (cycle) {
      ++*cycles;
      continue;
    }
    parent[child] = inv;
    Inviter& iv = inviters.try_emplace(inv, Inviter{inv, c.aux[r], 0, 0}).first->second;
    ++iv.invited;
    bool converted = false;
    for (uint32_t a = 0; a < c.size() && !converted; ++a)
      converted = IsActivityType(c.type[a]) && c.community[a] == c.community[r] &&
                  e.member_of(c.account[a]) == child && c.ts[a] >= c.ts[r];
    if (converted) ++iv.converted;
  }
  out.invited_joins = static_cast<uint32_t>(parent.size());
  out.organic_joins = joins - static_cast<uint32_t>(invites.size());
  out.members_at_start = members_at_start;
  out.k_factor = members_at_start ? static_cast<double>(out.invited_joins) / members_at_start : 0;
  for (const auto& [child, p] : parent) {
    uint32_t d = 0;
    for (uint32_t x = child; parent.count(x); x = parent.at(x)) ++d;
    out.max_depth = std::max(out.max_depth, d);
  }
  for (const auto& [m, iv] : inviters) {
    if (!parent.count(m)) ++out.trees;
    out.inviters.push_back(iv);
  }
  std::sort(out.inviters.begin(), out.inviters.end(), [](const Inviter& a, const Inviter& b) {
    return a.invited != b.invited ? a.invited > b.invited : a.member < b.member;
  });
  return out;
}

void ExpectSame(const Referral& got, const Referral& want) {
  EXPECT_EQ(got.invited_joins, want.invited_joins);
  EXPECT_EQ(got.organic_joins, want.organic_joins);
  EXPECT_EQ(got.k_factor, want.k_factor);
  EXPECT_EQ(got.max_depth, want.max_depth);
  EXPECT_EQ(got.trees, want.trees);
  ASSERT_EQ(got.inviters.size(), want.inviters.size());
  for (size_t i = 0; i < got.inviters.size(); ++i) {
    EXPECT_EQ(got.inviters[i].member, want.inviters[i].member) << i;
    EXPECT_EQ(got.inviters[i].account, want.inviters[i].account) << i;
    EXPECT_EQ(got.inviters[i].invited, want.inviters[i].invited) << i;
    EXPECT_EQ(got.inviters[i].converted, want.inviters[i].converted) << i;
  }
}

class ReferralDiff : public ::testing::TestWithParam<std::tuple<uint32_t, const char*>> {};

TEST_P(ReferralDiff, MatchesNaiveReferenceThroughBatchesMergesAndUnmerges) {
  auto [seed, zone] = GetParam();
  auto tz = TimeZone::Load(zone);
  ASSERT_TRUE(tz.ok());
  std::mt19937 rng(seed);
  Engine engine;
  AttachStandardModules(engine);
  const MetricsModule& m = *engine.module<MetricsModule>();
  int merges = 0, unmerges = 0, cycles_seen = 0;
  for (int step = 0; step < 16; ++step) {
    const uint32_t what = step < 2 ? 0 : rng() % 4;
    if (what <= 1) {
      Ingest(engine, RandomEvents(rng, 40 + static_cast<int>(rng() % 80), 14), rng);
    } else if (what == 2 || engine.merges().empty()) {
      // Often the inviter and the invitee of one invite.
      const auto& c = engine.events();
      uint32_t a = rng() % engine.accounts().size(), b = rng() % engine.accounts().size();
      for (uint32_t r = 0; r < c.size(); ++r)
        if (c.type[r] == EventType::kMemberJoined && c.aux[r] != kNone && rng() % 3 == 0) {
          a = c.account[r];
          b = c.aux[r];
          break;
        }
      const uint32_t ma = engine.member_of(a), mb = engine.member_of(b);
      if (ma != mb && engine.Merge(ma, mb, "test", 0).ok()) ++merges;
    } else {
      if (engine.Unmerge(1 + rng() % static_cast<uint32_t>(engine.merges().size()), 0).ok()) ++unmerges;
    }
    for (uint32_t community : {kNone, 0u, 1u}) {
      if (community != kNone && community >= engine.communities().size()) continue;
      for (auto [from, to] : {std::pair<int, int>{-1, -1}, {3, 12}, {0, 0}, {7, 19}}) {
        Query q;
        q.tz = *tz;
        q.community = community;
        const int32_t day0 = static_cast<int32_t>(kT0 / 86400000);
        if (from >= 0) {
          q.from = day0 + from;
          q.to = day0 + to;
        }
        SCOPED_TRACE("step " + std::to_string(step) + " community " + std::to_string(community) + " days " +
                     std::to_string(from) + ".." + std::to_string(to));
        auto got = m.Referrals(q, 1000);
        ASSERT_TRUE(got.ok()) << got.status().message();
        ExpectSame(*got, Naive(engine, q, got->members_at_start, &cycles_seen));
        // top truncates the same ranking.
        auto top2 = m.Referrals(q, 2);
        ASSERT_TRUE(top2.ok());
        ASSERT_EQ(top2->inviters.size(), std::min<size_t>(2, got->inviters.size()));
        for (size_t i = 0; i < top2->inviters.size(); ++i)
          EXPECT_EQ(top2->inviters[i].member, got->inviters[i].member);
      }
    }
  }
  EXPECT_GT(merges, 0);
  EXPECT_GT(unmerges, 0);
  EXPECT_GT(cycles_seen, 0);  // the cycle rule was exercised
}

INSTANTIATE_TEST_SUITE_P(Graphs, ReferralDiff,
                         ::testing::Combine(::testing::Values(1u, 2u, 3u, 4u),
                                            ::testing::Values("UTC", "America/New_York", "Asia/Kathmandu")));

// The same events in any arrival order give the same referral result (people
// are named by their accounts, as member ids follow arrival order).
TEST(Referral, IndependentOfArrivalOrder) {
  for (uint32_t seed : {21u, 22u, 23u}) {
    std::mt19937 gen(seed);
    const std::vector<Event> events = RandomEvents(gen, 300, 12);
    auto run = [&](uint32_t order_seed) {
      std::mt19937 rng(order_seed);
      Engine engine;
      AttachStandardModules(engine);
      Ingest(engine, events, rng);
      Query q;
      q.tz = TimeZone::Utc();
      auto r = engine.module<MetricsModule>()->Referrals(q, 1000);
      EXPECT_TRUE(r.ok());
      std::vector<std::tuple<std::string, uint32_t, uint32_t>> inv;
      for (const Inviter& i : r->inviters)
        inv.emplace_back(engine.accounts()[i.account].ext_id, i.invited, i.converted);
      std::sort(inv.begin(), inv.end());
      return std::make_tuple(r->invited_joins, r->organic_joins, r->members_at_start, r->max_depth, r->trees,
                             inv);
    };
    const auto first = run(1);
    EXPECT_GT(std::get<0>(first), 0u);
    for (uint32_t order : {2u, 3u, 4u}) EXPECT_EQ(run(order), first) << "seed " << seed << " order " << order;
  }
}

}  // namespace
}  // namespace qun::metrics

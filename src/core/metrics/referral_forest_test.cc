// ReferralForest (the kept invite forest, docs/metrics.md#referral): depths
// through attached subtrees, the three rules, conversions after the edge;
// and the MetricsModule's kept forest grown batch by batch (invites in
// referral order, activity converting earlier edges) against a fresh engine
// that folds the same history at once.
#include "core/metrics/referral_forest.h"

#include <gtest/gtest.h>

#include <random>

#include "core/engine/engine.h"

namespace qun::metrics {
namespace {

TEST(ReferralForest, DepthGrowsWhenATreeIsAttachedBelowAnother) {
  ReferralForest f;
  // People 1..6; accounts = person + 100.
  EXPECT_TRUE(f.Add(3, 2, 102, 0, 10));  // 2 -> 3
  EXPECT_TRUE(f.Add(4, 3, 103, 0, 11));  // 2 -> 3 -> 4
  EXPECT_EQ(f.max_depth(), 2u);
  EXPECT_EQ(f.trees(), 1u);              // top 2 (3 has an inviter)
  EXPECT_TRUE(f.Add(2, 1, 101, 0, 12));  // 1 -> 2 -> 3 -> 4: the whole tree deepens
  EXPECT_EQ(f.max_depth(), 3u);
  EXPECT_EQ(f.trees(), 1u);               // 2 is no longer a top, 1 is
  EXPECT_FALSE(f.Add(1, 4, 104, 0, 13));  // 4 -> 1 closes a cycle
  EXPECT_FALSE(f.Add(3, 5, 105, 0, 14));  // 3 already has an inviter
  EXPECT_FALSE(f.Add(5, 5, 105, 0, 15));  // self-invite
  EXPECT_TRUE(f.Add(6, 5, 105, 0, 16));   // a second tree
  EXPECT_TRUE(f.Add(5, 4, 104, 0, 17));   // ... hung below 4: 1-2-3-4-5-6
  EXPECT_EQ(f.max_depth(), 5u);
  EXPECT_EQ(f.trees(), 1u);
  EXPECT_EQ(f.invited(), 5u);

  // Conversion: activity in the edge's community at or after the edge.
  f.OnActive(6, 1, 100);  // other community
  f.OnActive(6, 0, 15);   // before the edge
  f.MarkConverted(3);
  f.OnActive(4, 0, 11);  // at the edge's second
  auto top = f.Top(10);
  ASSERT_EQ(top.size(), 5u);  // inviters 1, 2, 3, 4, 5 with one edge each, by person
  for (size_t i = 0; i < top.size(); ++i) {
    EXPECT_EQ(top[i].member, i + 1);
    EXPECT_EQ(top[i].account, i + 101);
    EXPECT_EQ(top[i].invited, 1u);
  }
  EXPECT_EQ(top[1].converted, 1u);  // 2 -> 3
  EXPECT_EQ(top[2].converted, 1u);  // 3 -> 4
  EXPECT_EQ(top[4].converted, 0u);  // 5 -> 6 not yet
  f.OnActive(6, 0, 16);
  EXPECT_EQ(f.Top(10)[4].converted, 1u);
  EXPECT_EQ(f.Top(2).size(), 2u);
}

std::string Summary(const Referral& r) {
  std::string s = std::to_string(r.invited_joins) + "/" + std::to_string(r.organic_joins) + "/" +
                  std::to_string(r.members_at_start) + "/" + std::to_string(r.max_depth) + "/" +
                  std::to_string(r.trees) + ":";
  for (const Inviter& i : r.inviters)
    s += " " + std::to_string(i.member) + "," + std::to_string(i.account) + "," + std::to_string(i.invited) +
         "," + std::to_string(i.converted);
  return s;
}

TEST(ReferralForest, KeptForestGrownInOrderEqualsOneFold) {
  constexpr int64_t kT0 = 1772928000000LL;
  std::mt19937 rng(5);
  std::vector<Event> all;
  for (int i = 0; i < 1500; ++i) {
    Event e;
    e.id = "e" + std::to_string(i);
    e.platform = Platform::kCustom;
    e.community = "g" + std::to_string(rng() % 2);
    e.actor = "u" + std::to_string(rng() % 120);
    e.ts_ms = kT0 + static_cast<int64_t>(i) * 600000;  // in time order: the kept forest only grows
    if (rng() % 2) {
      e.type = EventType::kMemberJoined;
      if (rng() % 4) e.inviter = "u" + std::to_string(rng() % 120);
    } else {
      e.type = EventType::kCheckin;  // converts earlier edges
    }
    all.push_back(std::move(e));
  }
  Engine kept;
  AttachStandardModules(kept);
  for (size_t pos = 0; pos < all.size(); pos += 50) {
    std::vector<Event> batch(all.begin() + static_cast<std::ptrdiff_t>(pos),
                             all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), pos + 50)));
    kept.Apply(kept.Stage(std::move(batch), kept.last_seq() + 1));
    Engine fresh;
    AttachStandardModules(fresh);
    std::vector<Event> so_far(all.begin(),
                              all.begin() + static_cast<std::ptrdiff_t>(std::min(all.size(), pos + 50)));
    fresh.Apply(fresh.Stage(std::move(so_far), 1));
    for (uint32_t community : {kNone, 0u, 1u}) {
      Query q;
      q.community = community;
      auto got = kept.module<MetricsModule>()->Referrals(q, 1000);
      auto want = fresh.module<MetricsModule>()->Referrals(q, 1000);
      ASSERT_TRUE(got.ok() && want.ok());
      EXPECT_EQ(Summary(*got), Summary(*want)) << "after " << pos + 50 << " events, community " << community;
    }
  }
  auto last = kept.module<MetricsModule>()->Referrals(Query{}, 1000);
  ASSERT_TRUE(last.ok());
  EXPECT_GT(last->max_depth, 2u);
  uint32_t converted = 0;
  for (const Inviter& i : last->inviters) converted += i.converted;
  EXPECT_GT(converted, 0u);
}

}  // namespace
}  // namespace qun::metrics

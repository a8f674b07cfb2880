// PatchMemberTable: after random batches arriving out of time order, identity
// links, manual merges and unmerges, and an evaluation day that stays or
// moves forward, the patched table equals BuildMemberTable from scratch —
// for the live ledger (UTC, all communities) and for scoped ledgers (a zone
// with DST, one community). Also through MemberTableCache's patching Get.
#include "core/members/member_table_patch.h"

#include <gtest/gtest.h>

#include <random>

#include <nlohmann/json.hpp>

#include "core/members/member_table_cache.h"
#include "core/members/members_json.h"

namespace qun {
namespace {

constexpr int64_t kDay0Ms = 1772928000000LL;  // 2026-03-08 00:00 UTC (US DST starts that day)
constexpr int kDays = 100;

// One random event of `actors` accounts over `communities` groups, at a
// random time in the first `span_days` days (so batches overlap in time).
Event RandomEvent(std::mt19937& rng, int seq, int actors, int communities, int span_days) {
  Event e;
  e.id = "e" + std::to_string(seq);
  e.platform = Platform::kCustom;
  e.community = "g" + std::to_string(rng() % communities);
  e.actor = "u" + std::to_string(rng() % actors);
  e.ts_ms = kDay0Ms + static_cast<int64_t>(rng() % (static_cast<uint64_t>(span_days) * 86400)) * 1000;
  const int k = static_cast<int>(rng() % 20);
  auto earlier_message = [&] { return "m" + std::to_string(seq > 0 ? rng() % seq : 0); };
  if (k < 2) {
    e.type = EventType::kMemberJoined;
    if (rng() % 3 == 0) e.inviter = "u" + std::to_string(rng() % actors);
  } else if (k < 3) {
    e.type = EventType::kMemberLeft;
  } else if (k < 11) {
    e.type = EventType::kMessagePosted;
    e.message_id = "m" + std::to_string(seq);
    e.text = "hi";
    if (k < 6) e.reply_to = earlier_message();
  } else if (k < 14) {
    e.type = EventType::kReactionAdded;
    e.message_id = earlier_message();
    e.emoji = "+1";
  } else if (k < 16) {
    e.type = EventType::kOrderPaid;
    e.order_id = "o" + std::to_string(seq);
    e.amount_minor = 100 * static_cast<int64_t>(rng() % 50 + 1);
    e.currency = "CNY";
  } else if (k < 17) {
    e.type = EventType::kSurveyAnswered;
    e.nps = static_cast<int>(rng() % 11);
  } else if (k < 18) {
    e.type = EventType::kIdentityLinked;
    e.linked_platform = Platform::kCustom;
    e.linked_actor = "u" + std::to_string(rng() % actors);
  } else {
    e.type = EventType::kCheckin;
  }
  return e;
}

// Everything a table holds, as text, so a difference names the person.
std::string Describe(const MemberTable& t) {
  std::string s = "day " + std::to_string(t.day) + (t.has_orders ? " orders\n" : "\n");
  for (size_t i = 0; i < t.profiles.size(); ++i) {
    const MemberProfile& p = t.profiles[i];
    const MemberFacts& f = p.facts;
    s += std::to_string(p.member) + ": " + std::string(StageName(p.stage)) + " L" + std::to_string(p.level) +
         " c=" + std::to_string(p.contribution) + " rfm=" + std::to_string(p.rfm.r) + std::to_string(p.rfm.f) +
         std::to_string(p.rfm.m) + std::to_string(p.rfm.fm) + std::string(RfmTierSlug(p.rfm.tier)) +
         " seen=" + std::to_string(f.first_seen_day) + ".." + std::to_string(f.last_seen_day) +
         " join=" + std::to_string(f.join_day) + " active=" + std::to_string(f.active_days) + "/" +
         std::to_string(f.active_days_window) + "/" + std::to_string(f.active_days_rfm) +
         " left=" + std::to_string(f.left) + " member=" + std::to_string(f.is_member) +
         " gmv=" + std::to_string(f.total.gmv_minor) + " wk=" + std::to_string(t.summary[i].level_week_before) +
         " rows=" + std::to_string(t.timelines[i].days.size()) + " tags=";
    for (const auto& tag : p.tags) s += tag + ",";
    s += "\n";
  }
  for (double c : t.member_contributions) s += std::to_string(c) + " ";
  s += "\n";
  for (double m : t.member_monetary) s += std::to_string(m) + " ";
  return s + "\n" + MembersOverviewJson(t).dump();
}

struct Scenario {
  const char* tz;
  bool one_community;
};

class PatchTest : public ::testing::TestWithParam<std::tuple<Scenario, uint32_t>> {};

TEST_P(PatchTest, PatchedTableEqualsFreshBuild) {
  const auto [scenario, seed] = GetParam();
  auto tz = TimeZone::Load(scenario.tz);
  ASSERT_TRUE(tz.ok());
  Engine e;
  AttachStandardModules(e);
  std::mt19937 rng(seed);
  const int actors = 40 + static_cast<int>(rng() % 40), communities = 3;
  int seq = 0;
  auto apply_batch = [&](int n, int span) {
    std::vector<Event> evs;
    for (int i = 0; i < n; ++i) evs.push_back(RandomEvent(rng, seq++, actors, communities, span));
    e.Apply(e.Stage(std::move(evs), e.last_seq() + 1));
  };
  apply_batch(300, 40);
  LedgerScope scope{.tz = *tz};
  if (scenario.one_community) scope.community = 0;
  auto ledger = LedgerFor(e, scope);
  int32_t day = tz->LocalDay(kDay0Ms) + 30;  // some rows lie after it
  MemberTable table = BuildMemberTable(e, *ledger, day);
  MemberTableBasis basis = BasisOf(e, *ledger, table);
  int patches = 0;
  for (int step = 0; step < 12; ++step) {
    const int action = static_cast<int>(rng() % 6);
    if (action <= 2) {
      apply_batch(20 + static_cast<int>(rng() % 60), 30 + step * 5);  // earlier and later days
    } else if (action == 3) {
      const uint32_t a = e.member_of(rng() % e.accounts().size()), b = e.member_of(rng() % e.accounts().size());
      if (a != b) {
        ASSERT_TRUE(e.Merge(a, b, "test", kDay0Ms).ok());
      }
    } else if (action == 4) {
      for (const MergeRecord& m : e.merges()) {
        if (m.undone || rng() % 2) continue;
        if (e.Unmerge(m.id, kDay0Ms).ok()) break;
      }
    } else {
      day += static_cast<int32_t>(rng() % 9);  // the day moves (or stays)
    }
    ledger = LedgerFor(e, scope);  // a scoped ledger is folded forward when asked
    ASSERT_TRUE(PatchMemberTable(e, *ledger, day, table, basis)) << "step " << step;
    ++patches;
    const MemberTable fresh = BuildMemberTable(e, *ledger, day);
    ASSERT_EQ(Describe(table), Describe(fresh)) << scenario.tz << " step " << step << " action " << action;
  }
  EXPECT_EQ(patches, 12);
  // A day before the table's cannot be patched (rows would have to leave).
  EXPECT_FALSE(PatchMemberTable(e, *ledger, day - 1, table, basis));
}

INSTANTIATE_TEST_SUITE_P(Scopes, PatchTest,
                         ::testing::Combine(::testing::Values(Scenario{"UTC", false},
                                                              Scenario{"America/New_York", false},
                                                              Scenario{"Asia/Shanghai", true}),
                                            ::testing::Values(1u, 2u, 3u, 4u)));

TEST(PatchMemberTable, RefusesAnotherLedger) {
  Engine e;
  AttachStandardModules(e);
  std::mt19937 rng(9);
  std::vector<Event> evs;
  for (int i = 0; i < 50; ++i) evs.push_back(RandomEvent(rng, i, 10, 1, 10));
  e.Apply(e.Stage(std::move(evs), 1));
  const int32_t day = static_cast<int32_t>(kDay0Ms / 86400000) + 9;
  ActivityLedger other;
  other.Fold(e, 0, static_cast<uint32_t>(e.events().size()));
  MemberTable t = BuildMemberTable(e, other, day);
  MemberTableBasis basis = BasisOf(e, other, t);
  EXPECT_FALSE(PatchMemberTable(e, e.module<MemberLedgerModule>()->ledger(), day, t, basis));
  EXPECT_TRUE(PatchMemberTable(e, other, day, t, basis));
}

TEST(MemberTableCachePatch, GetPatchesThePreviousTableAndMatchesAFreshBuild) {
  Engine e;
  AttachStandardModules(e);
  const ActivityLedger& ledger = e.module<MemberLedgerModule>()->ledger();
  MemberTableCache cache;
  std::mt19937 rng(5);
  int seq = 0;
  int32_t day = static_cast<int32_t>(kDay0Ms / 86400000) + 20;
  for (int step = 0; step < 6; ++step) {
    std::vector<Event> evs;
    for (int i = 0; i < 80; ++i) evs.push_back(RandomEvent(rng, seq++, 50, 2, 25));
    e.Apply(e.Stage(std::move(evs), e.last_seq() + 1));
    auto held = step % 2 ? cache.Get(e, ledger, day) : nullptr;  // a reader keeps the old table: copied, not taken
    if (step == 3) day += 2;
    auto t = cache.Get(e, ledger, day);
    EXPECT_EQ(Describe(*t), Describe(BuildMemberTable(e, ledger, day))) << "step " << step;
    if (held) {
      EXPECT_EQ(Describe(*held), Describe(BuildMemberTable(e, ledger, held->day)));
    }
  }
}

}  // namespace
}  // namespace qun

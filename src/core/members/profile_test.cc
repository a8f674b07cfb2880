#include "core/members/profile.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "core/members/activity_ledger.h"
#include "core/members/population.h"

namespace qun {
namespace {

constexpr int64_t kDay0Ms = 1767225600000LL;  // 2026-01-01T00:00:00Z
const int32_t kDay0 = static_cast<int32_t>(kDay0Ms / kMsPerDay);

Event Ev(EventType t, int day, std::string actor, std::string id, int hour = 12) {
  Event e;
  e.id = std::move(id);
  e.type = t;
  e.ts_ms = kDay0Ms + day * kMsPerDay + hour * kMsPerHour;
  e.platform = Platform::kTelegram;
  e.community = "g";
  e.actor = std::move(actor);
  return e;
}

void Ingest(Engine& e, std::vector<Event> evs) {
  auto b = e.Stage(std::move(evs), e.last_seq() + 1);
  e.Apply(b);
}

TEST(StageTest, RulesInOrder) {
  StageRules r;
  MemberFacts f;
  f.seen = f.is_member = true;
  f.join_day = 0;
  f.first_active_day = f.last_active_day = 0;
  EXPECT_EQ(ClassifyStage(f, 6, r), Stage::kNewcomer);
  EXPECT_EQ(ClassifyStage(f, 7, r), Stage::kActive);
  EXPECT_EQ(ClassifyStage(f, 13, r), Stage::kActive);
  EXPECT_EQ(ClassifyStage(f, 14, r), Stage::kSilent);
  EXPECT_EQ(ClassifyStage(f, 30, r), Stage::kChurnRisk);
  EXPECT_EQ(ClassifyStage(f, 60, r), Stage::kChurned);
  f.return_day = 50;
  f.last_active_day = 60;
  EXPECT_EQ(ClassifyStage(f, 63, r), Stage::kResurrected);
  EXPECT_EQ(ClassifyStage(f, 64, r), Stage::kActive);
  f.left = true;
  EXPECT_EQ(ClassifyStage(f, 64, r), Stage::kChurned);
  MemberFacts visitor;
  visitor.seen = true;
  EXPECT_EQ(ClassifyStage(visitor, 3, r), Stage::kNone);
  EXPECT_EQ(EvaluateLevel(visitor, 3, MemberConfig{}), 1);
}

TEST(RfmTest, GridCorners) {
  EXPECT_EQ(RfmTierFor(5, 5), RfmTier::kChampions);
  EXPECT_EQ(RfmTierFor(1, 1), RfmTier::kLost);
  EXPECT_EQ(RfmTierFor(1, 5), RfmTier::kCantLoseThem);
  EXPECT_EQ(RfmTierFor(5, 1), RfmTier::kNew);
  EXPECT_EQ(RfmTierFor(3, 3), RfmTier::kNeedAttention);
  EXPECT_EQ(RfmTierFor(0, 3), RfmTier::kNone);
  for (int i = 0; i < kRfmTierCount; ++i) {
    auto t = static_cast<RfmTier>(i);
    EXPECT_EQ(ParseRfmTier(RfmTierSlug(t)), t);
  }
}

TEST(ProfileTest, RepliesReactionsInvitesAndMerge) {
  Engine e;
  AttachStandardModules(e);
  std::vector<Event> evs;
  Event j = Ev(EventType::kMemberJoined, 0, "a", "j1");
  evs.push_back(j);
  Event j2 = Ev(EventType::kMemberJoined, 0, "b", "j2");
  j2.inviter = "a";
  evs.push_back(j2);
  Event m1 = Ev(EventType::kMessagePosted, 1, "a", "m1");
  m1.message_id = "x1";
  evs.push_back(m1);
  Event m2 = Ev(EventType::kMessagePosted, 2, "b", "m2");
  m2.message_id = "x2";
  m2.reply_to = "x1";
  evs.push_back(m2);
  Event r1 = Ev(EventType::kReactionAdded, 2, "b", "r1");
  r1.message_id = "x1";
  evs.push_back(r1);
  Ingest(e, evs);
  const ActivityLedger& ledger = e.module<MemberLedgerModule>()->ledger();
  MemberTable t = BuildMemberTable(e, ledger, kDay0 + 2);
  ASSERT_EQ(t.profiles.size(), 2u);
  const MemberProfile& a = t.profiles[0];
  EXPECT_EQ(a.facts.total.messages, 1u);
  EXPECT_EQ(a.facts.total.replies_received, 1u);
  EXPECT_EQ(a.facts.total.reactions_received, 1u);
  EXPECT_EQ(a.facts.total.ugc, 1u);  // x1 drew engagement once
  EXPECT_EQ(a.facts.total.invites, 1u);
  // contribution = 1 message + 2·1 reply received + 1 reaction + 5 invite + 3 ugc
  EXPECT_DOUBLE_EQ(a.contribution, 1 + 2 + 1 + 5 + 3);
  const MemberProfile& b = t.profiles[1];
  EXPECT_EQ(b.facts.total.replies_given, 1u);
  EXPECT_EQ(b.facts.total.answers, 1u);
  EXPECT_EQ(b.facts.active_days, 1);
  EXPECT_EQ(a.stage, Stage::kNewcomer);

  // Merge b into a: one person with both accounts' rows.
  ASSERT_TRUE(e.Merge(t.profiles[0].member, t.profiles[1].member, "manual: test", kDay0Ms).ok());
  MemberTable t2 = BuildMemberTable(e, ledger, kDay0 + 2);
  ASSERT_EQ(t2.profiles.size(), 1u);
  EXPECT_EQ(t2.profiles[0].facts.total.messages, 2u);
  EXPECT_EQ(t2.profiles[0].facts.active_days, 2);
}

// "Left" is judged as of the day asked for: someone who left and rejoined
// since had still left then (the week-ago level of the transitions too).
TEST(ProfileTest, LeftAsOfAnEarlierDay) {
  Engine e;
  AttachStandardModules(e);
  std::vector<Event> evs;
  evs.push_back(Ev(EventType::kMemberJoined, 0, "back", "j1"));
  evs.push_back(Ev(EventType::kMemberLeft, 3, "back", "l1"));
  evs.push_back(Ev(EventType::kMemberJoined, 12, "back", "j2"));
  evs.push_back(Ev(EventType::kMemberJoined, 0, "gone", "j3"));
  evs.push_back(Ev(EventType::kMemberLeft, 10, "gone", "l2"));
  evs.push_back(Ev(EventType::kMemberJoined, 0, "stay", "j4"));
  Ingest(e, evs);
  const ActivityLedger& ledger = e.module<MemberLedgerModule>()->ledger();
  const int32_t day = kDay0 + 14;
  MemberTable t = BuildMemberTable(e, ledger, day);
  ASSERT_EQ(t.profiles.size(), 3u);
  const MemberConfig cfg;
  std::map<std::string, size_t> at;  // actor -> profile index
  for (size_t i = 0; i < t.profiles.size(); ++i)
    at[std::string(e.accounts()[e.members()[t.profiles[i].member].accounts[0]].ext_id)] = i;
  ASSERT_EQ(at.size(), 3u);
  const PersonTimeline& back = t.timelines[at["back"]];
  EXPECT_FALSE(FactsAt(back, day, cfg).left);
  EXPECT_TRUE(FactsAt(back, kDay0 + 7, cfg).left);
  EXPECT_TRUE(FactsAt(back, kDay0 + 3, cfg).left);
  EXPECT_FALSE(FactsAt(back, kDay0 + 2, cfg).left);
  EXPECT_EQ(LevelBefore(back, t.profiles[at["back"]].facts, kDay0 + 7, cfg), 0);
  EXPECT_EQ(t.summary[at["back"]].level_week_before, 0);
  EXPECT_GT(t.summary[at["back"]].level, 0);
  const PersonTimeline& gone = t.timelines[at["gone"]];
  EXPECT_TRUE(FactsAt(gone, day, cfg).left);
  EXPECT_FALSE(FactsAt(gone, kDay0 + 7, cfg).left);
  EXPECT_GT(LevelBefore(gone, t.profiles[at["gone"]].facts, kDay0 + 7, cfg), 0);
  EXPECT_EQ(t.profiles[at["gone"]].level, 0);
  EXPECT_TRUE(t.timelines[at["stay"]].membership.empty());  // never left: no list kept
  // The week transitions: "back" moved up from 0 (left), "gone" down to 0.
  LevelTransitions tr = ComputeLevelTransitions(t, day - 7, day);
  uint32_t from_left = 0, to_left = 0;
  for (int l = 1; l <= 5; ++l) {
    from_left += tr.matrix[0][l];
    to_left += tr.matrix[l][0];
  }
  EXPECT_EQ(from_left, 1u);
  EXPECT_EQ(to_left, 1u);
}

// Differential: the incrementally maintained ledger, folded batch by batch,
// against a naive recomputation from the raw rows after random merges.
struct Naive {
  uint32_t messages = 0, replies_given = 0, replies_received = 0, reactions_given = 0, reactions_received = 0,
           invites = 0, orders = 0, checkins = 0;
  int64_t gmv = 0;
  std::set<int32_t> active_days, seen_days;
};

TEST(ProfileTest, DifferentialAgainstNaiveScan) {
  for (int seed = 1; seed <= 5; ++seed) {
    std::mt19937 rng(seed);
    Engine e;
    AttachStandardModules(e);
    const int kAccounts = 30;
    std::vector<std::string> msg_ids;
    int next = 0;
    for (int batch = 0; batch < 20; ++batch) {
      std::vector<Event> evs;
      int n = 1 + rng() % 40;
      for (int i = 0; i < n; ++i) {
        std::string actor = "u" + std::to_string(rng() % kAccounts);
        int day = rng() % 90;
        std::string id = "e" + std::to_string(next++);
        switch (rng() % 9) {
          case 0: {
            Event ev = Ev(EventType::kMemberJoined, day, actor, id);
            if (rng() % 2) ev.inviter = "u" + std::to_string(rng() % kAccounts);
            evs.push_back(ev);
            break;
          }
          case 1:
          case 2:
          case 3: {
            Event ev = Ev(EventType::kMessagePosted, day, actor, id);
            ev.message_id = "x" + id;
            if (!msg_ids.empty() && rng() % 2) ev.reply_to = msg_ids[rng() % msg_ids.size()];
            msg_ids.push_back(ev.message_id);
            evs.push_back(ev);
            break;
          }
          case 4: {
            if (msg_ids.empty()) break;
            Event ev = Ev(EventType::kReactionAdded, day, actor, id);
            ev.message_id = msg_ids[rng() % msg_ids.size()];
            ev.emoji = "+1";
            evs.push_back(ev);
            break;
          }
          case 5: {
            Event ev = Ev(EventType::kOrderPaid, day, actor, id);
            ev.order_id = "o" + id;
            ev.amount_minor = 100 + rng() % 1000;
            ev.currency = "CNY";
            evs.push_back(ev);
            break;
          }
          case 6: evs.push_back(Ev(EventType::kCheckin, day, actor, id)); break;
          case 7: evs.push_back(Ev(EventType::kVisit, day, actor, id)); break;
          case 8: {
            Event ev = Ev(EventType::kIdentityLinked, day, actor, id);
            ev.linked_platform = Platform::kTelegram;
            ev.linked_actor = "u" + std::to_string(rng() % kAccounts);
            if (ev.linked_actor != actor && rng() % 4 == 0) evs.push_back(ev);
            break;
          }
        }
      }
      Ingest(e, evs);
    }
    // A manual merge and an unmerge of the first merge, if any.
    if (!e.merges().empty()) {
      Status st = e.Unmerge(e.merges().back().id, kDay0Ms);
      ASSERT_TRUE(st.ok()) << st.message();
    }

    const int32_t as_of = kDay0 + 89;
    std::map<uint32_t, Naive> naive;
    const EventColumns& c = e.events();
    for (uint32_t r = 0; r < c.size(); ++r) {
      uint32_t m = e.member_of(c.account[r]);
      int32_t day = static_cast<int32_t>(FloorDiv(FromEngineSeconds(c.ts[r]), kMsPerDay));
      Naive& n = naive[m];
      if (c.type[r] == EventType::kIdentityLinked || c.type[r] == EventType::kProfileUpdated ||
          c.type[r] == EventType::kContentPublished)
        continue;
      n.seen_days.insert(day);
      if (IsActivityType(c.type[r])) n.active_days.insert(day);
      switch (c.type[r]) {
        case EventType::kMessagePosted:
          ++n.messages;
          if (c.aux[r] != kNone) {
            ++n.replies_given;
            if (c.account[c.aux[r]] != c.account[r]) ++naive[e.member_of(c.account[c.aux[r]])].replies_received;
          }
          break;
        case EventType::kReactionAdded:
          ++n.reactions_given;
          if (c.aux[r] != kNone && c.account[c.aux[r]] != c.account[r])
            ++naive[e.member_of(c.account[c.aux[r]])].reactions_received;
          break;
        case EventType::kMemberJoined:
          if (c.aux[r] != kNone && c.aux[r] != c.account[r]) ++naive[e.member_of(c.aux[r])].invites;
          break;
        case EventType::kOrderPaid:
          ++n.orders;
          n.gmv += e.orders()[c.aux[r]].amount_minor;
          break;
        case EventType::kCheckin: ++n.checkins; break;
        default: break;
      }
    }
    const ActivityLedger& ledger = e.module<MemberLedgerModule>()->ledger();
    MemberTable t = BuildMemberTable(e, ledger, as_of);
    size_t compared = 0;
    for (const MemberProfile& p : t.profiles) {
      const Naive& n = naive[p.member];
      SCOPED_TRACE("seed " + std::to_string(seed) + " member " + std::to_string(p.member));
      EXPECT_EQ(p.facts.total.messages, n.messages);
      EXPECT_EQ(p.facts.total.replies_given, n.replies_given);
      EXPECT_EQ(p.facts.total.replies_received, n.replies_received);
      EXPECT_EQ(p.facts.total.reactions_given, n.reactions_given);
      EXPECT_EQ(p.facts.total.reactions_received, n.reactions_received);
      EXPECT_EQ(p.facts.total.invites, n.invites);
      EXPECT_EQ(p.facts.total.orders, n.orders);
      EXPECT_EQ(p.facts.total.gmv_minor, n.gmv);
      EXPECT_EQ(p.facts.total.checkins, n.checkins);
      EXPECT_EQ(p.facts.active_days, static_cast<int>(n.active_days.size()));
      EXPECT_EQ(p.facts.first_seen_day, *n.seen_days.begin());
      EXPECT_EQ(p.facts.last_seen_day, *n.seen_days.rbegin());
      ++compared;
    }
    // Every person with events appears exactly once.
    size_t with_events = 0;
    for (const auto& [m, n] : naive)
      if (!n.seen_days.empty()) ++with_events;
    EXPECT_EQ(compared, with_events);
    // A ledger folded in one pass agrees with the incremental one.
    ActivityLedger fresh;
    fresh.Fold(e, 0, static_cast<uint32_t>(c.size()));
    MemberTable t2 = BuildMemberTable(e, fresh, as_of);
    ASSERT_EQ(t2.profiles.size(), t.profiles.size());
    for (size_t i = 0; i < t.profiles.size(); ++i) {
      EXPECT_EQ(t2.profiles[i].facts.total.ugc, t.profiles[i].facts.total.ugc);
      EXPECT_EQ(t2.profiles[i].stage, t.profiles[i].stage);
      EXPECT_EQ(t2.profiles[i].level, t.profiles[i].level);
      EXPECT_EQ(t2.profiles[i].rfm.tier, t.profiles[i].rfm.tier);
    }
  }
}

TEST(PopulationTest, ContributionTop20AndLorenz) {
  MemberTable t;
  for (int i = 0; i < 10; ++i) {
    MemberProfile p;
    p.facts.is_member = true;
    p.contribution = i < 8 ? 1 : 46;  // total 100, top 2 hold 92
    t.profiles.push_back(p);
  }
  ContributionView v = ComputeContribution(t);
  EXPECT_EQ(v.top_n, 2u);
  EXPECT_DOUBLE_EQ(v.top20_share, 0.92);
  ASSERT_EQ(v.lorenz.size(), 21u);
  EXPECT_DOUBLE_EQ(v.lorenz[16].second, 0.08);  // bottom 80% = 8 members
  EXPECT_DOUBLE_EQ(v.lorenz[20].second, 1.0);
}

}  // namespace
}  // namespace qun

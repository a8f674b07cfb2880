// Differential tests of the as-of ledger (docs/members.md §2.1): the live and
// cached scoped ledgers read as of a day must equal a fresh fold cut at that
// day, field by field, and member tables, health and the weekly report must
// not change against the re-fold path (an engine without the ledger module).
#include "core/members/activity_ledger.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/health/health.h"
#include "core/health/health_json.h"
#include "core/members/members_json.h"
#include "core/members/population.h"
#include "core/members/profile.h"
#include "core/metrics/metrics.h"
#include "core/report/weekly_report.h"

namespace qun {
namespace {

constexpr int64_t kDay0Ms = 1772323200000LL;  // 2026-03-01T00:00:00Z (US DST starts 03-08)
const int32_t kDay0 = static_cast<int32_t>(kDay0Ms / kMsPerDay);
constexpr int kDays = 40;

// A random community: joins (some invited, some leaving and rejoining),
// messages and replies, reactions, orders, surveys, check-ins, at random
// hours on random days of several communities, ingested in out-of-order
// batches.
std::vector<std::vector<Event>> RandomBatches(uint32_t seed) {
  std::mt19937 rng(seed);
  const int accounts = 12 + static_cast<int>(rng() % 20);
  std::vector<Event> evs;
  std::vector<std::pair<std::string, std::string>> messages;  // (community, id)
  int n = 0;
  for (int i = 0; i < 600; ++i) {
    Event e;
    e.id = "e" + std::to_string(n++);
    e.platform = Platform::kTelegram;
    e.community = "g" + std::to_string(rng() % 3);
    e.actor = "u" + std::to_string(rng() % accounts);
    e.ts_ms = kDay0Ms + static_cast<int64_t>(rng() % kDays) * kMsPerDay +
              static_cast<int64_t>(rng() % 86400) * 1000;
    switch (rng() % 10) {
      case 0:
        e.type = EventType::kMemberJoined;
        if (rng() % 3 == 0) e.inviter = "u" + std::to_string(rng() % accounts);
        break;
      case 1:
        e.type = EventType::kMemberLeft;
        break;
      case 2:
      case 3:
      case 4: {
        e.type = EventType::kMessagePosted;
        e.message_id = "m" + std::to_string(n);
        std::vector<std::string> here;
        for (const auto& [c, id] : messages)
          if (c == e.community) here.push_back(id);
        if (!here.empty() && rng() % 2) e.reply_to = here[rng() % here.size()];
        messages.emplace_back(e.community, e.message_id);
        break;
      }
      case 5:
      case 6: {
        std::vector<std::string> here;
        for (const auto& [c, id] : messages)
          if (c == e.community) here.push_back(id);
        if (here.empty()) continue;
        e.type = EventType::kReactionAdded;
        e.message_id = here[rng() % here.size()];
        e.emoji = "+1";
        break;
      }
      case 7:
        e.type = EventType::kOrderPaid;
        e.order_id = "o" + std::to_string(n);
        e.amount_minor = 100 + rng() % 900;
        e.currency = "CNY";
        break;
      case 8:
        e.type = EventType::kSurveyAnswered;
        e.nps = static_cast<int>(rng() % 11);
        break;
      default:
        e.type = EventType::kCheckin;
        break;
    }
    evs.push_back(std::move(e));
  }
  // Batches in random order, each sorted differently: rows do not follow time.
  std::shuffle(evs.begin(), evs.end(), rng);
  std::vector<std::vector<Event>> batches;
  for (size_t at = 0; at < evs.size();) {
    size_t len = std::min<size_t>(evs.size() - at, 20 + rng() % 120);
    batches.emplace_back(evs.begin() + at, evs.begin() + at + len);
    if (rng() % 2)
      std::sort(batches.back().begin(), batches.back().end(),
                [](const Event& a, const Event& b) { return a.ts_ms < b.ts_ms; });
    at += len;
  }
  return batches;
}

void Ingest(Engine& e, std::vector<Event> evs) {
  auto b = e.Stage(std::move(evs), e.last_seq() + 1);
  e.Apply(b);
}

bool SameCounts(const DayCounts& a, const DayCounts& b) {
  return a.day == b.day && a.own == b.own && a.active == b.active && a.gmv_minor == b.gmv_minor &&
         a.messages == b.messages && a.replies_given == b.replies_given && a.answers == b.answers &&
         a.replies_received == b.replies_received && a.reactions_given == b.reactions_given &&
         a.reactions_received == b.reactions_received && a.ugc == b.ugc && a.invites == b.invites &&
         a.orders == b.orders && a.checkins == b.checkins && a.reports_filed == b.reports_filed &&
         a.funnel == b.funnel;
}

std::string Describe(const DayCounts& d) {
  return "day " + std::to_string(d.day) + " own " + std::to_string(d.own) + " active " +
         std::to_string(d.active) + " msg " + std::to_string(d.messages) + " rg " +
         std::to_string(d.replies_given) + " ans " + std::to_string(d.answers) + " rr " +
         std::to_string(d.replies_received) + " xg " + std::to_string(d.reactions_given) + " xr " +
         std::to_string(d.reactions_received) + " ugc " + std::to_string(d.ugc) + " inv " +
         std::to_string(d.invites) + " ord " + std::to_string(d.orders) + " gmv " +
         std::to_string(d.gmv_minor) + " chk " + std::to_string(d.checkins);
}

// `view` read as of `day` against `cut` (folded with until_day = day).
void ExpectSameAsOf(const Engine& e, const ActivityLedger& view, const ActivityLedger& cut, int32_t day) {
  for (uint32_t a = 0; a < e.accounts().size(); ++a) {
    SCOPED_TRACE("account " + std::to_string(a) + " as of " + std::to_string(day));
    const AccountFacts* v = view.account(a);
    const AccountFacts* c = cut.account(a);
    std::vector<DayCounts> vd, cd;
    if (v) v->AppendDays(day, &vd);
    if (c) cd = c->Days();
    ASSERT_EQ(vd.size(), cd.size());
    for (size_t i = 0; i < vd.size(); ++i)
      EXPECT_TRUE(SameCounts(vd[i], cd[i])) << Describe(vd[i]) << " vs " << Describe(cd[i]);
    AccountMilestones vm = v ? v->MilestonesAsOf(day) : AccountMilestones{};
    AccountMilestones cm = c ? c->MilestonesAsOf(day) : AccountMilestones{};
    EXPECT_EQ(vm.first_join_ts, cm.first_join_ts);
    EXPECT_EQ(vm.first_join_day, cm.first_join_day);
    EXPECT_EQ(vm.last_join_ts, cm.last_join_ts);
    EXPECT_EQ(vm.last_left_ts, cm.last_left_ts);
    EXPECT_EQ(vm.last_left_day, cm.last_left_day);
    EXPECT_EQ(vm.last_nps_ts, cm.last_nps_ts);
    EXPECT_EQ(vm.last_nps, cm.last_nps);
  }
}

TEST(ActivityLedgerTest, AsOfAnyDayEqualsACutFold) {
  for (uint32_t seed = 1; seed <= 6; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Engine e;
    AttachStandardModules(e);
    auto* module = e.module<MemberLedgerModule>();
    std::mt19937 rng(seed * 7919);
    const char* zones[] = {"UTC", "America/New_York", "Asia/Shanghai", "Pacific/Chatham"};
    for (auto& batch : RandomBatches(seed)) {
      Ingest(e, std::move(batch));
      // Between batches, ask for a random scope: cached ledgers are then
      // folded forward batch by batch.
      auto tz = TimeZone::Load(zones[rng() % 4]);
      ASSERT_TRUE(tz.ok());
      uint32_t community = rng() % 2 ? kNone : static_cast<uint32_t>(rng() % e.communities().size());
      LedgerScope s{.tz = *tz, .community = community};
      auto cached = LedgerFor(e, s);
      ASSERT_EQ(cached->rows_folded(), e.events().size());
      ASSERT_EQ(cached->scope().tz.name(), tz->name());
      ASSERT_EQ(cached->scope().community, community);
    }
    const uint32_t rows = static_cast<uint32_t>(e.events().size());
    for (const char* zone : zones) {
      for (uint32_t community = 0; community <= e.communities().size(); ++community) {
        auto tz = TimeZone::Load(zone);
        ASSERT_TRUE(tz.ok());
        LedgerScope s{.tz = *tz, .community = community == e.communities().size() ? kNone : community};
        SCOPED_TRACE(std::string(zone) + " community " + std::to_string(s.community));
        auto view = module->Scoped(e, s);
        ASSERT_EQ(view->rows_folded(), rows);
        for (int k = 0; k < 4; ++k) {
          const int32_t day = kDay0 - 1 + static_cast<int32_t>(rng() % (kDays + 2));
          s.until_day = day;
          ActivityLedger cut(s);
          cut.Fold(e, 0, rows);
          ExpectSameAsOf(e, *view, cut, day);
        }
      }
    }
  }
}

// Ledger order independence: the same events ingested in time order or
// shuffled give the same ledger (rows are per account and day, not per row).
TEST(ActivityLedgerTest, OutOfOrderEngagementMovesUgcToTheEarliestDay) {
  Engine e;
  AttachStandardModules(e);
  auto ev = [](EventType t, int day, const char* actor, const char* id) {
    Event x;
    x.id = id;
    x.type = t;
    x.ts_ms = kDay0Ms + day * kMsPerDay + 12 * kMsPerHour;
    x.platform = Platform::kTelegram;
    x.community = "g";
    x.actor = actor;
    return x;
  };
  Event m = ev(EventType::kMessagePosted, 0, "a", "m");
  m.message_id = "x";
  Ingest(e, {m});
  Event late = ev(EventType::kReactionAdded, 5, "b", "r5");
  late.message_id = "x";
  late.emoji = "+1";
  Ingest(e, {late});
  Event early = ev(EventType::kReactionAdded, 2, "c", "r2");
  early.message_id = "x";
  early.emoji = "+1";
  Ingest(e, {early});
  const ActivityLedger& l = e.module<MemberLedgerModule>()->ledger();
  uint32_t a = e.FindAccount(Platform::kTelegram, "a");
  const AccountFacts* f = l.account(a);
  ASSERT_NE(f, nullptr);
  const std::vector<DayCounts> days = f->Days();
  ASSERT_EQ(days.size(), 3u);  // day 0 (message), 2 (reaction, ugc), 5 (reaction)
  EXPECT_EQ(days[1].day, kDay0 + 2);
  EXPECT_EQ(days[1].ugc, 1u);
  EXPECT_EQ(days[2].ugc, 0u);
  EXPECT_EQ(days[2].reactions_received, 1u);

  // Engagement far after the message (offsets kept outside the per-row byte).
  Event m2 = ev(EventType::kMessagePosted, 1, "a", "m2");
  m2.message_id = "y";
  Ingest(e, {m2});
  auto react = [&](int day, const char* actor, const char* id) {
    Event x = ev(EventType::kReactionAdded, day, actor, id);
    x.message_id = "y";
    x.emoji = "+1";
    Ingest(e, {x});
  };
  auto ugc_on = [&](int day) -> int {
    for (const DayCounts& d : l.account(a)->Days())
      if (d.day == kDay0 + day) return static_cast<int>(d.ugc);
    return -1;  // no row
  };
  react(400, "b", "y400");
  EXPECT_EQ(ugc_on(400), 1);
  react(300, "c", "y300");  // earlier, still far
  EXPECT_EQ(ugc_on(400), 0);
  EXPECT_EQ(ugc_on(300), 1);
  react(900, "b", "y900");  // later: nothing moves
  EXPECT_EQ(ugc_on(300), 1);
  EXPECT_EQ(ugc_on(900), 0);
  react(3, "c", "y3");  // near the message
  EXPECT_EQ(ugc_on(300), 0);
  EXPECT_EQ(ugc_on(3), 1);
  // A fresh fold (rows in ingest order) agrees row by row.
  ActivityLedger fresh;
  fresh.Fold(e, 0, static_cast<uint32_t>(e.events().size()));
  ExpectSameAsOf(e, l, fresh, std::numeric_limits<int32_t>::max());
}

TEST(ActivityLedgerTest, ScopedLedgersAreBuiltOnceAndFoldedForward) {
  Engine e;
  AttachStandardModules(e);
  auto batches = RandomBatches(11);
  auto* module = e.module<MemberLedgerModule>();
  auto tz = TimeZone::Load("Asia/Shanghai");
  ASSERT_TRUE(tz.ok());
  for (auto& b : batches) {
    Ingest(e, std::move(b));
    auto l = LedgerFor(e, LedgerScope{.tz = *tz});
    EXPECT_EQ(l->rows_folded(), e.events().size());
  }
  EXPECT_EQ(module->scoped_builds(), 1u);
  // UTC over all communities is the live ledger itself.
  EXPECT_EQ(LedgerFor(e, LedgerScope{}).get(), &module->ledger());
  // More scopes than the capacity: the least recently used leaves.
  for (uint32_t c = 0; c < e.communities().size(); ++c) LedgerFor(e, LedgerScope{.tz = *tz, .community = c});
  auto utc_c0 = LedgerFor(e, LedgerScope{.community = 0});
  auto ny = TimeZone::Load("America/New_York");
  ASSERT_TRUE(ny.ok());
  LedgerFor(e, LedgerScope{.tz = *ny});
  size_t builds = module->scoped_builds();
  LedgerFor(e, LedgerScope{.tz = *tz});  // evicted by now: built again
  EXPECT_EQ(module->scoped_builds(), builds + 1);
  // A reader keeps its ledger after eviction.
  EXPECT_EQ(utc_c0->rows_folded(), e.events().size());
}

// The re-fold path: an engine with the metrics module but no ledger module
// folds a fresh ledger cut at the day for every query.
std::unique_ptr<Engine> RefoldEngine() {
  auto e = std::make_unique<Engine>();
  e->AttachModule(std::make_unique<metrics::MetricsModule>(*e));
  return e;
}

TEST(ActivityLedgerTest, TablesHealthAndReportUnchangedAgainstRefold) {
  for (uint32_t seed = 21; seed <= 24; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Engine live;
    AttachStandardModules(live);
    auto refold = RefoldEngine();
    for (auto& b : RandomBatches(seed)) {
      Ingest(live, b);
      Ingest(*refold, std::move(b));
    }
    std::mt19937 rng(seed);
    for (const char* zone : {"UTC", "America/New_York", "Asia/Shanghai"}) {
      auto tz = TimeZone::Load(zone);
      ASSERT_TRUE(tz.ok());
      for (uint32_t community : {kNone, 0u, 1u}) {
        const int32_t day = kDay0 + static_cast<int32_t>(rng() % (kDays + 3));
        SCOPED_TRACE(std::string(zone) + " community " + std::to_string(community) + " day " +
                     std::to_string(day));
        LedgerScope s{.tz = *tz, .community = community, .until_day = day};
        MemberTable a = BuildMemberTable(live, *LedgerFor(live, s), day);
        MemberTable b = BuildMemberTable(*refold, *LedgerFor(*refold, s), day);
        ASSERT_EQ(a.profiles.size(), b.profiles.size());
        EXPECT_EQ(MembersOverviewJson(a).dump(), MembersOverviewJson(b).dump());
        for (size_t i = 0; i < a.profiles.size(); ++i)
          EXPECT_EQ(MemberJson(live, a, i, true).dump(), MemberJson(*refold, b, i, true).dump());
        // The level transitions' shortcut (facts at the table's day) against
        // evaluating both days from the timelines.
        for (int32_t from : {day - 7, day - 1, day - 45, day}) {
          LevelTransitions fast = ComputeLevelTransitions(a, from, day);
          std::array<std::array<uint32_t, 6>, 6> slow{};
          for (const PersonTimeline& tl : a.timelines) {
            if (tl.first_day == kNoDay || tl.first_day > day) continue;
            ++slow[EvaluateLevel(FactsAt(tl, from, a.config), from, a.config)]
                  [EvaluateLevel(FactsAt(tl, day, a.config), day, a.config)];
          }
          EXPECT_EQ(fast.matrix, slow) << "from " << from;
        }
        HealthScope hs;
        hs.community = community;
        hs.tz = *tz;
        hs.day = day;
        EXPECT_EQ(HealthJson(ScoreHealth(GatherHealthInputs(live, hs)), "en").dump(),
                  HealthJson(ScoreHealth(GatherHealthInputs(*refold, hs)), "en").dump());
        ReportOptions ro;
        ro.community = community;
        ro.tz = *tz;
        ro.week_start = day - WeekdayFromDays(day);
        EXPECT_EQ(BuildWeeklyReport(live, ro).dump(), BuildWeeklyReport(*refold, ro).dump());
      }
    }
  }
}

}  // namespace
}  // namespace qun

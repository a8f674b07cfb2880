#include "core/members/profile.h"

#include "core/members/member_table_patch.h"

#include <algorithm>
#include <cmath>
#include <span>

namespace qun {
namespace {

constexpr std::array<std::string_view, 7> kStageNames = {"newcomer", "active",      "silent", "churn-risk",
                                                         "churned",  "resurrected", "none"};
constexpr std::array<std::string_view, 12> kTierNames = {
    "Champions",      "Loyal",        "Potential loyalist", "New",           "Promising",   "Need attention",
    "About to sleep", "At risk",      "Can't lose them",    "Hibernating",   "Lost",        "none"};
constexpr std::array<std::string_view, 12> kTierSlugs = {
    "champions",      "loyal",   "potential_loyalist", "new",         "promising", "need_attention",
    "about_to_sleep", "at_risk", "cant_lose_them",     "hibernating", "lost",      "none"};

int32_t DayOf(int64_t engine_seconds, const TimeZone& tz) {
  return tz.LocalDay(FromEngineSeconds(static_cast<uint32_t>(engine_seconds)));
}

bool RulePasses(const LevelRule& r, const MemberFacts& f, int32_t day) {
  return f.active_days_window >= r.min_active_days && static_cast<int>(f.window.replies_given) >= r.min_replies_given &&
         static_cast<int>(f.window.replies_received + f.window.reactions_received) >= r.min_engagement_received &&
         static_cast<int>(f.total.invites) >= r.min_invites && static_cast<int>(f.window.ugc) >= r.min_ugc &&
         day - f.join_day >= r.min_tenure_days;
}

}  // namespace

std::string_view StageName(Stage s) { return kStageNames[static_cast<int>(s)]; }
std::optional<Stage> ParseStage(std::string_view s) {
  for (int i = 0; i < kStageCount; ++i)
    if (kStageNames[i] == s) return static_cast<Stage>(i);
  if (s == "churn_risk") return Stage::kChurnRisk;
  return std::nullopt;
}

std::string_view LevelName(int level) {
  static constexpr std::array<std::string_view, 6> kNames = {"none",      "L1 potential", "L2 newcomer",
                                                             "L3 active", "L4 core",      "L5 KOC"};
  return level >= 0 && level <= 5 ? kNames[level] : "none";
}

std::string_view RfmTierName(RfmTier t) { return kTierNames[static_cast<int>(t)]; }
std::string_view RfmTierSlug(RfmTier t) { return kTierSlugs[static_cast<int>(t)]; }
std::optional<RfmTier> ParseRfmTier(std::string_view s) {
  for (int i = 0; i < kRfmTierCount; ++i)
    if (kTierSlugs[i] == s || kTierNames[i] == s) return static_cast<RfmTier>(i);
  return std::nullopt;
}

RfmTier RfmTierFor(int r, int fm) {
  using T = RfmTier;
  // Rows: FM 1..5; columns: R 1..5 (docs/members.md §6).
  static constexpr T kGrid[5][5] = {
      {T::kLost, T::kHibernating, T::kAboutToSleep, T::kPromising, T::kNew},
      {T::kHibernating, T::kHibernating, T::kAboutToSleep, T::kPotentialLoyalist, T::kPotentialLoyalist},
      {T::kAtRisk, T::kAtRisk, T::kNeedAttention, T::kPotentialLoyalist, T::kPotentialLoyalist},
      {T::kAtRisk, T::kAtRisk, T::kLoyal, T::kLoyal, T::kChampions},
      {T::kCantLoseThem, T::kCantLoseThem, T::kLoyal, T::kLoyal, T::kChampions},
  };
  if (r < 1 || r > 5 || fm < 1 || fm > 5) return T::kNone;
  return kGrid[fm - 1][r - 1];
}

PersonTimeline BuildTimeline(const Engine& engine, const ActivityLedger& ledger, uint32_t member,
                             int32_t until_day) {
  PersonTimeline t;
  t.member = member;
  if (member >= engine.members().size()) return t;
  const auto& accounts = engine.members()[member].accounts;
  // Most people have one or two accounts: no allocation for the list.
  std::array<const AccountFacts*, 4> inline_facts;
  std::vector<const AccountFacts*> more_facts;
  std::span<const AccountFacts*> facts;
  if (accounts.size() <= inline_facts.size()) {
    size_t n = 0;
    for (uint32_t a : accounts)
      if (const AccountFacts* f = ledger.account(a)) inline_facts[n++] = f;
    facts = std::span<const AccountFacts*>(inline_facts.data(), n);
  } else {
    for (uint32_t a : accounts)
      if (const AccountFacts* f = ledger.account(a)) more_facts.push_back(f);
    facts = std::span<const AccountFacts*>(more_facts);
  }
  if (facts.empty()) return t;
  if (facts.size() == 1) {
    facts[0]->AppendDays(until_day, &t.days);
  } else {
    for (const AccountFacts* f : facts) f->AppendDays(until_day, &t.days);
    std::stable_sort(t.days.begin(), t.days.end(), [](const DayCounts& a, const DayCounts& b) { return a.day < b.day; });
    size_t w = 0;
    for (size_t i = 0; i < t.days.size(); ++i) {
      if (w > 0 && t.days[w - 1].day == t.days[i].day) t.days[w - 1].Add(t.days[i]);
      else t.days[w++] = t.days[i];
    }
    t.days.resize(w);
  }
  int64_t first_join = -1, last_nps_ts = -1;
  for (const AccountFacts* f : facts) {
    if (!f->has_milestones()) continue;
    const AccountMilestones m = f->MilestonesAsOf(until_day);
    if (m.first_join_ts >= 0 && (first_join < 0 || m.first_join_ts < first_join)) {
      first_join = m.first_join_ts;
      t.join_day = m.first_join_day;
    }
    t.last_join_ts = std::max(t.last_join_ts, m.last_join_ts);
    if (m.last_left_ts > t.last_left_ts) {
      t.last_left_ts = m.last_left_ts;
      t.left_day = m.last_left_day;
    }
    if (m.last_nps_ts >= 0 && m.last_nps_ts >= last_nps_ts) {
      last_nps_ts = m.last_nps_ts;
      t.last_nps = m.last_nps;
    }
  }
  for (const DayCounts& d : t.days)
    if (d.own) {
      t.first_day = d.day;
      break;
    }
  if (t.last_join_ts >= 0) t.last_join_day = DayOf(t.last_join_ts, ledger.scope().tz);
  if (t.last_left_ts >= 0)
    for (const AccountFacts* f : facts) f->AppendMembership(until_day, &t.membership);
  return t;
}

bool LeftAsOf(const PersonTimeline& t, int32_t day) {
  if (t.left_day == kNoDay) return false;  // never left (as of the timeline's day)
  int64_t join_ts = -1, left_ts = -1;
  for (const Milestone& s : t.membership) {
    if (s.day > day) continue;
    int64_t& ts = s.kind == Milestone::kLeft ? left_ts : join_ts;
    ts = std::max<int64_t>(ts, s.ts);
  }
  return left_ts > join_ts;
}

MemberFacts FactsAt(const PersonTimeline& t, int32_t day, const MemberConfig& cfg) {
  MemberFacts f;
  const int32_t window_start = day - cfg.level_window_days + 1;
  const int32_t rfm_start = day - cfg.rfm_frequency_days + 1;
  int32_t prev_active = kNoDay;
  for (const DayCounts& d : t.days) {
    if (d.day > day) break;
    if (d.own) {
      if (!f.seen) f.first_seen_day = d.day;
      f.seen = true;
      f.last_seen_day = d.day;
    }
    f.total.Add(d);
    if (d.day >= window_start) f.window.Add(d);
    if (!d.active) continue;
    if (f.first_active_day == kNoDay) f.first_active_day = d.day;
    if (prev_active != kNoDay && d.day - prev_active >= cfg.stage.resurrect_gap_days) f.return_day = d.day;
    prev_active = d.day;
    f.last_active_day = d.day;
    ++f.active_days;
    if (d.day >= window_start) ++f.active_days_window;
    if (d.day >= rfm_start) ++f.active_days_rfm;
  }
  f.total.day = f.window.day = day;
  const bool joined = t.join_day != kNoDay && t.join_day <= day;
  f.is_member = joined || f.first_active_day != kNoDay;
  if (joined && f.first_active_day != kNoDay) f.join_day = std::min(t.join_day, f.first_active_day);
  else if (joined) f.join_day = t.join_day;
  else f.join_day = f.first_active_day;
  f.left = LeftAsOf(t, day);
  return f;
}

int LevelBefore(const PersonTimeline& t, const MemberFacts& at_to, int32_t from, const MemberConfig& cfg) {
  MemberFacts f;
  f.seen = t.first_day != kNoDay && t.first_day <= from;
  const int32_t first_active = at_to.first_active_day != kNoDay && at_to.first_active_day <= from
                                   ? at_to.first_active_day
                                   : kNoDay;
  const bool joined = t.join_day != kNoDay && t.join_day <= from;
  f.is_member = joined || first_active != kNoDay;
  if (joined && first_active != kNoDay) f.join_day = std::min(t.join_day, first_active);
  else if (joined) f.join_day = t.join_day;
  else f.join_day = first_active;
  f.left = LeftAsOf(t, from);
  const int32_t window_start = from - cfg.level_window_days + 1;
  uint32_t later_invites = 0;
  for (auto it = t.days.rbegin(); it != t.days.rend() && it->day >= window_start; ++it) {
    if (it->day > from) {
      later_invites += it->invites;
      continue;
    }
    f.window.Add(*it);
    if (it->active) ++f.active_days_window;
  }
  // Invites count over the whole history: those on or before `from` (every
  // day after `from` is inside the loop above, as window_start <= from).
  f.total.invites = at_to.total.invites - later_invites;
  return EvaluateLevel(f, from, cfg);
}

Stage ClassifyStage(const MemberFacts& f, int32_t day, const StageRules& r) {
  if (!f.is_member) return Stage::kNone;
  if (f.left) return Stage::kChurned;
  if (day - f.join_day < r.newcomer_days) return Stage::kNewcomer;
  const int32_t ref = f.last_active_day != kNoDay ? f.last_active_day : f.join_day;
  const int inactive = day - ref;
  if (f.last_active_day != kNoDay && inactive < r.active_days) {
    if (f.return_day != kNoDay && day - f.return_day < r.resurrect_recent_days) return Stage::kResurrected;
    return Stage::kActive;
  }
  if (inactive >= r.churned_days) return Stage::kChurned;
  if (inactive >= r.churn_risk_days) return Stage::kChurnRisk;
  return Stage::kSilent;
}

int EvaluateLevel(const MemberFacts& f, int32_t day, const MemberConfig& cfg) {
  if (!f.seen || f.left) return 0;
  if (!f.is_member) return 1;
  if (!RulePasses(cfg.l3, f, day)) return 2;
  if (!RulePasses(cfg.l4, f, day)) return 3;
  if (!RulePasses(cfg.l5, f, day)) return 4;
  return 5;
}

double Contribution(const DayCounts& c, const ContributionWeights& w) {
  return w.message * c.messages + w.reply_received * c.replies_received + w.reaction_received * c.reactions_received +
         w.invite * c.invites + w.ugc * c.ugc + w.answer * c.answers;
}

std::vector<LevelChange> LevelHistory(const PersonTimeline& t, int32_t day, const MemberConfig& cfg) {
  std::vector<LevelChange> out;
  if (t.first_day == kNoDay || t.first_day > day) return out;
  int32_t d = t.first_day + (6 - WeekdayFromDays(t.first_day));  // Sunday of the first week
  auto eval = [&](int32_t at) {
    int level = EvaluateLevel(FactsAt(t, at, cfg), at, cfg);
    if (out.empty() || out.back().level != level) out.push_back({at, level});
  };
  for (; d < day; d += 7) eval(d);
  eval(day);
  return out;
}

std::vector<std::string> RuleTags(const MemberProfile& p, int last_nps) {
  std::vector<std::string> tags;
  const DayCounts& c = p.facts.total;
  if (c.orders >= 1) tags.push_back("buyer");
  if (c.orders >= 2) tags.push_back("repeat_buyer");
  if (c.invites >= 1) tags.push_back("inviter");
  if (c.answers >= 5) tags.push_back("helper");
  if (last_nps >= 9) tags.push_back("promoter");
  if (last_nps >= 0 && last_nps <= 6) tags.push_back("detractor");
  return tags;
}

MemberProfile EvaluateProfile(const PersonTimeline& t, int32_t day, const MemberConfig& cfg) {
  MemberProfile p;
  p.member = t.member;
  p.facts = FactsAt(t, day, cfg);
  p.stage = ClassifyStage(p.facts, day, cfg.stage);
  p.level = EvaluateLevel(p.facts, day, cfg);
  p.contribution = Contribution(p.facts.total, cfg.weights);
  p.tags = RuleTags(p, t.last_nps);
  return p;
}

ProfileSummary SummaryOf(const MemberProfile& p, const PersonTimeline& t, int32_t day, const MemberConfig& cfg) {
  return {.contribution = p.contribution,
          .stage = p.stage,
          .level = static_cast<uint8_t>(p.level),
          .level_week_before = static_cast<uint8_t>(LevelBefore(t, p.facts, day - 7, cfg)),
          .rfm_tier = RfmTier::kNone,
          .is_member = p.facts.is_member};
}

MemberTable BuildMemberTable(const Engine& engine, const ActivityLedger& ledger, int32_t day, const MemberConfig& cfg) {
  MemberTable table;
  table.day = day;
  table.config = cfg;
  const auto& members = engine.members();
  table.profiles.reserve(members.size());
  table.timelines.reserve(members.size());
  table.summary.reserve(members.size());
  for (uint32_t m = 0; m < members.size(); ++m) {
    if (members[m].merged_into != kNone) continue;
    PersonTimeline t = BuildTimeline(engine, ledger, m, day);
    if (t.first_day == kNoDay || t.first_day > day) continue;
    MemberProfile p = EvaluateProfile(t, day, cfg);
    table.summary.push_back(SummaryOf(p, t, day, cfg));
    if (p.facts.is_member) {
      table.member_contributions.push_back(p.contribution);
      if (p.facts.total.gmv_minor > 0) table.member_monetary.push_back(static_cast<double>(p.facts.total.gmv_minor));
    }
    table.profiles.push_back(std::move(p));
    table.timelines.push_back(std::move(t));
  }
  std::sort(table.member_contributions.begin(), table.member_contributions.end());
  std::sort(table.member_monetary.begin(), table.member_monetary.end());
  FinishMemberTable(table);
  return table;
}

void ApplyManualTags(const Engine& engine, MemberTable& table,
                     const std::vector<std::pair<std::string, std::string>>& account_tags) {
  for (const auto& [key, tag] : account_tags) {
    size_t colon = key.find(':');
    if (colon == std::string::npos) continue;
    auto plat = ParsePlatform(std::string_view(key).substr(0, colon));
    if (!plat) continue;
    uint32_t acc = engine.FindAccount(*plat, std::string_view(key).substr(colon + 1));
    if (acc == kNone) continue;
    uint32_t m = engine.member_of(acc);
    auto it = std::lower_bound(table.profiles.begin(), table.profiles.end(), m,
                               [](const MemberProfile& p, uint32_t v) { return p.member < v; });
    if (it == table.profiles.end() || it->member != m) continue;
    it->manual_tags.push_back(tag);
  }
  for (auto& p : table.profiles) {
    if (p.manual_tags.empty()) continue;
    std::sort(p.manual_tags.begin(), p.manual_tags.end());
    p.manual_tags.erase(std::unique(p.manual_tags.begin(), p.manual_tags.end()), p.manual_tags.end());
    p.tags.insert(p.tags.end(), p.manual_tags.begin(), p.manual_tags.end());
    std::sort(p.tags.begin(), p.tags.end());
    p.tags.erase(std::unique(p.tags.begin(), p.tags.end()), p.tags.end());
  }
}

std::string AccountKey(const Engine& engine, uint32_t account) {
  const AccountRef a = engine.accounts()[account];
  std::string k(PlatformName(a.platform));
  k += ':';
  k += a.ext_id;
  return k;
}

}  // namespace qun

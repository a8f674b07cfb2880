#include "core/members/members_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/members/population.h"
#include "core/members/segment_filter.h"

namespace qun {
namespace {

using Json = nlohmann::ordered_json;

Json DayOrNull(int32_t d) { return d == kNoDay ? Json(nullptr) : Json(FormatDate(d)); }
double R4(double x) { return std::round(x * 10000.0) / 10000.0; }

Json Counts(const DayCounts& c) {
  return Json{{"messages", c.messages},
              {"replies_given", c.replies_given},
              {"answers", c.answers},
              {"replies_received", c.replies_received},
              {"reactions_given", c.reactions_given},
              {"reactions_received", c.reactions_received},
              {"ugc", c.ugc},
              {"invites_converted", c.invites},
              {"checkins", c.checkins},
              {"orders", c.orders},
              {"gmv_minor", c.gmv_minor}};
}

}  // namespace

FilterSubject SubjectFor(const Engine& engine, const MemberTable& table, size_t index) {
  FilterSubject s;
  s.profile = &table.profiles[index];
  s.day = table.day;
  const uint32_t m = table.profiles[index].member;
  s.attributes = engine.attributes(m);
  for (uint32_t a : engine.members().accounts(m)) s.platforms.push_back(PlatformName(engine.accounts().platform(a)));
  return s;
}

Result<size_t> FindProfile(const Engine& engine, const MemberTable& table, std::string_view who) {
  uint32_t member = kNone;
  uint32_t n = 0;
  auto [p, ec] = std::from_chars(who.data(), who.data() + who.size(), n);
  if (ec == std::errc() && p == who.data() + who.size()) {
    member = n;
  } else if (size_t colon = who.find(':'); colon != std::string_view::npos) {
    auto plat = ParsePlatform(who.substr(0, colon));
    if (!plat) return InvalidArgument("member '" + std::string(who) + "': unknown platform");
    uint32_t acc = engine.FindAccount(*plat, who.substr(colon + 1));
    if (acc == kNone) return NotFound("no account " + std::string(who));
    member = engine.member_of(acc);
  } else {
    return InvalidArgument("member '" + std::string(who) + "': give a member id or platform:account");
  }
  while (member < engine.members().size() && engine.members()[member].merged_into != kNone)
    member = engine.members()[member].merged_into;
  auto it = std::lower_bound(table.profiles.begin(), table.profiles.end(), member,
                             [](const MemberProfile& pr, uint32_t m) { return pr.member < m; });
  if (it == table.profiles.end() || it->member != member)
    return NotFound("member " + std::string(who) + " has no events in scope");
  return static_cast<size_t>(it - table.profiles.begin());
}

Json MemberJson(const Engine& engine, const MemberTable& table, size_t index, bool history) {
  const MemberProfile& p = table.profiles[index];
  const MemberRef mi = engine.members()[p.member];
  const MemberFacts& f = p.facts;
  Json accounts = Json::array();
  std::string name;
  for (uint32_t a : mi.accounts) {
    accounts.push_back(AccountKey(engine, a));
    if (name.empty()) name = engine.display_name(a);
  }
  Json attrs = Json::object();
  for (const auto& [k, v] : engine.attributes(p.member)) attrs[std::string(k)] = v;
  Json j{{"member", p.member},
         {"name", name.empty() ? Json(nullptr) : Json(name)},
         {"accounts", accounts},
         {"attributes", attrs},
         {"first_seen", DayOrNull(f.first_seen_day)},
         {"last_seen", DayOrNull(f.last_seen_day)},
         {"joined", DayOrNull(f.join_day)},
         {"last_active", DayOrNull(f.last_active_day)},
         {"is_member", f.is_member},
         {"left", f.left},
         {"active_days", f.active_days},
         {"active_days_30", f.active_days_window},
         {"counts", Counts(f.total)},
         {"contribution", R4(p.contribution)},
         {"stage", p.stage == Stage::kNone ? Json(nullptr) : Json(StageName(p.stage))},
         {"level", p.level},
         {"level_name", LevelName(p.level)}};
  if (p.rfm.tier == RfmTier::kNone) j["rfm"] = nullptr;
  else
    j["rfm"] = Json{{"r", p.rfm.r}, {"f", p.rfm.f}, {"m", p.rfm.m}, {"fm", p.rfm.fm},
                    {"tier", RfmTierName(p.rfm.tier)}, {"tier_slug", RfmTierSlug(p.rfm.tier)}};
  j["tags"] = p.tags;
  j["manual_tags"] = p.manual_tags;
  if (history) {
    Json h = Json::array();
    for (const LevelChange& c : LevelHistory(table.timelines[index], table.day, table.config))
      h.push_back(Json{{"date", FormatDate(c.day)}, {"level", c.level}});
    j["level_history"] = h;
  }
  return j;
}

Json MembersOverviewJson(const MemberTable& table) {
  Json j;
  j["as_of"] = DayOrNull(table.day);
  // The stats FinishMemberTable kept, else computed now (hand-made tables).
  std::shared_ptr<const PopulationStats> pop = table.population;
  if (!pop) pop = std::make_shared<const PopulationStats>(ComputePopulation(table));
  const StageCounts& st = pop->stages;
  j["members"] = st.members;
  Json stages = Json::object();
  for (int i = 0; i < kStageCount; ++i) stages[std::string(StageName(static_cast<Stage>(i)))] = st.count[i];
  j["stages"] = stages;
  const PyramidCounts& py = pop->pyramid;
  Json levels = Json::array();
  for (int l = 1; l <= 5; ++l)
    levels.push_back(Json{{"level", l}, {"name", LevelName(l)}, {"count", py.count[l]}, {"share", R4(py.share(l))}});
  const LevelTransitions& tr = pop->week;
  Json matrix = Json::array();
  for (const auto& row : tr.matrix) matrix.push_back(row);
  j["pyramid"] = Json{{"total", py.total},
                      {"left", py.count[0]},
                      {"levels", levels},
                      {"transition", Json{{"from", DayOrNull(tr.from)},
                                          {"to", DayOrNull(tr.to)},
                                          {"promoted", tr.promoted},
                                          {"demoted", tr.demoted},
                                          {"eligible_up", tr.eligible_up},
                                          {"eligible_down", tr.eligible_down},
                                          {"transition_rate", R4(tr.transition_rate)},
                                          {"demotion_rate", R4(tr.demotion_rate)},
                                          {"matrix", matrix}}}};
  const ContributionView& cv = pop->contribution;
  Json lorenz = Json::array();
  for (const auto& [x, y] : cv.lorenz) lorenz.push_back(Json::array({R4(x), R4(y)}));
  j["contribution"] = Json{{"total", R4(cv.total)},   {"members", cv.members}, {"top_n", cv.top_n},
                           {"top20_share", R4(cv.top20_share)}, {"gini", R4(cv.gini)}, {"lorenz", lorenz}};
  const RfmCounts& rc = pop->rfm;
  Json tiers = Json::object();
  for (int i = 0; i < kRfmTierCount; ++i) tiers[std::string(RfmTierSlug(static_cast<RfmTier>(i)))] = rc.count[i];
  j["rfm"] = Json{{"members", rc.members}, {"has_orders", table.has_orders}, {"tiers", tiers}};
  return j;
}

std::vector<MemberActivity> ScanMemberActivity(const Engine& engine, uint32_t community) {
  std::vector<MemberActivity> rows(engine.members().size());
  for (uint32_t i = 0; i < rows.size(); ++i) rows[i].id = i;
  const EventColumns& c = engine.events();
  for (size_t i = 0; i < c.size(); ++i) {
    if (community != kNone && c.community[i] != community) continue;
    MemberActivity& r = rows[engine.member_of(c.account[i])];
    ++r.events;
    r.first = std::min(r.first, c.ts[i]);
    r.last = std::max(r.last, c.ts[i]);
  }
  return rows;
}

std::string MemberDisplayName(const Engine& engine, uint32_t member) {
  for (uint32_t a : engine.members()[member].accounts)
    if (!engine.display_name(a).empty()) return engine.display_name(a);
  return "";
}

nlohmann::json ToSortedJson(const Json& v) {
  using Sorted = nlohmann::json;
  switch (v.type()) {
    case Json::value_t::object: {
      Sorted o = Sorted::object();
      for (const auto& [k, x] : v.items()) o[k] = ToSortedJson(x);
      return o;
    }
    case Json::value_t::array: {
      Sorted a = Sorted::array();
      for (const auto& x : v) a.push_back(ToSortedJson(x));
      return a;
    }
    case Json::value_t::string:
      return v.get<std::string>();
    case Json::value_t::boolean:
      return v.get<bool>();
    case Json::value_t::number_integer:
      return v.get<int64_t>();
    case Json::value_t::number_unsigned:
      return v.get<uint64_t>();
    case Json::value_t::number_float:
      return v.get<double>();
    default:
      return nullptr;
  }
}

nlohmann::json MemberListItemJson(const Engine& engine, const MemberActivity& row, const MemberTable& table,
                                  uint32_t profile_index) {
  using Sorted = nlohmann::json;
  Sorted accounts = Sorted::array();
  for (uint32_t a : engine.members()[row.id].accounts) accounts.push_back(AccountKey(engine, a));
  Sorted item = {{"id", row.id},
                 {"name", MemberDisplayName(engine, row.id)},
                 {"accounts", std::move(accounts)},
                 {"events", row.events}};
  item["first_seen"] = row.events ? Sorted(FormatRfc3339(FromEngineSeconds(row.first))) : Sorted();
  item["last_seen"] = row.events ? Sorted(FormatRfc3339(FromEngineSeconds(row.last))) : Sorted();
  if (profile_index != kNone) {
    Json pj = MemberJson(engine, table, profile_index, /*history=*/false);
    for (const char* k :
         {"stage", "level", "level_name", "rfm", "contribution", "tags", "active_days", "last_active"})
      item[k] = ToSortedJson(pj[k]);
  }
  return item;
}

}  // namespace qun

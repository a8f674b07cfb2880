// qun members: list people (filtered by stage, level, RFM tier, tags and
// saved segments), show one (profile, accounts, attributes, merges, level
// history, timeline), the population overview (stages, pyramid, 80/20, RFM),
// manual tags, saved segments, merge two people, undo a merge.
// Rules and JSON shapes: docs/members.md.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "common/time.h"
#include "core/engine/lookup.h"
#include "core/members/members_json.h"
#include "store/member_queries.h"
#include "store/workspace.h"

namespace qun::cli {
namespace {

struct MembersFlags {
  std::string data_dir;
  bool json = false;
  std::string community;
  size_t limit = 50;
  size_t offset = 0;
  std::string sort = "events";
  std::string member;
  std::string into, from;
  uint32_t merge_id = 0;
  std::string reason;
  size_t timeline = 20;
  // Intelligence filters (list) and scope.
  std::string as_of, tz = "UTC";
  std::vector<std::string> stages, levels, tags, rfm;
  std::string segment, where;
  // tag / untag / segments
  std::vector<std::string> tag_names;
  std::string segment_name, segment_filter;
  bool replace = false;
};

ScopeText ScopeOf(const MembersFlags& f, bool with_community) {
  return ScopeText{.community = with_community ? f.community : "", .as_of = f.as_of, .tz = f.tz};
}

Status RunList(const MembersFlags& f) {
  QUN_ASSIGN_OR_RETURN(auto ws, Workspace::Open(f.data_dir, {.read_only = true, .create = false}));
  auto lock = ws->ReadLock();
  const Engine& e = ws->engine();
  MemberListQuery q;
  q.scope = ScopeOf(f, true);
  q.filters = {.stages = f.stages,
               .levels = f.levels,
               .rfm = f.rfm,
               .tags = f.tags,
               .segment = f.segment,
               .where = f.where};
  q.sort = f.sort;
  q.limit = f.limit;
  q.offset = f.offset;
  QUN_ASSIGN_OR_RETURN(MemberListPage page, ListMembers(*ws, q, ParamStyle::kCliFlag));
  if (f.json) {
    std::printf("%s\n", MemberListJson(e, page).dump().c_str());
    return Status::Ok();
  }
  const MemberTable& table = page.intel->table;
  std::printf("%-8s %-20s %8s  %-11s %-3s %-18s %8s  %-20s  %s\n", "MEMBER", "NAME", "EVENTS", "STAGE", "LVL", "RFM",
              "CONTRIB", "LAST SEEN", "ACCOUNTS");
  for (size_t i = 0; i < page.rows.size(); ++i) {
    const MemberActivity& r = page.rows[i];
    std::string accounts;
    for (uint32_t a : e.members()[r.id].accounts)
      accounts += (accounts.empty() ? "" : " ") + AccountKey(e, a);
    const MemberProfile* p = page.profiles[i] == kNone ? nullptr : &table.profiles[page.profiles[i]];
    std::printf("%-8u %-20s %8llu  %-11s %-3s %-18s %8.0f  %-20s  %s\n", r.id,
                MemberDisplayName(e, r.id).substr(0, 20).c_str(), static_cast<unsigned long long>(r.events),
                p ? std::string(StageName(p->stage)).c_str() : "-",
                p && p->level ? fmt::format("L{}", p->level).c_str() : "-",
                p && p->rfm.tier != RfmTier::kNone ? std::string(RfmTierName(p->rfm.tier)).c_str() : "-",
                p ? p->contribution : 0.0, r.events ? FormatRfc3339(FromEngineSeconds(r.last)).c_str() : "-",
                accounts.c_str());
  }
  std::printf("(%zu of %zu members, as of %s)\n", page.rows.size(), page.total,
              FormatDate(page.intel->day).c_str());
  return Status::Ok();
}

Status RunShow(const MembersFlags& f) {
  QUN_ASSIGN_OR_RETURN(auto ws, Workspace::Open(f.data_dir, {.read_only = true, .create = false}));
  auto lock = ws->ReadLock();
  const Engine& e = ws->engine();
  QUN_ASSIGN_OR_RETURN(uint32_t m, ResolveMember(e, f.member));
  QUN_ASSIGN_OR_RETURN(auto intel, LoadMemberIntel(*ws, ScopeOf(f, false), ParamStyle::kCliFlag));
  const std::vector<MemberActivity>& rows = intel->Activity(e);
  nlohmann::json j = MemberListItemJson(e, rows[m], intel->table, kNone);
  nlohmann::json attrs = nlohmann::json::object();
  for (const auto& [k, v] : e.attributes(m)) attrs[std::string(k)] = v;
  j["attributes"] = attrs;
  nlohmann::json merges = nlohmann::json::array();
  for (const auto& r : e.merges()) {
    if (r.into != m && r.from != m) continue;
    nlohmann::json accts = nlohmann::json::array();
    for (uint32_t a : r.accounts) accts.push_back(AccountKey(e, a));
    merges.push_back({{"id", r.id}, {"into", r.into}, {"from", r.from}, {"accounts", accts}, {"reason", r.reason},
                      {"manual", r.manual}, {"undone", r.undone}, {"after_seq", r.after_seq}});
  }
  j["merges"] = merges;
  // Timeline: newest first, from the stored events.
  nlohmann::json timeline = nlohmann::json::array();
  const auto& c = e.events();
  const auto accounts = e.members().accounts(m);
  for (size_t i = c.size(); i-- > 0 && timeline.size() < f.timeline;) {
    if (std::find(accounts.begin(), accounts.end(), c.account[i]) == accounts.end()) continue;
    auto body = ws->EventJson(i + 1);
    if (!body.ok()) return body.status();
    timeline.push_back(nlohmann::json::parse(*body));
  }
  j["timeline"] = timeline;
  auto pi = FindProfile(e, intel->table, std::to_string(m));
  if (pi.ok())
    j["profile"] = ToSortedJson(MemberJson(e, intel->table, *pi, true));
  else j["profile"] = nullptr;
  if (f.json) {
    std::printf("%s\n", j.dump().c_str());
    return Status::Ok();
  }
  std::printf("member %u %s\n", m, MemberDisplayName(e, m).c_str());
  std::printf("  events      %llu (first %s, last %s)\n", static_cast<unsigned long long>(rows[m].events),
              j["first_seen"].is_null() ? "-" : j["first_seen"].get<std::string>().c_str(),
              j["last_seen"].is_null() ? "-" : j["last_seen"].get<std::string>().c_str());
  std::printf("  accounts   ");
  for (uint32_t a : accounts) std::printf(" %s", AccountKey(e, a).c_str());
  std::printf("\n");
  for (const auto& [k, v] : e.attributes(m))
    std::printf("  %-11.*s %.*s\n", static_cast<int>(k.size()), k.data(), static_cast<int>(v.size()), v.data());
  for (const auto& r : merges)
    std::printf("  merge #%d: member %d into %d (%s)%s\n", r["id"].get<int>(), r["from"].get<int>(),
                r["into"].get<int>(), r["reason"].get<std::string>().c_str(),
                r["undone"].get<bool>() ? " [undone]" : "");
  if (pi.ok()) {
    const MemberProfile& p = intel->table.profiles[*pi];
    const nlohmann::json& pj = j["profile"];
    std::printf("  as of       %s\n", FormatDate(intel->table.day).c_str());
    std::printf("  stage       %s\n", std::string(StageName(p.stage)).c_str());
    std::printf("  level       %s\n", std::string(LevelName(p.level)).c_str());
    if (p.rfm.tier != RfmTier::kNone)
      std::printf("  RFM         %s (R%d F%d M%d)\n", std::string(RfmTierName(p.rfm.tier)).c_str(), p.rfm.r, p.rfm.f,
                  p.rfm.m);
    std::printf("  contribution %.1f\n", p.contribution);
    std::printf("  active days %d (last 30 days: %d)\n", p.facts.active_days, p.facts.active_days_window);
    std::printf("  counts      %s\n", pj["counts"].dump().c_str());
    std::string tags;
    for (const auto& t : p.tags) tags += (tags.empty() ? "" : ", ") + t;
    std::printf("  tags        %s\n", tags.empty() ? "-" : tags.c_str());
    std::string hist;
    for (const auto& h : pj["level_history"])
      hist += fmt::format("{}{} L{}", hist.empty() ? "" : " → ", h["date"].get<std::string>(), h["level"].get<int>());
    std::printf("  levels      %s\n", hist.c_str());
  }
  std::printf("  timeline (newest first):\n");
  for (const auto& ev : timeline) {
    std::string text = ev.value("text", "");
    if (text.size() > 60) text = text.substr(0, 60) + "…";
    std::printf("    %s  %-16s %s %s\n", ev["ts"].get<std::string>().c_str(), ev["type"].get<std::string>().c_str(),
                ev["community"].get<std::string>().c_str(), text.c_str());
  }
  return Status::Ok();
}

Status RunMerge(const MembersFlags& f) {
  QUN_ASSIGN_OR_RETURN(auto ws, Workspace::Open(f.data_dir, {.read_only = false, .create = false}));
  uint32_t into, from;
  {
    auto lock = ws->ReadLock();
    QUN_ASSIGN_OR_RETURN(into, ResolveMember(ws->engine(), f.into));
    QUN_ASSIGN_OR_RETURN(from, ResolveMember(ws->engine(), f.from));
  }
  if (into == from) return FailedPrecondition(fmt::format("{} and {} are already the same member ({})", f.into, f.from, into));
  QUN_ASSIGN_OR_RETURN(uint32_t id, ws->Merge(into, from, f.reason.empty() ? "by operator" : f.reason));
  if (f.json) std::printf("%s\n", nlohmann::json({{"merge_id", id}, {"into", into}, {"from", from}}).dump().c_str());
  else std::printf("merged member %u into %u (merge #%u; undo with: qun members unmerge %u)\n", from, into, id, id);
  return Status::Ok();
}

Status RunUnmerge(const MembersFlags& f) {
  QUN_ASSIGN_OR_RETURN(auto ws, Workspace::Open(f.data_dir, {.read_only = false, .create = false}));
  QUN_RETURN_IF_ERROR(ws->Unmerge(f.merge_id, f.reason.empty() ? "by operator" : f.reason));
  if (f.json) std::printf("%s\n", nlohmann::json({{"unmerged", f.merge_id}}).dump().c_str());
  else std::printf("merge #%u undone\n", f.merge_id);
  return Status::Ok();
}

Status RunOverview(const MembersFlags& f) {
  QUN_ASSIGN_OR_RETURN(auto ws, Workspace::Open(f.data_dir, {.read_only = true, .create = false}));
  auto lock = ws->ReadLock();
  QUN_ASSIGN_OR_RETURN(auto intel, LoadMemberIntel(*ws, ScopeOf(f, true), ParamStyle::kCliFlag));
  nlohmann::json j = ToSortedJson(intel->Overview());
  if (f.json) {
    std::printf("%s\n", j.dump().c_str());
    return Status::Ok();
  }
  std::printf("members as of %s: %d\n", j["as_of"].get<std::string>().c_str(), j["members"].get<int>());
  std::printf("stages:");
  for (auto& [k, v] : j["stages"].items()) std::printf("  %s %d", k.c_str(), v.get<int>());
  std::printf("\npyramid:\n");
  for (auto& l : j["pyramid"]["levels"])
    std::printf("  %-14s %6d  %5.1f%%\n", l["name"].get<std::string>().c_str(), l["count"].get<int>(),
                l["share"].get<double>() * 100);
  const auto& tr = j["pyramid"]["transition"];
  std::printf("  transition rate (7 days to %s): %.1f%% promoted, %.1f%% demoted\n", tr["to"].get<std::string>().c_str(),
              tr["transition_rate"].get<double>() * 100, tr["demotion_rate"].get<double>() * 100);
  const auto& c = j["contribution"];
  std::printf("contribution: top 20%% (%d members) give %.1f%%; Gini %.3f\n", c["top_n"].get<int>(),
              c["top20_share"].get<double>() * 100, c["gini"].get<double>());
  std::printf("RFM tiers:");
  for (auto& [k, v] : j["rfm"]["tiers"].items())
    if (v.get<int>() > 0) std::printf("  %s %d", k.c_str(), v.get<int>());
  std::printf("\n");
  return Status::Ok();
}

Status RunTag(const MembersFlags& f, bool add) {
  QUN_ASSIGN_OR_RETURN(auto ws, Workspace::Open(f.data_dir, {.read_only = true, .create = false}));
  QUN_ASSIGN_OR_RETURN(TagChange c, add ? AddMemberTags(*ws, f.member, f.tag_names)
                                        : RemoveMemberTags(*ws, f.member, f.tag_names));
  if (f.json) {
    std::printf("%s\n", nlohmann::json({{"member", c.member},
                                        {add ? "tagged" : "untagged", f.tag_names},
                                        {"changed", c.changed}})
                            .dump()
                            .c_str());
  } else {
    std::printf("%s member %u: %d tag(s)\n", add ? "tagged" : "untagged", c.member, c.changed);
  }
  return Status::Ok();
}

Status RunSegmentCreate(const MembersFlags& f) {
  QUN_ASSIGN_OR_RETURN(auto ws, Workspace::Open(f.data_dir, {.read_only = true, .create = false}));
  QUN_ASSIGN_OR_RETURN(
      SavedSegment seg,
      SaveMemberSegment(*ws, f.segment_name, f.segment_filter,
                        f.replace ? SegmentWrite::kReplace : SegmentWrite::kCreate, ParamStyle::kCliFlag));
  if (f.json) std::printf("%s\n", nlohmann::json({{"name", seg.name}, {"filter", seg.filter}}).dump().c_str());
  else std::printf("segment '%s' saved: %s\n", seg.name.c_str(), seg.filter.c_str());
  return Status::Ok();
}

Status RunSegmentList(const MembersFlags& f) {
  QUN_ASSIGN_OR_RETURN(auto ws, Workspace::Open(f.data_dir, {.read_only = true, .create = false}));
  auto lock = ws->ReadLock();
  QUN_ASSIGN_OR_RETURN(nlohmann::json j, SegmentListJson(*ws, ScopeOf(f, false), ParamStyle::kCliFlag));
  if (f.json) {
    std::printf("%s\n", j.dump().c_str());
    return Status::Ok();
  }
  const nlohmann::json& arr = j["segments"];
  if (arr.empty()) std::printf("no saved segments (create one: qun members segments create NAME 'FILTER')\n");
  for (const auto& s : arr)
    std::printf("%-20s %6s  %s\n", s["name"].get<std::string>().c_str(),
                s["members"].is_null() ? "?" : std::to_string(s["members"].get<int>()).c_str(),
                s["filter"].get<std::string>().c_str());
  return Status::Ok();
}

Status RunSegmentDelete(const MembersFlags& f) {
  QUN_ASSIGN_OR_RETURN(auto ws, Workspace::Open(f.data_dir, {.read_only = true, .create = false}));
  QUN_RETURN_IF_ERROR(DeleteMemberSegment(*ws, f.segment_name));
  if (f.json) std::printf("%s\n", nlohmann::json({{"deleted", f.segment_name}}).dump().c_str());
  else std::printf("segment '%s' deleted\n", f.segment_name.c_str());
  return Status::Ok();
}

void Setup(CLI::App& root) {
  static MembersFlags flags;  // CLI11 binds to it for the process lifetime
  auto* f = &flags;
  auto* sub = root.add_subcommand("members", "List, inspect, merge and unmerge members (people across platforms)");
  sub->require_subcommand(1);
  AddDataDirOption(sub, &f->data_dir);

  auto* list = sub->add_subcommand("list", "List members with event counts and first/last seen");
  AddDataDirOption(list, &f->data_dir);
  list->add_flag("--json", f->json, "Print one JSON object {total, members[]}");
  list->add_option("--community", f->community, "Only members active in this community (id or platform:id)");
  list->add_option("--limit", f->limit, "At most this many rows")->default_val(50);
  list->add_option("--offset", f->offset, "Skip this many rows")->default_val(0);
  list->add_option("--sort", f->sort, "events | last_seen | contribution | id")->default_val("events");
  list->add_option("--stage", f->stages,
                   "Only this stage: newcomer, active, silent, churn-risk, churned, resurrected (repeatable: any of)");
  list->add_option("--level", f->levels, "Only this pyramid level L1..L5; 'L4+' = L4 or higher (repeatable)");
  list->add_option("--rfm", f->rfm, "Only this RFM tier, e.g. champions, at_risk (repeatable)");
  list->add_option("--tag", f->tags, "Only members with this tag, manual or rule-based (repeatable: any of)");
  list->add_option("--segment", f->segment, "Only members of this saved segment");
  list->add_option("--where", f->where, "Only members matching this filter, e.g. 'stage=active and level>=L4'");
  list->add_option("--as-of", f->as_of, "Evaluation day YYYY-MM-DD for stage/level/RFM (default: last event day)");
  list->add_option("--tz", f->tz, "IANA time zone for day boundaries")->default_val("UTC");
  SetRun(list, [f] { return RunList(*f); });

  auto* show = sub->add_subcommand("show", "Show one member: accounts, attributes, merges, timeline");
  AddDataDirOption(show, &f->data_dir);
  show->add_option("member", f->member, "Member id, or platform:account")->required();
  show->add_flag("--json", f->json, "Print one JSON object");
  show->add_option("--timeline", f->timeline, "Number of recent events to show")->default_val(20);
  show->add_option("--as-of", f->as_of, "Evaluation day YYYY-MM-DD (default: last event day)");
  show->add_option("--tz", f->tz, "IANA time zone for day boundaries")->default_val("UTC");

  auto* overview = sub->add_subcommand("overview", "Stages, pyramid (level shares, transition rate), 80/20 view, RFM tiers");
  AddDataDirOption(overview, &f->data_dir);
  overview->add_option("--community", f->community, "Only this community (id or platform:id)");
  overview->add_option("--as-of", f->as_of, "Evaluation day YYYY-MM-DD (default: last event day)");
  overview->add_option("--tz", f->tz, "IANA time zone for day boundaries")->default_val("UTC");
  overview->add_flag("--json", f->json, "Print one JSON object (docs/members.md §9)");
  SetRun(overview, [f] { return RunOverview(*f); });

  auto* tag = sub->add_subcommand("tag", "Add manual tags to a member (kept in <data-dir>/members.db)");
  AddDataDirOption(tag, &f->data_dir);
  tag->add_option("member", f->member, "Member id, or platform:account")->required();
  tag->add_option("tags", f->tag_names, "Tag names")->required();
  tag->add_flag("--json", f->json, "Print one JSON object");
  SetRun(tag, [f] { return RunTag(*f, true); });

  auto* untag = sub->add_subcommand("untag", "Remove manual tags from a member");
  AddDataDirOption(untag, &f->data_dir);
  untag->add_option("member", f->member, "Member id, or platform:account")->required();
  untag->add_option("tags", f->tag_names, "Tag names")->required();
  untag->add_flag("--json", f->json, "Print one JSON object");
  SetRun(untag, [f] { return RunTag(*f, false); });

  auto* segs = sub->add_subcommand("segments", "Saved segments: named filters that stay live as events arrive");
  segs->require_subcommand(1);
  auto* screate = segs->add_subcommand("create", "Save a segment: NAME 'FILTER' (docs/members.md §8)");
  AddDataDirOption(screate, &f->data_dir);
  screate->add_option("name", f->segment_name, "Segment name")->required();
  screate->add_option("filter", f->segment_filter, "Filter, e.g. 'stage=active and level>=L4 and tag:vip'")->required();
  screate->add_flag("--replace", f->replace, "Overwrite an existing segment of that name");
  screate->add_flag("--json", f->json, "Print one JSON object");
  SetRun(screate, [f] { return RunSegmentCreate(*f); });
  auto* slist = segs->add_subcommand("list", "List saved segments with their current member counts");
  AddDataDirOption(slist, &f->data_dir);
  slist->add_option("--as-of", f->as_of, "Evaluation day YYYY-MM-DD (default: last event day)");
  slist->add_flag("--json", f->json, "Print one JSON object");
  SetRun(slist, [f] { return RunSegmentList(*f); });
  auto* sdel = segs->add_subcommand("delete", "Delete a saved segment");
  AddDataDirOption(sdel, &f->data_dir);
  sdel->add_option("name", f->segment_name, "Segment name")->required();
  sdel->add_flag("--json", f->json, "Print one JSON object");
  SetRun(sdel, [f] { return RunSegmentDelete(*f); });
  SetRun(show, [f] { return RunShow(*f); });

  auto* merge = sub->add_subcommand("merge", "Merge member FROM into member INTO (recorded, reversible)");
  AddDataDirOption(merge, &f->data_dir);
  merge->add_option("into", f->into, "Surviving member (id or platform:account)")->required();
  merge->add_option("from", f->from, "Member merged into it (id or platform:account)")->required();
  merge->add_option("--reason", f->reason, "Why (kept in the merge history)");
  merge->add_flag("--json", f->json, "Print one JSON object");
  SetRun(merge, [f] { return RunMerge(*f); });

  auto* unmerge = sub->add_subcommand("unmerge", "Undo a merge (automatic or manual) by its merge id");
  AddDataDirOption(unmerge, &f->data_dir);
  unmerge->add_option("merge_id", f->merge_id, "Merge id, as 'qun members show' lists")->required();
  unmerge->add_option("--reason", f->reason, "Why (kept in the history)");
  unmerge->add_flag("--json", f->json, "Print one JSON object");
  SetRun(unmerge, [f] { return RunUnmerge(*f); });
}

}  // namespace
}  // namespace qun::cli

QUN_REGISTER_COMMAND(members, 40, qun::cli::Setup);

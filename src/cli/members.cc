// qun members: list people, show one (accounts, attributes, merges,
// timeline), merge two people, undo a merge.
#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "common/time.h"
#include "core/engine/lookup.h"
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
};

struct MemberRow {
  uint32_t id;
  uint64_t events = 0;
  uint32_t first = UINT32_MAX, last = 0;
};

std::string AccountLabel(const Engine& e, uint32_t a) {
  return fmt::format("{}:{}", PlatformName(e.accounts()[a].platform), e.accounts()[a].ext_id);
}

std::string DisplayName(const Engine& e, uint32_t m) {
  for (uint32_t a : e.members()[m].accounts)
    if (!e.accounts()[a].display_name.empty()) return e.accounts()[a].display_name;
  return "";
}

nlohmann::json MemberJson(const Engine& e, const MemberRow& r) {
  nlohmann::json accounts = nlohmann::json::array();
  for (uint32_t a : e.members()[r.id].accounts) accounts.push_back(AccountLabel(e, a));
  nlohmann::json j = {{"id", r.id}, {"name", DisplayName(e, r.id)}, {"accounts", accounts}, {"events", r.events}};
  j["first_seen"] = r.events ? nlohmann::json(FormatRfc3339(FromEngineSeconds(r.first))) : nlohmann::json();
  j["last_seen"] = r.events ? nlohmann::json(FormatRfc3339(FromEngineSeconds(r.last))) : nlohmann::json();
  return j;
}

// Per-member event counts and first/last seen, following merges.
std::vector<MemberRow> ScanMembers(const Engine& e, uint32_t community) {
  std::vector<MemberRow> rows(e.members().size());
  for (uint32_t i = 0; i < rows.size(); ++i) rows[i].id = i;
  const auto& c = e.events();
  for (size_t i = 0; i < c.size(); ++i) {
    if (community != kNone && c.community[i] != community) continue;
    MemberRow& r = rows[e.member_of(c.account[i])];
    ++r.events;
    r.first = std::min(r.first, c.ts[i]);
    r.last = std::max(r.last, c.ts[i]);
  }
  return rows;
}

Status RunList(const MembersFlags& f) {
  QUN_ASSIGN_OR_RETURN(auto ws, Workspace::Open(f.data_dir, {.read_only = true, .create = false}));
  auto lock = ws->ReadLock();
  const Engine& e = ws->engine();
  uint32_t community = kNone;
  if (!f.community.empty()) {
    QUN_ASSIGN_OR_RETURN(community, ResolveCommunity(e, f.community));
  }
  std::vector<MemberRow> rows = ScanMembers(e, community);
  rows.erase(std::remove_if(rows.begin(), rows.end(),
                            [&](const MemberRow& r) {
                              return e.members()[r.id].merged_into != kNone || (community != kNone && r.events == 0);
                            }),
             rows.end());
  if (f.sort == "events") {
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.events > b.events; });
  } else if (f.sort == "last_seen") {
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.last > b.last; });
  } else if (f.sort != "id") {
    return InvalidArgument(fmt::format("--sort '{}': expected events, last_seen or id", f.sort));
  }
  size_t total = rows.size();
  size_t begin = std::min(f.offset, rows.size()), end = std::min(rows.size(), begin + f.limit);
  if (f.json) {
    nlohmann::json items = nlohmann::json::array();
    for (size_t i = begin; i < end; ++i) items.push_back(MemberJson(e, rows[i]));
    std::printf("%s\n", nlohmann::json({{"total", total}, {"members", items}}).dump().c_str());
    return Status::Ok();
  }
  std::printf("%-8s %-20s %8s  %-20s  %-20s  %s\n", "MEMBER", "NAME", "EVENTS", "FIRST SEEN", "LAST SEEN", "ACCOUNTS");
  for (size_t i = begin; i < end; ++i) {
    const MemberRow& r = rows[i];
    std::string accounts;
    for (uint32_t a : e.members()[r.id].accounts) accounts += (accounts.empty() ? "" : " ") + AccountLabel(e, a);
    std::printf("%-8u %-20s %8llu  %-20s  %-20s  %s\n", r.id, DisplayName(e, r.id).substr(0, 20).c_str(),
                static_cast<unsigned long long>(r.events),
                r.events ? FormatRfc3339(FromEngineSeconds(r.first)).c_str() : "-",
                r.events ? FormatRfc3339(FromEngineSeconds(r.last)).c_str() : "-", accounts.c_str());
  }
  std::printf("(%zu of %zu members)\n", end - begin, total);
  return Status::Ok();
}

Status RunShow(const MembersFlags& f) {
  QUN_ASSIGN_OR_RETURN(auto ws, Workspace::Open(f.data_dir, {.read_only = true, .create = false}));
  auto lock = ws->ReadLock();
  const Engine& e = ws->engine();
  QUN_ASSIGN_OR_RETURN(uint32_t m, ResolveMember(e, f.member));
  std::vector<MemberRow> rows = ScanMembers(e, kNone);
  nlohmann::json j = MemberJson(e, rows[m]);
  nlohmann::json attrs = nlohmann::json::object();
  for (const auto& [k, v] : e.members()[m].attributes) attrs[k] = v;
  j["attributes"] = attrs;
  nlohmann::json merges = nlohmann::json::array();
  for (const auto& r : e.merges()) {
    if (r.into != m && r.from != m) continue;
    nlohmann::json accts = nlohmann::json::array();
    for (uint32_t a : r.accounts) accts.push_back(AccountLabel(e, a));
    merges.push_back({{"id", r.id}, {"into", r.into}, {"from", r.from}, {"accounts", accts}, {"reason", r.reason},
                      {"manual", r.manual}, {"undone", r.undone}, {"after_seq", r.after_seq}});
  }
  j["merges"] = merges;
  // Timeline: newest first, from the stored events.
  nlohmann::json timeline = nlohmann::json::array();
  const auto& c = e.events();
  const auto& accounts = e.members()[m].accounts;
  for (size_t i = c.size(); i-- > 0 && timeline.size() < f.timeline;) {
    if (std::find(accounts.begin(), accounts.end(), c.account[i]) == accounts.end()) continue;
    auto body = ws->EventJson(i + 1);
    if (!body.ok()) return body.status();
    timeline.push_back(nlohmann::json::parse(*body));
  }
  j["timeline"] = timeline;
  if (f.json) {
    std::printf("%s\n", j.dump().c_str());
    return Status::Ok();
  }
  std::printf("member %u %s\n", m, DisplayName(e, m).c_str());
  std::printf("  events      %llu (first %s, last %s)\n", static_cast<unsigned long long>(rows[m].events),
              j["first_seen"].is_null() ? "-" : j["first_seen"].get<std::string>().c_str(),
              j["last_seen"].is_null() ? "-" : j["last_seen"].get<std::string>().c_str());
  std::printf("  accounts   ");
  for (uint32_t a : accounts) std::printf(" %s", AccountLabel(e, a).c_str());
  std::printf("\n");
  for (const auto& [k, v] : e.members()[m].attributes) std::printf("  %-11s %s\n", k.c_str(), v.c_str());
  for (const auto& r : merges)
    std::printf("  merge #%d: member %d into %d (%s)%s\n", r["id"].get<int>(), r["from"].get<int>(),
                r["into"].get<int>(), r["reason"].get<std::string>().c_str(),
                r["undone"].get<bool>() ? " [undone]" : "");
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
  list->add_option("--sort", f->sort, "events | last_seen | id")->default_val("events");
  SetRun(list, [f] { return RunList(*f); });

  auto* show = sub->add_subcommand("show", "Show one member: accounts, attributes, merges, timeline");
  AddDataDirOption(show, &f->data_dir);
  show->add_option("member", f->member, "Member id, or platform:account")->required();
  show->add_flag("--json", f->json, "Print one JSON object");
  show->add_option("--timeline", f->timeline, "Number of recent events to show")->default_val(20);
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

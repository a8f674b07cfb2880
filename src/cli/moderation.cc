// qun moderation: turn inline moderation of ingest on or off for a data
// directory, see its state, its findings and the shared ban list
// (docs/moderation.md#ingest-hook).
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command.h"
#include "common/time.h"
#include "store/moderation/assets.h"
#include "store/moderation/inline_moderation.h"
#include "store/workspace.h"

namespace qun::cli {
namespace {

struct ModerationArgs {
  std::string data_dir;
  std::vector<std::string> lexicons;
  std::vector<std::string> allow;
  std::string policy;
  bool json = false;
  std::string member;
  std::string reason;
  std::string community;
  std::string rule;
  int64_t limit = 50;
};

Result<std::string> Absolute(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return NotFound(path + ": no such file or folder");
  auto abs = std::filesystem::absolute(path, ec);
  if (ec) return InvalidArgument(path + ": " + ec.message());
  return abs.lexically_normal().string();
}

void PrintJson(const nlohmann::ordered_json& j) { std::printf("%s\n", j.dump().c_str()); }

Status Enable(const ModerationArgs& a) {
  store::ModerationConfig c;
  for (const auto& p : a.lexicons) {
    QUN_ASSIGN_OR_RETURN(std::string abs, Absolute(p));
    c.lexicons.push_back(abs);
  }
  for (const auto& p : a.allow) {
    QUN_ASSIGN_OR_RETURN(std::string abs, Absolute(p));
    c.allow.push_back(abs);
  }
  if (!a.policy.empty()) {
    QUN_ASSIGN_OR_RETURN(c.policy, Absolute(a.policy));
  }
  // Check that the ruleset loads before storing anything.
  QUN_ASSIGN_OR_RETURN(auto ruleset, store::LoadRuleset(c.policy, c.lexicons, c.allow));
  // Take the writer lock first, so a running server is never surprised.
  auto previous = store::ReadModerationConfig(a.data_dir);
  {
    QUN_ASSIGN_OR_RETURN(auto ws, Workspace::Open(a.data_dir));
    (void)ws;
  }
  QUN_RETURN_IF_ERROR(store::WriteModerationConfig(a.data_dir, c));
  // Opening again builds the engine and moderates every stored event above
  // the watermark (all of them the first time).
  auto ws = Workspace::Open(a.data_dir);
  if (!ws.ok()) {
    if (previous.ok() && *previous)
      (void)store::WriteModerationConfig(a.data_dir, **previous);
    else
      (void)store::RemoveModerationConfig(a.data_dir);
    return ws.status();
  }
  QUN_ASSIGN_OR_RETURN(uint64_t watermark, (*ws)->moderation()->Watermark());
  QUN_ASSIGN_OR_RETURN(auto seqs, (*ws)->moderation()->FindingSeqs());
  const auto& st = ruleset->matcher->stats();
  if (a.json) {
    PrintJson({{"enabled", true},
               {"config", store::ModerationConfigPath(a.data_dir)},
               {"moderated_through_seq", watermark},
               {"findings", seqs.size()},
               {"skipped_short_entries", st.skipped_short}});
  } else {
    std::printf("moderation enabled for %s (%s)\nevents moderated through seq %llu; %zu findings stored\n",
                a.data_dir.c_str(), store::ModerationConfigPath(a.data_dir).c_str(),
                static_cast<unsigned long long>(watermark), seqs.size());
  }
  return Status::Ok();
}

Status Disable(const ModerationArgs& a) {
  {
    QUN_ASSIGN_OR_RETURN(auto ws, Workspace::Open(a.data_dir, {.read_only = false, .create = false}));
    (void)ws;  // holds the writer lock: no server is running
  }
  QUN_RETURN_IF_ERROR(store::RemoveModerationConfig(a.data_dir));
  if (a.json)
    PrintJson({{"enabled", false}});
  else
    std::printf("moderation disabled for %s (findings, queue and ban list are kept)\n", a.data_dir.c_str());
  return Status::Ok();
}

Status ShowStatus(const ModerationArgs& a) {
  QUN_ASSIGN_OR_RETURN(auto config, store::ReadModerationConfig(a.data_dir));
  QUN_ASSIGN_OR_RETURN(auto ws, Workspace::Open(a.data_dir, {.read_only = true, .create = false}));
  uint64_t watermark = 0;
  size_t findings = 0;
  if (ws->moderation()) {
    QUN_ASSIGN_OR_RETURN(watermark, ws->moderation()->Watermark());
    QUN_ASSIGN_OR_RETURN(auto seqs, ws->moderation()->FindingSeqs());
    findings = seqs.size();
  }
  uint64_t last = ws->engine().last_seq();
  if (a.json) {
    nlohmann::ordered_json j = {{"enabled", config.has_value()},
                                {"moderated_through_seq", watermark},
                                {"last_seq", last},
                                {"findings", findings}};
    if (config)
      j["config"] = {{"lexicons", config->lexicons}, {"allow", config->allow}, {"policy", config->policy}};
    PrintJson(j);
    return Status::Ok();
  }
  std::printf("moderation: %s\n", config ? "enabled" : "disabled");
  if (config) {
    for (const auto& l : config->lexicons) std::printf("  lexicon: %s\n", l.c_str());
    for (const auto& l : config->allow) std::printf("  allow:   %s\n", l.c_str());
    std::printf("  policy:  %s\n",
                config->policy.empty() ? "(default: flag every lexicon match)" : config->policy.c_str());
  }
  std::printf("events moderated through seq %llu of %llu; %zu findings\n",
              static_cast<unsigned long long>(watermark), static_cast<unsigned long long>(last), findings);
  return Status::Ok();
}

Status ListFindings(const ModerationArgs& a) {
  QUN_ASSIGN_OR_RETURN(auto m, store::InlineModeration::Open(a.data_dir, false, false));
  std::vector<moderation::FindingRecord> list;
  if (m) {
    moderation::FindingFilter f;
    f.community = a.community;
    f.rule = a.rule;
    f.member = a.member;
    f.limit = a.limit;
    QUN_ASSIGN_OR_RETURN(list, m->Findings(f));
  }
  if (a.json) {
    nlohmann::ordered_json arr = nlohmann::ordered_json::array();
    for (const auto& r : list)
      arr.push_back({{"seq", r.seq},
                     {"event_id", r.event_id},
                     {"community", r.community},
                     {"member", r.member},
                     {"ts", FormatRfc3339(r.ts_ms)},
                     {"action", moderation::ActionName(r.action)},
                     {"rules", r.rules},
                     {"masked", r.masked}});
    PrintJson({{"findings", arr}});
    return Status::Ok();
  }
  for (const auto& r : list) {
    std::string rules;
    for (const auto& x : r.rules) rules += (rules.empty() ? "" : ",") + x;
    std::printf("%llu\t%s\t%s\t%s\t%s\t%s\t%s\n", static_cast<unsigned long long>(r.seq),
                FormatRfc3339(r.ts_ms).c_str(), r.community.c_str(), r.member.c_str(),
                std::string(moderation::ActionName(r.action)).c_str(), rules.c_str(), r.masked.c_str());
  }
  return Status::Ok();
}

Status Bans(const ModerationArgs& a) {
  QUN_ASSIGN_OR_RETURN(auto m, store::InlineModeration::Open(a.data_dir, false, false));
  std::vector<moderation::BanRecord> list;
  if (m) {
    QUN_ASSIGN_OR_RETURN(list, m->Bans());
  }
  if (a.json) {
    nlohmann::ordered_json arr = nlohmann::ordered_json::array();
    for (const auto& b : list)
      arr.push_back({{"member", b.member},
                     {"reason", b.reason},
                     {"by", b.by},
                     {"created", FormatRfc3339(b.created_ms)}});
    PrintJson({{"bans", arr}});
    return Status::Ok();
  }
  for (const auto& b : list)
    std::printf("%s\t%s\t%s\t%s\n", b.member.c_str(), FormatRfc3339(b.created_ms).c_str(), b.by.c_str(),
                b.reason.c_str());
  return Status::Ok();
}

Status BanOrUnban(const ModerationArgs& a, bool ban) {
  if (a.member.find(':') == std::string::npos)
    return InvalidArgument("MEMBER: expected platform:actor, e.g. telegram:12345");
  // The writer lock: a running server keeps the ban list in memory, so it
  // must change through its API (DELETE/POST /v1/moderation/bans).
  QUN_ASSIGN_OR_RETURN(auto ws, Workspace::Open(a.data_dir));
  bool changed = false;
  if (ban) {
    QUN_ASSIGN_OR_RETURN(changed, ws->moderation()->Ban({a.member, a.reason, "cli", 0}));
  } else {
    QUN_ASSIGN_OR_RETURN(changed, ws->moderation()->Unban(a.member));
  }
  if (a.json)
    PrintJson({{"member", a.member}, {ban ? "banned" : "unbanned", changed}});
  else
    std::printf("%s %s%s\n", a.member.c_str(), ban ? "banned" : "unbanned", changed ? "" : " (no change)");
  return Status::Ok();
}

void Setup(CLI::App& root) {
  auto a = std::make_shared<ModerationArgs>();
  CLI::App* sub = root.add_subcommand("moderation",
                                      "Inline moderation of ingest: enable, disable, status, findings, bans");
  sub->require_subcommand(1);
  sub->footer(
      "Once enabled, every message.posted / message.edited that 'qun import' or POST /v1/events stores\n"
      "is moderated as it is ingested; flagged messages go to the review queue ('qun review') and count\n"
      "in the health score's complaints indicator. Docs: docs/moderation.md#ingest-hook\n"
      "Examples:\n"
      "  qun moderation enable --data-dir ./qun-data --lexicon ../shared/data/lexicon/\n"
      "  qun moderation status --data-dir ./qun-data\n"
      "  qun moderation findings --data-dir ./qun-data --limit 20");

  auto* en = sub->add_subcommand(
      "enable",
      "Turn on inline moderation for a data directory (stored in <data-dir>/moderation.json)\n"
      "and moderate the events already stored");
  AddDataDirOption(en, &a->data_dir);
  en->add_option("--lexicon", a->lexicons,
                 "Lexicon file or folder of *.txt files (docs/moderation.md#lexicons); repeatable")
      ->required();
  en->add_option("--allow", a->allow, "Allow-list file or folder; repeatable");
  en->add_option("--policy", a->policy, "Policy JSON file (default: flag every lexicon match)");
  en->add_flag("--json", a->json, "One JSON object: enabled, moderated_through_seq, findings");
  en->footer(
      "Paths are stored as absolute paths and loaded at every open for writing ('qun import', 'qun serve').\n"
      "Run it again to change lexicons or policy. Needs the writer lock: stop 'qun serve' first.");
  SetRun(en, [a] { return Enable(*a); });

  auto* dis =
      sub->add_subcommand("disable", "Turn inline moderation off (findings, queue and bans are kept)");
  AddDataDirOption(dis, &a->data_dir);
  dis->add_flag("--json", a->json, "One JSON object");
  dis->footer("Enabling again later moderates the events ingested in between.");
  SetRun(dis, [a] { return Disable(*a); });

  auto* st =
      sub->add_subcommand("status", "Whether moderation is on, its files, and how far ingest is moderated");
  AddDataDirOption(st, &a->data_dir);
  st->add_flag("--json", a->json, "One JSON object");
  SetRun(st, [a] { return ShowStatus(*a); });

  auto* fi = sub->add_subcommand(
      "findings", "Stored findings, newest first: seq, time, community, member, action, rules, masked text");
  AddDataDirOption(fi, &a->data_dir);
  fi->add_option("--community", a->community, "Only this community id");
  fi->add_option("--rule", a->rule, "Only findings of this rule id");
  fi->add_option("--member", a->member, "Only this member (platform:actor)");
  fi->add_option("--limit", a->limit, "At most N findings")->default_val(50)->check(CLI::Range(1, 100000));
  fi->add_flag("--json", a->json, "One JSON object {\"findings\":[…]}");
  SetRun(fi, [a] { return ListFindings(*a); });

  auto* bl = sub->add_subcommand("bans", "The shared ban list (every community and platform)");
  AddDataDirOption(bl, &a->data_dir);
  bl->add_flag("--json", a->json, "One JSON object {\"bans\":[…]}");
  SetRun(bl, [a] { return Bans(*a); });

  auto* ban =
      sub->add_subcommand("ban", "Put a member on the ban list (every message of theirs is then 'remove')");
  AddDataDirOption(ban, &a->data_dir);
  ban->add_option("MEMBER", a->member, "platform:actor")->required();
  ban->add_option("--reason", a->reason, "Why (kept with the ban)");
  ban->add_flag("--json", a->json, "One JSON object");
  SetRun(ban, [a] { return BanOrUnban(*a, true); });

  auto* unban = sub->add_subcommand("unban", "Remove a member from the ban list");
  AddDataDirOption(unban, &a->data_dir);
  unban->add_option("MEMBER", a->member, "platform:actor")->required();
  unban->add_flag("--json", a->json, "One JSON object");
  SetRun(unban, [a] { return BanOrUnban(*a, false); });
}

}  // namespace
}  // namespace qun::cli

QUN_REGISTER_COMMAND(moderation, 61, qun::cli::Setup);

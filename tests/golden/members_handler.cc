// Golden handlers "members" and "health".
//
// Input: canonical NDJSON events; "# batch" starts a new ingest batch and
// "# merge A B" merges the member of account B into the member of account A
// (ext ids on platform custom). Args: "as_of=YYYY-MM-DD" plus, for members,
// "view=profiles|overview|history" (default profiles) and "where=FILTER"
// (the rest of the line), and for health "lang=zh|en".
//
// members/profiles prints one line per person (first account, stage, level,
// lifetime counts, contribution, RFM, tags); overview prints the population
// JSON one key per line; history prints each person's level changes.
// health prints the total, grade and one line per indicator.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "common/strings.h"
#include "core/engine/engine.h"
#include "core/health/health.h"
#include "core/members/activity_ledger.h"
#include "core/members/members_json.h"
#include "core/members/segment_filter.h"
#include "core/moderation/tally.h"
#include "core/model/event_json.h"
#include "golden.h"

namespace {

using qun::Engine;

std::string Load(const qun::golden::Case& c, Engine& engine) {
  qun::EventParser parser;
  std::vector<qun::Event> batch;
  auto flush = [&] {
    if (batch.empty()) return;
    auto staged = engine.Stage(std::move(batch), engine.last_seq() + 1);
    engine.Apply(staged);
    batch.clear();
  };
  std::string errors;
  int line_no = 0;
  for (std::string_view line : qun::SplitString(c.input, '\n')) {
    ++line_no;
    line = qun::TrimWhitespace(line);
    if (line.empty()) continue;
    if (line == "# batch") {
      flush();
      continue;
    }
    if (line.substr(0, 8) == "# merge ") {
      flush();
      auto parts = qun::SplitString(line.substr(8), ' ');
      uint32_t a = engine.FindAccount(qun::Platform::kCustom, parts.at(0));
      uint32_t b = engine.FindAccount(qun::Platform::kCustom, parts.at(1));
      auto r = engine.Merge(engine.member_of(a), engine.member_of(b), "golden", 0);
      if (!r.ok()) errors += "merge: " + r.status().message() + "\n";
      continue;
    }
    if (line[0] == '#') continue;
    auto e = parser.Parse(line);
    if (!e.ok()) {
      errors += "line " + std::to_string(line_no) + ": " + e.status().message() + "\n";
      continue;
    }
    batch.push_back(std::move(*e));
  }
  flush();
  return errors;
}

std::string Arg(const std::string& args, std::string_view key) {
  size_t p = args.find(std::string(key) + "=");
  if (p == std::string::npos) return "";
  size_t start = p + key.size() + 1;
  if (key == "where") return args.substr(start);
  size_t end = args.find(' ', start);
  return args.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string RunMembers(const qun::golden::Case& c) {
  Engine engine;
  qun::AttachStandardModules(engine);
  std::string out = Load(c, engine);
  auto day = qun::ParseDate(Arg(c.args, "as_of"));
  if (!day.ok()) return out + "error: as_of: " + day.status().message() + "\n";
  const qun::ActivityLedger& ledger = engine.module<qun::MemberLedgerModule>()->ledger();
  qun::MemberTable t = qun::BuildMemberTable(engine, ledger, *day);
  std::string view = Arg(c.args, "view");
  if (view == "overview") {
    auto j = qun::MembersOverviewJson(t);
    for (auto it = j.begin(); it != j.end(); ++it) out += it.key() + ": " + it->dump() + "\n";
    return out;
  }
  auto filter = qun::SegmentFilter::Parse(Arg(c.args, "where"));
  if (!filter.ok()) return out + "error: " + filter.status().message() + "\n";
  for (size_t i = 0; i < t.profiles.size(); ++i) {
    const qun::MemberProfile& p = t.profiles[i];
    if (!filter->Matches(qun::SubjectFor(engine, t, i))) continue;
    std::string who = qun::AccountKey(engine, engine.members()[p.member].accounts.front());
    if (view == "history") {
      out += who + ":";
      for (const auto& h : qun::LevelHistory(t.timelines[i], t.day, t.config))
        out += " " + qun::FormatDate(h.day) + "=L" + std::to_string(h.level);
      out += "\n";
      continue;
    }
    const qun::DayCounts& n = p.facts.total;
    out += who + " stage=" + std::string(qun::StageName(p.stage)) + " level=L" + std::to_string(p.level) +
           " days=" + std::to_string(p.facts.active_days) + "/" + std::to_string(p.facts.active_days_window) +
           " msg=" + std::to_string(n.messages) + " rep=" + std::to_string(n.replies_given) + "/" +
           std::to_string(n.replies_received) + " ans=" + std::to_string(n.answers) +
           " rx=" + std::to_string(n.reactions_given) + "/" + std::to_string(n.reactions_received) +
           " ugc=" + std::to_string(n.ugc) + " inv=" + std::to_string(n.invites) + " gmv=" + std::to_string(n.gmv_minor) +
           " contrib=" + Num(p.contribution);
    if (p.rfm.tier != qun::RfmTier::kNone)
      out += " rfm=" + std::to_string(p.rfm.r) + std::to_string(p.rfm.f) + std::to_string(p.rfm.m) + ":" +
             std::string(qun::RfmTierSlug(p.rfm.tier));
    for (const auto& tag : p.tags) out += " #" + tag;
    out += "\n";
  }
  return out;
}

// "key=value" lines → HealthInputs (mode=inputs).
std::string ParseInputs(const std::string& text, qun::HealthInputs* in) {
  std::string errors;
  for (std::string_view line : qun::SplitString(text, '\n')) {
    line = qun::TrimWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    size_t eq = line.find('=');
    std::string key(line.substr(0, eq));
    double v = eq == std::string_view::npos ? 0 : std::strtod(std::string(line.substr(eq + 1)).c_str(), nullptr);
    std::optional<double>* slot = key == "stickiness"             ? &in->stickiness
                                  : key == "interaction_rate"     ? &in->interaction_rate
                                  : key == "newcomer_integration" ? &in->newcomer_integration
                                  : key == "retention_w1"         ? &in->retention_w1
                                  : key == "active_share"         ? &in->active_share
                                  : key == "core_share"           ? &in->core_share
                                  : key == "transition_rate"      ? &in->transition_rate
                                  : key == "silent_share"         ? &in->silent_share
                                  : key == "content_drift"        ? &in->content_drift
                                  : key == "click_through"        ? &in->click_through
                                  : key == "median_first_reply_s" ? &in->median_first_reply_s
                                  : key == "unanswered_share"     ? &in->unanswered_share
                                  : key == "reports_per_100"      ? &in->reports_per_100
                                  : key == "nps"                  ? &in->nps
                                  : key == "purchase_conversion"  ? &in->purchase_conversion
                                                                  : nullptr;
    if (slot) *slot = v;
    else errors += "unknown input " + key + "\n";
  }
  return errors;
}

std::string RunHealth(const qun::golden::Case& c) {
  Engine engine;
  qun::AttachStandardModules(engine);
  std::string out;
  std::string lang = Arg(c.args, "lang");
  qun::HealthInputs inputs;
  if (Arg(c.args, "mode") == "inputs") {
    out = ParseInputs(c.input, &inputs);
  } else {
    out = Load(c, engine);
    auto day = qun::ParseDate(Arg(c.args, "as_of"));
    if (!day.ok()) return out + "error: as_of: " + day.status().message() + "\n";
    // flagged=SEQ,SEQ…: messages inline moderation flagged (the tally the
    // workspace fills from moderation.db).
    std::string flagged = Arg(c.args, "flagged");
    auto* tally = engine.module<qun::moderation::ModerationTally>();
    for (std::string_view seq : qun::SplitString(flagged, ','))
      if (!seq.empty()) tally->Add(static_cast<uint32_t>(std::stoul(std::string(seq)) - 1));
    qun::HealthScope scope;
    scope.day = *day;
    inputs = qun::GatherHealthInputs(engine, scope);
  }
  qun::HealthScore s = qun::ScoreHealth(inputs);
  out += "score " + Num(s.total) + " grade " + s.grade + "\n";
  for (const auto& ind : s.indicators) {
    out += std::string(qun::IndicatorKey(ind.id)) + " " + Num(ind.score) + " value=" +
           (ind.value ? Num(std::round(*ind.value * 10000) / 10000) : "null") + (ind.no_data ? " no_data" : "") +
           (ind.weak ? " weak" : "") + "\n";
  }
  if (!lang.empty())
    for (const auto& ind : s.indicators)
      if (ind.weak) out += "> " + std::string(qun::IndicatorSuggestion(ind, lang)) + "\n";
  return out;
}

}  // namespace

QUN_GOLDEN_HANDLER(members, RunMembers);
QUN_GOLDEN_HANDLER(health, RunHealth);

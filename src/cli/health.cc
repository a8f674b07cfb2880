// qun health: the community health score — ten indicators, a 0–100 total,
// a maturity grade and a suggestion for every weak indicator
// (docs/health.md).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/intel_scope.h"
#include "core/health/health.h"
#include "core/health/health_json.h"
#include "store/workspace.h"

namespace qun::cli {
namespace {

// Pads `s` with spaces to `width` terminal columns (CJK characters take 2).
std::string PadColumns(const std::string& s, int width) {
  int cols = 0;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    cols += len >= 3 ? 2 : 1;
    i += len;
  }
  return s + std::string(cols < width ? width - cols : 1, ' ');
}

struct HealthFlags {
  std::string data_dir;
  ScopeText scope;
  std::string lang = "en";
  bool json = false;
};

Status Run(const HealthFlags& f) {
  if (f.lang != "en" && f.lang != "zh") return InvalidArgument("--lang '" + f.lang + "': expected zh or en");
  QUN_ASSIGN_OR_RETURN(auto ws, Workspace::Open(f.data_dir, {.read_only = true, .create = false}));
  auto lock = ws->ReadLock();
  const Engine& e = ws->engine();
  QUN_ASSIGN_OR_RETURN(ResolvedScope scope,
                       ResolveScope(e, f.scope, ParamStyle::kCliFlag, DefaultDay::kLastEventInScope));
  HealthScope hs;
  hs.community = scope.community;
  hs.tz = scope.tz;
  hs.day = scope.day;
  HealthScore score = ScoreHealth(GatherHealthInputs(e, hs));
  auto j = HealthJson(score, f.lang);
  if (!f.scope.community.empty()) j["community"] = f.scope.community;
  if (f.json) {
    std::printf("%s\n", j.dump().c_str());
    return Status::Ok();
  }
  const bool zh = f.lang == "zh";
  std::printf("%s %s: %.1f / 100  %s %s (%s)\n", zh ? "社群健康分" : "Community health",
              FormatDate(scope.day).c_str(), score.total, zh ? "等级" : "grade", score.grade.c_str(),
              std::string(GradeMaturity(score.grade, f.lang)).c_str());
  for (const HealthIndicator& ind : score.indicators) {
    int bars = static_cast<int>(ind.score + 0.5);
    std::string bar(bars, '#');
    bar += std::string(10 - bars, '.');
    std::printf("  %4.1f %s  %s%s\n", ind.score, bar.c_str(),
                PadColumns(std::string(IndicatorName(ind.id, f.lang)), 32).c_str(), IndicatorValueText(ind, f.lang).c_str());
  }
  bool any = false;
  for (const HealthIndicator& ind : score.indicators) {
    if (!ind.weak) continue;
    if (!any) std::printf("\n%s\n", zh ? "建议：" : "Suggestions:");
    any = true;
    std::printf("  - [%s] %s\n", std::string(IndicatorName(ind.id, f.lang)).c_str(),
                std::string(IndicatorSuggestion(ind, f.lang)).c_str());
  }
  return Status::Ok();
}

void Setup(CLI::App& root) {
  static HealthFlags flags;
  auto* f = &flags;
  auto* sub = root.add_subcommand(
      "health",
      "Community health score: ten indicators worth 10 points each (activity, interaction, newcomer integration,\n"
      "retention, pyramid, silent share, content, responsiveness, complaints, conversion & NPS), a 0-100 total\n"
      "with a maturity grade, and a concrete suggestion for every weak indicator (docs/health.md).");
  AddDataDirOption(sub, &f->data_dir);
  AddScopeOptions(sub, &f->scope);
  sub->add_option("--lang", f->lang, "Language of names and suggestions: zh | en")->default_val("en");
  sub->add_flag("--json", f->json, "Print one JSON object {score, grade, indicators[10], …}");
  SetRun(sub, [f] { return Run(*f); });
}

}  // namespace
}  // namespace qun::cli

QUN_REGISTER_COMMAND(health, 60, qun::cli::Setup);

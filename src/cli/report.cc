// qun report: the weekly community health report as one self-contained HTML
// page (inline SVG charts, print styles), Markdown or JSON, in zh or en
// (docs/health.md §5).
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/intel_scope.h"
#include "core/report/weekly_report.h"
#include "store/workspace.h"

namespace qun::cli {
namespace {

struct ReportFlags {
  std::string data_dir;
  ScopeText scope;
  std::string format = "html";
  std::string lang = "en";
  std::string week;
  std::string out;
};

Status Run(const ReportFlags& f) {
  if (f.lang != "en" && f.lang != "zh") return InvalidArgument("--lang '" + f.lang + "': expected zh or en");
  if (f.format != "html" && f.format != "md" && f.format != "json")
    return InvalidArgument("--format '" + f.format + "': expected html, md or json");
  QUN_ASSIGN_OR_RETURN(auto ws, Workspace::Open(f.data_dir, {.read_only = true, .create = false}));
  std::string text;
  {
    auto lock = ws->ReadLock();
    const Engine& e = ws->engine();
    QUN_ASSIGN_OR_RETURN(ResolvedScope scope,
                       ResolveScope(e, f.scope, ParamStyle::kCliFlag, DefaultDay::kLastEventInScope));
    if (scope.empty) return FailedPrecondition("no events in scope: import data first (qun import)");
    ReportOptions opt;
    opt.community = scope.community;
    opt.community_label = f.scope.community;
    opt.tz = scope.tz;
    opt.lang = f.lang;
    if (f.week.empty()) {
      opt.week_start = DefaultReportWeek(scope.last_day);
    } else {
      auto w = ParseIsoWeek(f.week);
      if (!w.ok()) return InvalidArgument("--week: " + w.status().message());
      opt.week_start = *w;
    }
    auto report = BuildWeeklyReport(e, opt);
    text = f.format == "json" ? RenderReportJson(report)
           : f.format == "md" ? RenderReportMarkdown(report)
                              : RenderReportHtml(report);
  }
  if (f.out.empty() || f.out == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return Status::Ok();
  }
  // Write beside, then rename, so a reader never sees half a report.
  std::string tmp = f.out + ".tmp";
  {
    std::ofstream o(tmp, std::ios::binary | std::ios::trunc);
    if (!o) return InvalidArgument("--out: cannot write " + tmp);
    o.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!o.flush()) return Internal("--out: write failed for " + tmp);
  }
  if (std::rename(tmp.c_str(), f.out.c_str()) != 0) return Internal("--out: cannot rename " + tmp + " to " + f.out);
  std::fprintf(stderr, "wrote %s (%zu bytes)\n", f.out.c_str(), text.size());
  return Status::Ok();
}

void Setup(CLI::App& root) {
  static ReportFlags flags;
  auto* f = &flags;
  auto* sub = root.add_subcommand(
      "report",
      "Weekly community health report: health score with suggestions, activity, stages, pyramid, 80/20,\n"
      "top contributors, content mix. One self-contained HTML file (prints well), Markdown or JSON.");
  AddDataDirOption(sub, &f->data_dir);
  AddScopeOptions(sub, &f->scope, /*with_as_of=*/false);
  sub->add_option("--format", f->format, "html | md | json")->default_val("html");
  sub->add_option("--lang", f->lang, "zh | en")->default_val("en");
  sub->add_option("--week", f->week, "ISO week YYYY-Www (default: the last complete ISO week in the data)");
  sub->add_option("--out", f->out, "Output file (default: stdout)");
  SetRun(sub, [f] { return Run(*f); });
}

}  // namespace
}  // namespace qun::cli

QUN_REGISTER_COMMAND(report, 61, qun::cli::Setup);

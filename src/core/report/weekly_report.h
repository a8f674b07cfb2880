// The weekly community health report (docs/health.md §5): one document built
// from the engine for an ISO week, rendered as JSON, Markdown, or one
// self-contained HTML page with inline SVG charts and print styles.
//
// BuildWeeklyReport gathers every number (health score for the week's last
// day and the week before, activity series, joins/leaves, members overview,
// top contributors, content mix); the renderers only format that document,
// so the three formats always agree.
//
// Thread-safety: BuildWeeklyReport runs under the workspace read lock; the
// renderers are pure.
#ifndef QUN_CORE_REPORT_WEEKLY_REPORT_H_
#define QUN_CORE_REPORT_WEEKLY_REPORT_H_

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "common/time.h"
#include "core/engine/engine.h"

namespace qun {

struct ReportOptions {
  uint32_t community = kNone;
  std::string community_label;  // as the operator named it ("" = all)
  TimeZone tz = TimeZone::Utc();
  int32_t week_start = 0;       // Monday of the ISO week (local day)
  std::string lang = "en";      // "zh" or "en"
};

// The report document (shape: docs/health.md §5).
nlohmann::ordered_json BuildWeeklyReport(const Engine& engine, const ReportOptions& opt);

// Default week: the last complete ISO week in the data — the week of
// `last_day` when it is a Sunday, else the week before. Returns its Monday.
int32_t DefaultReportWeek(int32_t last_day);

std::string RenderReportJson(const nlohmann::ordered_json& report);
std::string RenderReportMarkdown(const nlohmann::ordered_json& report);
std::string RenderReportHtml(const nlohmann::ordered_json& report);

}  // namespace qun

#endif  // QUN_CORE_REPORT_WEEKLY_REPORT_H_

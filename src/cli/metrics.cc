// qun metrics <name>: live community metrics (docs/metrics.md).
// --json prints the document MetricsJson builds (the same as the HTTP API);
// otherwise a human table.
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "core/metrics/metrics_json.h"
#include "store/workspace.h"

namespace qun::cli {
namespace {

struct MetricsFlags {
  std::string data_dir;
  std::string name;
  metrics::Params params;
  bool json = false;
};

std::string Cell(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "-";
  return v.dump();
}

// Arrays of objects become tables; other values "key: value" lines.
void PrintHuman(const nlohmann::json& j) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    const auto& v = *it;
    if (v.is_array() && !v.empty() && v[0].is_object()) {
      std::vector<std::string> cols;
      for (auto c = v[0].begin(); c != v[0].end(); ++c) cols.push_back(c.key());
      std::vector<size_t> width;
      for (const auto& c : cols) width.push_back(c.size());
      for (const auto& row : v)
        for (size_t i = 0; i < cols.size(); ++i) width[i] = std::max(width[i], Cell(row.value(cols[i], nlohmann::json())).size());
      std::printf("%s:\n", it.key().c_str());
      std::string line;
      for (size_t i = 0; i < cols.size(); ++i) line += fmt::format("  {:<{}}", cols[i], width[i]);
      std::printf("%s\n", line.c_str());
      for (const auto& row : v) {
        line.clear();
        for (size_t i = 0; i < cols.size(); ++i)
          line += fmt::format("  {:<{}}", Cell(row.value(cols[i], nlohmann::json())), width[i]);
        std::printf("%s\n", line.c_str());
      }
    } else if (it.key() == "messages" && v.is_array()) {  // peak-hours grid
      std::printf("messages (rows Mon..Sun, columns local hour 0..23):\n");
      for (const auto& row : v) {
        std::string line;
        for (const auto& c : row) line += fmt::format("{:>6}", c.dump());
        std::printf("%s\n", line.c_str());
      }
    } else {
      std::printf("%s: %s\n", it.key().c_str(), Cell(v).c_str());
    }
  }
}

Status RunMetrics(const MetricsFlags& f) {
  QUN_ASSIGN_OR_RETURN(auto ws, Workspace::Open(f.data_dir, {.read_only = true, .create = false}));
  auto lock = ws->ReadLock();
  QUN_ASSIGN_OR_RETURN(auto j, metrics::MetricsJson(ws->engine(), f.name, f.params));
  if (f.json) std::printf("%s\n", j.dump().c_str());
  else PrintHuman(j);
  return Status::Ok();
}

void Setup(CLI::App& root) {
  auto f = std::make_shared<MetricsFlags>();
  std::string names;
  for (auto n : metrics::MetricNames()) names += (names.empty() ? "" : ", ") + std::string(n);
  auto* sub = root.add_subcommand(
      "metrics",
      "Community metrics, computed from live aggregates (formulas: docs/metrics.md).\n"
      "Metrics: " + names + ".\n"
      "Examples:\n"
      "  qun metrics active --granularity day --community g1 --from 2026-01-01 --to 2026-03-31 --tz Asia/Shanghai\n"
      "  qun metrics retention --granularity week --json\n"
      "  qun metrics funnel --steps content.clicked,visit,signup,order.paid --window 604800");
  AddDataDirOption(sub, &f->data_dir);
  sub->add_option("name", f->name, "Metric: " + names)->required();
  struct Opt {
    const char* flag;
    const char* key;
    const char* help;
  };
  static const Opt kOpts[] = {
      {"--community", "community", "Community id on its platform (platform:id when ambiguous); default: whole workspace"},
      {"--from", "from", "First local day YYYY-MM-DD (default: first day with data)"},
      {"--to", "to", "Last local day YYYY-MM-DD (default: last day with data)"},
      {"--tz", "tz", "IANA time zone for day boundaries (default UTC)"},
      {"--granularity", "granularity", "day|week|month (active: day; retention, lifecycle, interaction: default week; revenue-cohorts: default month)"},
      {"--n", "n", "retention-trend: period offset N (1 = next-day/week/month retention)"},
      {"--steps", "steps", "funnel: comma-separated event types, in order"},
      {"--window", "window", "funnel: seconds from the first step within which later steps count (default 604800)"},
      {"--series", "series", "anomalies: dau|wau|mau|messages|joins|leaves|interacting|questions|orders|gmv"},
      {"--weeks", "weeks", "anomalies: same-weekday history length in weeks (default 8)"},
      {"--top", "top", "referral: inviters to list (default 20)"},
      {"--lifetime-months", "lifetime_months", "value: expected member lifetime in months for LTV (default 12)"},
  };
  for (const Opt& o : kOpts) sub->add_option(o.flag, f->params[o.key], o.help);
  sub->add_flag("--json", f->json, "Print one JSON document (same as GET /v1/metrics/<name>)");
  SetRun(sub, [f] { return RunMetrics(*f); });
}

}  // namespace
}  // namespace qun::cli

QUN_REGISTER_COMMAND(metrics, 40, qun::cli::Setup);

// Golden handler "metrics": the input is canonical NDJSON events (a line
// "# batch" starts a new ingest batch, so out-of-order arrival can be
// staged); the case args are "<metric> key=value …" (the parameters of
// MetricsJson). A line "# merge A B" merges the member of account B into the
// member of account A (ext ids on platform custom) at that point. Output:
// the metric's JSON, one top-level key per line, arrays one element a line.
#include <nlohmann/json.hpp>

#include "common/strings.h"
#include "core/engine/engine.h"
#include "core/metrics/metrics_json.h"
#include "core/model/event_json.h"
#include "golden.h"

namespace {

std::string Render(const nlohmann::json& j) {
  std::string out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it->is_array() && !it->empty() && (*it)[0].is_object()) {
      out += it.key() + ":\n";
      for (const auto& e : *it) out += "  " + e.dump() + "\n";
    } else {
      out += it.key() + ": " + it->dump() + "\n";
    }
  }
  return out;
}

std::string RunMetrics(const qun::golden::Case& c) {
  qun::Engine engine;
  qun::AttachStandardModules(engine);
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
  auto words = qun::SplitString(c.args, ' ');
  std::string metric(words.empty() ? "" : words[0]);
  qun::metrics::Params params;
  for (size_t i = 1; i < words.size(); ++i) {
    auto eq = words[i].find('=');
    if (eq == std::string_view::npos) continue;
    params[std::string(words[i].substr(0, eq))] = std::string(words[i].substr(eq + 1));
  }
  auto j = qun::metrics::MetricsJson(engine, metric, params);
  if (!j.ok()) return errors + "error: " + j.status().message() + "\n";
  return errors + Render(*j);
}

}  // namespace

QUN_GOLDEN_HANDLER(metrics, RunMetrics);

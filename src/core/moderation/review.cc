#include "core/moderation/review.h"

#include <algorithm>

#include "common/strings.h"

namespace qun::moderation {

std::string_view ReviewStatusName(ReviewStatus s) {
  switch (s) {
    case ReviewStatus::kPending: return "pending";
    case ReviewStatus::kConfirmed: return "confirmed";
    case ReviewStatus::kOverturned: return "overturned";
  }
  return "pending";
}

std::optional<ReviewStatus> ParseReviewStatus(std::string_view name) {
  for (auto s : {ReviewStatus::kPending, ReviewStatus::kConfirmed, ReviewStatus::kOverturned})
    if (ReviewStatusName(s) == name) return s;
  return std::nullopt;
}

std::string_view DecisionName(Decision d) { return d == Decision::kConfirm ? "confirm" : "overturn"; }

std::optional<Decision> ParseDecision(std::string_view name) {
  if (name == "confirm") return Decision::kConfirm;
  if (name == "overturn") return Decision::kOverturn;
  return std::nullopt;
}

std::vector<std::string> RulesOf(const ModerationResult& r) {
  std::vector<std::string> rules;
  for (const Finding& f : r.findings)
    if (std::find(rules.begin(), rules.end(), f.rule) == rules.end()) rules.push_back(f.rule);
  return rules;
}

std::string FindingsJson(const ModerationResult& r) {
  std::string out = "[";
  for (size_t i = 0; i < r.findings.size(); ++i) {
    const Finding& f = r.findings[i];
    if (i > 0) out += ',';
    out += "{\"rule\":";
    AppendJsonString(out, f.rule);
    out += ",\"source\":";
    AppendJsonString(out, f.source);
    out += ",\"word\":";
    AppendJsonString(out, f.word);
    out += ",\"category\":";
    AppendJsonString(out, f.category);
    out += ",\"severity\":" + std::to_string(f.severity) + ",\"start\":" + std::to_string(f.start) +
           ",\"end\":" + std::to_string(f.end) + ",\"action\":";
    AppendJsonString(out, ActionName(f.action));
    out += '}';
  }
  out += ']';
  return out;
}

void ComputeFalsePositiveRate(RuleOutcome* o) {
  int64_t decided = o->confirmed + o->overturned;
  if (decided == 0) o->false_positive_rate.reset();
  else o->false_positive_rate = static_cast<double>(o->overturned) / static_cast<double>(decided);
}

Status ValidateDecision(std::string_view reviewer, std::string_view note) {
  if (TrimWhitespace(reviewer).empty()) return InvalidArgument("reviewer: required (who decided)");
  if (reviewer.size() > 200) return InvalidArgument("reviewer: longer than 200 bytes");
  if (note.size() > 2000) return InvalidArgument("note: longer than 2000 bytes");
  if (FindInvalidUtf8(reviewer) || FindInvalidUtf8(note)) return InvalidArgument("reviewer/note: invalid UTF-8");
  return Status::Ok();
}

}  // namespace qun::moderation

#include "core/health/health_json.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/engine/scope.h"

namespace qun {
namespace {

using Json = nlohmann::ordered_json;

Json Opt(const std::optional<double>& v) {
  return v ? Json(std::round(*v * 10000.0) / 10000.0) : Json(nullptr);
}

}  // namespace

Json HealthJson(const HealthScore& s, std::string_view lang) {
  const HealthInputs& in = s.inputs;
  Json j;
  j["score"] = s.total;
  j["grade"] = s.grade;
  j["maturity"] = GradeMaturity(s.grade, lang);
  j["as_of"] = in.day == kNoDay ? Json(nullptr) : Json(FormatDate(in.day));
  j["lang"] = lang == "zh" ? "zh" : "en";
  Json inds = Json::array();
  for (const HealthIndicator& ind : s.indicators) {
    std::string_view sug = IndicatorSuggestion(ind, lang);
    inds.push_back(Json{{"id", IndicatorKey(ind.id)},
                        {"name", IndicatorName(ind.id, lang)},
                        {"score", ind.score},
                        {"max", 10},
                        {"value", Opt(ind.value)},
                        {"value_text", IndicatorValueText(ind, lang)},
                        {"weak", ind.weak},
                        {"no_data", ind.no_data},
                        {"suggestion", sug.empty() ? Json(nullptr) : Json(sug)}});
  }
  j["indicators"] = inds;
  j["inputs"] = Json{{"stickiness", Opt(in.stickiness)},
                     {"interaction_rate", Opt(in.interaction_rate)},
                     {"newcomers", in.newcomers},
                     {"newcomer_integration", Opt(in.newcomer_integration)},
                     {"retention_w1", Opt(in.retention_w1)},
                     {"active_share", Opt(in.active_share)},
                     {"core_share", Opt(in.core_share)},
                     {"transition_rate", Opt(in.transition_rate)},
                     {"silent_share", Opt(in.silent_share)},
                     {"content_drift", Opt(in.content_drift)},
                     {"click_through", Opt(in.click_through)},
                     {"median_first_reply_s", Opt(in.median_first_reply_s)},
                     {"unanswered_share", Opt(in.unanswered_share)},
                     {"reports", in.reports},
                     {"moderation_flags", in.moderation_flags},
                     {"members", in.members},
                     {"reports_per_100", Opt(in.reports_per_100)},
                     {"nps", Opt(in.nps)},
                     {"purchase_conversion", Opt(in.purchase_conversion)}};
  return j;
}

Result<Json> HealthQueryJson(const Engine& engine, const HealthParams& params) {
  auto get = [&](std::string_view k) -> std::string {
    auto it = params.find(k);
    return it == params.end() ? std::string() : it->second;
  };
  for (const auto& [k, v] : params)
    if (k != "community" && k != "as_of" && k != "tz" && k != "lang")
      return InvalidArgument("parameter '" + k + "': unknown (community, as_of, tz, lang)");
  std::string lang = get("lang").empty() ? "en" : get("lang");
  if (lang != "en" && lang != "zh") return InvalidArgument("parameter 'lang': expected zh or en");
  ScopeText text{.community = get("community"), .as_of = get("as_of"), .tz = get("tz")};
  QUN_ASSIGN_OR_RETURN(ResolvedScope rs,
                       ResolveScope(engine, text, ParamStyle::kApi, DefaultDay::kLastEventInScope));
  if (text.as_of.empty() && rs.empty) return FailedPrecondition("no events in scope");
  HealthScope scope;
  scope.community = rs.community;
  scope.tz = rs.tz;
  scope.day = rs.day;
  Json j = HealthJson(ScoreHealth(GatherHealthInputs(engine, scope)), lang);
  if (!get("community").empty()) j["community"] = get("community");
  return j;
}

}  // namespace qun

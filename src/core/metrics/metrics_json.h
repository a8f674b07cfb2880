// The JSON face of the metrics module, shared by `qun metrics <name> --json`
// and `GET /v1/metrics/<name>?...` so both print exactly the same document.
// Shapes are specified in docs/metrics.md.
//
// Parameters (all optional strings, as in a URL query or CLI flags):
//   community    platform community id, or "platform:id" when ambiguous
//   from, to     YYYY-MM-DD, inclusive local days
//   tz           IANA zone name (default UTC)
//   granularity  day | week | month (retention, lifecycle, interaction,
//                revenue-cohorts)
//   n            retention-trend period offset (default 1)
//   steps        funnel: comma-separated event types; window: seconds
//   series       anomalies: dau|wau|mau|messages|joins|leaves|interacting|
//                questions|orders|gmv (default dau)
//   top          referral: inviters listed (default 20)
//   lifetime_months  value: expected lifetime for LTV (default 12)
//
// Thread-safety: call under the workspace read lock.
#ifndef QUN_CORE_METRICS_METRICS_JSON_H_
#define QUN_CORE_METRICS_METRICS_JSON_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/engine/engine.h"
#include "qun/status.h"

namespace qun::metrics {

using Params = std::map<std::string, std::string, std::less<>>;

// Metric names accepted by MetricsJson, in documentation order.
const std::vector<std::string_view>& MetricNames();

// Computes metric `name` over `engine` (which must have a MetricsModule).
// InvalidArgument for an unknown name or a bad parameter (the message names
// the parameter), NotFound for an unknown community, FailedPrecondition when
// the engine has no metrics module.
Result<nlohmann::json> MetricsJson(const Engine& engine, std::string_view name, const Params& params);

// Resolves a community parameter ("id" or "platform:id") to an engine index.
Result<uint32_t> ResolveCommunity(const Engine& engine, std::string_view community);

}  // namespace qun::metrics

#endif  // QUN_CORE_METRICS_METRICS_JSON_H_

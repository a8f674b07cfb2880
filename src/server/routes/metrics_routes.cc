// GET /v1/metrics/{name} for every metric of docs/metrics.md (viewer). The
// body is exactly what `qun metrics <name> --json` prints for the same
// parameters: both call metrics::MetricsJson.
#include <nlohmann/json.hpp>

#include "core/metrics/metrics_json.h"
#include "server/router.h"
#include "store/workspace.h"

namespace qun::server {

void RegisterMetricsRoutes(Router& r) {
  for (std::string_view name : metrics::MetricNames()) {
    std::string n(name);
    r.Add("GET", "/v1/metrics/" + n, Role::kViewer, [n](ServerContext& c, const ApiRequest& q) -> Result<ApiResponse> {
      metrics::Params p;
      for (const auto& [k, v] : q.query) p[k] = v;
      auto lock = c.workspace->ReadLock();
      QUN_ASSIGN_OR_RETURN(nlohmann::json j, metrics::MetricsJson(c.workspace->engine(), n, p));
      return ApiResponse{200, j.dump(), "application/json"};
    });
  }
}

}  // namespace qun::server

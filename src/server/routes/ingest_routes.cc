// POST /v1/events: canonical NDJSON in, the `qun import --json` summary out,
// answered only after the batch's transaction committed; recorded in the
// imports log like `qun import`.
#include <nlohmann/json.hpp>

#include "server/ndjson_body.h"
#include "server/router.h"
#include "server/server_metrics.h"
#include "store/workspace.h"

namespace qun::server {

void RegisterIngestRoutes(Router& r) {
  r.Add("POST", "/v1/events", Role::kOperator, [](ServerContext& c, const ApiRequest& q) -> Result<ApiResponse> {
    std::string skip = q.Query("skip_invalid", "false");
    if (skip != "true" && skip != "false") return InvalidArgument("parameter 'skip_invalid': expected true or false");
    bool skip_invalid = skip == "true";
    ParsedBody partial;
    auto parsed = ParseNdjsonBody(q.body, skip_invalid, c.max_events_per_request, &partial);
    if (!parsed.ok()) {
      const Status& st = parsed.status();
      nlohmann::json details = {{"line", partial.error_line}};
      if (st.code() == StatusCode::kResourceExhausted) {
        details["limit"] = "request_bytes";
        details["max_events"] = c.max_events_per_request;
        return ApiResponse::Error(st, details, "request_bytes");
      }
      return ApiResponse::Error(st, details);
    }
    ParsedBody body = std::move(parsed).value();
    IngestSummary sum;
    if (!body.events.empty()) {
      QUN_ASSIGN_OR_RETURN(sum, c.workspace->IngestBatch(std::move(body.events)));
    }
    sum.rejected = body.rejected;
    c.metrics->AddIngest(sum.imported, sum.duplicates, sum.rejected);
    // The imports log gets one row per request that changed something (a
    // retry of an acknowledged batch is all duplicates and adds no row).
    if (sum.imported > 0 || sum.rejected > 0) {
      QUN_RETURN_IF_ERROR(c.workspace->RecordImport("api:POST /v1/events token=" + q.principal.name, sum));
    }
    nlohmann::json j = {{"imported", sum.imported}, {"duplicates", sum.duplicates}, {"rejected", sum.rejected}};
    if (skip_invalid) {
      nlohmann::json rejects = nlohmann::json::array();
      for (const auto& rj : body.rejects) rejects.push_back({{"line", rj.line}, {"error", rj.error}});
      j["rejects"] = rejects;
    }
    return ApiResponse::Json(j);
  });
}

}  // namespace qun::server

// GET /v1/openapi.json (public), GET /v1/whoami, and token administration
// (admin only): GET/POST /v1/tokens, DELETE /v1/tokens/{id}.
#include <nlohmann/json.hpp>

#include "common/time.h"
#include "server/assets.h"
#include "server/auth.h"
#include "server/router.h"

namespace qun::server {
namespace {

nlohmann::json TokenJson(const TokenRecord& r) {
  return {{"id", r.id},
          {"name", r.name},
          {"role", r.role},
          {"created", FormatRfc3339(r.created_ms)},
          {"revoked", r.revoked_ms ? nlohmann::json(FormatRfc3339(*r.revoked_ms)) : nlohmann::json()}};
}

}  // namespace

void RegisterSystemRoutes(Router& r) {
  r.Add("GET", "/v1/openapi.json", Role::kPublic, [](ServerContext&, const ApiRequest&) -> Result<ApiResponse> {
    return ApiResponse{200, std::string(OpenApiJson()), "application/json"};
  });
  r.Add("GET", "/v1/whoami", Role::kViewer, [](ServerContext&, const ApiRequest& q) -> Result<ApiResponse> {
    return ApiResponse::Json(nlohmann::json{
        {"token_id", q.principal.token_id}, {"name", q.principal.name}, {"role", RoleName(q.principal.role)}});
  });
  r.Add("GET", "/v1/tokens", Role::kAdmin, [](ServerContext& c, const ApiRequest&) -> Result<ApiResponse> {
    QUN_ASSIGN_OR_RETURN(auto list, c.auth->List());
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& t : list) arr.push_back(TokenJson(t));
    return ApiResponse::Json(nlohmann::json{{"tokens", arr}});
  });
  r.Add("POST", "/v1/tokens", Role::kAdmin, [](ServerContext& c, const ApiRequest& q) -> Result<ApiResponse> {
    nlohmann::json body = nlohmann::json::parse(q.body, nullptr, false);
    if (!body.is_object() || !body.contains("name") || !body["name"].is_string() || !body.contains("role") ||
        !body["role"].is_string())
      return InvalidArgument("body must be a JSON object {\"name\": string, \"role\": admin|operator|analyst|viewer}");
    QUN_ASSIGN_OR_RETURN(Role role, ParseRole(body["role"].get<std::string>()));
    QUN_ASSIGN_OR_RETURN(auto created, c.auth->Create(body["name"].get<std::string>(), role));
    nlohmann::json j = TokenJson(created.first);
    j["token"] = created.second;  // shown once
    return ApiResponse::Json(j, 201);
  });
  r.Add("DELETE", "/v1/tokens/{id}", Role::kAdmin, [](ServerContext& c, const ApiRequest& q) -> Result<ApiResponse> {
    QUN_ASSIGN_OR_RETURN(int n, c.auth->Revoke(q.Param("id")));
    return ApiResponse::Json(nlohmann::json{{"revoked", n}});
  });
}

}  // namespace qun::server

#include "server/router.h"

#include <gtest/gtest.h>

#include <set>

#include <nlohmann/json.hpp>

#include "server/assets.h"
#include "server/http_errors.h"

namespace qun::server {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The OpenAPI document served at /v1/openapi.json and the route table list
// the same operations with the same minimum roles.
TEST(OpenApi, DocumentMatchesRouter) {
  Router router;
  RegisterAllRoutes(router);
  auto doc = nlohmann::json::parse(OpenApiJson(), nullptr, false);
  ASSERT_TRUE(doc.is_object()) << "embedded openapi.json does not parse";
  ASSERT_EQ(doc["openapi"].get<std::string>().substr(0, 2), "3.");
  std::set<std::pair<std::string, std::string>> in_router, in_doc;
  for (const Route& r : router.routes()) {
    in_router.insert({Lower(r.method), r.pattern});
    auto path = doc["paths"].find(r.pattern);
    ASSERT_NE(path, doc["paths"].end()) << r.method << " " << r.pattern << " is served but not documented";
    auto op = path->find(Lower(r.method));
    ASSERT_NE(op, path->end()) << r.method << " " << r.pattern << " is served but not documented";
    EXPECT_EQ((*op)["x-min-role"], RoleName(r.min_role)) << r.method << " " << r.pattern;
  }
  for (const auto& [path, ops] : doc["paths"].items()) {
    if (path.rfind("/v1/", 0) != 0) continue;  // /healthz, /readyz, /metrics are served outside the router
    for (const auto& [method, op] : ops.items()) {
      in_doc.insert({method, path});
      EXPECT_TRUE(in_router.count({method, path})) << method << " " << path << " is documented but not served";
    }
  }
  EXPECT_EQ(in_router.size(), router.routes().size()) << "a route is registered twice";
}

TEST(Router, MatchesParamsAndPrefersLiterals) {
  Router r;
  auto h = [](ServerContext&, const ApiRequest&) -> Result<ApiResponse> { return ApiResponse{}; };
  r.Add("GET", "/v1/members/{id}", Role::kAnalyst, h);
  r.Add("GET", "/v1/members/search", Role::kAnalyst, h);
  r.Add("GET", "/v1/members/{id}/timeline", Role::kAnalyst, h);
  auto m = r.Find("GET", "/v1/members/42/timeline");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/v1/members/{id}/timeline");
  EXPECT_EQ(m.params["id"], "42");
  m = r.Find("GET", "/v1/members/search");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/v1/members/search");
  m = r.Find("POST", "/v1/members/7");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.method_mismatch);
  m = r.Find("GET", "/v1/nothing");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_FALSE(m.method_mismatch);
}

TEST(HttpErrors, OneMappingAndStructuredBody) {
  EXPECT_EQ(HttpStatusFor(InvalidArgument("x")), 400);
  EXPECT_EQ(HttpStatusFor(Unauthenticated("x")), 401);
  EXPECT_EQ(HttpStatusFor(PermissionDenied("x")), 403);
  EXPECT_EQ(HttpStatusFor(NotFound("x")), 404);
  EXPECT_EQ(HttpStatusFor(AlreadyExists("x")), 409);
  EXPECT_EQ(HttpStatusFor(ResourceExhausted("x")), 429);
  EXPECT_EQ(HttpStatusFor(ResourceExhausted("x"), "request_bytes"), 413);
  EXPECT_EQ(HttpStatusFor(Unavailable("x")), 503);
  EXPECT_EQ(HttpStatusFor(DataLoss("x")), 500);
  auto j = nlohmann::json::parse(ErrorBody(NotFound("no member 9"), {{"id", 9}}));
  EXPECT_EQ(j["error"]["code"], "not_found");
  EXPECT_EQ(j["error"]["message"], "no member 9");
  EXPECT_EQ(j["error"]["details"]["id"], 9);
}

}  // namespace
}  // namespace qun::server

// Router: the table of API routes. Each route names its method, a path
// pattern with {name} segments, the minimum role, and a handler; route files
// (src/server/routes/*.cc) add their routes in Register*Routes functions that
// server.cc calls. The same table drives dispatch, the per-route metrics
// labels and the OpenAPI consistency test, so nothing is served undocumented.
//
// Thread-safety: build the router before serving; afterwards Match and the
// handlers are called concurrently (handlers take the workspace locks they
// need).
#ifndef QUN_SERVER_ROUTER_H_
#define QUN_SERVER_ROUTER_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "qun/status.h"
#include "server/auth.h"

namespace qun {
class Workspace;
}

namespace qun::server {

class Authenticator;
class ServerMetrics;

// What a handler may use. All pointers outlive the server.
struct ServerContext {
  Workspace* workspace = nullptr;
  Authenticator* auth = nullptr;
  ServerMetrics* metrics = nullptr;
  size_t max_events_per_request = 0;
};

struct ApiRequest {
  std::string method;
  std::string path;
  std::map<std::string, std::string, std::less<>> params;  // {name} path segments
  std::map<std::string, std::string, std::less<>> query;   // last value wins
  std::string body;
  std::string content_type;
  Principal principal;

  // The query parameter, or `def` when absent.
  std::string Query(std::string_view name, std::string_view def = {}) const;
  const std::string& Param(std::string_view name) const;
};

struct ApiResponse {
  int status = 200;
  std::string body;  // JSON unless content_type says otherwise
  std::string content_type = "application/json";

  static ApiResponse Json(const nlohmann::json& j, int status = 200);
  static ApiResponse Json(const nlohmann::ordered_json& j, int status = 200);
  // The structured error document with the status mapped by HttpStatusFor.
  static ApiResponse Error(const Status& s, const nlohmann::json& details = nlohmann::json::object(),
                           std::string_view limit = {});
};

using Handler = std::function<Result<ApiResponse>(ServerContext&, const ApiRequest&)>;

struct Route {
  std::string method;   // GET | POST | DELETE | PUT
  std::string pattern;  // "/v1/members/{id}/timeline"
  Role min_role = Role::kViewer;
  Handler handler;
  std::vector<std::string> segments;  // pattern split on '/'
};

class Router {
 public:
  void Add(std::string method, std::string pattern, Role min_role, Handler handler);
  const std::vector<Route>& routes() const { return routes_; }

  struct Match {
    const Route* route = nullptr;  // null: no route for the path
    bool method_mismatch = false;  // the path exists with another method
    std::map<std::string, std::string, std::less<>> params;
  };
  Match Find(std::string_view method, std::string_view path) const;

 private:
  std::vector<Route> routes_;
};

// Route registration, one function per route file.
void RegisterSystemRoutes(Router& r);    // routes/system_routes.cc (openapi, whoami, tokens)
void RegisterIngestRoutes(Router& r);    // routes/ingest_routes.cc
void RegisterStatsRoutes(Router& r);     // routes/stats_routes.cc (stats, communities)
void RegisterMemberRoutes(Router& r);    // routes/member_routes.cc
void RegisterMetricsRoutes(Router& r);   // routes/metrics_routes.cc
void RegisterIntelRoutes(Router& r);     // routes/intel_routes.cc (members list, pyramid, RFM, tags,
                                         // segments, health, weekly report)
void RegisterModerationRoutes(Router& r);  // routes/moderation_routes.cc (moderate, review, findings, bans)
// All of the above, in order.
void RegisterAllRoutes(Router& r);

// Parses "2024-01-31"-style parameters etc. Helpers for handlers.
Result<uint64_t> ParseUintParam(std::string_view name, std::string_view value, uint64_t max);

}  // namespace qun::server

#endif  // QUN_SERVER_ROUTER_H_

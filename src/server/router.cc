#include "server/router.h"

#include <charconv>

#include <fmt/format.h>

#include "common/strings.h"
#include "server/http_errors.h"

namespace qun::server {
namespace {

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.emplace_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

}  // namespace

std::string ApiRequest::Query(std::string_view name, std::string_view def) const {
  auto it = query.find(name);
  return it == query.end() ? std::string(def) : it->second;
}

const std::string& ApiRequest::Param(std::string_view name) const {
  static const std::string kEmpty;
  auto it = params.find(name);
  return it == params.end() ? kEmpty : it->second;
}

ApiResponse ApiResponse::Json(const nlohmann::json& j, int status) {
  return ApiResponse{status, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json"};
}

ApiResponse ApiResponse::Json(const nlohmann::ordered_json& j, int status) {
  return ApiResponse{status, j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace),
                     "application/json"};
}

ApiResponse ApiResponse::Error(const Status& s, const nlohmann::json& details, std::string_view limit) {
  return ApiResponse{HttpStatusFor(s, limit), ErrorBody(s, details), "application/json"};
}

void Router::Add(std::string method, std::string pattern, Role min_role, Handler handler) {
  Route r{std::move(method), std::move(pattern), min_role, std::move(handler), {}};
  r.segments = SplitPath(r.pattern);
  routes_.push_back(std::move(r));
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  Match best;
  std::vector<std::string> segs = SplitPath(path);
  for (const Route& r : routes_) {
    if (r.segments.size() != segs.size()) continue;
    std::map<std::string, std::string, std::less<>> params;
    bool ok = true;
    for (size_t i = 0; i < segs.size() && ok; ++i) {
      const std::string& p = r.segments[i];
      if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
        params[p.substr(1, p.size() - 2)] = segs[i];
      } else {
        ok = p == segs[i];
      }
    }
    if (!ok) continue;
    if (r.method != method) {
      best.method_mismatch = true;
      continue;
    }
    // Literal segments win over parameters ("/v1/members/search" before "/v1/members/{id}").
    if (best.route) {
      size_t lit_best = 0, lit_new = 0;
      for (const auto& s : best.route->segments) lit_best += s.front() != '{';
      for (const auto& s : r.segments) lit_new += s.front() != '{';
      if (lit_new <= lit_best) continue;
    }
    best.route = &r;
    best.params = std::move(params);
  }
  if (best.route) best.method_mismatch = false;
  return best;
}

Result<uint64_t> ParseUintParam(std::string_view name, std::string_view value, uint64_t max) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || p != value.data() + value.size() || v > max)
    return InvalidArgument(fmt::format("parameter '{}': expected an integer 0..{}", name, max));
  return v;
}

void RegisterAllRoutes(Router& r) {
  RegisterSystemRoutes(r);
  RegisterIngestRoutes(r);
  RegisterStatsRoutes(r);
  RegisterMemberRoutes(r);
  RegisterMetricsRoutes(r);
  RegisterIntelRoutes(r);
  RegisterModerationRoutes(r);
}

}  // namespace qun::server

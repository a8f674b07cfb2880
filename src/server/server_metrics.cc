#include "server/server_metrics.h"

#include <fmt/format.h>

namespace qun::server {
namespace {

// Label values are route patterns and methods (ASCII from our own table),
// but escape anyway as the format requires.
std::string Esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '\\' || c == '"') o += '\\';
    if (c == '\n') {
      o += "\\n";
      continue;
    }
    o += c;
  }
  return o;
}

}  // namespace

void ServerMetrics::ObserveRequest(const std::string& method, const std::string& route, int status, double seconds) {
  std::lock_guard l(mu_);
  ++requests_[{method, route, status}];
  Histogram& h = latency_[{method, route}];
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++h.counts[i];
  ++h.count;
  h.sum += seconds;
}

void ServerMetrics::AddIngest(uint64_t imported, uint64_t duplicates, uint64_t rejected) {
  std::lock_guard l(mu_);
  imported_ += imported;
  duplicates_ += duplicates;
  rejected_ += rejected;
}

std::string ServerMetrics::Render(const std::string& gauges) const {
  std::lock_guard l(mu_);
  std::string o;
  o += "# HELP qun_http_requests_total HTTP requests by method, route pattern and status.\n";
  o += "# TYPE qun_http_requests_total counter\n";
  for (const auto& [k, v] : requests_)
    o += fmt::format("qun_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}\n", Esc(std::get<0>(k)),
                     Esc(std::get<1>(k)), std::get<2>(k), v);
  o += "# HELP qun_http_request_duration_seconds Time from request parsed to response built.\n";
  o += "# TYPE qun_http_request_duration_seconds histogram\n";
  for (const auto& [k, h] : latency_) {
    std::string labels = fmt::format("method=\"{}\",route=\"{}\"", Esc(k.first), Esc(k.second));
    for (size_t i = 0; i < kBuckets.size(); ++i)
      o += fmt::format("qun_http_request_duration_seconds_bucket{{{},le=\"{}\"}} {}\n", labels, kBuckets[i],
                       h.counts[i]);
    o += fmt::format("qun_http_request_duration_seconds_bucket{{{},le=\"+Inf\"}} {}\n", labels, h.count);
    o += fmt::format("qun_http_request_duration_seconds_sum{{{}}} {}\n", labels, h.sum);
    o += fmt::format("qun_http_request_duration_seconds_count{{{}}} {}\n", labels, h.count);
  }
  o += "# HELP qun_ingest_events_total Events received through POST /v1/events, by outcome.\n";
  o += "# TYPE qun_ingest_events_total counter\n";
  o += fmt::format("qun_ingest_events_total{{outcome=\"imported\"}} {}\n", imported_);
  o += fmt::format("qun_ingest_events_total{{outcome=\"duplicate\"}} {}\n", duplicates_);
  o += fmt::format("qun_ingest_events_total{{outcome=\"rejected\"}} {}\n", rejected_);
  o += "# HELP qun_auth_failures_total Requests refused for a missing or bad token.\n";
  o += "# TYPE qun_auth_failures_total counter\n";
  o += fmt::format("qun_auth_failures_total {}\n", auth_failures_);
  o += "# HELP qun_rate_limited_total Requests refused by the per-token rate limit.\n";
  o += "# TYPE qun_rate_limited_total counter\n";
  o += fmt::format("qun_rate_limited_total {}\n", rate_limited_);
  o += gauges;
  return o;
}

}  // namespace qun::server

// ServerMetrics: the counters and histograms behind GET /metrics, rendered
// in the Prometheus text exposition format 0.0.4 (docs/api/README.md#metrics).
// Labels are route patterns ("/v1/members/{id}"), never raw paths, so the
// series count is bounded by the route table.
//
// Thread-safety: safe for concurrent use (internal mutex; requests are few
// microseconds apart at most, the lock is held for a map update).
#ifndef QUN_SERVER_SERVER_METRICS_H_
#define QUN_SERVER_SERVER_METRICS_H_

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace qun::server {

class ServerMetrics {
 public:
  // Upper bounds (seconds) of the latency histogram buckets.
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  5.0};

  void ObserveRequest(const std::string& method, const std::string& route, int status, double seconds);
  void AddIngest(uint64_t imported, uint64_t duplicates, uint64_t rejected);
  void AddAuthFailure() { std::lock_guard l(mu_); ++auth_failures_; }
  void AddRateLimited() { std::lock_guard l(mu_); ++rate_limited_; }

  // The exposition text; `gauges` lines (already formatted) are appended.
  std::string Render(const std::string& gauges) const;

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;
  std::map<std::pair<std::string, std::string>, Histogram> latency_;
  uint64_t imported_ = 0, duplicates_ = 0, rejected_ = 0;
  uint64_t auth_failures_ = 0, rate_limited_ = 0;
};

}  // namespace qun::server

#endif  // QUN_SERVER_SERVER_METRICS_H_

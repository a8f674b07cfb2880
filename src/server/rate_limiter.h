// RateLimiter: one token bucket per key (an API token id). A bucket holds up
// to `burst` requests and refills at `per_second`; a request takes one.
// docs/api/README.md#limits.
//
// Thread-safety: safe for concurrent use (internal mutex). Time comes in as
// an argument so the limiter is deterministic in tests.
#ifndef QUN_SERVER_RATE_LIMITER_H_
#define QUN_SERVER_RATE_LIMITER_H_

#include <cstdint>
#include <mutex>
#include <unordered_map>

namespace qun::server {

class RateLimiter {
 public:
  // per_second <= 0 disables limiting.
  RateLimiter(double per_second, double burst) : rate_(per_second), burst_(burst) {}

  // True when the request may proceed. Otherwise *retry_after_s is set to the
  // seconds until one request is available again.
  bool Allow(int64_t key, double now_s, double* retry_after_s);

 private:
  struct Bucket {
    double tokens;
    double last_s;
  };
  std::mutex mu_;
  double rate_;
  double burst_;
  std::unordered_map<int64_t, Bucket> buckets_;
};

}  // namespace qun::server

#endif  // QUN_SERVER_RATE_LIMITER_H_

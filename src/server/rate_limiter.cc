#include "server/rate_limiter.h"

#include <algorithm>

namespace qun::server {

bool RateLimiter::Allow(int64_t key, double now_s, double* retry_after_s) {
  if (rate_ <= 0) return true;
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, fresh] = buckets_.try_emplace(key, Bucket{burst_, now_s});
  Bucket& b = it->second;
  if (!fresh) {
    b.tokens = std::min(burst_, b.tokens + std::max(0.0, now_s - b.last_s) * rate_);
    b.last_s = std::max(b.last_s, now_s);
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return true;
  }
  if (retry_after_s) *retry_after_s = (1.0 - b.tokens) / rate_;
  return false;
}

}  // namespace qun::server

#include "server/rate_limiter.h"

#include <gtest/gtest.h>

namespace qun::server {
namespace {

TEST(RateLimiter, BurstThenRefill) {
  RateLimiter rl(2.0, 3.0);
  double retry = 0;
  EXPECT_TRUE(rl.Allow(1, 0.0, &retry));
  EXPECT_TRUE(rl.Allow(1, 0.0, &retry));
  EXPECT_TRUE(rl.Allow(1, 0.0, &retry));
  EXPECT_FALSE(rl.Allow(1, 0.0, &retry));
  EXPECT_NEAR(retry, 0.5, 1e-9);
  EXPECT_TRUE(rl.Allow(2, 0.0, &retry)) << "keys have separate buckets";
  EXPECT_TRUE(rl.Allow(1, 0.5, &retry)) << "one request refilled after 1/rate seconds";
  EXPECT_FALSE(rl.Allow(1, 0.5, &retry));
  EXPECT_TRUE(rl.Allow(1, 100.0, &retry));
  EXPECT_TRUE(rl.Allow(1, 100.0, &retry));
  EXPECT_TRUE(rl.Allow(1, 100.0, &retry));
  EXPECT_FALSE(rl.Allow(1, 100.0, &retry)) << "refill is capped at the burst";
}

TEST(RateLimiter, ZeroRateDisables) {
  RateLimiter rl(0, 0);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(rl.Allow(1, 0.0, nullptr));
}

}  // namespace
}  // namespace qun::server

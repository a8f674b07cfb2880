// The seeded pseudo-random generator of the synthetic community generator:
// xoshiro256** (Blackman and Vigna) seeded through SplitMix64, plus the few
// distributions the model needs. The sequence for a seed is fixed forever:
// `qun gen` output is promised byte-identical for a seed, so never change
// these algorithms or the order in which a distribution draws numbers.
//
// Thread-safety: an Rng is a plain value; use one per thread.
#ifndef QUN_CORE_GEN_RNG_H_
#define QUN_CORE_GEN_RNG_H_

#include <cmath>
#include <cstdint>

namespace qun::gen {

// SplitMix64 step: advances `state` and returns a well-mixed 64-bit value.
inline uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Mixes two values into one seed (for per-item sub-streams).
inline uint64_t MixSeed(uint64_t a, uint64_t b) {
  uint64_t s = a ^ (b * 0xD1B54A32D192ED03ULL);
  SplitMix64(s);
  return SplitMix64(s);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    uint64_t sm = seed;
    for (uint64_t& w : s_) w = SplitMix64(sm);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1), 53 bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

  // Uniform integer in [0, n); n > 0. Lemire's multiply-shift (the tiny bias
  // for huge n is irrelevant to a simulation and keeps one draw per call).
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }

  bool Chance(double p) { return Uniform() < p; }

  // Standard normal (Box–Muller, two draws, no cached second value so the
  // number of draws per call is always two).
  double Normal() {
    double u1 = Uniform();
    double u2 = Uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

  double LogNormal(double mu, double sigma) { return std::exp(mu + sigma * Normal()); }

  // Exponential with the given mean.
  double Exponential(double mean) { return -mean * std::log(1.0 - Uniform()); }

  // Poisson(lambda): inversion by sequential search for lambda <= 30 (one
  // draw), a rounded normal approximation above.
  int Poisson(double lambda) {
    if (lambda <= 0) return 0;
    if (lambda > 30) {
      double x = std::lround(lambda + std::sqrt(lambda) * Normal());
      return x < 0 ? 0 : static_cast<int>(x);
    }
    double u = Uniform();
    double p = std::exp(-lambda);
    double s = p;
    int k = 0;
    while (u > s && k < 200) {
      ++k;
      p *= lambda / k;
      s += p;
    }
    return k;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace qun::gen

#endif  // QUN_CORE_GEN_RNG_H_

// KeyIndex: insert (with its merges) and lookup cost at 1M keys — the
// engine's dedupe and message indexes do one insert per event / message and
// one lookup per staged event (docs/metrics.md#memory).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "core/engine/key_index.h"

namespace {

std::vector<uint64_t> Keys(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> keys(n);
  for (auto& k : keys) k = rng();
  return keys;
}

void BM_KeyIndexInsert(benchmark::State& state) {
  const std::vector<uint64_t> keys = Keys(static_cast<size_t>(state.range(0)), 1);
  for (auto _ : state) {
    qun::KeyIndex index;
    for (uint32_t r = 0; r < keys.size(); ++r) index.Insert(keys[r], r);
    index.Compact();
    benchmark::DoNotOptimize(index.size());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(keys.size()));
}
BENCHMARK(BM_KeyIndexInsert)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

// Lookups, half present and half absent, after Compact.
void BM_KeyIndexFind(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const std::vector<uint64_t> keys = Keys(n, 1), absent = Keys(n, 2);
  qun::KeyIndex index;
  for (uint32_t r = 0; r < n; ++r) index.Insert(keys[r], r);
  index.Compact();
  size_t i = 0;
  for (auto _ : state) {
    const uint64_t k = (i & 1) ? keys[(i * 7919) % n] : absent[(i * 7919) % n];
    benchmark::DoNotOptimize(index.FindFirst(k));
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_KeyIndexFind)->Arg(1 << 20);

}  // namespace

BENCHMARK_MAIN();

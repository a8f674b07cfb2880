// Event columns: a bit-packed BlockPackedColumn against the plain
// std::vector<uint32_t> it replaced, on 1M time-like values (increasing by
// 0..15 s, so blocks are about 11 bits wide): random reads, a sequential
// scan by operator[] and by DecodeRange, and appends
// (docs/metrics.md#event-columns).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "core/engine/event_columns.h"

namespace {

constexpr size_t kN = size_t{1} << 20;

const std::vector<uint32_t>& Values() {
  static const std::vector<uint32_t> v = [] {
    std::mt19937 rng(5);
    std::vector<uint32_t> out(kN);
    uint32_t t = 820000000;
    for (auto& x : out) x = t += rng() % 16;
    return out;
  }();
  return v;
}

const qun::BlockPackedColumn<uint32_t>& Packed() {
  static const qun::BlockPackedColumn<uint32_t> c = [] {
    qun::BlockPackedColumn<uint32_t> col;
    for (uint32_t x : Values()) col.push_back(x);
    col.shrink_to_fit();
    return col;
  }();
  return c;
}

const std::vector<uint32_t>& RandomRows() {
  static const std::vector<uint32_t> rows = [] {
    std::mt19937 rng(9);
    std::vector<uint32_t> r(1 << 16);
    for (auto& x : r) x = static_cast<uint32_t>(rng() % kN);
    return r;
  }();
  return rows;
}

template <typename Col>
void RandomReads(benchmark::State& state, const Col& col) {
  const auto& rows = RandomRows();
  for (auto _ : state) {
    uint64_t sum = 0;
    for (uint32_t r : rows) sum += col[r];
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(rows.size()));
}
void BM_VectorRandomRead(benchmark::State& state) { RandomReads(state, Values()); }
void BM_PackedRandomRead(benchmark::State& state) { RandomReads(state, Packed()); }
BENCHMARK(BM_VectorRandomRead);
BENCHMARK(BM_PackedRandomRead);

template <typename Col>
void ScanMax(benchmark::State& state, const Col& col) {
  for (auto _ : state) {
    uint32_t m = 0;
    for (size_t i = 0; i < kN; ++i) m = std::max(m, col[i]);
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kN));
}
void BM_VectorScan(benchmark::State& state) { ScanMax(state, Values()); }
void BM_PackedScan(benchmark::State& state) { ScanMax(state, Packed()); }
BENCHMARK(BM_VectorScan)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_PackedScan)->Unit(benchmark::kMicrosecond);

void BM_PackedDecodeRangeScan(benchmark::State& state) {
  const auto& col = Packed();
  uint32_t buf[2048];
  for (auto _ : state) {
    uint32_t m = 0;
    for (size_t first = 0; first < kN; first += 2048) {
      col.DecodeRange(first, first + 2048, buf);
      for (uint32_t x : buf) m = std::max(m, x);
    }
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kN));
}
BENCHMARK(BM_PackedDecodeRangeScan)->Unit(benchmark::kMicrosecond);

template <typename Col>
void Appends(benchmark::State& state) {
  for (auto _ : state) {
    Col col;
    for (uint32_t x : Values()) col.push_back(x);
    benchmark::DoNotOptimize(col.size());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kN));
}
void BM_VectorAppend(benchmark::State& state) { Appends<std::vector<uint32_t>>(state); }
void BM_PackedAppend(benchmark::State& state) { Appends<qun::BlockPackedColumn<uint32_t>>(state); }
BENCHMARK(BM_VectorAppend)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PackedAppend)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

// Throughput of the synthetic community generator (docs/gen.md): events per
// second for the model alone and for the model plus canonical NDJSON
// serialization (what `qun gen` does, minus the file write).
#include <benchmark/benchmark.h>

#include <string>

#include "core/gen/generator.h"
#include "core/model/event_json.h"

namespace {

qun::gen::GenOptions Options(const benchmark::State& state) {
  qun::gen::GenOptions o;
  o.seed = 42;
  o.members = state.range(0);
  o.days = static_cast<int32_t>(state.range(1));
  o.communities = 6;
  return o;
}

void BM_GenerateEvents(benchmark::State& state) {
  int64_t events = 0;
  for (auto _ : state) {
    auto g = qun::gen::Generator::Create(Options(state));
    int64_t n = 0;
    while ((*g)->NextDay([&](const qun::Event& e) {
      benchmark::DoNotOptimize(e.ts_ms);
      ++n;
    })) {
    }
    events += n;
  }
  state.SetItemsProcessed(events);
}
BENCHMARK(BM_GenerateEvents)->Args({2000, 30})->Args({10000, 30})->Unit(benchmark::kMillisecond);

void BM_GenerateAndSerialize(benchmark::State& state) {
  int64_t events = 0, bytes = 0;
  std::string buf;
  for (auto _ : state) {
    auto g = qun::gen::Generator::Create(Options(state));
    while ((*g)->NextDay([&](const qun::Event& e) {
      qun::AppendEventJson(buf, e);
      buf.push_back('\n');
      ++events;
      if (buf.size() > (1 << 20)) {
        bytes += static_cast<int64_t>(buf.size());
        buf.clear();
      }
    })) {
    }
    bytes += static_cast<int64_t>(buf.size());
    buf.clear();
  }
  state.SetItemsProcessed(events);
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_GenerateAndSerialize)->Args({2000, 30})->Args({10000, 30})->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

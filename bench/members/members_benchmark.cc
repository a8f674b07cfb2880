// Member intelligence benchmarks: folding events into the activity ledger
// (the incremental path, per event) and building every profile as of a day
// (stage, level, RFM, contribution) over a synthetic community.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>

#include "core/engine/engine.h"
#include "core/health/health.h"
#include "core/members/activity_ledger.h"
#include "core/members/profile.h"

namespace {

constexpr int64_t kDay0Ms = 1767225600000LL;  // 2026-01-01

// members people, events spread over 90 days: joins, messages (half
// replies), reactions, check-ins, a few orders.
std::unique_ptr<qun::Engine> MakeEngine(int members, int events) {
  auto e = std::make_unique<qun::Engine>();
  qun::AttachStandardModules(*e);
  std::mt19937 rng(7);
  std::vector<qun::Event> evs;
  for (int m = 0; m < members; ++m) {
    qun::Event j;
    j.id = "j" + std::to_string(m);
    j.type = qun::EventType::kMemberJoined;
    j.ts_ms = kDay0Ms + static_cast<int64_t>(rng() % 30) * 86400000;
    j.community = "g";
    j.actor = "u" + std::to_string(m);
    evs.push_back(std::move(j));
  }
  for (int i = 0; i < events; ++i) {
    qun::Event ev;
    ev.id = "e" + std::to_string(i);
    ev.community = "g";
    // Skewed activity: a few members do most of it.
    int m = static_cast<int>(members * std::pow(static_cast<double>(rng()) / rng.max(), 3.0));
    ev.actor = "u" + std::to_string(m);
    ev.ts_ms = kDay0Ms + static_cast<int64_t>(i) * 90 * 86400000 / events;
    int k = rng() % 10;
    if (k < 6) {
      ev.type = qun::EventType::kMessagePosted;
      ev.message_id = "x" + std::to_string(i);
      if (i > 0 && k < 3) ev.reply_to = "x" + std::to_string(rng() % i);
    } else if (k < 8) {
      ev.type = qun::EventType::kReactionAdded;
      ev.message_id = "x" + std::to_string(i > 0 ? rng() % i : 0);
      ev.emoji = "+1";
    } else if (k < 9) {
      ev.type = qun::EventType::kCheckin;
    } else {
      ev.type = qun::EventType::kOrderPaid;
      ev.order_id = "o" + std::to_string(i);
      ev.amount_minor = 1000;
      ev.currency = "CNY";
    }
    evs.push_back(std::move(ev));
  }
  auto b = e->Stage(std::move(evs), 1);
  e->Apply(b);
  return e;
}

void BM_LedgerFold(benchmark::State& state) {
  auto e = MakeEngine(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  for (auto _ : state) {
    qun::ActivityLedger l;
    l.Fold(*e, 0, static_cast<uint32_t>(e->events().size()));
    benchmark::DoNotOptimize(l.rows_folded());
  }
  state.SetItemsProcessed(state.iterations() * e->events().size());
}
BENCHMARK(BM_LedgerFold)->Args({1000, 100000})->Unit(benchmark::kMillisecond);

void BM_BuildMemberTable(benchmark::State& state) {
  auto e = MakeEngine(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  const auto& ledger = e->module<qun::MemberLedgerModule>()->ledger();
  int32_t day = static_cast<int32_t>(kDay0Ms / 86400000) + 89;
  for (auto _ : state) {
    auto t = qun::BuildMemberTable(*e, ledger, day);
    benchmark::DoNotOptimize(t.profiles.size());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_BuildMemberTable)->Args({1000, 100000})->Args({10000, 100000})->Unit(benchmark::kMillisecond);

void BM_HealthScore(benchmark::State& state) {
  auto e = MakeEngine(static_cast<int>(state.range(0)), static_cast<int>(state.range(1)));
  qun::HealthScope scope;
  scope.day = static_cast<int32_t>(kDay0Ms / 86400000) + 89;
  for (auto _ : state) {
    auto s = qun::ScoreHealth(qun::GatherHealthInputs(*e, scope));
    benchmark::DoNotOptimize(s.total);
  }
}
BENCHMARK(BM_HealthScore)->Args({1000, 100000})->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

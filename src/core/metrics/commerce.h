// CommerceAggregates: the maintained aggregates behind the conversion, value
// and funnel queries (docs/metrics.md#commerce-aggregates). Owned by the
// MetricsModule's state; everything here is time-zone independent.
//
// What it keeps
//   * per account, one small entry per (community, key): the conversion kinds
//     the account showed there (visit, signup, paid order, activity) as a bit
//     mask, or its paid orders of one currency (saturating at 2);
//   * per scope (each community and the workspace): people per conversion
//     kind, and per currency GMV, paid amount, orders, refunds, buyers and
//     repeat buyers — over all time, kept current row by row;
//   * per account, the rows of funnel-step event types sorted by (time, row);
//   * per funnel definition asked for (scope, steps, window, entry range; at
//     most kMaxFunnels, least recently used dropped): each person's reached
//     step and the people per step, built on first use and then maintained
//     for the people a batch or an identity change touches.
// People are found through the engine's members (account lists), so a merge
// or unmerge is followed by moving the touched people's contributions.
//
// Thread-safety: OnAppended / OnIdentityChanged run under the engine's writer
// lock. The const queries may run concurrently with each other; the funnel
// caches they fill are guarded by an internal mutex.
#ifndef QUN_CORE_METRICS_COMMERCE_H_
#define QUN_CORE_METRICS_COMMERCE_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/engine/engine.h"
#include "core/metrics/packed.h"

namespace qun::metrics {

class CommerceAggregates {
 public:
  static constexpr size_t kMaxFunnels = 8;

  // `member`: the owner's account -> member copy (outlives this), extended to
  // every account before OnAppended and updated before OnIdentityChanged.
  CommerceAggregates(const Engine& engine, const std::vector<uint32_t>& member);
  ~CommerceAggregates();

  // Folds rows [first_row, end_row) in. Rows may be older than earlier rows.
  void OnAppended(uint32_t first_row, uint32_t end_row);
  // The account -> member mapping of these members changed (merge/unmerge;
  // the list names both the old and the new owners of the moved accounts).
  // `old_people`: (member before the change, account) of every account of
  // `members`, sorted.
  void OnIdentityChanged(std::span<const std::pair<uint32_t, uint32_t>> old_people,
                         std::span<const uint32_t> members);

  // Distinct people of `scope` (community index, kNone = workspace) with at
  // least one event of each kind, over all time (docs/metrics.md#conversion).
  struct People {
    uint32_t visitors = 0, signups = 0, buyers = 0, participants = 0;
  };
  People PeopleOf(uint32_t scope) const;

  // Order totals of `scope` over all time, one entry per currency with at
  // least one paid or refunded order, by currency index (docs/metrics.md#value).
  struct CurrencyTotals {
    uint32_t currency = 0;
    int64_t gmv_minor = 0;   // paid - refunded
    int64_t paid_minor = 0;  // paid only
    uint64_t orders = 0, refunds = 0;
    uint32_t buyers = 0, repeat_buyers = 0;
  };
  std::vector<CurrencyTotals> Currencies(uint32_t scope) const;

  // True when `t` may be a funnel step.
  static bool IsFunnelType(EventType t);
  // People reaching each step of the ordered funnel (docs/metrics.md#funnel):
  // entry = a person's first step-0 event in `scope` at [lo_ms, hi_ms);
  // step k = the first step-k event at or after step k-1's time, reached when
  // within entry + window_s. Preconditions: 1..8 funnel types, window_s > 0.
  // Cost: O(steps) once the definition is cached, O(funnel rows + people) to
  // build it.
  std::vector<uint32_t> FunnelReached(uint32_t scope, std::span<const EventType> steps, uint32_t window_s,
                                      int64_t lo_ms, int64_t hi_ms) const;

  // (part, bytes): commerce_accounts (entries, funnel rows), commerce_scopes,
  // funnel_caches.
  std::vector<std::pair<std::string, size_t>> MemoryParts() const;

 private:
  struct ScopeTotals;
  struct FunnelCache;

  // Where the entry (community, key) of an account's list is: the byte
  // offset of its value, or 0 when absent (a value never sits at offset 0).
  static size_t FindEntry(std::span<const uint8_t> list, uint32_t community, uint16_t key);
  // Combined value of `key` over `accounts`' entries in `scope`.
  uint8_t PersonValue(std::span<const uint32_t> accounts, uint32_t scope, uint16_t key) const;
  ScopeTotals& Totals(uint32_t scope);
  // Adds (sign +1) or removes (-1) a person's value of `key` in `scope`.
  void Contribute(uint32_t scope, uint16_t key, uint8_t value, int sign);
  // Raises account `a`'s entry (community, key) to `value` (OR for the kind
  // mask, max for paid counts), moving the owner's person-level counts.
  void Raise(uint32_t a, uint32_t community, uint16_t key, uint8_t value);
  // The step a person reaches in funnel `f` (0: not entered).
  uint8_t FunnelStage(const FunnelCache& f, uint32_t member) const;
  void Restage(FunnelCache& f, uint32_t member) const;
  // Appends account `a`'s funnel rows, in (ts, row) order, to `out`.
  void DecodeRows(uint32_t a, std::vector<uint32_t>& out) const;
  // Folds account `a`'s new funnel rows (any order) into its encoded list.
  void AddRows(uint32_t a, std::span<uint32_t> fresh);

  const Engine& engine_;
  const std::vector<uint32_t>& member_;  // account -> member (the owner's)
  // Per account (list id = account), one byte list (docs/metrics.md#memory-layout):
  //   varint E, then E entries (varint community, varint key code — 0 for
  //   the kind mask, currency index + 1 otherwise —, one value byte), then
  //   the account's funnel-type rows sorted by (ts, row) as zigzag varint
  //   deltas of the row numbers (the first from 0).
  // Accounts without commerce or funnel events cost only the arena's 8-byte
  // list reference.
  ListArena<uint8_t> lists_;
  std::vector<ScopeTotals> comm_;
  std::unique_ptr<ScopeTotals> ws_;
  mutable std::mutex funnel_mu_;  // guards funnels_ and use_clock_
  mutable std::vector<std::unique_ptr<FunnelCache>> funnels_;
  mutable uint64_t use_clock_ = 0;
  mutable std::vector<uint32_t> scratch_;  // a person's merged rows (under funnel_mu_ or writer lock)
};

}  // namespace qun::metrics

#endif  // QUN_CORE_METRICS_COMMERCE_H_

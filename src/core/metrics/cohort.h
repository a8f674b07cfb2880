// CohortAggregate: the running per-period aggregates behind the retention
// matrix, the retention trend, the lifecycle and the interaction rate
// (docs/metrics.md#cohort-aggregates) for one (zone view, scope).
//
// What it keeps
//   * per person (member id) ever noted: the first-seen local day (the
//     cohort) and, for activity and for interaction, the latest active local
//     day plus a 64-bit mask of the 64 days up to it (28 bytes per person, in
//     a dense vector reached through a member id -> slot hash table: member
//     ids never seen in the scope cost nothing);
//   * per granularity (day, week, month) and period P: active people A[P],
//     people active in both P-1 and P (B[P]), interacting people I[P], the
//     cohort size S[c] and the cohort matrix R[c][P] (people of cohort c
//     active in P), a triangle of periods x periods counters.
//
// How it stays exact. Events are fed in batches (Begin/Note*/End). End
// processes each person's new first-seen day first (moving the person's past
// periods to the new cohort when it changes) and then the person's new days
// in ascending order; a new (person, period) pair bumps A, R and B of the
// neighbouring periods that the person already had. "Was the person active on
// day x" is answered by the mask when x lies in its 64-day window and
// otherwise by the caller's lookup of the state before the batch (the
// per-day account sets), so out-of-order events of any age stay exact.
//
// Identity changes are not followed: the owner drops the aggregate and builds
// it again lazily.
//
// Thread-safety: none; the owner serialises writers and readers.
#ifndef QUN_CORE_METRICS_COHORT_H_
#define QUN_CORE_METRICS_COHORT_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/metrics/packed.h"

namespace qun::metrics {

enum class Granularity;

// Period number of local day `day` (day: the day; week: ISO weeks since the
// one holding 1970-01-01; month: year * 12 + month - 1), and back.
int32_t PeriodIndex(Granularity g, int32_t day);
int32_t PeriodIndexStart(Granularity g, int32_t index);

class CohortAggregate {
 public:
  enum Kind { kActivity = 0, kInteraction = 1 };
  // Whether `person` had a `kind` event on local `day` before the current
  // batch (only asked for days outside the person's 64-day mask window).
  using PastLookup = std::function<bool(uint32_t person, Kind kind, int32_t day)>;

  // Batch protocol: Note* any number of times, then End. A person noted with
  // a day it already had is ignored.
  void NoteFirstSeen(uint32_t person, int32_t day);
  void NoteDay(uint32_t person, Kind kind, int32_t day);
  void End(const PastLookup& past);

  // Identity changes (merge/unmerge): Forget every person the change
  // dissolves (`past` answers by the accounts the person had before the
  // change), then Restore every person it forms from its first-seen day and
  // its ascending distinct active / interaction days.
  void Forget(uint32_t person, const PastLookup& past);
  void Restore(uint32_t person, int32_t first_seen, const std::vector<int32_t>& activity_days,
               const std::vector<int32_t>& interaction_days);

  // Reads; `period` / `cohort` are PeriodIndex values. Zero when unknown.
  uint32_t CohortSize(Granularity g, int32_t cohort) const;
  // People of `cohort` active in period cohort + k.
  uint32_t Retained(Granularity g, int32_t cohort, int32_t k) const;
  uint32_t Active(Granularity g, int32_t period) const;
  // People active in both period - 1 and period.
  uint32_t ActiveBoth(Granularity g, int32_t period) const;
  uint32_t Interacting(Granularity g, int32_t period) const;

  size_t Bytes() const;

 private:
  // 28 bytes per person (4-byte fields only: no padding).
  struct Person {
    int32_t first_seen = INT32_MAX;                    // INT32_MAX: never
    std::array<int32_t, 2> last{INT32_MIN, INT32_MIN};  // by kind: latest day (INT32_MIN: none)
    std::array<uint32_t, 4> mask_words{};               // by kind: 64-bit mask, bit i = had it on day last - i
    uint64_t Mask(Kind k) const { return uint64_t{mask_words[2 * k + 1]} << 32 | mask_words[2 * k]; }
    void SetMask(Kind k, uint64_t m) {
      mask_words[2 * k] = static_cast<uint32_t>(m);
      mask_words[2 * k + 1] = static_cast<uint32_t>(m >> 32);
    }
  };
  // Period numbers around one day, by granularity (memoised per day).
  struct Bounds {
    int32_t day = INT32_MIN;
    std::array<int32_t, 3> period, prev_start, start, next, after_next;
  };
  // A counter per index with a movable base (grows both ways).
  struct Counters {
    int32_t base = 0;
    std::vector<uint32_t> v;
    uint32_t& At(int32_t i);
    uint32_t Get(int32_t i) const;
    size_t Bytes() const { return v.capacity() * 4; }
  };
  struct Grain {
    Counters size, active, both, interacting;
    int32_t row_base = 0;
    std::vector<Counters> rows;  // rows[c - row_base].v[k]: cohort c, period c + k
    uint32_t& Cell(int32_t cohort, int32_t period);
  };
  // A note packed so that notes sort by (person, kind with first-seen first,
  // day) as plain integers: person << 32 | (kind + 1) << 30 | (day + 2^29).
  struct Pending {
    uint64_t key;
    uint32_t person() const { return static_cast<uint32_t>(key >> 32); }
    int kind() const { return static_cast<int>(key >> 30 & 3) - 1; }  // -1: first seen
    int32_t day() const { return static_cast<int32_t>(key & ((uint64_t{1} << 30) - 1)) - (1 << 29); }
    static Pending Of(uint32_t person, int kind, int32_t day) {
      return {uint64_t{person} << 32 | static_cast<uint64_t>(kind + 1) << 30 |
              static_cast<uint64_t>(static_cast<int64_t>(day) + (1 << 29))};
    }
  };

  // Whether `person` had `kind` on a day in [a, b] (state so far).
  bool AnyIn(uint32_t person, Kind kind, int32_t a, int32_t b, const PastLookup& past) const;
  void AddDay(uint32_t person, Kind kind, int32_t day, const PastLookup& past);
  // The person's distinct days of `kind` in [from, last] so far, ascending.
  std::vector<int32_t> DaysOf(uint32_t person, Kind kind, int32_t from, const PastLookup& past) const;
  // Adds (sign +1) or removes (-1) everything a person with these days counts for.
  void Count(int32_t first_seen, const std::vector<int32_t>& activity_days,
             const std::vector<int32_t>& interaction_days, int sign);
  void Mark(Person& p, Kind kind, int32_t day);
  // The person's record, created (default) when new; may move the others.
  Person& At(uint32_t person);
  // The person's record, or nullptr when never noted.
  const Person* Find(uint32_t person) const;
  const Bounds& BoundsOf(int32_t day);

  FlatIdMap slot_;              // member id -> people_ position
  std::vector<Person> people_;  // by slot
  std::array<Bounds, 64> bounds_;  // by day mod 64
  std::array<Grain, 3> grain_;
  std::vector<Pending> pending_;
  // Days of the person being processed that End already applied, by kind
  // (they are in neither the mask window nor the past lookup).
  std::array<std::vector<int32_t>, 2> done_;
};

}  // namespace qun::metrics

#endif  // QUN_CORE_METRICS_COHORT_H_

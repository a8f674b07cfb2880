// Running cohort/lifecycle/interaction aggregates (docs/metrics.md#cohort-aggregates).
#include "core/metrics/cohort.h"

#include <algorithm>

#include "common/time.h"
#include "core/metrics/metrics.h"

namespace qun::metrics {

int32_t PeriodIndex(Granularity g, int32_t day) {
  switch (g) {
    case Granularity::kDay: return day;
    case Granularity::kWeek: return static_cast<int32_t>(FloorDiv(int64_t{day} + 3, 7));  // 1970-01-01 is a Thursday
    case Granularity::kMonth: {
      const CivilDate c = CivilFromDays(day);
      return c.year * 12 + c.month - 1;
    }
  }
  return day;
}

int32_t PeriodIndexStart(Granularity g, int32_t index) {
  switch (g) {
    case Granularity::kDay: return index;
    case Granularity::kWeek: return index * 7 - 3;
    case Granularity::kMonth: {
      const int64_t year = FloorDiv(index, 12);
      return DaysFromCivil(static_cast<int>(year), static_cast<int>(index - year * 12) + 1, 1);
    }
  }
  return index;
}

namespace {
constexpr Granularity kGrains[3] = {Granularity::kDay, Granularity::kWeek, Granularity::kMonth};
constexpr int64_t kWindow = 64;  // days covered by a person's mask
}  // namespace

uint32_t& CohortAggregate::Counters::At(int32_t i) {
  if (v.empty()) {
    base = i;
  } else if (i < base) {
    v.insert(v.begin(), static_cast<size_t>(base - i), 0);
    base = i;
  }
  const size_t at = static_cast<size_t>(i - base);
  if (at >= v.size()) v.resize(at + 1, 0);
  return v[at];
}

uint32_t CohortAggregate::Counters::Get(int32_t i) const {
  if (i < base || v.empty()) return 0;
  const size_t at = static_cast<size_t>(i - base);
  return at < v.size() ? v[at] : 0;
}

uint32_t& CohortAggregate::Grain::Cell(int32_t cohort, int32_t period) {
  if (rows.empty()) {
    row_base = cohort;
  } else if (cohort < row_base) {
    rows.insert(rows.begin(), static_cast<size_t>(row_base - cohort), Counters{});
    row_base = cohort;
  }
  const size_t at = static_cast<size_t>(cohort - row_base);
  if (at >= rows.size()) rows.resize(at + 1);
  return rows[at].At(period - cohort);
}

// Both notes drop what End would ignore anyway (a day no earlier than the
// first-seen day, a day the mask already holds): most rows repeat a person's
// day, and the batch sort stays small.
void CohortAggregate::NoteFirstSeen(uint32_t person, int32_t day) {
  if (const Person* r = Find(person); r && r->first_seen <= day) return;
  pending_.push_back(Pending::Of(person, -1, day));
}

void CohortAggregate::NoteDay(uint32_t person, Kind kind, int32_t day) {
  if (const Person* p = Find(person)) {
    const Person& r = *p;
    const int64_t back = int64_t{r.last[kind]} - day;
    if (r.last[kind] != INT32_MIN && back >= 0 && back < kWindow && (r.Mask(kind) >> back & 1)) return;
  }
  pending_.push_back(Pending::Of(person, kind, day));
}

CohortAggregate::Person& CohortAggregate::At(uint32_t person) {
  const uint32_t slot = slot_.FindOrInsert(person, static_cast<uint32_t>(people_.size()));
  if (slot == people_.size()) {
    // Grow by a quarter, not doubling: millions of people.
    if (slot >= people_.capacity()) people_.reserve(std::max<size_t>(slot + size_t{1}, people_.capacity() * 5 / 4));
    people_.emplace_back();
  }
  return people_[slot];
}

const CohortAggregate::Person* CohortAggregate::Find(uint32_t person) const {
  const uint32_t slot = slot_.Find(person);
  return slot == FlatIdMap::kAbsent ? nullptr : &people_[slot];
}

const CohortAggregate::Bounds& CohortAggregate::BoundsOf(int32_t day) {
  Bounds& b = bounds_[static_cast<uint32_t>(day) % bounds_.size()];
  if (b.day == day) return b;
  b.day = day;
  for (int gi = 0; gi < 3; ++gi) {
    const Granularity g = kGrains[gi];
    const int32_t p = PeriodIndex(g, day);
    b.period[gi] = p;
    b.prev_start[gi] = PeriodIndexStart(g, p - 1);
    b.start[gi] = PeriodIndexStart(g, p);
    b.next[gi] = PeriodIndexStart(g, p + 1);
    b.after_next[gi] = PeriodIndexStart(g, p + 2);
  }
  return b;
}

bool CohortAggregate::AnyIn(uint32_t person, Kind kind, int32_t a, int32_t b, const PastLookup& past) const {
  const Person* p = Find(person);
  if (!p) return false;
  const Person& r = *p;
  const int32_t last = r.last[kind];
  if (last == INT32_MIN) return false;
  b = std::min(b, last);
  if (a > b) return false;
  // Window part: days (last - 64, b].
  const int64_t lo = std::max<int64_t>(a, int64_t{last} - kWindow + 1);
  if (lo <= b) {
    const int64_t shift = last - b, len = b - lo + 1;
    const uint64_t bits = r.Mask(kind) >> shift;
    if (len >= 64 ? bits != 0 : (bits & ((uint64_t{1} << len) - 1)) != 0) return true;
  }
  // Older days: this batch's applied days, else the state before the batch.
  const int64_t old_end = std::min<int64_t>(b, lo - 1);
  for (int64_t d = a; d <= old_end; ++d) {
    const auto day = static_cast<int32_t>(d);
    if (std::find(done_[kind].begin(), done_[kind].end(), day) != done_[kind].end()) return true;
    if (past(person, kind, day)) return true;
  }
  return false;
}

void CohortAggregate::Mark(Person& r, Kind kind, int32_t day) {
  int32_t& last = r.last[kind];
  const uint64_t mask = r.Mask(kind);
  if (last == INT32_MIN || day > last) {
    const int64_t shift = last == INT32_MIN ? kWindow : int64_t{day} - last;
    r.SetMask(kind, (shift >= kWindow ? 0 : mask << shift) | 1);
    last = day;
  } else if (int64_t{last} - day < kWindow) {
    r.SetMask(kind, mask | uint64_t{1} << (last - day));
  }
}

void CohortAggregate::AddDay(uint32_t person, Kind kind, int32_t day, const PastLookup& past) {
  const Bounds bd = BoundsOf(day);  // a copy: BoundsOf(fs) may reuse the slot
  const int32_t fs = Find(person)->first_seen;  // End made the person
  const std::array<int32_t, 3> cohort = fs == INT32_MAX ? std::array<int32_t, 3>{} : BoundsOf(fs).period;
  for (int gi = 0; gi < 3; ++gi) {
    const int32_t p = bd.period[gi];
    // A day period has no other day; a longer one may already hold the person.
    if (gi > 0 && AnyIn(person, kind, bd.start[gi], bd.next[gi] - 1, past)) continue;
    Grain& gr = grain_[gi];
    if (kind == kInteraction) {
      ++gr.interacting.At(p);
      continue;
    }
    ++gr.active.At(p);
    if (fs != INT32_MAX) ++gr.Cell(cohort[gi], p);
    if (AnyIn(person, kind, bd.prev_start[gi], bd.start[gi] - 1, past)) ++gr.both.At(p);
    if (AnyIn(person, kind, bd.next[gi], bd.after_next[gi] - 1, past)) ++gr.both.At(p + 1);
  }
  Mark(At(person), kind, day);
  done_[kind].push_back(day);
}

std::vector<int32_t> CohortAggregate::DaysOf(uint32_t person, Kind kind, int32_t from, const PastLookup& past) const {
  std::vector<int32_t> days;
  const Person* p = Find(person);
  const int32_t last = p ? p->last[kind] : INT32_MIN;
  if (from == INT32_MAX || last == INT32_MIN) return days;
  for (int64_t d = from; d <= last; ++d)
    if (AnyIn(person, kind, static_cast<int32_t>(d), static_cast<int32_t>(d), past))
      days.push_back(static_cast<int32_t>(d));
  return days;
}

void CohortAggregate::Count(int32_t first_seen, const std::vector<int32_t>& activity_days,
                            const std::vector<int32_t>& interaction_days, int sign) {
  const auto delta = static_cast<uint32_t>(sign);  // -1 wraps: unsigned counters subtract
  for (int gi = 0; gi < 3; ++gi) {
    const Granularity g = kGrains[gi];
    Grain& gr = grain_[gi];
    const bool has_cohort = first_seen != INT32_MAX;
    const int32_t cohort = has_cohort ? PeriodIndex(g, first_seen) : 0;
    if (has_cohort) gr.size.At(cohort) += delta;
    int32_t prev = INT32_MIN;
    for (int32_t d : activity_days) {  // ascending: a period's days are adjacent
      const int32_t p = PeriodIndex(g, d);
      if (p == prev) continue;
      gr.active.At(p) += delta;
      if (has_cohort) gr.Cell(cohort, p) += delta;
      if (prev == p - 1) gr.both.At(p) += delta;
      prev = p;
    }
    prev = INT32_MIN;
    for (int32_t d : interaction_days) {
      const int32_t p = PeriodIndex(g, d);
      if (p != prev) gr.interacting.At(p) += delta;
      prev = p;
    }
  }
}

void CohortAggregate::Forget(uint32_t person, const PastLookup& past) {
  if (!Find(person)) return;
  done_[0].clear();
  done_[1].clear();
  const int32_t fs = Find(person)->first_seen;
  // Activity and interaction events are first-seen events: no day precedes fs.
  Count(fs, DaysOf(person, kActivity, fs, past), DaysOf(person, kInteraction, fs, past), -1);
  At(person) = Person{};
}

void CohortAggregate::Restore(uint32_t person, int32_t first_seen, const std::vector<int32_t>& activity_days,
                              const std::vector<int32_t>& interaction_days) {
  Person& r = At(person);
  r = Person{};
  r.first_seen = first_seen;
  for (int32_t d : activity_days) Mark(r, kActivity, d);
  for (int32_t d : interaction_days) Mark(r, kInteraction, d);
  Count(first_seen, activity_days, interaction_days, +1);
}

void CohortAggregate::End(const PastLookup& past) {
  std::sort(pending_.begin(), pending_.end(), [](Pending a, Pending b) { return a.key < b.key; });
  pending_.erase(std::unique(pending_.begin(), pending_.end(), [](Pending a, Pending b) { return a.key == b.key; }),
                 pending_.end());
  for (size_t i = 0; i < pending_.size();) {
    const uint32_t person = pending_[i].person();
    At(person);  // every person noted gets a record
    done_[0].clear();
    done_[1].clear();
    // First-seen notes sort first (kind -1) and ascend: the first is the earliest.
    if (pending_[i].kind() < 0) {
      const int32_t old_fs = At(person).first_seen, fs = pending_[i].day();
      if (fs < old_fs) {
        // The person's past periods move to the new cohort.
        const auto act = DaysOf(person, kActivity, old_fs, past), inter = DaysOf(person, kInteraction, old_fs, past);
        Count(old_fs, act, inter, -1);
        At(person).first_seen = fs;
        Count(fs, act, inter, +1);
      }
      while (i < pending_.size() && pending_[i].person() == person && pending_[i].kind() < 0) ++i;
    }
    for (; i < pending_.size() && pending_[i].person() == person; ++i) {
      const Kind kind = static_cast<Kind>(pending_[i].kind());
      const int32_t day = pending_[i].day();
      if (AnyIn(person, kind, day, day, past)) continue;  // already had that day
      AddDay(person, kind, day, past);
    }
  }
  pending_.clear();
}

uint32_t CohortAggregate::CohortSize(Granularity g, int32_t cohort) const {
  return grain_[static_cast<int>(g)].size.Get(cohort);
}

uint32_t CohortAggregate::Retained(Granularity g, int32_t cohort, int32_t k) const {
  const Grain& gr = grain_[static_cast<int>(g)];
  if (cohort < gr.row_base || cohort - gr.row_base >= static_cast<int64_t>(gr.rows.size())) return 0;
  return gr.rows[cohort - gr.row_base].Get(k);
}

uint32_t CohortAggregate::Active(Granularity g, int32_t period) const {
  return grain_[static_cast<int>(g)].active.Get(period);
}

uint32_t CohortAggregate::ActiveBoth(Granularity g, int32_t period) const {
  return grain_[static_cast<int>(g)].both.Get(period);
}

uint32_t CohortAggregate::Interacting(Granularity g, int32_t period) const {
  return grain_[static_cast<int>(g)].interacting.Get(period);
}

size_t CohortAggregate::Bytes() const {
  size_t b = sizeof(*this) + people_.capacity() * sizeof(Person) + slot_.Bytes() + pending_.capacity() * sizeof(Pending);
  for (const Grain& gr : grain_) {
    b += gr.size.Bytes() + gr.active.Bytes() + gr.both.Bytes() + gr.interacting.Bytes();
    b += gr.rows.capacity() * sizeof(Counters);
    for (const Counters& r : gr.rows) b += r.Bytes();
  }
  return b;
}

}  // namespace qun::metrics

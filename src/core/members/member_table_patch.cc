// PatchMemberTable and FinishMemberTable (member_table_patch.h).
#include "core/members/member_table_patch.h"

#include <algorithm>

#include "core/members/population.h"

namespace qun {
namespace {

// Quintile score of a positive value given how many of the n positive values
// are <= it: ceil(5 k / n), clamped to 1..5 (docs/members.md §6).
int Quintile(size_t at_or_below, size_t n) {
  if (n == 0) return 1;
  return std::clamp(static_cast<int>((5 * at_or_below + n - 1) / n), 1, 5);
}

// Counts per value in [lo, hi], turned into "how many values are <= v".
class CumulativeCounts {
 public:
  CumulativeCounts(int64_t lo, int64_t hi) : lo_(lo), le_(hi >= lo ? static_cast<size_t>(hi - lo + 1) : 0, 0) {}
  void Add(int64_t v) {
    ++le_[v - lo_];
    ++n_;
  }
  void Accumulate() {
    for (size_t i = 1; i < le_.size(); ++i) le_[i] += le_[i - 1];
  }
  size_t AtOrBelow(int64_t v) const { return le_[v - lo_]; }
  size_t size() const { return n_; }

 private:
  int64_t lo_;
  std::vector<uint32_t> le_;
  size_t n_ = 0;
};

// `sorted` with the values of `removed` taken out (each once) and `added`
// put in, still ascending. O(size + k log k).
void PatchSorted(std::vector<double>& sorted, std::vector<double> removed, std::vector<double> added) {
  if (removed.empty() && added.empty()) return;
  std::sort(removed.begin(), removed.end());
  std::sort(added.begin(), added.end());
  std::vector<double> out;
  out.reserve(sorted.size() + added.size());
  size_t r = 0, a = 0;
  for (double v : sorted) {
    while (r < removed.size() && removed[r] < v) ++r;  // not present: cannot happen for a consistent table
    if (r < removed.size() && removed[r] == v) {
      ++r;
      continue;
    }
    while (a < added.size() && added[a] <= v) out.push_back(added[a++]);
    out.push_back(v);
  }
  out.insert(out.end(), added.begin() + static_cast<std::ptrdiff_t>(a), added.end());
  sorted = std::move(out);
}

bool HasRowsAfter(const Engine& engine, const ActivityLedger& ledger, uint32_t member, int32_t day) {
  for (uint32_t a : engine.members()[member].accounts)
    if (const AccountFacts* f = ledger.account(a); f && f->last_day() > day) return true;
  return false;
}

// The contribution and monetary values a profile puts in the sorted lists.
void ValuesOf(const MemberProfile& p, std::vector<double>& contributions, std::vector<double>& monetary) {
  if (!p.facts.is_member) return;
  contributions.push_back(p.contribution);
  if (p.facts.total.gmv_minor > 0) monetary.push_back(static_cast<double>(p.facts.total.gmv_minor));
}

}  // namespace

void FinishMemberTable(MemberTable& table) {
  const int32_t day = table.day;
  table.has_orders = false;
  int32_t min_active = day;
  int max_freq = 0;
  for (const MemberProfile& p : table.profiles) {
    if (p.facts.total.orders > 0) table.has_orders = true;
    if (!p.facts.is_member) continue;
    if (p.facts.last_active_day != kNoDay) min_active = std::min(min_active, p.facts.last_active_day);
    max_freq = std::max(max_freq, p.facts.active_days_rfm);
  }
  // Recency 1/(1 + days since active) orders members as their last active
  // day does (equal values for equal days), so counting last active days
  // gives the same quintiles as sorting the recency values.
  CumulativeCounts recency(min_active, day), frequency(1, max_freq);
  for (const MemberProfile& p : table.profiles) {
    if (!p.facts.is_member) continue;
    if (p.facts.last_active_day != kNoDay) recency.Add(p.facts.last_active_day);
    if (p.facts.active_days_rfm > 0) frequency.Add(p.facts.active_days_rfm);
  }
  recency.Accumulate();
  frequency.Accumulate();
  const std::vector<double>& mon = table.member_monetary;
  for (size_t i = 0; i < table.profiles.size(); ++i) {
    MemberProfile& p = table.profiles[i];
    if (p.facts.is_member) {
      const MemberFacts& f = p.facts;
      p.rfm.r = f.last_active_day != kNoDay ? Quintile(recency.AtOrBelow(f.last_active_day), recency.size()) : 1;
      p.rfm.f = f.active_days_rfm > 0 ? Quintile(frequency.AtOrBelow(f.active_days_rfm), frequency.size()) : 1;
      const double gmv = static_cast<double>(f.total.gmv_minor);
      p.rfm.m = gmv > 0 ? Quintile(std::upper_bound(mon.begin(), mon.end(), gmv) - mon.begin(), mon.size()) : 1;
      p.rfm.fm = table.has_orders ? (p.rfm.f + p.rfm.m + 1) / 2 : p.rfm.f;
      p.rfm.tier = RfmTierFor(p.rfm.r, p.rfm.fm);
    }
    table.summary[i].rfm_tier = p.rfm.tier;
  }
  table.population = std::make_shared<const PopulationStats>(ComputePopulation(table));
}

MemberTableBasis BasisOf(const Engine& engine, const ActivityLedger& ledger, const MemberTable& table) {
  MemberTableBasis b;
  b.ledger_id = ledger.id();
  b.ledger_seq = ledger.fold_seq();
  for (const MergeRecord& m : engine.merges()) b.merge_undone.push_back(m.undone ? 1 : 0);
  if (ledger.max_day() > table.day) {
    for (uint32_t m = 0; m < engine.members().size(); ++m)
      if (engine.members()[m].merged_into == kNone && HasRowsAfter(engine, ledger, m, table.day)) b.ahead.push_back(m);
  }
  return b;
}

bool PatchMemberTable(const Engine& engine, const ActivityLedger& ledger, int32_t day, MemberTable& table,
                      MemberTableBasis& basis) {
  const auto& merges = engine.merges();
  if (ledger.id() != basis.ledger_id || day < table.day || merges.size() < basis.merge_undone.size()) return false;
  const auto& members = engine.members();
  const MemberConfig& cfg = table.config;

  // Who to rebuild: owners of changed accounts, both sides of every new or
  // newly undone merge (and the accounts' owners now), and on a day move
  // everyone whose rows reached past the old day.
  std::vector<uint32_t> people, accounts;
  ledger.ChangedSince(basis.ledger_seq, &accounts);
  for (uint32_t a : accounts)
    if (a < engine.accounts().size()) people.push_back(engine.member_of(a));
  for (size_t i = 0; i < merges.size(); ++i) {
    if (i < basis.merge_undone.size() && (merges[i].undone ? 1 : 0) == basis.merge_undone[i]) continue;
    people.push_back(merges[i].into);
    people.push_back(merges[i].from);
    for (uint32_t a : merges[i].accounts) people.push_back(engine.member_of(a));
  }
  const bool day_moved = day != table.day;
  if (day_moved) people.insert(people.end(), basis.ahead.begin(), basis.ahead.end());
  std::sort(people.begin(), people.end());
  people.erase(std::unique(people.begin(), people.end()), people.end());
  while (!people.empty() && people.back() >= members.size()) people.pop_back();

  // Their new profiles; the old ones' values leave the sorted lists.
  std::vector<double> old_contrib, old_mon, new_contrib, new_mon;
  std::vector<uint32_t> still_ahead;
  std::vector<MemberProfile> fresh;
  std::vector<PersonTimeline> fresh_timelines;
  for (uint32_t m : people) {
    auto it = std::lower_bound(table.profiles.begin(), table.profiles.end(), m,
                               [](const MemberProfile& p, uint32_t v) { return p.member < v; });
    if (it != table.profiles.end() && it->member == m) ValuesOf(*it, old_contrib, old_mon);
    if (members[m].merged_into != kNone) continue;
    if (HasRowsAfter(engine, ledger, m, day)) still_ahead.push_back(m);
    PersonTimeline t = BuildTimeline(engine, ledger, m, day);
    if (t.first_day == kNoDay || t.first_day > day) continue;
    fresh.push_back(EvaluateProfile(t, day, cfg));
    ValuesOf(fresh.back(), new_contrib, new_mon);
    fresh_timelines.push_back(std::move(t));
  }
  for (uint32_t m : basis.ahead)
    if (!std::binary_search(people.begin(), people.end(), m)) still_ahead.push_back(m);
  std::sort(still_ahead.begin(), still_ahead.end());

  // Merge: untouched profiles stay (re-evaluated when the day moved), touched
  // ones are replaced, dropped or inserted, all in member order.
  table.day = day;
  std::vector<MemberProfile> profiles;
  std::vector<PersonTimeline> timelines;
  std::vector<ProfileSummary> summary;
  profiles.reserve(table.profiles.size() + fresh.size());
  timelines.reserve(profiles.capacity());
  summary.reserve(profiles.capacity());
  size_t f = 0;
  auto take_fresh = [&] {
    summary.push_back(SummaryOf(fresh[f], fresh_timelines[f], day, cfg));
    profiles.push_back(std::move(fresh[f]));
    timelines.push_back(std::move(fresh_timelines[f]));
    ++f;
  };
  for (size_t i = 0; i < table.profiles.size(); ++i) {
    const uint32_t m = table.profiles[i].member;
    while (f < fresh.size() && fresh[f].member < m) take_fresh();
    if (std::binary_search(people.begin(), people.end(), m)) continue;  // rebuilt (or gone)
    if (day_moved) {
      // Same timeline (no row changed, none after the old day): only the
      // passing of days changes windows, stages and levels. Lifetime totals,
      // hence contribution and tags (rule and manual), stay.
      MemberProfile p = EvaluateProfile(table.timelines[i], day, cfg);
      p.tags = std::move(table.profiles[i].tags);
      p.manual_tags = std::move(table.profiles[i].manual_tags);
      table.profiles[i] = std::move(p);
      table.summary[i] = SummaryOf(table.profiles[i], table.timelines[i], day, cfg);
    }
    profiles.push_back(std::move(table.profiles[i]));
    timelines.push_back(std::move(table.timelines[i]));
    summary.push_back(table.summary[i]);
  }
  while (f < fresh.size()) take_fresh();
  table.profiles = std::move(profiles);
  table.timelines = std::move(timelines);
  table.summary = std::move(summary);
  PatchSorted(table.member_contributions, std::move(old_contrib), std::move(new_contrib));
  PatchSorted(table.member_monetary, std::move(old_mon), std::move(new_mon));
  FinishMemberTable(table);

  basis.ledger_seq = ledger.fold_seq();
  basis.merge_undone.clear();
  for (const MergeRecord& m : merges) basis.merge_undone.push_back(m.undone ? 1 : 0);
  basis.ahead = std::move(still_ahead);
  return true;
}

}  // namespace qun

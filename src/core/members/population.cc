#include "core/members/population.h"

#include <algorithm>
#include <cmath>

namespace qun {

StageCounts CountStages(const MemberTable& t) {
  StageCounts c;
  if (t.summary.size() == t.profiles.size()) {
    for (const ProfileSummary& s : t.summary) {
      if (s.stage == Stage::kNone) continue;
      ++c.count[static_cast<int>(s.stage)];
      ++c.members;
    }
    return c;
  }
  for (const auto& p : t.profiles) {
    if (p.stage == Stage::kNone) continue;
    ++c.count[static_cast<int>(p.stage)];
    ++c.members;
  }
  return c;
}

PyramidCounts CountLevels(const MemberTable& t) {
  PyramidCounts c;
  if (t.summary.size() == t.profiles.size()) {
    for (const ProfileSummary& s : t.summary) {
      ++c.count[s.level];
      if (s.level >= 1) ++c.total;
    }
    return c;
  }
  for (const auto& p : t.profiles) {
    ++c.count[p.level];
    if (p.level >= 1) ++c.total;
  }
  return c;
}

LevelTransitions ComputeLevelTransitions(const MemberTable& t, int32_t from, int32_t to) {
  LevelTransitions r;
  r.from = from;
  r.to = to;
  // The table already holds everyone's facts and level at its day.
  const bool at_table_day = to == t.day && from <= to && t.profiles.size() == t.timelines.size();
  if (at_table_day && from == to - 7 && t.summary.size() == t.profiles.size()) {
    // Every profile's first day is <= the table's day.
    for (const ProfileSummary& s : t.summary) r.Count(s.level_week_before, s.level);
    r.Finish();
    return r;
  }
  for (size_t i = 0; i < t.timelines.size(); ++i) {
    const PersonTimeline& tl = t.timelines[i];
    if (tl.first_day == kNoDay || tl.first_day > to) continue;
    int a, b;
    if (at_table_day) {
      a = LevelBefore(tl, t.profiles[i].facts, from, t.config);
      b = t.profiles[i].level;
    } else {
      a = EvaluateLevel(FactsAt(tl, from, t.config), from, t.config);
      b = EvaluateLevel(FactsAt(tl, to, t.config), to, t.config);
    }
    r.Count(a, b);
  }
  r.Finish();
  return r;
}

ContributionView ComputeContribution(const MemberTable& t) {
  ContributionView v;
  std::vector<double> sorted;
  if (t.summary.size() != t.profiles.size()) {
    for (const auto& p : t.profiles)
      if (p.facts.is_member) sorted.push_back(p.contribution);
    std::sort(sorted.begin(), sorted.end());
  }
  const std::vector<double>& values = t.summary.size() == t.profiles.size() ? t.member_contributions : sorted;
  const size_t n = values.size();
  v.members = static_cast<uint32_t>(n);
  for (double x : values) v.total += x;
  v.top_n = static_cast<uint32_t>((n * 20 + 99) / 100);
  double top = 0;
  for (size_t i = n - v.top_n; i < n; ++i) top += values[i];
  v.top20_share = v.total > 0 ? top / v.total : 0;
  // Prefix sums for the curve and the Gini coefficient.
  std::vector<double> prefix(n + 1, 0);
  for (size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + values[i];
  for (int k = 0; k <= 20; ++k) {
    size_t m = static_cast<size_t>(std::llround(static_cast<double>(k) * n / 20.0));
    v.lorenz.emplace_back(k / 20.0, v.total > 0 ? prefix[m] / v.total : k / 20.0);
  }
  if (n > 0 && v.total > 0) {
    // G = (2 Σ i·x_i) / (n Σ x) − (n + 1) / n, with i = 1..n ascending.
    double weighted = 0;
    for (size_t i = 0; i < n; ++i) weighted += static_cast<double>(i + 1) * values[i];
    v.gini = 2 * weighted / (n * v.total) - static_cast<double>(n + 1) / n;
  }
  return v;
}

RfmCounts CountRfm(const MemberTable& t) {
  RfmCounts c;
  if (t.summary.size() == t.profiles.size()) {
    for (const ProfileSummary& s : t.summary) {
      if (s.rfm_tier == RfmTier::kNone) continue;
      ++c.count[static_cast<int>(s.rfm_tier)];
      ++c.members;
    }
    return c;
  }
  for (const auto& p : t.profiles) {
    if (p.rfm.tier == RfmTier::kNone) continue;
    ++c.count[static_cast<int>(p.rfm.tier)];
    ++c.members;
  }
  return c;
}

PopulationStats ComputePopulation(const MemberTable& t) {
  return {.stages = CountStages(t),
          .pyramid = CountLevels(t),
          .week = ComputeLevelTransitions(t, t.day - 7, t.day),
          .contribution = ComputeContribution(t),
          .rfm = CountRfm(t)};
}

}  // namespace qun

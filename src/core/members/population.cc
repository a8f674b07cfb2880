#include "core/members/population.h"

#include <algorithm>
#include <cmath>

namespace qun {

StageCounts CountStages(const MemberTable& t) {
  StageCounts c;
  for (const auto& p : t.profiles) {
    if (p.stage == Stage::kNone) continue;
    ++c.count[static_cast<int>(p.stage)];
    ++c.members;
  }
  return c;
}

PyramidCounts CountLevels(const MemberTable& t) {
  PyramidCounts c;
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
  for (const auto& tl : t.timelines) {
    if (tl.first_day == kNoDay || tl.first_day > to) continue;
    int a = EvaluateLevel(FactsAt(tl, from, t.config), from, t.config);
    int b = EvaluateLevel(FactsAt(tl, to, t.config), to, t.config);
    ++r.matrix[a][b];
    if (a >= 1 && a <= 4) {
      ++r.eligible_up;
      if (b > a) ++r.promoted;
    }
    if (a >= 2) {
      ++r.eligible_down;
      if (b >= 1 && b < a) ++r.demoted;
    }
  }
  r.transition_rate = r.eligible_up ? static_cast<double>(r.promoted) / r.eligible_up : 0;
  r.demotion_rate = r.eligible_down ? static_cast<double>(r.demoted) / r.eligible_down : 0;
  return r;
}

ContributionView ComputeContribution(const MemberTable& t) {
  ContributionView v;
  std::vector<double> values;
  for (const auto& p : t.profiles)
    if (p.facts.is_member) values.push_back(p.contribution);
  std::sort(values.begin(), values.end());
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
  for (const auto& p : t.profiles) {
    if (p.rfm.tier == RfmTier::kNone) continue;
    ++c.count[static_cast<int>(p.rfm.tier)];
    ++c.members;
  }
  return c;
}

}  // namespace qun

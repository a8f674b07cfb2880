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

namespace {

// EvaluateLevel(FactsAt(t, from), from) for a person whose facts at `to`
// (>= from, the table's day) are known: only the level window and the days
// after `from` are read, not the whole history.
int LevelBefore(const PersonTimeline& t, const MemberFacts& at_to, int32_t from, const MemberConfig& cfg) {
  MemberFacts f;
  f.seen = t.first_day != kNoDay && t.first_day <= from;
  const int32_t first_active = at_to.first_active_day != kNoDay && at_to.first_active_day <= from
                                   ? at_to.first_active_day
                                   : kNoDay;
  const bool joined = t.join_day != kNoDay && t.join_day <= from;
  f.is_member = joined || first_active != kNoDay;
  if (joined && first_active != kNoDay) f.join_day = std::min(t.join_day, first_active);
  else if (joined) f.join_day = t.join_day;
  else f.join_day = first_active;
  f.left = t.left_day != kNoDay && t.left_day <= from && t.last_left_ts > t.last_join_ts;
  const int32_t window_start = from - cfg.level_window_days + 1;
  uint32_t later_invites = 0;
  for (auto it = t.days.rbegin(); it != t.days.rend() && it->day >= window_start; ++it) {
    if (it->day > from) {
      later_invites += it->invites;
      continue;
    }
    f.window.Add(*it);
    if (it->active) ++f.active_days_window;
  }
  // Invites count over the whole history: those on or before `from` (every
  // day after `from` is inside the loop above, as window_start <= from).
  f.total.invites = at_to.total.invites - later_invites;
  return EvaluateLevel(f, from, cfg);
}

}  // namespace

LevelTransitions ComputeLevelTransitions(const MemberTable& t, int32_t from, int32_t to) {
  LevelTransitions r;
  r.from = from;
  r.to = to;
  // The table already holds everyone's facts and level at its day.
  const bool at_table_day = to == t.day && from <= to && t.profiles.size() == t.timelines.size();
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

// Population views over a MemberTable: stage counts, the pyramid (level
// shares and the level transition rate 层级跃迁率), the 80/20 contribution
// view with its Lorenz curve, and RFM tier counts (docs/members.md §4–§6).
// Thread-safety: pure functions.
#ifndef QUN_CORE_MEMBERS_POPULATION_H_
#define QUN_CORE_MEMBERS_POPULATION_H_

#include <array>
#include <cstdint>
#include <vector>

#include "core/members/profile.h"

namespace qun {

struct StageCounts {
  std::array<uint32_t, kStageCount> count{};  // indexed by Stage
  uint32_t members = 0;                       // people with a stage (is_member)
};
StageCounts CountStages(const MemberTable& t);

struct PyramidCounts {
  std::array<uint32_t, 6> count{};  // [0] = not in the pyramid (left), [1..5] = L1..L5
  uint32_t total = 0;               // L1..L5
  double share(int level) const { return total ? static_cast<double>(count[level]) / total : 0.0; }
};
PyramidCounts CountLevels(const MemberTable& t);

// Levels at the end of day `from` (the day before the period) against the
// end of day `to`, for every person seen by `to`. A person unseen at `from`
// starts at level 0.
struct LevelTransitions {
  int32_t from = kNoDay, to = kNoDay;
  uint32_t promoted = 0;        // level_to > level_from (including 0 -> L1+ … only when from >= 1)
  uint32_t demoted = 0;         // 1 <= level_to < level_from
  uint32_t eligible_up = 0;     // level_from in 1..4: could move up
  uint32_t eligible_down = 0;   // level_from in 2..5
  double transition_rate = 0;   // promoted / eligible_up (层级跃迁率)
  double demotion_rate = 0;     // demoted / eligible_down
  std::array<std::array<uint32_t, 6>, 6> matrix{};  // [from][to]

  void Count(int a, int b) {
    ++matrix[a][b];
    if (a >= 1 && a <= 4) {
      ++eligible_up;
      if (b > a) ++promoted;
    }
    if (a >= 2) {
      ++eligible_down;
      if (b >= 1 && b < a) ++demoted;
    }
  }
  void Finish() {
    transition_rate = eligible_up ? static_cast<double>(promoted) / eligible_up : 0;
    demotion_rate = eligible_down ? static_cast<double>(demoted) / eligible_down : 0;
  }
};
LevelTransitions ComputeLevelTransitions(const MemberTable& t, int32_t from, int32_t to);

struct ContributionView {
  double total = 0;
  uint32_t members = 0;
  uint32_t top_n = 0;          // ceil(20% of members)
  double top20_share = 0;      // contribution of the top_n ÷ total
  double gini = 0;
  // Lorenz curve: (share of members, share of contribution) for k = 0..20,
  // x = k/20, counting the round(x·n) lowest contributors.
  std::vector<std::pair<double, double>> lorenz;
};
ContributionView ComputeContribution(const MemberTable& t);

struct RfmCounts {
  std::array<uint32_t, kRfmTierCount> count{};
  uint32_t members = 0;
};
RfmCounts CountRfm(const MemberTable& t);

// Every view above at the table's day, as MembersOverviewJson shows them
// (transitions over the 7 days ending t.day). FinishMemberTable stores it in
// the table, so reading the overview costs O(1) instead of O(people).
struct PopulationStats {
  StageCounts stages;
  PyramidCounts pyramid;
  LevelTransitions week;
  ContributionView contribution;
  RfmCounts rfm;
};
PopulationStats ComputePopulation(const MemberTable& t);

}  // namespace qun

#endif  // QUN_CORE_MEMBERS_POPULATION_H_

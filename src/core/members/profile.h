// Member intelligence: what qun knows about each person as of an evaluation
// day — activity facts, stage, pyramid level, contribution value, RFM and
// tags (every rule and number: docs/members.md).
//
// The evaluation day is always a parameter ("now" is never read from a
// clock). Profiles are computed from an ActivityLedger (maintained
// incrementally by MemberLedgerModule) by combining the day rows of each
// person's accounts, so merges and unmerges are reflected immediately.
//
// Thread-safety: functions are pure over their arguments; callers hold the
// workspace read lock while the engine and ledger are read.
#ifndef QUN_CORE_MEMBERS_PROFILE_H_
#define QUN_CORE_MEMBERS_PROFILE_H_

#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/engine/engine.h"
#include "core/members/activity_ledger.h"

namespace qun {

constexpr int32_t kNoDay = std::numeric_limits<int32_t>::min();

enum class Stage : uint8_t { kNewcomer = 0, kActive, kSilent, kChurnRisk, kChurned, kResurrected, kNone };
constexpr int kStageCount = 6;
std::string_view StageName(Stage s);  // "newcomer", "active", "silent", "churn-risk", "churned", "resurrected", "none"
std::optional<Stage> ParseStage(std::string_view s);

// Pyramid levels 1..5; 0 = not in the pyramid (a member who left).
constexpr int kLevelCount = 5;
std::string_view LevelName(int level);  // "L1 potential" … "L5 KOC"

enum class RfmTier : uint8_t {
  kChampions = 0, kLoyal, kPotentialLoyalist, kNew, kPromising, kNeedAttention,
  kAboutToSleep, kAtRisk, kCantLoseThem, kHibernating, kLost, kNone
};
constexpr int kRfmTierCount = 11;
std::string_view RfmTierName(RfmTier t);  // "Champions", "Can't lose them", …
std::string_view RfmTierSlug(RfmTier t);  // "champions", "cant_lose_them", …
std::optional<RfmTier> ParseRfmTier(std::string_view slug_or_name);
// The documented R × FM grid (docs/members.md §6). r, fm in 1..5.
RfmTier RfmTierFor(int r, int fm);

struct StageRules {
  int newcomer_days = 7;        // joined within the last N days (day 0 = as-of day)
  int active_days = 14;         // active within the last N days
  int churn_risk_days = 30;     // inactive for >= N days
  int churned_days = 60;        // inactive for >= N days (or left)
  int resurrect_gap_days = 30;  // a gap of >= N days without activity …
  int resurrect_recent_days = 14;  // … ended within the last N days
};

// All conditions are ANDed; counts are over the level window ending on the
// evaluation day, invites and tenure over the whole history.
struct LevelRule {
  int min_active_days = 0;
  int min_replies_given = 0;
  int min_engagement_received = 0;  // replies + reactions received
  int min_invites = 0;              // invites converted, lifetime
  int min_ugc = 0;                  // messages that drew engagement
  int min_tenure_days = 0;          // days since joining
};

struct ContributionWeights {
  double message = 1;
  double reply_received = 2;
  double reaction_received = 1;
  double invite = 5;
  double ugc = 3;
  double answer = 2;
};

struct MemberConfig {
  StageRules stage;
  int level_window_days = 30;
  LevelRule l3{.min_active_days = 3};
  LevelRule l4{.min_active_days = 8, .min_replies_given = 3, .min_engagement_received = 3, .min_tenure_days = 14};
  LevelRule l5{.min_active_days = 12, .min_replies_given = 10, .min_engagement_received = 20,
               .min_invites = 1, .min_ugc = 3, .min_tenure_days = 30};
  ContributionWeights weights;
  int rfm_frequency_days = 90;
};

// The combined day rows of one person (all their accounts) in scope.
struct PersonTimeline {
  uint32_t member = kNone;
  std::vector<DayCounts> days;  // sorted, one per day
  int32_t first_day = kNoDay;   // first event of any kind
  int32_t join_day = kNoDay;    // first member.joined
  int32_t last_join_day = kNoDay;
  int64_t last_join_ts = -1, last_left_ts = -1;  // engine seconds, -1 = never
  int32_t left_day = kNoDay;
  int last_nps = -1;
  // A person who ever left (last_left_ts >= 0): every join and leave
  // milestone of their accounts, so that LeftAsOf can answer for an earlier
  // day. Empty for everyone else (most people).
  std::vector<Milestone> membership;
};

// True when, at the end of `day`, the person's latest member.left (on or
// before `day`) is later than their latest member.joined (on or before
// `day`) — docs/members.md §3 "left". For days before the timeline's own day
// this reads `membership`, not last_left_ts / last_join_ts (a person who left
// and rejoined since `day` had still left on `day`).
bool LeftAsOf(const PersonTimeline& t, int32_t day);

// Builds the timeline of `member` (kNone-free; merged-away ids give an
// empty timeline) from the ledger as of `until_day`: only rows and
// milestones on or before it are taken.
PersonTimeline BuildTimeline(const Engine& engine, const ActivityLedger& ledger, uint32_t member,
                             int32_t until_day = std::numeric_limits<int32_t>::max());

// Facts of a person on evaluation day `day` (only rows <= day).
struct MemberFacts {
  bool seen = false;       // any event on or before day
  bool is_member = false;  // joined, or ever active (acting implies membership)
  bool left = false;       // the latest member.left is after the latest join
  int32_t first_seen_day = kNoDay, last_seen_day = kNoDay;
  int32_t join_day = kNoDay;  // member.joined, else first active day
  int32_t first_active_day = kNoDay, last_active_day = kNoDay;
  int32_t return_day = kNoDay;  // first active day after the latest gap >= resurrect_gap_days
  int active_days = 0;          // lifetime
  int active_days_window = 0;   // within the level window
  int active_days_rfm = 0;      // within the RFM frequency window
  DayCounts total;              // lifetime sums (day field unused)
  DayCounts window;             // sums over the level window
};
MemberFacts FactsAt(const PersonTimeline& t, int32_t day, const MemberConfig& cfg);

Stage ClassifyStage(const MemberFacts& f, int32_t day, const StageRules& r);
// 1..5, or 0 for a person who left or was never seen.
int EvaluateLevel(const MemberFacts& f, int32_t day, const MemberConfig& cfg);
double Contribution(const DayCounts& c, const ContributionWeights& w);

struct LevelChange {
  int32_t day;  // evaluation day on which the new level was first observed
  int level;
};
// Levels evaluated at the end of every ISO week (Sunday) from the person's
// first week to `day`, plus `day` itself; only changes are listed.
std::vector<LevelChange> LevelHistory(const PersonTimeline& t, int32_t day, const MemberConfig& cfg);

struct RfmScore {
  int r = 0, f = 0, m = 0, fm = 0;
  RfmTier tier = RfmTier::kNone;
};

struct MemberProfile {
  uint32_t member = kNone;
  MemberFacts facts;
  Stage stage = Stage::kNone;
  int level = 0;
  double contribution = 0;
  RfmScore rfm;
  std::vector<std::string> tags;  // rule-based then manual, sorted, unique
  std::vector<std::string> manual_tags;
};

// What the population views (population.h) read of one profile, packed so
// they scan 16 bytes per person instead of whole profiles.
struct ProfileSummary {
  double contribution = 0;
  Stage stage = Stage::kNone;
  uint8_t level = 0;
  uint8_t level_week_before = 0;  // level at day − 7 (LevelBefore)
  RfmTier rfm_tier = RfmTier::kNone;
  bool is_member = false;
};

struct PopulationStats;  // population.h

// Every seen person in scope, as of `day` (the ledger is read as of `day`).
struct MemberTable {
  int32_t day = kNoDay;
  MemberConfig config;
  std::vector<MemberProfile> profiles;  // ordered by member id
  std::vector<PersonTimeline> timelines;  // parallel to profiles
  bool has_orders = false;  // any order in scope: M enters the RFM FM score
  // Filled by BuildMemberTable; empty in tables made by hand (the views then
  // read `profiles`). Whoever changes a profile's stage, level, RFM or
  // contribution afterwards must clear both.
  std::vector<ProfileSummary> summary;         // parallel to profiles
  std::vector<double> member_contributions;    // of is_member profiles, ascending
  std::vector<double> member_monetary;         // gmv_minor > 0 of is_member profiles, ascending
  // The population views at `day` (ComputePopulation), set by
  // FinishMemberTable; MembersOverviewJson reads it instead of scanning
  // everyone. Cleared (null) by whoever clears `summary`.
  std::shared_ptr<const PopulationStats> population;
};

// EvaluateLevel(FactsAt(t, from), from) for a person whose facts at a later
// day `to` >= from are `at_to` (FactsAt(t, to)): reads only the level window
// ending at `from` and the days after it.
int LevelBefore(const PersonTimeline& t, const MemberFacts& at_to, int32_t from, const MemberConfig& cfg);
MemberTable BuildMemberTable(const Engine& engine, const ActivityLedger& ledger, int32_t day,
                             const MemberConfig& cfg = {});

// The parts of BuildMemberTable that PatchMemberTable (member_table_patch.h)
// shares. EvaluateProfile: the profile of a person with timeline `t` (first
// day <= day) as of `day` — facts, stage, level, contribution, rule tags; no
// RFM, no manual tags. SummaryOf: its ProfileSummary (rfm_tier left kNone).
MemberProfile EvaluateProfile(const PersonTimeline& t, int32_t day, const MemberConfig& cfg);
ProfileSummary SummaryOf(const MemberProfile& p, const PersonTimeline& t, int32_t day, const MemberConfig& cfg);

// Rule-based tags (docs/members.md §7).
std::vector<std::string> RuleTags(const MemberProfile& p, int last_nps);

// Adds manual tags given as (account key "platform:ext_id", tag) to the
// profiles of the people owning those accounts now; unknown keys are
// ignored. Each profile's `tags` becomes rule tags ∪ manual tags, sorted.
void ApplyManualTags(const Engine& engine, MemberTable& table,
                     const std::vector<std::pair<std::string, std::string>>& account_tags);

// "platform:ext_id" of an account; manual tags are keyed by it so they
// survive merges, unmerges and rebuilds.
std::string AccountKey(const Engine& engine, uint32_t account);

}  // namespace qun

#endif  // QUN_CORE_MEMBERS_PROFILE_H_

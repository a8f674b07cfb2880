// Community health score: ten indicators worth 10 points each, a 0–100 total
// with a maturity grade, and a concrete suggestion (zh-CN and en) for every
// weak indicator. Every curve, threshold and suggestion: docs/health.md.
//
// Two steps, so each is testable alone:
//   GatherHealthInputs  reads the engine (member ledger + metrics module)
//                       for one scope and evaluation day;
//   ScoreHealth         turns inputs into points — pure arithmetic.
// An input that has no data (e.g. no questions were asked) is nullopt; its
// part of the indicator scores half its points and the suggestion says how
// to start measuring it.
//
// Thread-safety: pure functions; GatherHealthInputs runs under the workspace
// read lock.
#ifndef QUN_CORE_HEALTH_HEALTH_H_
#define QUN_CORE_HEALTH_HEALTH_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/time.h"
#include "core/engine/engine.h"
#include "core/members/profile.h"

namespace qun {

struct HealthScope {
  uint32_t community = kNone;  // kNone = the whole workspace
  TimeZone tz = TimeZone::Utc();
  int32_t day = kNoDay;        // evaluation day (inclusive); the 7 days ending it are "the week"
  MemberConfig members;
};

struct HealthInputs {
  int32_t day = kNoDay;
  // 1 activity: mean DAU/MAU over the 7 days ending `day`.
  std::optional<double> stickiness;
  // 2 interaction rate of the ISO week holding `day`, up to `day`.
  std::optional<double> interaction_rate;
  // 3 newcomers who joined on days day-29 … day-2, and the share of them
  // active on their join day or one of the 2 days after.
  uint32_t newcomers = 0;
  std::optional<double> newcomer_integration;
  // 4 week-1 retention of the (up to) 4 latest non-empty weekly cohorts
  // whose next week has ended by `day`, pooled.
  std::optional<double> retention_w1;
  // 5 pyramid: shares among members in L2..L5, and the transition rate over
  // the 7 days ending `day`.
  std::optional<double> active_share;  // (L3+L4+L5) / (L2..L5)
  std::optional<double> core_share;    // (L4+L5) / (L2..L5)
  std::optional<double> transition_rate;
  // 6 (silent + churn-risk) / members whose stage is not churned.
  std::optional<double> silent_share;
  // 7 content mix drift (0..1) and click-through of the last 30 days.
  std::optional<double> content_drift;
  std::optional<double> click_through;
  // 8 responsiveness of the last 30 days.
  std::optional<double> median_first_reply_s;
  std::optional<double> unanswered_share;
  // 9 complaints: report.filed events plus messages inline moderation
  // flagged (or worse) in the 7 days ending `day`, per 100 current members.
  uint64_t reports = 0;
  uint64_t moderation_flags = 0;  // from the engine's ModerationTally (0 when moderation is off)
  uint32_t members = 0;           // members now (not left)
  std::optional<double> reports_per_100;  // 100 × (reports + moderation_flags) / members
  // 10 NPS of the last 90 days and purchase conversion (buyers / visitors)
  // of the last 30 days.
  std::optional<double> nps;
  std::optional<double> purchase_conversion;
};

enum class HealthIndicatorId : uint8_t {
  kActivity = 0, kInteraction, kNewcomer, kRetention, kPyramid,
  kSilent, kContent, kResponsiveness, kComplaints, kConversion
};
constexpr int kHealthIndicatorCount = 10;

struct HealthIndicator {
  HealthIndicatorId id;
  double score = 0;                 // 0..10, rounded to 0.1
  std::optional<double> value;      // the headline value (a ratio, seconds, or per-100)
  bool weak = false;                // score < kWeakBelow
  bool no_data = false;             // every input of the indicator was missing
};
constexpr double kWeakBelow = 6.0;

struct HealthScore {
  HealthInputs inputs;
  std::array<HealthIndicator, kHealthIndicatorCount> indicators;
  double total = 0;     // sum of indicator scores, rounded to 0.1
  std::string grade;    // A … E
};

HealthInputs GatherHealthInputs(const Engine& engine, const HealthScope& scope);
// The same with the member table of the scope already built: `members` must
// be BuildMemberTable(engine, *LedgerFor(engine, {scope.tz, scope.community,
// scope.day}), scope.day, scope.members) (the weekly report shares its own).
HealthInputs GatherHealthInputs(const Engine& engine, const HealthScope& scope, const MemberTable& members);
HealthScore ScoreHealth(const HealthInputs& in);

// "activity", "interaction", … (stable ids used in JSON and docs).
std::string_view IndicatorKey(HealthIndicatorId id);
// Display name and suggestion in "zh" or "en" (anything else = en).
std::string_view IndicatorName(HealthIndicatorId id, std::string_view lang);
// The suggestion for a weak indicator ("" when not weak). no_data selects
// the "start measuring" text.
std::string_view IndicatorSuggestion(const HealthIndicator& ind, std::string_view lang);
// Grade letter → maturity label ("thriving"/"繁荣期" …).
std::string_view GradeMaturity(std::string_view grade, std::string_view lang);
// The indicator's value as text for people ("23.4%", "42 min", "1.2 / 100").
std::string IndicatorValueText(const HealthIndicator& ind, std::string_view lang);

}  // namespace qun

#endif  // QUN_CORE_HEALTH_HEALTH_H_

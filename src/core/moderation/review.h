// The review queue's domain: items flagged for human review, reviewers'
// decisions, and the false-positive rate per rule derived from them
// (docs/moderation.md#review-queue). Persistence is in
// src/store/sqlite/review_store.h; this file is pure.
//
// Thread-safety: plain values and pure functions.
#ifndef QUN_CORE_MODERATION_REVIEW_H_
#define QUN_CORE_MODERATION_REVIEW_H_

#include <cstdint>
#include <climits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/moderation/engine.h"

namespace qun::moderation {

enum class ReviewStatus : uint8_t { kPending = 0, kConfirmed, kOverturned };
std::string_view ReviewStatusName(ReviewStatus s);
std::optional<ReviewStatus> ParseReviewStatus(std::string_view name);

// confirm: the findings were right (true positive); overturn: the message
// was fine (false positive).
enum class Decision : uint8_t { kConfirm = 0, kOverturn };
std::string_view DecisionName(Decision d);
std::optional<Decision> ParseDecision(std::string_view name);

struct ReviewItem {
  int64_t id = 0;
  uint64_t seq = 0;        // the stored event's seq when enqueued by ingest; 0 otherwise
  std::string source_ref;  // event id, or FILE:LINE
  std::string community;
  std::string member;
  int64_t ts_ms = 0;       // the message's time (0 if unknown)
  std::string text;
  Action action = Action::kFlag;
  std::vector<std::string> rules;  // rules that produced findings
  std::string findings_json;       // the findings as a JSON array
  // Inline moderation: the messages just before it in the same community,
  // oldest first, as a JSON array [{"seq","ts_ms","member","text"}] ("[]" otherwise).
  std::string context_json = "[]";
  ReviewStatus status = ReviewStatus::kPending;
  int64_t enqueued_ms = 0;
};

struct ReviewDecision {  // one audit row; never updated or deleted
  int64_t id = 0;
  int64_t item_id = 0;
  Decision decision = Decision::kConfirm;
  std::string reviewer;
  std::string note;
  int64_t decided_ms = 0;
};

// Filters for listing the review queue (all optional; AND-ed).
struct ReviewFilter {
  std::optional<ReviewStatus> status;
  std::string rule;       // items on which this rule fired
  std::string community;  // the community's platform id
  int64_t limit = 100;
  int64_t offset = 0;     // items to skip (newest first)
};

// One moderated message whose verdict was not allow, as stored by inline
// moderation (docs/moderation.md#ingest-hook).
struct FindingRecord {
  uint64_t seq = 0;          // the event's store seq (primary key)
  std::string event_id;
  std::string platform;
  std::string community;
  std::string member;        // "platform:actor"
  int64_t person = -1;       // member number in the workspace (-1 unknown)
  int64_t ts_ms = 0;         // the message's time
  std::string type;          // message.posted | message.edited
  Action action = Action::kFlag;
  std::vector<std::string> rules;
  std::string findings_json;  // FindingsJson: rule, source, word, category, severity, start, end, action
  std::string masked;
  int64_t review_item = 0;    // review queue item (0 = none)
};

struct FindingFilter {
  std::string community;
  std::string rule;
  std::string member;
  Action min_action = Action::kFlag;
  int64_t since_ms = INT64_MIN;
  uint64_t before_seq = 0;  // paging: only seq < before_seq (0 = no bound)
  int64_t limit = 100;
};

// An entry of the shared ban list.
struct BanRecord {
  std::string member;  // member key, "platform:actor"
  std::string reason;
  std::string by;      // who (token name, "ladder", "cli")
  int64_t created_ms = 0;
};

struct RuleOutcome {
  std::string rule;
  int64_t pending = 0, confirmed = 0, overturned = 0;
  // overturned / (confirmed + overturned); nullopt while nothing is decided.
  std::optional<double> false_positive_rate;
};

// The rules of a result's findings, distinct, in order of first finding.
std::vector<std::string> RulesOf(const ModerationResult& r);
// The findings as a JSON array [{rule, source, word, category, severity, start, end, action}].
std::string FindingsJson(const ModerationResult& r);
// Fills false_positive_rate from the counts (the formula of the docs).
void ComputeFalsePositiveRate(RuleOutcome* o);
// Checks a reviewer's decision input: reviewer non-empty, at most 200 bytes,
// note at most 2000 bytes. kInvalidArgument otherwise.
Status ValidateDecision(std::string_view reviewer, std::string_view note);

}  // namespace qun::moderation

#endif  // QUN_CORE_MODERATION_REVIEW_H_

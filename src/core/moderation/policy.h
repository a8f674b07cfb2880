// Moderation policies: which findings lead to which action
// (docs/moderation.md#policy has the file format, with an example).
//
// A Policy is a plain value parsed from JSON by ParsePolicy; Policy{} is the
// default policy (normalization on, every lexicon match flagged, detectors
// off). Thread-safety: plain values.
#ifndef QUN_CORE_MODERATION_POLICY_H_
#define QUN_CORE_MODERATION_POLICY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/moderation/lexicon.h"
#include "core/moderation/normalizer.h"
#include "qun/status.h"

namespace qun::moderation {

// Ordered by strength: a message's verdict is the strongest action any of
// its findings (or the punishment ladder) asks for.
enum class Action : uint8_t { kAllow = 0, kFlag, kMask, kRecall, kMute, kRemove };
std::string_view ActionName(Action a);
std::optional<Action> ParseAction(std::string_view name);
// The coarse verdict of `qun moderate --json`: allow, flag, mask or block
// (recall, mute and remove are all "block").
std::string_view VerdictName(Action a);

// Detector names, as used in rules and findings.
inline constexpr std::string_view kDetectorNames[] = {"link", "qr", "phone", "wechat", "flood",
                                                      "duplicate", "mentions", "new_member_link", "banned"};

struct Rule {
  std::string id;
  std::string source = "lexicon";        // "lexicon" or a detector name
  std::vector<std::string> categories;   // lexicon rules: empty = any category
  int min_severity = 1;
  Action action = Action::kFlag;
};

struct DetectorSettings {
  bool link = false, qr = false, phone = false, wechat = false;
  bool flood = false, duplicate = false, mentions = false, new_member_link = false;
  int flood_messages = 10;             // more than this many messages ...
  int64_t flood_window_ms = 60'000;    // ... by one member in one community within this window
  int duplicate_communities = 3;       // the same text in at least this many communities ...
  int64_t duplicate_window_ms = 600'000;
  int duplicate_max_distance = 3;      // SimHash Hamming distance that still counts as "same"
  size_t duplicate_min_chars = 12;     // shorter messages are never duplicates
  int mentions_max = 5;                // at least this many mentions
  int64_t new_member_window_ms = 86'400'000;
};

struct LadderStep {
  int infractions = 3;       // this many infractions ...
  int64_t window_ms = 3'600'000;  // ... within this window ...
  Action action = Action::kMute;  // ... raise the verdict to at least this
  int64_t mute_ms = 3'600'000;
  bool ban = false;          // also put the member on the shared ban list
};

struct Policy {
  NormalizeOptions normalize;
  MatcherOptions matcher;
  std::vector<std::string> allow;  // allow-list words (in addition to allow-list files)
  std::vector<Rule> rules;         // first matching rule decides a finding's action
  Action default_lexicon_action = Action::kFlag;
  Action default_detector_action = Action::kFlag;
  DetectorSettings detectors;
  std::vector<LadderStep> ladder;  // sorted by infractions, ascending
  Action ladder_counts_from = Action::kMask;  // verdicts at least this strong are infractions

  // The action for a finding from `source` with `category` and `severity`,
  // and the id of the rule that decided ("default" when none did).
  Action ActionFor(std::string_view source, std::string_view category, int severity,
                   std::string* rule_id) const;
};

// Parses a policy file's text. Unknown keys are errors (a typo must not
// silently weaken moderation). Errors are kInvalidArgument and name the key
// path: "policy: rules[2].action: unknown action 'ban'".
Result<Policy> ParsePolicy(std::string_view json);

}  // namespace qun::moderation

#endif  // QUN_CORE_MODERATION_POLICY_H_

// The moderation engine: the inline hook ingest calls for every
// message.posted event (docs/moderation.md#ingest-hook).
//
//   auto ruleset = BuildRuleset(policy, entries, t2s);   // once, or on reload
//   ModerationEngine engine(*ruleset);
//   ModerationResult r = engine.Moderate(event);         // per event
//
// A Ruleset (policy + normalizer tables + matcher) is immutable. The engine
// holds the current one in a shared_ptr swapped under a tiny lock: Reload()
// never pauses traffic; a Moderate() call already running finishes on the
// ruleset it started with.
//
// Thread-safety: every public method may be called from any thread.
// Stateless work (normalization, matching, stateless detectors) runs in
// parallel; the bounded history of the stateful detectors and the ban list
// sit behind one mutex held only for their O(window) update.
#ifndef QUN_CORE_MODERATION_ENGINE_H_
#define QUN_CORE_MODERATION_ENGINE_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/moderation/detectors.h"
#include "core/moderation/lexicon.h"
#include "core/moderation/policy.h"
#include "qun/event.h"
#include "qun/status.h"

namespace qun::moderation {

struct Ruleset {
  Policy policy;
  std::shared_ptr<const LexiconMatcher> matcher;
};

// Builds a ruleset: the fold table for policy.normalize (with `t2s`), the
// policy's inline allow words added to `entries`, then the matcher.
Result<std::shared_ptr<const Ruleset>> BuildRuleset(Policy policy, std::vector<LexiconEntry> entries,
                                                    const CharMapping& t2s);

struct Finding {
  std::string rule;      // rule id that decided the action ("lexicon:<category>" by default)
  std::string source;    // "lexicon" or a detector name
  std::string word;      // lexicon entry; detector detail otherwise
  std::string category;  // lexicon category; the detector name otherwise
  int severity = 0;
  uint32_t start = 0;    // UTF-8 byte offsets into the message text, end exclusive
  uint32_t end = 0;
  Action action = Action::kAllow;
};

struct ModerationResult {
  Action action = Action::kAllow;  // the verdict
  std::vector<Finding> findings;
  std::string masked;              // the text with every lexicon/phone/wechat finding masked ('*' per char)
  int64_t mute_ms = 0;             // when a ladder step mutes
  bool banned = false;             // the member is (now) on the shared ban list
  std::string ladder;              // "3 infractions in 3600s" when a ladder step applied
};

class ModerationEngine {
 public:
  explicit ModerationEngine(std::shared_ptr<const Ruleset> ruleset);

  // Moderates one event. message.posted (and message.edited): full
  // moderation. member.joined: recorded for first-day-link detection,
  // returns allow. Other types: allow, nothing recorded. Uses only the
  // event's own time.
  ModerationResult Moderate(const Event& e);
  // Records an already-moderated event in the stateful detectors' history
  // exactly as Moderate does (flood counts, near-duplicate texts, joins,
  // ladder infractions), but never adds to the ban list and returns nothing:
  // replaying the recent past after a restart (docs/moderation.md#detector-history).
  void WarmHistory(const Event& e);
  // The longest window any enabled stateful detector or ladder step of the
  // current ruleset looks back over, in ms (0 when none is enabled).
  int64_t HistoryWindowMs() const;
  // Stateless moderation of a bare text (lexicon and stateless detectors).
  ModerationResult ModerateText(std::string_view text) const;

  // Swaps in a new ruleset (hot reload) without pausing callers.
  void Reload(std::shared_ptr<const Ruleset> ruleset);
  std::shared_ptr<const Ruleset> ruleset() const;

  // The ban list shared by every community and platform; keys are member
  // keys ("platform:actor", or a person id from identity resolution).
  void Ban(std::string member_key);
  void Unban(const std::string& member_key);
  bool IsBanned(const std::string& member_key) const;

  static std::string MemberKey(const Event& e);

 private:
  ModerationResult Run(const Event& e, bool may_ban);
  ModerationResult Evaluate(const Ruleset& rs, std::string_view text, size_t mentions, NormalizedText* scratch) const;

  mutable std::mutex ruleset_mu_;
  std::shared_ptr<const Ruleset> ruleset_;
  mutable std::mutex state_mu_;
  MessageHistory history_;
  std::unordered_set<std::string> bans_;
};

// Appends a ModerationResult's findings, verdict and masked text as the
// `qun moderate --json` object (docs/moderation.md#cli).
void AppendModerationJson(std::string& out, const ModerationResult& r);

}  // namespace qun::moderation

#endif  // QUN_CORE_MODERATION_ENGINE_H_

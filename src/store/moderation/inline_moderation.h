// Inline moderation of ingest (docs/moderation.md#ingest-hook): the
// per-data-directory configuration (<data-dir>/moderation.json), the live
// ModerationEngine built from it, and moderation.db (findings, watermark,
// review queue, ban list) behind one lock.
//
// The Workspace owns one InlineModeration and calls ModerateAndStore for the
// events of every committed batch; the server's moderation routes use the
// store accessors. Findings and the watermark ("every seq up to here has been
// moderated") commit in one moderation.db transaction, after the events'
// own commit in qun.db; a crash between the two leaves the watermark behind,
// and the next open catches up.
//
// Thread-safety: every public method may be called from any thread; the
// moderation.db connection is used under an internal mutex.
#ifndef QUN_STORE_MODERATION_INLINE_MODERATION_H_
#define QUN_STORE_MODERATION_INLINE_MODERATION_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/moderation/engine.h"
#include "core/moderation/review.h"
#include "qun/event.h"
#include "qun/status.h"
#include "store/sqlite/review_store.h"

namespace qun::store {

// What `qun moderation enable` stores in <data-dir>/moderation.json:
// {"version":1,"lexicons":[…],"allow":[…],"policy":"…"} with absolute paths.
struct ModerationConfig {
  std::vector<std::string> lexicons;
  std::vector<std::string> allow;
  std::string policy;  // "" = the default policy
};

std::string ModerationConfigPath(const std::string& data_dir);
// nullopt when moderation is not enabled (no file). kInvalidArgument for a
// malformed file (the message names the key).
Result<std::optional<ModerationConfig>> ReadModerationConfig(const std::string& data_dir);
// Writes the file atomically (temp file + rename).
Status WriteModerationConfig(const std::string& data_dir, const ModerationConfig& config);
// Removes the file; ok when it does not exist.
Status RemoveModerationConfig(const std::string& data_dir);

// One event to moderate: its store seq, the event, and its member number
// (-1 unknown).
struct ModerationInput {
  uint64_t seq = 0;
  const Event* event = nullptr;
  int64_t person = -1;
};

// One message of a review item's context (docs/moderation.md#review-context).
struct ContextMessage {
  uint64_t seq = 0;
  int64_t ts_ms = 0;
  std::string member;  // member key, "platform:actor"
  std::string text;    // cut at kMaxContextText bytes by ModerateAndStore
};
// Returns the context of the flagged message `e` (store seq `seq`): the
// messages before it in event time, oldest first. The Workspace provides it
// from the engine's columns and the store.
using ContextSource = std::function<std::vector<ContextMessage>(uint64_t seq, const Event& e)>;

class InlineModeration {
 public:
  // Opens <data_dir>/moderation.db. When moderation.json exists and
  // `build_engine` is set, loads the lexicons and policy (errors name the
  // file) and puts the persisted ban list into the engine. When !create and
  // moderation.db does not exist, returns nullptr (nothing to read).
  static Result<std::unique_ptr<InlineModeration>> Open(const std::string& data_dir, bool build_engine,
                                                        bool create);

  // Moderation is enabled for this data directory and the engine is built.
  bool enabled() const { return engine_ != nullptr; }
  // The current ruleset (nullptr when disabled), e.g. for POST /v1/moderate.
  std::shared_ptr<const moderation::Ruleset> ruleset() const;

  // Hot reload (SIGHUP to `qun serve`, POST /v1/moderation/reload): re-reads
  // <data_dir>/moderation.json, builds the new ruleset off the hot path and
  // swaps it in; messages being moderated finish on the old one, nothing
  // pauses. The ban list and detector history are kept. On any error the
  // running ruleset stays in place and the error names the file.
  // FailedPrecondition when moderation was not enabled at open (or has been
  // disabled since): enabling or disabling needs a restart.
  // Returns the number of lexicon entries now in force.
  Result<size_t> Reload(const std::string& data_dir);

  // Every seq up to here has been moderated (cached after the first read).
  Result<uint64_t> Watermark();
  // Moderates `events` (new events in seq order; only message.posted,
  // message.edited and member.joined matter), stores the findings whose
  // verdict is flag or stronger with a review item each, persists bans a
  // ladder step imposed, and raises the watermark to `watermark` — all in
  // one transaction. Each review item's context comes from `context`
  // (nullptr: none). Returns the seqs of the new findings.
  // FailedPrecondition when moderation is disabled.
  Result<std::vector<uint64_t>> ModerateAndStore(const std::vector<ModerationInput>& events,
                                                 uint64_t watermark, const ContextSource& context = nullptr);
  // Feeds already-moderated events (in seq order) to the stateful detectors'
  // history (flood, near-duplicates, first-day links, ladders) without
  // storing anything or changing the ban list: the Workspace replays the
  // recent past with it at open (docs/moderation.md#detector-history).
  // No-op when moderation is disabled.
  void WarmHistory(const Event& e);
  // How far back (ms of event time) the detectors look: the longest window
  // of the current policy (flood, duplicate, new-member, ladder steps).
  // 0 when moderation is disabled.
  int64_t HistoryWindowMs() const;
  // The events after `seq` were discarded from the store: forget their
  // findings and lower the watermark.
  Status DiscardAfter(uint64_t seq);
  // Seqs of all stored findings, ascending (for the engine's tally).
  Result<std::vector<uint64_t>> FindingSeqs();

  // The review queue and findings, under the internal lock.
  Result<std::vector<moderation::ReviewItem>> ListReview(const moderation::ReviewFilter& f, int64_t* total);
  Result<moderation::ReviewItem> GetReview(int64_t id);
  Result<std::vector<moderation::ReviewDecision>> Audit(int64_t item_id);
  Status Decide(int64_t item_id, moderation::Decision d, const std::string& reviewer,
                const std::string& note);
  Result<std::vector<moderation::RuleOutcome>> RuleOutcomes();
  Result<std::vector<moderation::FindingRecord>> Findings(const moderation::FindingFilter& f);

  // The shared ban list: persisted and applied to the live engine at once.
  Result<std::vector<moderation::BanRecord>> Bans();
  Result<bool> Ban(const moderation::BanRecord& ban);
  Result<bool> Unban(const std::string& member);

 private:
  InlineModeration() = default;
  std::mutex mu_;
  std::unique_ptr<ReviewStore> store_;
  std::unique_ptr<moderation::ModerationEngine> engine_;
  std::optional<uint64_t> watermark_;
};

}  // namespace qun::store

#endif  // QUN_STORE_MODERATION_INLINE_MODERATION_H_

// The moderation store on SQLite (WAL), in <data-dir>/moderation.db: the
// review queue, the findings of inline moderation with their watermark, and
// the shared ban list (schema: docs/moderation.md#storage).
// Self-contained: its own file and schema (with a schema_version table),
// separate from the main event store. Every decision is appended to an
// audit table that is never updated or deleted.
//
// Ownership: a ReviewStore owns its connection. Thread-safety: one
// ReviewStore per thread; several processes may open the same file (WAL,
// busy timeout 5 s).
#ifndef QUN_STORE_SQLITE_REVIEW_STORE_H_
#define QUN_STORE_SQLITE_REVIEW_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/moderation/review.h"
#include "qun/status.h"

struct sqlite3;

namespace qun::store {

struct ReviewItemInput {
  uint64_t seq = 0;  // stored event seq (inline moderation), 0 otherwise
  std::string source_ref;
  std::string community;
  std::string member;
  int64_t ts_ms = 0;
  std::string text;
  std::string context_json = "[]";  // see moderation::ReviewItem::context_json
  moderation::ModerationResult result;
};

// What a review item shows besides the finding: the message and what came
// just before it.
struct ReviewContext {
  std::string text;
  std::string context_json = "[]";
};

class ReviewStore {
 public:
  static constexpr int kSchemaVersion = 2;

  // Opens (creating the folder and file if needed) <data_dir>/moderation.db.
  // kFailedPrecondition if the file has a newer schema; kUnavailable if it
  // cannot be opened; kDataLoss if it is not a database.
  static Result<std::unique_ptr<ReviewStore>> Open(const std::string& data_dir);
  ~ReviewStore();
  ReviewStore(const ReviewStore&) = delete;
  ReviewStore& operator=(const ReviewStore&) = delete;

  // Adds a pending item; returns its id. `now_ms` is the enqueue time
  // (0 = the store's wall clock).
  Result<int64_t> Enqueue(const ReviewItemInput& item, int64_t now_ms = 0);
  // Items, newest first; `status` filters (nullopt = all); at most `limit`.
  Result<std::vector<moderation::ReviewItem>> List(std::optional<moderation::ReviewStatus> status,
                                                   int64_t limit) const;
  // Items matching `filter`, newest first, and the number of all matches.
  Result<std::vector<moderation::ReviewItem>> List(const moderation::ReviewFilter& filter, int64_t* total) const;
  // One item, or kNotFound.
  Result<moderation::ReviewItem> Get(int64_t id) const;
  // Records a decision (audit row + item status) in one transaction.
  // kNotFound for an unknown item; kInvalidArgument for a bad reviewer.
  // Deciding again is allowed: the latest decision sets the status.
  Status Decide(int64_t item_id, moderation::Decision d, const std::string& reviewer, const std::string& note,
                int64_t now_ms = 0);
  // Audit rows, oldest first; item_id 0 = all.
  Result<std::vector<moderation::ReviewDecision>> Audit(int64_t item_id) const;
  // Counts per rule and the false-positive rate from decided items.
  Result<std::vector<moderation::RuleOutcome>> RuleOutcomes() const;

  // --- inline moderation ---
  // Every event with seq <= watermark has been moderated (0 on a new file).
  Result<uint64_t> Watermark() const;
  // In one transaction: stores `findings` (a seq already stored is skipped,
  // so a replay never duplicates), enqueues a review item (with context) for
  // each new finding, and sets the watermark to `watermark`.
  // New findings get the id of their review item; findings already stored
  // keep review_item 0.
  Status CommitFindings(std::vector<moderation::FindingRecord>& findings, const std::vector<ReviewContext>& context,
                        uint64_t watermark, int64_t now_ms = 0);
  // Forgets everything about events after `seq` (findings, their undecided
  // review items) and lowers the watermark to `seq` when above it: the
  // events were discarded from the store.
  Status DiscardAfter(uint64_t seq);
  // The seqs of stored findings, ascending.
  Result<std::vector<uint64_t>> FindingSeqs() const;
  // Findings matching `filter`, newest (highest seq) first.
  Result<std::vector<moderation::FindingRecord>> Findings(const moderation::FindingFilter& filter) const;

  // --- ban list ---
  Result<std::vector<moderation::BanRecord>> Bans() const;
  // Adds (or keeps) a ban; returns false when the member was already banned.
  Result<bool> AddBan(const moderation::BanRecord& ban);
  // Removes a ban; returns false when the member was not banned.
  Result<bool> RemoveBan(const std::string& member);

 private:
  explicit ReviewStore(sqlite3* db) : db_(db) {}
  Status Exec(const char* sql) const;
  Status Migrate();

  sqlite3* db_;
};

}  // namespace qun::store

#endif  // QUN_STORE_SQLITE_REVIEW_STORE_H_

// The moderation review queue on SQLite (WAL), in <data-dir>/moderation.db.
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
  std::string source_ref;
  std::string community;
  std::string member;
  int64_t ts_ms = 0;
  std::string text;
  moderation::ModerationResult result;
};

class ReviewStore {
 public:
  static constexpr int kSchemaVersion = 1;

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
  // Records a decision (audit row + item status) in one transaction.
  // kNotFound for an unknown item; kInvalidArgument for a bad reviewer.
  // Deciding again is allowed: the latest decision sets the status.
  Status Decide(int64_t item_id, moderation::Decision d, const std::string& reviewer, const std::string& note,
                int64_t now_ms = 0);
  // Audit rows, oldest first; item_id 0 = all.
  Result<std::vector<moderation::ReviewDecision>> Audit(int64_t item_id) const;
  // Counts per rule and the false-positive rate from decided items.
  Result<std::vector<moderation::RuleOutcome>> RuleOutcomes() const;

 private:
  explicit ReviewStore(sqlite3* db) : db_(db) {}
  Status Exec(const char* sql) const;
  Status Migrate();

  sqlite3* db_;
};

}  // namespace qun::store

#endif  // QUN_STORE_SQLITE_REVIEW_STORE_H_

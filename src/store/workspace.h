// Workspace: one data directory opened for use — the durable store (SQLite,
// WAL) plus the engine rebuilt from it — and the ingest path that keeps the
// two in step. Every surface (CLI commands, the HTTP server) goes through it.
//
// Ingest: events are validated, staged by the engine, committed by the store
// in one transaction per batch, then applied to the engine. An event is
// acknowledged (counted as imported) only after its transaction committed.
//
// Inline moderation (docs/moderation.md#ingest-hook): when moderation is
// enabled for the data directory (<data-dir>/moderation.json), every
// committed batch's messages are moderated right after the commit, findings
// go to moderation.db with a watermark, and the engine's ModerationTally
// learns the flagged rows. Opening for writing catches up on any seq above
// the watermark (a crash between the two commits loses nothing).
//
// Thread-safety: Ingest, Merge and Unmerge serialize on an internal writer
// mutex. Readers take `ReadLock()` (shared) while they look at engine();
// writers hold the exclusive lock only while applying a committed batch.
#ifndef QUN_STORE_WORKSPACE_H_
#define QUN_STORE_WORKSPACE_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/engine/engine.h"
#include "core/moderation/review_context.h"
#include "qun/event.h"
#include "qun/status.h"

namespace qun {

class SqliteStore;
namespace store {
class InlineModeration;
struct ContextMessage;
}

struct WorkspaceOptions {
  bool read_only = false;   // open for queries only (no ingest)
  bool create = true;       // create the data directory when missing
};

struct IngestSummary {
  uint64_t imported = 0;    // new events committed
  uint64_t duplicates = 0;  // already stored (or repeated within the input)
  uint64_t rejected = 0;    // invalid (only with skip-invalid; else the call fails)
  uint64_t flagged = 0;     // new moderation findings (verdict flag or stronger)
};

class Workspace {
 public:
  // Opens (creating if allowed) the data directory and rebuilds the engine.
  // Unavailable when another process holds the writer lock; DataLoss when the
  // store is unreadable; FailedPrecondition for a newer schema.
  static Result<std::unique_ptr<Workspace>> Open(const std::string& data_dir, WorkspaceOptions options = {});
  ~Workspace();

  const std::string& data_dir() const { return data_dir_; }
  const Engine& engine() const { return *engine_; }
  std::shared_lock<std::shared_mutex> ReadLock() const { return std::shared_lock(state_mutex_); }

  // Commits `events` (already validated) as one atomic batch and applies it.
  // On error nothing of the batch is stored or applied.
  Result<IngestSummary> IngestBatch(std::vector<Event> events);

  // A point to return to: DiscardSince(mark) removes everything ingested
  // after it (one transaction) and leaves the workspace closed for further
  // use — its engine no longer matches the store; reopen to continue. Used
  // by `qun import` so a failed invocation stores nothing. FailedPrecondition
  // if identity operations were recorded after the mark.
  struct Mark {
    uint64_t seq;
    uint32_t accounts;
    uint32_t communities;
    size_t merges;
  };
  Mark MarkNow() const;
  Status DiscardSince(const Mark& mark);

  // Manual identity operations, persisted and applied (see Engine).
  Result<uint32_t> Merge(uint32_t into, uint32_t from, const std::string& reason);
  Status Unmerge(uint32_t merge_id, const std::string& reason);

  // The stored canonical JSON of event `seq`, or NotFound.
  Result<std::string> EventJson(uint64_t seq) const;

  // Appends a line to the import log (what was imported from where).
  Status RecordImport(std::string_view source, const IngestSummary& summary);

  SqliteStore& store() { return *store_; }
  // moderation.db and the inline moderation engine; nullptr only for a
  // read-only workspace whose data directory has no moderation.db.
  store::InlineModeration* moderation() const { return moderation_.get(); }
  // Moderates stored events above the watermark (done by Open and before
  // each batch; public for tests). Returns how many findings it added.
  Result<uint64_t> CatchUpModeration();
  bool read_only() const { return read_only_; }

 private:
  Workspace() = default;
  Status Rebuild();
  Status LoadModeration();
  // Moderates a committed batch (writer mutex held); failures are reported
  // on stderr and retried by the next catch-up: the events stay acknowledged.
  uint64_t ModerateCommitted(const StagedBatch& b);
  void AddToTally(const std::vector<uint64_t>& seqs);
  // The review context of flagged event `seq` (docs/moderation.md#review-context):
  // the 3 messages before it in event time in its community (and thread),
  // from the engine's columns, texts from the store. Writer mutex held.
  std::vector<store::ContextMessage> ReviewContextOf(uint64_t seq, const Event& e);
  // Replays the already-moderated recent past into the stateful detectors
  // (docs/moderation.md#detector-history); at open, before the catch-up.
  Status WarmModerationHistory();
  std::string data_dir_;
  bool read_only_ = false;
  bool closed_ = false;  // after DiscardSince
  int lock_fd_ = -1;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<store::InlineModeration> moderation_;
  moderation::MessageTimeIndex context_index_;  // over engine_'s columns, extended on use
  std::mutex writer_mutex_;
  mutable std::shared_mutex state_mutex_;
};

}  // namespace qun

#endif  // QUN_STORE_WORKSPACE_H_

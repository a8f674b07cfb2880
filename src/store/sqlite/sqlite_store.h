// SqliteStore: the embedded system of record (docs/storage.md).
//
// One SQLite database `<data-dir>/qun.db` in WAL mode with synchronous=FULL:
// a transaction that returned from Commit() survives a process kill and a
// power cut. The schema is versioned (PRAGMA user_version) and migrated
// forward at open, each migration in its own transaction; a store written by
// a newer qun is refused, never modified.
//
// Events are append-only rows keyed by `seq`; communities and accounts are
// dimension rows whose ids equal the engine's dense ids. Members, memberships
// and automatic merges are derived by replaying events (deterministic), so
// they are not stored twice; manual identity operations are stored with the
// seq after which they happened.
//
// Thread-safety: one SqliteStore per thread of use; the Workspace serializes
// writers and uses a separate connection for concurrent readers.
#ifndef QUN_STORE_SQLITE_SQLITE_STORE_H_
#define QUN_STORE_SQLITE_SQLITE_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/engine/engine.h"
#include "qun/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace qun {

constexpr int kStoreSchemaVersion = 2;

struct IdentityOp {
  uint64_t op = 0;
  uint64_t after_seq = 0;
  std::string kind;  // "merge" | "unmerge"
  uint32_t a = 0;    // merge: into member; unmerge: merge record id
  uint32_t b = 0;    // merge: from member; unmerge: unused
  std::string reason;
  int64_t ts_ms = 0;
};

class SqliteStore {
 public:
  // Opens or creates `path`. DataLoss if the file is not a readable qun
  // store; FailedPrecondition if its schema is newer than this binary's.
  static Result<std::unique_ptr<SqliteStore>> Open(const std::string& path, bool read_only);
  ~SqliteStore();

  int schema_version() const { return schema_version_; }

  Status Begin();
  Status Commit();
  void Rollback();

  // Inside a transaction: writes the batch's new communities, accounts and
  // events (canonical JSON bodies).
  Status AppendBatch(const StagedBatch& batch);
  Status AppendIdentityOp(const IdentityOp& op);
  Status RecordImport(std::string_view source, uint64_t imported, uint64_t duplicates, uint64_t rejected,
                      int64_t ts_ms);

  // Inside a transaction: removes events with seq > after_seq and the
  // accounts/communities with ids at or above the given ones (undoing an
  // import invocation that failed part way).
  Status TruncateAfter(uint64_t after_seq, uint32_t first_account, uint32_t first_community);

  Result<uint64_t> MaxSeq();
  // Calls fn(seq, body) for every event with seq > after_seq, in seq order.
  Status ForEachEvent(uint64_t after_seq, const std::function<Status(uint64_t, std::string_view)>& fn);
  Result<std::vector<IdentityOp>> IdentityOps();
  // The (platform, id) of event `seq`.
  Result<std::pair<int, std::string>> EventId(uint64_t seq);
  Result<std::string> EventBody(uint64_t seq);

  sqlite3* db() { return db_; }

 private:
  SqliteStore() = default;
  Status Exec(const char* sql);
  Status Migrate();
  Status Prepare(sqlite3_stmt** stmt, const char* sql);
  Status Error(std::string_view what) const;

  sqlite3* db_ = nullptr;
  std::string path_;
  int schema_version_ = 0;
  sqlite3_stmt* insert_event_ = nullptr;
  sqlite3_stmt* insert_account_ = nullptr;
  sqlite3_stmt* insert_community_ = nullptr;
  sqlite3_stmt* select_event_id_ = nullptr;
  bool in_txn_ = false;
};

}  // namespace qun

#endif  // QUN_STORE_SQLITE_SQLITE_STORE_H_

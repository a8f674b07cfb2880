// MembersDb: the operator's member annotations — manual tags and saved
// segments — in their own SQLite file `<data-dir>/members.db` (WAL), apart
// from the event store so the two evolve independently. Format:
// docs/formats/members-db.md. Schema versioned by PRAGMA user_version
// (kMembersDbSchemaVersion); a newer file is refused, never modified.
//
// Tags are keyed by an account ("platform:ext_id"), not by the engine's
// member number, so they survive merges, unmerges and rebuilds: a person's
// manual tags are the union of their accounts' tags.
//
// Thread-safety: one MembersDb per thread; writes are single statements.
#ifndef QUN_STORE_SQLITE_MEMBERS_DB_H_
#define QUN_STORE_SQLITE_MEMBERS_DB_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "qun/status.h"

struct sqlite3;

namespace qun {

constexpr int kMembersDbSchemaVersion = 1;

struct SavedSegment {
  std::string name;
  std::string filter;  // segment filter text (docs/members.md §8)
  int64_t created_ms = 0;
};

class MembersDb {
 public:
  // Opens or creates `<data_dir>/members.db`. With read_only and no file,
  // returns an empty in-memory database. DataLoss for an unreadable file,
  // FailedPrecondition for a newer schema.
  static Result<std::unique_ptr<MembersDb>> Open(const std::string& data_dir, bool read_only);
  ~MembersDb();

  // Adds `tag` to `account_key` (no-op when present). `now_ms` is recorded.
  Status AddTag(const std::string& account_key, const std::string& tag, int64_t now_ms);
  // Removes `tag` from every key in `account_keys`; returns how many were removed.
  Result<int> RemoveTag(const std::vector<std::string>& account_keys, const std::string& tag);
  // Every (account_key, tag), sorted.
  Result<std::vector<std::pair<std::string, std::string>>> Tags() const;

  // Creates or (with replace) overwrites a segment. AlreadyExists otherwise.
  Status SaveSegment(const SavedSegment& s, bool replace);
  // NotFound when absent.
  Status DeleteSegment(const std::string& name);
  Result<std::vector<SavedSegment>> Segments() const;
  Result<SavedSegment> Segment(const std::string& name) const;

 private:
  MembersDb() = default;
  Status Exec(const char* sql) const;
  sqlite3* db_ = nullptr;
};

}  // namespace qun

#endif  // QUN_STORE_SQLITE_MEMBERS_DB_H_

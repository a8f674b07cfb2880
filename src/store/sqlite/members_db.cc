#include "store/sqlite/members_db.h"

#include <sqlite3.h>

#include <filesystem>

namespace qun {
namespace {

Status SqlError(sqlite3* db, const std::string& what) {
  return Internal("members.db: " + what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

// A prepared statement that finalizes itself.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) { rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  ~Stmt() { sqlite3_finalize(s_); }
  bool ok() const { return rc_ == SQLITE_OK; }
  void Bind(int i, const std::string& v) { sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT); }
  void Bind(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
  int Step() { return sqlite3_step(s_); }
  void Reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  std::string Text(int col) const {
    const auto* p = sqlite3_column_text(s_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(s_, col)) : std::string();
  }
  int64_t Int(int col) const { return sqlite3_column_int64(s_, col); }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
  int rc_;
};

}  // namespace

Result<std::unique_ptr<MembersDb>> MembersDb::Open(const std::string& data_dir, bool read_only) {
  std::unique_ptr<MembersDb> m(new MembersDb());
  std::string path = data_dir + "/members.db";
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  int flags = SQLITE_OPEN_NOMUTEX;
  if (read_only && !exists) {
    path = ":memory:";
    flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  } else {
    flags |= read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  }
  if (sqlite3_open_v2(path.c_str(), &m->db_, flags, nullptr) != SQLITE_OK)
    return DataLoss("members.db: cannot open " + path + ": " + (m->db_ ? sqlite3_errmsg(m->db_) : "out of memory"));
  sqlite3_busy_timeout(m->db_, 5000);
  int version = 0;
  {
    Stmt st(m->db_, "PRAGMA user_version");
    if (!st.ok() || st.Step() != SQLITE_ROW) return DataLoss("members.db: " + path + " is not a SQLite database");
    version = static_cast<int>(st.Int(0));
  }
  if (version > kMembersDbSchemaVersion)
    return FailedPrecondition("members.db: schema version " + std::to_string(version) + " is newer than this qun (" +
                              std::to_string(kMembersDbSchemaVersion) + ")");
  if (version == 0 && !(read_only && exists)) {
    QUN_RETURN_IF_ERROR(m->Exec("PRAGMA journal_mode=WAL"));
    QUN_RETURN_IF_ERROR(m->Exec(
        "BEGIN;"
        "CREATE TABLE IF NOT EXISTS member_tags(account TEXT NOT NULL, tag TEXT NOT NULL, created_ms INTEGER NOT NULL,"
        " PRIMARY KEY(account, tag)) WITHOUT ROWID;"
        "CREATE TABLE IF NOT EXISTS segments(name TEXT PRIMARY KEY, filter TEXT NOT NULL, created_ms INTEGER NOT NULL);"
        "PRAGMA user_version=1;"
        "COMMIT;"));
  } else if (version == 0) {
    return DataLoss("members.db: " + path + " has no qun schema");
  }
  return m;
}

MembersDb::~MembersDb() { sqlite3_close(db_); }

Status MembersDb::Exec(const char* sql) const {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Internal("members.db: " + msg);
  }
  return Status::Ok();
}

Status MembersDb::AddTag(const std::string& account_key, const std::string& tag, int64_t now_ms) {
  Stmt st(db_, "INSERT OR IGNORE INTO member_tags(account, tag, created_ms) VALUES(?,?,?)");
  if (!st.ok()) return SqlError(db_, "prepare");
  st.Bind(1, account_key);
  st.Bind(2, tag);
  st.Bind(3, now_ms);
  if (st.Step() != SQLITE_DONE) return SqlError(db_, "add tag");
  return Status::Ok();
}

Result<int> MembersDb::RemoveTag(const std::vector<std::string>& account_keys, const std::string& tag) {
  Stmt st(db_, "DELETE FROM member_tags WHERE account=? AND tag=?");
  if (!st.ok()) return SqlError(db_, "prepare");
  int removed = 0;
  for (const auto& k : account_keys) {
    st.Reset();
    st.Bind(1, k);
    st.Bind(2, tag);
    if (st.Step() != SQLITE_DONE) return SqlError(db_, "remove tag");
    removed += sqlite3_changes(db_);
  }
  return removed;
}

Result<std::vector<std::pair<std::string, std::string>>> MembersDb::Tags() const {
  Stmt st(db_, "SELECT account, tag FROM member_tags ORDER BY account, tag");
  if (!st.ok()) return SqlError(db_, "prepare");
  std::vector<std::pair<std::string, std::string>> out;
  int rc;
  while ((rc = st.Step()) == SQLITE_ROW) out.emplace_back(st.Text(0), st.Text(1));
  if (rc != SQLITE_DONE) return SqlError(db_, "read tags");
  return out;
}

Status MembersDb::SaveSegment(const SavedSegment& s, bool replace) {
  Stmt st(db_, replace ? "INSERT OR REPLACE INTO segments(name, filter, created_ms) VALUES(?,?,?)"
                       : "INSERT INTO segments(name, filter, created_ms) VALUES(?,?,?)");
  if (!st.ok()) return SqlError(db_, "prepare");
  st.Bind(1, s.name);
  st.Bind(2, s.filter);
  st.Bind(3, s.created_ms);
  int rc = st.Step();
  if (rc == SQLITE_CONSTRAINT) return AlreadyExists("segment '" + s.name + "' exists (use --replace)");
  if (rc != SQLITE_DONE) return SqlError(db_, "save segment");
  return Status::Ok();
}

Status MembersDb::DeleteSegment(const std::string& name) {
  Stmt st(db_, "DELETE FROM segments WHERE name=?");
  if (!st.ok()) return SqlError(db_, "prepare");
  st.Bind(1, name);
  if (st.Step() != SQLITE_DONE) return SqlError(db_, "delete segment");
  if (sqlite3_changes(db_) == 0) return NotFound("no segment '" + name + "'");
  return Status::Ok();
}

Result<std::vector<SavedSegment>> MembersDb::Segments() const {
  Stmt st(db_, "SELECT name, filter, created_ms FROM segments ORDER BY name");
  if (!st.ok()) return SqlError(db_, "prepare");
  std::vector<SavedSegment> out;
  int rc;
  while ((rc = st.Step()) == SQLITE_ROW) out.push_back({st.Text(0), st.Text(1), st.Int(2)});
  if (rc != SQLITE_DONE) return SqlError(db_, "read segments");
  return out;
}

Result<SavedSegment> MembersDb::Segment(const std::string& name) const {
  QUN_ASSIGN_OR_RETURN(auto all, Segments());
  for (auto& s : all)
    if (s.name == name) return s;
  return NotFound("no segment '" + name + "' (see: qun members segments list)");
}

}  // namespace qun

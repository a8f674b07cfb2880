#include "store/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <fmt/format.h>

#include "core/model/event_json.h"

namespace qun {
namespace {

struct Migration {
  int version;
  const char* description;
  const char* sql;
};

// Forward-only. Never edit a released migration; add a new one.
const Migration kMigrations[] = {
    {1, "events, dimensions, identity operations, import log", R"sql(
CREATE TABLE communities(
  id INTEGER PRIMARY KEY,          -- engine community id (dense, 0-based)
  platform INTEGER NOT NULL,       -- Platform enum (docs/storage.md)
  ext_id TEXT NOT NULL,            -- group/channel id on the platform
  first_seq INTEGER NOT NULL);
CREATE TABLE accounts(
  id INTEGER PRIMARY KEY,          -- engine account id (dense, 0-based)
  platform INTEGER NOT NULL,
  ext_id TEXT NOT NULL,            -- the platform's account id
  first_seq INTEGER NOT NULL);
CREATE TABLE events(
  seq INTEGER PRIMARY KEY,         -- 1-based, gap-free, append-only
  platform INTEGER NOT NULL,
  id TEXT NOT NULL,                -- idempotency key (unique per platform)
  type INTEGER NOT NULL,           -- EventType enum
  ts INTEGER NOT NULL,             -- UTC ms
  community INTEGER NOT NULL,      -- communities.id
  account INTEGER NOT NULL,        -- accounts.id
  body TEXT NOT NULL);             -- canonical JSON (docs/formats/events.md)
CREATE TABLE identity_ops(
  op INTEGER PRIMARY KEY,
  after_seq INTEGER NOT NULL,      -- applied after this event seq
  kind TEXT NOT NULL CHECK(kind IN ('merge','unmerge')),
  a INTEGER NOT NULL,
  b INTEGER NOT NULL,
  reason TEXT NOT NULL,
  ts INTEGER NOT NULL);
CREATE TABLE imports(
  id INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  source TEXT NOT NULL,
  imported INTEGER NOT NULL,
  duplicates INTEGER NOT NULL,
  rejected INTEGER NOT NULL);
)sql"},
    {2, "API tokens (hashes only)", R"sql(
CREATE TABLE tokens(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,              -- operator-chosen label, unique among live tokens
  role TEXT NOT NULL CHECK(role IN ('admin','operator','analyst','viewer')),
  hash BLOB NOT NULL UNIQUE,       -- SHA-256 of the token; the token itself is never stored
  created_ts INTEGER NOT NULL,     -- UTC ms
  revoked_ts INTEGER);             -- UTC ms, NULL while the token is valid
CREATE INDEX tokens_live_name ON tokens(name) WHERE revoked_ts IS NULL;
)sql"},
};

constexpr int kLatest = sizeof(kMigrations) / sizeof(kMigrations[0]);
static_assert(kLatest == kStoreSchemaVersion);

}  // namespace

Status SqliteStore::Error(std::string_view what) const {
  int code = sqlite3_extended_errcode(db_);
  std::string msg = fmt::format("{}: {}: {} (sqlite {})", path_, what, sqlite3_errmsg(db_), code);
  int primary = code & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return Unavailable(msg + "; another process is writing");
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) return DataLoss(msg);
  if (primary == SQLITE_FULL) return ResourceExhausted(msg);
  if (primary == SQLITE_READONLY || primary == SQLITE_CANTOPEN || primary == SQLITE_PERM)
    return FailedPrecondition(msg);
  return Internal(msg);
}

Status SqliteStore::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string m = err ? err : "unknown";
    sqlite3_free(err);
    return Error(fmt::format("executing SQL ({})", m));
  }
  return Status::Ok();
}

Status SqliteStore::Prepare(sqlite3_stmt** stmt, const char* sql) {
  if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, nullptr) != SQLITE_OK)
    return Error("preparing statement");
  return Status::Ok();
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path, bool read_only) {
  std::unique_ptr<SqliteStore> s(new SqliteStore());
  s->path_ = path;
  int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (sqlite3_open_v2(path.c_str(), &s->db_, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    if (!s->db_) return Internal(fmt::format("{}: out of memory opening the store", path));
    return s->Error("opening the store");
  }
  sqlite3_extended_result_codes(s->db_, 1);
  sqlite3_busy_timeout(s->db_, 5000);
  // Verify it's a database at all before changing anything.
  if (auto st = s->Exec("SELECT count(*) FROM sqlite_master"); !st.ok()) {
    return DataLoss(fmt::format("{} is not a readable qun store: {}", path, st.message()));
  }
  if (!read_only) {
    // Larger pages for the append-mostly event table (fewer page splits and
    // B-tree levels); only takes effect on a new, empty database, before WAL.
    QUN_RETURN_IF_ERROR(s->Exec("PRAGMA page_size=16384"));
    QUN_RETURN_IF_ERROR(s->Exec("PRAGMA journal_mode=WAL"));
    QUN_RETURN_IF_ERROR(s->Exec("PRAGMA synchronous=FULL"));
  }
  QUN_RETURN_IF_ERROR(s->Exec("PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY; PRAGMA mmap_size=268435456"));
  sqlite3_stmt* st = nullptr;
  QUN_RETURN_IF_ERROR(s->Prepare(&st, "PRAGMA user_version"));
  if (sqlite3_step(st) == SQLITE_ROW) s->schema_version_ = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  if (s->schema_version_ > kLatest)
    return FailedPrecondition(fmt::format("{}: store schema version {} is newer than this qun supports ({}); "
                                          "upgrade qun",
                                          path, s->schema_version_, kLatest));
  if (s->schema_version_ < kLatest) {
    if (read_only)
      return FailedPrecondition(fmt::format("{}: store schema version {} needs migration to {}; open it for "
                                            "writing once (e.g. qun import) to migrate",
                                            path, s->schema_version_, kLatest));
    QUN_RETURN_IF_ERROR(s->Migrate());
  }
  if (!read_only) {
    QUN_RETURN_IF_ERROR(s->Prepare(&s->insert_event_,
                                   "INSERT INTO events(seq,platform,id,type,ts,community,account,body) "
                                   "VALUES(?,?,?,?,?,?,?,?)"));
    QUN_RETURN_IF_ERROR(s->Prepare(&s->insert_account_,
                                   "INSERT INTO accounts(id,platform,ext_id,first_seq) VALUES(?,?,?,?)"));
    QUN_RETURN_IF_ERROR(s->Prepare(&s->insert_community_,
                                   "INSERT INTO communities(id,platform,ext_id,first_seq) VALUES(?,?,?,?)"));
  }
  QUN_RETURN_IF_ERROR(s->Prepare(&s->select_event_id_, "SELECT platform, id, body FROM events WHERE seq=?"));
  return s;
}

SqliteStore::~SqliteStore() {
  if (in_txn_) Rollback();
  for (sqlite3_stmt* st : {insert_event_, insert_account_, insert_community_, select_event_id_})
    if (st) sqlite3_finalize(st);
  if (db_) sqlite3_close(db_);
}

Status SqliteStore::Migrate() {
  for (const Migration& m : kMigrations) {
    if (m.version <= schema_version_) continue;
    QUN_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
    Status st = Exec(m.sql);
    if (st.ok()) st = Exec(fmt::format("PRAGMA user_version={}", m.version).c_str());
    if (!st.ok()) {
      (void)Exec("ROLLBACK");
      return st.WithContext(fmt::format("migration {} ({})", m.version, m.description));
    }
    QUN_RETURN_IF_ERROR(Exec("COMMIT"));
    schema_version_ = m.version;
  }
  return Status::Ok();
}

Status SqliteStore::Begin() {
  QUN_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  in_txn_ = true;
  return Status::Ok();
}

Status SqliteStore::Commit() {
  Status st = Exec("COMMIT");
  if (!st.ok()) {
    Rollback();
    return st;
  }
  in_txn_ = false;
  return Status::Ok();
}

void SqliteStore::Rollback() {
  if (!in_txn_) return;
  (void)Exec("ROLLBACK");
  in_txn_ = false;
}

Status SqliteStore::AppendBatch(const StagedBatch& b) {
  uint64_t first_seq = b.events.empty() ? 0 : b.events.front().seq;
  for (size_t i = 0; i < b.new_communities.size(); ++i) {
    const auto& c = b.new_communities[i];
    sqlite3_bind_int64(insert_community_, 1, b.first_new_community + i);
    sqlite3_bind_int(insert_community_, 2, static_cast<int>(c.platform));
    sqlite3_bind_text(insert_community_, 3, c.ext_id.data(), static_cast<int>(c.ext_id.size()), SQLITE_STATIC);
    sqlite3_bind_int64(insert_community_, 4, static_cast<int64_t>(first_seq));
    int rc = sqlite3_step(insert_community_);
    sqlite3_reset(insert_community_);
    if (rc != SQLITE_DONE) return Error("inserting a community");
  }
  for (size_t i = 0; i < b.new_accounts.size(); ++i) {
    const auto& a = b.new_accounts[i];
    sqlite3_bind_int64(insert_account_, 1, b.first_new_account + i);
    sqlite3_bind_int(insert_account_, 2, static_cast<int>(a.platform));
    sqlite3_bind_text(insert_account_, 3, a.ext_id.data(), static_cast<int>(a.ext_id.size()), SQLITE_STATIC);
    sqlite3_bind_int64(insert_account_, 4, static_cast<int64_t>(first_seq));
    int rc = sqlite3_step(insert_account_);
    sqlite3_reset(insert_account_);
    if (rc != SQLITE_DONE) return Error("inserting an account");
  }
  std::string body;
  for (const StagedEvent& se : b.events) {
    body.clear();
    AppendEventJson(body, se.event);
    sqlite3_bind_int64(insert_event_, 1, static_cast<int64_t>(se.seq));
    sqlite3_bind_int(insert_event_, 2, static_cast<int>(se.event.platform));
    sqlite3_bind_text(insert_event_, 3, se.event.id.data(), static_cast<int>(se.event.id.size()), SQLITE_STATIC);
    sqlite3_bind_int(insert_event_, 4, static_cast<int>(se.event.type));
    sqlite3_bind_int64(insert_event_, 5, se.event.ts_ms);
    sqlite3_bind_int64(insert_event_, 6, se.community);
    sqlite3_bind_int64(insert_event_, 7, se.account);
    sqlite3_bind_text(insert_event_, 8, body.data(), static_cast<int>(body.size()), SQLITE_STATIC);
    int rc = sqlite3_step(insert_event_);
    sqlite3_reset(insert_event_);
    if (rc != SQLITE_DONE) return Error(fmt::format("inserting event seq {}", se.seq));
  }
  return Status::Ok();
}

Status SqliteStore::AppendIdentityOp(const IdentityOp& op) {
  sqlite3_stmt* st = nullptr;
  QUN_RETURN_IF_ERROR(Prepare(&st, "INSERT INTO identity_ops(after_seq,kind,a,b,reason,ts) VALUES(?,?,?,?,?,?)"));
  sqlite3_bind_int64(st, 1, static_cast<int64_t>(op.after_seq));
  sqlite3_bind_text(st, 2, op.kind.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 3, op.a);
  sqlite3_bind_int64(st, 4, op.b);
  sqlite3_bind_text(st, 5, op.reason.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 6, op.ts_ms);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return Error("recording an identity operation");
  return Status::Ok();
}

Status SqliteStore::RecordImport(std::string_view source, uint64_t imported, uint64_t duplicates,
                                 uint64_t rejected, int64_t ts_ms) {
  sqlite3_stmt* st = nullptr;
  QUN_RETURN_IF_ERROR(
      Prepare(&st, "INSERT INTO imports(ts,source,imported,duplicates,rejected) VALUES(?,?,?,?,?)"));
  sqlite3_bind_int64(st, 1, ts_ms);
  sqlite3_bind_text(st, 2, source.data(), static_cast<int>(source.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 3, static_cast<int64_t>(imported));
  sqlite3_bind_int64(st, 4, static_cast<int64_t>(duplicates));
  sqlite3_bind_int64(st, 5, static_cast<int64_t>(rejected));
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return Error("recording the import");
  return Status::Ok();
}

Status SqliteStore::TruncateAfter(uint64_t after_seq, uint32_t first_account, uint32_t first_community) {
  QUN_RETURN_IF_ERROR(Exec(fmt::format("DELETE FROM events WHERE seq > {}", after_seq).c_str()));
  QUN_RETURN_IF_ERROR(Exec(fmt::format("DELETE FROM accounts WHERE id >= {}", first_account).c_str()));
  QUN_RETURN_IF_ERROR(Exec(fmt::format("DELETE FROM communities WHERE id >= {}", first_community).c_str()));
  return Status::Ok();
}

Result<uint64_t> SqliteStore::MaxSeq() {
  sqlite3_stmt* st = nullptr;
  QUN_RETURN_IF_ERROR(Prepare(&st, "SELECT coalesce(max(seq),0) FROM events"));
  uint64_t v = 0;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) v = static_cast<uint64_t>(sqlite3_column_int64(st, 0));
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW) return Error("reading the last sequence");
  return v;
}

Status SqliteStore::ForEachEvent(uint64_t after_seq, const std::function<Status(uint64_t, std::string_view)>& fn) {
  sqlite3_stmt* st = nullptr;
  QUN_RETURN_IF_ERROR(Prepare(&st, "SELECT seq, body FROM events WHERE seq > ? ORDER BY seq"));
  sqlite3_bind_int64(st, 1, static_cast<int64_t>(after_seq));
  int rc;
  uint64_t expect = after_seq + 1;
  Status status;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    uint64_t seq = static_cast<uint64_t>(sqlite3_column_int64(st, 0));
    if (seq != expect) {
      status = DataLoss(fmt::format("{}: event seq {} is missing (found {})", path_, expect, seq));
      break;
    }
    ++expect;
    const char* p = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
    int n = sqlite3_column_bytes(st, 1);
    status = fn(seq, std::string_view(p ? p : "", static_cast<size_t>(n)));
    if (!status.ok()) break;
  }
  if (status.ok() && rc != SQLITE_DONE) status = Error("reading events");
  sqlite3_finalize(st);
  return status;
}

Result<std::vector<IdentityOp>> SqliteStore::IdentityOps() {
  sqlite3_stmt* st = nullptr;
  QUN_RETURN_IF_ERROR(Prepare(&st, "SELECT op,after_seq,kind,a,b,reason,ts FROM identity_ops ORDER BY op"));
  std::vector<IdentityOp> ops;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    IdentityOp op;
    op.op = static_cast<uint64_t>(sqlite3_column_int64(st, 0));
    op.after_seq = static_cast<uint64_t>(sqlite3_column_int64(st, 1));
    op.kind = reinterpret_cast<const char*>(sqlite3_column_text(st, 2));
    op.a = static_cast<uint32_t>(sqlite3_column_int64(st, 3));
    op.b = static_cast<uint32_t>(sqlite3_column_int64(st, 4));
    op.reason = reinterpret_cast<const char*>(sqlite3_column_text(st, 5));
    op.ts_ms = sqlite3_column_int64(st, 6);
    ops.push_back(std::move(op));
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return Error("reading identity operations");
  return ops;
}

Result<std::pair<int, std::string>> SqliteStore::EventId(uint64_t seq) {
  sqlite3_bind_int64(select_event_id_, 1, static_cast<int64_t>(seq));
  int rc = sqlite3_step(select_event_id_);
  if (rc != SQLITE_ROW) {
    sqlite3_reset(select_event_id_);
    if (rc == SQLITE_DONE) return NotFound(fmt::format("no event with seq {}", seq));
    return Error("reading an event");
  }
  std::pair<int, std::string> r{sqlite3_column_int(select_event_id_, 0),
                                reinterpret_cast<const char*>(sqlite3_column_text(select_event_id_, 1))};
  sqlite3_reset(select_event_id_);
  return r;
}

Result<std::string> SqliteStore::EventBody(uint64_t seq) {
  sqlite3_bind_int64(select_event_id_, 1, static_cast<int64_t>(seq));
  int rc = sqlite3_step(select_event_id_);
  if (rc != SQLITE_ROW) {
    sqlite3_reset(select_event_id_);
    if (rc == SQLITE_DONE) return NotFound(fmt::format("no event with seq {}", seq));
    return Error("reading an event");
  }
  std::string body = reinterpret_cast<const char*>(sqlite3_column_text(select_event_id_, 2));
  sqlite3_reset(select_event_id_);
  return body;
}

}  // namespace qun

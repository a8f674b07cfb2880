#include "store/sqlite/token_store.h"

#include <sqlite3.h>

#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "store/sqlite/sqlite_store.h"

namespace qun {
namespace {

constexpr size_t kMaxTokenNameBytes = 128;

bool KnownRole(const std::string& r) { return r == "admin" || r == "operator" || r == "analyst" || r == "viewer"; }

// Owns a prepared statement for the scope of one call.
struct Stmt {
  sqlite3_stmt* s = nullptr;
  ~Stmt() {
    if (s) sqlite3_finalize(s);
  }
};

Status SqlError(sqlite3* db, std::string_view what) {
  int code = sqlite3_extended_errcode(db) & 0xff;
  std::string msg = fmt::format("tokens: {}: {}", what, sqlite3_errmsg(db));
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) return Unavailable(msg);
  return Internal(msg);
}

TokenRecord ReadRow(sqlite3_stmt* s) {
  TokenRecord r;
  r.id = sqlite3_column_int64(s, 0);
  r.name = reinterpret_cast<const char*>(sqlite3_column_text(s, 1));
  r.role = reinterpret_cast<const char*>(sqlite3_column_text(s, 2));
  const void* h = sqlite3_column_blob(s, 3);
  if (h && sqlite3_column_bytes(s, 3) == static_cast<int>(r.hash.size()))
    std::memcpy(r.hash.data(), h, r.hash.size());
  r.created_ms = sqlite3_column_int64(s, 4);
  if (sqlite3_column_type(s, 5) != SQLITE_NULL) r.revoked_ms = sqlite3_column_int64(s, 5);
  return r;
}

Result<std::vector<TokenRecord>> Query(sqlite3* db, const char* sql) {
  Stmt st;
  if (sqlite3_prepare_v2(db, sql, -1, &st.s, nullptr) != SQLITE_OK) return SqlError(db, "preparing a query");
  std::vector<TokenRecord> out;
  int rc;
  while ((rc = sqlite3_step(st.s)) == SQLITE_ROW) out.push_back(ReadRow(st.s));
  if (rc != SQLITE_DONE) return SqlError(db, "reading tokens");
  return out;
}

}  // namespace

TokenStore::~TokenStore() = default;

Result<std::unique_ptr<TokenStore>> TokenStore::Open(const std::string& data_dir, bool create) {
  std::error_code ec;
  if (!std::filesystem::is_directory(data_dir, ec)) {
    if (!create) return NotFound(fmt::format("{}: no such data directory", data_dir));
    std::filesystem::create_directories(data_dir, ec);
    if (ec) return FailedPrecondition(fmt::format("{}: cannot create data directory: {}", data_dir, ec.message()));
  }
  std::unique_ptr<TokenStore> t(new TokenStore());
  QUN_ASSIGN_OR_RETURN(t->store_, SqliteStore::Open((std::filesystem::path(data_dir) / "qun.db").string(), false));
  return t;
}

Result<TokenRecord> TokenStore::Insert(const std::string& name, const std::string& role, const TokenHash& hash,
                                       int64_t now_ms) {
  if (name.empty() || name.size() > kMaxTokenNameBytes)
    return InvalidArgument(fmt::format("token name must be 1..{} bytes", kMaxTokenNameBytes));
  if (!KnownRole(role))
    return InvalidArgument(fmt::format("role '{}': expected admin, operator, analyst or viewer", role));
  sqlite3* db = store_->db();
  QUN_RETURN_IF_ERROR(store_->Begin());
  {
    Stmt st;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM tokens WHERE name=? AND revoked_ts IS NULL", -1, &st.s,
                           nullptr) != SQLITE_OK) {
      store_->Rollback();
      return SqlError(db, "preparing");
    }
    sqlite3_bind_text(st.s, 1, name.data(), static_cast<int>(name.size()), SQLITE_TRANSIENT);
    if (sqlite3_step(st.s) == SQLITE_ROW && sqlite3_column_int(st.s, 0) > 0) {
      store_->Rollback();
      return AlreadyExists(fmt::format("a live token named '{}' exists; revoke it first or pick another name", name));
    }
  }
  TokenRecord r;
  {
    Stmt st;
    if (sqlite3_prepare_v2(db, "INSERT INTO tokens(name,role,hash,created_ts) VALUES(?,?,?,?)", -1, &st.s,
                           nullptr) != SQLITE_OK) {
      store_->Rollback();
      return SqlError(db, "preparing");
    }
    sqlite3_bind_text(st.s, 1, name.data(), static_cast<int>(name.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(st.s, 2, role.data(), static_cast<int>(role.size()), SQLITE_TRANSIENT);
    sqlite3_bind_blob(st.s, 3, hash.data(), static_cast<int>(hash.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(st.s, 4, now_ms);
    if (sqlite3_step(st.s) != SQLITE_DONE) {
      Status err = SqlError(db, "inserting a token");
      store_->Rollback();
      return err;
    }
    r.id = sqlite3_last_insert_rowid(db);
  }
  QUN_RETURN_IF_ERROR(store_->Commit());
  r.name = name;
  r.role = role;
  r.hash = hash;
  r.created_ms = now_ms;
  return r;
}

Result<std::vector<TokenRecord>> TokenStore::List() {
  return Query(store_->db(), "SELECT id,name,role,hash,created_ts,revoked_ts FROM tokens ORDER BY id");
}

Result<std::vector<TokenRecord>> TokenStore::ListLive() {
  return Query(store_->db(),
               "SELECT id,name,role,hash,created_ts,revoked_ts FROM tokens WHERE revoked_ts IS NULL ORDER BY id");
}

Result<int> TokenStore::Revoke(const std::string& id_or_name, int64_t now_ms) {
  sqlite3* db = store_->db();
  bool numeric = !id_or_name.empty() && id_or_name.size() < 19 &&
                 id_or_name.find_first_not_of("0123456789") == std::string::npos;
  Stmt st;
  const char* sql = numeric ? "UPDATE tokens SET revoked_ts=? WHERE id=? AND revoked_ts IS NULL"
                            : "UPDATE tokens SET revoked_ts=? WHERE name=? AND revoked_ts IS NULL";
  if (sqlite3_prepare_v2(db, sql, -1, &st.s, nullptr) != SQLITE_OK) return SqlError(db, "preparing");
  sqlite3_bind_int64(st.s, 1, now_ms);
  if (numeric)
    sqlite3_bind_int64(st.s, 2, std::stoll(id_or_name));
  else
    sqlite3_bind_text(st.s, 2, id_or_name.data(), static_cast<int>(id_or_name.size()), SQLITE_TRANSIENT);
  if (sqlite3_step(st.s) != SQLITE_DONE) return SqlError(db, "revoking");
  int n = sqlite3_changes(db);
  if (n == 0) return NotFound(fmt::format("no live token with {} '{}'", numeric ? "id" : "name", id_or_name));
  return n;
}

Result<int64_t> TokenStore::DataVersion() {
  Stmt st;
  sqlite3* db = store_->db();
  if (sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &st.s, nullptr) != SQLITE_OK) return SqlError(db, "preparing");
  if (sqlite3_step(st.s) != SQLITE_ROW) return SqlError(db, "reading data_version");
  return static_cast<int64_t>(sqlite3_column_int64(st.s, 0));
}

}  // namespace qun

#include "store/sqlite/review_store.h"

#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <map>

namespace qun::store {
namespace {

using moderation::ReviewItem;
using moderation::ReviewStatus;

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status SqlError(sqlite3* db, const std::string& what) {
  int code = sqlite3_errcode(db);
  std::string msg = "moderation.db: " + what + ": " + sqlite3_errmsg(db);
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) return Unavailable(msg);
  if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) return DataLoss(msg);
  return Internal(msg);
}

// A prepared statement, finalized on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr); }
  ~Stmt() { sqlite3_finalize(s_); }
  bool ok() const { return rc_ == SQLITE_OK; }
  void Bind(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void Bind(int i, const std::string& v) { sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT); }
  int Step() { return sqlite3_step(s_); }
  int64_t Int(int c) const { return sqlite3_column_int64(s_, c); }
  std::string Text(int c) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, c));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s_, c))) : std::string();
  }

 private:
  sqlite3_stmt* s_ = nullptr;
  int rc_;
};

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS review_items (
  id INTEGER PRIMARY KEY,
  source_ref TEXT NOT NULL,
  community TEXT NOT NULL,
  member TEXT NOT NULL,
  ts_ms INTEGER NOT NULL,
  text TEXT NOT NULL,
  action TEXT NOT NULL,
  findings_json TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  enqueued_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS review_items_status ON review_items(status, id);
CREATE TABLE IF NOT EXISTS review_item_rules (
  item_id INTEGER NOT NULL REFERENCES review_items(id),
  rule TEXT NOT NULL,
  PRIMARY KEY (item_id, rule)
);
CREATE INDEX IF NOT EXISTS review_item_rules_rule ON review_item_rules(rule);
CREATE TABLE IF NOT EXISTS review_decisions (
  id INTEGER PRIMARY KEY,
  item_id INTEGER NOT NULL REFERENCES review_items(id),
  decision TEXT NOT NULL,
  reviewer TEXT NOT NULL,
  note TEXT NOT NULL,
  decided_ms INTEGER NOT NULL
);
CREATE TRIGGER IF NOT EXISTS review_decisions_append_only_u BEFORE UPDATE ON review_decisions
  BEGIN SELECT RAISE(ABORT, 'review_decisions is an append-only audit log'); END;
CREATE TRIGGER IF NOT EXISTS review_decisions_append_only_d BEFORE DELETE ON review_decisions
  BEGIN SELECT RAISE(ABORT, 'review_decisions is an append-only audit log'); END;
)sql";

}  // namespace

Result<std::unique_ptr<ReviewStore>> ReviewStore::Open(const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return Unavailable(data_dir + ": cannot create data directory: " + ec.message());
  std::string path = (std::filesystem::path(data_dir) / "moderation.db").string();
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Unavailable(path + ": cannot open: " + msg);
  }
  std::unique_ptr<ReviewStore> s(new ReviewStore(db));
  sqlite3_busy_timeout(db, 5000);
  QUN_RETURN_IF_ERROR(s->Exec("PRAGMA journal_mode=WAL"));
  QUN_RETURN_IF_ERROR(s->Exec("PRAGMA synchronous=NORMAL"));
  QUN_RETURN_IF_ERROR(s->Exec("PRAGMA foreign_keys=ON"));
  QUN_RETURN_IF_ERROR(s->Migrate());
  return s;
}

ReviewStore::~ReviewStore() { sqlite3_close(db_); }

Status ReviewStore::Exec(const char* sql) const {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string what = err ? err : "exec";
    sqlite3_free(err);
    return SqlError(db_, what);
  }
  return Status::Ok();
}

Status ReviewStore::Migrate() {
  QUN_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  auto fail = [&](Status s) {
    (void)Exec("ROLLBACK");
    return s;
  };
  Status s = Exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  if (!s.ok()) return fail(s);
  int64_t version = 0;
  {
    Stmt q(db_, "SELECT MAX(version) FROM schema_version");
    if (!q.ok()) return fail(SqlError(db_, "read schema_version"));
    if (q.Step() == SQLITE_ROW) version = q.Int(0);
  }
  if (version > kSchemaVersion)
    return fail(FailedPrecondition("moderation.db has schema version " + std::to_string(version) +
                                   "; this qun knows up to " + std::to_string(kSchemaVersion) + " (upgrade qun)"));
  if (version < 1) {
    s = Exec(kSchema);
    if (!s.ok()) return fail(s);
    s = Exec("INSERT INTO schema_version(version) VALUES (1)");
    if (!s.ok()) return fail(s);
  }
  return Exec("COMMIT");
}

Result<int64_t> ReviewStore::Enqueue(const ReviewItemInput& item, int64_t now_ms) {
  if (now_ms == 0) now_ms = WallMs();
  QUN_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  int64_t id = 0;
  {
    Stmt ins(db_,
             "INSERT INTO review_items(source_ref, community, member, ts_ms, text, action, findings_json, "
             "enqueued_ms) VALUES (?,?,?,?,?,?,?,?)");
    if (!ins.ok()) {
      (void)Exec("ROLLBACK");
      return SqlError(db_, "prepare enqueue");
    }
    ins.Bind(1, item.source_ref);
    ins.Bind(2, item.community);
    ins.Bind(3, item.member);
    ins.Bind(4, item.ts_ms);
    ins.Bind(5, item.text);
    ins.Bind(6, std::string(moderation::ActionName(item.result.action)));
    ins.Bind(7, moderation::FindingsJson(item.result));
    ins.Bind(8, now_ms);
    if (ins.Step() != SQLITE_DONE) {
      Status st = SqlError(db_, "enqueue");
      (void)Exec("ROLLBACK");
      return st;
    }
    id = sqlite3_last_insert_rowid(db_);
  }
  for (const std::string& rule : moderation::RulesOf(item.result)) {
    Stmt r(db_, "INSERT OR IGNORE INTO review_item_rules(item_id, rule) VALUES (?,?)");
    r.Bind(1, id);
    r.Bind(2, rule);
    if (!r.ok() || r.Step() != SQLITE_DONE) {
      Status st = SqlError(db_, "enqueue rules");
      (void)Exec("ROLLBACK");
      return st;
    }
  }
  QUN_RETURN_IF_ERROR(Exec("COMMIT"));
  return id;
}

Result<std::vector<ReviewItem>> ReviewStore::List(std::optional<ReviewStatus> status, int64_t limit) const {
  Stmt q(db_,
         "SELECT id, source_ref, community, member, ts_ms, text, action, findings_json, status, enqueued_ms, "
         "(SELECT group_concat(rule, char(31)) FROM review_item_rules WHERE item_id = review_items.id) "
         "FROM review_items WHERE (?1 = '' OR status = ?1) ORDER BY id DESC LIMIT ?2");
  if (!q.ok()) return SqlError(db_, "prepare list");
  q.Bind(1, status ? std::string(moderation::ReviewStatusName(*status)) : std::string());
  q.Bind(2, limit);
  std::vector<ReviewItem> items;
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    ReviewItem it;
    it.id = q.Int(0);
    it.source_ref = q.Text(1);
    it.community = q.Text(2);
    it.member = q.Text(3);
    it.ts_ms = q.Int(4);
    it.text = q.Text(5);
    auto a = moderation::ParseAction(q.Text(6));
    if (!a) return DataLoss("moderation.db: item " + std::to_string(it.id) + ": unknown action '" + q.Text(6) + "'");
    it.action = *a;
    it.findings_json = q.Text(7);
    auto st = moderation::ParseReviewStatus(q.Text(8));
    if (!st) return DataLoss("moderation.db: item " + std::to_string(it.id) + ": unknown status '" + q.Text(8) + "'");
    it.status = *st;
    it.enqueued_ms = q.Int(9);
    std::string rules = q.Text(10);
    size_t pos = 0;
    while (!rules.empty() && pos <= rules.size()) {
      size_t sep = rules.find('\x1f', pos);
      if (sep == std::string::npos) sep = rules.size();
      it.rules.push_back(rules.substr(pos, sep - pos));
      pos = sep + 1;
    }
    items.push_back(std::move(it));
  }
  if (rc != SQLITE_DONE) return SqlError(db_, "list");
  return items;
}

Status ReviewStore::Decide(int64_t item_id, moderation::Decision d, const std::string& reviewer,
                           const std::string& note, int64_t now_ms) {
  QUN_RETURN_IF_ERROR(moderation::ValidateDecision(reviewer, note));
  if (now_ms == 0) now_ms = WallMs();
  QUN_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  auto fail = [&](Status s) {
    (void)Exec("ROLLBACK");
    return s;
  };
  {
    Stmt q(db_, "SELECT 1 FROM review_items WHERE id = ?");
    q.Bind(1, item_id);
    if (!q.ok()) return fail(SqlError(db_, "prepare decide"));
    if (q.Step() != SQLITE_ROW) return fail(NotFound("review item " + std::to_string(item_id) + " does not exist"));
  }
  {
    Stmt ins(db_, "INSERT INTO review_decisions(item_id, decision, reviewer, note, decided_ms) VALUES (?,?,?,?,?)");
    ins.Bind(1, item_id);
    ins.Bind(2, std::string(moderation::DecisionName(d)));
    ins.Bind(3, reviewer);
    ins.Bind(4, note);
    ins.Bind(5, now_ms);
    if (!ins.ok() || ins.Step() != SQLITE_DONE) return fail(SqlError(db_, "record decision"));
  }
  {
    Stmt up(db_, "UPDATE review_items SET status = ? WHERE id = ?");
    up.Bind(1, std::string(d == moderation::Decision::kConfirm ? "confirmed" : "overturned"));
    up.Bind(2, item_id);
    if (!up.ok() || up.Step() != SQLITE_DONE) return fail(SqlError(db_, "update status"));
  }
  return Exec("COMMIT");
}

Result<std::vector<moderation::ReviewDecision>> ReviewStore::Audit(int64_t item_id) const {
  Stmt q(db_,
         "SELECT id, item_id, decision, reviewer, note, decided_ms FROM review_decisions "
         "WHERE (?1 = 0 OR item_id = ?1) ORDER BY id");
  if (!q.ok()) return SqlError(db_, "prepare audit");
  q.Bind(1, item_id);
  std::vector<moderation::ReviewDecision> out;
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    moderation::ReviewDecision d;
    d.id = q.Int(0);
    d.item_id = q.Int(1);
    auto dec = moderation::ParseDecision(q.Text(2));
    if (!dec) return DataLoss("moderation.db: decision " + std::to_string(d.id) + ": unknown '" + q.Text(2) + "'");
    d.decision = *dec;
    d.reviewer = q.Text(3);
    d.note = q.Text(4);
    d.decided_ms = q.Int(5);
    out.push_back(std::move(d));
  }
  if (rc != SQLITE_DONE) return SqlError(db_, "audit");
  return out;
}

Result<std::vector<moderation::RuleOutcome>> ReviewStore::RuleOutcomes() const {
  Stmt q(db_,
         "SELECT r.rule, i.status, COUNT(*) FROM review_item_rules r JOIN review_items i ON i.id = r.item_id "
         "GROUP BY r.rule, i.status ORDER BY r.rule");
  if (!q.ok()) return SqlError(db_, "prepare rule outcomes");
  std::map<std::string, moderation::RuleOutcome> by_rule;
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    auto& o = by_rule[q.Text(0)];
    o.rule = q.Text(0);
    std::string status = q.Text(1);
    if (status == "pending") o.pending += q.Int(2);
    else if (status == "confirmed") o.confirmed += q.Int(2);
    else if (status == "overturned") o.overturned += q.Int(2);
  }
  if (rc != SQLITE_DONE) return SqlError(db_, "rule outcomes");
  std::vector<moderation::RuleOutcome> out;
  for (auto& [rule, o] : by_rule) {
    moderation::ComputeFalsePositiveRate(&o);
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace qun::store

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
  sqlite3_stmt* get() { return s_; }
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

// Version 2: the seq of ingest items, inline-moderation findings with their
// watermark, and the ban list.
constexpr const char* kSchemaV2 = R"sql(
ALTER TABLE review_items ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE review_items ADD COLUMN context_json TEXT NOT NULL DEFAULT '[]';
CREATE INDEX IF NOT EXISTS review_items_seq ON review_items(seq);
CREATE INDEX IF NOT EXISTS review_items_community ON review_items(community, id);
CREATE TABLE IF NOT EXISTS moderation_findings (
  seq INTEGER PRIMARY KEY,
  event_id TEXT NOT NULL,
  platform TEXT NOT NULL,
  community TEXT NOT NULL,
  member TEXT NOT NULL,
  person INTEGER NOT NULL,
  ts_ms INTEGER NOT NULL,
  type TEXT NOT NULL,
  action TEXT NOT NULL,
  rules TEXT NOT NULL,
  findings_json TEXT NOT NULL,
  masked TEXT NOT NULL,
  review_item INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS moderation_findings_community ON moderation_findings(community, seq);
CREATE TABLE IF NOT EXISTS moderation_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS bans (
  member TEXT PRIMARY KEY,
  reason TEXT NOT NULL,
  by TEXT NOT NULL,
  created_ms INTEGER NOT NULL
);
)sql";

constexpr char kSep = '\x1f';  // separates rule ids in one column

std::string JoinRules(const std::vector<std::string>& rules) {
  std::string out;
  for (const auto& r : rules) {
    if (!out.empty()) out += kSep;
    out += r;
  }
  return out;
}

std::vector<std::string> SplitRules(const std::string& s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (!s.empty() && pos <= s.size()) {
    size_t sep = s.find(kSep, pos);
    if (sep == std::string::npos) sep = s.size();
    out.push_back(s.substr(pos, sep - pos));
    pos = sep + 1;
  }
  return out;
}

// Inserts one review item and its rules (inside the caller's transaction).
Result<int64_t> InsertItem(sqlite3* db, const ReviewItemInput& item, const std::string& findings_json,
                           int64_t now_ms) {
  Stmt ins(db,
           "INSERT INTO review_items(source_ref, community, member, ts_ms, text, action, findings_json, "
           "enqueued_ms, seq, context_json) VALUES (?,?,?,?,?,?,?,?,?,?)");
  if (!ins.ok()) return SqlError(db, "prepare enqueue");
  ins.Bind(1, item.source_ref);
  ins.Bind(2, item.community);
  ins.Bind(3, item.member);
  ins.Bind(4, item.ts_ms);
  ins.Bind(5, item.text);
  ins.Bind(6, std::string(moderation::ActionName(item.result.action)));
  ins.Bind(7, findings_json);
  ins.Bind(8, now_ms);
  ins.Bind(9, static_cast<int64_t>(item.seq));
  ins.Bind(10, item.context_json);
  if (ins.Step() != SQLITE_DONE) return SqlError(db, "enqueue");
  int64_t id = sqlite3_last_insert_rowid(db);
  for (const std::string& rule : moderation::RulesOf(item.result)) {
    Stmt r(db, "INSERT OR IGNORE INTO review_item_rules(item_id, rule) VALUES (?,?)");
    r.Bind(1, id);
    r.Bind(2, rule);
    if (!r.ok() || r.Step() != SQLITE_DONE) return SqlError(db, "enqueue rules");
  }
  return id;
}

constexpr const char* kItemColumns =
    "id, source_ref, community, member, ts_ms, text, action, findings_json, status, enqueued_ms, "
    "(SELECT group_concat(rule, char(31)) FROM review_item_rules WHERE item_id = review_items.id), seq, context_json";

Result<ReviewItem> ReadItem(const Stmt& q) {
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
  it.rules = SplitRules(q.Text(10));
  it.seq = static_cast<uint64_t>(q.Int(11));
  it.context_json = q.Text(12);
  return it;
}

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
  if (version < 2) {
    s = Exec(kSchemaV2);
    if (!s.ok()) return fail(s);
    s = Exec("INSERT INTO schema_version(version) VALUES (2)");
    if (!s.ok()) return fail(s);
  }
  return Exec("COMMIT");
}

Result<int64_t> ReviewStore::Enqueue(const ReviewItemInput& item, int64_t now_ms) {
  if (now_ms == 0) now_ms = WallMs();
  QUN_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  auto id = InsertItem(db_, item, moderation::FindingsJson(item.result), now_ms);
  if (!id.ok()) {
    (void)Exec("ROLLBACK");
    return id.status();
  }
  QUN_RETURN_IF_ERROR(Exec("COMMIT"));
  return id;
}

Result<std::vector<ReviewItem>> ReviewStore::List(std::optional<ReviewStatus> status, int64_t limit) const {
  moderation::ReviewFilter f;
  f.status = status;
  f.limit = limit;
  int64_t total = 0;
  return List(f, &total);
}

Result<std::vector<ReviewItem>> ReviewStore::List(const moderation::ReviewFilter& f, int64_t* total) const {
  const std::string where =
      " FROM review_items WHERE (?1 = '' OR status = ?1) AND (?2 = '' OR community = ?2) AND (?3 = '' OR id IN "
      "(SELECT item_id FROM review_item_rules WHERE rule = ?3))";
  auto bind = [&](Stmt& q) {
    q.Bind(1, f.status ? std::string(moderation::ReviewStatusName(*f.status)) : std::string());
    q.Bind(2, f.community);
    q.Bind(3, f.rule);
  };
  {
    Stmt c(db_, ("SELECT COUNT(*)" + where).c_str());
    if (!c.ok()) return SqlError(db_, "prepare count");
    bind(c);
    if (c.Step() != SQLITE_ROW) return SqlError(db_, "count");
    *total = c.Int(0);
  }
  Stmt q(db_, (std::string("SELECT ") + kItemColumns + where + " ORDER BY id DESC LIMIT ?4 OFFSET ?5").c_str());
  if (!q.ok()) return SqlError(db_, "prepare list");
  bind(q);
  q.Bind(4, f.limit);
  q.Bind(5, f.offset);
  std::vector<ReviewItem> items;
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    QUN_ASSIGN_OR_RETURN(ReviewItem it, ReadItem(q));
    items.push_back(std::move(it));
  }
  if (rc != SQLITE_DONE) return SqlError(db_, "list");
  return items;
}

Result<ReviewItem> ReviewStore::Get(int64_t id) const {
  Stmt q(db_, (std::string("SELECT ") + kItemColumns + " FROM review_items WHERE id = ?1").c_str());
  if (!q.ok()) return SqlError(db_, "prepare get");
  q.Bind(1, id);
  int rc = q.Step();
  if (rc == SQLITE_DONE) return NotFound("review item " + std::to_string(id) + " does not exist");
  if (rc != SQLITE_ROW) return SqlError(db_, "get");
  return ReadItem(q);
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

Result<uint64_t> ReviewStore::Watermark() const {
  Stmt q(db_, "SELECT value FROM moderation_state WHERE key = 'watermark'");
  if (!q.ok()) return SqlError(db_, "prepare watermark");
  int rc = q.Step();
  if (rc == SQLITE_DONE) return uint64_t{0};
  if (rc != SQLITE_ROW) return SqlError(db_, "watermark");
  return static_cast<uint64_t>(q.Int(0));
}

Status ReviewStore::CommitFindings(std::vector<moderation::FindingRecord>& findings,
                                   const std::vector<ReviewContext>& context, uint64_t watermark,
                                   int64_t now_ms) {
  if (now_ms == 0) now_ms = WallMs();
  QUN_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  auto fail = [&](Status s) {
    (void)Exec("ROLLBACK");
    return s;
  };
  Stmt ins(db_,
           "INSERT OR IGNORE INTO moderation_findings(seq, event_id, platform, community, member, person, ts_ms, "
           "type, action, rules, findings_json, masked) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
  Stmt link(db_, "UPDATE moderation_findings SET review_item = ? WHERE seq = ?");
  if (!ins.ok() || !link.ok()) return fail(SqlError(db_, "prepare findings"));
  for (size_t i = 0; i < findings.size(); ++i) {
    moderation::FindingRecord& f = findings[i];
    sqlite3_reset(ins.get());
    ins.Bind(1, static_cast<int64_t>(f.seq));
    ins.Bind(2, f.event_id);
    ins.Bind(3, f.platform);
    ins.Bind(4, f.community);
    ins.Bind(5, f.member);
    ins.Bind(6, f.person);
    ins.Bind(7, f.ts_ms);
    ins.Bind(8, f.type);
    ins.Bind(9, std::string(moderation::ActionName(f.action)));
    ins.Bind(10, JoinRules(f.rules));
    ins.Bind(11, f.findings_json);
    ins.Bind(12, f.masked);
    if (ins.Step() != SQLITE_DONE) return fail(SqlError(db_, "store finding"));
    if (sqlite3_changes(db_) == 0) continue;  // already stored: no second review item
    ReviewItemInput item;
    item.seq = f.seq;
    item.source_ref = f.event_id;
    item.community = f.community;
    item.member = f.member;
    item.ts_ms = f.ts_ms;
    if (i < context.size()) {
      item.text = context[i].text;
      item.context_json = context[i].context_json;
    }
    item.result.action = f.action;
    for (const auto& r : f.rules) {
      moderation::Finding fd;
      fd.rule = r;
      item.result.findings.push_back(fd);
    }
    auto id = InsertItem(db_, item, f.findings_json, now_ms);
    if (!id.ok()) return fail(id.status());
    f.review_item = *id;
    sqlite3_reset(link.get());
    link.Bind(1, *id);
    link.Bind(2, static_cast<int64_t>(f.seq));
    if (link.Step() != SQLITE_DONE) return fail(SqlError(db_, "link finding"));
  }
  Stmt wm(db_, "INSERT INTO moderation_state(key, value) VALUES ('watermark', ?1) "
               "ON CONFLICT(key) DO UPDATE SET value = MAX(value, ?1)");
  if (!wm.ok()) return fail(SqlError(db_, "prepare watermark"));
  wm.Bind(1, static_cast<int64_t>(watermark));
  if (wm.Step() != SQLITE_DONE) return fail(SqlError(db_, "set watermark"));
  return Exec("COMMIT");
}

Status ReviewStore::DiscardAfter(uint64_t seq) {
  QUN_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  auto fail = [&](Status s) {
    (void)Exec("ROLLBACK");
    return s;
  };
  const int64_t s = static_cast<int64_t>(seq);
  // Items already decided stay (their audit rows must not be orphaned).
  const char* steps[] = {
      "DELETE FROM review_item_rules WHERE item_id IN (SELECT id FROM review_items WHERE seq > ?1 AND id NOT IN "
      "(SELECT item_id FROM review_decisions))",
      "DELETE FROM review_items WHERE seq > ?1 AND id NOT IN (SELECT item_id FROM review_decisions)",
      "DELETE FROM moderation_findings WHERE seq > ?1",
      "UPDATE moderation_state SET value = ?1 WHERE key = 'watermark' AND value > ?1",
  };
  for (const char* sql : steps) {
    Stmt q(db_, sql);
    if (!q.ok()) return fail(SqlError(db_, "prepare discard"));
    q.Bind(1, s);
    if (q.Step() != SQLITE_DONE) return fail(SqlError(db_, "discard"));
  }
  return Exec("COMMIT");
}

Result<std::vector<uint64_t>> ReviewStore::FindingSeqs() const {
  Stmt q(db_, "SELECT seq FROM moderation_findings ORDER BY seq");
  if (!q.ok()) return SqlError(db_, "prepare finding seqs");
  std::vector<uint64_t> out;
  int rc = SQLITE_DONE;
  while ((rc = q.Step()) == SQLITE_ROW) out.push_back(static_cast<uint64_t>(q.Int(0)));
  if (rc != SQLITE_DONE) return SqlError(db_, "finding seqs");
  return out;
}

Result<std::vector<moderation::FindingRecord>> ReviewStore::Findings(const moderation::FindingFilter& f) const {
  Stmt q(db_,
         "SELECT seq, event_id, platform, community, member, person, ts_ms, type, action, rules, findings_json, "
         "masked, review_item FROM moderation_findings WHERE (?1 = '' OR community = ?1) AND "
         "(?2 = '' OR instr(char(31) || rules || char(31), char(31) || ?2 || char(31)) > 0) AND "
         "(?3 = '' OR member = ?3) AND ts_ms >= ?4 AND (?5 = 0 OR seq < ?5) ORDER BY seq DESC");
  if (!q.ok()) return SqlError(db_, "prepare findings");
  q.Bind(1, f.community);
  q.Bind(2, f.rule);
  q.Bind(3, f.member);
  q.Bind(4, f.since_ms);
  q.Bind(5, static_cast<int64_t>(f.before_seq));
  std::vector<moderation::FindingRecord> out;
  int rc = SQLITE_DONE;
  while (static_cast<int64_t>(out.size()) < f.limit && (rc = q.Step()) == SQLITE_ROW) {
    moderation::FindingRecord r;
    r.seq = static_cast<uint64_t>(q.Int(0));
    r.event_id = q.Text(1);
    r.platform = q.Text(2);
    r.community = q.Text(3);
    r.member = q.Text(4);
    r.person = q.Int(5);
    r.ts_ms = q.Int(6);
    r.type = q.Text(7);
    auto a = moderation::ParseAction(q.Text(8));
    if (!a) return DataLoss("moderation.db: finding " + std::to_string(r.seq) + ": unknown action");
    r.action = *a;
    if (r.action < f.min_action) continue;
    r.rules = SplitRules(q.Text(9));
    r.findings_json = q.Text(10);
    r.masked = q.Text(11);
    r.review_item = q.Int(12);
    out.push_back(std::move(r));
  }
  if (static_cast<int64_t>(out.size()) < f.limit && rc != SQLITE_DONE) return SqlError(db_, "findings");
  return out;
}

Result<std::vector<moderation::BanRecord>> ReviewStore::Bans() const {
  Stmt q(db_, "SELECT member, reason, by, created_ms FROM bans ORDER BY member");
  if (!q.ok()) return SqlError(db_, "prepare bans");
  std::vector<moderation::BanRecord> out;
  int rc = SQLITE_DONE;
  while ((rc = q.Step()) == SQLITE_ROW) out.push_back({q.Text(0), q.Text(1), q.Text(2), q.Int(3)});
  if (rc != SQLITE_DONE) return SqlError(db_, "bans");
  return out;
}

Result<bool> ReviewStore::AddBan(const moderation::BanRecord& ban) {
  Stmt q(db_, "INSERT OR IGNORE INTO bans(member, reason, by, created_ms) VALUES (?,?,?,?)");
  if (!q.ok()) return SqlError(db_, "prepare ban");
  q.Bind(1, ban.member);
  q.Bind(2, ban.reason);
  q.Bind(3, ban.by);
  q.Bind(4, ban.created_ms ? ban.created_ms : WallMs());
  if (q.Step() != SQLITE_DONE) return SqlError(db_, "ban");
  return sqlite3_changes(db_) > 0;
}

Result<bool> ReviewStore::RemoveBan(const std::string& member) {
  Stmt q(db_, "DELETE FROM bans WHERE member = ?");
  if (!q.ok()) return SqlError(db_, "prepare unban");
  q.Bind(1, member);
  if (q.Step() != SQLITE_DONE) return SqlError(db_, "unban");
  return sqlite3_changes(db_) > 0;
}

}  // namespace qun::store

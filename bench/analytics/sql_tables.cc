// SQL twin tables from the generator (see sql_tables.h).
#include "sql_tables.h"

#include <sqlite3.h>
#ifdef QUN_HAVE_PQ
#include <libpq-fe.h>
#endif

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>

#include "core/engine/engine.h"
#include "core/gen/generator.h"

namespace qun::bench {
namespace {

using Clock = std::chrono::steady_clock;
double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

constexpr uint64_t kRowsPerTransaction = 1'000'000;

// The value of the marker table: the generator options the tables hold.
std::string MarkerKey(const gen::GenOptions& g) {
  // "ev v3": v2 added the columns actor, inviter, inviter_person, v3 seq
  // (tables of an older version are rebuilt).
  return fmt::format("qun gen --seed {} --members {} --days {} --communities {} (ev v3)", g.seed, g.members, g.days,
                     g.communities);
}

// One row of ev; empty strings, amount_minor < 0 and nps < 0 are NULL.
struct Row {
  int64_t ts = 0;
  std::string_view type;
  uint32_t community = 0, account = 0, person = 0;
  std::string_view message_id, reply_to, text, category;
  int64_t amount_minor = -1;
  std::string_view currency;
  int nps = -1;
  // Invites only (member.joined naming an inviter), else empty / kNone:
  // account labels "platform:id" as qun prints them, the inviter's member.
  std::string actor, inviter;
  uint32_t inviter_person = kNone;
  uint64_t seq = 0;  // arrival order, from 1 (the store's seq)
};

bool Exec(sqlite3* db, const std::string& sql, std::string* err) {
  char* msg = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg) == SQLITE_OK) return true;
  *err = fmt::format("SQLite: {} (in: {:.80})", msg ? msg : sqlite3_errmsg(db), sql);
  sqlite3_free(msg);
  return false;
}

// The last steps of either database, through its `exec(sql, err)`: the six
// indexes, the statistics statement, then the marker table naming `key`
// (written last, so a build stopped earlier is rebuilt by the next run).
template <typename ExecFn>
bool FinishTables(ExecFn&& exec, const char* analyze_sql, const std::string& key, uint64_t rows,
                  TableBuild* out, std::string* err) {
  auto t = Clock::now();
  if (!exec(EvIndexesSql(), err)) return false;
  out->index_ms = Ms(Clock::now() - t);
  t = Clock::now();
  if (!exec(std::string(analyze_sql), err)) return false;
  out->analyze_ms = Ms(Clock::now() - t);
  out->rows = rows;
  return exec(
      fmt::format("CREATE TABLE ev_built(generator TEXT NOT NULL); INSERT INTO ev_built VALUES('{}')", key),
      err);
}

// SQLite side: a prepared INSERT in transactions of kRowsPerTransaction rows,
// journal off.
class SqliteSink {
 public:
  ~SqliteSink() {
    sqlite3_finalize(insert_);
    sqlite3_close(db_);
  }

  // Returns false (err set) on failure; sets *complete when the file already
  // holds the tables for `key`.
  bool Open(const std::string& path, const std::string& key, bool* complete, std::string* err) {
    *complete = false;
    if (std::filesystem::exists(path)) {
      sqlite3* db = nullptr;
      if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db, "SELECT generator FROM ev_built", -1, &st, nullptr) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
          *complete = key == reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
      }
      sqlite3_close(db);
      if (*complete) return true;
      std::error_code ec;
      std::filesystem::remove(path, ec);
      if (ec) {
        *err = fmt::format("cannot remove the incomplete {}: {}", path, ec.message());
        return false;
      }
    }
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
      *err = fmt::format("cannot create {}: {}", path, sqlite3_errmsg(db_));
      return false;
    }
    // cache_size: 256 MB for the index sorts (the build only; readers use the default).
    if (!Exec(db_, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;", err) ||
        !Exec(db_, EvTableSql(SqlKind::kSqlite) + ";", err) ||
        !Exec(db_, "CREATE TABLE person(account INTEGER PRIMARY KEY, member INTEGER NOT NULL); BEGIN", err))
      return false;
    if (sqlite3_prepare_v2(db_, "INSERT INTO ev VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &insert_, nullptr) !=
        SQLITE_OK) {
      *err = fmt::format("SQLite: {}", sqlite3_errmsg(db_));
      return false;
    }
    return true;
  }

  bool Add(const Row& r, std::string* err) {
    auto text = [&](int i, std::string_view s) {
      if (s.empty())
        sqlite3_bind_null(insert_, i);
      else
        sqlite3_bind_text(insert_, i, s.data(), static_cast<int>(s.size()), SQLITE_STATIC);
    };
    sqlite3_bind_int64(insert_, 1, r.ts);
    text(2, r.type);
    sqlite3_bind_int64(insert_, 3, r.community);
    sqlite3_bind_int64(insert_, 4, r.account);
    sqlite3_bind_int64(insert_, 5, r.person);
    text(6, r.message_id);
    text(7, r.reply_to);
    text(8, r.text);
    text(9, r.category);
    if (r.amount_minor < 0)
      sqlite3_bind_null(insert_, 10);
    else
      sqlite3_bind_int64(insert_, 10, r.amount_minor);
    text(11, r.currency);
    if (r.nps < 0)
      sqlite3_bind_null(insert_, 12);
    else
      sqlite3_bind_int64(insert_, 12, r.nps);
    text(13, r.actor);
    text(14, r.inviter);
    if (r.inviter_person == kNone)
      sqlite3_bind_null(insert_, 15);
    else
      sqlite3_bind_int64(insert_, 15, r.inviter_person);
    sqlite3_bind_int64(insert_, 16, static_cast<int64_t>(r.seq));
    const int rc = sqlite3_step(insert_);
    sqlite3_reset(insert_);
    if (rc != SQLITE_DONE) {
      *err = fmt::format("SQLite insert: {}", sqlite3_errmsg(db_));
      return false;
    }
    if (++rows_ % kRowsPerTransaction == 0) return Exec(db_, "COMMIT; BEGIN", err);
    return true;
  }

  // Writes person(account, member), commits, builds the indexes, ANALYZE,
  // then the marker.
  bool Finish(const Engine& engine, const std::string& key, TableBuild* out, std::string* err) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, "INSERT INTO person VALUES(?, ?)", -1, &st, nullptr) != SQLITE_OK) {
      *err = fmt::format("SQLite: {}", sqlite3_errmsg(db_));
      return false;
    }
    bool ok = true;
    for (uint32_t a = 0; ok && a < engine.accounts().size(); ++a) {
      sqlite3_bind_int64(st, 1, a);
      sqlite3_bind_int64(st, 2, engine.member_of(a));
      ok = sqlite3_step(st) == SQLITE_DONE;
      sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    if (!ok) {
      *err = fmt::format("SQLite person insert: {}", sqlite3_errmsg(db_));
      return false;
    }
    if (!Exec(db_, "COMMIT", err)) return false;
    return FinishTables([&](const std::string& sql, std::string* e) { return Exec(db_, sql, e); }, "ANALYZE",
                        key, rows_, out, err);
  }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  uint64_t rows_ = 0;
};

#ifdef QUN_HAVE_PQ
bool PgExec(PGconn* pg, const std::string& sql, std::string* err) {
  PGresult* r = PQexec(pg, sql.c_str());
  const ExecStatusType s = PQresultStatus(r);
  const bool ok = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
  if (!ok) *err = fmt::format("PostgreSQL: {} (in: {:.80})", PQresultErrorMessage(r), sql);
  PQclear(r);
  return ok;
}

// PostgreSQL side: COPY ev FROM STDIN (text format) through PQputCopyData.
class PgSink {
 public:
  explicit PgSink(PGconn* pg) : pg_(pg) {}

  bool Open(const std::string& key, bool* complete, std::string* err) {
    PGresult* r = PQexec(pg_, "SELECT generator FROM ev_built");
    *complete = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 && key == PQgetvalue(r, 0, 0);
    PQclear(r);
    if (*complete) return true;
    if (!PgExec(pg_, "DROP TABLE IF EXISTS ev_built; DROP TABLE IF EXISTS ev", err) ||
        !PgExec(pg_, EvTableSql(SqlKind::kPostgres), err))
      return false;
    PGresult* c = PQexec(pg_, "COPY ev FROM STDIN");
    const bool ok = PQresultStatus(c) == PGRES_COPY_IN;
    if (!ok) *err = fmt::format("PostgreSQL COPY: {}", PQresultErrorMessage(c));
    PQclear(c);
    return ok;
  }

  bool Add(const Row& r, std::string* err) {
    fmt::format_to(std::back_inserter(buf_), "{}\t{}\t{}\t{}\t{}\t", r.ts, r.type, r.community, r.account,
                   r.person);
    for (std::string_view s : {r.message_id, r.reply_to, r.text, r.category}) {
      Text(s);
      buf_ += '\t';
    }
    if (r.amount_minor < 0)
      buf_ += "\\N";
    else
      fmt::format_to(std::back_inserter(buf_), "{}", r.amount_minor);
    buf_ += '\t';
    Text(r.currency);
    buf_ += '\t';
    if (r.nps < 0)
      buf_ += "\\N";
    else
      fmt::format_to(std::back_inserter(buf_), "{}", r.nps);
    for (std::string_view s : {std::string_view(r.actor), std::string_view(r.inviter)}) {
      buf_ += '\t';
      Text(s);
    }
    buf_ += '\t';
    if (r.inviter_person == kNone)
      buf_ += "\\N";
    else
      fmt::format_to(std::back_inserter(buf_), "{}", r.inviter_person);
    fmt::format_to(std::back_inserter(buf_), "\t{}\n", r.seq);
    ++rows_;
    return buf_.size() < (1 << 20) || Flush(err);
  }

  bool Finish(TableBuild* out, std::string* err) {
    if (!Flush(err)) return false;
    if (PQputCopyEnd(pg_, nullptr) != 1) {
      *err = fmt::format("PostgreSQL COPY end: {}", PQerrorMessage(pg_));
      return false;
    }
    PGresult* r = PQgetResult(pg_);
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) *err = fmt::format("PostgreSQL COPY: {}", PQresultErrorMessage(r));
    PQclear(r);
    while ((r = PQgetResult(pg_)) != nullptr) PQclear(r);
    if (!ok) return false;
    return FinishTables([&](const std::string& sql, std::string* e) { return PgExec(pg_, sql, e); },
                        "VACUUM ANALYZE ev", key_, rows_, out, err);
  }

  void set_key(const std::string& key) { key_ = key; }

 private:
  // COPY text format: \N is NULL; backslash, tab, newline and CR escaped.
  void Text(std::string_view s) {
    if (s.empty()) {
      buf_ += "\\N";
      return;
    }
    for (char c : s) {
      switch (c) {
        case '\\':
          buf_ += "\\\\";
          break;
        case '\t':
          buf_ += "\\t";
          break;
        case '\n':
          buf_ += "\\n";
          break;
        case '\r':
          buf_ += "\\r";
          break;
        default:
          buf_ += c;
      }
    }
  }

  bool Flush(std::string* err) {
    if (buf_.empty()) return true;
    if (PQputCopyData(pg_, buf_.data(), static_cast<int>(buf_.size())) != 1) {
      *err = fmt::format("PostgreSQL COPY data: {}", PQerrorMessage(pg_));
      return false;
    }
    buf_.clear();
    return true;
  }

  PGconn* pg_;
  std::string buf_, key_;
  uint64_t rows_ = 0;
};
#endif

}  // namespace

std::string EvTableSql(SqlKind kind) {
  const char* big = kind == SqlKind::kSqlite ? "INTEGER" : "BIGINT";
  return fmt::format(
      "CREATE TABLE ev(ts {0} NOT NULL, type TEXT NOT NULL, community INTEGER NOT NULL, account INTEGER NOT "
      "NULL,"
      " person INTEGER NOT NULL, message_id TEXT, reply_to TEXT, text TEXT, category TEXT, amount_minor {0},"
      " currency TEXT, nps INTEGER, actor TEXT, inviter TEXT, inviter_person INTEGER, seq {0} NOT NULL)",
      big);
}

const char* EvIndexesSql() {
  return "CREATE INDEX ev_ts ON ev(ts);\n"
         "CREATE INDEX ev_community_ts ON ev(community, ts);\n"
         "CREATE INDEX ev_account ON ev(account);\n"
         "CREATE INDEX ev_person ON ev(person);\n"
         "CREATE INDEX ev_type_ts ON ev(type, ts);\n"
         "CREATE INDEX ev_reply_to ON ev(reply_to) WHERE reply_to IS NOT NULL;\n";
}

bool BuildSqlTables(const gen::GenOptions& g, const Engine& engine, const std::string& sqlite_path,
                    pg_conn* pg, TableBuild* sqlite_out, TableBuild* pg_out, double* gen_wall_ms,
                    std::string* err) {
  const std::string key = MarkerKey(g);
  SqliteSink sq;
  bool sq_done = true, pg_done = true;
  if (!sqlite_path.empty() && !sq.Open(sqlite_path, key, &sq_done, err)) return false;
#ifdef QUN_HAVE_PQ
  PgSink pgs(pg);
  pgs.set_key(key);
  if (pg && !pgs.Open(key, &pg_done, err)) return false;
#else
  if (pg) {
    *err = "built without libpq";
    return false;
  }
#endif
  sqlite_out->skipped = sq_done;
  pg_out->skipped = pg_done;
  const auto t0 = Clock::now();
  if (!sq_done || !pg_done) {
    auto generator = gen::Generator::Create(g);
    if (!generator.ok()) {
      *err = generator.status().message();
      return false;
    }
    bool ok = true;
    Clock::duration in_sqlite{}, in_pg{};
    int32_t next_report = 10;
    uint64_t seq = 0;
    while (ok && (*generator)->NextDay([&](const Event& e) {
      if (!ok) return;
      Row r;
      r.community = engine.FindCommunity(e.platform, e.community);
      r.account = engine.FindAccount(e.platform, e.actor);
      if (r.community == kNone || r.account == kNone) {
        *err = fmt::format("event {} is not in the engine (community or account unknown)", e.id);
        ok = false;
        return;
      }
      r.seq = ++seq;
      r.ts = e.ts_ms;
      r.type = EventTypeName(e.type);
      r.person = engine.member_of(r.account);
      r.message_id = e.message_id;
      r.reply_to = e.reply_to;
      r.text = e.text;
      r.category = e.category;
      if (e.type == EventType::kOrderPaid || e.type == EventType::kOrderRefunded)
        r.amount_minor = e.amount_minor;
      r.currency = e.currency;
      r.nps = e.nps;
      if (e.type == EventType::kMemberJoined && !e.inviter.empty()) {
        const uint32_t inviter = engine.FindAccount(e.platform, e.inviter);
        if (inviter == kNone) {
          *err = fmt::format("event {}: inviter {} is not in the engine", e.id, e.inviter);
          ok = false;
          return;
        }
        r.actor = fmt::format("{}:{}", PlatformName(e.platform), e.actor);
        r.inviter = fmt::format("{}:{}", PlatformName(e.platform), e.inviter);
        r.inviter_person = engine.member_of(inviter);
      }
      auto t = Clock::now();
      if (!sq_done) ok = sq.Add(r, err);
      auto t2 = Clock::now();
      in_sqlite += t2 - t;
#ifdef QUN_HAVE_PQ
      if (ok && !pg_done) ok = pgs.Add(r, err);
      in_pg += Clock::now() - t2;
#endif
    })) {
      if ((*generator)->days_done() * 100 >= next_report * (*generator)->days_total()) {
        std::fprintf(stderr, "analytics_driver: SQL tables: %d of %d days, %.0f s\n",
                     (*generator)->days_done(), (*generator)->days_total(), Ms(Clock::now() - t0) / 1e3);
        next_report += 10;
      }
    }
    if (!ok) return false;
    *gen_wall_ms = Ms(Clock::now() - t0);
    sqlite_out->load_ms = Ms(in_sqlite);
    pg_out->load_ms = Ms(in_pg);
    // The two index builds overlap: PostgreSQL sorts in its own server
    // process while this thread drives SQLite's (at 100M rows each takes half
    // an hour). Each side's times below are its own wall times.
    bool pg_ok = true;
    std::string pg_err;
#ifdef QUN_HAVE_PQ
    std::thread pg_finish;
    if (!pg_done)
      pg_finish = std::thread([&] {
        auto t = Clock::now();
        pg_ok = pgs.Finish(pg_out, &pg_err);
        if (pg_ok) pg_out->load_ms += Ms(Clock::now() - t) - pg_out->index_ms - pg_out->analyze_ms;
      });
#endif
    bool sq_ok = true;
    if (!sq_done) {
      auto t = Clock::now();
      sq_ok = sq.Finish(engine, key, sqlite_out, err);
      if (sq_ok) sqlite_out->load_ms += Ms(Clock::now() - t) - sqlite_out->index_ms - sqlite_out->analyze_ms;
    }
#ifdef QUN_HAVE_PQ
    if (pg_finish.joinable()) pg_finish.join();
#endif
    if (!sq_ok) return false;
    if (!pg_ok) {
      *err = pg_err;
      return false;
    }
  }
  std::error_code ec;
  if (!sqlite_path.empty()) {
    sqlite_out->bytes = std::filesystem::file_size(sqlite_path, ec);
    if (sqlite_out->skipped) {
      sqlite3* db = nullptr;
      if (sqlite3_open_v2(sqlite_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM ev", -1, &st, nullptr) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
          sqlite_out->rows = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
      }
      sqlite3_close(db);
    }
  }
#ifdef QUN_HAVE_PQ
  if (pg) {
    PGresult* r = PQexec(pg, "SELECT pg_total_relation_size('ev'), (SELECT COUNT(*) FROM ev)");
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
      pg_out->bytes = std::strtoull(PQgetvalue(r, 0, 0), nullptr, 10);
      pg_out->rows = std::strtoull(PQgetvalue(r, 0, 1), nullptr, 10);
    }
    PQclear(r);
  }
#endif
  return true;
}

}  // namespace qun::bench

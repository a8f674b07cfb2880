// analytics_driver: times the dashboard metrics of a data directory in process
// (Workspace::Open once, then MetricsJson(...) many times per query) against
// the equivalent SQL over a plain SQLite table of the same events, and checks
// that both give the same numbers. Driven by bench/analytics/run.sh; see
// docs/metrics.md#benchmark for what is measured and the numbers.
//
//   analytics_driver --data-dir DIR --sqlite FILE [--pg CONNINFO] [--reps N] [--max-seconds S]
//                    [--sql-reps N] [--sql-max-seconds S] [--sql-timeout S] [--json OUT]
//                    [--only LABEL-SUBSTRING]   (time only the queries whose label contains it)
//                    [--ingest-batch N]   (events of the after-ingest phase; 0 skips it;
//                                          default 1000, 0 in the in-process mode)
//   analytics_driver --data-dir DIR --export-persons FILE
//   analytics_driver --generate MEMBERS [--days D] [--seed S] [--communities C]
//                    [--batch N] [--roundtrip 1] [--sqlite FILE] [--pg CONNINFO]
//                    [--reps N] [--sql-reps N] [--sql-timeout S] [--json OUT] [--digest OUT]
//   analytics_driver --print-schema sqlite|pg|indexes   (run.sh's store mode builds from these)
//
// In-process mode (--generate): no store. The events of `qun gen --seed S
// --members MEMBERS --days D --communities C` (same generator, same options,
// defaults 7/120/6) go straight from the generator into an Engine with the
// standard modules attached, through the same Stage/Apply path as ingest and
// the store's rebuild, in batches of N (default 16384, the import and rebuild
// batch). This is how the 100M-event run fits a 2-core machine: no 21 GB
// NDJSON, no 2 h import, no JSON replay at open. With --sqlite FILE and/or
// --pg CONNINFO, the SQL twins' tables are then written straight from a second
// pass of the same generator (sql_tables.h: same columns and values as the
// store mode's tables, the same indexes; skipped when the database's marker
// table ev_built says it is complete for these options) and the twins run as
// in the store mode. --roundtrip 1 also serializes and
// re-parses every event through the canonical JSON codec, as import does.
// --digest OUT writes one line per query: label, tab, XXH3 of the first
// result's JSON; both modes write it, so bench/analytics/verify_inproc.sh can
// check that the in-process engine answers exactly like the store-based one.
//
// The SQLite file holds table `ev(ts ms, type text, community, account,
// person, message_id, reply_to, text, category, amount_minor, currency, nps)`
// by run.sh from qun's stored events (store mode) or by this driver from the
// generator (in-process mode); community/account are qun's dense
// ids and `person` is qun's member id of the account (identity.linked events
// join accounts into one person), exported first by --export-persons as table
// person(account, member): the SQL side gets identity resolution for free.
// --sql-timeout S (default 0: none) stops a twin statement after S seconds
// (SQLite: sqlite3_progress_handler; PostgreSQL: SET statement_timeout); it is
// reported as "> S s" with the lower-bound ratio ">=X" (S / qun wall p50),
// not repeated and not compared; the §9 verdict counts a lower bound >= 100x
// as met. Exit status 1 when any SQL result differs from qun's.
// Single-threaded (PostgreSQL works in its own server process); not a test.
// GCC 12 at -O3 reports a false -Wmaybe-uninitialized inside std::variant<double,
// std::string> built from initializer lists (GCC bug 105562-like); harmless here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <sqlite3.h>
#include <time.h>
#ifdef QUN_HAVE_PQ
#include <libpq-fe.h>
#endif

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/hash.h"
#include "common/time.h"
#include "qun/event.h"
#include "core/engine/scope.h"
#include "core/gen/generator.h"
#include "core/health/health.h"
#include "core/model/event_json.h"
#include "core/members/activity_ledger.h"
#include "core/members/member_table_cache.h"
#include "core/members/members_json.h"
#include "core/members/profile.h"
#include "core/metrics/metrics.h"
#include "core/metrics/metrics_json.h"
#include "core/report/weekly_report.h"
#include "store/workspace.h"
#include "sql_tables.h"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using Cell = std::variant<double, std::string>;
using Rows = std::vector<std::vector<Cell>>;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// CPU time of this thread in ms: on a shared, loaded machine wall time also
// counts waiting for a core, so both are reported.
double CpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct Timing {
  size_t reps = 0;
  double p50 = 0, p99 = 0, max = 0;
};

Timing Summarize(std::vector<double> v) {
  Timing t;
  if (v.empty()) return t;
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<size_t>(std::ceil(q * v.size())) - 1)]; };
  t.reps = v.size();
  t.p50 = at(0.5);
  t.p99 = at(0.99);
  t.max = v.back();
  return t;
}

// SQL dialect of a twin: SQLite, or PostgreSQL 15 (same table and indexes).
struct Dialect {
  bool pg = false;
  // 'YYYY-MM-DD' of day number `d` (days since 1970-01-01).
  std::string Date(const std::string& d) const {
    return pg ? fmt::format("to_char(DATE '1970-01-01' + ({})::int, 'YYYY-MM-DD')", d)
              : fmt::format("date(({})*86400,'unixepoch')", d);
  }
  // Number of rows where boolean `cond` holds.
  std::string SumIf(const std::string& cond) const {
    return pg ? fmt::format("SUM(({})::int)", cond) : fmt::format("SUM({})", cond);
  }
  std::string Greatest(const std::string& a, const std::string& b) const {
    return fmt::format("{}({}, {})", pg ? "GREATEST" : "MAX", a, b);
  }
  std::string Instr(const std::string& text, const std::string& needle) const {
    return fmt::format("{}({},'{}')", pg ? "strpos" : "instr", text, needle);
  }
  std::string Chr(int c) const { return fmt::format("{}({})", pg ? "chr" : "char", c); }
  // `x` rounded to 4 decimals as qun's JSON ratios (R4: std::round, half away
  // from zero; PostgreSQL's round(float8) rounds half to even, numeric's away).
  std::string Round4(const std::string& x) const {
    return pg ? fmt::format("CAST(round(CAST(({})*10000 AS numeric)) / 10000 AS DOUBLE PRECISION)", x)
              : fmt::format("round(({})*10000) / 10000", x);
  }
  // True when the one-character string `x` is an ASCII letter.
  std::string IsAlpha(const std::string& x) const {
    return pg ? fmt::format("({} ~ '^[A-Za-z]$')", x) : fmt::format("({} GLOB '[A-Za-z]')", x);
  }
};

// Events that make a person active (docs/metrics.md#common-terms).
const char* const kActive =
    "type IN ('message.posted','reaction.added','checkin','content.clicked','activity.joined','survey.answered',"
    "'order.paid')";

// IsQuestionText (src/core/metrics/metrics.cc) in SQL over column `text`.
std::string QuestionSql(const Dialect& dl) {
  std::string s = "(";
  for (const char* k : {"?", "？", "吗", "怎么", "如何", "为什么", "请问", "有没有", "能不能"})
    s += dl.Instr("text", k) + ">0 OR ";
  const std::string lt = fmt::format("lower(ltrim(text,' '||{}||{}))", dl.Chr(9), dl.Chr(10));
  bool first = true;
  for (std::string w : {"how", "what", "why", "where", "when", "who", "which", "anyone"}) {
    s += fmt::format("{}(substr({},1,{})='{}' AND NOT {})", first ? "" : " OR ", lt, w.size(), w,
                     dl.IsAlpha(fmt::format("substr({},{},1)", lt, w.size() + 1)));
    first = false;
  }
  return s + ")";
}

// Members at the end of the range, per docs/metrics.md#common-terms ("member
// at the end of day D"), as CTEs `ms` and `mem` (distinct accounts).
std::string MembersCte(const Dialect& dl, int64_t end_ms) {
  return fmt::format(
      "ms AS (SELECT community, account, MIN(person) AS person,"
      " MIN(CASE WHEN type='member.joined' OR {0} THEN ts/1000 END) AS fs,"
      " MAX(CASE WHEN type='member.joined' THEN ts/1000 END) AS mj,"
      " MAX(CASE WHEN type='member.left' THEN ts/1000 END) AS ml"
      " FROM ev WHERE ts < {1} GROUP BY community, account),"
      " mem AS (SELECT DISTINCT person FROM ms WHERE fs IS NOT NULL AND"
      " (ml IS NULL OR {2} > ml))",
      kActive, end_ms, dl.Greatest("fs", "COALESCE(mj, fs)"));
}

// qun's JSON ratio (docs/metrics.md#common-terms) in SQL: `num` / `den` in
// double arithmetic rounded by Dialect::Round4, 0 when `den` is 0.
std::string Ratio4Sql(const Dialect& dl, const std::string& num, const std::string& den) {
  return fmt::format("CASE WHEN {1} = 0 THEN 0 ELSE {2} END", num, den,
                     dl.Round4(fmt::format("CAST({} AS DOUBLE PRECISION)/({})", num, den)));
}

// Members at the end of every day (docs/metrics.md#common-terms, "member at
// the end of day D") as CTEs ending in `md(d, n)`: n = net change of the
// member count on UTC day d, so members at the end of day D = SUM(n) over
// d <= D. Per (community, account): membership starts at the first seen
// second `fs`, ends at a member.left, restarts at a later member.joined; at
// the end of a day the account is in when its latest start (running MAX over
// its days) is later than its latest leave (same second: the leave wins,
// joins apply first). Then per person the number of accounts in, as a running
// sum of their day-to-day changes; the person counts while it is > 0.
std::string MembersByDayCte() {
  return fmt::format(
      "ma AS (SELECT community, account, MIN(person) AS person, MIN(ts)/1000 AS fs FROM ev"
      " WHERE {0} OR type='member.joined' GROUP BY community, account),"
      " mx AS (SELECT community, account, person, d, MAX(s) AS s, MAX(l) AS l FROM"
      " (SELECT community, account, person, fs/86400 AS d, fs AS s, NULL AS l FROM ma"
      " UNION ALL SELECT community, account, person, ts/86400000,"
      " CASE WHEN type='member.joined' THEN ts/1000 END, CASE WHEN type='member.left' THEN ts/1000 END"
      " FROM ev WHERE type IN ('member.joined','member.left')) x GROUP BY community, account, person, d),"
      " mw AS (SELECT community, account, person, d, CASE WHEN MAX(s) OVER w IS NOT NULL AND"
      " (MAX(l) OVER w IS NULL OR MAX(s) OVER w > MAX(l) OVER w) THEN 1 ELSE 0 END AS st"
      " FROM mx WINDOW w AS (PARTITION BY community, account ORDER BY d)),"
      " mc AS (SELECT person, d, SUM(SUM(st - prev)) OVER (PARTITION BY person ORDER BY d) AS cnt FROM"
      " (SELECT person, d, st, LAG(st, 1, 0) OVER (PARTITION BY community, account ORDER BY d) AS prev FROM mw) y"
      " GROUP BY person, d),"
      " md AS MATERIALIZED (SELECT d, SUM(pm - prev) AS n FROM (SELECT d, pm, LAG(pm, 1, 0) OVER (PARTITION BY person"
      " ORDER BY d) AS prev FROM (SELECT person, d, CASE WHEN cnt > 0 THEN 1 ELSE 0 END AS pm FROM mc) p) z GROUP BY d)",
      kActive);
}

// DAU anomalies (docs/metrics.md#anomalies) over days [first, last]: the DAU
// series (zeros included), per day its same-weekday history of up to 8 weeks
// inside the range (>= 4 values), median and MAD by ROW_NUMBER over the
// sorted history (the mean of the one or two middle values), robust z, the
// flagged days with z rounded as qun's JSON (R4: half away from zero).
// `daily` is a query of (d, n) rows: the series' value n on day d where it is
// not 0.
std::string AnomaliesSql(const Dialect& dl, int32_t first, int32_t last, const std::string& daily) {
  // Median of column `x` per `d` of CTE `from` with row number `rn` and count `n`.
  auto median = [](const char* from) {
    return fmt::format("SELECT d, AVG(x) AS m FROM {} WHERE n >= 4 AND rn IN ((n+1)/2, (n+2)/2) GROUP BY d", from);
  };
  return fmt::format(
      "WITH RECURSIVE days(d) AS (SELECT {0} UNION ALL SELECT d+1 FROM days WHERE d<{1}),"
      " act AS ({2}),"
      " s AS (SELECT days.d, CAST(COALESCE(act.n, 0) AS DOUBLE PRECISION) AS v FROM days LEFT JOIN act ON act.d=days.d),"
      " h AS (SELECT t.d, p.v AS x, ROW_NUMBER() OVER (PARTITION BY t.d ORDER BY p.v) AS rn,"
      " COUNT(*) OVER (PARTITION BY t.d) AS n"
      " FROM s t JOIN s p ON p.d < t.d AND p.d >= t.d-56 AND (t.d-p.d)%7 = 0),"
      " med AS ({3}),"
      " dev AS (SELECT h.d, ABS(h.x-med.m) AS x, ROW_NUMBER() OVER (PARTITION BY h.d ORDER BY ABS(h.x-med.m)) AS rn, h.n"
      " FROM h JOIN med ON med.d=h.d),"
      " mad AS ({4}),"
      " z AS (SELECT s.d, s.v, med.m AS e, (s.v-med.m) / CASE WHEN mad.m > 0 THEN CAST(1.4826 AS DOUBLE PRECISION)*mad.m"
      " ELSE CAST(1 AS DOUBLE PRECISION) END AS z FROM s JOIN med ON med.d=s.d JOIN mad ON mad.d=s.d)"
      " SELECT {5}, v, e, {6}, CASE WHEN z > 0 THEN 'up' ELSE 'down' END, v-e FROM z WHERE ABS(z) >= 3.5",
      first, last, daily, median("h"), median("dev"), dl.Date("d"), dl.Round4("z"));
}

// Rounds of the referral twin's cycle rule (see ReferralSql).
constexpr int kReferralRounds = 1;

// Referral (docs/metrics.md#referral) over the invites in `in_range`, with
// `members` the CTEs ms/mem of the members at the start of the range. The
// three rules are order-dependent; as SQL: number the invites in referral
// order (second, then joiner, then inviter account, each by platform in qun's
// Platform order, then id), drop self-invites, then rounds: each joiner's
// first invite not yet rejected is its tentative edge; nodes reached from the
// tree tops (recursive walk down) are settled; the rest lie on or below
// cycles, and in every cycle the latest edge is one that closes a cycle in
// qun's sequential rule (every earlier edge of the cycle was accepted), so it
// is rejected and the next round runs. `rounds` rounds are unrolled; if a
// cycle is still left after them the statement returns a row qun does not
// have, so the comparison fails instead of accepting a wrong forest.
std::string ReferralSql(const Dialect& dl, const std::string& in_range, const std::string& members, int rounds) {
  auto rank = [&](const std::string& label) {
    std::string c = fmt::format("CASE substr({0}, 1, {1}-1)", label, dl.Instr(label, ":"));
    for (int p = 0; p < qun::kPlatformCount; ++p)
      c += fmt::format(" WHEN '{}' THEN {}", qun::PlatformName(static_cast<qun::Platform>(p)), p);
    return c + " END";
  };
  std::string sql = fmt::format(
      "WITH RECURSIVE {0},"
      " inv AS MATERIALIZED (SELECT ts/1000 AS t, community AS c, person AS j, inviter_person AS i, inviter AS acct,"
      " ROW_NUMBER() OVER (ORDER BY ts/1000, {1}, actor, {2}, inviter) AS k"
      " FROM ev WHERE type='member.joined' AND inviter IS NOT NULL AND {3}),"
      " cand AS MATERIALIZED (SELECT k, t, c, j, i, acct FROM inv WHERE i <> j),"
      " rej0(k) AS MATERIALIZED (SELECT k FROM cand WHERE 1=0)",
      members, rank("actor"), rank("inviter"), in_range);
  for (int r = 0; r <= rounds; ++r) {
    sql += fmt::format(
        ", e{0} AS MATERIALIZED (SELECT c.k, c.j, c.i FROM cand c JOIN (SELECT j, MIN(k) AS k FROM cand"
        " WHERE k NOT IN (SELECT k FROM rej{0}) GROUP BY j) f ON f.k = c.k),"
        " dn{0}(x, dep) AS (SELECT e.j, 1 FROM e{0} e WHERE NOT EXISTS (SELECT 1 FROM e{0} p WHERE p.j = e.i)"
        " UNION ALL SELECT e.j, dn{0}.dep+1 FROM e{0} e JOIN dn{0} ON e.i = dn{0}.x),"
        " un{0} AS MATERIALIZED (SELECT k, j, i FROM e{0} WHERE j NOT IN (SELECT x FROM dn{0})),"
        " cy{0}(s, x, m, n) AS (SELECT j, i, k, 1 FROM un{0} UNION ALL SELECT cy{0}.s, u.i, {1}, cy{0}.n+1"
        " FROM cy{0} JOIN un{0} u ON u.j = cy{0}.x WHERE cy{0}.x <> cy{0}.s AND cy{0}.n <= (SELECT COUNT(*) FROM un{0}))",
        r, dl.Greatest("u.k", fmt::format("cy{}.m", r)));
    if (r < rounds) sql += fmt::format(", rej{1}(k) AS MATERIALIZED (SELECT k FROM rej{0} UNION SELECT m FROM cy{0} WHERE x = s)", r, r + 1);
  }
  const std::string conv = fmt::format(
      "EXISTS (SELECT 1 FROM ev a WHERE a.person = c.j AND a.community = c.c AND a.{} AND a.ts >= c.t*1000)", kActive);
  sql += fmt::format(
      ", iv AS (SELECT e.i, COUNT(*) AS invited, {1} AS converted, MIN(e.k) AS first_k"
      " FROM e{0} e JOIN cand c ON c.k = e.k GROUP BY e.i),"
      " tot AS (SELECT (SELECT COUNT(*) FROM e{0}) AS invited, (SELECT COUNT(*) FROM mem) AS m)"
      " SELECT 'summary', tot.invited,"
      " {2}, tot.m, CASE WHEN tot.m = 0 THEN 0 ELSE {3} END,"
      " (SELECT COALESCE(MAX(dep), 0) FROM dn{0}),"
      " (SELECT COUNT(DISTINCT i) FROM e{0} WHERE i NOT IN (SELECT j FROM e{0})), '' FROM tot"
      " UNION ALL SELECT * FROM (SELECT 'inviter', iv.i, iv.invited, iv.converted, 0, 0, 0, c.acct FROM iv"
      " JOIN cand c ON c.k = iv.first_k ORDER BY iv.invited DESC, iv.i LIMIT 20) top"
      " UNION ALL SELECT 'cycles left after {4} rounds', q.n, 0, 0, 0, 0, 0, '' FROM"
      " (SELECT COUNT(*) AS n FROM cy{0} WHERE x = s) q WHERE q.n > 0",
      rounds, dl.SumIf(conv),
      dl.Greatest(fmt::format("(SELECT COUNT(*) FROM ev WHERE type='member.joined' AND {}) - (SELECT COUNT(*) FROM inv)",
                              in_range),
                  "0"),
      dl.Round4("tot.invited * 1.0 / tot.m"), rounds);
  return sql;
}

struct Spec {
  std::string label;   // what the row of the report says
  std::string metric;  // MetricsJson name
  qun::metrics::Params params;
  std::string sql;  // empty: no SQL baseline
  std::function<Rows(const json&)> project;  // qun JSON -> rows comparable to the SQL's
};

Cell N(const json& j) { return j.is_null() ? Cell(std::nan("")) : Cell(j.get<double>()); }
Cell S(const json& j) { return Cell(j.get<std::string>()); }

struct Sqlite {
  sqlite3* db = nullptr;
  ~Sqlite() { sqlite3_close(db); }
};

// Per-statement time limit of a SQLite twin: sqlite3_progress_handler polls
// the deadline every kProgressOps virtual machine instructions and
// interrupts the statement once it has passed.
constexpr int kProgressOps = 10000;
struct Deadline {
  Clock::time_point at;
  bool hit = false;
};
int PastDeadline(void* p) {
  auto* d = static_cast<Deadline*>(p);
  if (Clock::now() < d->at) return 0;
  d->hit = true;
  return 1;
}

// Runs `sql` and returns its rows (integers and reals as double, text as string).
// With `timeout_s` > 0, a statement still running after that many seconds is
// interrupted: returns false with *timed_out set.
bool RunSql(sqlite3* db, const std::string& sql, Rows* out, std::string* err, double timeout_s = 0,
            bool* timed_out = nullptr) {
  Deadline deadline{Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_s))};
  if (timeout_s > 0) sqlite3_progress_handler(db, kProgressOps, PastDeadline, &deadline);
  struct Off {
    sqlite3* db;
    ~Off() { sqlite3_progress_handler(db, 0, nullptr, nullptr); }
  } off{db};
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    *err = sqlite3_errmsg(db);
    return false;
  }
  out->clear();
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    std::vector<Cell> row;
    for (int i = 0; i < sqlite3_column_count(st); ++i) {
      switch (sqlite3_column_type(st, i)) {
        case SQLITE_INTEGER:
        case SQLITE_FLOAT: row.emplace_back(sqlite3_column_double(st, i)); break;
        case SQLITE_NULL: row.emplace_back(std::nan("")); break;
        default: row.emplace_back(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, i))));
      }
    }
    out->push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) *err = sqlite3_errmsg(db);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    if (timed_out) *timed_out = deadline.hit;
    return false;
  }
  return true;
}

#ifdef QUN_HAVE_PQ
// Runs `sql` on PostgreSQL; numbers (int2/4/8, float4/8, numeric) as double,
// everything else as text.
// A statement cancelled by statement_timeout (SQLSTATE 57014) sets *timed_out.
bool RunPg(PGconn* conn, const std::string& sql, Rows* out, std::string* err, bool* timed_out = nullptr) {
  PGresult* r = PQexec(conn, sql.c_str());
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    *err = PQresultErrorMessage(r);
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    if (timed_out) *timed_out = state && std::string(state) == "57014";
    PQclear(r);
    return false;
  }
  out->clear();
  for (int i = 0; i < PQntuples(r); ++i) {
    std::vector<Cell> row;
    for (int k = 0; k < PQnfields(r); ++k) {
      if (PQgetisnull(r, i, k)) {
        row.emplace_back(std::nan(""));
        continue;
      }
      const Oid t = PQftype(r, k);
      const char* v = PQgetvalue(r, i, k);
      if (t == 20 || t == 21 || t == 23 || t == 700 || t == 701 || t == 1700) row.emplace_back(std::strtod(v, nullptr));
      else row.emplace_back(std::string(v));
    }
    out->push_back(std::move(row));
  }
  PQclear(r);
  return true;
}
#endif

bool SameCell(const Cell& a, const Cell& b) {
  if (a.index() != b.index()) return false;
  if (const double* x = std::get_if<double>(&a)) {
    double y = std::get<double>(b);
    if (std::isnan(*x) || std::isnan(y)) return std::isnan(*x) && std::isnan(y);
    return std::fabs(*x - y) <= 1e-6 * std::max(1.0, std::fabs(*x));
  }
  return std::get<std::string>(a) == std::get<std::string>(b);
}

std::string CellText(const Cell& c) {
  if (const double* x = std::get_if<double>(&c)) return fmt::format("{}", *x);
  return std::get<std::string>(c);
}

std::string RowText(const std::vector<Cell>& r) {
  std::string s = "[";
  for (size_t i = 0; i < r.size(); ++i) s += (i ? ", " : "") + CellText(r[i]);
  return s + "]";
}

bool CellLess(const Cell& a, const Cell& b) {
  if (a.index() != b.index()) return a.index() < b.index();
  if (const double* x = std::get_if<double>(&a)) return *x < std::get<double>(b);
  return std::get<std::string>(a) < std::get<std::string>(b);
}

void SortRows(Rows* r) {
  std::sort(r->begin(), r->end(), [](const auto& a, const auto& b) {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), CellLess);
  });
}

// Returns "" when equal, else a description of the first difference.
std::string Diff(Rows a, Rows b) {
  SortRows(&a);
  SortRows(&b);
  for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    if (i >= a.size()) return fmt::format("row {}: qun has none, SQL has {}", i, RowText(b[i]));
    if (i >= b.size()) return fmt::format("row {}: qun has {}, SQL has none", i, RowText(a[i]));
    bool same = a[i].size() == b[i].size();
    for (size_t k = 0; same && k < a[i].size(); ++k) same = SameCell(a[i][k], b[i][k]);
    if (!same) return fmt::format("row {}: qun {} vs SQL {} ({} vs {} rows)", i, RowText(a[i]), RowText(b[i]), a.size(), b.size());
  }
  return "";
}

std::vector<Spec> MakeSpecs(int32_t first_day, int32_t last_day, const Dialect& dl) {
  const std::string from = qun::FormatDate(first_day), to = qun::FormatDate(last_day);
  const int32_t a_from = std::max(first_day, last_day - 89);
  const std::string act = kActive;
  std::vector<Spec> v;
  auto range = [&](qun::metrics::Params p) {
    p["from"] = from;
    p["to"] = to;
    return p;
  };

  v.push_back({"active 90 days (DAU/WAU/MAU)", "active", {{"from", qun::FormatDate(a_from)}, {"to", to}},
               fmt::format("WITH RECURSIVE days(d) AS (SELECT {0} UNION ALL SELECT d+1 FROM days WHERE d<{1}),"
                           " act(d, person) AS MATERIALIZED (SELECT DISTINCT ts/86400000, person FROM ev"
                           " WHERE {2} AND ts >= ({0}-29)*86400000 AND ts < ({1}+1)*86400000)"
                           " SELECT {3},"
                           " COUNT(DISTINCT CASE WHEN act.d = days.d THEN act.person END),"
                           " COUNT(DISTINCT CASE WHEN act.d > days.d-7 THEN act.person END),"
                           " COUNT(DISTINCT act.person)"
                           " FROM days JOIN act ON act.d BETWEEN days.d-29 AND days.d GROUP BY days.d",
                           a_from, last_day, act, dl.Date("days.d")),
               [](const json& j) {
                 Rows r;
                 for (const auto& p : j["series"]) r.push_back({S(p["date"]), N(p["dau"]), N(p["wau"]), N(p["mau"])});
                 return r;
               }});

  // ISO week start of local (UTC) day x: x - (x+3)%7 (1970-01-01 was a Thursday).
  const int32_t wfrom = qun::metrics::PeriodStart(qun::metrics::Granularity::kWeek, first_day);
  const int32_t wto = qun::metrics::PeriodStart(qun::metrics::Granularity::kWeek, last_day);
  const std::string wk = "(ts/86400000 - (ts/86400000+3)%7)";
  const std::string first_seen =
      fmt::format("fs AS (SELECT person, MIN(ts)/86400000 AS d FROM ev WHERE ({} OR type='member.joined') GROUP BY person)", act);

  v.push_back({"retention matrix by week", "retention", range({{"granularity", "week"}}),
               fmt::format("WITH {0},"
                           " co AS (SELECT person, d-(d+3)%7 AS c FROM fs WHERE d-(d+3)%7 >= {1}),"
                           " aw AS (SELECT DISTINCT person, {2} AS w FROM ev WHERE {3} AND ts >= {1}*86400000"
                           " AND ts < ({4}+1)*86400000)"
                           " SELECT {5}, -1, COUNT(*) FROM co GROUP BY c"
                           " UNION ALL"
                           " SELECT {6}, (aw.w-co.c)/7, COUNT(*) FROM co JOIN aw"
                           " ON aw.person=co.person AND aw.w >= co.c GROUP BY co.c, aw.w",
                           first_seen, wfrom, wk, act, last_day, dl.Date("c"), dl.Date("co.c")),
               [](const json& j) {
                 Rows r;
                 for (const auto& c : j["cohorts"]) {
                   if (c["size"].get<int>() == 0) continue;
                   r.push_back({S(c["cohort"]), -1.0, N(c["size"])});
                   for (size_t k = 0; k < c["retained"].size(); ++k)
                     if (c["retained"][k].get<int>() > 0) r.push_back({S(c["cohort"]), double(k), N(c["retained"][k])});
                 }
                 return r;
               }});

  v.push_back({"lifecycle by week", "lifecycle", range({{"granularity", "week"}}),
               fmt::format("WITH RECURSIVE per(p) AS (SELECT {1} UNION ALL SELECT p+7 FROM per WHERE p+7 <= {2}),"
                           " {0},"
                           " aw AS MATERIALIZED (SELECT DISTINCT person, {3} AS w FROM ev WHERE {4}"
                           " AND ts >= ({1}-7)*86400000 AND ts < ({5}+1)*86400000),"
                           " cur AS MATERIALIZED (SELECT aw.w AS p, aw.person, fs.d-(fs.d+3)%7 AS fw,"
                           " EXISTS(SELECT 1 FROM aw a2 WHERE a2.person=aw.person AND a2.w=aw.w-7) AS prev"
                           " FROM aw JOIN fs ON fs.person=aw.person WHERE aw.w >= {1})"
                           " SELECT {6}, COUNT(cur.person), COALESCE({7},0),"
                           " COALESCE({8},0), COALESCE({9},0),"
                           " (SELECT COUNT(*) FROM aw a1 WHERE a1.w = per.p-7 AND NOT EXISTS"
                           " (SELECT 1 FROM aw a2 WHERE a2.person=a1.person AND a2.w=per.p))"
                           " FROM per LEFT JOIN cur ON cur.p = per.p GROUP BY per.p",
                           first_seen, wfrom, wto, wk, act, last_day, dl.Date("per.p"), dl.SumIf("cur.fw >= per.p"),
                           dl.SumIf("cur.fw < per.p AND cur.prev"), dl.SumIf("cur.fw < per.p AND NOT cur.prev")),
               [](const json& j) {
                 Rows r;
                 for (const auto& p : j["series"])
                   r.push_back({S(p["period"]), N(p["active"]), N(p["new"]), N(p["returning"]), N(p["resurrecting"]),
                                N(p["dormant"])});
                 return r;
               }});

  const std::string in_range = fmt::format("ts >= {}*86400000 AND ts < {}*86400000", first_day, last_day + 1);
  v.push_back({"peak hours (weekday x hour)", "peak-hours", range({}),
               fmt::format("SELECT (ts/86400000+3)%7, (ts/3600000)%24, COUNT(*) FROM ev WHERE type='message.posted'"
                           " AND {} GROUP BY 1, 2",
                           in_range),
               [](const json& j) {
                 Rows r;
                 for (int w = 0; w < 7; ++w)
                   for (int h = 0; h < 24; ++h)
                     if (j["messages"][w][h].get<uint64_t>() > 0)
                       r.push_back({double(w), double(h), N(j["messages"][w][h])});
                 return r;
               }});

  v.push_back({"responsiveness", "responsiveness", range({}),
               fmt::format("WITH q AS MATERIALIZED (SELECT community, person, message_id, ts/1000 AS t FROM ev"
                           " WHERE type='message.posted' AND {0} AND {1}),"
                           " r AS MATERIALIZED (SELECT q.t, (SELECT MIN(e.ts/1000) FROM ev e WHERE e.reply_to=q.message_id"
                           " AND e.community=q.community AND e.type='message.posted' AND e.person<>q.person"
                           " AND e.ts/1000 >= q.t) AS rt FROM q),"
                           " ans AS MATERIALIZED (SELECT rt - t AS dt FROM r WHERE rt IS NOT NULL),"
                           " mx AS (SELECT MAX(ts)/1000 AS m FROM ev)"
                           " SELECT (SELECT COUNT(*) FROM r), (SELECT COUNT(*) FROM ans),"
                           " {2},"
                           " (SELECT COUNT(*) FROM r, mx WHERE r.t + 86400 <= mx.m),"
                           " (SELECT COUNT(*) FROM r, mx WHERE r.t + 86400 <= mx.m AND (rt IS NULL OR rt - t > 86400))",
                           in_range, QuestionSql(dl),
                           dl.pg ? "(SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY dt) FROM ans)"
                                 : "(SELECT AVG(dt) FROM (SELECT dt FROM ans ORDER BY dt LIMIT 2-(SELECT COUNT(*) FROM ans)%2"
                                   " OFFSET ((SELECT COUNT(*) FROM ans)-1)/2))"),
               [](const json& j) {
                 return Rows{{N(j["questions"]), N(j["answered"]), N(j["median_first_reply_s"]), N(j["due"]),
                              N(j["unanswered_24h"])}};
               }});

  v.push_back({"content mix", "content-mix", range({}),
               fmt::format("SELECT category, COUNT(*) FROM ev WHERE type='content.published' AND {} GROUP BY category",
                           in_range),
               [](const json& j) {
                 Rows r;
                 for (const auto& c : j["categories"])
                   if (c["published"].get<uint64_t>() > 0) r.push_back({S(c["category"]), N(c["published"])});
                 return r;
               }});

  const std::string members = MembersCte(dl, (int64_t(last_day) + 1) * 86400000);
  auto distinct = [&](const char* type) {
    return fmt::format("(SELECT COUNT(DISTINCT person) FROM ev WHERE type='{}' AND {})", type, in_range);
  };
  v.push_back({"conversion", "conversion", range({}),
               fmt::format("WITH {0} SELECT (SELECT COUNT(*) FROM ev WHERE type='content.viewed' AND {1}),"
                           " (SELECT COUNT(*) FROM ev WHERE type='content.clicked' AND {1}), {2}, {3}, {4}, {5},"
                           " (SELECT COUNT(*) FROM mem)",
                           members, in_range, distinct("visit"), distinct("signup"), distinct("order.paid"),
                           distinct("activity.joined")),
               [](const json& j) {
                 return Rows{{N(j["impressions"]), N(j["clicks"]), N(j["visitors"]), N(j["signups"]), N(j["buyers"]),
                              N(j["participants"]), N(j["members"])}};
               }});

  v.push_back({"funnel visit > signup > order.paid (7 d)", "funnel",
               range({{"steps", "visit,signup,order.paid"}, {"window", "604800"}}),
               fmt::format("WITH s1 AS MATERIALIZED (SELECT person, MIN(ts/1000) AS t FROM ev WHERE type='visit' AND {0}"
                           " GROUP BY person),"
                           " s2 AS MATERIALIZED (SELECT s1.person, s1.t AS t0, (SELECT MIN(e.ts/1000) FROM ev e"
                           " WHERE e.person=s1.person AND e.type='signup' AND e.ts/1000 >= s1.t AND e.ts/1000 <= s1.t+604800)"
                           " AS t FROM s1),"
                           " s3 AS MATERIALIZED (SELECT (SELECT MIN(e.ts/1000) FROM ev e WHERE e.person=s2.person"
                           " AND e.type='order.paid' AND e.ts/1000 >= s2.t AND e.ts/1000 <= s2.t0+604800) AS t"
                           " FROM s2 WHERE s2.t IS NOT NULL)"
                           " SELECT 0, (SELECT COUNT(*) FROM s1) UNION ALL SELECT 1, (SELECT COUNT(*) FROM s2 WHERE t IS NOT NULL)"
                           " UNION ALL SELECT 2, (SELECT COUNT(*) FROM s3 WHERE t IS NOT NULL)",
                           in_range),
               [](const json& j) {
                 Rows r;
                 for (size_t k = 0; k < j["steps"].size(); ++k) r.push_back({double(k), N(j["steps"][k]["count"])});
                 return r;
               }});

  v.push_back({"value (GMV, AOV, ARPU, LTV)", "value", range({}),
               fmt::format("WITH {0},"
                           " o AS MATERIALIZED (SELECT COALESCE(currency, 'CNY') AS currency, person, type, amount_minor FROM ev"
                           " WHERE type IN ('order.paid','order.refunded') AND {1}),"
                           " b AS MATERIALIZED (SELECT currency, person, COUNT(*) AS n FROM o WHERE type='order.paid'"
                           " GROUP BY currency, person)"
                           " SELECT o.currency, SUM(CASE WHEN type='order.paid' THEN amount_minor ELSE -amount_minor END),"
                           " {2}, {3},"
                           " (SELECT COUNT(*) FROM b WHERE b.currency=o.currency),"
                           " (SELECT COUNT(*) FROM b WHERE b.currency=o.currency AND n >= 2), (SELECT COUNT(*) FROM mem)"
                           " FROM o GROUP BY o.currency",
                           members, in_range, dl.SumIf("type='order.paid'"), dl.SumIf("type='order.refunded'")),
               [](const json& j) {
                 Rows r;
                 for (const auto& c : j["currencies"])
                   r.push_back({S(c["currency"]), N(c["gmv_minor"]), N(c["orders"]), N(c["refunds"]), N(c["buyers"]),
                                N(c["repeat_buyers"]), N(c["members"])});
                 return r;
               }});

  v.push_back({"NPS", "nps", range({}),
               fmt::format("SELECT nps, COUNT(*) FROM ev WHERE type='survey.answered' AND nps IS NOT NULL AND {}"
                           " GROUP BY nps",
                           in_range),
               [](const json& j) {
                 Rows r;
                 for (int s = 0; s <= 10; ++s)
                   if (j["answers"][s].get<uint64_t>() > 0) r.push_back({double(s), N(j["answers"][s])});
                 return r;
               }});

  // DAU, MAU and their ratio of every day, as the active twin (30-day
  // window); LEFT JOIN keeps days without activity (0, 0, ratio 0).
  v.push_back({"stickiness 90 days", "stickiness", {{"from", qun::FormatDate(a_from)}, {"to", to}},
               fmt::format("WITH RECURSIVE days(d) AS (SELECT {0} UNION ALL SELECT d+1 FROM days WHERE d<{1}),"
                           " act(d, person) AS MATERIALIZED (SELECT DISTINCT ts/86400000, person FROM ev"
                           " WHERE {2} AND ts >= ({0}-29)*86400000 AND ts < ({1}+1)*86400000),"
                           " dm AS (SELECT days.d, COUNT(DISTINCT CASE WHEN act.d = days.d THEN act.person END) AS dau,"
                           " COUNT(DISTINCT act.person) AS mau"
                           " FROM days LEFT JOIN act ON act.d BETWEEN days.d-29 AND days.d GROUP BY days.d)"
                           " SELECT {3}, dau, mau, {4} FROM dm",
                           a_from, last_day, act, dl.Date("d"), Ratio4Sql(dl, "dau", "mau")),
               [](const json& j) {
                 Rows r;
                 for (const auto& p : j["series"])
                   r.push_back({S(p["date"]), N(p["dau"]), N(p["mau"]), N(p["stickiness"])});
                 return r;
               }});
  // Day cohorts by first seen day (as the retention twin); retained = cohort
  // members active on the next day. Every cohort day but the last, zeros
  // included.
  v.push_back({"retention-trend (day-1)", "retention-trend", range({{"granularity", "day"}, {"n", "1"}}),
               fmt::format("WITH RECURSIVE days(d) AS (SELECT {1} WHERE {1} < {2} UNION ALL SELECT d+1 FROM days"
                           " WHERE d+1 < {2}), {0},"
                           " sz AS (SELECT d, COUNT(*) AS n FROM fs WHERE d >= {1} AND d < {2} GROUP BY d),"
                           " ad AS MATERIALIZED (SELECT DISTINCT ts/86400000 AS d, person FROM ev WHERE {3}"
                           " AND ts >= ({1}+1)*86400000 AND ts < ({2}+1)*86400000),"
                           " rt AS (SELECT fs.d, COUNT(*) AS n FROM fs JOIN ad ON ad.person = fs.person AND ad.d = fs.d+1"
                           " WHERE fs.d >= {1} AND fs.d < {2} GROUP BY fs.d)"
                           " SELECT {4}, COALESCE(sz.n, 0), COALESCE(rt.n, 0), {5}"
                           " FROM days LEFT JOIN sz ON sz.d = days.d LEFT JOIN rt ON rt.d = days.d",
                           first_seen, first_day, last_day, act, dl.Date("days.d"),
                           Ratio4Sql(dl, "COALESCE(rt.n, 0)", "COALESCE(sz.n, 0)")),
               [](const json& j) {
                 Rows r;
                 for (const auto& c : j["series"])
                   r.push_back({S(c["cohort"]), N(c["size"]), N(c["retained"]), N(c["rate"])});
                 return r;
               }});
  // Distinct posters/reactors per ISO week (clipped to the range), members at
  // the end of the week's last day in the range.
  v.push_back({"interaction by week", "interaction", range({{"granularity", "week"}}),
               fmt::format("WITH RECURSIVE per(p) AS (SELECT {1} UNION ALL SELECT p+7 FROM per WHERE p+7 <= {2}), {0},"
                           " it AS (SELECT {3} AS w, COUNT(DISTINCT person) AS n FROM ev"
                           " WHERE type IN ('message.posted','reaction.added') AND {4} GROUP BY 1),"
                           " pm AS (SELECT per.p, COALESCE(it.n, 0) AS n, (SELECT COALESCE(SUM(md.n), 0) FROM md"
                           " WHERE md.d <= CASE WHEN per.p+6 < {2} THEN per.p+6 ELSE {2} END) AS m"
                           " FROM per LEFT JOIN it ON it.w = per.p)"
                           " SELECT {5}, n, m, {6} FROM pm",
                           MembersByDayCte(), wfrom, last_day, wk, in_range, dl.Date("p"), Ratio4Sql(dl, "n", "m")),
               [](const json& j) {
                 Rows r;
                 for (const auto& p : j["series"])
                   r.push_back({S(p["period"]), N(p["interacting"]), N(p["members"]), N(p["rate"])});
                 return r;
               }});
  v.push_back({"joins (daily)", "joins", range({}),
               fmt::format("WITH RECURSIVE days(d) AS (SELECT {1} UNION ALL SELECT d+1 FROM days WHERE d<{2}), {0},"
                           " jl AS (SELECT ts/86400000 AS d, {3} AS j, {4} AS l FROM ev"
                           " WHERE type IN ('member.joined','member.left') AND {5} GROUP BY 1)"
                           " SELECT {6}, COALESCE(jl.j, 0), COALESCE(jl.l, 0),"
                           " (SELECT COALESCE(SUM(md.n), 0) FROM md WHERE md.d <= days.d)"
                           " FROM days LEFT JOIN jl ON jl.d = days.d",
                           MembersByDayCte(), first_day, last_day, dl.SumIf("type='member.joined'"),
                           dl.SumIf("type='member.left'"), in_range, dl.Date("days.d")),
               [](const json& j) {
                 Rows r;
                 for (const auto& p : j["series"])
                   r.push_back({S(p["date"]), N(p["joins"]), N(p["leaves"]), N(p["members"])});
                 return r;
               }});
  v.push_back({"referral (top 20)", "referral", range({}),
               ReferralSql(dl, in_range, MembersCte(dl, int64_t(first_day) * 86400000), kReferralRounds),
               [](const json& j) {
                 Rows r{{S("summary"), N(j["invited_joins"]), N(j["organic_joins"]), N(j["members_at_start"]),
                         N(j["k_factor"]), N(j["max_depth"]), N(j["trees"]), Cell(std::string())}};
                 for (const auto& i : j["inviters"])
                   r.push_back({S("inviter"), N(i["member"]), N(i["invited"]), N(i["converted"]), 0.0, 0.0, 0.0,
                                S(i["account"])});
                 return r;
               }});
  v.push_back({"anomalies (dau)", "anomalies", range({{"series", "dau"}}), AnomaliesSql(dl, first_day, last_day,
                            fmt::format("SELECT ts/86400000 AS d, COUNT(DISTINCT person) AS n FROM ev WHERE {} AND"
                                        " {} GROUP BY ts/86400000", act, in_range)),
               [](const json& j) {
                 Rows r;
                 for (const auto& a : j["anomalies"])
                   r.push_back({S(a["date"]), N(a["value"]), N(a["expected"]), N(a["z"]), S(a["direction"]),
                                N(a["change"])});
                 return r;
               }});
  return v;
}

// Twin of the members overview (docs/members.md §3–§6, MembersOverviewJson)
// as of day `day` (UTC), from ev alone: per person and day the ledger's
// counts (own events; replies/reactions to a message of the same community
// credited to its author on the later of the two days when the engager is
// another account; ugc once per message on the earliest such day; invites to
// the inviter's person), then per person the facts as of `day` and as of
// `day` - 7, stage, level, RFM and contribution, then the counts. One row per
// number: (section, key, value). Not compared (derived from compared counts,
// or fixed by the day): as_of, level names and shares, transition
// from/to/transition_rate/demotion_rate, the Lorenz x values.
std::string MembersOverviewSql(int32_t day, const Dialect& dl) {
  const int64_t end = (int64_t(day) + 1) * 86400000;
  // Facts, join/leave milestones and the level of everyone seen as of day x (CTE p<name>: p0 now, p7 a week earlier).
  auto person_facts = [&](const char* name, int32_t x) {
    return fmt::format(
        " f{0} AS (SELECT p, MIN(CASE WHEN own=1 THEN d END) AS fs, MIN(CASE WHEN act=1 THEN d END) AS fa,"
        " MAX(CASE WHEN act=1 THEN d END) AS la, SUM(CASE WHEN d > {1}-30 THEN act ELSE 0 END) AS a30,"
        " SUM(CASE WHEN d > {1}-90 THEN act ELSE 0 END) AS a90, SUM(CASE WHEN d > {1}-30 THEN rg ELSE 0 END) AS rg30,"
        " SUM(CASE WHEN d > {1}-30 THEN rr+xr ELSE 0 END) AS er30, SUM(CASE WHEN d > {1}-30 THEN ugc ELSE 0 END) AS ugc30,"
        " SUM(inv) AS inv, SUM(msgs)+2*SUM(rr)+SUM(xr)+5*SUM(inv)+3*SUM(ugc)+2*SUM(ans) AS contrib,"
        " SUM(ord) AS ord, SUM(gmv) AS gmv FROM pd WHERE d <= {1} GROUP BY p HAVING MIN(CASE WHEN own=1 THEN d END) IS NOT NULL),"
        " j{0} AS (SELECT p, MIN(CASE WHEN type='member.joined' THEN d END) AS jd,"
        " MAX(CASE WHEN type='member.joined' THEN s END) AS ljs, MAX(CASE WHEN type='member.left' THEN s END) AS lls"
        " FROM mi WHERE d <= {1} GROUP BY p),"
        " q{0} AS (SELECT f.*, CASE WHEN j.jd IS NOT NULL OR f.fa IS NOT NULL THEN 1 ELSE 0 END AS mem,"
        " CASE WHEN j.jd IS NULL THEN f.fa WHEN f.fa IS NULL OR j.jd < f.fa THEN j.jd ELSE f.fa END AS jn,"
        " CASE WHEN j.lls IS NOT NULL AND (j.ljs IS NULL OR j.lls > j.ljs) THEN 1 ELSE 0 END AS lft"
        " FROM f{0} f LEFT JOIN j{0} j ON j.p = f.p),"
        " p{0} AS MATERIALIZED (SELECT q.*, CASE WHEN lft=1 THEN 0 WHEN mem=0 THEN 1 WHEN a30 < 3 THEN 2"
        " WHEN NOT (a30 >= 8 AND rg30 >= 3 AND er30 >= 3 AND {1}-jn >= 14) THEN 3"
        " WHEN NOT (a30 >= 12 AND rg30 >= 10 AND er30 >= 20 AND inv >= 1 AND ugc30 >= 3 AND {1}-jn >= 30) THEN 4"
        " ELSE 5 END AS lv FROM q{0} q)",
        name, x);
  };
  const std::string g = dl.Greatest("d", "md");
  const std::string tier =
      "CASE WHEN fm >= 4 THEN (CASE WHEN r <= 2 THEN (CASE WHEN fm = 5 THEN 'cant_lose_them' ELSE 'at_risk' END)"
      " WHEN r <= 4 THEN 'loyal' ELSE 'champions' END)"
      " WHEN fm = 3 THEN (CASE WHEN r <= 2 THEN 'at_risk' WHEN r = 3 THEN 'need_attention' ELSE 'potential_loyalist' END)"
      " WHEN fm = 2 THEN (CASE WHEN r <= 2 THEN 'hibernating' WHEN r = 3 THEN 'about_to_sleep' ELSE 'potential_loyalist' END)"
      " ELSE (CASE r WHEN 1 THEN 'lost' WHEN 2 THEN 'hibernating' WHEN 3 THEN 'about_to_sleep' WHEN 4 THEN 'promising'"
      " ELSE 'new' END) END";
  auto quintile = [](const char* v) {
    return fmt::format("CASE WHEN {0} IS NULL THEN 1 ELSE (5*COUNT({0}) OVER (ORDER BY {0}) + COUNT({0}) OVER () - 1)"
                       " / COUNT({0}) OVER () END",
                       v);
  };
  return fmt::format(
      "WITH RECURSIVE ks(k) AS (SELECT 0 UNION ALL SELECT k+1 FROM ks WHERE k < 20),"
      " m AS MATERIALIZED (SELECT community, message_id, account, person, ts/86400000 AS d, seq FROM ev"
      " WHERE type='message.posted' AND message_id IS NOT NULL AND ts < {0}),"
      " eng AS MATERIALIZED (SELECT 1 AS reply, e.account, e.person, e.ts/86400000 AS d, m.community, m.message_id,"
      " m.account AS ma, m.person AS mp, m.d AS md FROM ev e JOIN m ON m.community = e.community AND"
      " m.message_id = e.reply_to AND m.seq < e.seq WHERE e.type='message.posted' AND e.reply_to IS NOT NULL"
      " AND e.ts < {0}"
      " UNION ALL SELECT 0, e.account, e.person, e.ts/86400000, m.community, m.message_id, m.account, m.person, m.d"
      " FROM ev e JOIN m ON m.community = e.community AND m.message_id = e.message_id AND m.seq < e.seq"
      " WHERE e.type='reaction.added' AND e.ts < {0}),"
      " rw AS (SELECT person AS p, ts/86400000 AS d, 1 AS own, CASE WHEN {1} THEN 1 ELSE 0 END AS act,"
      " CASE WHEN type='message.posted' THEN 1 ELSE 0 END AS msgs, 0 AS rg, 0 AS ans, 0 AS rr, 0 AS xr, 0 AS ugc,"
      " 0 AS inv, CASE WHEN type='order.paid' THEN 1 ELSE 0 END AS ord,"
      " CASE type WHEN 'order.paid' THEN amount_minor WHEN 'order.refunded' THEN -amount_minor ELSE 0 END AS gmv"
      " FROM ev WHERE ts < {0} AND type NOT IN ('content.published','profile.updated','identity.linked')"
      " UNION ALL SELECT person, d, 0, 0, 0, 1, CASE WHEN ma <> account THEN 1 ELSE 0 END, 0, 0, 0, 0, 0, 0"
      " FROM eng WHERE reply = 1"
      " UNION ALL SELECT mp, {2}, 0, 0, 0, 0, 0, reply, 1-reply, 0, 0, 0, 0 FROM eng WHERE ma <> account"
      " UNION ALL SELECT mp, MIN({2}), 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0 FROM eng WHERE ma <> account"
      " GROUP BY community, message_id, mp"
      " UNION ALL SELECT inviter_person, ts/86400000, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0 FROM ev"
      " WHERE type='member.joined' AND inviter_person IS NOT NULL AND inviter <> actor AND ts < {0}),"
      " pd AS MATERIALIZED (SELECT p, d, MAX(own) AS own, MAX(act) AS act, SUM(msgs) AS msgs, SUM(rg) AS rg,"
      " SUM(ans) AS ans, SUM(rr) AS rr, SUM(xr) AS xr, SUM(ugc) AS ugc, SUM(inv) AS inv, SUM(ord) AS ord,"
      " SUM(gmv) AS gmv FROM rw GROUP BY p, d),"
      " mi AS MATERIALIZED (SELECT person AS p, type, ts/1000 AS s, ts/86400000 AS d FROM ev"
      " WHERE type IN ('member.joined','member.left') AND ts < {0}),"
      "{3},{4},"
      " ret AS (SELECT p, MAX(d) AS rd FROM (SELECT p, d, d - LAG(d) OVER (PARTITION BY p ORDER BY d) AS gap"
      " FROM pd WHERE act = 1 AND d <= {5}) g WHERE gap >= 30 GROUP BY p),"
      " st AS (SELECT CASE WHEN mem = 0 THEN NULL WHEN lft = 1 THEN 'churned' WHEN {5}-jn < 7 THEN 'newcomer'"
      " WHEN la IS NOT NULL AND {5}-la < 14 AND ret.rd IS NOT NULL AND {5}-ret.rd < 14 THEN 'resurrected'"
      " WHEN la IS NOT NULL AND {5}-la < 14 THEN 'active' WHEN {5}-COALESCE(la, jn) >= 60 THEN 'churned'"
      " WHEN {5}-COALESCE(la, jn) >= 30 THEN 'churn-risk' ELSE 'silent' END AS stage"
      " FROM p0 LEFT JOIN ret ON ret.p = p0.p),"
      " lv AS (SELECT COALESCE(p7.lv, 0) AS l0, p0.lv AS l1 FROM p0 LEFT JOIN p7 ON p7.p = p0.p),"
      " ho AS (SELECT CASE WHEN MAX(ord) > 0 THEN 1 ELSE 0 END AS ho FROM p0),"
      " sc AS (SELECT {6} AS r, {7} AS f, {8} AS m FROM (SELECT la, CASE WHEN a90 > 0 THEN a90 END AS fv,"
      " CASE WHEN gmv > 0 THEN gmv END AS mv FROM p0 WHERE mem = 1) x),"
      " rfm AS (SELECT r, CASE WHEN ho.ho = 1 THEN (f+m+1)/2 ELSE f END AS fm FROM sc, ho),"
      " cr AS MATERIALIZED (SELECT contrib AS c, ROW_NUMBER() OVER (ORDER BY contrib) AS i,"
      " SUM(contrib) OVER (ORDER BY contrib ROWS UNBOUNDED PRECEDING) AS cum FROM p0 WHERE mem = 1),"
      " ct AS (SELECT COUNT(*) AS n, COALESCE(SUM(c), 0) AS t, COALESCE(SUM(i*c), 0) AS w FROM cr)"
      " SELECT 'members', '', COUNT(stage) FROM st"
      " UNION ALL SELECT 'stage', stage, COUNT(*) FROM st WHERE stage IS NOT NULL GROUP BY stage"
      " UNION ALL SELECT 'level', CAST(l1 AS TEXT), COUNT(*) FROM lv GROUP BY l1"
      " UNION ALL SELECT 'move', CAST(l0 AS TEXT) || '>' || CAST(l1 AS TEXT), COUNT(*) FROM lv GROUP BY l0, l1"
      " UNION ALL SELECT 'transition', 'promoted', COALESCE(SUM(CASE WHEN l0 BETWEEN 1 AND 4 AND l1 > l0 THEN 1 ELSE 0 END), 0) FROM lv"
      " UNION ALL SELECT 'transition', 'eligible_up', COALESCE(SUM(CASE WHEN l0 BETWEEN 1 AND 4 THEN 1 ELSE 0 END), 0) FROM lv"
      " UNION ALL SELECT 'transition', 'demoted', COALESCE(SUM(CASE WHEN l0 >= 2 AND l1 >= 1 AND l1 < l0 THEN 1 ELSE 0 END), 0)"
      " FROM lv"
      " UNION ALL SELECT 'transition', 'eligible_down', COALESCE(SUM(CASE WHEN l0 >= 2 THEN 1 ELSE 0 END), 0) FROM lv"
      " UNION ALL SELECT 'contribution', 'total', t FROM ct"
      " UNION ALL SELECT 'contribution', 'members', n FROM ct"
      " UNION ALL SELECT 'contribution', 'top_n', (n*20+99)/100 FROM ct"
      " UNION ALL SELECT 'contribution', 'top20_share', CASE WHEN t > 0 THEN {9} ELSE 0 END FROM ct"
      " UNION ALL SELECT 'contribution', 'gini', CASE WHEN t > 0 THEN {10} ELSE 0 END FROM ct"
      " UNION ALL SELECT 'lorenz', CAST(k AS TEXT), CASE WHEN t > 0 THEN {11} ELSE {12} END"
      " FROM ks CROSS JOIN ct LEFT JOIN cr ON cr.i = (2*k*ct.n+20)/40"
      " UNION ALL SELECT 'rfm', 'members', COUNT(*) FROM rfm"
      " UNION ALL SELECT 'rfm', 'has_orders', ho FROM ho"
      " UNION ALL SELECT 'tier', {13}, COUNT(*) FROM rfm GROUP BY {13}",
      end, kActive, g, person_facts("0", day), person_facts("7", day - 7), day, quintile("la"), quintile("fv"),
      quintile("mv"),
      dl.Round4("(SELECT SUM(c) FROM cr WHERE i > n - (n*20+99)/100)*1.0/t"), dl.Round4("2.0*w/(n*t) - (n+1.0)/n"),
      dl.Round4("COALESCE(cr.cum, 0)*1.0/t"), dl.Round4("k/20.0"), tier);
}

// qun's overview as the twin's rows (see MembersOverviewSql for what is compared).
Rows ProjectMembersOverview(const json& j) {
  Rows r{{S(json("members")), S(json("")), N(j["members"])}};
  auto add = [&](const char* section, const std::string& key, const json& v) {
    r.push_back({Cell(std::string(section)), Cell(key), N(v)});
  };
  for (const auto& [stage, n] : j["stages"].items())
    if (n.get<uint64_t>() > 0) add("stage", stage, n);
  const json& py = j["pyramid"];
  if (py["left"].get<uint64_t>() > 0) add("level", "0", py["left"]);
  for (const auto& l : py["levels"])
    if (l["count"].get<uint64_t>() > 0) add("level", std::to_string(l["level"].get<int>()), l["count"]);
  const json& tr = py["transition"];
  for (const char* k : {"promoted", "eligible_up", "demoted", "eligible_down"}) add("transition", k, tr[k]);
  for (size_t a = 0; a < tr["matrix"].size(); ++a)
    for (size_t b = 0; b < tr["matrix"][a].size(); ++b)
      if (tr["matrix"][a][b].get<uint64_t>() > 0) add("move", fmt::format("{}>{}", a, b), tr["matrix"][a][b]);
  const json& c = j["contribution"];
  for (const char* k : {"total", "members", "top_n", "top20_share", "gini"}) add("contribution", k, c[k]);
  for (size_t k = 0; k < c["lorenz"].size(); ++k) add("lorenz", std::to_string(k), c["lorenz"][k][1]);
  add("rfm", "members", j["rfm"]["members"]);
  add("rfm", "has_orders", j["rfm"]["has_orders"].get<bool>() ? 1 : 0);
  for (const auto& [slug, n] : j["rfm"]["tiers"].items())
    if (n.get<uint64_t>() > 0) add("tier", slug, n);
  return r;
}

// Writes table person(account, member): qun's identity resolution (accounts
// linked by identity.linked events or merges), given to the SQL side as an
// analyst's resolved-identity table.
int ExportPersons(const qun::Engine& engine, const std::string& path) {
  Sqlite out;
  if (sqlite3_open(path.c_str(), &out.db) != SQLITE_OK) return 1;
  sqlite3_exec(out.db, "DROP TABLE IF EXISTS person; CREATE TABLE person(account INTEGER PRIMARY KEY, member INTEGER NOT NULL);"
               "BEGIN", nullptr, nullptr, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(out.db, "INSERT INTO person VALUES(?, ?)", -1, &st, nullptr);
  for (uint32_t a = 0; a < engine.accounts().size(); ++a) {
    sqlite3_bind_int64(st, 1, a);
    sqlite3_bind_int64(st, 2, engine.member_of(a));
    sqlite3_step(st);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  return sqlite3_exec(out.db, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK ? 0 : 1;
}

// Peak resident set size of this process (VmHWM), in MB; 0 when unknown.
double PeakRssMb() {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  double kb = 0;
  while (std::fgets(line, sizeof line, f))
    if (std::sscanf(line, "VmHWM: %lf kB", &kb) == 1) break;
  std::fclose(f);
  return kb / 1024;
}

struct InprocOptions {
  int64_t members = 0;
  int32_t days = 120;
  uint64_t seed = 7;
  int communities = 6;
  size_t batch = 16384;
  bool roundtrip = false;
};

struct InprocStats {
  double wall_ms = 0, cpu_ms = 0, engine_cpu_ms = 0;
};

// The generator options of `qun gen --seed --members --days --communities`.
qun::gen::GenOptions GenOptionsOf(const InprocOptions& o) {
  qun::gen::GenOptions g;  // everything else as `qun gen` defaults
  g.seed = o.seed;
  g.members = o.members;
  g.days = o.days;
  g.communities = o.communities;
  return g;
}

// Builds an engine from the generator's events (see the file comment).
// Returns nullptr (after a message on stderr) when the options are invalid.
std::unique_ptr<qun::Engine> BuildInProcess(const InprocOptions& o, InprocStats* stats) {
  const qun::gen::GenOptions g = GenOptionsOf(o);
  auto generator = qun::gen::Generator::Create(g);
  if (!generator.ok()) {
    std::fprintf(stderr, "analytics_driver: %s\n", generator.status().message().c_str());
    return nullptr;
  }
  auto engine = std::make_unique<qun::Engine>();
  qun::AttachStandardModules(*engine);
  const auto t0 = Clock::now();
  const double c0 = CpuMs();
  std::vector<qun::Event> batch;
  batch.reserve(o.batch);
  qun::EventParser parser;
  std::string buf;
  bool bad = false;
  auto never_same = [](uint32_t, const qun::Event&) { return false; };  // generated ids are distinct
  auto flush = [&] {
    if (batch.empty()) return;
    const double e0 = CpuMs();
    qun::StagedBatch b = engine->Stage(std::move(batch), engine->last_seq() + 1, never_same);
    engine->Apply(b);
    stats->engine_cpu_ms += CpuMs() - e0;
    batch = std::vector<qun::Event>();
    batch.reserve(o.batch);
  };
  int32_t next_report = 10;
  while ((*generator)->NextDay([&](const qun::Event& e) {
    if (o.roundtrip) {
      buf.clear();
      qun::AppendEventJson(buf, e);
      auto parsed = parser.Parse(buf);
      if (!parsed.ok()) {
        if (!bad) std::fprintf(stderr, "analytics_driver: round trip of %s: %s\n", e.id.c_str(),
                               parsed.status().message().c_str());
        bad = true;
        return;
      }
      batch.push_back(std::move(parsed).value());
    } else {
      batch.push_back(e);
    }
    if (batch.size() >= o.batch) flush();
  })) {
    if ((*generator)->days_done() * 100 >= next_report * (*generator)->days_total()) {
      std::fprintf(stderr, "analytics_driver: generated %d of %d days, %llu events, %.0f s\n",
                   (*generator)->days_done(), (*generator)->days_total(),
                   static_cast<unsigned long long>(engine->last_seq() + batch.size()), Ms(Clock::now() - t0) / 1e3);
      next_report += 10;
    }
  }
  flush();
  if (bad) return nullptr;
  engine->Compact();  // as a workspace does after its rebuild at open
  stats->wall_ms = Ms(Clock::now() - t0);
  stats->cpu_ms = CpuMs() - c0;
  return engine;
}

}  // namespace

// The "first computation after an ingest" phase (docs/benchmarks.md): the
// weekly report, health and the member table + overview, each computed once
// for three scopes (the default — UTC, all communities —, another zone, one
// community) as a first call ever, then again right after one batch of
// `batch` new messages (existing accounts and communities, one second apart
// after the last event) is applied to the engine. The batch is applied in
// memory only (Stage + Apply: what an ingest does after its store commit;
// nothing is written), so the data directory is unchanged.
json AfterIngestPhase(qun::Engine& engine, int batch) {
  struct Scope {
    const char* label;
    const char* tz;
    uint32_t community;
  };
  const Scope scopes[] = {{"UTC, all communities (default)", "UTC", qun::kNone},
                          {"Asia/Shanghai, all communities", "Asia/Shanghai", qun::kNone},
                          {"UTC, community 0", "UTC", 0}};
  json out = json::array();
  qun::MemberTableCache tables;
  auto run = [&](const char* phase) {
    for (const Scope& sc : scopes) {
      std::string community;
      if (sc.community != qun::kNone && sc.community < engine.communities().size()) {
        const auto& ci = engine.communities()[sc.community];
        community = fmt::format("{}:{}", qun::PlatformName(ci.platform), ci.ext_id);
      }
      qun::ScopeText text{.community = community, .as_of = "", .tz = sc.tz};
      auto rs = qun::ResolveScope(engine, text, qun::ParamStyle::kCliFlag, qun::DefaultDay::kLastEventInScope);
      if (!rs.ok()) {
        std::printf("%-16s %-32s ERROR %s\n", phase, sc.label, rs.status().message().c_str());
        continue;
      }
      double c0 = CpuMs();
      auto t = Clock::now();
      qun::ReportOptions ro;
      ro.community = rs->community;
      ro.tz = rs->tz;
      ro.week_start = qun::DefaultReportWeek(rs->last_day);
      auto report = qun::BuildWeeklyReport(engine, ro);
      const double report_ms = Ms(Clock::now() - t), report_cpu = CpuMs() - c0;
      c0 = CpuMs();
      t = Clock::now();
      qun::HealthScope hs;
      hs.community = rs->community;
      hs.tz = rs->tz;
      hs.day = rs->day;
      auto health = qun::ScoreHealth(qun::GatherHealthInputs(engine, hs));
      const double health_ms = Ms(Clock::now() - t), health_cpu = CpuMs() - c0;
      c0 = CpuMs();
      t = Clock::now();
      qun::LedgerScope ls{.tz = rs->tz, .community = rs->community, .until_day = rs->day};
      // Through the table cache, as the server does: after the batch, the
      // previous table of the scope is patched (member_table_patch.h).
      auto table = tables.Get(engine, *qun::LedgerFor(engine, ls), rs->day);
      auto overview = qun::MembersOverviewJson(*table);
      const double members_ms = Ms(Clock::now() - t), members_cpu = CpuMs() - c0;
      std::printf("%-16s %-32s report %8.1f ms (%8.1f CPU)  health %8.1f ms (%8.1f CPU)  members %8.1f ms (%8.1f CPU)"
                  "  [%zu profiles, score %.1f]\n",
                  phase, sc.label, report_ms, report_cpu, health_ms, health_cpu, members_ms, members_cpu,
                  table->profiles.size(), health.total);
      std::fflush(stdout);
      out.push_back({{"phase", phase}, {"scope", sc.label}, {"report_ms", report_ms}, {"report_cpu_ms", report_cpu},
                     {"health_ms", health_ms}, {"health_cpu_ms", health_cpu}, {"members_ms", members_ms},
                     {"members_cpu_ms", members_cpu}});
      (void)report;
      (void)overview;
    }
  };
  std::printf("after-ingest phase: first calls (report = weekly report of the default week, health = score of the"
              " last day, members = member table + overview)\n");
  run("first ever");
  const qun::EventColumns& c = engine.events();
  uint32_t last = 0;
  for (size_t i = 0; i < c.size(); ++i) last = std::max(last, c.ts[i]);
  std::vector<qun::Event> evs;
  const size_t n = c.size();
  for (int k = 0; k < batch; ++k) {
    const size_t r = n - 1 - static_cast<size_t>(k) * 7919 % n;  // spread over recent and older rows
    qun::Event e;
    e.id = fmt::format("after-ingest-{}-{}", n, k);
    e.type = qun::EventType::kMessagePosted;
    e.ts_ms = qun::FromEngineSeconds(last) + (k + 1) * 1000LL;
    const auto& acc = engine.accounts()[c.account[r]];
    e.platform = acc.platform;
    e.actor = acc.ext_id;
    e.community = engine.communities()[c.community[r]].ext_id;
    e.message_id = e.id;
    e.text = "after ingest";
    evs.push_back(std::move(e));
  }
  double c0 = CpuMs();
  auto t = Clock::now();
  auto staged = engine.Stage(std::move(evs), engine.last_seq() + 1);
  engine.Apply(staged);
  std::printf("%-16s applied %d messages in %.1f ms (%.1f CPU), engine now %zu events\n", "ingest", batch,
              Ms(Clock::now() - t), CpuMs() - c0, engine.events().size());
  run("after ingest");
  return out;
}

int main(int argc, char** argv) {
  std::string data_dir, sqlite_path, json_out, export_persons, pg_conninfo, only, digest_out, print_schema;
  InprocOptions inproc;
  int reps = 200, sql_reps = 3, ingest_batch = -1;  // -1: 1000, none in-process
  double max_s = 5, sql_max_s = 120, sql_timeout_s = 0;  // 0: no time limit
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], val = argv[i + 1];
    if (k == "--data-dir") data_dir = val;
    else if (k == "--sqlite") sqlite_path = val;
    else if (k == "--reps") reps = std::atoi(val.c_str());
    else if (k == "--max-seconds") max_s = std::atof(val.c_str());
    else if (k == "--sql-reps") sql_reps = std::atoi(val.c_str());
    else if (k == "--sql-max-seconds") sql_max_s = std::atof(val.c_str());
    else if (k == "--json") json_out = val;
    else if (k == "--export-persons") export_persons = val;
    else if (k == "--pg") pg_conninfo = val;
    else if (k == "--only") only = val;
    else if (k == "--ingest-batch") ingest_batch = std::atoi(val.c_str());
    else if (k == "--digest") digest_out = val;
    else if (k == "--sql-timeout") sql_timeout_s = std::max(0.0, std::atof(val.c_str()));
    else if (k == "--print-schema") print_schema = val;
    else if (k == "--generate") inproc.members = std::atoll(val.c_str());
    else if (k == "--days") inproc.days = std::atoi(val.c_str());
    else if (k == "--seed") inproc.seed = std::strtoull(val.c_str(), nullptr, 10);
    else if (k == "--communities") inproc.communities = std::atoi(val.c_str());
    else if (k == "--batch") inproc.batch = std::max(1, std::atoi(val.c_str()));
    else if (k == "--roundtrip") inproc.roundtrip = val == "1";
    else {
      std::fprintf(stderr, "analytics_driver: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (!print_schema.empty()) {  // run.sh's store mode builds its tables from these
    if (print_schema == "sqlite") std::printf("%s;\n", qun::bench::EvTableSql(qun::bench::SqlKind::kSqlite).c_str());
    else if (print_schema == "pg") std::printf("%s;\n", qun::bench::EvTableSql(qun::bench::SqlKind::kPostgres).c_str());
    else if (print_schema == "indexes") std::printf("%s", qun::bench::EvIndexesSql());
    else {
      std::fprintf(stderr, "analytics_driver: --print-schema takes sqlite, pg or indexes, not '%s'\n",
                   print_schema.c_str());
      return 2;
    }
    return 0;
  }
  const bool in_process = inproc.members > 0;
  if (data_dir.empty() == !in_process || (in_process && !export_persons.empty())) {
    std::fprintf(stderr,
                 "usage: analytics_driver --data-dir DIR [--sqlite FILE] [--pg CONNINFO] [--reps N] [--max-seconds S]"
                 " [--sql-reps N] [--sql-max-seconds S] [--sql-timeout S] [--json OUT] [--digest OUT]"
                 " [--only LABEL-SUBSTRING]\n"
                 "       analytics_driver --generate MEMBERS [--days 120] [--seed 7] [--communities 6] [--batch 16384]"
                 " [--roundtrip 1] [--sqlite FILE] [--pg CONNINFO] [--reps N] [--max-seconds S] [--sql-reps N]"
                 " [--sql-max-seconds S] [--sql-timeout S] [--json OUT] [--digest OUT] [--only LABEL-SUBSTRING]\n"
                 "       analytics_driver --data-dir DIR --export-persons FILE\n"
                 "       analytics_driver --print-schema sqlite|pg|indexes\n");
    return 2;
  }

  auto t0 = Clock::now();
  const double c_open = CpuMs();
  std::unique_ptr<qun::Workspace> ws;
  std::shared_lock<std::shared_mutex> lock;
  std::unique_ptr<qun::Engine> own_engine;
  InprocStats build;
  if (in_process) {
    own_engine = BuildInProcess(inproc, &build);
    if (!own_engine) return 1;
  } else {
    auto opened = qun::Workspace::Open(data_dir, {.read_only = true, .create = false});
    if (!opened.ok()) {
      std::fprintf(stderr, "analytics_driver: %s\n", opened.status().message().c_str());
      return 1;
    }
    ws = std::move(opened).value();
    lock = ws->ReadLock();
  }
  const double open_ms = Ms(Clock::now() - t0), open_cpu = CpuMs() - c_open;
  const qun::Engine& engine = in_process ? *own_engine : ws->engine();
  const auto& cols = engine.events();
  if (cols.size() == 0) {
    std::fprintf(stderr, "analytics_driver: no events %s\n", in_process ? "generated" : ("in " + data_dir).c_str());
    return 1;
  }
  if (!export_persons.empty()) return ExportPersons(engine, export_persons);
  uint32_t lo = UINT32_MAX, hi = 0;
  for (size_t i = 0; i < cols.size(); ++i) lo = std::min(lo, cols.ts[i]), hi = std::max(hi, cols.ts[i]);
  auto day_of = [](uint32_t s) { return static_cast<int32_t>(qun::FromEngineSeconds(s) / 86400000); };
  const int32_t first_day = day_of(lo), last_day = day_of(hi);
  const double bpe = static_cast<double>(engine.MemoryBytes()) / cols.size();

#ifdef QUN_HAVE_PQ
  PGconn* pg = nullptr;
  if (!pg_conninfo.empty()) {
    pg = PQconnectdb(pg_conninfo.c_str());
    if (PQstatus(pg) != CONNECTION_OK) {
      std::fprintf(stderr, "analytics_driver: PostgreSQL: %s\n", PQerrorMessage(pg));
      return 1;
    }
  }
#else
  if (!pg_conninfo.empty()) {
    std::fprintf(stderr, "analytics_driver: built without libpq; --pg is not available\n");
    return 2;
  }
  void* pg = nullptr;
#endif
  const bool has_pg = pg != nullptr;
  json tables_report;
  if (in_process && (!sqlite_path.empty() || has_pg)) {
    // The SQL twins' tables straight from the generator (sql_tables.h).
    qun::bench::TableBuild sq_build, pg_build;
    double gen_ms = 0;
    std::string err;
    if (!qun::bench::BuildSqlTables(GenOptionsOf(inproc), engine, sqlite_path, static_cast<pg_conn*>(pg), &sq_build,
                                    &pg_build, &gen_ms, &err)) {
      std::fprintf(stderr, "analytics_driver: building the SQL tables: %s\n", err.c_str());
      return 1;
    }
    auto line = [&](const char* name, bool on, const qun::bench::TableBuild& b) {
      if (!on) return json();
      if (b.skipped)
        std::printf("SQL table %s: complete from an earlier run (%llu rows, %.0f MB), not rebuilt\n", name,
                    static_cast<unsigned long long>(b.rows), b.bytes / 1e6);
      else
        std::printf("SQL table %s: %llu rows, load %.1f s, 6 indexes %.1f s, %s %.1f s, %.0f MB (%.1f bytes/row)\n",
                    name, static_cast<unsigned long long>(b.rows), b.load_ms / 1e3, b.index_ms / 1e3,
                    std::string(name) == "SQLite" ? "ANALYZE" : "VACUUM ANALYZE", b.analyze_ms / 1e3, b.bytes / 1e6,
                    b.rows ? static_cast<double>(b.bytes) / b.rows : 0.0);
      return json{{"skipped", b.skipped}, {"rows", b.rows}, {"load_ms", b.load_ms}, {"index_ms", b.index_ms},
                  {"analyze_ms", b.analyze_ms}, {"bytes", b.bytes}};
    };
    if (!(sq_build.skipped && pg_build.skipped))
      std::printf("SQL tables from the generator: one pass of %.1f s wall (generator + inserts)\n", gen_ms / 1e3);
    tables_report = {{"generator_pass_ms", gen_ms}, {"sqlite", line("SQLite", !sqlite_path.empty(), sq_build)},
                     {"pg", line("PostgreSQL", has_pg, pg_build)}};
  }
#ifdef QUN_HAVE_PQ
  if (pg && sql_timeout_s > 0) {
    PGresult* r = PQexec(pg, fmt::format("SET statement_timeout = {}", static_cast<long long>(sql_timeout_s * 1000)).c_str());
    PQclear(r);
  }
#endif

  Sqlite sq;
  if (!sqlite_path.empty() &&
      sqlite3_open_v2(sqlite_path.c_str(), &sq.db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    std::fprintf(stderr, "analytics_driver: cannot open %s\n", sqlite_path.c_str());
    return 1;
  }

  const auto* metrics_module = engine.module<qun::metrics::MetricsModule>();
  const auto* ledger_module = engine.module<qun::MemberLedgerModule>();
  const double metrics_bpe = metrics_module ? static_cast<double>(metrics_module->MemoryBytes()) / cols.size() : 0;
  const double ledger_bpe = ledger_module ? static_cast<double>(ledger_module->MemoryBytes()) / cols.size() : 0;
  if (in_process) {
    std::printf("in-process mode: events of `qun gen --seed %llu --members %lld --days %d --communities %d` fed"
                " straight into the engine (Stage/Apply, batches of %zu%s); no store; %s\n",
                static_cast<unsigned long long>(inproc.seed), static_cast<long long>(inproc.members), inproc.days,
                inproc.communities, inproc.batch, inproc.roundtrip ? ", JSON round trip" : "",
                sq.db || has_pg ? "SQL twins over tables written from the same generator (above)"
                                : "SQL twins skipped (no --sqlite / --pg)");
    std::printf("events %zu, days %s .. %s, build (generate + engine) %.0f ms wall, %.0f ms CPU, of which engine"
                " Stage/Apply %.0f ms CPU (%.1f s CPU per 10M events); engine %.1f bytes/event (metrics module %.1f,"
                " member ledger %.1f, the rest %.1f); peak RSS %.0f MB\n",
                cols.size(), qun::FormatDate(first_day).c_str(), qun::FormatDate(last_day).c_str(), build.wall_ms,
                build.cpu_ms, build.engine_cpu_ms, build.cpu_ms / 1e3 * 1e7 / cols.size(), bpe, metrics_bpe,
                ledger_bpe, bpe - metrics_bpe - ledger_bpe, PeakRssMb());
  } else {
    std::printf("events %zu, days %s .. %s, workspace open (store read + engine rebuild) %.0f ms wall, %.0f ms CPU,"
                " engine %.1f bytes/event (metrics module %.1f, member ledger %.1f, the rest %.1f)\n",
                cols.size(), qun::FormatDate(first_day).c_str(), qun::FormatDate(last_day).c_str(), open_ms, open_cpu,
                bpe, metrics_bpe, ledger_bpe, bpe - metrics_bpe - ledger_bpe);
  }
  std::string parts_line;
  for (const qun::MemoryPart& p : engine.MemoryBreakdown())
    if (p.name.rfind("module.", 0) != 0)
      parts_line += fmt::format("{}{} {:.2f}", parts_line.empty() ? "" : ", ", p.name,
                                static_cast<double>(p.bytes) / cols.size());
  std::printf("engine memory by part, bytes/event (module.* above): %s\n", parts_line.c_str());
  std::string module_line;
  for (const qun::MemoryPart& p : engine.MemoryBreakdown())
    if (p.name.rfind("module.", 0) == 0)
      module_line += fmt::format("{}{} {:.2f}", module_line.empty() ? "" : ", ", p.name,
                                 static_cast<double>(p.bytes) / cols.size());
  std::printf("module memory by part, bytes/event: %s\n", module_line.c_str());
  std::fflush(stdout);
  std::printf("%-42s %5s %8s %8s %8s %8s %8s | %4s %9s %9s %7s | %9s %7s | %s\n", "query (workspace scope, UTC)",
              "reps", "p50 ms", "p99 ms", "cpu p50", "cpu p99", "cold ms", "reps", "SQLite", "SQL cpu", "SQL/qun",
              "PG p50", "PG/qun", "check");
  json report = {{"events", cols.size()},        {"sql_timeout_s", sql_timeout_s},        {"open_ms", open_ms},
                 {"open_cpu_ms", open_cpu},     {"engine_bytes_per_event", bpe},
                 {"metrics_bytes_per_event", metrics_bpe}, {"ledger_bytes_per_event", ledger_bpe},
                 {"mode", in_process ? "in-process" : "store"}};
  if (in_process) {
    report["build_wall_ms"] = build.wall_ms;
    report["build_cpu_ms"] = build.cpu_ms;
    report["engine_cpu_ms"] = build.engine_cpu_ms;
    report["peak_rss_mb"] = PeakRssMb();
    if (!tables_report.is_null()) report["sql_tables"] = tables_report;
    report["generator"] = {{"seed", inproc.seed}, {"members", inproc.members}, {"days", inproc.days},
                           {"communities", inproc.communities}, {"batch", inproc.batch}, {"roundtrip", inproc.roundtrip}};
  }
  std::string digests;  // "label\tXXH3 of the cold result's JSON\n" per query
  json rows = json::array();
  int mismatches = 0, misses = 0, sql_lower_bounds = 0;
  std::vector<Spec> specs = MakeSpecs(first_day, last_day, Dialect{false});
  std::vector<std::string> pg_sql;  // by spec: the same twins in PostgreSQL's dialect
  for (const Spec& sp : MakeSpecs(first_day, last_day, Dialect{true})) {
    // PostgreSQL evaluates day * 86400000 in int4 (both literals fit it) and
    // overflows: widen the constant.
    std::string q = sp.sql;
    for (size_t at = 0; (at = q.find("*86400000", at)) != std::string::npos; at += 17) q.insert(at + 9, "::bigint");
    pg_sql.push_back(std::move(q));
  }
  // Member intelligence (docs/members.md): the profile table as of the last
  // day and the overview (stages, pyramid, 80/20, RFM), timed, with its SQL
  // twin (MembersOverviewSql; its PostgreSQL text joins pg_sql by position).
  const qun::MemberLedgerModule* ledger = engine.module<qun::MemberLedgerModule>();
  if (ledger) {
    specs.push_back({"members overview (pyramid, RFM, 80/20)", "", {}, MembersOverviewSql(last_day, Dialect{false}),
                     ProjectMembersOverview});
    pg_sql.resize(specs.size() - 1);
    pg_sql.push_back(MembersOverviewSql(last_day, Dialect{true}));
  }
  qun::MemberTableCache table_cache;
  auto compute = [&](const Spec& sp) -> qun::Result<json> {
    if (!sp.metric.empty()) return qun::metrics::MetricsJson(engine, sp.metric, sp.params);
    auto t = table_cache.Get(engine, ledger->ledger(), last_day);
    return json::parse(qun::MembersOverviewJson(*t).dump());
  };
  for (size_t spec_i = 0; spec_i < specs.size(); ++spec_i) {
    const Spec& sp = specs[spec_i];
    if (!only.empty() && sp.label.find(only) == std::string::npos) continue;
    const std::string pg_twin = spec_i < pg_sql.size() ? pg_sql[spec_i] : "";
    // The first (cold) call fills the caches (docs/metrics.md#caching) and is
    // reported on its own; then timed calls.
    const double cold_c0 = CpuMs();
    auto first = compute(sp);
    const double cold_ms = CpuMs() - cold_c0;
    if (!first.ok()) {
      std::printf("%-42s ERROR %s\n", sp.label.c_str(), first.status().message().c_str());
      ++mismatches;
      continue;
    }
    const std::string digest = fmt::format("{:016x}", qun::Hash64(first->dump()));
    digests += sp.label + "\t" + digest + "\n";
    std::vector<double> times, cpu;
    auto start = Clock::now();
    for (int r = 0; r < reps && Ms(Clock::now() - start) < max_s * 1000; ++r) {
      auto t = Clock::now();
      double c0 = CpuMs();
      auto j = compute(sp);
      cpu.push_back(CpuMs() - c0);
      times.push_back(Ms(Clock::now() - t));
      if (!j.ok()) return 1;
    }
    Timing q = Summarize(times), qc = Summarize(cpu);
    Timing s, sc_t;
    bool sq_timeout = false, pg_timeout = false;  // the twin hit --sql-timeout (run once, not compared)
    std::string check = in_process && !sq.db && !has_pg ? "SQL skipped (in-process)" : "-";
    if (sq.db && !sp.sql.empty()) {
      std::vector<double> st, sc;
      Rows got;
      std::string err;
      auto sstart = Clock::now();
      for (int r = 0; r < sql_reps && (r == 0 || Ms(Clock::now() - sstart) < sql_max_s * 1000); ++r) {
        auto t = Clock::now();
        double c0 = CpuMs();
        if (!RunSql(sq.db, sp.sql, &got, &err, sql_timeout_s, &sq_timeout)) {
          check = sq_timeout ? fmt::format("> {:g} s (time limit, not compared)", sql_timeout_s) : "SQL ERROR " + err;
          break;
        }
        sc.push_back(CpuMs() - c0);
        st.push_back(Ms(Clock::now() - t));
      }
      s = Summarize(st);
      sc_t = Summarize(sc);
      if (check == "-") {
        std::string d = Diff(sp.project(*first), got);
        check = d.empty() ? "same" : "MISMATCH " + d;
      }
      if (check != "same" && !sq_timeout) ++mismatches;
    }
    Timing pgt;
    std::string pg_check;
#ifdef QUN_HAVE_PQ
    if (pg && !pg_twin.empty()) {
      std::vector<double> st;
      Rows got;
      std::string err;
      auto sstart = Clock::now();
      for (int r = 0; r < sql_reps && (r == 0 || Ms(Clock::now() - sstart) < sql_max_s * 1000); ++r) {
        auto t = Clock::now();
        if (!RunPg(pg, pg_twin, &got, &err, &pg_timeout)) {
          pg_check = pg_timeout ? fmt::format("> {:g} s (time limit, not compared)", sql_timeout_s) : "PG ERROR " + err;
          break;
        }
        st.push_back(Ms(Clock::now() - t));
      }
      pgt = Summarize(st);
      if (pg_check.empty()) {
        std::string d = Diff(sp.project(*first), got);
        pg_check = d.empty() ? "same" : "MISMATCH " + d;
      }
      if (pg_check != "same" && !pg_timeout) ++mismatches;
      check = (check == "-" ? "" : "SQLite " + check + ", ") + "PG " + pg_check;
    }
#endif
    // A timed-out twin took longer than the limit: its time is "> limit" and
    // its ratio the lower bound limit / qun p50.
    const double limit_ms = sql_timeout_s * 1000;
    const double sq_ms = sq_timeout ? limit_ms : s.p50, pg_ms = pg_timeout ? limit_ms : pgt.p50;
    const bool sq_has = s.reps > 0 || sq_timeout, pg_has = pgt.reps > 0 || pg_timeout;
    const double sq_ratio = sq_ms / std::max(q.p50, 1e-6), pg_ratio_v = pg_ms / std::max(q.p50, 1e-6);
    bool goal_time = q.p99 <= 50 || qc.p99 <= 50;  // wall, or CPU when the machine is loaded
    bool goal_ratio = !sq_has || sq_ratio >= 100;  // a lower bound >= 100x counts as met
    if (!goal_time || !goal_ratio) ++misses;
    if (sq_timeout) ++sql_lower_bounds;
    if (pg_timeout) ++sql_lower_bounds;
    auto ratio_text = [](bool has, bool lower, double x) {
      return has ? fmt::format("{}{:.0f}x", lower ? ">=" : "", x) : std::string("-");
    };
    const std::string ratio = ratio_text(sq_has, sq_timeout, sq_ratio);
    const std::string pg_ratio = ratio_text(pg_has, pg_timeout, pg_ratio_v);
    auto ms_text = [&](bool has, bool lower, double ms) {
      return lower ? fmt::format(">{:g} s", sql_timeout_s) : has ? fmt::format("{:.0f}", ms) : std::string("-");
    };
    std::printf("%-42s %5zu %8.2f %8.2f %8.2f %8.2f %8.1f | %4zu %9s %9s %7s | %9s %7s | %s%s\n", sp.label.c_str(),
                q.reps, q.p50, q.p99, qc.p50, qc.p99, cold_ms, s.reps, ms_text(sq_has, sq_timeout, s.p50).c_str(),
                s.reps ? fmt::format("{:.0f}", sc_t.p50).c_str() : "-", ratio.c_str(),
                ms_text(pg_has, pg_timeout, pgt.p50).c_str(), pg_ratio.c_str(), check.c_str(),
                goal_time && goal_ratio ? "" : "  [misses goal]");
    std::fflush(stdout);
    rows.push_back({{"query", sp.label},
                    {"metric", sp.metric},
                    {"reps", q.reps},
                    {"p50_ms", q.p50},
                    {"p99_ms", q.p99},
                    {"cpu_p50_ms", qc.p50},
                    {"cpu_p99_ms", qc.p99},
                    {"sql_cpu_p50_ms", sc_t.p50},
                    {"sql_reps", s.reps},
                    {"sql_p50_ms", s.p50},
                    {"sql_max_ms", s.max},
                    {"cold_cpu_ms", cold_ms},
                    {"pg_reps", pgt.reps},
                    {"pg_p50_ms", pgt.p50},
                    {"sql_timed_out", sq_timeout},
                    {"pg_timed_out", pg_timeout},
                    {"sql_ratio", sq_has ? json(sq_ratio) : json()},
                    {"pg_ratio", pg_has ? json(pg_ratio_v) : json()},
                    {"sql_ratio_is_lower_bound", sq_timeout},
                    {"pg_ratio_is_lower_bound", pg_timeout},
                    {"digest", digest},
                    {"check", check}});
  }
  report["queries"] = rows;
  const double bpe_after = static_cast<double>(engine.MemoryBytes()) / cols.size();
  report["engine_bytes_per_event_after_queries"] = bpe_after;
  std::printf("engine after the queries (caches filled): %.1f bytes/event\n", bpe_after);
  if (ingest_batch < 0) ingest_batch = in_process ? 0 : 1000;  // 100M in process: too slow for the phase
  if (ingest_batch > 0) {
    // Single-threaded driver: nobody else reads the engine. A workspace is
    // opened read-only, so the batch stays in memory (see AfterIngestPhase).
    if (lock.owns_lock()) lock.unlock();
    report["after_ingest"] = AfterIngestPhase(const_cast<qun::Engine&>(engine), ingest_batch);
  }
  if (in_process) report["peak_rss_mb_after_queries"] = PeakRssMb();
  if (!digest_out.empty()) {
    FILE* f = std::fopen(digest_out.c_str(), "w");
    if (!f || std::fputs(digests.c_str(), f) < 0 || std::fclose(f) != 0) {
      std::fprintf(stderr, "analytics_driver: cannot write %s\n", digest_out.c_str());
      return 1;
    }
  }
  if (!json_out.empty()) {
    if (FILE* f = std::fopen(json_out.c_str(), "w")) {
      std::fprintf(f, "%s\n", report.dump(2).c_str());
      std::fclose(f);
    }
  }
  const bool sql_on = sq.db || has_pg;
  std::printf("goals (DESIGN §9: p99 <= 50 ms (wall, or CPU on a loaded machine) and SQL p50 >= 100x qun p50; a"
              " twin stopped at the %s time limit counts as met when its lower bound is >= 100x): %s;"
              " SQL checks: %s%s\n",
              sql_timeout_s > 0 ? fmt::format("{:.0f} s", sql_timeout_s).c_str() : "(none set)",
              misses ? fmt::format("{} queries miss", misses).c_str() : "all met",
              !sql_on ? (mismatches ? fmt::format("skipped (no SQL), {} query ERROR(S)", mismatches).c_str()
                                    : "skipped (no SQL tables given)")
              : mismatches ? fmt::format("{} MISMATCH(ES)", mismatches).c_str()
                           : "all same",
              sql_lower_bounds ? fmt::format(" ({} twin(s) hit the time limit: ratio is a lower bound, result not"
                                             " compared)", sql_lower_bounds).c_str()
                               : "");
#ifdef QUN_HAVE_PQ
  if (pg) PQfinish(pg);
#endif
  if (mismatches && sql_on) std::printf("!!!!!!!! SQL AND QUN DISAGREE ON %d QUERIES !!!!!!!!\n", mismatches);
  return mismatches ? 1 : 0;
}

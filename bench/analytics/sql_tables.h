// SQL twin tables of the analytics benchmark (bench/analytics, docs/benchmarks.md
// "analytics"): the one definition of table `ev`, table `person` and the six
// indexes, shared by run.sh's store mode (it prints them with
// `analytics_driver --print-schema sqlite|pg|indexes`) and by the in-process
// mode, which writes the tables straight from the generator
// (BuildSqlTables). Benchmark code, not part of qun; single-threaded, nothing
// here is thread-safe. Connections are borrowed, never owned.
#pragma once

#include <cstdint>
#include <string>

struct pg_conn;  // libpq's PGconn (libpq-fe.h), only used when built with libpq

namespace qun {
class Engine;
namespace gen {
struct GenOptions;
}
}  // namespace qun

namespace qun::bench {

enum class SqlKind { kSqlite, kPostgres };

// CREATE TABLE ev(ts ms, type, community, account, person, message_id,
// reply_to, text, category, amount_minor, currency, nps, actor, inviter,
// inviter_person, seq) in the dialect (INTEGER vs BIGINT); NULL where an event
// has no such field. seq is the arrival order (the store's seq; in-process,
// the generator's order from 1): qun links a reply or reaction only to a
// message that arrived before it. actor / inviter / inviter_person are filled on member.joined
// events that name an inviter only: the joining and the inviting account as
// "platform:id" (qun's account label) and the inviter account's member id.
std::string EvTableSql(SqlKind kind);

// The six CREATE INDEX statements on `ev`, valid in both dialects.
const char* EvIndexesSql();

// What building one database's tables did. `skipped` when the database
// already held complete tables of the same generator options (marker table
// `ev_built`); then only `rows` and `bytes` are filled.
struct TableBuild {
  bool skipped = false;
  uint64_t rows = 0;
  double load_ms = 0;     // wall time spent in this database's insert/COPY calls
  double index_ms = 0;    // CREATE INDEX x 6
  double analyze_ms = 0;  // ANALYZE (SQLite) / VACUUM ANALYZE (PostgreSQL)
  uint64_t bytes = 0;     // file size (SQLite) / pg_total_relation_size('ev')
};

// Builds table ev (and, in SQLite, person(account, member)) from the events
// of the generator with options `g`, regenerated in one pass, with the
// engine `engine` built from exactly those events supplying the dense
// community and account ids and each account's member id after all events
// (the values the store-based path exports). Writes SQLite file
// `sqlite_path` (when not empty; deleted and rewritten unless complete) and
// the PostgreSQL database of `pg` (when not null; its ev/ev_built tables are
// dropped and rewritten unless complete). `gen_wall_ms` receives the wall
// time of the whole pass. Returns false with `err` set on any failure.
bool BuildSqlTables(const gen::GenOptions& g, const Engine& engine, const std::string& sqlite_path,
                    pg_conn* pg, TableBuild* sqlite_out, TableBuild* pg_out, double* gen_wall_ms,
                    std::string* err);

}  // namespace qun::bench

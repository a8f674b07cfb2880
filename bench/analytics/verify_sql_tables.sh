#!/usr/bin/env bash
# Checks that the in-process mode's SQL tables (written by analytics_driver
# straight from the generator, bench/analytics/sql_tables.h) equal the store
# mode's (built by run.sh from qun's stored events with json_extract), row by
# row, and that both modes' SQL twins agree with qun. docs/benchmarks.md
# "analytics".
#
#   bench/analytics/verify_sql_tables.sh                                   # 15,000 members x 120 days ≈ 1M events
#   QUN_BENCH_MEMBERS=300 QUN_BENCH_DAYS=20 bench/analytics/verify_sql_tables.sh   # tiny (ctest)
#
# Runs run.sh twice in $QUN_BENCH_DIR (store mode, then QUN_BENCH_INPROC=1
# after deleting that mode's SQLite file and PostgreSQL cluster, so the tables
# are always rebuilt; each run exits 1 when a twin disagrees with qun), then compares tables ev and
# person of sql-M-D.sqlite and sql-gen-M-D.sqlite: same row count and the same
# rows, all columns, sorted (a multiset comparison; row order differs by
# design). Exit status 1 on any difference. PostgreSQL as run.sh
# (QUN_BENCH_PG=0 skips it). Environment as run.sh.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
work=${QUN_BENCH_DIR:-/tmp/qun-analytics-bench}
members=${QUN_BENCH_MEMBERS:-15000}
days=${QUN_BENCH_DAYS:-120}
export QUN_BENCH_MEMBERS=$members QUN_BENCH_DAYS=$days QUN_BENCH_DIR=$work
export QUN_BENCH_QUICK=1 QUN_BENCH_REPS=${QUN_BENCH_REPS:-3} QUN_BENCH_SQL_REPS=${QUN_BENCH_SQL_REPS:-1}
mkdir -p "$work"

echo "== store mode"
bash "$root/bench/analytics/run.sh" >"$work/verify-sql-store.out" 2>&1 || {
  tail -n 30 "$work/verify-sql-store.out" >&2
  echo "verify_sql_tables: the store-mode run failed (see $work/verify-sql-store.out)" >&2
  exit 1
}
grep -E '^goals' "$work/verify-sql-store.out"
echo "== in-process mode"
# Always exercise the build from the generator (the store mode's tables are kept).
rm -rf "$work/sql-gen-$members-$days.sqlite" "$work/pg-gen-$members-$days"
QUN_BENCH_INPROC=1 bash "$root/bench/analytics/run.sh" >"$work/verify-sql-inproc.out" 2>&1 || {
  tail -n 30 "$work/verify-sql-inproc.out" >&2
  echo "verify_sql_tables: the in-process run failed (see $work/verify-sql-inproc.out)" >&2
  exit 1
}
grep -E '^(SQL table|goals)' "$work/verify-sql-inproc.out"

store_db="$work/sql-$members-$days.sqlite"
gen_db="$work/sql-gen-$members-$days.sqlite"
cols="ts, type, community, account, person, message_id, reply_to, text, category, amount_minor, currency, nps, actor, inviter, inviter_person, seq"
status=0
for q in "SELECT $cols FROM ev ORDER BY $cols" "SELECT account, member FROM person ORDER BY account"; do
  sqlite3 -csv "$store_db" "$q" >"$work/verify-sql-store.csv"
  sqlite3 -csv "$gen_db" "$q" >"$work/verify-sql-gen.csv"
  n=$(wc -l <"$work/verify-sql-store.csv")
  table=$(sed -E 's/.* FROM ([a-z]+) .*/\1/' <<<"$q")
  if [[ $n -eq 0 ]]; then
    echo "verify_sql_tables: table $table of $store_db is empty" >&2
    status=1
  elif cmp -s "$work/verify-sql-store.csv" "$work/verify-sql-gen.csv"; then
    echo "verify_sql_tables: table $table identical in both modes ($n rows)"
  else
    echo "verify_sql_tables: table $table DIFFERS: store mode (<) $n rows, in-process (>)" \
      "$(wc -l <"$work/verify-sql-gen.csv") rows; first differences:" >&2
    diff "$work/verify-sql-store.csv" "$work/verify-sql-gen.csv" | head -n 10 >&2 || true
    status=1
  fi
done
rm -f "$work/verify-sql-store.csv" "$work/verify-sql-gen.csv"
exit $status

#!/usr/bin/env bash
# Ingest benchmark (DESIGN §9): qun importing generated canonical NDJSON into
# its durable store versus the sqlite3 shell's own CSV .import of the same rows
# into a plain table, in the same run. Prints both throughputs, the ratio and
# qun's engine bytes per event.
#
#   bench/ingest/run.sh                 # 10M events
#   QUN_BENCH_QUICK=1 bench/ingest/run.sh   # ~200k events (smoke)
#   QUN=path/to/qun QUN_BENCH_MEMBERS=… QUN_BENCH_DAYS=… bench/ingest/run.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
QUN="${QUN:-$ROOT/build/release/qun}"
if [ ! -x "$QUN" ]; then echo "build first: make build (or set QUN=)"; exit 2; fi
command -v sqlite3 >/dev/null || { echo "sqlite3 shell missing: scripts/install-deps"; exit 2; }
if [ -n "${QUN_BENCH_QUICK:-}" ]; then
  MEMBERS=${QUN_BENCH_MEMBERS:-2000}; DAYS=${QUN_BENCH_DAYS:-30}
else
  MEMBERS=${QUN_BENCH_MEMBERS:-120000}; DAYS=${QUN_BENCH_DAYS:-120}
fi
WORK="${QUN_BENCH_DIR:-$(mktemp -d)}"
trap '[ -z "${QUN_BENCH_KEEP:-}" ] && rm -rf "$WORK"' EXIT
cd "$WORK"

now() { date +%s.%N; }
echo "# qun ingest benchmark: $MEMBERS members, $DAYS days; load average: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
"$QUN" gen --seed 7 --members "$MEMBERS" --days "$DAYS" --communities 20 --out events.ndjson
EVENTS=$(wc -l < events.ndjson)
MB=$(du -m events.ndjson | cut -f1)
echo "generated $EVENTS events ($MB MB NDJSON)"

# The same rows as canonical CSV, written by qun from a scratch store (not timed).
"$QUN" import --data-dir scratch events.ndjson >/dev/null
"$QUN" export --data-dir scratch --format csv --out events.csv
rm -rf scratch

t0=$(now)
"$QUN" import --data-dir store --json events.ndjson > import.json
t1=$(now)
QUN_S=$(echo "$t1 - $t0" | bc -l)

t0=$(now)
sqlite3 baseline.db <<SQL
.mode csv
.import events.csv events
SQL
t1=$(now)
SQL_S=$(echo "$t1 - $t0" | bc -l)
ROWS=$(sqlite3 baseline.db 'SELECT count(*) FROM events')

"$QUN" stats --data-dir store --json > stats.json
BPE=$(python3 -c 'import json; print(round(json.load(open("stats.json"))["engine_bytes_per_event"], 1))')
STORED=$(python3 -c 'import json; print(json.load(open("stats.json"))["events"])')
QUN_RATE=$(echo "$EVENTS / $QUN_S" | bc -l)
SQL_RATE=$(echo "$ROWS / $SQL_S" | bc -l)
printf 'qun import (parse, validate, dedupe, identity, aggregates, durable): %9.0f events/s  (%.2f s, %s stored)\n' "$QUN_RATE" "$QUN_S" "$STORED"
printf 'sqlite3 .import CSV into a plain table:                          %9.0f rows/s    (%.2f s, %s rows)\n' "$SQL_RATE" "$SQL_S" "$ROWS"
printf 'ratio qun / sqlite3: %.2f   (goal >= 1)\n' "$(echo "$QUN_RATE / $SQL_RATE" | bc -l)"
printf 'qun engine memory: %s bytes/event   (goal <= 32)\n' "$BPE"
printf 'store size: qun %s MB, sqlite3 baseline %s MB\n' "$(du -m store | tail -1 | cut -f1)" "$(du -m baseline.db | cut -f1)"

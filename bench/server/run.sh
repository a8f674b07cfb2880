#!/usr/bin/env bash
# Macro benchmark of `qun serve` with wrk on loopback:
#   * ingest: POST /v1/events, BATCH fresh events per request; baseline:
#     `qun import` of a file of the same size in the same run;
#   * dashboard queries: GET stats, metrics (active, retention, lifecycle,
#     peak-hours), members page, member intelligence (filtered list, pyramid,
#     RFM, health, weekly report); baseline: the equivalent DAU query in SQL over
#     the same SQLite store (sqlite3), timed in the same run.
# Prints throughput and p50/p99 per endpoint. QUN_BENCH_QUICK=1: small data,
# short runs (smoke test). Env: QUN (binary, default build/release/qun);
# QUN_BENCH_DATA_DIR=DIR serves an existing data directory (e.g. a 10M-event
# one made by bench/analytics/run.sh) instead of the generated one — the
# generated EVENTS still give the `qun import` baseline, and the ingest rows
# add events to DIR (use a scratch copy).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
QUN="${QUN:-$ROOT/build/release/qun}"
[ -x "$QUN" ] || { echo "build first: make build (or set QUN)"; exit 1; }
command -v wrk >/dev/null || { echo "SKIP: wrk not installed (scripts/install-deps)"; exit 0; }
if [ "${QUN_BENCH_QUICK:-0}" = 1 ]; then EVENTS=20000; DUR=2s; CONN=4; else EVENTS=${EVENTS:-500000}; DUR=${DUR:-10s}; CONN=${CONN:-16}; fi
THREADS=2
export BATCH="${BATCH:-100}"
WORK="$(mktemp -d)"
PID=""
trap '[ -n "$PID" ] && kill -TERM $PID 2>/dev/null && wait $PID; rm -rf "$WORK"' EXIT

python3 "$ROOT/tests/integration/lib/gen_events.py" "$EVENTS" --seed 1 --members 20000 --communities 8 --days 120 > "$WORK/ev.ndjson"
t0=$(date +%s.%N)
"$QUN" import --data-dir "$WORK/data" "$WORK/ev.ndjson" >/dev/null
t1=$(date +%s.%N)
DATA="${QUN_BENCH_DATA_DIR:-$WORK/data}"
STORE_EVENTS="$(sqlite3 "$DATA/qun.db" 'SELECT count(*) FROM events')"
import_eps=$(python3 -c "print(round($EVENTS / ($t1 - $t0)))")
export TOKEN="$("$QUN" token create --data-dir "$DATA" --role admin --name bench 2>/dev/null)"
t_open=$(date +%s.%N)
"$QUN" serve --data-dir "$DATA" --listen 127.0.0.1:0 --quiet --rate 0 --threads 8 > "$WORK/out" 2> "$WORK/err" &
PID=$!
until grep -q "listening on" "$WORK/out" 2>/dev/null; do
  kill -0 $PID 2>/dev/null || { cat "$WORK/err"; echo "qun serve died"; exit 1; }
  sleep 0.2
done
t_ready=$(date +%s.%N)
BASE="$(grep -o 'http://[^ ]*' "$WORK/out" | head -1)"; BASE="${BASE%/}"

echo "qun serve opened $STORE_EVENTS events in $(python3 -c "print(round($t_ready - $t_open, 1))") s (rebuild from the store)"
echo "qun serve benchmark: $STORE_EVENTS events in the store, wrk -t$THREADS -c$CONN -d$DUR, 2-core machine shared with the client"
printf '%-34s %12s %10s %10s\n' endpoint "req/s" "p50 ms" "p99 ms"
# run NAME wrk-args… : prints one row; sets RPS
run() {
  local name="$1"; shift
  wrk -t$THREADS -c$CONN -d$DUR --latency "$@" > "$WORK/wrk.txt" 2>&1 || true
  RPS=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.txt")
  local p50 p99
  p50=$(awk '$1=="50%" {print $2}' "$WORK/wrk.txt")
  p99=$(awk '$1=="99%" {print $2}' "$WORK/wrk.txt")
  local non2xx
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$WORK/wrk.txt")
  printf '%-34s %12s %10s %10s %s\n' "$name" "$RPS" "$(ms "$p50")" "$(ms "$p99")" "${non2xx:+(non-2xx: $non2xx)}"
}
# wrk prints 1.23ms / 456.00us / 1.2s
ms() { python3 -c "
import re,sys
s='$1'
m=re.match(r'([0-9.]+)(us|ms|s)',s)
print('-' if not m else round(float(m.group(1))*{'us':1e-3,'ms':1,'s':1e3}[m.group(2)],3))"; }

H="Authorization: Bearer $TOKEN"
run "GET /v1/stats" -H "$H" "$BASE/v1/stats"
run "GET /v1/metrics/active (day)" -H "$H" "$BASE/v1/metrics/active?granularity=day"
active_rps=$RPS
run "GET /v1/metrics/retention (week)" -H "$H" "$BASE/v1/metrics/retention?granularity=week"
run "GET /v1/metrics/lifecycle (week)" -H "$H" "$BASE/v1/metrics/lifecycle?granularity=week"
run "GET /v1/metrics/peak-hours" -H "$H" "$BASE/v1/metrics/peak-hours"
run "GET /v1/members?limit=50" -H "$H" "$BASE/v1/members?limit=50"
run "GET /v1/members (stage+level filter)" -H "$H" "$BASE/v1/members?stage=active&level=L3%2B&sort=contribution&limit=50"
run "GET /v1/members/pyramid" -H "$H" "$BASE/v1/members/pyramid"
run "GET /v1/members/rfm" -H "$H" "$BASE/v1/members/rfm"
run "GET /v1/health" -H "$H" "$BASE/v1/health"
run "GET /v1/reports/weekly (json)" -H "$H" "$BASE/v1/reports/weekly?format=json"
run "POST /v1/events ($BATCH events/req)" -s "$ROOT/bench/server/ingest.lua" "$BASE"
ingest_eps=$(python3 -c "print(round(float('${RPS:-0}') * $BATCH))")

# Baselines, same run.
echo
echo "ingest through the API: $ingest_eps events/s; baseline qun import (CLI, one process): $import_eps events/s;" \
     "ratio $(python3 -c "print(round($ingest_eps / max($import_eps, 1), 3))")"
kill -TERM $PID; wait $PID || true; PID=""
reps=3
t0=$(date +%s.%N)
for _ in $(seq $reps); do
  sqlite3 "$DATA/qun.db" "SELECT date(ts/1000,'unixepoch') d, count(DISTINCT account) FROM events GROUP BY d;" >/dev/null
done
t1=$(date +%s.%N)
sql_ms=$(python3 -c "print(round(($t1 - $t0) / $reps * 1000, 2))")
api_ms=$(python3 -c "print(round(1000 * $CONN / max(float('${active_rps:-0}'), 1e-9), 3))")
echo "daily active (DAU series): API $api_ms ms/request at concurrency $CONN (from req/s); baseline SQL over SQLite" \
     "(DAU only, no WAU/MAU): $sql_ms ms; ratio $(python3 -c "print(round($sql_ms / max($api_ms, 1e-9), 1))")x"

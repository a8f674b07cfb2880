#!/usr/bin/env bash
# Analytics macro benchmark (DESIGN §9): dashboard metrics of `qun` against the
# same numbers computed by SQL over a plain, indexed SQLite table of the same
# events. docs/metrics.md#benchmark describes it and records measured numbers.
#
#   bench/analytics/run.sh                     # ~10M events (150,000 members x 120 days)
#   QUN_BENCH_QUICK=1 bench/analytics/run.sh   # ~1M events (15,000 members x 120 days)
#
# Environment: QUN_BENCH_MEMBERS / QUN_BENCH_DAYS override the size;
# QUN_BENCH_DIR (default /tmp/qun-analytics-bench) holds the generated file, the
# data directory and the SQLite file (kept between runs; delete to start over);
# QUN_BUILD_DIR (default build/release) is a Release build, configured and
# built here when missing.
#
# Steps: qun gen -> qun import (timed) -> SQLite table `ev` loaded from qun's
# stored events + indexes (timed) -> analytics_driver: opens the workspace once
# (timed: store read + engine rebuild), runs every dashboard query many times
# in process (p50/p99), runs the SQL a few times, checks equal numbers, prints
# ratios. Exit status 1 when a SQL result differs from qun's.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${QUN_BUILD_DIR:-$root/build/release}
work=${QUN_BENCH_DIR:-/tmp/qun-analytics-bench}
if [[ "${QUN_BENCH_QUICK:-0}" == 1 ]]; then
  members=${QUN_BENCH_MEMBERS:-15000}
  reps=200 sql_reps=3
else
  members=${QUN_BENCH_MEMBERS:-150000}
  reps=200 sql_reps=2
fi
days=${QUN_BENCH_DAYS:-120}
mkdir -p "$work"

if [[ ! -f "$build/build.ninja" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DQUN_SANITIZE=OFF >/dev/null
fi
cmake --build "$build" -j2 --target qun analytics_driver >/dev/null
qun="$build/qun"

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

echo "== machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (shared machine: numbers are noisy)"

events="$work/events-$members-$days.ndjson"
if [[ ! -f "$events" ]]; then
  t=$(now)
  "$qun" gen --seed 7 --members "$members" --days "$days" --communities 6 --out "$events" >/dev/null
  echo "== generated $events in $(since "$t") s"
fi
echo "== events file: $(wc -l <"$events") events, $(du -h "$events" | cut -f1)"

data="$work/data-$members-$days"
if [[ ! -f "$data/.complete" ]]; then
  rm -rf "$data"
  t=$(now)
  "$qun" import --data-dir "$data" --json "$events" >"$work/import.json"
  echo "== qun import: $(since "$t") s  $(cat "$work/import.json")"
  touch "$data/.complete"
fi
"$qun" stats --data-dir "$data" --json >"$work/stats.json"
python3 - "$work/stats.json" <<'EOF' || cat "$work/stats.json"
import json, sys
s = json.load(open(sys.argv[1]))
print(f"== qun stats: {s['events']} events, {s['members']} members, engine {s['engine_bytes']/1e6:.1f} MB = "
      f"{s['engine_bytes_per_event']:.1f} bytes/event, store {s['store_bytes']/1e6:.0f} MB on disk")
EOF

db="$work/sql-$members-$days.sqlite"
if [[ ! -f "$db.complete" ]]; then
  rm -f "$db"
  t=$(now)
  # qun's identity resolution (identity.linked events) as table person(account, member).
  "$build/bench/analytics_driver" --data-dir "$data" --export-persons "$db"
  # What an analyst would do: one flat table with the fields the dashboard
  # needs extracted from the stored JSON, plus the obvious indexes.
  sqlite3 "$db" <<EOF
PRAGMA journal_mode=OFF;
PRAGMA synchronous=OFF;
ATTACH '$data/qun.db' AS src;
CREATE TABLE ev(ts INTEGER NOT NULL, type TEXT NOT NULL, community INTEGER NOT NULL, account INTEGER NOT NULL,
  person INTEGER NOT NULL, message_id TEXT, reply_to TEXT, text TEXT, category TEXT, amount_minor INTEGER, currency TEXT, nps INTEGER);
INSERT INTO ev SELECT ts, json_extract(body,'\$.type'), community, e.account, p.member, json_extract(body,'\$.message_id'),
  json_extract(body,'\$.reply_to'), json_extract(body,'\$.text'), json_extract(body,'\$.category'),
  CAST(round(json_extract(body,'\$.amount')*100) AS INTEGER), json_extract(body,'\$.currency'),
  json_extract(body,'\$.nps')
  FROM src.events e JOIN person p ON p.account = e.account ORDER BY seq;
DETACH src;
CREATE INDEX ev_ts ON ev(ts);
CREATE INDEX ev_community_ts ON ev(community, ts);
CREATE INDEX ev_account ON ev(account);
CREATE INDEX ev_person ON ev(person);
CREATE INDEX ev_type_ts ON ev(type, ts);
CREATE INDEX ev_reply_to ON ev(reply_to) WHERE reply_to IS NOT NULL;
ANALYZE;
EOF
  echo "== SQLite table + 6 indexes built in $(since "$t") s, $(du -h "$db" | cut -f1)"
  touch "$db.complete"
fi

echo "== load average before queries: $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
"$build/bench/analytics_driver" --data-dir "$data" --sqlite "$db" --reps "$reps" --sql-reps "$sql_reps" \
  --json "$work/result.json" || status=$?
echo "== load average after queries: $(cut -d' ' -f1-3 /proc/loadavg); JSON: $work/result.json"
exit $status

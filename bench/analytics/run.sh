#!/usr/bin/env bash
# Analytics macro benchmark (DESIGN §9): dashboard metrics of `qun` against the
# same numbers computed by SQL over a plain, indexed SQLite table of the same
# events, and over the same table in a private PostgreSQL 15 cluster.
# docs/metrics.md#benchmark describes it and records measured numbers.
#
#   bench/analytics/run.sh                     # ~10M events (150,000 members x 120 days)
#   QUN_BENCH_QUICK=1 bench/analytics/run.sh   # ~1M events (15,000 members x 120 days)
#
#   QUN_BENCH_SCALE=100m bench/analytics/run.sh   # in process, 1,500,000 members x 120 days ≈ 100M events
#   QUN_BENCH_INPROC=1 bench/analytics/run.sh     # in process at the size chosen as above
#
# In-process mode (QUN_BENCH_INPROC=1, implied by QUN_BENCH_SCALE=100m): no
# gen file, no import, no store: analytics_driver --generate feeds the same
# generator's events (same options as below) straight into an engine with the
# standard modules (Stage/Apply in import-sized batches) and times the same qun
# queries. The SQL twins' tables are written by the driver from a second pass
# of the same generator (bench/analytics/sql_tables.h: SQLite prepared INSERTs,
# PostgreSQL COPY FROM STDIN; same columns and values as the store mode's, the
# same six indexes), into $QUN_BENCH_DIR/sql-gen-M-D.sqlite and the private
# cluster $QUN_BENCH_DIR/pg-gen-M-D; a marker table ev_built in each database
# makes a repeated run skip a complete one. QUN_BENCH_SQL=0 skips the SQL
# tables and twins (the fast qun-only 100M run). Before starting, the script
# prints an estimate of the run's time and disk (from the 10M measurement in
# docs/benchmarks.md). bench/analytics/verify_inproc.sh checks at 1M that both
# modes give identical query results, verify_sql_tables.sh that both modes
# write identical SQL tables. Needs ~40-150 bytes/event of RAM.
#
# SQL time limit: QUN_BENCH_SQL_TIMEOUT=S (default 300 from ~5M events up,
# else 0 = none) stops a twin statement after S seconds (SQLite through a
# progress handler, PostgreSQL through statement_timeout); it is reported as
# "> S s", its ratio as the lower bound ">=X" (S / qun p50), and not repeated.
#
# Environment: QUN_BENCH_MEMBERS / QUN_BENCH_DAYS override the size,
# QUN_BENCH_REPS / QUN_BENCH_SQL_REPS the repetitions of qun / SQL queries;
# QUN_BENCH_SQLITE=0 skips timing the SQLite twins (the table is still built in
# the store mode; not built in the in-process mode);
# QUN_BENCH_DIR (default /tmp/qun-analytics-bench) holds the generated file, the
# data directory and the SQLite file (kept between runs; delete to start over);
# QUN_BUILD_DIR (default build/release) is a Release build, configured and
# built here when missing; QUN and QUN_ANALYTICS_DRIVER name ready binaries
# instead (ctest's smoke run passes its own);
# QUN_PG_BIN (default /usr/lib/postgresql/15/bin) holds initdb/pg_ctl; without
# them (or with QUN_BENCH_PG=0) the PostgreSQL comparison is skipped with a
# message.
#
# PostgreSQL: a private cluster (initdb in $QUN_BENCH_DIR/pg-..., trust auth,
# listening on 127.0.0.1 only, a free port, its unix socket in that directory)
# is started by this script and stopped when it exits. Run as root, the
# cluster runs as the `postgres` system user (initdb refuses root). The table
# is loaded with COPY from the canonical CSV of the SQLite table (same rows and
# columns), with the same indexes, then VACUUM ANALYZE.
#
# Steps: qun gen -> qun import (timed) -> SQLite table `ev` loaded from qun's
# stored events + indexes (timed) -> analytics_driver: opens the workspace once
# (timed: store read + engine rebuild), runs every dashboard query many times
# in process (p50/p99), runs the SQL a few times, checks equal numbers, prints
# ratios; then the after-ingest phase: the first weekly report, health and member table for
# three scopes, before and after one batch of 1,000 messages applied in memory
# (docs/benchmarks.md "Member engine at 10M"). Exit status 1 when a SQL result differs from qun's.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/bench/analytics/store_ev.sh"
build=${QUN_BUILD_DIR:-$root/build/release}
work=${QUN_BENCH_DIR:-/tmp/qun-analytics-bench}
if [[ "${QUN_BENCH_QUICK:-0}" == 1 ]]; then
  members=${QUN_BENCH_MEMBERS:-15000}
  reps=200 sql_reps=3
else
  members=${QUN_BENCH_MEMBERS:-150000}
  reps=200 sql_reps=2
fi
inproc=${QUN_BENCH_INPROC:-0}
case "${QUN_BENCH_SCALE:-}" in
  "") ;;
  100m) members=${QUN_BENCH_MEMBERS:-1500000} inproc=1 ;;
  *) echo "run.sh: QUN_BENCH_SCALE must be 100m (or unset), not '${QUN_BENCH_SCALE}'" >&2; exit 2 ;;
esac
days=${QUN_BENCH_DAYS:-120}
reps=${QUN_BENCH_REPS:-$reps}
sql_reps=${QUN_BENCH_SQL_REPS:-$sql_reps}
# Time limit per SQL twin statement: from ~5M events (0.556 events per member-day) up.
sql_timeout=${QUN_BENCH_SQL_TIMEOUT:-$(awk -v m="$members" -v d="$days" 'BEGIN { print (m * d * 0.556 >= 5e6 ? 300 : 0) }')}
mkdir -p "$work"

source "$root/bench/analytics/binaries.bash"
if [[ $inproc == 1 ]]; then
  bench_binaries analytics_driver  # no qun needed
else
  bench_binaries qun analytics_driver
fi

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# ---- PostgreSQL 15: a private cluster on loopback ----
# pg_start DIR: initdb (when DIR/.complete is missing) and start a private
# cluster in DIR; sets pg_skip (why not), pgdir, port, fresh (1 after initdb)
# and asuser. The cluster is stopped when the script exits.
pgbin=${QUN_PG_BIN:-/usr/lib/postgresql/15/bin}
pg_args=()
pg_start() {
  pg_skip=""
  if [[ "${QUN_BENCH_PG:-1}" != 1 ]]; then
    pg_skip="QUN_BENCH_PG=${QUN_BENCH_PG}"
    return
  elif [[ ! -x "$pgbin/initdb" || ! -x "$pgbin/pg_ctl" ]] || ! command -v psql >/dev/null; then
    pg_skip="no initdb/pg_ctl in $pgbin or no psql (scripts/install-deps installs postgresql-15)"
    return
  fi
  pgdir=$1
  asuser=()
  if [[ $(id -u) == 0 ]]; then
    asuser=(runuser -u postgres --)  # initdb and postgres refuse to run as root
    id postgres >/dev/null 2>&1 || pg_skip="running as root and there is no postgres user to run the cluster"
  fi
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  fresh=0
  if [[ -z $pg_skip && ! -f "$pgdir/.complete" ]]; then
    rm -rf "$pgdir"
    mkdir -p "$pgdir"
    if [[ ${#asuser[@]} -gt 0 ]]; then chown postgres "$pgdir"; chmod o+x "$work"; fi
    if ! "${asuser[@]}" test -w "$pgdir"; then
      pg_skip="the cluster's user cannot write $pgdir (a parent directory is not searchable)"
    elif ! "${asuser[@]}" "$pgbin/initdb" -D "$pgdir/data" -U qun --auth=trust -E UTF8 --locale=C \
      >"$work/pg-initdb.log" 2>&1; then
      pg_skip="initdb failed (see $work/pg-initdb.log)"
    fi
    fresh=1
  fi
  # Loopback only; settings of a dedicated analytics box of this size.
  if [[ -z $pg_skip ]]; then
    trap pgstop EXIT
    "${asuser[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w -o "-c listen_addresses=127.0.0.1 \
      -p $port -k $pgdir -c shared_buffers=2GB -c work_mem=256MB -c maintenance_work_mem=1GB \
      -c effective_cache_size=8GB -c fsync=off \
      -c synchronous_commit=off -c full_page_writes=off" start >/dev/null ||
      pg_skip="pg_ctl start failed (see $pgdir/server.log)"
  fi
  psql_=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U qun -d postgres)
}
pgstop() { "${asuser[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -m fast -w stop >/dev/null 2>&1 || true; }

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo) RAM, load average $(cut -d' ' -f1-3 /proc/loadavg) (shared machine: numbers are noisy)"

if [[ $inproc == 1 ]]; then
  sql=${QUN_BENCH_SQL:-1}
  echo "== in-process mode: $members members x $days days, generator -> engine$([[ $sql == 1 ]] &&
    echo ", SQL tables from the generator (time limit ${sql_timeout} s per twin; 0 = none)" || echo ", SQL twins skipped (QUN_BENCH_SQL=$sql)")"
  # Measured at 10M events (docs/benchmarks.md): ~0.56 events per member-day,
  # peak RSS ~152 bytes per event with every query's caches filled.
  awk -v m="$members" -v d="$days" '/MemAvailable/ {
    ev = m * d * 0.556; need = ev * 152 / 2^30; have = $2 / 2^20
    printf "== expect ~%.0fM events, peak RSS ~%.1f GB; MemAvailable %.1f GB%s\n", ev / 1e6, need, have,
      (need > have * 0.9 ? "  -- NOT ENOUGH MEMORY, expect swapping or the OOM killer" : "") }' /proc/meminfo
  driver_sql=()
  if [[ $sql == 1 ]]; then
    db="$work/sql-gen-$members-$days.sqlite"
    [[ "${QUN_BENCH_SQLITE:-1}" == 1 ]] && driver_sql+=(--sqlite "$db")
    pg_start "$work/pg-gen-$members-$days"
    if [[ -n "$pg_skip" ]]; then
      echo "== PostgreSQL comparison skipped: $pg_skip"
    else
      touch "$pgdir/.complete"  # the cluster exists; the table's completeness is the driver's marker table ev_built
      driver_sql+=(--pg "host=127.0.0.1 port=$port user=qun dbname=postgres")
    fi
    # Estimate from the 10M run (docs/benchmarks.md "Measured: 10M events with SQL
    # twins"), seconds per million events: engine build, one generator pass writing
    # both tables (PostgreSQL's COPY tail included), the SQLite indexes + ANALYZE,
    # the PostgreSQL indexes + VACUUM ANALYZE (both scaled by n log n; the two
    # run at the same time, PostgreSQL in its server process); bytes per
    # row on disk (PostgreSQL: the whole cluster directory). Measured at load ~12 on
    # the 2 cores. Twins: 17 per database (one per dashboard query), each at most
    # max(limit, 240 s) (a twin under 120 s may run twice: the driver's
    # --sql-max-seconds budget), or the limit with QUN_BENCH_SQL_REPS=1.
    have_pg=$([[ -z "$pg_skip" ]] && echo 1 || echo 0)
    have_sq=$([[ "${QUN_BENCH_SQLITE:-1}" == 1 ]] && echo 1 || echo 0)
    awk -v m="$members" -v d="$days" -v lim="$sql_timeout" -v pg="$have_pg" -v sq="$have_sq" -v reps="$sql_reps" \
      -v free="$(df -Pk "$work" | awk 'NR == 2 { print $4 }')" 'BEGIN {
      ev = m * d * 0.556 / 1e6
      engine = 15.8; pass = 10.1; sq_idx = 16.6; pg_idx = 14.1; sq_b = 165; pg_b = 310
      nlogn = log(ev * 1e6) / log(1e7)  # index sorts: n log n, relative to 10M
      idx = sq * sq_idx > pg * pg_idx ? sq * sq_idx : pg * pg_idx  # the two builds overlap
      t = ev * (engine + pass + nlogn * idx)
      per = lim > 240 || reps == 1 ? lim : 240
      twins = lim > 0 ? sprintf("at most %.0f min (%d x %d s)", (sq + pg) * 17 * per / 60, (sq + pg) * 17, per) \
                      : "not bounded (no time limit)"
      disk = ev * 1e6 * (sq * sq_b + pg * pg_b) / 1e9
      printf "== SQL estimate for ~%.0fM events: tables %.0f min (engine + generator pass + indexes), twins %s," \
        " disk %.1f GB (free %.0f GB)%s\n", ev, t / 60, twins, disk, free / 2^20,
        (disk > free / 2^20 * 0.9 ? "  -- NOT ENOUGH DISK" : "") }'
  fi
  status=0
  timer=()
  [[ -x /usr/bin/time ]] && timer=(/usr/bin/time -f "== driver: %e s wall, %U s user, %M kB max RSS")
  "${timer[@]}" "$driver" --generate "$members" --days "$days" --seed 7 --communities 6 --reps "$reps" \
    "${driver_sql[@]}" --sql-reps "$sql_reps" --sql-timeout "$sql_timeout" \
    --json "$work/result-inproc-$members-$days.json" || status=$?
  [[ -n "${db:-}" && -f "$db" ]] && echo "== SQLite file $(du -h "$db" | cut -f1)"
  echo "== load average after queries: $(cut -d' ' -f1-3 /proc/loadavg); JSON: $work/result-inproc-$members-$days.json"
  exit $status
fi

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

# The same table and indexes as the in-process mode's (one definition:
# bench/analytics/sql_tables.cc), on the SQLite and the PostgreSQL side.
ev_indexes=$("$driver" --print-schema indexes)

db="$work/sql-$members-$days.sqlite"
# Marker v3: ev has the invite columns (actor, inviter, inviter_person; v2)
# and seq (v3); an older table is rebuilt, and with it the PostgreSQL copy.
if [[ ! -f "$db.v3.complete" ]]; then
  rm -f "$db" "$db".*complete "$work/pg-$members-$days/.complete"
  t=$(now)
  # qun's identity resolution (identity.linked events) as table person(account, member).
  "$driver" --data-dir "$data" --export-persons "$db"
  # What an analyst would do: one flat table with the fields the dashboard
  # needs extracted from the stored JSON, plus the obvious indexes.
  sqlite3 "$db" >/dev/null <<EOF
PRAGMA journal_mode=OFF;
PRAGMA synchronous=OFF;
ATTACH '$data/qun.db' AS src;
$("$driver" --print-schema sqlite)
$(ev_insert_sql)
DETACH src;
$ev_indexes
ANALYZE;
EOF
  echo "== SQLite table + 6 indexes built in $(since "$t") s, $(du -h "$db" | cut -f1)"
  touch "$db.v3.complete"
fi

pg_start "$work/pg-$members-$days"
if [[ -n "$pg_skip" ]]; then
  echo "== PostgreSQL comparison skipped: $pg_skip"
else
  if [[ $fresh == 1 ]]; then
    t=$(now)
    # The canonical CSV: the SQLite table's rows and columns (NULL = empty field).
    sqlite3 -csv "$db" "SELECT ts, type, community, account, person, message_id, reply_to, text, category,
      amount_minor, currency, nps, actor, inviter, inviter_person, seq FROM ev" >"$work/ev.csv"
    "${psql_[@]}" <<SQL
$("$driver" --print-schema pg)
\copy ev FROM '$work/ev.csv' WITH (FORMAT csv)
$ev_indexes
VACUUM ANALYZE ev;
SQL
    rm -f "$work/ev.csv"
    touch "$pgdir/.complete"
    echo "== PostgreSQL table + 6 indexes loaded (COPY from CSV) in $(since "$t") s," \
      "$("${psql_[@]}" -At -c "SELECT pg_size_pretty(pg_total_relation_size('ev'))")"
  fi
  echo "== PostgreSQL $("${psql_[@]}" -At -c 'SHOW server_version') on 127.0.0.1:$port," \
    "$("${psql_[@]}" -At -c 'SELECT COUNT(*) FROM ev') rows"
  pg_args=(--pg "host=127.0.0.1 port=$port user=qun dbname=postgres")
fi

echo "== load average before queries: $(cut -d' ' -f1-3 /proc/loadavg)"
status=0
sqlite_args=(--sqlite "$db")
[[ "${QUN_BENCH_SQLITE:-1}" == 1 ]] || sqlite_args=()
"$driver" --data-dir "$data" "${sqlite_args[@]}" "${pg_args[@]}" --reps "$reps" --sql-reps "$sql_reps" \
  --sql-timeout "$sql_timeout" --json "$work/result.json" || status=$?
echo "== load average after queries: $(cut -d' ' -f1-3 /proc/loadavg); JSON: $work/result.json"
exit $status

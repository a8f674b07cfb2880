#!/usr/bin/env bash
# Checks the SQL twins (bench/analytics/analytics_driver.cc) against qun on
# small random churn data that `qun gen` rarely or never produces: rejoins,
# join/leave pairs in the same millisecond or second (joins apply first, so
# the leave wins), leaves before an account's first event, activity after a
# leave without a rejoin, accounts linked into one person, memberships in
# several communities, days without any event. These are the edge cases of
# "member at the end of day D" (docs/metrics.md#common-terms), which the
# interaction and joins twins compute per day. docs/benchmarks.md "Twins of
# the time-series queries".
#
#   bench/analytics/verify_churn_twins.sh            # seeds 1..8
#   QUN_CHURN_SEEDS="3 4" bench/analytics/verify_churn_twins.sh
#
# Per seed: ~1,000 events over 17 days (3 communities, 40 accounts) -> `qun
# import` -> SQLite table ev built as run.sh's store mode does -> the driver
# (SQLite twins only). Exit status 1 when any twin differs from qun.
# Environment: QUN + QUN_ANALYTICS_DRIVER (ready binaries) or QUN_BUILD_DIR
# (as run.sh); QUN_BENCH_DIR (default /tmp/qun-analytics-churn) for the files.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${QUN_BUILD_DIR:-$root/build/release}
work=${QUN_BENCH_DIR:-/tmp/qun-analytics-churn}
# shellcheck source=bench/analytics/binaries.bash
source "$root/bench/analytics/binaries.bash"
source "$root/bench/analytics/store_ev.sh"
bench_binaries qun analytics_driver
mkdir -p "$work"

gen_events() {  # SEED -> NDJSON on stdout
  python3 - "$1" <<'EOF'
import datetime, json, random, sys
random.seed(int(sys.argv[1]))
base = datetime.datetime(2026, 3, 2, tzinfo=datetime.timezone.utc)  # a Monday
comms, accts = ["c1", "c2", "c3"], [f"u{i}" for i in range(40)]
out = []
def ev(t, typ, c, a, **kw):
    d = {"id": f"e{len(out)}", "type": typ, "ts": t.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
         "platform": "telegram", "community": c, "actor": a}
    d.update(kw)
    out.append(d)
ms = lambda n: datetime.timedelta(milliseconds=n)
for day in range(17):
    if day in (5, 6, 12):
        continue  # days without events
    for _ in range(60):
        t = base + datetime.timedelta(days=day, seconds=random.randrange(86400), milliseconds=random.randrange(1000))
        c, a = random.choice(comms), random.choice(accts)
        r = random.random()
        if r < 0.2: ev(t, "member.joined", c, a)
        elif r < 0.35: ev(t, "member.left", c, a, reason="left")
        elif r < 0.42:  # join then leave in the same ms, the same second, or the next second
            ev(t, "member.joined", c, a)
            ev(t + ms(random.choice([0, 1, 999, 1000])), "member.left", c, a, reason="left")
        elif r < 0.45:  # leave then rejoin
            ev(t, "member.left", c, a, reason="left")
            ev(t + ms(random.choice([0, 1, 1000])), "member.joined", c, a)
        elif r < 0.7: ev(t, "message.posted", c, a, message_id=f"m{len(out)}", kind="text", text="hi")
        elif r < 0.8: ev(t, "reaction.added", c, a, message_id="m1", emoji="+1")
        elif r < 0.85: ev(t, "checkin", c, a)
        elif r < 0.95: ev(t, "visit", c, a)
        elif random.random() < 0.08:
            ev(t, "identity.linked", c, a, linked_platform="telegram",
               linked_actor=random.choice([x for x in accts if x != a]))
        else: ev(t, "checkin", c, a)
out.sort(key=lambda d: d["ts"])  # stable: same-ms pairs keep their order
for d in out:
    print(json.dumps(d))
EOF
}

status=0
for seed in ${QUN_CHURN_SEEDS:-1 2 3 4 5 6 7 8}; do
  w="$work/churn-$seed"
  rm -rf "$w"
  mkdir -p "$w"
  gen_events "$seed" >"$w/events.ndjson"
  "$qun" import --data-dir "$w/data" --json "$w/events.ndjson" >/dev/null
  db="$w/sql.sqlite"
  "$driver" --data-dir "$w/data" --export-persons "$db"
  sqlite3 "$db" >/dev/null <<EOF
ATTACH '$w/data/qun.db' AS src;
$("$driver" --print-schema sqlite)
$(ev_insert_sql)
DETACH src;
$("$driver" --print-schema indexes)
ANALYZE;
EOF
  rc=0
  "$driver" --data-dir "$w/data" --sqlite "$db" --reps 1 --sql-reps 1 --ingest-batch 0 >"$w/out.txt" 2>&1 || rc=$?
  same=$(grep -c '| same' "$w/out.txt" || true)
  if [[ $rc -ne 0 ]]; then
    echo "verify_churn_twins: seed $seed: twins DISAGREE with qun (driver exit $rc):" >&2
    grep -E 'MISMATCH|ERROR' "$w/out.txt" | cut -c1-42,120- >&2 || tail -n 5 "$w/out.txt" >&2
    status=1
  else
    echo "verify_churn_twins: seed $seed: $(wc -l <"$w/events.ndjson") events, $same twins same"
  fi
done
exit $status

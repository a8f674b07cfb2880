#!/usr/bin/env bash
# Checks that analytics_driver's in-process mode (--generate: generator ->
# engine, no store) answers every dashboard query exactly like the
# store-based path (qun gen -> qun import -> Workspace::Open) for the same
# generator options. docs/benchmarks.md#in-process-mode-100m-events.
#
#   bench/analytics/verify_inproc.sh                 # 15,000 members x 120 days ≈ 1M events
#   QUN_BENCH_MEMBERS=300 QUN_BENCH_DAYS=20 bench/analytics/verify_inproc.sh   # tiny (ctest)
#
# Both runs write a digest per query (XXH3 of the query's JSON result); the
# script prints both lists side by side and exits 1 on any difference (or a
# query missing on one side). Environment as run.sh: QUN_BENCH_DIR (default
# /tmp/qun-analytics-bench; the generated file and data directory are shared
# with run.sh and kept), QUN_BUILD_DIR, QUN + QUN_ANALYTICS_DRIVER.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=${QUN_BUILD_DIR:-$root/build/release}
work=${QUN_BENCH_DIR:-/tmp/qun-analytics-bench}
members=${QUN_BENCH_MEMBERS:-15000}
days=${QUN_BENCH_DAYS:-120}
mkdir -p "$work"

source "$root/bench/analytics/binaries.bash"
bench_binaries qun analytics_driver

# The same generator options as run.sh.
events="$work/events-$members-$days.ndjson"
if [[ ! -f "$events" ]]; then
  "$qun" gen --seed 7 --members "$members" --days "$days" --communities 6 --out "$events" >/dev/null
fi
data="$work/data-$members-$days"
if [[ ! -f "$data/.complete" ]]; then
  rm -rf "$data"
  "$qun" import --data-dir "$data" --json "$events" >/dev/null
  touch "$data/.complete"
fi

store_digest="$work/digest-store-$members-$days.txt"
inproc_digest="$work/digest-inproc-$members-$days.txt"
rm -f "$store_digest" "$inproc_digest"
# --reps 0: only the first (cold) call of each query, whose result is digested.
"$driver" --data-dir "$data" --reps 0 --digest "$store_digest" >"$work/verify-store.out"
"$driver" --generate "$members" --days "$days" --seed 7 --communities 6 --reps 0 --digest "$inproc_digest" \
  >"$work/verify-inproc.out" 2>"$work/verify-inproc.err"
head -n 2 "$work/verify-inproc.out"

n=$(wc -l <"$store_digest")
if [[ $n -lt 10 ]]; then
  echo "verify_inproc: only $n query digests from the store-based run (expected every query)" >&2
  exit 1
fi
if diff <(sort "$store_digest") <(sort "$inproc_digest") >"$work/verify.diff"; then
  echo "verify_inproc: all $n query results identical (store-based vs in-process, $members members x $days days)"
  exit 0
fi
echo "verify_inproc: MISMATCH between store-based (<) and in-process (>) results:" >&2
cat "$work/verify.diff" >&2
exit 1

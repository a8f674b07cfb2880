#!/usr/bin/env bash
# Import cost of inline moderation (docs/moderation.md#benchmarks): the same
# generated dataset imported into a fresh data directory with moderation off
# (the baseline) and on (the real lexicon, ../shared/data/lexicon), in one
# run. Prints wall and CPU seconds (user+sys of the qun process) per import,
# the median of REPS runs each, events/s and the ratio on/off. The "on" import
# includes loading the ruleset at open (printed separately: `qun moderation
# enable` on an empty directory).
# QUN_BENCH_QUICK=1: a small dataset and one repetition (a smoke test).
# QUN (default build/release/qun, built if missing).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
LEX="${QUN_SHARED_DATA:-$ROOT/../shared/data}/lexicon"
if [ ! -d "$LEX" ]; then echo "SKIP: $LEX not found"; exit 0; fi
QUN="${QUN:-$ROOT/build/release/qun}"
if [ ! -x "$QUN" ]; then
  cmake -S "$ROOT" -B "$ROOT/build/release" -G Ninja -DCMAKE_BUILD_TYPE=Release -DQUN_SANITIZE=OFF >/dev/null
  cmake --build "$ROOT/build/release" --target qun -j2 >/dev/null
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
MEMBERS=5000; DAYS=90; REPS=3
if [ "${QUN_BENCH_QUICK:-0}" = "1" ]; then MEMBERS=300; DAYS=20; REPS=1; fi
"$QUN" gen --seed 42 --members $MEMBERS --days $DAYS --communities 6 --tz Asia/Shanghai --out "$WORK/events.ndjson" >/dev/null 2>&1
python3 - "$QUN" "$LEX" "$WORK" "$REPS" <<'PY'
import json, os, resource, shutil, statistics, subprocess, sys, time
qun, lex, work, reps = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
events = os.path.join(work, "events.ndjson")
n_lines = sum(1 for _ in open(events, "rb"))
msgs = sum(1 for l in open(events, encoding="utf-8") if '"message.posted"' in l or '"message.edited"' in l)

def run(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

def one(moderated):
    d = os.path.join(work, "data")
    shutil.rmtree(d, ignore_errors=True)
    setup = None
    if moderated:
        setup = run([qun, "moderation", "enable", "--data-dir", d, "--lexicon", lex])
    wall, cpu = run([qun, "import", "--data-dir", d, events])
    findings = 0
    if moderated:
        out = subprocess.run([qun, "moderation", "status", "--data-dir", d, "--json"], check=True, capture_output=True, text=True)
        findings = json.loads(out.stdout)["findings"]
    return wall, cpu, setup, findings

res = {False: [], True: []}
for _ in range(reps):
    for m in (False, True):  # interleaved, so load changes hit both
        res[m].append(one(m))
print(f"dataset: {n_lines} events ({msgs} messages)")
for m in (False, True):
    wall = statistics.median(r[0] for r in res[m]); cpu = statistics.median(r[1] for r in res[m])
    label = "moderation on " if m else "moderation off"
    extra = ""
    if m:
        extra = f"  findings {res[m][0][3]}; ruleset load (enable on an empty dir) {statistics.median(r[2][0] for r in res[m]):.2f} s wall"
    print(f"{label}: import {wall:.2f} s wall, {cpu:.2f} s CPU, {n_lines / wall:,.0f} events/s{extra}")
off_w = statistics.median(r[0] for r in res[False]); on_w = statistics.median(r[0] for r in res[True])
off_c = statistics.median(r[1] for r in res[False]); on_c = statistics.median(r[1] for r in res[True])
print(f"ratio on/off: wall {on_w / off_w:.2f}x, CPU {on_c / off_c:.2f}x (median of {reps})")
PY

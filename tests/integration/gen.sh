#!/usr/bin/env bash
# qun gen end to end: determinism, the --json summary, time order, stdout
# output, the corpus option, error exit codes, a symlinked --out written
# through rather than replaced, and qun import accepting every event.
source "$(dirname "$0")/lib.bash"

args=(--members 300 --days 20 --communities 4 --tz Asia/Shanghai)
"$QUN" gen --seed 7 "${args[@]}" --out a.ndjson >/dev/null
"$QUN" gen --seed 7 "${args[@]}" --out b.ndjson >/dev/null
"$QUN" gen --seed 8 "${args[@]}" --out c.ndjson >/dev/null
check "same seed, same bytes" cmp -s a.ndjson b.ndjson
check "different seed, different bytes" bash -c '! cmp -s a.ndjson c.ndjson'
check "no temporary file left" [ ! -e a.ndjson.partial ]
"$QUN" gen --seed 7 "${args[@]}" --out - 2>/dev/null > stdout.ndjson
check "--out - writes the same bytes to stdout" cmp -s stdout.ndjson a.ndjson

"$QUN" gen --seed 7 "${args[@]}" --out d.ndjson --json > summary.json
check "--json events = lines" [ "$(json_get summary.json events)" = "$(wc -l < d.ndjson)" ]
check "--json members" [ "$(json_get summary.json members)" = 300 ]
check "--json communities" [ "$(json_get summary.json communities)" = 4 ]
check "--json member.joined" [ "$(json_get summary.json events_by_type/member.joined)" = 300 ]

check "time-ordered NDJSON with unique ids" python3 - a.ndjson <<'PY'
import json, sys
from datetime import datetime
prev, ids = None, set()
for line in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(line)
    assert all(k in e for k in ("id", "type", "ts", "platform", "community", "actor")), line
    assert e["id"] not in ids, line
    ids.add(e["id"])
    t = datetime.fromisoformat(e["ts"].replace("Z", "+00:00"))
    assert prev is None or prev <= t, line
    prev = t
PY

if "$QUN" import --help >/dev/null 2>&1; then
  "$QUN" import --data-dir store --json a.ndjson > imp.json
  check "import accepts every generated event" [ "$(json_get imp.json imported)" = "$(wc -l < a.ndjson)" ]
  check "import rejects none" [ "$(json_get imp.json rejected)" = 0 ]
fi

# A symlinked output is written through, never replaced by a rename.
: > target.ndjson
ln -s target.ndjson link.ndjson
"$QUN" gen --seed 7 "${args[@]}" --out link.ndjson >/dev/null
check "symlink kept" [ -L link.ndjson ]
check "symlink target written" cmp -s target.ndjson a.ndjson

corpus="${QUN_SOURCE_DIR:-.}/../shared/data/sentiment/waimai_10k.csv"
if [ -f "$corpus" ]; then
  "$QUN" gen --seed 7 "${args[@]}" --corpus "$corpus" --out e.ndjson >/dev/null
  check "--corpus changes the texts" bash -c '! cmp -s a.ndjson e.ndjson'
else
  echo "skip: shared data not found at $corpus"
fi

rc() { set +e; "$@" >/dev/null 2>&1; echo $?; set -e; }
check "--members 0 is a usage error" [ "$(rc "$QUN" gen --members 0 --out x)" = 2 ]
check "unknown --tz is invalid input" [ "$(rc "$QUN" gen --tz Mars/Base --out x)" = 3 ]
check "bad --content-mix is invalid input" [ "$(rc "$QUN" gen --content-mix 1:2 --out x)" = 3 ]
check "--json with --out - is invalid input" [ "$(rc "$QUN" gen --json --out -)" = 3 ]
printf 'label,review\nx,bad\n' > bad.csv
check "bad corpus is invalid input" [ "$(rc "$QUN" gen --corpus bad.csv --out x)" = 3 ]
check "bad corpus error names the line" bash -c '"$0" gen --corpus bad.csv --out x 2>&1 | grep -q "line 2"' "$QUN"
check "missing corpus is not found" [ "$(rc "$QUN" gen --corpus missing.csv --out x)" = 4 ]
check "failed runs leave no output" [ ! -e x ]
check "--help documents --members" bash -c '"$0" gen --help | grep -q -- --members' "$QUN"
finish

#!/usr/bin/env bash
# qun gen end to end: determinism, the --json summary, stdout output, the
# corpus option, error exit codes, and that a symlinked --out is written
# through rather than replaced.
set -euo pipefail
: "${QUN:?QUN must point at the qun binary}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail() { echo "FAIL: $*"; exit 1; }
ok() { pass=$((pass + 1)); }

args=(--members 300 --days 20 --communities 4 --tz Asia/Shanghai)
"$QUN" gen --seed 7 "${args[@]}" --out "$tmp/a.ndjson" >/dev/null
"$QUN" gen --seed 7 "${args[@]}" --out "$tmp/b.ndjson" >/dev/null
cmp -s "$tmp/a.ndjson" "$tmp/b.ndjson" || fail "same seed gave different bytes"; ok
"$QUN" gen --seed 8 "${args[@]}" --out "$tmp/c.ndjson" >/dev/null
! cmp -s "$tmp/a.ndjson" "$tmp/c.ndjson" || fail "different seeds gave the same bytes"; ok
[ ! -e "$tmp/a.ndjson.partial" ] || fail "temporary file left behind"; ok

"$QUN" gen --seed 7 "${args[@]}" --out - 2>/dev/null | cmp -s - "$tmp/a.ndjson" || fail "--out - differs from the file"; ok

summary=$("$QUN" gen --seed 7 "${args[@]}" --out "$tmp/d.ndjson" --json)
lines=$(wc -l < "$tmp/d.ndjson")
python3 - "$summary" "$lines" <<'PY' || fail "--json summary does not match the file"
import json, sys
s = json.loads(sys.argv[1]); n = int(sys.argv[2])
assert s["events"] == n, (s["events"], n)
assert sum(s["events_by_type"].values()) == n
assert s["members"] == 300 and s["communities"] == 4
assert s["events_by_type"]["member.joined"] == 300
PY
ok

# Every line is a JSON object with the envelope fields, in time order.
python3 - "$tmp/a.ndjson" <<'PY' || fail "output is not time-ordered canonical NDJSON"
import json, sys
from datetime import datetime
prev = None
ids = set()
for line in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(line)
    for k in ("id", "type", "ts", "platform", "community", "actor"):
        assert k in e, (k, line)
    assert e["id"] not in ids, line
    ids.add(e["id"])
    t = datetime.fromisoformat(e["ts"].replace("Z", "+00:00"))
    assert prev is None or prev <= t, line
    prev = t
PY
ok

# A symlinked output is written through, never replaced by a rename.
: > "$tmp/target.ndjson"
ln -s "$tmp/target.ndjson" "$tmp/link.ndjson"
"$QUN" gen --seed 7 "${args[@]}" --out "$tmp/link.ndjson" >/dev/null
[ -L "$tmp/link.ndjson" ] || fail "symlink replaced"
cmp -s "$tmp/target.ndjson" "$tmp/a.ndjson" || fail "symlink target not written"; ok

corpus="${QUN_SOURCE_DIR:-.}/../shared/data/sentiment/waimai_10k.csv"
if [ -f "$corpus" ]; then
  "$QUN" gen --seed 7 "${args[@]}" --corpus "$corpus" --out "$tmp/e.ndjson" >/dev/null
  ! cmp -s "$tmp/a.ndjson" "$tmp/e.ndjson" || fail "--corpus changed nothing"; ok
else
  echo "skip: shared data not found at $corpus"
fi

set +e
"$QUN" gen --seed 1 --members 0 --days 3 --out "$tmp/x" 2>/dev/null; rc=$?
[ $rc -eq 2 ] || fail "--members 0 should be a usage error (2), got $rc"; ok
"$QUN" gen --seed 1 --tz Mars/Base --out "$tmp/x" 2>/dev/null; rc=$?
[ $rc -eq 3 ] || fail "unknown --tz should be invalid input (3), got $rc"; ok
"$QUN" gen --seed 1 --content-mix 1:2 --out "$tmp/x" 2>/dev/null; rc=$?
[ $rc -eq 3 ] || fail "bad --content-mix should be invalid input (3), got $rc"; ok
printf 'label,review\nx,bad\n' > "$tmp/bad.csv"
err=$("$QUN" gen --seed 1 --corpus "$tmp/bad.csv" --out "$tmp/x" 2>&1 >/dev/null); rc=$?
[ $rc -eq 3 ] && [[ "$err" == *"line 2"* ]] || fail "bad corpus: rc=$rc err=$err"; ok
"$QUN" gen --seed 1 --corpus "$tmp/missing.csv" --out "$tmp/x" 2>/dev/null; rc=$?
[ $rc -eq 4 ] || fail "missing corpus should be not found (4), got $rc"; ok
[ ! -e "$tmp/x" ] || fail "failed runs must not leave output"; ok
set -e

"$QUN" gen --help | grep -q -- "--members" || fail "--help lacks --members"; ok
echo "$pass passed, 0 failed"

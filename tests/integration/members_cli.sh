#!/usr/bin/env bash
# qun members / health / report end to end on the golden profile events:
# filters, tags, segments, the health contract (10 indicators) and the three
# report formats.
set -euo pipefail
QUN=${QUN:?path to the qun binary}
SRC=${QUN_SOURCE_DIR:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# The events of tests/golden/members/profiles.test (first case).
awk '/^=== profiles/{on=1; next} on && /^----/{exit} on && /^\{/{print}' \
  "$SRC/tests/golden/members/profiles.test" > "$tmp/events.ndjson"
[ "$(wc -l < "$tmp/events.ndjson")" -eq 29 ] || fail "expected 29 events"
"$QUN" import --data-dir "$tmp/d" "$tmp/events.ndjson" > /dev/null

# list with filters (as of the last event day, 2026-01-30)
out=$("$QUN" members list --data-dir "$tmp/d" --as-of 2026-01-31 --stage active --json)
python3 - "$out" <<'PY' || fail "members list --stage active"
import json, sys
j = json.loads(sys.argv[1])
names = sorted(a for m in j["members"] for a in m["accounts"])
assert names == ["custom:a", "custom:b"], names
assert all(m["stage"] == "active" and m["level"] == 3 for m in j["members"])
PY
n=$("$QUN" members list --data-dir "$tmp/d" --as-of 2026-01-31 --level L2+ --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
[ "$n" -eq 7 ] || fail "level L2+ gives $n, want 7"

# manual tags and segments
"$QUN" members tag --data-dir "$tmp/d" custom:c vip "early bird" > /dev/null
out=$("$QUN" members list --data-dir "$tmp/d" --as-of 2026-01-31 --tag vip --json)
echo "$out" | python3 -c 'import json,sys; j=json.load(sys.stdin); assert [m["accounts"] for m in j["members"]]==[["custom:c"]], j' \
  || fail "tag filter"
"$QUN" members segments create --data-dir "$tmp/d" keep 'stage=newcomer and tag:vip' > /dev/null
"$QUN" members segments create --data-dir "$tmp/d" keep 'stage=active' 2>/dev/null && fail "duplicate segment accepted"
"$QUN" members segments create --data-dir "$tmp/d" bad 'stage=sleepy' 2>"$tmp/err" && fail "bad filter accepted"
grep -q "unknown stage 'sleepy'" "$tmp/err" || fail "bad filter message: $(cat "$tmp/err")"
n=$("$QUN" members list --data-dir "$tmp/d" --as-of 2026-01-31 --segment keep --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
[ "$n" -eq 1 ] || fail "segment keep gives $n"
"$QUN" members segments list --data-dir "$tmp/d" --as-of 2026-01-31 --json | grep -q '"members":1' || fail "segments list"
"$QUN" members untag --data-dir "$tmp/d" custom:c vip > /dev/null
n=$("$QUN" members list --data-dir "$tmp/d" --as-of 2026-01-31 --segment keep --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
[ "$n" -eq 0 ] || fail "after untag segment keep gives $n"
"$QUN" members segments delete --data-dir "$tmp/d" keep > /dev/null
"$QUN" members show --data-dir "$tmp/d" custom:a --as-of 2026-01-31 --json | python3 -c '
import json,sys; p=json.load(sys.stdin)["profile"]
assert p["contribution"]==30 and p["stage"]=="active" and p["rfm"]["tier_slug"]=="potential_loyalist", p' || fail "show profile"
"$QUN" members overview --data-dir "$tmp/d" --as-of 2026-01-31 --json | python3 -c '
import json,sys; j=json.load(sys.stdin)
assert j["stages"]=={"newcomer":1,"active":2,"silent":1,"churn-risk":1,"churned":2,"resurrected":1}, j["stages"]
assert j["contribution"]["top20_share"]==0.78, j["contribution"]' || fail "overview"

# health contract
for lang in en zh; do
  "$QUN" health --data-dir "$tmp/d" --lang $lang --json | python3 -c '
import json,sys; j=json.load(sys.stdin)
assert 0 <= j["score"] <= 100 and j["grade"] in "ABCDE"
assert len(j["indicators"]) == 10
assert abs(sum(i["score"] for i in j["indicators"]) - j["score"]) < 0.05
for i in j["indicators"]:
  assert set(["name","score","value","suggestion"]) <= set(i)
  assert (i["suggestion"] is not None) == i["weak"]' || fail "health --json ($lang)"
done
"$QUN" health --data-dir "$tmp/d" --community nope --json 2>/dev/null && fail "unknown community accepted"

# report formats
"$QUN" report --data-dir "$tmp/d" --format html --lang zh --out "$tmp/r.html" 2>/dev/null
grep -q '<svg' "$tmp/r.html" || fail "html has no svg"
grep -q '2026-W04' "$tmp/r.html" || fail "default week should be 2026-W04"
grep -Eq '(src|href)="https?:' "$tmp/r.html" && fail "html references external assets"
"$QUN" report --data-dir "$tmp/d" --format md --lang en --week 2026-W05 --out "$tmp/r.md" 2>/dev/null
grep -q '^# Weekly community health report · 2026-W05' "$tmp/r.md" || fail "md title"
"$QUN" report --data-dir "$tmp/d" --format json --lang en --out "$tmp/r.json" 2>/dev/null
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["week"]=="2026-W04" and len(j["health"]["indicators"])==10' "$tmp/r.json" \
  || fail "report json"
echo "ok"

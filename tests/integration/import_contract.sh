#!/usr/bin/env bash
# The Foundation contract of qun import / qun stats, on the real binary.
source "$(dirname "$0")/lib.bash"

canonical_events 1000 a > a.ndjson
"$QUN" import --data-dir d --json a.ndjson > out.json
check "import reports imported=1000" [ "$(json_get out.json imported)" = 1000 ]
check "import reports duplicates=0" [ "$(json_get out.json duplicates)" = 0 ]
check "import reports rejected=0" [ "$(json_get out.json rejected)" = 0 ]
"$QUN" stats --data-dir d --json > s.json
check "stats events" [ "$(json_get s.json events)" = 1000 ]
check "stats accounts" [ "$(json_get s.json accounts)" = 997 ]
check "stats members" [ "$(json_get s.json members)" = 997 ]
check "stats communities" [ "$(json_get s.json communities)" = 7 ]
check "stats by_type" [ "$(json_get s.json by_type/message.posted)" = 1000 ]

# Re-import changes nothing.
cp d/qun.db before.db
"$QUN" import --data-dir d --json a.ndjson > out2.json
check "re-import imports nothing" [ "$(json_get out2.json imported)" = 0 ]
check "re-import counts duplicates" [ "$(json_get out2.json duplicates)" = 1000 ]
"$QUN" stats --data-dir d --json > s2.json
check "re-import leaves events" [ "$(json_get s2.json events)" = 1000 ]

# stdin works and CSV imports the same rows.
canonical_events 10 s | "$QUN" import --data-dir d --json - > out3.json
check "stdin import" [ "$(json_get out3.json imported)" = 10 ]
printf 'id,type,ts,platform,community,actor,text\nc1,checkin,1767225600000,slack,C1,U1,\nc2,message.posted,2026-01-01T00:00:00Z,slack,C1,U2,"multi\nline, ""quoted"""\n' > c.csv
"$QUN" import --data-dir d --format csv --json c.csv > out4.json
check "csv import" [ "$(json_get out4.json imported)" = 2 ]

# Invalid input: non-zero exit, file:line and reason on stderr, nothing stored.
bad_case() {  # bad_case NAME LINE-CONTENT EXPECTED-STDERR-FRAGMENT
  local name="$1" content="$2" want="$3"
  { canonical_events 5 "$name-"; printf '%s\n' "$content"; canonical_events 5 "$name-after-"; } > "$name.ndjson"
  local before; before=$("$QUN" stats --data-dir d --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"])')
  if "$QUN" import --data-dir d "$name.ndjson" 2> err.txt >/dev/null; then fail "$name: exit status should be non-zero"; return; fi
  local after; after=$("$QUN" stats --data-dir d --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"])')
  check "$name: nothing stored" [ "$before" = "$after" ]
  if grep -qF "$name.ndjson:6" err.txt && grep -qF "$want" err.txt; then pass "$name: precise error"; else
    fail "$name: precise error (got: $(cat err.txt))"; fi
}
bad_case malformed '{"id":"x","type":"checkin",' "invalid JSON"
bad_case wrongtype '{"id":"x","type":"checkin","ts":"2026-01-01T00:00:00Z","platform":"wecom","community":["g"],"actor":"a"}' "field 'community': expected a string"
bad_case badutf8 "$(printf '{"id":"x\xc3\x28","type":"checkin"}')" "invalid UTF-8 at byte 8"
bad_case absurdts '{"id":"x","type":"checkin","ts":"1970-01-01T00:00:00Z","platform":"wecom","community":"g","actor":"a"}' "outside the accepted range"
bad_case seconds '{"id":"x","type":"checkin","ts":1767225600,"platform":"wecom","community":"g","actor":"a"}' "epoch seconds instead of milliseconds"
big=$(head -c 10485760 /dev/zero | tr '\0' 'x')
bad_case hugefield "{\"id\":\"x\",\"type\":\"message.posted\",\"ts\":1767225600000,\"platform\":\"wecom\",\"community\":\"g\",\"actor\":\"a\",\"text\":\"$big\"}" "longer than the limit"
unset big

# --skip-invalid imports the rest and writes the rejects.
"$QUN" import --data-dir d --skip-invalid --rejects rej.ndjson --json malformed.ndjson > out5.json
check "skip-invalid imports valid records" [ "$(json_get out5.json imported)" = 10 ]
check "skip-invalid counts rejects" [ "$(json_get out5.json rejected)" = 1 ]
check "rejects file names the line" grep -q '"where":"malformed.ndjson:6"' rej.ndjson

# Unknown format and missing files are usage errors with a clear message.
if "$QUN" import --data-dir d --format nope a.ndjson 2> err.txt; then fail "unknown format accepted"; else
  check "unknown format message" grep -q "unknown (known: auto" err.txt; fi
if "$QUN" import --data-dir d missing.ndjson 2> err.txt; then fail "missing file accepted"; else
  check "missing file message" grep -q "missing.ndjson" err.txt; fi
finish

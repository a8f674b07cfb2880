#!/usr/bin/env bash
# `qun moderate` contract and the review queue flow, on the real binary.
set -euo pipefail
: "${QUN:?path to the qun binary}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
pass=0; fail=0
check() {  # check NAME EXPECTED ACTUAL
  if [ "$2" == "$3" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL $1"; echo "  want: $2"; echo "  got:  $3"; fi
}
printf '微信\tads\nsex\n' > "$work/lex.txt"
mkdir "$work/lexdir"; printf '法轮功\n' > "$work/lexdir/politics.txt"; printf 'x\ty\tz\tw\n' > "$work/lexdir/README"
printf '加我微 信\n{"text":"Essex and ｓｅｘ"}\nhello\n法輪功\n' > "$work/in.txt"
out="$("$QUN" moderate --lexicon "$work/lex.txt" --lexicon "$work/lexdir" --json "$work/in.txt" 2>/dev/null)"
check "line 1" '{"verdict":"flag","matches":[{"word":"微信","category":"ads","start":6,"end":13}],"masked":"加我* *"}' "$(sed -n 1p <<<"$out")"
check "line 2" '{"verdict":"flag","matches":[{"word":"sex","category":"lex","start":10,"end":19}],"masked":"Essex and ***"}' "$(sed -n 2p <<<"$out")"
check "line 3" '{"verdict":"allow","matches":[],"masked":"hello"}' "$(sed -n 3p <<<"$out")"
check "line 4" '{"verdict":"flag","matches":[{"word":"法轮功","category":"politics","start":0,"end":9}],"masked":"***"}' "$(sed -n 4p <<<"$out")"
check "stdin" "$out" "$("$QUN" moderate --lexicon "$work/lex.txt" --lexicon "$work/lexdir" --json < "$work/in.txt" 2>/dev/null)"

# Errors: missing lexicon -> 4, bad policy -> 3, with a message.
set +e
"$QUN" moderate --lexicon "$work/nope" --json "$work/in.txt" 2>/dev/null; check "missing lexicon exit" 4 $?
printf '{"rules":[{"action":"ban"}]}' > "$work/bad.json"
err="$("$QUN" moderate --lexicon "$work/lex.txt" --policy "$work/bad.json" --json "$work/in.txt" 2>&1 >/dev/null)"; rc=$?
set -e
check "bad policy exit" 3 "$rc"
check "bad policy message" 1 "$(grep -c "rules\[0\].action: unknown action 'ban'" <<<"$err")"

# Review queue: enqueue, list, decide, stats.
"$QUN" moderate --lexicon "$work/lex.txt" --queue --data-dir "$work/data" "$work/in.txt" >/dev/null 2>&1
check "db file" yes "$([ -f "$work/data/moderation.db" ] && echo yes)"
n="$("$QUN" review list --data-dir "$work/data" --json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')"
check "pending items" 2 "$n"
id="$("$QUN" review list --data-dir "$work/data" --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')"
"$QUN" review decide "$id" overturn --reviewer alice --note "fine" --data-dir "$work/data" --json >/dev/null
stats="$("$QUN" review stats --data-dir "$work/data" --json)"
check "fp rate" '{"rules":[{"rule":"lexicon:ads","pending":1,"confirmed":0,"overturned":0,"false_positive_rate":null},{"rule":"lexicon:lex","pending":0,"confirmed":0,"overturned":1,"false_positive_rate":1.0000}]}' "$stats"
set +e
"$QUN" review decide 999 confirm --reviewer a --data-dir "$work/data" >/dev/null 2>&1; check "unknown item exit" 4 $?
set -e
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

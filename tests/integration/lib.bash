# Helpers for integration tests: the real qun binary ($QUN) in a temp dir.
set -euo pipefail
: "${QUN:?QUN must point at the qun binary}"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); echo "ok   $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $*"; }
check() {  # check "description" command...
  local what="$1"; shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
json_get() {  # json_get FILE KEY[/KEY…] -> the value at that path
  python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("/"): v=v[k]
print(v)' "$1" "$2"
}
finish() {
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}
# canonical_events N PREFIX: N valid message events, one per line.
canonical_events() {
  awk -v n="$1" -v p="$2" 'BEGIN { for (i = 0; i < n; i++)
    printf "{\"id\":\"%s%d\",\"type\":\"message.posted\",\"ts\":\"2026-01-%02dT%02d:%02d:%02dZ\",\"platform\":\"wecom\",\"community\":\"g%d\",\"actor\":\"wm%d\",\"message_id\":\"m%d\",\"text\":\"hello %d\"}\n", p, i, 1 + int(i / 86400), int(i / 3600) % 24, int(i / 60) % 60, i % 60, i % 7, i % 997, i, i }'
}

#!/usr/bin/env bash
# Dashboard end to end: the real binary on a loopback port, Debian's Chromium
# driven by playwright-core (web/e2e/dashboard.e2e.mjs). Screenshots go to
# $QUN_BUILD_DIR/e2e-screenshots. Skips (exit 0, with a message) when
# Chromium, node or web/node_modules is missing, or the binary was built
# without the dashboard — unless the environment sets CI, where a missing
# piece fails the test instead.
set -euo pipefail
: "${QUN:?}" "${QUN_SOURCE_DIR:?}"
OUT="${QUN_BUILD_DIR:-$PWD}/e2e-screenshots"
skip() {
  if [ -n "${CI:-}" ]; then echo "FAIL (CI is set, so no skipping): $*"; exit 1; fi
  echo "SKIP: $*"; exit 0
}
[ -x /usr/bin/chromium ] || skip "/usr/bin/chromium missing (scripts/install-deps installs it)"
command -v node >/dev/null || skip "node missing"
[ -d "$QUN_SOURCE_DIR/web/node_modules/playwright-core" ] || skip "web/node_modules missing (scripts/install-deps runs npm ci)"
WORK="$(mktemp -d)"
PID=""
trap '[ -n "$PID" ] && kill -TERM $PID 2>/dev/null && wait $PID; rm -rf "$WORK"' EXIT
python3 "$QUN_SOURCE_DIR/tests/integration/lib/gen_events.py" 6000 --seed 5 --members 400 --communities 4 --days 84 > "$WORK/ev.ndjson"
# Moderation on before the import, with a tiny lexicon the generated messages
# hit ("大家好" → 大家, multi-byte; "how do I configure this?" → configure), so
# the review queue has items for the moderation page.
printf '大家\tads\nconfigure\tspam\n' > "$WORK/e2e-lexicon.txt"
"$QUN" moderation enable --data-dir "$WORK/data" --lexicon "$WORK/e2e-lexicon.txt" >/dev/null
"$QUN" import --data-dir "$WORK/data" "$WORK/ev.ndjson" >/dev/null
# Operator: the run edits tags and segments and decides a review item; VIEWER
# and ANALYST check what those roles see.
TOKEN="$("$QUN" token create --data-dir "$WORK/data" --role operator --name e2e 2>/dev/null)"
VIEWER="$("$QUN" token create --data-dir "$WORK/data" --role viewer --name e2e-viewer 2>/dev/null)"
ANALYST="$("$QUN" token create --data-dir "$WORK/data" --role analyst --name e2e-analyst 2>/dev/null)"
"$QUN" serve --data-dir "$WORK/data" --listen 127.0.0.1:0 --quiet --rate 0 > "$WORK/out" 2> "$WORK/err" &
PID=$!
for _ in $(seq 1 300); do grep -q "listening on" "$WORK/out" 2>/dev/null && break; sleep 0.1; done
BASE="$(grep -o 'http://[^ ]*' "$WORK/out" | head -1)"
[ -n "$BASE" ] || { cat "$WORK/err"; echo "FAIL: server did not start"; exit 1; }
curl -s "$BASE" | grep -q 'assets/index' || skip "this binary was built without the dashboard (web/node_modules was missing at build time)"
cd "$QUN_SOURCE_DIR/web"
BASE="$BASE" TOKEN="$TOKEN" VIEWER="$VIEWER" ANALYST="$ANALYST" OUT="$OUT" node e2e/dashboard.e2e.mjs

# Shared harness of the HTTP integration tests (server_api.sh,
# moderation_api.sh): source it after `set -euo pipefail` and with $QUN set.
# Gives WORK (removed on exit, with the server stopped), PASSES/FAILS with
# ok/fail/expect_eq, start_server, and code (one request, body in $WORK/body).
for tool in curl jq python3; do
  command -v $tool >/dev/null || { echo "SKIP: $tool not installed (scripts/install-deps)"; exit 0; }
done
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
FAILS=0
PASSES=0
ok() { PASSES=$((PASSES + 1)); }
fail() { echo "FAIL: $*"; [ -f "$WORK/body" ] && echo "  last body: $(head -c 400 "$WORK/body")"; FAILS=$((FAILS + 1)); }
expect_eq() { if [ "$1" == "$2" ]; then ok; else fail "$3: expected '$2', got '$1'"; fi; }

# start_server DATA_DIR [qun serve flags…]: starts it on a free loopback port,
# waits until it listens, sets SERVER_PID and BASE (no trailing slash).
start_server() {
  local dir="$1"
  shift
  rm -f "$WORK/serve.out"  # else the wait below could read the previous run's URL
  "$QUN" serve --data-dir "$dir" --listen 127.0.0.1:0 "$@" > "$WORK/serve.out" 2> "$WORK/serve.err" &
  SERVER_PID=$!
  for _ in $(seq 1 300); do
    if grep -q "listening on" "$WORK/serve.out" 2>/dev/null; then break; fi
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.err"; echo "FAIL: server died"; exit 1; }
    sleep 0.1
  done
  BASE="$(grep -o 'http://[^ ]*' "$WORK/serve.out" | head -1)"
  BASE="${BASE%/}"
}

# code METHOD PATH TOKEN [curl args…] -> prints the HTTP status, body in $WORK/body
code() {
  local m="$1" p="$2" t="$3"
  shift 3
  local auth=()
  [ -n "$t" ] && auth=(-H "Authorization: Bearer $t")
  curl -s -o "$WORK/body" -w '%{http_code}' -X "$m" "${auth[@]}" "$@" "$BASE$p"
}

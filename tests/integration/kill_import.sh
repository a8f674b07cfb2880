#!/usr/bin/env bash
# SIGKILL `qun import` at random moments, repeatedly: the store must always
# open, hold only whole committed batches, and a re-run must complete the
# import with every event exactly once.
source "$(dirname "$0")/lib.bash"

N=200000
BATCH=2000
canonical_events $N k > big.ndjson
ROUNDS=${QUN_KILL_ROUNDS:-8}
MID=0
for round in $(seq 1 "$ROUNDS"); do
  "$QUN" import --data-dir d --batch-size $BATCH --skip-invalid big.ndjson >/dev/null 2>&1 &
  pid=$!
  # Random moments across the import's life (open, validate, mid-batch, commit).
  sleep "$(( RANDOM % 3 )).$(( RANDOM % 10 ))"
  kill -9 $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
  if ! "$QUN" stats --data-dir d --json > s.json 2> err.txt; then
    # The kill can land before the store was created at all.
    if [ ! -f d/qun.db ]; then pass "round $round: killed before the store existed"; continue; fi
    fail "round $round: store unreadable after SIGKILL: $(cat err.txt)"; continue
  fi
  events=$(json_get s.json events)
  check "round $round: only whole batches ($events events)" [ $((events % BATCH)) -eq 0 ]
  if [ "$events" -gt 0 ] && [ "$events" -lt $N ]; then MID=$((MID + 1)); fi
done
check "at least one kill landed mid-import with committed batches ($MID)" [ "$MID" -gt 0 ]
"$QUN" import --data-dir d --batch-size $BATCH --json big.ndjson > out.json
"$QUN" stats --data-dir d --json > s.json
check "re-run completes the import" [ "$(json_get s.json events)" = $N ]
imported=$(json_get out.json imported); dups=$(json_get out.json duplicates)
check "re-run imports exactly the missing events" [ $((imported + dups)) -eq $N ]
finish

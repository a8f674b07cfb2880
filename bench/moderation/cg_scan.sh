#!/usr/bin/env bash
# Load-independent proxy for the raw scan (docs/moderation.md, "Issue 6, fourth
# attempt"): one ScanUtf8 of the macro benchmark's corpus under cachegrind,
# summing the scan's own functions (ScanOnce and whatever it calls out of
# line: the UTF-8 check, StepCell/StepSlow when not inlined); the build of the
# automaton is excluded.
# Usage: bench/moderation/cg_scan.sh [BINARY] [DIR]
#   BINARY  default build/release/bench/moderation_benchmark
#   DIR     words.txt + corpus.txt written by `BINARY --macro DIR` (created
#           here when missing; needs ../shared/data)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="${1:-$ROOT/build/release/bench/moderation_benchmark}"
DIR="${2:-/tmp/qun-moderation-mm}"
export QUN_SHARED_DATA="${QUN_SHARED_DATA:-$ROOT/../shared/data}"
if [ ! -f "$DIR/corpus.txt" ]; then
  if [ ! -d "$QUN_SHARED_DATA/lexicon" ]; then echo "SKIP: $QUN_SHARED_DATA/lexicon not found"; exit 0; fi
  mkdir -p "$DIR"
  "$BIN" --macro "$DIR" >/dev/null
fi
OUT="$(mktemp)"
trap 'rm -f "$OUT"' EXIT
valgrind --tool=cachegrind --cache-sim=yes --branch-sim=yes --LL=2097152,16,64 \
  --cachegrind-out-file="$OUT" "$BIN" --scan-once "$DIR" 2>/dev/null
# Columns: Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw Bc Bcm Bi Bim.
cg_annotate "$OUT" | grep -E 'ScanOnce\(|Automaton::Step|validate_utf8' | grep -v ScanOnceMain |
  awk '{ for (i = 1; i <= NF; ++i) gsub(",", "", $i)
         # fields: value (pct) pairs; pick Ir, D1mr, DLmr, Bcm by position
         n = 0; for (i = 1; i <= NF && n < 13; ++i) if ($i ~ /^[0-9]+$/) v[++n] = $i
         ir += v[1]; d1 += v[5] + v[8]; ll += v[6] + v[9]; bcm += v[11] + v[13] }
       END { printf "scan: %.1f M instructions, %.2f M D1 misses, %.0f k LL misses, %.0f k mispredicts\n", ir/1e6, d1/1e6, ll/1e3, bcm/1e3 }'

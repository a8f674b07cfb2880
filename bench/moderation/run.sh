#!/usr/bin/env bash
# Moderation macro benchmark (docs/moderation.md#benchmarks): in one run, on
# the real lexicon (../shared/data/lexicon, all files) and the same text
# (waimai reviews + #ubuntu IRC + generated group chat):
#   qun raw matching vs Vectorscan literal mode vs pyahocorasick (MB/s, ratios),
#   qun with full normalization (MB/s, p50/p99 per 200-character message),
#   automaton build time and memory.
# Throughput is MB of UTF-8 input per CPU second of the scanning thread (the
# machine is shared); latency is wall time per call.
# QUN_BENCH_QUICK=1: about 1 MB of text and two repetitions (a smoke test).
# BUILD_DIR (default build/release): where moderation_benchmark is (re)built.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build/release}"
export QUN_SHARED_DATA="${QUN_SHARED_DATA:-$ROOT/../shared/data}"
if [ ! -d "$QUN_SHARED_DATA/lexicon" ]; then
  echo "SKIP: $QUN_SHARED_DATA/lexicon not found"; exit 0
fi
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DQUN_SANITIZE=OFF >/dev/null
fi
cmake --build "$BUILD_DIR" --target moderation_benchmark -j2 >/dev/null
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
PYREPS=3; [ "${QUN_BENCH_QUICK:-0}" = "1" ] && PYREPS=2  # pyahocorasick is slow; qun and Vectorscan alternate 7 rounds

"$BUILD_DIR/bench/moderation_benchmark" --macro "$WORK" | tee "$WORK/qun.out"
PY=/usr/bin/python3; command -v "$PY" >/dev/null || PY=python3
if "$PY" -c "import ahocorasick" 2>/dev/null; then
  "$PY" "$ROOT/bench/moderation/pyahocorasick_baseline.py" "$WORK/words.txt" "$WORK/corpus.txt" "$PYREPS" | tee "$WORK/py.out"
else
  echo "pyahocorasick_mbps n/a (python3-ahocorasick not installed)" | tee "$WORK/py.out"
fi

get() { awk -v k="$1" '$1==k {print $2}' "$WORK/qun.out" "$WORK/py.out" | head -1; }
qun=$(get qun_raw_mbps); hs=$(get vectorscan_mbps); py=$(get pyahocorasick_mbps)
echo "---"
printf "raw matching      qun %8s MB/s   vectorscan %8s MB/s   pyahocorasick %8s MB/s\n" "$qun" "${hs:-n/a}" "${py:-n/a}"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b+0 > 0 && a+0 > 0) printf "%.2fx", a/b; else print "n/a" }'; }
echo "qun / vectorscan:    $(ratio "$qun" "${hs:-0}") of the medians; per alternating round: median $(get qun_vectorscan_ratio_median)x, range $(get qun_vectorscan_ratio_min)-$(get qun_vectorscan_ratio_max)x   (goal >= 1x)"
echo "qun / pyahocorasick: $(ratio "$qun" "${py:-0}")   (goal >= 20x)"
echo "full normalization: $(get qun_norm_mbps) MB/s, p50 $(get qun_norm_p50_us) us, p99 $(get qun_norm_p99_us) us per 200-char message (goal p99 <= 50 us)"
echo "automaton: $(get qun_raw_states) states ($(get qun_raw_dense_states) with dense rows), $(get qun_raw_memory_mb) MB, built in $(get qun_raw_build_s) s; vectorscan $(get vectorscan_memory_mb) MB in $(get vectorscan_build_s) s"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "matches: qun_raw $(get qun_raw_matches), vectorscan $(get vectorscan_matches), pyahocorasick $(get pyahocorasick_matches) (raw counts must agree)"

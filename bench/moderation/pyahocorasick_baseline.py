#!/usr/bin/env python3
"""pyahocorasick baseline for bench/moderation/run.sh: the same words and the
same text as the qun and Vectorscan runs; prints build time, matches, MB/s."""
import sys
import time

import ahocorasick


def main():
    words_path, corpus_path, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(words_path, encoding="utf-8") as f:
        words = [w for w in f.read().split("\n") if w]
    with open(corpus_path, "rb") as f:
        raw = f.read()
    text = raw.decode("utf-8", errors="replace")
    t0 = time.perf_counter()
    a = ahocorasick.Automaton()
    for i, w in enumerate(words):
        a.add_word(w, i)
    a.make_automaton()
    t1 = time.perf_counter()
    best = []
    n = 0
    for _ in range(reps):
        s = time.thread_time()  # CPU seconds, like the C++ side
        n = 0
        for _ in a.iter(text):
            n += 1
        best.append(len(raw) / 1e6 / (time.thread_time() - s))
    best.sort()
    print("pyahocorasick_build_s %.3f" % (t1 - t0))
    print("pyahocorasick_matches %d" % n)
    print("pyahocorasick_mbps %.1f" % best[len(best) // 2])


if __name__ == "__main__":
    main()

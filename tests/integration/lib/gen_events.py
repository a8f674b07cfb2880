#!/usr/bin/env python3
"""Deterministic canonical NDJSON for server tests and benchmarks.

usage: gen_events.py N_EVENTS [--seed S] [--members M] [--communities C] [--days D] [--prefix P]
Members post, reply, react, check in, join and leave across C telegram
groups over D days starting 2026-01-05 (a Monday), UTC.
"""
import argparse
import json
import random
import sys

ap = argparse.ArgumentParser()
ap.add_argument("n", type=int)
ap.add_argument("--seed", type=int, default=7)
ap.add_argument("--members", type=int, default=200)
ap.add_argument("--communities", type=int, default=3)
ap.add_argument("--days", type=int, default=60)
ap.add_argument("--prefix", default="e")
a = ap.parse_args()
rng = random.Random(a.seed)
START = 1767571200000  # 2026-01-05T00:00:00Z
out = sys.stdout
posted = []
for i in range(a.n):
    ts = START + rng.randrange(a.days * 86400) * 1000
    m = rng.randrange(a.members)
    c = f"g{rng.randrange(a.communities)}"
    ev = {"id": f"{a.prefix}{i}", "ts": ts, "platform": "telegram", "community": c, "actor": f"u{m}"}
    r = rng.random()
    if r < 0.05:
        ev["type"] = "member.joined"
    elif r < 0.07:
        ev["type"] = "member.left"
        ev["reason"] = "left"
    elif r < 0.12:
        ev["type"] = "checkin"
    elif r < 0.20 and posted:
        ev["type"] = "reaction.added"
        pc, pm = rng.choice(posted)
        ev["community"], ev["message_id"], ev["emoji"] = pc, pm, "👍"
    elif r < 0.24:
        ev["type"] = "profile.updated"
        ev["attributes"] = {"name": f"Member {m}", "region": rng.choice(["north", "south", "east"])}
    else:
        ev["type"] = "message.posted"
        ev["message_id"] = f"msg{i}"
        ev["text"] = rng.choice(["hello", "大家好", "how do I configure this?", "thanks!", "see the docs"])
        if posted and rng.random() < 0.3:
            pc, pm = rng.choice(posted)
            ev["community"], ev["reply_to"] = pc, pm
        posted.append((ev["community"], ev["message_id"]))
    out.write(json.dumps(ev, ensure_ascii=False) + "\n")

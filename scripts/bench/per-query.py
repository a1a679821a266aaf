#!/usr/bin/env python3
"""Each path of a mix timed on two (or more) servers already running on loopback, one
request at a time (the best of two tries), with the answers compared: the spread of
latencies per server and the slowest paths, to see which queries a change helps.

    python3 scripts/bench/per-query.py PATHS_FILE PORT_A PORT_B [...]

PATHS_FILE comes from scripts/bench/paths.py. Only 127.0.0.1 is asked; it stops after
the last path.
"""
import json
import sys
import time
import urllib.request


def timed(port, path):
    best, body = None, None
    for _ in range(2):
        start = time.perf_counter()
        body = urllib.request.urlopen("http://127.0.0.1:%s%s" % (port, path)).read()
        took = time.perf_counter() - start
        best = took if best is None else min(best, took)
    return best * 1000, json.loads(body)


def answer(doc):
    # What a server found, without what differs between builds (the data version).
    return doc.get("results", doc.get("features", doc)) if isinstance(doc, dict) else doc


def main():
    paths = [l.strip() for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
    ports = sys.argv[2:]
    rows, differing = [], 0
    for path in paths:
        runs = [timed(port, path) for port in ports]
        differing += any(answer(r[1]) != answer(runs[0][1]) for r in runs[1:])
        rows.append((path, [r[0] for r in runs]))
    for i, port in enumerate(ports):
        ms = sorted(r[1][i] for r in rows)
        pick = lambda q: ms[min(len(ms) - 1, int(len(ms) * q))]
        print("port %s: %d paths, total %.0f ms, p50 %.2f p90 %.2f p99 %.2f max %.2f ms"
              % (port, len(ms), sum(ms), pick(0.5), pick(0.9), pick(0.99), ms[-1]))
    print("paths whose answers differ between the servers: %d" % differing)
    print("slowest on the first server (ms on each):")
    for path, ms in sorted(rows, key=lambda r: -r[1][0])[:12]:
        print("  " + " ".join("%.1f" % m for m in ms) + "  " + path)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The table of scripts/bench/peers.sh: wrk outputs per row and server into one markdown
table, every throughput also as a ratio to a figure of the same run (vetmap's own /health
for cached tiles, the peer for the rest), with the issue's targets and whether they were met.

usage: peers_report.py RESULTS_TSV --command CMD --n N --duration S --connections C --seconds S
"""
import argparse
import os
import platform
import re
import subprocess

# row -> (what, peer, target text, check(vetmap, peer, health) -> bool or None)
ROWS = [
    ("tiles_identity", "cached z14 tile, no compression", "Martin 1.14 (cache on)",
     ">= 90% of vetmap's /health", lambda v, p, h: v["rps"] >= 0.9 * h["rps"] if h else None),
    ("tiles_gzip", "cached z14 tile, gzip", "Martin 1.14 (cache on)",
     ">= 90% of vetmap's /health", lambda v, p, h: v["rps"] >= 0.9 * h["rps"] if h else None),
    ("tiles_br", "cached z14 tile, brotli", "Martin 1.14 (cache on)",
     ">= 90% of vetmap's /health", lambda v, p, h: v["rps"] >= 0.9 * h["rps"] if h else None),
    ("tiles_uncached", "uncached z14 tile (distinct tiles, each once)", "Martin 1.14 (cache off)",
     ">= 5x Martin", lambda v, p, h: v["rps"] >= 5 * p["rps"] if p else None),
    ("items_bbox", "items, bbox 0.1 deg, limit=100", "pygeoapi 0.21 (PostgreSQL)",
     ">= 2,000 req/s", lambda v, p, h: v["rps"] >= 2000),
    ("items_region", "items, bbox 1.1 deg, limit=100", "pygeoapi 0.21 (PostgreSQL)",
     ">= 1,000 req/s", lambda v, p, h: v["rps"] >= 1000),
    ("nearby", "nearby, 10 nearest", "-", "p99 < 5 ms", lambda v, p, h: v["p99"] < 5.0),
    ("search", "search", "-", ">= 1,000 req/s, p99 < 20 ms",
     lambda v, p, h: v["rps"] >= 1000 and v["p99"] < 20.0),
    ("search_map", "search as the map sends it (a point, limit=30)", "-", ">= 1,000 req/s, p99 < 20 ms",
     lambda v, p, h: v["rps"] >= 1000 and v["p99"] < 20.0),
    ("health", "vetmap /health (the reference)", "-", "-", lambda v, p, h: None),
    ("health_after", "vetmap /health after the rows", "-", "-", lambda v, p, h: None),
]


def ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse(path):
    if path == "-" or not os.path.exists(path):
        return None
    text = open(path, encoding="utf-8", errors="replace").read()
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if not m:
        return {"error": text.strip().splitlines()[-1] if text.strip() else "no output"}
    out = {"rps": float(m.group(1)), "requests": 0, "errors": 0}
    for pct, key in (("50", "p50"), ("99", "p99")):
        m2 = re.search(r"^\s+%s(?:\.000)?%%\s+([\d.]+)(us|ms|s|m)\s*$" % pct, text, re.M)
        out[key] = ms(*m2.groups()) if m2 else float("nan")
    m3 = re.search(r"(\d+) requests in", text)
    out["requests"] = int(m3.group(1)) if m3 else 0
    m4 = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    out["errors"] = int(m4.group(1)) if m4 else 0
    m5 = re.search(r"Socket errors: (.*)", text)
    out["socket"] = m5.group(1) if m5 else ""
    return out


def cell(r):
    if r is None:
        return "not measured"
    if "error" in r:
        return "failed: %s" % r["error"]
    s = "%s req/s, p50 %.2f ms, p99 %.2f ms" % (f"{r['rps']:,.0f}", r["p50"], r["p99"])
    if r["errors"]:
        s += f" (**{r['errors']:,} non-2xx**)"
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("--command")
    ap.add_argument("--n")
    ap.add_argument("--duration")
    ap.add_argument("--connections")
    ap.add_argument("--seconds")
    a = ap.parse_args()
    got, answers, notes = {}, {}, []
    for line in open(a.results, encoding="utf-8"):
        row, who, path, note = (line.rstrip("\n").split("\t") + [""] * 4)[:4]
        if row == "note":
            notes.append((who, note))
            continue
        got[(row, who)] = parse(path)
        answers[(row, who)] = note
    health = got.get(("health", "vetmap"))
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip()
    except OSError:
        commit = "?"
    cpu = ""
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print(f"Command: `{a.command}` ({a.seconds} s in all); {int(a.n):,} institutions in PostGIS; "
          f"wrk, {a.connections} connections, {a.duration} s per row, on 127.0.0.1; "
          f"commit {commit}; {os.cpu_count()} CPUs ({cpu}); {platform.platform()}.\n")
    print("| what | vetmap | vetmap / its /health | peer | peer's figure | vetmap / peer | target | met |")
    print("| --- | --- | ---: | --- | --- | ---: | --- | --- |")
    for row, what, peer_name, target, check in ROWS:
        v = got.get((row, "vetmap"))
        peer_key = "martin" if row.startswith("tiles") else ("pygeoapi" if row.startswith("items") else None)
        p = got.get((row, peer_key)) if peer_key else None
        if v is None and p is None:
            continue
        ok_v = v and "rps" in v
        ok_p = p and "rps" in p
        vs_health = f"{v['rps'] / health['rps']:.0%}" if ok_v and health and "rps" in health else "-"
        vs_peer = f"{v['rps'] / p['rps']:.2f}x" if ok_v and ok_p and p["rps"] > 0 else "-"
        met = "-"
        if ok_v:
            r = check(v, p if ok_p else None, health if health and "rps" in health else None)
            met = "-" if r is None else ("**yes**" if r else "**no**")
        peer_cell = cell(p) if peer_key else "-"
        if peer_key and p is None:
            missing = [n for who, n in notes if who == peer_key]
            peer_cell = missing[0] if missing else "MISSING"
        print(f"| {what} | {cell(v)} | {vs_health} | {peer_name} | {peer_cell} | {vs_peer} | {target} | {met} |")
    listed = next((int(m.group(1)) for who, n in notes if who == "paths"
                   for m in [re.search(r"(\d+) distinct uncached", n)] if m), None)
    for who in ("vetmap", "martin"):
        r = got.get(("tiles_uncached", who))
        if listed and r and r.get("requests", 0) > listed:
            print(f"\n**The uncached row of {who} asked {r['requests']:,} tiles of a list of "
                  f"{listed:,}: some were asked twice (cached), so its figure is too high.**")
    print()
    print("What each server answered first, per row (status, Content-Encoding, length or chunked):\n")
    for (row, who), note in sorted(answers.items()):
        r = got.get((row, who))
        extra = f"; {r['requests']:,} requests" if r and "requests" in r else ""
        print(f"- {row} / {who}: {note}{extra}")
    for who, note in notes:
        print(f"- {who}: {note}")


if __name__ == "__main__":
    main()

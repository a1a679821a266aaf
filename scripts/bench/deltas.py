#!/usr/bin/env python3
"""Issue 15's measurements against running servers (scripts/bench/deltas.sh starts them).

visible: single changes committed in PostgreSQL (one transaction each, as any writer's
         commit), each timed from the commit's return until the reader server's by-id answer
         shows it; the reader's resident memory is sampled meanwhile. --mix all makes every
         fifth change a creation (a copy of an institution under a new id) and every fifth a
         retirement (shown when by-id answers 404), the rest edits; figures per kind.
stream:  edits at a fixed rate for a while, not waiting (load for the read benchmark); with
         --pid, also the CPU time that process spent meanwhile.
Edits go through one long-lived psql session (autocommit: each statement commits on its
own), as an application's connection would, so that starting a psql process per edit does
not take the readers' CPU on a small machine. Only 127.0.0.1 is contacted.
"""
import argparse
import http.client
import os
import random
import statistics
import subprocess
import time


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid):
    """User + system CPU time of a process so far (/proc/PID/stat, clock ticks)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# The institutions' columns a creation copies (id, code and name first: set anew).
COLUMNS = ("id, code, name_vi, name_en, kind, ownership, geom, position_accuracy, address, "
           "province_pre2025, district_pre2025, commune_pre2025, province_2025, commune_2025, "
           "phone, email, website, digital_infrastructure, connected_national_platform, "
           "digitised_learning_records, digitised_diplomas, teachers_digital_trained_pct, "
           "high_quality_school, digital_school, readiness_source, source, updated_at")


class Writer:
    """One psql session; `edit` returns once PostgreSQL has committed the statement."""

    def __init__(self, db_url):
        self.psql = subprocess.Popen(
            ["psql", "-q", "-X", "-v", "ON_ERROR_STOP=1", db_url],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def edit(self, inst_id, name):
        self.run(f"UPDATE institutions SET name_vi = '{name}' WHERE id = '{inst_id}';", inst_id)

    def create(self, new_id, like_id, name):
        """A new institution: a copy of `like_id`'s record (its programmes not copied)."""
        self.run(
            f"INSERT INTO institutions ({COLUMNS}) SELECT '{new_id}', NULL, '{name}', "
            f"{COLUMNS.split(', ', 3)[3]} FROM institutions WHERE id = '{like_id}';", new_id)

    def retire(self, inst_id):
        self.run(f"UPDATE institutions SET retired_at = now(), retired_reason = 'bench' "
                 f"WHERE id = '{inst_id}' AND retired_at IS NULL;", inst_id)

    def run(self, statement, inst_id):
        self.psql.stdin.write(f"{statement}\n\\echo committed\n")
        self.psql.stdin.flush()
        line = self.psql.stdout.readline()
        if line.strip() != "committed":
            raise SystemExit(f"psql did not commit the change of {inst_id}: {line!r}")

    def close(self):
        self.psql.stdin.close()
        self.psql.wait()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["visible", "stream"])
    p.add_argument("--db-url", required=True)
    p.add_argument("--reader", default="127.0.0.1:18632")
    p.add_argument("--pid", type=int)
    p.add_argument("--count", type=int, default=2_000_000)
    p.add_argument("--edits", type=int, default=300)
    p.add_argument("--rate", type=float, default=10.0)
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--seed", type=int, default=15)
    p.add_argument("--mix", choices=["edits", "all"], default="edits")
    a = p.parse_args()
    rng = random.Random(a.seed)
    run = f"{int(time.time()) % 100000}"
    writer = Writer(a.db_url)
    if a.mode == "stream":
        n, start = 0, time.monotonic()
        cpu_start = cpu_seconds(a.pid) if a.pid else 0.0
        while time.monotonic() - start < a.seconds:
            i = rng.randint(1, a.count)
            writer.edit(f"syn-{i:07d}", f"Stream {run} {n}")
            n += 1
            next_at = start + n / a.rate
            time.sleep(max(0.0, next_at - time.monotonic()))
        elapsed = time.monotonic() - start
        writer.close()
        print(f"stream: {n} edits in {elapsed:.1f} s")
        if a.pid:
            cpu = cpu_seconds(a.pid) - cpu_start
            print(f"process {a.pid} meanwhile: {cpu:.2f} s CPU in {elapsed:.1f} s "
                  f"({100 * cpu / elapsed:.1f}% of one core, {1000 * cpu / max(n, 1):.1f} ms per edit)")
        return
    host, port = a.reader.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    latencies = {"edit": [], "creation": [], "retirement": []}
    rss_before = rss_kb(a.pid) if a.pid else 0
    rss_max = rss_before
    retired = set()
    for k in range(a.edits):
        inst = f"syn-{rng.randint(1, a.count):07d}"
        while inst in retired:
            inst = f"syn-{rng.randint(1, a.count):07d}"
        token = f"bq{run}x{k}z"
        kind = "edit" if a.mix == "edits" else ["edit", "edit", "edit", "creation", "retirement"][k % 5]
        if kind == "creation":
            like, inst = inst, f"syn-new-{run}-{k}"
            writer.create(inst, like, f"Bench creation {token}")
        elif kind == "retirement":
            writer.retire(inst)
            retired.add(inst)
        else:
            writer.edit(inst, f"Bench edit {token}")
        t0 = time.monotonic()
        while True:
            conn.request("GET", f"/api/v1/institutions/{inst}")
            r = conn.getresponse()
            body = r.read()
            if (r.status == 404) if kind == "retirement" else (token.encode() in body):
                break
            if a.pid:
                rss_max = max(rss_max, rss_kb(a.pid))
            if time.monotonic() - t0 > 120:
                raise SystemExit(f"edit {k} of {inst} not visible within 120 s")
            time.sleep(0.002)
        latencies[kind].append(time.monotonic() - t0)
        if a.pid:
            rss_max = max(rss_max, rss_kb(a.pid))
    writer.close()
    every = sorted(x for xs in latencies.values() for x in xs)
    for kind, xs in [("single changes, every kind", every)] + [
            (f"single {k}s", sorted(v)) for k, v in latencies.items() if a.mix == "all" and v]:
        q = lambda f: xs[min(len(xs) - 1, int(f * len(xs)))] * 1000
        print(f"commit -> visible on the other server, {len(xs)} {kind}: "
              f"p50 {q(0.5):.0f} ms, p90 {q(0.9):.0f} ms, p99 {q(0.99):.0f} ms, "
              f"max {xs[-1] * 1000:.0f} ms, mean {statistics.mean(xs) * 1000:.0f} ms")
    if a.pid:
        print(f"reader RSS: {rss_before // 1024} MiB before, {rss_max // 1024} MiB at most "
              f"during the edits, {rss_kb(a.pid) // 1024} MiB after")


if __name__ == "__main__":
    main()

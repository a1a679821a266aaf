#!/usr/bin/env bash
# One binary's read throughput at national scale, for alternating A/B runs of two builds:
# starts `vetmap serve` from a snapshot file, warms each mix with its first 200 paths,
# drives it with wrk (1 thread, 8 connections, 4 s) and prints req/s and p99 per mix.
#
#   bash scripts/bench/ab-reads.sh BINARY LABEL DATABASE_URL SNAPSHOT_FILE PATHS_DIR
#
# PATHS_DIR comes from scripts/bench/paths.py (positions drawn where institutions are);
# MIXES picks the mixes. Loopback only; the server is stopped here.
set -euo pipefail
BIN=$1; LABEL=$2; export DATABASE_URL=$3; export VETMAP_SNAPSHOT=$4; PATHS=$5
PORT=${PORT:-18790}; BASE="http://127.0.0.1:$PORT"
export VETMAP_SIGNING_KEYS=${VETMAP_SIGNING_KEYS:-$(dirname "$VETMAP_SNAPSHOT")/signing-keys.pem}
"$BIN" serve --bind "127.0.0.1:$PORT" >"/tmp/ab-reads-$LABEL.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
until curl -sf "$BASE/ready" >/dev/null; do
  sleep 0.2
  kill -0 $PID 2>/dev/null || { echo "the server exited before it was ready" >&2; exit 1; }
done
for mix in ${MIXES:-items_bbox items_region nearby tiles_z14 search search_map autocomplete}; do
  head -200 "$PATHS/$mix.txt" | while read -r p; do curl -s -o /dev/null "$BASE$p"; done
  r=$(wrk -t1 -c8 -d4s --latency -s scripts/bench/mix.lua "$BASE" -- "$PATHS/$mix.txt")
  echo "$LABEL $mix $(echo "$r" | awk '/Requests\/sec/{print $2}') req/s" \
    "p99 $(echo "$r" | awk '$1=="99%"{print $2}')"
done

#!/usr/bin/env bash
# Heavy work under attack (issue 13): N (64) concurrent distinct coverage grid requests
# against a release server on 127.0.0.1, on the bundled data and on a synthetic network of
# 200,000 institutions served from files. For each attack: answers by status, wall time,
# the server's resident memory when ready, at its peak during the attack (VmHWM, reset
# once ready, and a 50 ms sampler) and after (VmRSS).
#
# Attacks (each on a freshly started server):
#   radius  distinct radii, 5.03, 5.13, 5.23, ... km, one cell size (the reported attack)
#   cell    distinct cell sizes from the smallest the data allows, in 0.01 km steps on
#           the bundled province (0.25 km up) and 0.1 km steps on the synthetic country
#           (1.3 km up: a 0.25 km grid over 63 provinces is refused at once, 400)
#
# Usage: bash scripts/bench/heavy.sh [BINARY] [N]
#   BINARY  default target/release/vetmap
#   SYNTH_DIR (env) where the synthetic network is written once (target/bench-synth-200k)
#   RSS_CAP_MB (env) the server is killed above this resident size (default 8000), so an
#   unbounded build cannot take the machine down; the report then says "killed".
# Only 127.0.0.1 is contacted; every server started is stopped; a few minutes at most.
set -euo pipefail
BIN=${1:-target/release/vetmap}
N=${2:-64}
PORT=${PORT:-18613}
SYNTH_DIR=${SYNTH_DIR:-target/bench-synth-200k}
RSS_CAP_MB=${RSS_CAP_MB:-8000}
WORK=$(mktemp -d)
PID=
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ ! -f "$SYNTH_DIR/institutions.geojson" ]; then
  "$BIN" synth --count 200000 --out "$SYNTH_DIR" >/dev/null
fi

kb() { awk -v k="$1" '$1 == k":" { print $2 }' "/proc/$PID/status" 2>/dev/null || echo 0; }
mb() { echo $(( ${1:-0} / 1024 )); }

# attack LABEL DATA_DIR MODE CELL_KM STEP
attack() {
  local label=$1 data=$2 mode=$3 cell0=$4 step=$5
  VETMAP_DATA_DIR=$data RUST_LOG=warn "$BIN" serve --bind "127.0.0.1:$PORT" \
    >"$WORK/server.log" 2>&1 &
  PID=$!
  local deadline=$((SECONDS + 180))
  until curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null; do
    kill -0 "$PID" 2>/dev/null || { echo "$label: the server exited" >&2; cat "$WORK/server.log" >&2; exit 1; }
    [ $SECONDS -lt $deadline ] || { echo "$label: not ready in 180 s" >&2; exit 1; }
    sleep 0.2
  done
  local before
  before=$(kb VmRSS)
  # Start-up (reading 200,000 institutions) has its own peak: forget it, so VmHWM is the
  # attack's (writing 5 to clear_refs resets it, Linux 4.0 and later).
  echo 5 >"/proc/$PID/clear_refs" 2>/dev/null || true
  # Watches the resident size (its peak survives a kill); kills the server past the cap.
  echo 0 >"$WORK/peak"
  (
    peak=0
    while kill -0 "$PID" 2>/dev/null; do
      rss=$(kb VmRSS)
      [ "${rss:-0}" -gt "$peak" ] && peak=$rss && echo "$peak" >"$WORK/peak"
      if [ "${rss:-0}" -gt $((RSS_CAP_MB * 1024)) ]; then
        echo killed >"$WORK/capped"
        kill -9 "$PID" 2>/dev/null || true
      fi
      sleep 0.05
    done
  ) &
  local watcher=$!
  : >"$WORK/codes"
  local start=$EPOCHREALTIME pids=()
  for i in $(seq 0 $((N - 1))); do
    local q
    if [ "$mode" = radius ]; then
      q=$(awk -v i="$i" -v c="$cell0" 'BEGIN { printf "cell_km=%s&radius_km=%.2f", c, 5.03 + 0.1 * i }')
    else
      q=$(awk -v i="$i" -v c="$cell0" -v s="$step" 'BEGIN { printf "cell_km=%.2f&radius_km=5", c + s * i }')
    fi
    curl -s -o /dev/null -w '%{http_code}\n' --max-time 90 \
      "http://127.0.0.1:$PORT/api/v1/coverage/grid?$q" >>"$WORK/codes" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || true; done
  local end=$EPOCHREALTIME
  local hwm rss
  hwm=$(kb VmHWM)
  rss=$(kb VmRSS)
  local watched
  watched=$(cat "$WORK/peak")
  [ "${watched:-0}" -gt "${hwm:-0}" ] && hwm=$watched
  local codes
  codes=$(sort "$WORK/codes" | uniq -c | awk '{ printf "%s×%s ", $1, $2 }')
  local note=
  [ -f "$WORK/capped" ] && note=" (killed at the ${RSS_CAP_MB} MB cap)" && rm -f "$WORK/capped"
  printf '%-9s %-6s %-5s answers: %-24s time %5.1f s  RSS before %5s MB  peak %5s MB  after %5s MB%s\n' \
    "$label" "$mode" "$cell0" "$codes" "$(echo "$end - $start" | bc)" \
    "$(mb "$before")" "$(mb "$hwm")" "$(mb "$rss")" "$note"
  kill "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  wait "$watcher" 2>/dev/null || true
  PID=
}

echo "$N concurrent distinct /api/v1/coverage/grid requests, $(nproc) cores, $("$BIN" --version 2>/dev/null || echo vetmap)"
attack bundled data radius 0.25 0
attack bundled data cell 0.25 0.01
attack synth200k "$SYNTH_DIR" radius 1.3 0
attack synth200k "$SYNTH_DIR" cell 1.3 0.1

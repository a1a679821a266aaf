#!/usr/bin/env bash
# Every figure in docs/BENCHMARKS.md, from one command:
#   bash scripts/bench.sh
# Builds the release binary, generates synthetic networks (2,000 institutions, the national
# network today, and $BENCH_BIG, default 2,000,000), measures start-up (time from
# `vetmap serve` to /ready, resident memory) from files and from PostGIS, drives the real
# server on 127.0.0.1 with wrk over realistic request mixes, runs the criterion benches, and
# rewrites the generated section of docs/BENCHMARKS.md. Bounded in time; loopback only;
# removes its servers, temporary databases and files on exit.
#
# Knobs: BENCH_BIG (institutions in the big network), BENCH_DURATION (seconds of load per
# endpoint, default 10), BENCH_FILES_BIG=1 also writes the big network to files and starts
# from them (slow: see docs/BENCHMARKS.md), BENCH_CONNECTIONS (wrk connections, default 8), BENCH_CRITERION=0
# skips the criterion benches, BENCH_CREDENTIALS=0 the credential verification load,
# BENCH_PROFILE=0 the start-up profile (it needs BENCH_KEEP_DB=1 and linux-perf, heaptrack),
# BENCH_KEEP_DB=1 keeps the generated PostGIS databases for the next
# run (and reuses them), PGHOST/PGPORT/PGUSER (default 127.0.0.1:5432 postgres).
#
# The peers side by side (Martin, pygeoapi on the same table, issue 16) run beside this
# script: scripts/bench/peers.sh (BENCH_PEERS=1 runs it at the end of this one).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

BIG=${BENCH_BIG:-2000000}
SMALL=2000
DURATION=${BENCH_DURATION:-10}
CONNS=${BENCH_CONNECTIONS:-8}
SEED=1
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$CARGO_TARGET_DIR/release/vetmap
STARTED=$(date +%s)

if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    echo "the load test needs wrk (sudo apt-get install -y wrk)" >&2; exit 1
  fi
fi

WORK=$(mktemp -d /tmp/vetmap-bench.XXXXXX)
RESULTS=$WORK/results.tsv
DBS=()
SERVER_PID=
declare -A DB_NAME
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  for db in "${DBS[@]}"; do dropdb --if-exists "$db" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

record() { printf '%s\n' "$(IFS=$'\t'; echo "$*")" >>"$RESULTS"; }
now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.2f}')"; }
log() { echo "[bench $(( $(date +%s) - STARTED ))s] $*" >&2; }

log "building the release binary and the tile load example"
cargo build --release --locked --quiet --bin vetmap --example tile_load

# --- data ------------------------------------------------------------------------------
for n in $SMALL $BIG; do
  if [ "$n" = "$SMALL" ] || [ "${BENCH_FILES_BIG:-0}" = 1 ]; then
    log "synth $n institutions into files"
    t0=$(now)
    "$BIN" synth --count "$n" --seed $SEED --out "$WORK/n$n" >>"$WORK/synth.log" 2>&1
    record synth files "$n" "$(elapsed "$t0" "$(now)")" "$(du -sm "$WORK/n$n" | cut -f1)"
  fi
  if [ "${BENCH_KEEP_DB:-0}" = 1 ]; then
    # Kept between runs (same seed, so the same data): generating 2 M rows takes minutes.
    # The suffix names the generator's output version: bump it when synth changes.
    db="vetmap_bench_keep_${n}_seed${SEED}_v2"
  else
    db="vetmap_bench_$$_$n"
    DBS+=("$db")
  fi
  DB_NAME[$n]=$db
  url="postgres://$PGUSER@$PGHOST:$PGPORT/$db"
  if [ "${BENCH_KEEP_DB:-0}" = 1 ] && \
     [ "$(psql -d "$db" -Atc "SELECT count(*) FROM institutions" 2>/dev/null || echo 0)" = "$n" ]; then
    log "reusing $db"
    "$BIN" migrate --database-url "$url" >>"$WORK/synth.log" 2>&1
    record note "synth-$n" "PostGIS database $db kept from an earlier run (BENCH_KEEP_DB=1); its generation time is not re-measured"
    continue
  fi
  dropdb --if-exists "$db" 2>/dev/null || true
  createdb "$db"
  "$BIN" migrate --database-url "$url" >>"$WORK/synth.log" 2>&1
  log "synth $n institutions into PostGIS"
  t0=$(now)
  "$BIN" synth --count "$n" --seed $SEED --database-url "$url" >>"$WORK/synth.log" 2>&1
  record synth postgis "$n" "$(elapsed "$t0" "$(now)")" \
    "$(psql -d "$db" -Atc "SELECT pg_database_size(current_database()) / 1048576")"
done
mkdir -p "$WORK/paths" "$WORK/paths-bundled"
python3 scripts/bench/paths.py "$WORK/n$SMALL/institutions.geojson" "$WORK/paths" 2>"$WORK/paths.log"
python3 scripts/bench/paths.py data/institutions.geojson "$WORK/paths-bundled" 2>"$WORK/paths-bundled.log"
record raw "Request mixes: the occupation filters of the synthetic networks (shares in the 2,000-institution sample)" "$WORK/paths.log"
record raw "Request mixes: the occupation filters of the bundled data" "$WORK/paths-bundled.log"
# OGC API items at 1,000 features (the issue's small case), from files.
"$BIN" synth --count 1000 --seed $SEED --out "$WORK/n1000" >>"$WORK/synth.log" 2>&1

# --- servers ---------------------------------------------------------------------------
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_server NAME [ENV=VALUE...]: starts `vetmap serve`, waits for /ready, records
# the time it took and the resident memory.
start_server() {
  local name=$1; shift
  PORT=$(free_port)
  BASE="http://127.0.0.1:$PORT"
  local t0; t0=$(now)
  env -u DATABASE_URL RUST_LOG=info VETMAP_BIND="127.0.0.1:$PORT" "$@" \
    "$BIN" serve >"$WORK/server-$name.log" 2>&1 &
  SERVER_PID=$!
  local deadline=$(( $(date +%s) + 300 ))
  until curl -fs -o /dev/null "$BASE/ready"; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null || [ "$(date +%s)" -gt "$deadline" ]; then
      echo "server $name did not become ready; its log:" >&2; tail -20 "$WORK/server-$name.log" >&2
      exit 1
    fi
    sleep 0.02
  done
  local ready; ready=$(elapsed "$t0" "$(now)")
  local rss hwm
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
  hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$SERVER_PID/status")
  record startup "$name" "$ready" "$rss" "$hwm"
  # Where start-up time went, from the server's own log (load vs index build).
  grep -o 'serving index built.*\|loaded .*' "$WORK/server-$name.log" | sed 's/\x1b\[[0-9;]*m//g' |
    while read -r line; do record startlog "$name" "$line"; done
  log "$name ready in ${ready}s, RSS $((rss / 1024)) MiB"
}

stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}

ALL_MIXES="health nearby nearby_occ_common nearby_occ_rare items_bbox items_region
           tiles_z6 tiles_z10 tiles_z14 search autocomplete"

# load NAME [PATHS_DIR [MIX...]]: drives each endpoint's mix against the running server.
load() {
  local name=$1 dir=${2:-$WORK/paths} mix path code
  shift; [ $# -gt 0 ] && shift
  local mixes=${*:-$ALL_MIXES}
  for mix in $mixes; do
    path=$(head -n 1 "$dir/$mix.txt")
    code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE$path")
    if [ "$code" = 404 ]; then
      record load "$name" "$mix" skipped "404 at $path"
      continue
    fi
    wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency -s scripts/bench/mix.lua "$BASE" \
      -- "$dir/$mix.txt" >"$WORK/wrk-$name-$mix.txt" 2>&1 || true
    record load "$name" "$mix" "$WORK/wrk-$name-$mix.txt" "$code"
  done
  local rss; rss=$(awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
  record after_load "$name" "$rss"
}

start_server bundled VETMAP_DATA_DIR=data
load bundled "$WORK/paths-bundled" health nearby nearby_occ_common nearby_occ_rare search autocomplete
stop_server
start_server files-1000 VETMAP_DATA_DIR="$WORK/n1000"
load files-1000 "$WORK/paths" health items_bbox items_region
stop_server
start_server "files-$SMALL" VETMAP_DATA_DIR="$WORK/n$SMALL"
load "files-$SMALL"
stop_server
start_server "postgis-$SMALL" DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/${DB_NAME[$SMALL]}"
stop_server
if [ "${BENCH_FILES_BIG:-0}" = 1 ]; then
  start_server "files-$BIG" VETMAP_DATA_DIR="$WORK/n$BIG"
  stop_server
else
  record note "files-$BIG" "skipped by default (BENCH_FILES_BIG=1 runs it): writing 2,000,000 institutions as GeoJSON took 6 min 36 s and 15.4 GiB peak RSS with the in-memory writer, see the analysis"
fi
start_server "postgis-$BIG" DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/${DB_NAME[$BIG]}"
load "postgis-$BIG"
# Tiles over the densest synthetic region (around Hà Nội): each tile once (uncached, the
# server renders it), then repeated for a fixed time (cached); sizes per zoom.
log "tile load, uncached then cached"
"$CARGO_TARGET_DIR/release/examples/tile_load" "$BASE" institutions 105.6,20.8,106.1,21.2 \
  6,8,10,11,12,13,14 --seconds "$DURATION" --concurrency "$CONNS" --max-tiles-per-zoom 400 \
  >"$WORK/tile-load.txt" 2>&1 || true
record raw "Tiles of postgis-$BIG (examples/tile_load.rs, box 105.6,20.8,106.1,21.2, $CONNS concurrent)" "$WORK/tile-load.txt"
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
record note "postgis-$BIG" "resident memory after the tile load (tile cache included): $((rss / 1024)) MiB"
stop_server

# The same tiles from PostGIS itself (ST_AsMVT, computed per request), on the same data.
log "PostGIS ST_AsMVT comparison"
DATABASE_URL="postgres://$PGUSER@$PGHOST:$PGPORT/${DB_NAME[$BIG]}" \
  bash benches/postgis/run.sh 105.6,20.8,106.1,21.2 "8 11 13" "$DURATION" 2 >"$WORK/postgis-tiles.txt" 2>&1 || true
record raw "PostGIS ST_AsMVT on postgis-$BIG (benches/postgis/run.sh, 2 pgbench clients, $DURATION s per zoom)" "$WORK/postgis-tiles.txt"

# --- the web map's weight in Chromium (issue 6): bytes on a first and a repeat visit ----
if command -v chromium >/dev/null && [ -d web/node_modules ]; then
  log "page weight in Chromium"
  bash scripts/bench/weight.sh >"$WORK/weight.txt" 2>&1 || true
  record raw "Web map bytes transferred, first and repeat visit (scripts/bench/weight.sh)" "$WORK/weight.txt"
fi

# --- credential verification (issue 8): 5,000,000 records in PostGIS -------------------
if [ "${BENCH_CREDENTIALS:-1}" != 0 ]; then
  log "credential verification"
  BENCH_REUSE=${BENCH_KEEP_DB:-0} BENCH_KEEP=${BENCH_KEEP_DB:-0} \
    bash scripts/bench-credentials.sh "${BENCH_CREDENTIAL_COUNT:-5000000}" "$DURATION" \
    >"$WORK/credentials.txt" 2>&1 || true
  record raw "Credential verification (scripts/bench-credentials.sh ${BENCH_CREDENTIAL_COUNT:-5000000} $DURATION)" "$WORK/credentials.txt"
fi

# --- criterion -------------------------------------------------------------------------
if [ "${BENCH_CRITERION:-1}" != 0 ]; then
  log "criterion benches"
  rm -rf "$CARGO_TARGET_DIR/criterion"
  VETMAP_BENCH_SIZES=${VETMAP_BENCH_SIZES:-2000,$BIG} \
  cargo bench --locked --quiet --benches -- --warm-up-time 1 --measurement-time 3 --noplot \
    >"$WORK/criterion.txt" 2>&1 || {
      # Keep every figure measured so far: report what failed instead of losing the run.
      tail -40 "$WORK/criterion.txt" | tee "$WORK/criterion-tail.txt" >&2
      record raw "criterion FAILED (the last lines of its output)" "$WORK/criterion-tail.txt"
    }
fi

# --- where the big start-up's time and memory go (perf, heaptrack) ----------------------
if [ "${BENCH_PROFILE:-1}" != 0 ] && [ "${BENCH_KEEP_DB:-0}" = 1 ] && command -v heaptrack >/dev/null; then
  log "start-up profile"
  bash scripts/bench/profile-startup.sh "$BIG" >"$WORK/profile.txt" 2>&1 || true
  record raw "Start-up profile of postgis-$BIG (scripts/bench/profile-startup.sh)" "$WORK/profile.txt"
fi

# --- peers side by side (issue 16): its own table, docs/BENCHMARKS.md quotes it ---------
if [ "${BENCH_PEERS:-0}" = 1 ]; then
  log "peers side by side"
  PEERS_N=$BIG PEERS_DURATION=$DURATION PEERS_CONNECTIONS=$CONNS bash scripts/bench/peers.sh \
    >"$WORK/peers.txt" 2>&1 || true
  record raw "Peers side by side (scripts/bench/peers.sh, PEERS_N=$BIG)" "$WORK/peers.txt"
fi

# --- report ----------------------------------------------------------------------------
python3 scripts/bench/report.py "$RESULTS" "$CARGO_TARGET_DIR/criterion" docs/BENCHMARKS.md \
  --command "bash scripts/bench.sh" --duration "$DURATION" --connections "$CONNS" \
  --total-seconds "$(( $(date +%s) - STARTED ))"
log "wrote docs/BENCHMARKS.md"

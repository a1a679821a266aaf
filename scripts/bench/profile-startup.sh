#!/usr/bin/env bash
# Where start-up time and memory go with a big PostGIS network: a CPU profile of
# `vetmap serve` until /ready (perf, software clock, call graphs), and a heap profile
# (heaptrack) of the same start-up, both against a database that `scripts/bench.sh`
# generated and kept (BENCH_KEEP_DB=1). Loopback only; the servers are stopped here.
#
#   bash scripts/bench/profile-startup.sh [INSTITUTIONS, default 2000000]
#
# Needs linux-perf and heaptrack (apt-get install -y linux-perf heaptrack).
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-2000000}
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
DB=vetmap_bench_keep_${N}_seed1_v2
URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB"
BIN=${CARGO_TARGET_DIR:-target}/release/vetmap
[ "$(psql -d "$DB" -Atc 'SELECT count(*) FROM institutions' 2>/dev/null || echo 0)" = "$N" ] || {
  echo "no kept database $DB with $N institutions: run BENCH_KEEP_DB=1 BENCH_BIG=$N bash scripts/bench.sh first" >&2
  exit 1
}
OUT=${PROFILE_OUT:-target/profile-startup}
rm -rf "$OUT"; mkdir -p "$OUT"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# serve_until_ready WRAPPER...: runs the server under WRAPPER, waits for /ready, stops it.
serve_until_ready() {
  DATABASE_URL="$URL" VETMAP_BIND="127.0.0.1:$PORT" RUST_LOG=info "$@" "$BIN" serve >"$OUT/serve.log" 2>&1 &
  local pid=$! t0=$SECONDS
  until curl -fs -o /dev/null "http://127.0.0.1:$PORT/ready"; do
    kill -0 "$pid" 2>/dev/null || { tail -5 "$OUT/serve.log" >&2; return 1; }
    [ $((SECONDS - t0)) -lt 1800 ] || { kill "$pid"; return 1; }
    sleep 0.2
  done
  echo "ready after $((SECONDS - t0)) s under: ${*:-nothing}"
  grep -o 'loaded .*\|serving index built.*' "$OUT/serve.log" | sed 's/\x1b\[[0-9;]*m//g'
  # Stop the server itself (gracefully); the wrapper then writes its profile and exits.
  pkill -INT -f "^$BIN serve" || kill -INT "$pid"
  wait "$pid" 2>/dev/null || true
}

echo "== CPU: perf record -e cpu-clock -g (the server's threads; PostgreSQL's own work is not in it)"
serve_until_ready perf record -q -e cpu-clock -F 499 -g -o "$OUT/perf.data" --
# (head closes the pipe early; with pipefail that must not end the script)
perf report -i "$OUT/perf.data" --no-children --sort dso,symbol --stdio 2>/dev/null \
  | grep -E '^ +[0-9]+\.[0-9]+%' | cut -c1-110 | head -25 || true

echo
echo "== Heap: heaptrack (peak and what is still allocated at the end, by call site)"
serve_until_ready heaptrack -o "$OUT/heaptrack"
heaptrack_print -f "$OUT"/heaptrack*.zst --print-peaks 1 --print-leaks 0 --print-allocators 0 \
  --print-temporary 0 --peak-limit 12 2>/dev/null | sed -n '/MOST MEMORY CONSUMING/,$p' | head -80 || true
heaptrack_print -f "$OUT"/heaptrack*.zst 2>/dev/null | tail -8 || true

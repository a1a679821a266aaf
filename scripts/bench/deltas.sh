#!/usr/bin/env bash
# Issue 15 at national scale: two release servers on one PostGIS database holding
# 2,000,000 synthetic institutions (`vetmap synth --count 2000000 --seed 1`). Measures
#   1. commit -> visible on the second server, p50/p99 over EDITS single edits (psql
#      commits, timed until the reader's by-id answer shows each), and the reader's
#      resident memory during them (a delta must not hold a second copy of the data);
#   2. the reader's own CPU per edit while edits stream in at 10 per second and nothing
#      reads (what a delta costs a server, apart from the machine's other processes);
#   3. read throughput of nearby and of institution tiles on the reader, idle and while
#      edits stream in at 10 per second, alternating ROUNDS (4) times each (the idle runs'
#      spread is the noise band the difference is judged against). wrk, 2 threads, 16
#      connections, SECS (15) each.
# Server A (the other server of step 1) is stopped before 2 and 3: in a deployment it runs
# on its own host, and here it would take the reader's two cores to apply the same deltas.
# Edits are committed through one psql session (deltas.py), as an application would.
# PERF=FILE also records the reader with perf during the stream without reads.
#
# Usage: bash scripts/bench/deltas.sh [BINARY]        (build with cargo build --release)
#   COUNT (2000000), EDITS (300), MIX (edits; `all`: every fifth change a creation and every
#   fifth a retirement, timed per kind), DB (vetmap_bench_deltas: made, migrated and filled once,
#   kept for the next run; drop it yourself), PG (postgres://postgres@127.0.0.1:5432).
# Only 127.0.0.1 is contacted; the servers started here are stopped on exit.
set -euo pipefail
BIN=${1:-target/release/vetmap}
COUNT=${COUNT:-2000000}
EDITS=${EDITS:-300}
DB=${DB:-vetmap_bench_deltas}
PG=${PG:-postgres://postgres@127.0.0.1:5432}
URL=$PG/$DB
A=${PORT_A:-18631}
B=${PORT_B:-18632}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

if ! psql -X -q "$URL" -c "SELECT 1 FROM institutions LIMIT 1" >/dev/null 2>&1; then
  psql -X -q "$PG/postgres" -c "CREATE DATABASE $DB"
  DATABASE_URL=$URL "$BIN" migrate
  time DATABASE_URL=$URL "$BIN" synth --count "$COUNT" --seed 1
fi

serve() {
  DATABASE_URL=$URL VETMAP_CHANGE_CHECK_MS=1000 RUST_LOG=warn \
    "$BIN" serve --bind "127.0.0.1:$1" >"$WORK/server-$1.log" 2>&1 &
  PIDS+=($!)
}
ready() {
  local deadline=$((SECONDS + 900))
  until curl -sf "http://127.0.0.1:$1/ready" >/dev/null; do
    [ $SECONDS -lt $deadline ] || { echo "server on $1 not ready" >&2; cat "$WORK/server-$1.log" >&2; exit 1; }
    sleep 1
  done
}
# One at a time: each start reads everything and builds its index.
serve "$A"; ready "$A"
serve "$B"; ready "$B"
WRITER_SERVER=${PIDS[0]}
READER=${PIDS[1]}
echo "reader ready: $(( $(awk '/VmRSS/ {print $2}' /proc/$READER/status) / 1024 )) MiB resident"

python3 "$HERE/deltas.py" visible --db-url "$URL" --reader "127.0.0.1:$B" --pid "$READER" \
  --count "$COUNT" --edits "$EDITS" --mix "${MIX:-edits}"
curl -s "http://127.0.0.1:$B/metrics" | grep -E '^vetmap_index_reloads_total' || true

cat >"$WORK/nearby.lua" <<'LUA'
math.randomseed(15)
-- Near where people are (synth clusters institutions around provincial capitals): Ha Noi,
-- Hai Phong, Da Nang, Ho Chi Minh City, Can Tho, Tra Vinh, within about 5 km.
local towns = {{105.85, 21.03}, {106.68, 20.86}, {108.21, 16.05}, {106.66, 10.76},
               {105.78, 10.03}, {106.34, 9.93}}
request = function()
  local t = towns[math.random(#towns)]
  local lon = t[1] + (math.random() - 0.5) * 0.1
  local lat = t[2] + (math.random() - 0.5) * 0.1
  return wrk.format("GET", string.format("/api/v1/nearby?lon=%.5f&lat=%.5f&limit=10", lon, lat))
end
LUA
cat >"$WORK/tiles.lua" <<'LUA'
math.randomseed(15)
request = function()
  -- zoom 12 tiles over northern and southern Viet Nam
  local x = math.random(3220, 3290)
  local y = math.random(1800, 1945)
  return wrk.format("GET", string.format("/tiles/institutions/12/%d/%d.mvt", x, y))
end
LUA
SECS=${SECS:-15}
ROUNDS=${ROUNDS:-4}
bench() {
  wrk -t2 -c16 -d"${SECS}s" -s "$WORK/$1.lua" "http://127.0.0.1:$B" >"$WORK/wrk.txt"
  grep -E "Requests/sec|Latency|Non-2xx|Socket errors" "$WORK/wrk.txt" | tr -s ' ' | sed "s|^|$1 $2: |"
  awk '/Requests\/sec/ {print $2}' "$WORK/wrk.txt" >>"$WORK/$1-$3.rps"
}
kill "$WRITER_SERVER"; wait "$WRITER_SERVER" 2>/dev/null || true
echo "server A stopped; the reader alone from here"
if [ -n "${PERF:-}" ]; then
  # Where the reader's CPU per edit goes: perf samples it during the stream.
  perf record -F 999 -g -p "$READER" -o "$PERF" -- sleep 20 >/dev/null 2>&1 &
  PERF_PID=$!
fi
python3 "$HERE/deltas.py" stream --db-url "$URL" --count "$COUNT" --rate 10 --seconds 20 --pid "$READER" |
  sed "s|^|no reads: |"
[ -z "${PERF:-}" ] || wait "$PERF_PID"
under_edits() {
  python3 "$HERE/deltas.py" stream --db-url "$URL" --count "$COUNT" --rate 10 --seconds $((SECS + 1)) >"$WORK/stream.log" &
  local stream=$!
  bench "$1" "10 edits/s" edits
  wait "$stream"; sed "s|^|$1 10 edits/s: |" "$WORK/stream.log"
}
# Idle and under edits alternate, ROUNDS times each, so that drift of the machine falls on
# both alike; the spread of the idle runs is the noise the difference is judged against.
for what in nearby tiles; do
  # Warm up first (the tile cache fills, the allocator settles), so that the first idle
  # run is not the coldest.
  wrk -t2 -c16 -d5s -s "$WORK/$what.lua" "http://127.0.0.1:$B" >/dev/null
  for _ in $(seq "$ROUNDS"); do
    bench "$what" idle idle
    under_edits "$what"
  done
  python3 - "$WORK/$what-idle.rps" "$WORK/$what-edits.rps" "$what" <<'PY'
import statistics, sys
idle = [float(x) for x in open(sys.argv[1])]
edits = [float(x) for x in open(sys.argv[2])]
mi, me = statistics.mean(idle), statistics.mean(edits)
print(f"{sys.argv[3]}: idle {mi:,.0f} req/s (runs {min(idle):,.0f}-{max(idle):,.0f}, sd {statistics.stdev(idle):,.0f}), "
      f"under 10 edits/s {me:,.0f} req/s (runs {min(edits):,.0f}-{max(edits):,.0f}, sd {statistics.stdev(edits):,.0f}): "
      f"{100 * (me - mi) / mi:+.1f}%; idle runs spread {100 * (max(idle) - min(idle)) / mi:.1f}% of their mean")
PY
done
echo "reader after: $(( $(awk '/VmRSS/ {print $2}' /proc/$READER/status) / 1024 )) MiB resident"

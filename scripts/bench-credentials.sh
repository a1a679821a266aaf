#!/usr/bin/env bash
# Credential verification over HTTP with N synthetic credentials in PostGIS.
# Usage: bash scripts/bench-credentials.sh [COUNT] [SECONDS]   (defaults 5000000, 30)
# Needs PostgreSQL+PostGIS on 127.0.0.1:5432 (user postgres) and wrk. Creates and drops
# the database vetmap_bench_credentials (BENCH_KEEP=1 keeps it, BENCH_REUSE=1 reuses it);
# the server runs on 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-5000000}
SECONDS_=${2:-30}
ADMIN=${VETMAP_TEST_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
SERVER=${ADMIN%/*}
DB=vetmap_bench_credentials
URL="$SERVER/$DB"
PORT=${BENCH_PORT:-18940}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
cargo build --release --quiet
BIN=${CARGO_TARGET_DIR:-target}/release/vetmap

have=$(psql "$URL" -Atc "SELECT count(*) FROM credentials WHERE serial LIKE 'SYN-%'" 2>/dev/null || echo 0)
if [ "${BENCH_REUSE:-0}" = 1 ] && [ "$have" = "$COUNT" ]; then
  echo "reusing $DB with $COUNT synthetic credentials"
else
  psql "$ADMIN" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
  "$BIN" migrate --database-url "$URL" >/dev/null
  "$BIN" import data --database-url "$URL" >/dev/null
  start=$(date +%s)
  psql "$URL" -q -v count="$COUNT" -f scripts/bench/credentials-synth.sql
  echo "inserted $COUNT credentials in $(( $(date +%s) - start )) s"
fi
psql "$URL" -Atc "SELECT pg_size_pretty(pg_total_relation_size('credentials'))" | sed 's/^/credentials table with indexes: /'
psql "$URL" -Atc "EXPLAIN SELECT * FROM credentials WHERE serial = 'SYN-00000042'" | head -2

# Two servers in turn. With the answer floor off, wrk measures the lookup itself:
# capacity and latency. With the default floor (25 ms), it measures what a prober sees:
# unknown serials and wrong dates of birth should then take the same time; more
# connections keep the floor from capping the rate.
PID=
trap 'kill $PID 2>/dev/null || true; [ "${BENCH_KEEP:-0}" = 1 ] || psql "$ADMIN" -qc "DROP DATABASE IF EXISTS $DB" || true' EXIT
for floor in 0 25; do
  DATABASE_URL="$URL" VETMAP_VERIFY_RATE_PER_MINUTE=100000000 \
    VETMAP_VERIFY_ATTEMPTS_PER_SERIAL_PER_HOUR=100000000 VETMAP_VERIFY_ANSWER_FLOOR_MS=$floor \
    RUST_LOG=error "$BIN" serve --bind "127.0.0.1:$PORT" --db-max-connections 16 &
  PID=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null && break; sleep 0.2; done
  if [ "$floor" = 0 ]; then
    curl -s -X POST "http://127.0.0.1:$PORT/api/v1/credentials/verify" -H 'content-type: application/json' \
      -d '{"serial":"SYN-00000042","birth_date":"2000-01-15"}' | head -c 300; echo
    modes="mixed unknown wrong_dob"; conns=32
  else
    modes="unknown wrong_dob"; conns=256
  fi
  for mode in $modes; do
    echo "== $mode, answer floor $floor ms, $conns connections =="
    BENCH_MODE=$mode BENCH_COUNT=$COUNT wrk -t2 -c$conns -d"${SECONDS_}s" --latency \
      -s scripts/bench/verify.lua "http://127.0.0.1:$PORT"
  done
  kill $PID; wait $PID 2>/dev/null || true
done

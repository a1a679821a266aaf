#!/usr/bin/env bash
# One start of `vetmap serve` on PostGIS until /ready: seconds to ready, the server
# process's CPU seconds (user + system) and minor page faults then, VmRSS and VmHWM, and the server's own
# timing lines (reading, merging the log, building; whether the snapshot file was used).
#
#   bash scripts/bench/startup-snapshot.sh BINARY DATABASE_URL SNAPSHOT_FILE LABEL [cold]
#
# "cold" drops the page cache first (root only). WAIT_WRITE=1 also waits for the
# background snapshot write and reports it, WAIT_COPY=1 for its copy into the database
# after it. Loopback only; the server is stopped here.
set -euo pipefail
BIN=$1; export DATABASE_URL=$2; export VETMAP_SNAPSHOT=$3; LABEL=$4; PORT=${PORT:-18777}
OUT=${OUT:-/tmp/vetmap-startup}; mkdir -p "$OUT"
export VETMAP_SIGNING_KEYS=${VETMAP_SIGNING_KEYS:-$(dirname "$VETMAP_SNAPSHOT")/signing-keys.pem}
[ "${5:-}" = cold ] && { sync; echo 3 > /proc/sys/vm/drop_caches; }
start=$(date +%s.%N)
RUST_LOG=info NO_COLOR=1 "$BIN" serve --bind "127.0.0.1:$PORT" >"$OUT/$LABEL.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
until curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null; do
  sleep 0.1
  kill -0 $PID 2>/dev/null || { echo "the server exited before it was ready" >&2; exit 1; }
done
end=$(date +%s.%N)
ticks=$(awk '{print $14 + $15}' /proc/$PID/stat)
minflt=$(awk '{print $10}' /proc/$PID/stat)
echo "$LABEL ready_s=$(echo "$end - $start" | bc) cpu_s=$(echo "scale=1; $ticks / $(getconf CLK_TCK)" | bc) minor_faults=$minflt" \
  "$(grep -E 'VmRSS|VmHWM' /proc/$PID/status | tr -s '\t\n ' ' ')"
grep -oE 'dataset snapshot fetched.*|serving index built.*|not starting.*' "$OUT/$LABEL.log" | cut -c1-400 || true
# wait_for LABEL GREP_PATTERN ROUNDS: until the server logs PATTERN (or ROUNDS half-seconds
# pass), then the matching lines and the memory then.
wait_for() {
  for _ in $(seq 1 "$3"); do
    grep -qE "$2" "$OUT/$LABEL.log" && break
    sleep 0.5
  done
  grep -oE "($2).*" "$OUT/$LABEL.log" | cut -c1-300 || true
  echo "after the $1: $(grep -E 'VmRSS|VmHWM' /proc/$PID/status | tr -s '\t\n ' ' ')"
}
if [ "${WAIT_WRITE:-0}" = 1 ]; then wait_for write 'dataset snapshot written|no dataset snapshot' 600; fi
if [ "${WAIT_COPY:-0}" = 1 ]; then wait_for copy 'dataset snapshot (not )?copied into the database' 1200; fi
kill -INT $PID; wait $PID 2>/dev/null || true

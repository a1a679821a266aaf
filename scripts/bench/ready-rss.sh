#!/usr/bin/env bash
# Seconds from start to /ready, resident memory at ready (VmRSS) and the peak on the way
# (VmHWM), of one server start.
# Usage: bash scripts/bench/ready-rss.sh BINARY DATABASE_URL|DATA_DIR [PORT]
# The server listens on 127.0.0.1 only and is stopped after the measurement.
set -euo pipefail
BIN=$1; SOURCE=$2; PORT=${3:-18603}
if [ -d "$SOURCE" ]; then
  export VETMAP_DATA_DIR=$SOURCE; unset DATABASE_URL
else
  export DATABASE_URL=$SOURCE
fi
start=$(date +%s.%N)
RUST_LOG=warn "$BIN" serve --bind "127.0.0.1:$PORT" >/dev/null 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
until curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null; do
  sleep 0.1
  kill -0 $PID 2>/dev/null || { echo "the server exited before it was ready" >&2; exit 1; }
done
end=$(date +%s.%N)
echo "ready_s=$(echo "$end - $start" | bc) $(grep -E 'VmRSS|VmHWM' /proc/$PID/status | tr -s '\t\n ' ' ')"

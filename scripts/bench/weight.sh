#!/usr/bin/env bash
# Bytes a visitor's browser transfers for the map, on a first and a repeat visit: starts
# the release server on the bundled data on 127.0.0.1, runs web/tests/weight.test.mjs in
# Debian's Chromium and prints its measurement (a JSON line). Needs `npm ci --prefix web`.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${CARGO_TARGET_DIR:-target}/release/vetmap
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
VETMAP_BIND="127.0.0.1:$PORT" RUST_LOG=warn "$BIN" serve --data-dir data >/dev/null 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/ready" && break; sleep 0.1; done
cd web
VETMAP_URL="http://127.0.0.1:$PORT" node --test tests/weight.test.mjs 2>&1 | sed -n 's/^# bytes transferred: //p'

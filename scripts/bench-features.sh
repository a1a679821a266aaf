#!/usr/bin/env bash
# Items throughput of OGC API – Features: bbox queries against the release server on
# synthetic networks of 1,000 and 2,000,000 institutions, with wrk, on 127.0.0.1 only.
# Usage: bash scripts/bench-features.sh [seconds per run, default 15]
# Needs wrk (apt-get install wrk). Each server is stopped by its own pid when done.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-15}
bin=${CARGO_TARGET_DIR:-target}/release/vetmap
cargo build --release --quiet
command -v wrk >/dev/null || { echo "needs wrk: apt-get install wrk" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A city-sized box (about 11 x 11 km around central Hà Nội) and a region-sized one
# (about 1.1 x 1.1 degrees around it); limit 100 (the default).
city="bbox=105.80,20.98,105.90,21.08"
region="bbox=105.30,20.50,106.40,21.60"

for count in 1000 2000000; do
  dir="$work/synth-$count"
  "$bin" synth --count "$count" --seed 1 --out "$dir" >/dev/null
  port=$((18100 + RANDOM % 800))
  "$bin" serve --data-dir "$dir" --bind "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.5; done
  for q in "$city" "$region"; do
    url="http://127.0.0.1:$port/collections/institutions/items?$q"
    matched=$(curl -s "$url&limit=1" | sed -n 's/.*"numberMatched":\([0-9]*\).*/\1/p')
    echo "== $count institutions, $q (numberMatched $matched, limit 100)"
    wrk -t2 -c16 -d"${secs}s" --latency "$url" | grep -E "Requests/sec|50%|99%|Non-2xx|Socket errors" || true
  done
  kill "$pid"
  wait "$pid" 2>/dev/null || true
done

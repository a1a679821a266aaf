#!/usr/bin/env bash
# Instructions the server executes per request (valgrind's callgrind), for /health and for
# cached z14 tiles of the bundled province in brotli and without coding: counts, not
# seconds, so two builds compare on a busy or shared machine where wall-clock runs do not
# (the tile's cost over /health is what issue 16's cached-tile target is about).
#
#   bash scripts/bench/instructions-per-request.sh BINARY LABEL [REQUESTS]
#
# Runs `BINARY serve` on the bundled data (no database) under callgrind with
# instrumentation off until the requests are sent: each path's tiles are made and
# cached first, one keep-alive connection (curl -K) warms the path, then the counters are
# zeroed, REQUESTS (default 400) are sent on one connection and dumped. Every thread of
# the server counts (the runtime's, the metrics upkeep's). Loopback only; the server is
# stopped here. Run from the repository's root.
set -euo pipefail
BIN=$1; LABEL=$2; N=${3:-400}; PORT=${PORT:-18795}; BASE="http://127.0.0.1:$PORT"
OUT=${OUT:-/tmp/vetmap-instructions}; mkdir -p "$OUT"; rm -f "$OUT/$LABEL".*
export VETMAP_SIGNING_KEYS=${VETMAP_SIGNING_KEYS:-$OUT/signing-keys.pem}
[ -f "$VETMAP_SIGNING_KEYS" ] || openssl genpkey -algorithm ed25519 -out "$VETMAP_SIGNING_KEYS" 2>/dev/null
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$OUT/$LABEL.%p" \
  "$BIN" serve --bind "127.0.0.1:$PORT" >"$OUT/$LABEL.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
until curl -sf "$BASE/ready" >/dev/null; do
  sleep 0.5
  kill -0 $PID 2>/dev/null || { echo "the server exited before it was ready" >&2; exit 1; }
done
# The z14 tiles holding bundled institutions, in file order.
python3 - >"$OUT/tiles.txt" <<'PY'
import json, math
seen = []
for f in json.load(open("data/institutions.geojson"))["features"]:
    lon, lat = f["geometry"]["coordinates"][:2]
    n = 2 ** 14
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    p = f"/tiles/institutions/14/{x}/{y}.mvt"
    if p not in seen:
        seen.append(p)
print("\n".join(seen[:50]))
PY
echo /health >"$OUT/health.txt"
for enc in br identity; do
  while read -r p; do curl -s -o /dev/null -H "Accept-Encoding: $enc" "$BASE$p"; done <"$OUT/tiles.txt"
done
# measure NAME PATHS HEADER: REQUESTS requests cycling through PATHS on one connection.
measure() {
  local lines; lines=$(wc -l <"$2")
  for i in $(seq 0 $((N - 1))); do
    echo "url = \"$BASE$(sed -n "$((i % lines + 1))p" "$2")\""
    echo "output = /dev/null"
  done >"$OUT/requests.txt"
  curl -s -H "$3" -K "$OUT/requests.txt"
  callgrind_control -z $PID >/dev/null 2>&1
  callgrind_control -i on $PID >/dev/null 2>&1
  curl -s -H "$3" -K "$OUT/requests.txt"
  callgrind_control -i off $PID >/dev/null 2>&1
  callgrind_control -d "$1" $PID >/dev/null 2>&1
  local dump; dump=$(grep -l "Trigger: dump $1\$" "$OUT/$LABEL".$PID.* | head -1)
  local total; total=$(awk '/^totals:/{print $2}' "$dump")
  echo "$LABEL $1 instructions_per_request=$((total / N))"
}
measure health "$OUT/health.txt" "Accept-Encoding: br"
measure tiles_br "$OUT/tiles.txt" "Accept-Encoding: br"
measure tiles_identity "$OUT/tiles.txt" "Accept-Encoding: identity"

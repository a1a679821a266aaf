#!/usr/bin/env bash
# HTTP load on the finder endpoints against the real release server on 127.0.0.1:
# the bundled data, then a synthetic network of N institutions (default 2,000,000).
# Usage: bash scripts/bench/finder_http.sh [N]   (needs wrk; each run is 10 s)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-2000000}
PORT=${PORT:-18090}
BIN=${CARGO_TARGET_DIR:-target}/release/vetmap
cargo build --release --quiet
WORK=$(mktemp -d)
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$WORK"' EXIT

wait_ready() {
  local deadline=$((SECONDS + 600))
  until curl -sf "http://127.0.0.1:$PORT/ready" >/dev/null; do
    if ((SECONDS > deadline)); then echo "server not ready" >&2; exit 1; fi
    sleep 1
  done
}

# Paths: random points over the data's region, three filter selectivities, queries.
make_paths() { # $1 occupation code ~1%, $2 ~0.01%, $3 institution count
  python3 - "$1" "$2" "$3" "$WORK" <<'PY'
import random, sys
occ1, occ2, count, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
random.seed(1)
# Trà Vinh for the bundled data, Viet Nam's extent for the national synthetic network.
box = (105.9, 9.5, 106.6, 10.1) if count < 1000 else (102.5, 8.6, 109.0, 23.0)
pts = [(random.uniform(box[0], box[2]), random.uniform(box[1], box[3])) for _ in range(500)]
for name, occ in (("all", None), ("pct1", occ1), ("pct001", occ2)):
    with open(f"{work}/nearby_{name}.txt", "w") as f:
        for lon, lat in pts:
            q = f"/api/v1/nearby?lon={lon:.5f}&lat={lat:.5f}&limit=10"
            f.write(q + (f"&occupation={occ}" if occ else "") + "\n")
with open(f"{work}/search.txt", "w") as f:
    for q in ["cao%20dang%20nghe%20tra%20vinh", "han%20dien", "trung%20tam%20gdnn", "truomg%20cao%20dang", "Cao%20%C4%90%E1%BA%B3ng%20Ngh%E1%BB%81"]:
        f.write(f"/api/v1/search?q={q}\n")
with open(f"{work}/autocomplete.txt", "w") as f:
    for q in ["cao%20d", "trung%20t", "han", "truong%20dai%20h"]:
        f.write(f"/api/v1/search/autocomplete?q={q}\n")
PY
}

# The occupation codes closest to 1% and 0.01% of institutions, from the catalogue.
pick_codes() {
  curl -s "http://127.0.0.1:$PORT/api/v1/occupations" | python3 -c '
import json, sys, math
d = json.load(sys.stdin)["occupations"]
total = int(sys.argv[1])
def closest(share):
    c = min((o for o in d if o["institutions"] > 0), key=lambda o: abs(math.log(o["institutions"] / total) - math.log(share)))
    print(c["code"], end=" ")
    print("%s: %.4f%% of institutions" % (c["code"], 100 * c["institutions"] / total), file=sys.stderr)
closest(0.01); closest(0.0001)
' "$1"
}

run() { # $1 label
  local count
  count=$(curl -s "http://127.0.0.1:$PORT/ready" | python3 -c 'import json,sys; print(json.load(sys.stdin)["institutions"])')
  read -r c1 c2 < <(pick_codes "$count")
  make_paths "$c1" "$c2" "$count"
  for f in nearby_all nearby_pct1 nearby_pct001 search autocomplete; do
    printf '%s %s (%s institutions): ' "$1" "$f" "$count"
    PATHS_FILE="$WORK/$f.txt" wrk -t2 -c16 -d10s -s scripts/bench/finder_paths.lua "http://127.0.0.1:$PORT" | grep -E 'Requests/sec|^requests' | tr '\n' ' '
    echo
  done
}

VETMAP_BIND=127.0.0.1:$PORT "$BIN" serve --data-dir data >"$WORK/serve.log" 2>&1 &
SERVER=$!
wait_ready
run bundled
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true

"$BIN" synth --count "$N" --seed 7 --out "$WORK/synth" >/dev/null
started=$SECONDS
VETMAP_BIND=127.0.0.1:$PORT "$BIN" serve --data-dir "$WORK/synth" >"$WORK/serve.log" 2>&1 &
SERVER=$!
wait_ready
echo "synthetic $N: server ready after $((SECONDS - started)) s"
run "synthetic"

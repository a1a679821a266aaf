#!/usr/bin/env bash
# Peers side by side (issue 16), on one machine, in one run, on the same PostGIS table:
#   bash scripts/bench/peers.sh                 # 2,000,000 institutions (PEERS_N)
#   PEERS_N=200000 bash scripts/bench/peers.sh  # a quick run
#
# vetmap (release build), Martin 1.14.0 (table source on `institutions`, cache on and
# off) and pygeoapi (PostgreSQL provider on `institutions`) are started on 127.0.0.1 and
# driven with wrk, PEERS_DURATION seconds per row, PEERS_CONNECTIONS connections; every
# figure in the table is read in this run, so ratios compare like with like. Martin is
# built with `cargo install` into $CARGO_TARGET_DIR/peers/martin and pygeoapi installed
# with pip into a virtualenv beside it (both reused by the next run); a peer that cannot
# be installed or started is named as missing in its rows, with the reason. Everything
# it starts is stopped on exit; load goes to 127.0.0.1 only and each row ends by itself.
#
# Knobs: PEERS_N, PEERS_DURATION (default 10), PEERS_CONNECTIONS (default 8),
# PEERS_KEEP_DB=1 keeps (and reuses) the synthetic database, PEERS_OUT (the report,
# default $CARGO_TARGET_DIR/peers/report.md), PEERS_UNCACHED (distinct z14 tiles listed
# for the uncached row, default 40000), PEERS_UNCACHED_SECONDS (that row's length, default 3), PEERS_MARTIN_JOBS (cargo -j for Martin's build,
# default 1), PEERS_MARTIN_WAIT (seconds to wait for Martin's build after the other rows,
# default: until it is built; the build is paused while anything is measured),
# PGHOST/PGPORT/PGUSER (default 127.0.0.1:5432 postgres).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

N=${PEERS_N:-2000000}
DURATION=${PEERS_DURATION:-10}
CONNS=${PEERS_CONNECTIONS:-8}
UNCACHED=${PEERS_UNCACHED:-40000}
# The uncached row must end before its list does (a tile asked twice is cached): there
# are only so many distinct z14 tiles with institutions in them (36,427 at 2 M).
UNCACHED_SECS=${PEERS_UNCACHED_SECONDS:-3}
SEED=1
MARTIN_VERSION=1.14.0
PYGEOAPI_VERSION=0.21.0
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
PEERS=$CARGO_TARGET_DIR/peers
OUT=${PEERS_OUT:-$PEERS/report.md}
BIN=$CARGO_TARGET_DIR/release/vetmap
MARTIN=$PEERS/martin/bin/martin
VENV=$PEERS/pygeoapi-venv
mkdir -p "$PEERS"
STARTED=$(date +%s)
log() { echo "[peers $(( $(date +%s) - STARTED ))s] $*" >&2; }

WORK=$(mktemp -d /tmp/vetmap-peers.XXXXXX)
RESULTS=$WORK/results.tsv
: >"$RESULTS"
PIDS=()
DB=
cleanup() {
  if [ -n "${MARTIN_INSTALL:-}" ] && kill -0 "$MARTIN_INSTALL" 2>/dev/null; then
    kill -TERM -- "-$MARTIN_INSTALL" 2>/dev/null || true
    kill -CONT -- "-$MARTIN_INSTALL" 2>/dev/null || true
  fi
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ -n "$DB" ] && [ "${PEERS_KEEP_DB:-0}" != 1 ]; then dropdb --if-exists "$DB" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# record ROW WHO WRK_OUTPUT|- NOTE
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${4:-}" >>"$RESULTS"; }
note() { record note "$1" - "$2"; }

if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    echo "the load test needs wrk (sudo apt-get install -y wrk)" >&2; exit 1
  fi
fi

# --- peers: Martin builds for a long time on two cores, so it starts first, in the
# background, at the lowest priority; its own target dir keeps the next run quick.
martin_ok() { [ -x "$MARTIN" ] && "$MARTIN" --version 2>/dev/null | grep -q "$MARTIN_VERSION"; }
MARTIN_INSTALL=
if ! martin_ok; then
  log "building Martin $MARTIN_VERSION in the background (log: $PEERS/martin-install.log)"
  # Its own session (process group), so it can be paused while anything is measured.
  CARGO_TARGET_DIR=$PEERS/martin-build setsid nice -n 19 cargo install martin \
    --version "$MARTIN_VERSION" --locked --no-default-features --features postgres \
    --root "$PEERS/martin" -j "${PEERS_MARTIN_JOBS:-1}" >"$PEERS/martin-install.log" 2>&1 &
  MARTIN_INSTALL=$!
fi
martin_building() { [ -n "$MARTIN_INSTALL" ] && kill -0 "$MARTIN_INSTALL" 2>/dev/null; }
# A build on the same two cores would be measured too: it is stopped during every row
# and continued between them.
pause_martin_build() { if martin_building; then kill -STOP -- "-$MARTIN_INSTALL" 2>/dev/null || true; fi; }
resume_martin_build() { if martin_building; then kill -CONT -- "-$MARTIN_INSTALL" 2>/dev/null || true; fi; }

pygeoapi_ok() {
  "$VENV/bin/python" -c "import sys, pygeoapi, geoalchemy2, psycopg2; sys.exit(pygeoapi.__version__ != '$PYGEOAPI_VERSION')" 2>/dev/null &&
    [ -x "$VENV/bin/gunicorn" ]
}
if ! pygeoapi_ok; then
  log "installing pygeoapi $PYGEOAPI_VERSION in $VENV"
  if ! python3 -c 'import ensurepip' 2>/dev/null && [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null || true
  fi
  { python3 -m venv "$VENV" &&
    "$VENV/bin/pip" install -q "pygeoapi==$PYGEOAPI_VERSION" psycopg2-binary SQLAlchemy GeoAlchemy2 gunicorn; } \
    >"$PEERS/pygeoapi-install.log" 2>&1 || true
fi

log "building the release binary"
cargo build --release --locked --quiet --bin vetmap

# --- data ------------------------------------------------------------------------------
DB="vetmap_peers_${N}_seed${SEED}"
URL="postgres://$PGUSER@$PGHOST:$PGPORT/$DB"
if [ "${PEERS_KEEP_DB:-0}" = 1 ] && \
   [ "$(psql -d "$DB" -Atc "SELECT count(*) FROM institutions" 2>/dev/null || echo 0)" = "$N" ]; then
  log "reusing $DB"
else
  dropdb --if-exists "$DB" 2>/dev/null || true
  createdb "$DB"
  "$BIN" migrate --database-url "$URL" >"$WORK/synth.log" 2>&1
  log "synth $N institutions into PostGIS"
  "$BIN" synth --count "$N" --seed $SEED --database-url "$URL" >>"$WORK/synth.log" 2>&1
  psql -d "$DB" -qc "ANALYZE"
fi

# --- requests: where institutions are (a sample of the table), the same for every server.
mkdir -p "$WORK/paths"
psql -d "$DB" -Atc "SELECT json_build_object('type', 'FeatureCollection', 'features', json_agg(
    json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(geom)::json,
                      'properties', json_build_object('name_vi', name_vi))))
  FROM (SELECT geom, name_vi FROM institutions ORDER BY md5(id) LIMIT 2000) s" >"$WORK/sample.geojson"
python3 scripts/bench/paths.py "$WORK/sample.geojson" "$WORK/paths" 2>/dev/null
# Distinct z14 tiles where institutions are, in a fixed shuffled order: each asked once.
psql -d "$DB" -Atc "WITH t AS (
    SELECT floor((ST_X(geom) + 180) / 360 * 16384)::int AS x,
           floor((1 - ln(tan(radians(ST_Y(geom))) + 1 / cos(radians(ST_Y(geom)))) / pi()) / 2 * 16384)::int AS y
    FROM institutions)
  SELECT '/tiles/institutions/14/' || x || '/' || y || '.mvt' FROM t GROUP BY x, y
  ORDER BY md5(x || '/' || y) LIMIT $UNCACHED" >"$WORK/paths/tiles_uncached.txt"
P=$WORK/paths
sed -E 's#^/tiles/institutions/(.*)\.mvt$#/institutions/\1#' "$P/tiles_z14.txt" >"$P/martin_z14.txt"
sed -E 's#^/tiles/institutions/(.*)\.mvt$#/institutions/\1#' "$P/tiles_uncached.txt" >"$P/martin_uncached.txt"
sed -E 's#$#\&f=json#' "$P/items_bbox.txt" >"$P/pygeoapi_items_bbox.txt"
sed -E 's#$#\&f=json#' "$P/items_region.txt" >"$P/pygeoapi_items_region.txt"
note paths "$(wc -l <"$P/tiles_z14.txt") cached z14 tiles, $(wc -l <"$P/tiles_uncached.txt") distinct uncached z14 tiles listed, $(wc -l <"$P/items_bbox.txt") boxes per items row"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wait_for URL PID SECONDS: until URL answers 200, the process dies, or time runs out.
wait_for() {
  local deadline=$(( $(date +%s) + $3 ))
  until curl -fs -o /dev/null "$1"; do
    if ! kill -0 "$2" 2>/dev/null || [ "$(date +%s)" -gt "$deadline" ]; then return 1; fi
    sleep 0.1
  done
}

stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# row ROW WHO BASE PATHS [ENCODING [SECONDS]]: wrk over the paths (each connection takes
# the next path), the encoding asked with Accept-Encoding; what the server answered is
# noted.
row() {
  local name=$1 who=$2 base=$3 paths=$4 enc=${5:-} secs=${6:-$DURATION} out="$WORK/wrk-$1-$2.txt" hdr=()
  [ -n "$enc" ] && hdr=(-H "Accept-Encoding: $enc")
  local first; first=$(head -n 1 "$paths")
  local got
  got=$(curl -s -o /dev/null -D - "${hdr[@]}" "$base$first" | tr -d '\r' |
        awk 'BEGIN{IGNORECASE=1} /^HTTP\//{s=$2} /^content-encoding:/{e=$2} /^content-length:/{l="length"} /^transfer-encoding:/{l="chunked"} END{print s, (e?e:"identity"), l}')
  wrk -t1 -c"$CONNS" -d"${secs}s" --latency "${hdr[@]}" -s scripts/bench/mix.lua "$base" -- "$paths" \
    >"$out" 2>&1 || true
  record "$name" "$who" "$out" "first answer: $got"
}

# warm BASE PATHS [ENCODING]: every path once, in the encoding the row will ask for (so
# the cached rows measure the cache, not a tile's first compression).
warm() {
  local hdr=(); [ -n "${3:-}" ] && hdr=(-H "Accept-Encoding: $3")
  sed "s#^#$1#" "$2" | xargs -P 4 -I{} curl -s "${hdr[@]}" -o /dev/null {}
}

# --- vetmap ----------------------------------------------------------------------------
PORT=$(free_port); VETMAP=http://127.0.0.1:$PORT
log "starting vetmap on $N institutions"
env -u DATABASE_URL RUST_LOG=warn VETMAP_BIND="127.0.0.1:$PORT" DATABASE_URL="$URL" \
  "$BIN" serve >"$WORK/vetmap.log" 2>&1 &
VPID=$!; PIDS+=("$VPID")
if ! wait_for "$VETMAP/ready" "$VPID" 600; then
  tail -20 "$WORK/vetmap.log" >&2; echo "vetmap did not become ready" >&2; exit 1
fi
curl -s -o /dev/null "$VETMAP/tiles/institutions/0/0/0.mvt"   # prepares the tile snapshot
pause_martin_build
log "vetmap: rows"
row health vetmap "$VETMAP" "$P/health.txt"
row tiles_uncached vetmap "$VETMAP" "$P/tiles_uncached.txt" "" "$UNCACHED_SECS"
warm "$VETMAP" "$P/tiles_z14.txt"
for enc in identity gzip br; do
  H=; [ "$enc" != identity ] && H=$enc
  warm "$VETMAP" "$P/tiles_z14.txt" "$H"
  row "tiles_$enc" vetmap "$VETMAP" "$P/tiles_z14.txt" "$H"
done
row items_bbox vetmap "$VETMAP" "$P/items_bbox.txt"
row items_region vetmap "$VETMAP" "$P/items_region.txt"
row nearby vetmap "$VETMAP" "$P/nearby.txt"
row search vetmap "$VETMAP" "$P/search.txt"
row search_map vetmap "$VETMAP" "$P/search_map.txt"
row health_after vetmap "$VETMAP" "$P/health.txt"
note vetmap "resident memory after the rows: $(( $(awk '/^VmRSS/ {print $2}' "/proc/$VPID/status") / 1024 )) MiB"
stop "$VPID"

# --- pygeoapi --------------------------------------------------------------------------
if pygeoapi_ok; then
  PORT=$(free_port); GBASE=http://127.0.0.1:$PORT
  sed -e "s#@PORT@#$PORT#g" -e "s#@DB@#$DB#g" -e "s#@PGHOST@#$PGHOST#g" \
      -e "s#@PGPORT@#$PGPORT#g" -e "s#@PGUSER@#$PGUSER#g" \
      scripts/bench/pygeoapi.yml >"$WORK/pygeoapi.yml"
  export PYGEOAPI_CONFIG=$WORK/pygeoapi.yml PYGEOAPI_OPENAPI=$WORK/pygeoapi-openapi.yml
  if "$VENV/bin/pygeoapi" openapi generate "$PYGEOAPI_CONFIG" --output-file "$PYGEOAPI_OPENAPI" \
       >"$WORK/pygeoapi.log" 2>&1; then
    # One worker process per core, as a production deployment of a WSGI app would run.
    "$VENV/bin/gunicorn" -w "$(nproc)" -b "127.0.0.1:$PORT" pygeoapi.flask_app:APP \
      >>"$WORK/pygeoapi.log" 2>&1 &
    GPID=$!; PIDS+=("$GPID")
    if wait_for "$GBASE/collections/institutions?f=json" "$GPID" 120; then
      log "pygeoapi: rows"
      row items_bbox pygeoapi "$GBASE" "$P/pygeoapi_items_bbox.txt"
      row items_region pygeoapi "$GBASE" "$P/pygeoapi_items_region.txt"
    else
      note pygeoapi "MISSING: pygeoapi did not start: $(tail -3 "$WORK/pygeoapi.log" | tr '\n' ' ')"
    fi
    stop "$GPID"
  else
    note pygeoapi "MISSING: pygeoapi could not write its OpenAPI document: $(tail -3 "$WORK/pygeoapi.log" | tr '\n' ' ')"
  fi
else
  note pygeoapi "MISSING: pygeoapi $PYGEOAPI_VERSION is not installed (see $PEERS/pygeoapi-install.log: $(tail -2 "$PEERS/pygeoapi-install.log" 2>/dev/null | tr '\n' ' '))"
fi

# --- Martin ----------------------------------------------------------------------------
if martin_building; then
  # PEERS_MARTIN_WAIT seconds at most (default: until it is built), then Martin is missing.
  log "continuing Martin's build and waiting for it"
  resume_martin_build
  deadline=$(( $(date +%s) + ${PEERS_MARTIN_WAIT:-999999} ))
  while martin_building && [ "$(date +%s)" -lt "$deadline" ]; do sleep 5; done
  if martin_building; then
    note martin "MISSING: Martin's build did not finish within PEERS_MARTIN_WAIT=${PEERS_MARTIN_WAIT:-} s of waiting ($(grep -c Compiling "$PEERS/martin-install.log") crates compiled so far; the next run goes on from there)"
    kill -TERM -- "-$MARTIN_INSTALL" 2>/dev/null || true
    wait "$MARTIN_INSTALL" 2>/dev/null || true
  fi
fi
if martin_ok; then
  for mode in off on; do
    PORT=$(free_port); MBASE=http://127.0.0.1:$PORT
    size=0; [ $mode = on ] && size=512
    "$MARTIN" --no-tui -l "127.0.0.1:$PORT" -C $size "$URL" >"$WORK/martin-$mode.log" 2>&1 &
    MPID=$!; PIDS+=("$MPID")
    if ! wait_for "$MBASE/catalog" "$MPID" 120; then
      # Older command lines had no --no-tui: try without it once.
      stop "$MPID"
      "$MARTIN" -l "127.0.0.1:$PORT" -C $size "$URL" >"$WORK/martin-$mode.log" 2>&1 </dev/null &
      MPID=$!; PIDS+=("$MPID")
      wait_for "$MBASE/catalog" "$MPID" 120 || {
        note martin "MISSING: Martin did not start (cache $mode): $(tail -3 "$WORK/martin-$mode.log" | tr '\n' ' ')"
        continue
      }
    fi
    curl -s -o /dev/null "$MBASE/institutions/0/0/0"
    if [ $mode = off ]; then
      log "Martin, cache off: rows"
      row tiles_uncached martin "$MBASE" "$P/martin_uncached.txt" "" "$UNCACHED_SECS"
    else
      log "Martin, cache on: rows"
      for enc in identity gzip br; do
        H=; [ "$enc" != identity ] && H=$enc
        warm "$MBASE" "$P/martin_z14.txt" "$H"
        row "tiles_$enc" martin "$MBASE" "$P/martin_z14.txt" "$H"
      done
    fi
    stop "$MPID"
  done
elif ! grep -q "MISSING: Martin's build did not finish" "$RESULTS"; then
  note martin "MISSING: Martin $MARTIN_VERSION is not installed (cargo install failed or did not finish; see $PEERS/martin-install.log: $(tail -2 "$PEERS/martin-install.log" 2>/dev/null | tr '\n' ' '))"
fi

# --- report ----------------------------------------------------------------------------
python3 scripts/bench/peers_report.py "$RESULTS" \
  --command "PEERS_N=$N bash scripts/bench/peers.sh" --n "$N" --duration "$DURATION" \
  --connections "$CONNS" --seconds "$(( $(date +%s) - STARTED ))" >"$OUT"
cat "$OUT"
log "wrote $OUT"

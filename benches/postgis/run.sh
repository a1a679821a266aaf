#!/usr/bin/env bash
# The PostGIS comparison: the same institution tiles made by ST_AsMVT, timed with
# pgbench over the same box and zooms as examples/tile_load.rs.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/vetmap_bench \
#     bash benches/postgis/run.sh 105.7,20.9,106.0,21.15 "8 11 13" 10 8
# (box, zooms, seconds per zoom, clients). Zooms of 12 and above use points.sql, lower
# ones clusters.sql. The database must hold the data: `vetmap migrate` then
# `vetmap synth --count N --seed 1` with DATABASE_URL set (or `vetmap import data`).
set -euo pipefail
cd "$(dirname "$0")"
IFS=, read -r lon0 lat0 lon1 lat1 <<<"$1"
zooms=${2:-"8 11 13"}; seconds=${3:-10}; clients=${4:-8}
tile() { # z lon lat -> "x y"
  awk -v z="$1" -v lon="$2" -v lat="$3" 'BEGIN { n = 2 ^ z; pi = atan2(0, -1); r = lat * pi / 180;
    printf "%d %d\n", int((lon + 180) / 360 * n), int((1 - log(sin(r) / cos(r) + 1 / cos(r)) / pi) / 2 * n) }'
}
for z in $zooms; do
  read -r xmin ymax < <(tile "$z" "$lon0" "$lat0")
  read -r xmax ymin < <(tile "$z" "$lon1" "$lat1")
  script=clusters.sql; [ "$z" -ge 12 ] && script=points.sql
  echo "== z$z x $xmin..$xmax y $ymin..$ymax ($script)"
  pgbench -n -T "$seconds" -c "$clients" -j 2 -f "$script" \
    -D z="$z" -D xmin="$xmin" -D xmax="$xmax" -D ymin="$ymin" -D ymax="$ymax" "$DATABASE_URL" \
    | grep -E "latency average|tps|number of transactions actually"
done

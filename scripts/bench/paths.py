#!/usr/bin/env python3
"""Request mixes for scripts/bench.sh: one file of URL paths per endpoint, drawn from a
synthetic network's institution positions (requests go where the data is), with a fixed
seed so every run sends the same requests.

usage: paths.py INSTITUTIONS_GEOJSON OUT_DIR
"""
import json
import math
import random
import sys
import unicodedata
from urllib.parse import quote

N = 2000  # paths per file; wrk cycles through them


def tile(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180.0) / 360.0 * n)
    r = math.radians(lat)
    y = int((1.0 - math.asinh(math.tan(r)) / math.pi) / 2.0 * n)
    return x, y


def fold(s):
    s = s.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn").lower()


def main():
    src, out = sys.argv[1], sys.argv[2]
    with open(src, encoding="utf-8") as f:
        feats = json.load(f)["features"]
    rng = random.Random(42)
    pts = [f["geometry"]["coordinates"] for f in feats]
    names = [f["properties"]["name_vi"] for f in feats]

    def jitter(deg):
        lon, lat = rng.choice(pts)
        return lon + rng.uniform(-deg, deg), lat + rng.uniform(-deg, deg)

    mixes = {"health": ["/health"]}
    mixes["nearby"] = [
        "/api/v1/nearby?lon=%.5f&lat=%.5f&limit=10" % jitter(0.2) for _ in range(N)
    ]
    items = []
    for _ in range(N):
        lon, lat = jitter(0.1)
        items.append("/collections/institutions/items?bbox=%.4f,%.4f,%.4f,%.4f&limit=100"
                     % (lon - 0.05, lat - 0.05, lon + 0.05, lat + 0.05))
    mixes["items_bbox"] = items
    for z in (6, 10, 14):
        # A few hundred distinct tiles at most, requested again and again: the cached case.
        tiles = sorted({tile(*jitter(0.05), z) for _ in range(300)})
        mixes["tiles_z%d" % z] = ["/tiles/institutions/%d/%d/%d.mvt" % (z, x, y) for x, y in tiles]
    queries = []
    for _ in range(N):
        words = fold(rng.choice(names)).split()
        k = rng.randint(2, min(4, len(words)))
        queries.append("/api/v1/search?q=" + quote(" ".join(words[:k])))
    mixes["search"] = queries
    for name, paths in mixes.items():
        with open("%s/%s.txt" % (out, name), "w", encoding="utf-8") as f:
            f.write("\n".join(paths) + "\n")


if __name__ == "__main__":
    main()

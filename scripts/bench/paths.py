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
    def boxes(half):
        out = []
        for _ in range(N):
            lon, lat = jitter(0.1)
            out.append("/collections/institutions/items?bbox=%.4f,%.4f,%.4f,%.4f&limit=100"
                       % (lon - half, lat - half, lon + half, lat + half))
        return out

    # A town-sized box (0.1 degree), and a region-sized one (about 1.1 x 1.1 degrees:
    # numberMatched in the tens of thousands at national scale, a page of 100 returned).
    mixes["items_bbox"] = boxes(0.05)
    mixes["items_region"] = boxes(0.55)
    # Nearby with an occupation filter: the code taught by about 1% of institutions, and
    # the rarest code of the sample (the R-tree walk must skip almost everything).
    teaching = {}
    for f in feats:
        for code in {p["occupation_code"] for p in f["properties"].get("programmes") or []}:
            teaching[code] = teaching.get(code, 0) + 1
    if teaching:
        common = min(teaching, key=lambda c: abs(math.log(teaching[c] / len(feats)) - math.log(0.01)))
        rare = min(teaching, key=lambda c: (teaching[c], c))
        for name, code in (("nearby_occ_common", common), ("nearby_occ_rare", rare)):
            mixes[name] = ["/api/v1/nearby?lon=%.5f&lat=%.5f&limit=10&occupation=%s"
                           % (*jitter(0.2), code) for _ in range(N)]
            print("%s: occupation %s, taught by %.3f%% of the sample's institutions"
                  % (name, code, 100.0 * teaching[code] / len(feats)), file=sys.stderr)
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
    prefixes = []
    for _ in range(N):
        words = fold(rng.choice(names)).split()
        k = rng.randint(1, min(3, len(words)))
        last = words[k - 1][: max(1, len(words[k - 1]) // 2)]
        prefixes.append("/api/v1/search/autocomplete?q=" + quote(" ".join(words[: k - 1] + [last])))
    mixes["autocomplete"] = prefixes
    # What the map sends (web/src/main.js): the search box's words with the map's centre
    # or the user's place, limit=30. The point is near one institution of the sample, the
    # words another's, so the best matches are often far from the point.
    near = []
    for q in queries:
        near.append("%s&lon=%.5f&lat=%.5f&limit=30" % ((q,) + jitter(0.05)))
    mixes["search_map"] = near
    for name, paths in mixes.items():
        with open("%s/%s.txt" % (out, name), "w", encoding="utf-8") as f:
            f.write("\n".join(paths) + "\n")


if __name__ == "__main__":
    main()

"""GDAL's OGCAPI driver on one of our OGC API - Tiles resources, through pyogrio.

    python ogcapi_tiles.py OGCAPI:http://127.0.0.1:PORT/collections/institutions ZOOM

Prints one JSON document on standard output: the GDAL version; the layers the driver
makes without and with the extent given; for the layer `Zoom level ZOOM`, what
`read_info` says and every feature (its fid, geometry type, bounds, point coordinates,
attributes). tests/ogc_tiles_client.rs runs it with the GDAL that pyogrio bundles
(scripts/gdal-venv.sh) and checks it against the index.
"""

import json
import math
import struct
import sys

import pyogrio
import pyogrio.errors
import pyogrio.raw

# WebMercatorQuad's extent in its own CRS (EPSG:3857).
WORLD = 20037508.342789244
# The driver's vector branch takes the collection's CRS84 `extent.spatial.bbox` as if it
# were in the tile matrix set's CRS (it reprojects it for raster tiles only), which
# leaves tile matrices 0 and 1; its documented MINX.. open options set the extent.
OPEN_OPTIONS = {
    "API": "TILES",
    "VECTOR_FORMAT": "MVT",
    "TILEMATRIXSET": "WebMercatorQuad",
    "MINX": -WORLD,
    "MINY": -WORLD,
    "MAXX": WORLD,
    "MAXY": WORLD,
}

WKB_TYPES = {
    1: "Point",
    2: "LineString",
    3: "Polygon",
    4: "MultiPoint",
    5: "MultiLineString",
    6: "MultiPolygon",
    7: "GeometryCollection",
}


def wkb_geometry(wkb):
    """(type name, [minx, miny, maxx, maxy], the first point) of a 2D WKB geometry."""
    xs, ys = [], []

    def geometry(offset):
        order = "<" if wkb[offset] == 1 else ">"
        (kind,) = struct.unpack_from(order + "I", wkb, offset + 1)
        offset += 5

        def count(at):
            return struct.unpack_from(order + "I", wkb, at)[0], at + 4

        def points(at, n):
            for i in range(n):
                x, y = struct.unpack_from(order + "dd", wkb, at + 16 * i)
                xs.append(x)
                ys.append(y)
            return at + 16 * n

        if kind == 1:
            offset = points(offset, 1)
        elif kind == 2:
            n, offset = count(offset)
            offset = points(offset, n)
        elif kind == 3:
            rings, offset = count(offset)
            for _ in range(rings):
                n, offset = count(offset)
                offset = points(offset, n)
        elif kind in (4, 5, 6, 7):
            parts, offset = count(offset)
            for _ in range(parts):
                _, offset = geometry(offset)
        else:
            raise ValueError(f"WKB geometry type {kind}")
        return WKB_TYPES[kind], offset

    name, _ = geometry(0)
    bounds = [min(xs), min(ys), max(xs), max(ys)] if xs else None
    first = [xs[0], ys[0]] if xs else None
    return name, bounds, first


def plain(value):
    """A JSON value of a numpy scalar; null for a missing one (NaN in a float column)."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def layers_with_options(url):
    """The layers the driver makes with OPEN_OPTIONS (list_layers takes no options)."""
    names = []
    while True:
        try:
            info = pyogrio.read_info(url, layer=len(names), **OPEN_OPTIONS)
        except pyogrio.errors.DataLayerError:
            return names
        names.append(info["layer_name"])


def main():
    url, zoom = sys.argv[1], int(sys.argv[2])
    layer = f"Zoom level {zoom}"
    info = pyogrio.read_info(url, layer=layer, force_feature_count=True, **OPEN_OPTIONS)
    meta, fids, geometries, columns = pyogrio.raw.read(
        url, layer=layer, return_fids=True, **OPEN_OPTIONS
    )
    features = []
    for i, wkb in enumerate(geometries):
        kind, bounds, first = wkb_geometry(bytes(wkb)) if wkb is not None else (None,) * 3
        features.append(
            {
                "fid": plain(fids[i]),
                "geometry_type": kind,
                "bounds": bounds,
                "first_point": first,
                "properties": {
                    name: plain(column[i]) for name, column in zip(meta["fields"], columns)
                },
            }
        )
    print(
        json.dumps(
            {
                "gdal": pyogrio.__gdal_version_string__,
                "layers_without_extent": [str(n) for n, _ in pyogrio.list_layers(url)],
                "layers": layers_with_options(url),
                "layer": {
                    "name": info["layer_name"],
                    "crs": info["crs"],
                    "driver": info["driver"],
                    "feature_count": info["features"],
                    "fields": list(info["fields"]),
                    "geometry_type": info["geometry_type"],
                },
                "features": features,
            },
            ensure_ascii=False,
            allow_nan=False,
        )
    )


if __name__ == "__main__":
    main()

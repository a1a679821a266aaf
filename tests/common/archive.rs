//! PMTiles archives written by the tests themselves, with the `pmtiles` crate's writer
//! and tiles from our own MVT encoder.

use std::path::Path;

use geo::Coord;
use pmtiles::{PmTilesWriter, TileCoord, TileType};
use serde_json::{Value, json};
use vetmap::tiles::{Prop, TileBuilder};

/// A tile's `z/x/y` and its bytes.
pub type Tile = ((u8, u32, u32), Vec<u8>);

/// A tile in the Protomaps layout: `earth` covering it, a `water` square, a grid of
/// `roads` lines and of `places` points named `name`.
pub fn protomaps_tile(name: &str) -> Vec<u8> {
    let mut t = TileBuilder::new();
    let ring = |a: f64, b: f64| {
        geo::MultiPolygon::new(vec![geo::Polygon::new(
            geo::LineString::from(vec![(a, a), (b, a), (b, b), (a, b), (a, a)]),
            vec![],
        )])
    };
    let mut earth = t.layer("earth");
    earth.polygons(&ring(0.0, 4096.0), None, &[("kind", Prop::Str("earth"))]);
    t.add(earth);
    let mut water = t.layer("water");
    let ponds: Vec<geo::Polygon<f64>> = (0..64u32)
        .flat_map(|i| {
            let (x, y) = (f64::from(i % 8) * 512.0, f64::from(i / 8) * 512.0);
            ring(0.0, 200.0).0.into_iter().map(move |p| {
                use geo::Translate;
                p.translate(x, y)
            })
        })
        .collect();
    water.polygons(
        &geo::MultiPolygon::new(ponds),
        None,
        &[("kind", Prop::Str("river"))],
    );
    t.add(water);
    // A grid of roads and of places, so that any part of a tile a map shows has some.
    let mut roads = t.layer("roads");
    let lines: Vec<geo::LineString<f64>> = (0..16)
        .map(|i| {
            let y = f64::from(i) * 256.0 + 128.0;
            geo::LineString::from(vec![(0.0, y), (4096.0, y)])
        })
        .collect();
    roads.lines(
        &geo::MultiLineString::new(lines),
        None,
        &[("kind", Prop::Str("major_road"))],
    );
    t.add(roads);
    let mut places = t.layer("places");
    for i in 0..8u32 {
        for j in 0..8u32 {
            places.point(
                Coord {
                    x: f64::from(i) * 512.0 + 256.0,
                    y: f64::from(j) * 512.0 + 256.0,
                },
                Some(u64::from(i * 8 + j + 1)),
                &[
                    ("kind", Prop::Str("locality")),
                    ("name", Prop::Str(name)),
                    ("min_zoom", Prop::Int(0)),
                    ("population_rank", Prop::Int(10)),
                ],
            );
        }
    }
    t.add(places);
    t.finish().expect("a tile with content")
}

/// The metadata an extract carries: its layers and OpenStreetMap's attribution.
pub fn metadata(layers: &[&str]) -> Value {
    json!({
        "name": "test extract",
        "attribution": "<a href=\"https://www.openstreetmap.org/copyright\">© OpenStreetMap</a>",
        "vector_layers": layers.iter().map(|l| json!({"id": l, "fields": {}})).collect::<Vec<_>>(),
    })
}

/// Writes `tiles` (gzip-compressed, as Protomaps archives are) to `path`.
pub fn write(path: &Path, tiles: &[Tile], max_zoom: u8, metadata: &Value) {
    let file = std::fs::File::create(path).expect("create the archive");
    let mut w = PmTilesWriter::new(TileType::Mvt)
        .min_zoom(0)
        .max_zoom(max_zoom)
        .bounds(102.14, 8.18, 109.47, 23.39)
        .center(106.34, 9.93)
        .center_zoom(max_zoom)
        .metadata(metadata.to_string())
        .create(file)
        .expect("start the archive");
    for ((z, x, y), bytes) in tiles {
        w.add_tile(TileCoord::new(*z, *x, *y).expect("a tile address"), bytes)
            .expect("add a tile");
    }
    w.finalize().expect("finish the archive");
}

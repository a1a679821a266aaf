//! TileJSON 3.0.0 documents and the catalogue, from the tileset descriptions.

use serde_json::{Value, json};

use super::Tileset;
use super::prepared::Prepared;

/// Viet Nam, when there is no data to take bounds from.
const FALLBACK_BOUNDS: [f64; 4] = [102.14, 8.18, 109.47, 23.39];

/// Where a tileset has data (west, south, east, north; WGS84): the base map covers Viet
/// Nam, the others the institutions and areas of a snapshot (`data`: `Prepared::bounds`;
/// Viet Nam when there are none).
pub fn bounds(tileset: Tileset, data: Option<[f64; 4]>) -> [f64; 4] {
    match tileset {
        Tileset::Base => FALLBACK_BOUNDS,
        _ => data.unwrap_or(FALLBACK_BOUNDS),
    }
}

/// The TileJSON of one tileset. `base` is the service's public root (no trailing
/// slash); `query` the canonical filter, repeated in the tile URLs so that a filtered
/// TileJSON yields filtered tiles.
pub fn tilejson(
    tileset: Tileset,
    base: &str,
    query: &str,
    prepared: &Prepared,
    version: &str,
) -> Value {
    let bounds = bounds(tileset, prepared.bounds);
    let (min, max) = (*tileset.zooms().start(), *tileset.zooms().end());
    let centre_zoom = match tileset {
        Tileset::Base => 5,
        _ => 9,
    };
    let suffix = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    let layers: Vec<Value> = tileset
        .layers()
        .into_iter()
        .map(|l| l.vector_layer(0..=u8::MAX))
        .collect();
    json!({
        "tilejson": "3.0.0",
        "name": tileset.name(),
        "description": tileset.description(),
        "version": "1.0.0",
        "attribution": tileset.attribution(),
        "scheme": "xyz",
        "tiles": [format!("{base}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt{suffix}", tileset.id())],
        "minzoom": min,
        "maxzoom": max,
        "bounds": bounds,
        "center": [(bounds[0] + bounds[2]) / 2.0, (bounds[1] + bounds[3]) / 2.0, centre_zoom],
        "vector_layers": layers,
        "data_version": version,
    })
}

/// `/tiles`: every tileset with links to its TileJSON and tiles.
pub fn catalogue(base: &str) -> Value {
    let sets: Vec<Value> = Tileset::ALL
        .iter()
        .map(|t| {
            json!({
                "id": t.id(),
                "name": t.name(),
                "description": t.description(),
                "minzoom": t.zooms().start(),
                "maxzoom": t.zooms().end(),
                "layers": t.layers().iter().map(|l| l.id).collect::<Vec<_>>(),
                "tilejson": format!("{base}/tiles/{}.json", t.id()),
                "tiles": format!("{base}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt", t.id()),
            })
        })
        .collect();
    json!({ "tilesets": sets })
}

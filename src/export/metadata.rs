//! The archive's metadata (PMTiles v3 JSON metadata, TileJSON-style), from the same
//! tileset descriptions the server's TileJSON uses, plus a `vetmap` object for the
//! static web map:
//!
//! ```json
//! { "name", "description", "attribution", "vector_layers": [{id, description, fields,
//!   minzoom, maxzoom}], "bounds", "center", "minzoom", "maxzoom",
//!   "vetmap": { "format": 1, "version": "<dataset version>", "institutions": N,
//!               "data_bounds": [w, s, e, n],
//!               "tilesets": { "base": [..], "admin-areas": [..], "institutions": [..] } } }
//! ```
//!
//! `bounds` is where the archive has tiles (the country's land at low zooms, and the
//! data); `data_bounds` and `center` are where the institutions and areas are, which a
//! map fits its first view to.

use serde_json::{Map, Value, json};

use crate::tiles::Tileset;

/// The version of the `vetmap` object's shape; a reader refuses a format it does not know.
pub const FORMAT: u32 = 1;

/// The tilesets in the archive, in the order their layers are written in a tile: the
/// base map at the bottom, institutions on top.
pub const TILESETS: [Tileset; 3] = [Tileset::Base, Tileset::AdminAreas, Tileset::Institutions];

/// What the metadata says beyond the tileset descriptions.
pub struct About<'a> {
    pub version: &'a str,
    pub institutions: u64,
    pub min_zoom: u8,
    pub max_zoom: u8,
    pub bounds: [f64; 4],
    pub data_bounds: [f64; 4],
    /// Longitude, latitude, zoom.
    pub center: (f64, f64, u8),
}

/// The layers of `tileset` the archive holds at zooms `min..=max`, with their zooms
/// narrowed to those.
fn layers(tileset: Tileset, min: u8, max: u8) -> Vec<Value> {
    tileset
        .layers()
        .into_iter()
        .filter(|l| l.minzoom <= max && l.maxzoom >= min)
        .map(|l| l.vector_layer(min..=max))
        .collect()
}

pub fn metadata(about: &About) -> Value {
    let (min, max) = (about.min_zoom, about.max_zoom);
    let per_set: Vec<(Tileset, Vec<Value>)> = TILESETS
        .iter()
        .map(|t| (*t, layers(*t, min, max)))
        .collect();
    let tilesets: Map<String, Value> = per_set
        .iter()
        .map(|(t, ls)| {
            let ids: Vec<Value> = ls.iter().map(|l| l["id"].clone()).collect();
            (t.id().to_owned(), Value::Array(ids))
        })
        .collect();
    let vector_layers: Vec<Value> = per_set.into_iter().flat_map(|(_, ls)| ls).collect();
    let attribution: Vec<&str> = TILESETS.iter().map(|t| t.attribution()).collect();
    let (lon, lat, zoom) = about.center;
    json!({
        "name": "vetmap",
        "description": format!(
            "The public map's tilesets ({}) in one archive, each tile holding the layers of all three. \
             Institutions are clustered below zoom 12; at zoom {max}, the archive's last, every \
             institution is a point.",
            TILESETS.map(|t| t.id()).join(", ")
        ),
        "attribution": attribution.join("; "),
        "type": "baselayer",
        "vector_layers": vector_layers,
        "bounds": about.bounds,
        "center": [lon, lat, zoom],
        "minzoom": min,
        "maxzoom": max,
        "vetmap": {
            "format": FORMAT,
            "version": about.version,
            "institutions": about.institutions,
            "data_bounds": about.data_bounds,
            "tilesets": tilesets,
        },
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    fn about(min: u8, max: u8) -> About<'static> {
        About {
            version: "v1",
            institutions: 12,
            min_zoom: min,
            max_zoom: max,
            bounds: [102.0, 8.0, 110.0, 24.0],
            data_bounds: [105.9, 9.5, 106.6, 10.1],
            center: (106.2, 9.8, 9),
        }
    }

    #[test]
    fn layer_names_are_distinct_across_the_tilesets() {
        // One tile carries every tileset's layers: a shared name would merge two layers.
        let ids: Vec<&str> = TILESETS
            .iter()
            .flat_map(|t| t.layers().into_iter().map(|l| l.id))
            .collect();
        let distinct: HashSet<&str> = ids.iter().copied().collect();
        assert_eq!(distinct.len(), ids.len(), "{ids:?}");
    }

    #[test]
    fn every_layer_is_listed_with_zooms_within_the_archive() {
        let m = metadata(&about(0, 14));
        let layers = m["vector_layers"].as_array().expect("a list");
        let listed: usize = m["vetmap"]["tilesets"]
            .as_object()
            .expect("an object")
            .values()
            .map(|v| v.as_array().map_or(0, Vec::len))
            .sum();
        assert_eq!(layers.len(), listed);
        assert_eq!(
            m["vetmap"]["tilesets"]["institutions"],
            json!(["institutions"])
        );
        for l in layers {
            assert!(l["maxzoom"].as_u64().expect("maxzoom") <= 14, "{l}");
            assert!(l["fields"].is_object(), "{l}");
        }
        // The places layer starts at zoom 6: an archive that stops at 3 does not list it.
        let low = metadata(&about(0, 3));
        assert!(
            !low["vetmap"]["tilesets"]["base"]
                .as_array()
                .expect("a list")
                .contains(&json!("places"))
        );
        assert_eq!(low["maxzoom"], 3);
    }
}

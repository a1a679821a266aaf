//! OGC API – Tiles (OGC 20-057) documents of our tilesets: the tilesets list and the
//! tileset metadata (2DTMS 2.0 "tile set metadata", JSON) from the same tileset
//! descriptions TileJSON uses ([`super::tilesets`]), so both describe one set of tiles.
//!
//! Where each tileset lives is the caller's choice (a [`Home`]); `api::ogc_tiles`
//! puts the collections' tilesets under `/collections/{id}/tiles` and the base map's
//! under `/base/tiles`.

use serde_json::{Map, Value, json};

use super::Tileset;
use super::prepared::Prepared;
use super::tilejson;
use super::tms::{self, CRS_3857, CRS84, WEB_MERCATOR_QUAD, WEB_MERCATOR_QUAD_URI};

pub const REL_TILESETS_VECTOR: &str = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector";
pub const REL_TILING_SCHEME: &str = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme";
pub const REL_TILING_SCHEMES: &str = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes";
pub const REL_GEODATA: &str = "http://www.opengis.net/def/rel/ogc/1.0/geodata";
pub const MVT: &str = "application/vnd.mapbox-vector-tile";

/// Where a tileset's OGC resources are.
pub struct Home<'a> {
    /// The service's public root, no trailing slash.
    pub base: &'a str,
    /// The resource the tiles are of: `/collections/institutions`, `/base`.
    pub geodata: String,
}

impl Home<'_> {
    /// The tilesets list: `{geodata}/tiles`.
    pub fn tiles(&self) -> String {
        format!("{}{}/tiles", self.base, self.geodata)
    }

    /// The one tileset: `{geodata}/tiles/WebMercatorQuad`.
    pub fn tileset(&self) -> String {
        format!("{}/{WEB_MERCATOR_QUAD}", self.tiles())
    }

    fn tiling_scheme(&self) -> String {
        format!("{}/tileMatrixSets/{WEB_MERCATOR_QUAD}", self.base)
    }
}

fn link(href: String, rel: &str, media_type: &str, title: &str) -> Value {
    json!({"href": href, "rel": rel, "type": media_type, "title": title})
}

/// `{geodata}/tiles`: the tilesets of one resource (one: WebMercatorQuad).
pub fn tileset_list(tileset: Tileset, home: &Home) -> Value {
    json!({
        "links": [link(home.tiles(), "self", "application/json", "Tilesets")],
        "tilesets": [{
            "title": tileset.name(),
            "dataType": "vector",
            "crs": CRS_3857,
            "tileMatrixSetURI": WEB_MERCATOR_QUAD_URI,
            "links": [
                link(home.tileset(), "self", "application/json", "The tileset (WebMercatorQuad)"),
                link(home.tiling_scheme(), REL_TILING_SCHEME, "application/json", "WebMercatorQuad"),
            ],
        }],
    })
}

/// `{geodata}/tiles/WebMercatorQuad`: the tileset's metadata, its limits from the
/// data of this snapshot and the link template of its tiles.
pub fn tileset(tileset: Tileset, home: &Home, prepared: &Prepared) -> Value {
    let b = tilejson::bounds(tileset, prepared.bounds);
    let limits: Vec<Value> = tms::limits(b, tileset.zooms())
        .into_iter()
        .map(|l| l.to_json())
        .collect();
    let layers: Vec<Value> = tileset
        .layers()
        .into_iter()
        .map(|l| {
            let properties: Map<String, Value> = l
                .fields
                .iter()
                .map(|(k, d)| ((*k).to_owned(), json!({"description": d})))
                .collect();
            json!({
                "id": l.id,
                "description": l.description,
                "dataType": "vector",
                "geometryDimension": l.geometry_dimension,
                "minTileMatrix": l.minzoom.to_string(),
                "maxTileMatrix": l.maxzoom.to_string(),
                "propertiesSchema": {"type": "object", "properties": properties},
            })
        })
        .collect();
    let (min, max) = (*tileset.zooms().start(), *tileset.zooms().end());
    let centre_matrix = if tileset == Tileset::Base { 5 } else { 9 };
    let geodata_title = if tileset == Tileset::Base {
        "Bản đồ nền / The base map"
    } else {
        "Lớp dữ liệu / The collection"
    };
    json!({
        "title": tileset.name(),
        "description": tileset.description(),
        "attribution": tileset.attribution(),
        "dataType": "vector",
        "crs": CRS_3857,
        "tileMatrixSetURI": WEB_MERCATOR_QUAD_URI,
        "tileMatrixSetLimits": limits,
        "boundingBox": {"lowerLeft": [b[0], b[1]], "upperRight": [b[2], b[3]], "crs": CRS84},
        "centerPoint": {
            "coordinates": [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0],
            "tileMatrix": centre_matrix.clamp(min, max).to_string(),
            "crs": CRS84,
        },
        "mediaTypes": [MVT],
        "layers": layers,
        "links": [
            link(home.tileset(), "self", "application/json", "This tileset"),
            link(home.tiling_scheme(), REL_TILING_SCHEME, "application/json", "WebMercatorQuad"),
            link(format!("{}{}", home.base, home.geodata), REL_GEODATA, "application/json", geodata_title),
            json!({
                "href": format!("{}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}", home.tileset()),
                "rel": "item",
                "type": MVT,
                "templated": true,
                "title": "Tiles (Mapbox Vector Tile 2.1; 204 when empty)",
            }),
            link(format!("{}/tiles/{}.json", home.base, tileset.id()), "alternate",
                "application/json", "The same tiles described by TileJSON 3.0 (XYZ)"),
        ],
    })
}

/// `/base`: the base map as a resource of its own (title, extent, links to its
/// tilesets), so that OGC API clients that open a collection-like resource (GDAL's
/// OGCAPI driver) open the base map the same way.
pub fn base_document(home: &Home) -> Value {
    let b = tilejson::bounds(Tileset::Base, None);
    json!({
        "id": "base",
        "title": Tileset::Base.name(),
        "description": Tileset::Base.description(),
        "attribution": Tileset::Base.attribution(),
        "extent": {"spatial": {"bbox": [b], "crs": CRS84}},
        "links": [
            link(format!("{}{}", home.base, home.geodata), "self", "application/json", "The base map"),
            link(home.tiles(), REL_TILESETS_VECTOR, "application/json", "Vector tilesets"),
            link(format!("{}/tileMatrixSets", home.base), REL_TILING_SCHEMES, "application/json", "Tile matrix sets"),
        ],
    })
}

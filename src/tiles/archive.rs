//! A PMTiles archive served as the `basemap` tileset: a real base map (roads, places,
//! water from OpenStreetMap, e.g. a Protomaps extract of Viet Nam) where a deployment
//! has one (`--basemap FILE.pmtiles`). Reading is the `pmtiles` crate's: the archive is
//! memory-mapped and each tile is one directory lookup plus a slice of the map.
//!
//! Tiles are handed out as the archive stores them (gzip, as Protomaps writes them) for
//! clients that accept that encoding, and decompressed for the others.

use std::ops::RangeInclusive;
use std::path::Path;

use bytes::Bytes;
use pmtiles::{AsyncPmTilesReader, Compression, MmapBackend, TileType};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{TileCoord, TileError};

/// What a map must say about OpenStreetMap data, when the archive does not say it.
pub const OSM_ATTRIBUTION: &str =
    "<a href=\"https://www.openstreetmap.org/copyright\">© OpenStreetMap contributors</a>";
/// The largest metadata document read from an archive.
const MAX_METADATA_BYTES: usize = 4 * 1024 * 1024;

pub struct BasemapArchive {
    reader: AsyncPmTilesReader<MmapBackend>,
    compression: Compression,
    metadata: Value,
    version: String,
}

/// One tile of the archive: its bytes and, when they are compressed, the HTTP
/// `Content-Encoding` they are in.
pub struct ArchiveTile {
    pub bytes: Bytes,
    pub encoding: Option<&'static str>,
}

fn archive_error(path: &Path, e: impl std::fmt::Display) -> TileError {
    TileError::Basemap(format!("{}: {e}", path.display()))
}

impl BasemapArchive {
    /// Opens a PMTiles v3 archive of vector tiles (MVT) compressed with gzip or not at
    /// all; anything else is refused here, at start, rather than at the first tile.
    pub async fn open(path: &Path) -> Result<Self, TileError> {
        let meta = std::fs::metadata(path).map_err(|e| archive_error(path, e))?;
        let backend = MmapBackend::try_from(path)
            .await
            .map_err(|e| archive_error(path, e))?;
        let reader = AsyncPmTilesReader::try_from_source(backend)
            .await
            .map_err(|e| archive_error(path, e))?;
        let header = reader.get_header();
        if header.tile_type != TileType::Mvt {
            return Err(archive_error(
                path,
                format!(
                    "holds {:?} tiles; the base map needs vector tiles (MVT)",
                    header.tile_type
                ),
            ));
        }
        let compression = header.tile_compression;
        if !matches!(compression, Compression::Gzip | Compression::None) {
            return Err(archive_error(
                path,
                format!("tiles compressed as {compression:?}; gzip or none is served"),
            ));
        }
        let text = reader
            .get_metadata()
            .await
            .map_err(|e| archive_error(path, e))?;
        let metadata = if text.len() <= MAX_METADATA_BYTES {
            serde_json::from_str(&text).unwrap_or(Value::Null)
        } else {
            Value::Null
        };
        let mut h = Sha256::new();
        h.update(meta.len().to_le_bytes());
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        h.update(modified.to_le_bytes());
        h.update(text.as_bytes());
        let version = hex::encode(&h.finalize()[..8]);
        Ok(Self {
            reader,
            compression,
            metadata,
            version,
        })
    }

    /// The zooms the archive holds.
    pub fn zooms(&self) -> RangeInclusive<u8> {
        let h = self.reader.get_header();
        h.min_zoom..=h.max_zoom.max(h.min_zoom)
    }

    /// Names this archive's content: the tiles' ETag and TileJSON's `data_version`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// One tile; `None` when the archive has none there. `accepts_gzip`: whether the
    /// client takes the archive's gzip as it is.
    pub async fn tile(
        &self,
        coord: TileCoord,
        accepts_gzip: bool,
    ) -> Result<Option<ArchiveTile>, TileError> {
        let id = pmtiles::TileCoord::new(coord.z, coord.x, coord.y)
            .map_err(|e| TileError::Basemap(e.to_string()))?;
        let pass_through = self.compression == Compression::None
            || (self.compression == Compression::Gzip && accepts_gzip);
        let found = if pass_through {
            self.reader.get_tile(id).await
        } else {
            self.reader.get_tile_decompressed(id).await
        }
        .map_err(|e| TileError::Basemap(e.to_string()))?;
        Ok(found.map(|bytes| ArchiveTile {
            bytes,
            encoding: (pass_through && self.compression == Compression::Gzip).then_some("gzip"),
        }))
    }

    fn attribution(&self) -> String {
        self.metadata["attribution"]
            .as_str()
            .filter(|a| !a.trim().is_empty())
            .unwrap_or(OSM_ATTRIBUTION)
            .to_owned()
    }

    /// TileJSON 3.0.0 of the archive: its header's zooms, bounds and centre, its
    /// metadata's layers and attribution (OpenStreetMap's when it has none).
    pub fn tilejson(&self, base: &str) -> Value {
        let h = self.reader.get_header();
        let zooms = self.zooms();
        let layers = self.metadata["vector_layers"].clone();
        json!({
            "tilejson": "3.0.0",
            "name": self.metadata["name"].as_str().unwrap_or("Bản đồ nền OpenStreetMap / OpenStreetMap base map"),
            "description": self.metadata["description"].as_str().unwrap_or("Roads, places and water from OpenStreetMap, served from a PMTiles archive"),
            "version": self.metadata["version"].as_str().unwrap_or("1.0.0"),
            "attribution": self.attribution(),
            "scheme": "xyz",
            "tiles": [format!("{base}/tiles/basemap/{{z}}/{{x}}/{{y}}.mvt")],
            "minzoom": zooms.start(),
            "maxzoom": zooms.end(),
            "bounds": [h.min_longitude, h.min_latitude, h.max_longitude, h.max_latitude],
            "center": [h.center_longitude, h.center_latitude, h.center_zoom],
            "vector_layers": if layers.is_array() { layers } else { json!([]) },
            "data_version": self.version,
        })
    }

    /// The archive's entry in the `/tiles` catalogue.
    pub fn catalogue_entry(&self, base: &str) -> Value {
        let zooms = self.zooms();
        let layers: Vec<Value> = self.metadata["vector_layers"]
            .as_array()
            .map(|ls| ls.iter().map(|l| l["id"].clone()).collect())
            .unwrap_or_default();
        json!({
            "id": "basemap",
            "name": "Bản đồ nền OpenStreetMap / OpenStreetMap base map",
            "description": "A PMTiles archive of OpenStreetMap data this server was started with (--basemap); the web map draws it under the network when present.",
            "minzoom": zooms.start(),
            "maxzoom": zooms.end(),
            "layers": layers,
            "tilejson": format!("{base}/tiles/basemap.json"),
            "tiles": format!("{base}/tiles/basemap/{{z}}/{{x}}/{{y}}.mvt"),
        })
    }
}

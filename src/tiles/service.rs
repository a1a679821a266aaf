//! The tile service: renders tiles from the current snapshot and keeps them in a
//! bounded in-memory cache.
//!
//! Cache keys hold the tileset's *content version* (not the index version), so a change
//! to the institutions leaves cached area and base tiles valid, and vice versa. The
//! same version is the tiles' ETag.

use std::sync::{Arc, Mutex};

use moka::sync::Cache;

use super::cluster::{CLUSTER_MAX_ZOOM, ClusterPyramid};
use super::land::Land;
use super::prepared::Prepared;
use super::{InstitutionFilter, TileCoord, TileError, Tileset, render};
use crate::index::ServingIndex;

/// An encoded tile; `None` is an empty tile (answered 204).
pub type TileBytes = Option<Arc<[u8]>>;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct TileKey {
    tileset: Tileset,
    coord: TileCoord,
    filter: InstitutionFilter,
    version: Arc<str>,
}

pub struct TileService {
    tiles: Cache<TileKey, TileBytes>,
    /// Cluster pyramids of filtered requests, per institutions version.
    filtered_clusters: Cache<(Arc<str>, InstitutionFilter), Arc<ClusterPyramid>>,
    prepared: Mutex<Option<Arc<Prepared>>>,
    land: Land,
}

/// Bytes of tiles kept in memory.
const TILE_CACHE_BYTES: u64 = 256 * 1024 * 1024;
/// Filtered cluster pyramids kept (each is a few bytes per institution).
const FILTERED_PYRAMIDS: u64 = 32;

impl TileService {
    pub fn new(land: Land) -> Self {
        Self {
            tiles: Cache::builder()
                .max_capacity(TILE_CACHE_BYTES)
                .weigher(|_k: &TileKey, v: &TileBytes| {
                    // Count the key and bookkeeping too, so that empty tiles are not free.
                    128 + v.as_ref().map_or(0, |b| b.len() as u32)
                })
                .build(),
            filtered_clusters: Cache::new(FILTERED_PYRAMIDS),
            prepared: Mutex::new(None),
            land,
        }
    }

    /// The prepared form of this snapshot, built on first use after a data change.
    pub fn prepared(&self, index: &Arc<ServingIndex>) -> Arc<Prepared> {
        let mut slot = self.prepared.lock().unwrap_or_else(|p| p.into_inner());
        match slot.as_ref() {
            Some(p) if Arc::ptr_eq(&p.index, index) || p.index.version() == index.version() => {
                p.clone()
            }
            _ => {
                let p = Arc::new(Prepared::build(index.clone()));
                *slot = Some(p.clone());
                p
            }
        }
    }

    /// The content version of a tileset in this snapshot: the tiles' ETag.
    pub fn version(&self, prepared: &Prepared, tileset: Tileset) -> String {
        match tileset {
            Tileset::Institutions => prepared.institutions_version.clone(),
            Tileset::AdminAreas => prepared.areas_version.clone(),
            Tileset::Base => format!(
                "{}{}",
                &self.land.version[..8],
                &prepared.areas_version[..8]
            ),
        }
    }

    /// One tile, from the cache or rendered (CPU-bound: call from a blocking thread).
    pub fn tile(
        &self,
        prepared: &Arc<Prepared>,
        tileset: Tileset,
        coord: TileCoord,
        filter: &InstitutionFilter,
    ) -> Result<TileBytes, TileError> {
        if tileset != Tileset::Institutions && !filter.is_empty() {
            return Err(TileError::FilterNotSupported(tileset.id()));
        }
        let version: Arc<str> = self.version(prepared, tileset).into();
        let key = TileKey {
            tileset,
            coord,
            filter: filter.clone(),
            version,
        };
        Ok(self
            .tiles
            .get_with(key, || self.render(prepared, tileset, coord, filter)))
    }

    /// Renders a tile without the cache (benchmarks measure this; requests use
    /// [`TileService::tile`]). The filter must suit the tileset (`tile` checks it).
    pub fn render(
        &self,
        prepared: &Arc<Prepared>,
        tileset: Tileset,
        coord: TileCoord,
        filter: &InstitutionFilter,
    ) -> TileBytes {
        let bytes = match tileset {
            Tileset::Institutions => {
                let clusters = (coord.z <= CLUSTER_MAX_ZOOM).then(|| {
                    let version: Arc<str> = prepared.institutions_version.as_str().into();
                    self.clusters(prepared, &version, filter)
                });
                render::institutions(prepared, coord, filter, clusters.as_deref())
            }
            Tileset::AdminAreas => render::admin_areas(prepared, coord),
            Tileset::Base => render::base(prepared, &self.land, coord),
        };
        bytes.map(Arc::from)
    }

    fn clusters(
        &self,
        prepared: &Prepared,
        version: &Arc<str>,
        filter: &InstitutionFilter,
    ) -> Arc<ClusterPyramid> {
        if let Some(p) = prepared.clusters(filter) {
            return p;
        }
        self.filtered_clusters
            .get_with((version.clone(), filter.clone()), || {
                Arc::new(ClusterPyramid::build(&prepared.index, filter))
            })
    }

    /// Tiles and bytes held in the cache (for the benchmarks).
    pub fn cache_stats(&self) -> (u64, u64) {
        self.tiles.run_pending_tasks();
        (self.tiles.entry_count(), self.tiles.weighted_size())
    }
}

//! The tile service: renders tiles from the current snapshot and keeps them in a
//! bounded in-memory cache, in every content coding they are asked for.
//!
//! Cache keys hold the tileset's *content version* (not the index version), so a change
//! to the institutions leaves cached area and base tiles valid, and vice versa. For the
//! institutions the version is per tile: the lineage's base and the generation of the
//! last delta that could change that tile (`prepared/delta.rs`), so an edit re-renders
//! only the tiles it touches and every other tile keeps its cached bytes and its ETag.
//! The version is the tiles' ETag, formatted once per snapshot ([`TileSnapshot`]) where
//! it is the same for every tile.
//!
//! A tile is rendered once per version and compressed once per version and coding
//! ([`Coding`]): each coding is its own cache entry, weighed by its own bytes, so a
//! request for a cached tile costs a hash lookup and a reference count, never a render,
//! a compression or a hash of the bytes.

use std::io::Write as _;
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwapOption;
use bytes::Bytes;
use moka::sync::Cache;

use super::cluster::CLUSTER_MAX_ZOOM;
use super::land::Land;
use super::prepared::Prepared;
use super::{InstitutionFilter, TileCoord, TileError, Tileset, render};
use crate::index::ServingIndex;

/// An encoded tile; `None` is an empty tile (answered 204).
pub type TileBytes = Option<Bytes>;

/// The content codings a tile is kept in (what `Content-Encoding` names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Coding {
    Identity,
    Gzip,
    Brotli,
}

impl Coding {
    /// Every coding, best first (the smallest bytes for the same tile).
    pub const ALL: [Coding; 3] = [Coding::Brotli, Coding::Gzip, Coding::Identity];

    /// The coding's name in `Accept-Encoding` and `Content-Encoding`.
    pub fn as_str(self) -> &'static str {
        match self {
            Coding::Identity => "identity",
            Coding::Gzip => "gzip",
            Coding::Brotli => "br",
        }
    }

    /// The bytes in this coding. Levels are chosen for a tile compressed once per
    /// version and served many times, and still cheap enough for a tile's first request
    /// (about a millisecond for a 100 kB tile).
    pub fn encode(self, raw: &[u8]) -> std::io::Result<Bytes> {
        match self {
            Coding::Identity => Ok(Bytes::copy_from_slice(raw)),
            Coding::Gzip => {
                let mut e = flate2::write::GzEncoder::new(
                    Vec::with_capacity(raw.len() / 2 + 64),
                    flate2::Compression::new(6),
                );
                e.write_all(raw)?;
                Ok(e.finish()?.into())
            }
            Coding::Brotli => {
                let mut out = Vec::with_capacity(raw.len() / 2 + 64);
                let params = brotli::enc::BrotliEncoderParams {
                    quality: 6,
                    lgwin: 22,
                    size_hint: raw.len(),
                    ..Default::default()
                };
                brotli::BrotliCompress(&mut &raw[..], &mut out, &params)?;
                Ok(out.into())
            }
        }
    }
}

/// The first 8 characters of a version (all of it when shorter: a server without a base
/// map has an empty land version).
fn head(version: &str) -> &str {
    version.get(..8).unwrap_or(version)
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct TileKey {
    tileset: Tileset,
    coord: TileCoord,
    filter: InstitutionFilter,
    version: Arc<str>,
    /// The institutions tile's generation in its lineage (0 for the other tilesets).
    generation: u64,
    coding: Coding,
}

/// One snapshot as tiles see it: its preparation and, per tileset, the content version
/// and the ETag made from it, formatted once.
pub struct TileSnapshot {
    pub prepared: Arc<Prepared>,
    versions: [Arc<str>; 3],
    etags: [Bytes; 3],
}

impl TileSnapshot {
    fn slot(tileset: Tileset) -> usize {
        match tileset {
            Tileset::Institutions => 0,
            Tileset::AdminAreas => 1,
            Tileset::Base => 2,
        }
    }

    /// The tileset's content version.
    pub fn version(&self, tileset: Tileset) -> &Arc<str> {
        &self.versions[Self::slot(tileset)]
    }

    /// The tile's version: for institutions the lineage's base and the tile's
    /// generation, for the others the tileset's content version.
    fn tile_version(
        &self,
        tileset: Tileset,
        coord: TileCoord,
        filter: &InstitutionFilter,
    ) -> (Arc<str>, u64) {
        match tileset {
            Tileset::Institutions => {
                let p = &self.prepared;
                let g = p
                    .lineage
                    .tile_generation(p.generation, coord, !filter.is_empty());
                (p.lineage.base().clone(), g)
            }
            _ => (self.version(tileset).clone(), 0),
        }
    }

    /// The tile's entity tag, `W/"version"` (`W/"base-generation"` for an institutions
    /// tile a delta changed): the same for every coding, since they are the same
    /// content (a weak validator, as RFC 9110 allows across codings).
    pub fn etag(&self, tileset: Tileset, coord: TileCoord, filter: &InstitutionFilter) -> Bytes {
        match self.tile_version(tileset, coord, filter) {
            (_, 0) if tileset != Tileset::Institutions => self.etags[Self::slot(tileset)].clone(),
            (base, 0) => Bytes::from(format!("W/\"{base}\"")),
            (base, g) => Bytes::from(format!("W/\"{base}-{g}\"")),
        }
    }
}

pub struct TileService {
    tiles: Cache<TileKey, TileBytes>,
    /// The snapshot last prepared, read without a lock by every tile request.
    current: ArcSwapOption<TileSnapshot>,
    /// Held while a snapshot is prepared, so a data change prepares it once.
    preparing: Mutex<()>,
    land: Land,
}

/// Bytes of tiles kept in memory (every coding counted).
const TILE_CACHE_BYTES: u64 = 256 * 1024 * 1024;

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
            current: ArcSwapOption::empty(),
            preparing: Mutex::new(()),
            land,
        }
    }

    /// Whether `snapshot` serves `index`: the same one, or one of the same version
    /// numbered otherwise (a reload of unchanged data: its tiles are the same). One of
    /// the same version and numbering is the same data with its overlays merged
    /// (`index/merge.rs`): prepared again from the previous preparation (nothing changed,
    /// so in milliseconds), which lets go of the snapshot the merge replaced.
    fn is_for(snapshot: &TileSnapshot, index: &Arc<ServingIndex>) -> bool {
        let p = &snapshot.prepared.index;
        Arc::ptr_eq(p, index)
            || (p.version() == index.version() && p.keys().epoch() != index.keys().epoch())
    }

    /// The snapshot of `index` if it is prepared already: no blocking work, so a request
    /// for a cached tile needs no blocking thread.
    pub fn ready(&self, index: &Arc<ServingIndex>) -> Option<Arc<TileSnapshot>> {
        self.current.load_full().filter(|s| Self::is_for(s, index))
    }

    /// The snapshot of `index`, prepared on first use after a data change: from the
    /// snapshot before it when a delta led from one to the other (in time that grows
    /// with the change), whole otherwise (CPU-bound at national scale: call from a
    /// blocking thread).
    pub fn snapshot(&self, index: &Arc<ServingIndex>) -> Arc<TileSnapshot> {
        if let Some(s) = self.ready(index) {
            return s;
        }
        let _one = self.preparing.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = self.ready(index) {
            return s;
        }
        let prepared = self
            .current
            .load_full()
            .and_then(|prev| Prepared::update(&prev.prepared, index.clone()))
            .unwrap_or_else(|| Prepared::build(index.clone()));
        let s = Arc::new(self.snapshot_of(Arc::new(prepared)));
        self.current.store(Some(s.clone()));
        s
    }

    fn snapshot_of(&self, prepared: Arc<Prepared>) -> TileSnapshot {
        let versions = [Tileset::Institutions, Tileset::AdminAreas, Tileset::Base]
            .map(|t| Arc::<str>::from(self.version(&prepared, t)));
        let etags = versions.clone().map(|v| Bytes::from(format!("W/\"{v}\"")));
        TileSnapshot {
            prepared,
            versions,
            etags,
        }
    }

    /// The prepared form of this snapshot, built on first use after a data change.
    pub fn prepared(&self, index: &Arc<ServingIndex>) -> Arc<Prepared> {
        self.snapshot(index).prepared.clone()
    }

    /// The content version of a tileset in this snapshot: the tiles' ETag.
    pub fn version(&self, prepared: &Prepared, tileset: Tileset) -> String {
        match tileset {
            Tileset::Institutions => prepared.institutions_version.clone(),
            Tileset::AdminAreas => prepared.areas_version.clone(),
            Tileset::Base => format!(
                "{}{}",
                head(&self.land.version),
                head(&prepared.areas_version)
            ),
        }
    }

    fn key(
        snapshot: &TileSnapshot,
        tileset: Tileset,
        coord: TileCoord,
        filter: &InstitutionFilter,
        coding: Coding,
    ) -> TileKey {
        let (version, generation) = snapshot.tile_version(tileset, coord, filter);
        TileKey {
            tileset,
            coord,
            filter: filter.clone(),
            version,
            generation,
            coding,
        }
    }

    /// A tile in `coding` if the cache holds it (or holds it as empty): no rendering and
    /// no compression, so it may run on an async worker. `None` when it must be made.
    pub fn cached(
        &self,
        snapshot: &TileSnapshot,
        tileset: Tileset,
        coord: TileCoord,
        filter: &InstitutionFilter,
        coding: Coding,
    ) -> Option<TileBytes> {
        let key = Self::key(snapshot, tileset, coord, filter, coding);
        if let Some(hit) = self.tiles.get(&key) {
            return Some(hit);
        }
        if coding == Coding::Identity {
            return None;
        }
        // An empty tile is kept once, as identity: it is empty in every coding.
        let identity = TileKey {
            coding: Coding::Identity,
            ..key
        };
        match self.tiles.get(&identity) {
            Some(None) => Some(None),
            _ => None,
        }
    }

    /// One tile in `coding`, from the cache, or rendered and compressed once and kept
    /// (CPU-bound: call from a blocking thread). Concurrent requests for the same tile
    /// and coding wait for one render.
    pub fn encoded(
        &self,
        snapshot: &TileSnapshot,
        tileset: Tileset,
        coord: TileCoord,
        filter: &InstitutionFilter,
        coding: Coding,
    ) -> Result<TileBytes, TileError> {
        if tileset != Tileset::Institutions && !filter.is_empty() {
            return Err(TileError::FilterNotSupported(tileset.id()));
        }
        let key = Self::key(snapshot, tileset, coord, filter, Coding::Identity);
        let prepared = &snapshot.prepared;
        let identity = self.tiles.get_with(key.clone(), || {
            self.render(prepared, tileset, coord, filter)
        });
        let Some(raw) = identity else {
            return Ok(None);
        };
        if coding == Coding::Identity {
            return Ok(Some(raw));
        }
        let key = TileKey { coding, ..key };
        self.tiles
            .try_get_with(key, || coding.encode(&raw).map(Some))
            .map_err(|e| TileError::Encode(e.to_string()))
    }

    /// One tile, uncompressed, from the cache or rendered (CPU-bound: call from a
    /// blocking thread).
    pub fn tile(
        &self,
        prepared: &Arc<Prepared>,
        tileset: Tileset,
        coord: TileCoord,
        filter: &InstitutionFilter,
    ) -> Result<TileBytes, TileError> {
        let snapshot = match self.ready(&prepared.index) {
            Some(s) if Arc::ptr_eq(&s.prepared, prepared) => s,
            _ => Arc::new(self.snapshot_of(prepared.clone())),
        };
        self.encoded(&snapshot, tileset, coord, filter, Coding::Identity)
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
        self.render_up_to(prepared, tileset, coord, filter, *tileset.zooms().end())
    }

    /// One unfiltered tile for an archive whose last zoom is `top_zoom`, without the
    /// cache (an export renders each tile once). At `top_zoom` every institution is a
    /// point even in a dense tile: an archive has no deeper zoom for a cluster to
    /// expand into.
    pub fn render_for_archive(
        &self,
        prepared: &Arc<Prepared>,
        tileset: Tileset,
        coord: TileCoord,
        top_zoom: u8,
    ) -> TileBytes {
        let top_zoom = top_zoom.min(*tileset.zooms().end());
        self.render_up_to(
            prepared,
            tileset,
            coord,
            &InstitutionFilter::default(),
            top_zoom,
        )
    }

    fn render_up_to(
        &self,
        prepared: &Arc<Prepared>,
        tileset: Tileset,
        coord: TileCoord,
        filter: &InstitutionFilter,
        top_zoom: u8,
    ) -> TileBytes {
        let bytes = match tileset {
            Tileset::Institutions => {
                let clusters = (coord.z <= CLUSTER_MAX_ZOOM).then(|| prepared.clusters(filter));
                render::institutions(prepared, coord, filter, clusters.as_deref(), top_zoom)
            }
            Tileset::AdminAreas => render::admin_areas(prepared, coord),
            Tileset::Base => render::base(prepared, &self.land, coord),
        };
        bytes.map(Bytes::from)
    }

    /// The base map's land and towns this service draws.
    pub fn land(&self) -> &Land {
        &self.land
    }

    /// Tiles and bytes held in the cache (for the benchmarks).
    pub fn cache_stats(&self) -> (u64, u64) {
        self.tiles.run_pending_tasks();
        (self.tiles.entry_count(), self.tiles.weighted_size())
    }
}

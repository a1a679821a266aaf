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
use quick_cache::sync::Cache;

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
    /// `W/"base"` of the institutions' lineage: the ETag of every institutions tile no
    /// delta has changed since the lineage's base (most of them), formatted once.
    lineage_etag: Bytes,
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
            (_, 0) => self.lineage_etag.clone(),
            (base, g) => Bytes::from(format!("W/\"{base}-{g}\"")),
        }
    }
}

pub struct TileService {
    tiles: Cache<TileKey, TileBytes, TileWeight>,
    /// The snapshot last prepared, read without a lock by every tile request.
    current: ArcSwapOption<TileSnapshot>,
    /// Held while a snapshot is prepared, so a data change prepares it once.
    preparing: Mutex<()>,
    land: Land,
    /// [`INLINE_RENDER_LIMIT`] unless changed (tests).
    inline_render_limit: usize,
}

/// Institutions in a tile's bounds up to which it is rendered (and compressed) on the
/// async worker that asked for it, rather than handed to a blocking thread. Rendering
/// is about half a microsecond per institution (a dense tile is gridded past
/// `DENSE_TILE_POINTS`), so this bounds a worker's stall near 2 ms; at 2,000,000
/// institutions every z14 tile but the densest few (at most 8,083) is under it. Lower
/// limits measured worse in throughput and p99 alike: the blocking threads a run of
/// dense tiles starts oversubscribe the cores (docs/BENCHMARKS.md, "Uncached tiles
/// rendered on the worker").
pub const INLINE_RENDER_LIMIT: usize = 4096;

/// Bytes of tiles kept in memory (every coding counted).
const TILE_CACHE_BYTES: u64 = 256 * 1024 * 1024;
/// Tiles the cache expects to hold (it sizes its tables by it): 256 MiB of tiles of
/// some 10 kB each.
const TILE_CACHE_TILES: usize = 32_768;

/// A cached tile's weight: its bytes, and the key and bookkeeping too, so that empty
/// tiles are not free.
#[derive(Clone)]
struct TileWeight;

impl quick_cache::Weighter<TileKey, TileBytes> for TileWeight {
    fn weight(&self, _key: &TileKey, tile: &TileBytes) -> u64 {
        128 + tile.as_ref().map_or(0, |b| b.len() as u64)
    }
}

impl TileService {
    pub fn new(land: Land) -> Self {
        Self {
            // quick_cache, not moka (the other caches here): a cached tile is the whole
            // answer, and moka's bookkeeping of each read (a queue of accesses drained
            // into its LRU lists) was 2.5 % of the server's samples serving cached tiles;
            // the swap took 2,800 instructions off the 18,700 a tile cost over `/health`
            // (docs/BENCHMARKS.md, stop 35).
            tiles: Cache::with_weighter(TILE_CACHE_TILES, TILE_CACHE_BYTES, TileWeight),
            current: ArcSwapOption::empty(),
            preparing: Mutex::new(()),
            land,
            inline_render_limit: INLINE_RENDER_LIMIT,
        }
    }

    /// The same service with another [`INLINE_RENDER_LIMIT`] (tests at small sizes).
    pub fn with_inline_render_limit(mut self, limit: usize) -> Self {
        self.inline_render_limit = limit;
        self
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
        let lineage_etag = Bytes::from(format!("W/\"{}\"", prepared.lineage.base()));
        TileSnapshot {
            prepared,
            versions,
            etags,
            lineage_etag,
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

    /// Whether making this tile is cheap enough for an async worker (at most a couple
    /// of milliseconds): an institutions tile past the clustered zooms with at most
    /// [`INLINE_RENDER_LIMIT`] institutions in its bounds, counted from the R-tree's
    /// per-node counts without visiting them. Clustered zooms stay off the worker: a
    /// new filter builds its pyramid over every institution.
    pub fn cheap_to_make(
        &self,
        snapshot: &TileSnapshot,
        tileset: Tileset,
        coord: TileCoord,
    ) -> bool {
        if tileset != Tileset::Institutions || coord.z <= CLUSTER_MAX_ZOOM {
            return false;
        }
        let env = render::points_envelope(coord);
        snapshot.prepared.index.points().count_in_envelope(env) <= self.inline_render_limit
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
        let rendered = self.tiles.get_or_insert_with(&key, || {
            Ok::<_, std::convert::Infallible>(self.render(prepared, tileset, coord, filter))
        });
        let identity = match rendered {
            Ok(tile) => tile,
            Err(never) => match never {},
        };
        let Some(raw) = identity else {
            return Ok(None);
        };
        if coding == Coding::Identity {
            return Ok(Some(raw));
        }
        let key = TileKey { coding, ..key };
        self.tiles
            .get_or_insert_with(&key, || coding.encode(&raw).map(Some))
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
        (self.tiles.len() as u64, self.tiles.weight())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tile at `z` holding `pos` and how many institutions its render looks at.
    fn tile_and_count(index: &ServingIndex, z: u8, pos: usize) -> (TileCoord, usize) {
        let l = index.institutions()[pos].location;
        let coord = TileCoord::covering(z, [l.lon(), l.lat(), l.lon(), l.lat()])
            .next()
            .unwrap();
        let env = render::points_envelope(coord);
        (coord, index.points().locate_in_envelope(env).count())
    }

    #[test]
    fn only_sparse_institution_tiles_past_the_clusters_are_made_on_the_worker() {
        let index = Arc::new(ServingIndex::build(crate::synth::generate(20_000, 3)));
        // A limit to suit this size: dense towns fill a z12 tile past it.
        let limit = 128;
        let service = TileService::new(Land::none()).with_inline_render_limit(limit);
        let snapshot = service.snapshot(&index);
        let counted: Vec<(TileCoord, usize)> = (0..index.institutions().len())
            .step_by(97)
            .flat_map(|p| [12, 14].map(|z| tile_and_count(&index, z, p)))
            .collect();
        let sparse = counted.iter().find(|c| c.1 <= limit).unwrap();
        let dense = counted.iter().find(|c| c.1 > limit).unwrap();
        assert!(service.cheap_to_make(&snapshot, Tileset::Institutions, sparse.0));
        assert!(!service.cheap_to_make(&snapshot, Tileset::Institutions, dense.0));
        assert!(!service.cheap_to_make(&snapshot, Tileset::AdminAreas, sparse.0));
        let parent = TileCoord::covering(CLUSTER_MAX_ZOOM, coord_bounds(sparse.0))
            .next()
            .unwrap();
        assert!(!service.cheap_to_make(&snapshot, Tileset::Institutions, parent));
        // Either way the tile is the same.
        let none = InstitutionFilter::default();
        for (coord, _) in [sparse, dense] {
            assert_eq!(
                service
                    .encoded(
                        &snapshot,
                        Tileset::Institutions,
                        *coord,
                        &none,
                        Coding::Identity
                    )
                    .unwrap(),
                service.render(&snapshot.prepared, Tileset::Institutions, *coord, &none)
            );
        }
    }

    fn coord_bounds(c: TileCoord) -> [f64; 4] {
        let [x0, y0, x1, y1] = c.lonlat_bounds(0.0);
        let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        [cx, cy, cx, cy]
    }
}

//! What tiles need from one snapshot of the serving index: each tileset's content
//! version, areas in world units with their label points, per-zoom simplifications
//! (lazily), the cluster pyramids (lazily), and the data's bounds. Made whole for a
//! snapshot from the database or after a change of shape; after a delta, made from the
//! previous one (`prepared/delta.rs`): areas shared, pyramids updated, and the tiles the
//! delta can have changed recorded in the [`Lineage`], which keys the tile cache.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, OnceLock, Weak};

use geo::{BoundingRect, InteriorPoint, MultiPolygon, Rect};
use sha2::{Digest, Sha256};

use super::cluster::ClusterPyramid;
use super::coord::lonlat_to_world;
use super::frame::{simplify_world, to_world};
use super::{InstitutionFilter, Tileset};
use crate::index::ServingIndex;
use crate::model::Institution;
pub use delta::Lineage;

mod delta;
#[cfg(test)]
mod tests;

/// An area ready for tiling.
pub struct AreaGeom {
    /// Position in `ServingIndex::areas()`.
    pub area: u32,
    pub world: MultiPolygon<f64>,
    /// Label point in world units.
    pub label: Option<(f64, f64)>,
}

pub struct Prepared {
    pub index: Arc<ServingIndex>,
    /// What TileJSON calls the institutions' data version: the lineage's base, and the
    /// generation once deltas changed what tiles show.
    pub institutions_version: String,
    pub areas_version: String,
    /// Areas in world units, shared with the next snapshot while areas do not change.
    pub areas: Arc<Vec<AreaGeom>>,
    /// `areas` simplified per zoom, same order, built on first use of a zoom.
    simplified: Arc<Vec<OnceLock<Vec<MultiPolygon<f64>>>>>,
    /// WGS84 bounds of the areas alone (the institutions' are added per snapshot).
    area_bounds: Option<Rect<f64>>,
    clusters: OnceLock<Arc<ClusterPyramid>>,
    /// Pyramids of filtered requests, carried to the next snapshot by deltas.
    filtered: Mutex<HashMap<InstitutionFilter, Arc<ClusterPyramid>>>,
    /// WGS84 bounds of the institutions and areas, for TileJSON.
    pub bounds: Option<[f64; 4]>,
    /// The snapshots this one was made from by deltas, and which tiles each changed.
    pub lineage: Arc<Lineage>,
    /// This snapshot's place in its lineage: 0 for the full preparation, one more for
    /// each delta that changed what institution tiles show.
    pub generation: u64,
}

/// Filtered pyramids kept per snapshot (each is a few bytes per institution).
const FILTERED_PYRAMIDS: usize = 32;

impl Prepared {
    pub fn build(index: Arc<ServingIndex>) -> Self {
        let areas: Vec<AreaGeom> = index
            .areas()
            .iter()
            .enumerate()
            .filter_map(|(n, a)| {
                let g = a.geometry.as_ref()?;
                let label = g.interior_point().map(|p| lonlat_to_world(p.x(), p.y()));
                Some(AreaGeom {
                    area: n as u32,
                    world: to_world(g),
                    label,
                })
            })
            .collect();
        let max_zoom = usize::from(*Tileset::Base.zooms().end())
            .max(usize::from(*Tileset::AdminAreas.zooms().end()));
        let area_bounds = area_bounds(&index);
        let institutions_version = institutions_version(&index);
        Self {
            lineage: Arc::new(Lineage::new(&institutions_version)),
            generation: 0,
            institutions_version,
            areas_version: areas_version(&index),
            bounds: data_bounds(&index, area_bounds),
            area_bounds,
            areas: Arc::new(areas),
            simplified: Arc::new((0..=max_zoom).map(|_| OnceLock::new()).collect()),
            clusters: OnceLock::new(),
            filtered: Mutex::default(),
            index,
        }
    }

    /// The areas simplified for zoom `z`, in the order of `self.areas`.
    pub fn areas_at(&self, z: u8) -> &[MultiPolygon<f64>] {
        match self.simplified.get(usize::from(z)) {
            Some(cell) => cell.get_or_init(|| {
                self.areas
                    .iter()
                    .map(|a| simplify_world(&a.world, z))
                    .collect()
            }),
            None => &[],
        }
    }

    /// The cluster pyramid of `filter`'s institutions, built on first use and kept with
    /// this snapshot (and, updated, with the next ones).
    pub fn clusters(&self, filter: &InstitutionFilter) -> Arc<ClusterPyramid> {
        if filter.is_empty() {
            return self
                .clusters
                .get_or_init(|| Arc::new(ClusterPyramid::build(&self.index, filter)))
                .clone();
        }
        let known = |m: &Mutex<HashMap<InstitutionFilter, Arc<ClusterPyramid>>>| {
            m.lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(filter)
                .cloned()
        };
        if let Some(p) = known(&self.filtered) {
            return p;
        }
        // Built outside the lock: two racing requests may both build it, and one wins.
        let built = Arc::new(ClusterPyramid::build(&self.index, filter));
        let mut map = self.filtered.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= FILTERED_PYRAMIDS
            && !map.contains_key(filter)
            && let Some(k) = map.keys().next().cloned()
        {
            map.remove(&k);
        }
        map.entry(filter.clone()).or_insert(built).clone()
    }
}

fn short_hash(h: Sha256) -> String {
    hex::encode(&h.finalize()[..8])
}

/// Digests of chunks of institutions by allocation (with a weak reference proving the
/// allocation is still that chunk): snapshots share unchanged chunks, so after an edit at
/// national scale only the changed chunk is hashed again, not two million institutions.
type ChunkDigests = HashMap<usize, (Weak<Vec<Institution>>, [u8; 32])>;
static CHUNK_DIGESTS: LazyLock<Mutex<ChunkDigests>> = LazyLock::new(Mutex::default);

/// Hash of what institution tiles show, so edits to contacts or addresses keep them.
fn institutions_version(index: &ServingIndex) -> String {
    let mut memo = CHUNK_DIGESTS.lock().unwrap_or_else(|e| e.into_inner());
    let mut h = Sha256::new();
    for chunk in index.institutions().chunks() {
        let key = Arc::as_ptr(chunk) as usize;
        let known = memo
            .get(&key)
            .filter(|(w, _)| w.upgrade().is_some_and(|c| Arc::ptr_eq(&c, chunk)))
            .map(|(_, d)| *d);
        let digest = match known {
            Some(d) => d,
            None => {
                let d = chunk_digest(chunk);
                memo.insert(key, (Arc::downgrade(chunk), d));
                d
            }
        };
        h.update(digest);
    }
    memo.retain(|_, (w, _)| w.strong_count() > 0);
    short_hash(h)
}

fn chunk_digest(chunk: &[Institution]) -> [u8; 32] {
    let mut h = Sha256::new();
    for i in chunk {
        h.update(i.id.as_str());
        h.update([0]);
        h.update(i.name_vi().as_bytes());
        h.update([0]);
        h.update(i.name_en().unwrap_or("").as_bytes());
        h.update([0]);
        h.update(i.kind.as_str());
        h.update(i.ownership.as_str());
        h.update(i.position_accuracy.as_str());
        h.update(i.location.lon().to_le_bytes());
        h.update(i.location.lat().to_le_bytes());
        for p in &i.programmes {
            h.update(p.occupation_code().as_str());
            h.update(p.level().as_str());
        }
        let r = &i.readiness;
        for b in [
            r.digital_infrastructure,
            r.connected_national_platform,
            r.digitised_diplomas,
        ] {
            h.update([b.map_or(2, u8::from)]);
        }
        h.update([0xff]);
    }
    h.finalize().into()
}

fn areas_version(index: &ServingIndex) -> String {
    let mut h = Sha256::new();
    for a in index.areas() {
        h.update(a.scheme.as_str());
        h.update(&a.code);
        h.update([0]);
        h.update(&a.name);
        h.update([0]);
        h.update(a.level.as_str());
        h.update(a.geometry_source.as_deref().unwrap_or("").as_bytes());
        h.update([0]);
        if let Some(g) = &a.geometry {
            for p in g {
                for c in p
                    .exterior()
                    .0
                    .iter()
                    .chain(p.interiors().iter().flat_map(|r| r.0.iter()))
                {
                    h.update(c.x.to_le_bytes());
                    h.update(c.y.to_le_bytes());
                }
            }
        }
        h.update([0xff]);
    }
    short_hash(h)
}

fn area_bounds(index: &ServingIndex) -> Option<Rect<f64>> {
    let mut r: Option<Rect<f64>> = None;
    let mut grow = |b: Rect<f64>| {
        r = Some(match r {
            None => b,
            Some(a) => Rect::new(
                (a.min().x.min(b.min().x), a.min().y.min(b.min().y)),
                (a.max().x.max(b.max().x), a.max().y.max(b.max().y)),
            ),
        });
    };
    for a in index.areas() {
        if let Some(b) = a.geometry.as_ref().and_then(|g| g.bounding_rect()) {
            grow(b);
        }
    }
    r
}

/// The areas' bounds with the institutions': no pass over either.
fn data_bounds(index: &ServingIndex, areas: Option<Rect<f64>>) -> Option<[f64; 4]> {
    let mut r = areas;
    let mut grow = |b: Rect<f64>| {
        r = Some(match r {
            None => b,
            Some(a) => Rect::new(
                (a.min().x.min(b.min().x), a.min().y.min(b.min().y)),
                (a.max().x.max(b.max().x), a.max().y.max(b.max().y)),
            ),
        });
    };
    let env = index.points().envelope();
    if !index.institutions().is_empty() {
        grow(Rect::new(
            (env.lower()[0], env.lower()[1]),
            (env.upper()[0], env.upper()[1]),
        ));
    }
    r.map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
}

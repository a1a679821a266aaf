//! A snapshot's preparation made from the previous one after a delta, in time that grows
//! with the change: the institutions whose drawing may differ (created and retired ones
//! too) are found by comparing the two snapshots' chunks (unchanged chunks are the same
//! allocation, so only the changed ones are read), the pyramids are updated from them, areas are shared, and the tiles
//! they can have changed are recorded in the [`Lineage`] under the new generation.
//!
//! A tile's cache key and ETag carry the lineage's base and the generation that last
//! changed that tile, so every tile a delta cannot have changed keeps its cached bytes
//! (all codings, filtered or not) and its ETag across the swap.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use super::{Prepared, data_bounds};
use crate::index::ServingIndex;
use crate::model::Institution;
use crate::tiles::cluster::{CELLS_LOG2, CLUSTER_MAX_ZOOM, Change, cell_at, fixed_position};
use crate::tiles::coord::{EXTENT, lonlat_to_world};
use crate::tiles::{InstitutionFilter, TileCoord, Tileset};

/// Tiles a lineage records before the next snapshot starts a new one (prepared whole):
/// a few dozen per changed institution, so thousands of deltas fit.
const MAX_LINEAGE_TILES: usize = 1 << 20;

/// Snapshots prepared one from the other by deltas since a full preparation: the full
/// one's institutions version (`base`) and, per tile, the generation that last changed
/// it, for unfiltered and for filtered requests.
pub struct Lineage {
    base: Arc<str>,
    changed: RwLock<HashMap<TileCoord, [u64; 2]>>,
}

impl Lineage {
    pub(super) fn new(base: &str) -> Self {
        Self {
            base: base.into(),
            changed: RwLock::default(),
        }
    }

    /// The institutions version of the full preparation this lineage started from.
    pub fn base(&self) -> &Arc<str> {
        &self.base
    }

    /// The generation whose drawing of `coord` the snapshot of `generation` shows: the
    /// last delta up to it that could change the tile. When a later snapshot has already
    /// recorded a newer change, this one keys the tile by its own generation: right,
    /// only not shared.
    pub fn tile_generation(&self, generation: u64, coord: TileCoord, filtered: bool) -> u64 {
        let last = self
            .changed
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&coord)
            .map_or(0, |g| g[usize::from(filtered)]);
        if last > generation { generation } else { last }
    }

    fn record(&self, generation: u64, unfiltered: &[TileCoord], filtered: &[TileCoord]) {
        let mut map = self.changed.write().unwrap_or_else(|e| e.into_inner());
        for (list, slot) in [(unfiltered, 0), (filtered, 1)] {
            for &t in list {
                map.entry(t).or_default()[slot] = generation;
            }
        }
    }

    fn len(&self) -> usize {
        self.changed.read().unwrap_or_else(|e| e.into_inner()).len()
    }
}

impl Prepared {
    /// The preparation of `index` made from `prev`'s, or `None` when it must be made
    /// whole: the institutions were numbered anew (their keys, which the pyramids hold,
    /// are another epoch's: the index was rebuilt, past [`crate::index::OVERLAY_LIMIT`]
    /// changes, or loaded in full), areas changed, or the lineage is full.
    pub fn update(prev: &Prepared, index: Arc<ServingIndex>) -> Option<Prepared> {
        if !index.same_areas(&prev.index)
            || prev.lineage.len() > MAX_LINEAGE_TILES
            || index.keys().epoch() != prev.index.keys().epoch()
        {
            return None;
        }
        let changes = changed_institutions(&prev.index, &index);
        let generation = prev.generation + u64::from(!changes.is_empty());
        let mut unfiltered = Vec::new();
        let mut filtered = Vec::new();
        for c in &changes {
            if let Some(old) = c.old {
                tiles_showing(old, &mut filtered);
            }
            match (c.old, c.new) {
                (Some(old), Some(new)) if old.location == new.location => {}
                (_, Some(new)) => tiles_showing(new, &mut filtered),
                (_, None) => {}
            }
        }
        // Above the pyramid's zooms a tile draws the points inside it: the same tiles
        // filtered or not. At its zooms the unfiltered pyramid says which cells changed.
        unfiltered.extend(filtered.iter().filter(|t| t.z > CLUSTER_MAX_ZOOM));
        let clusters = OnceLock::new();
        match prev.clusters.get() {
            Some(p) if !changes.is_empty() => {
                let (next, tiles) = p.with_changes(&index, &InstitutionFilter::default(), &changes);
                unfiltered.extend(tiles);
                let _ = clusters.set(Arc::new(next));
            }
            Some(p) => {
                let _ = clusters.set(p.clone());
            }
            None => unfiltered.extend(filtered.iter().filter(|t| t.z <= CLUSTER_MAX_ZOOM)),
        }
        let pyramids: HashMap<InstitutionFilter, Arc<_>> = prev
            .filtered
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|(f, p)| {
                let next = if changes.is_empty() {
                    p.clone()
                } else {
                    Arc::new(p.with_changes(&index, f, &changes).0)
                };
                (f.clone(), next)
            })
            .collect();
        prev.lineage.record(generation, &unfiltered, &filtered);
        let base = prev.lineage.base();
        Some(Prepared {
            institutions_version: if generation == 0 {
                base.to_string()
            } else {
                format!("{base}-{generation}")
            },
            areas_version: prev.areas_version.clone(),
            areas: prev.areas.clone(),
            simplified: prev.simplified.clone(),
            area_bounds: prev.area_bounds,
            clusters,
            filtered: Mutex::new(pyramids),
            bounds: data_bounds(&index, prev.area_bounds),
            lineage: prev.lineage.clone(),
            generation,
            index,
        })
    }
}

/// The institutions whose drawing in some tile may differ between two snapshots of one
/// numbering (edited, created or retired), from the chunks the two do not share.
fn changed_institutions<'a>(old: &'a ServingIndex, new: &'a ServingIndex) -> Vec<Change<'a>> {
    let (ka, kb) = (old.keys(), new.keys());
    new.institutions()
        .unshared_by_id(old.institutions())
        .into_iter()
        .filter_map(|pair| match pair {
            (Some((_, x)), Some((p, y))) => drawn_differently(x, y).then(|| Change {
                key: kb.key_of(p),
                old: Some(x),
                new: Some(y),
            }),
            (Some((p, x)), None) => Some(Change {
                key: ka.key_of(p),
                old: Some(x),
                new: None,
            }),
            (None, Some((p, y))) => Some(Change {
                key: kb.key_of(p),
                old: None,
                new: Some(y),
            }),
            (None, None) => None,
        })
        .collect()
}

/// Whether anything an institutions tile draws or filters on differs (what
/// `render::institution_feature` shows, and kind, ownership, programmes for filters).
fn drawn_differently(a: &Institution, b: &Institution) -> bool {
    let programmes = |i: &Institution| {
        i.programmes
            .iter()
            .map(|p| (p.occupation_code(), p.level()))
            .collect::<Vec<_>>()
    };
    let shown = |i: &Institution| {
        let r = &i.readiness;
        (
            r.digital_infrastructure,
            r.connected_national_platform,
            r.digitised_diplomas,
        )
    };
    a.location != b.location
        || a.name_vi() != b.name_vi()
        || a.name_en() != b.name_en()
        || a.kind != b.kind
        || a.ownership != b.ownership
        || a.position_accuracy != b.position_accuracy
        || shown(a) != shown(b)
        || programmes(a) != programmes(b)
}

/// Every tile of the institutions tileset that can draw `inst` where it is: at the
/// pyramid's zooms the tile of its cell, above them the tile it lies in and, within a
/// pixel of an edge, the neighbour (points are drawn only inside their tile; the pixel
/// covers rounding).
fn tiles_showing(inst: &Institution, out: &mut Vec<TileCoord>) {
    let f = fixed_position(inst);
    for z in 0..=CLUSTER_MAX_ZOOM {
        let (cx, cy) = cell_at(z, f);
        out.push(TileCoord {
            z,
            x: cx >> CELLS_LOG2,
            y: cy >> CELLS_LOG2,
        });
    }
    let (wx, wy) = lonlat_to_world(inst.location.lon(), inst.location.lat());
    let eps = 1.0 / f64::from(EXTENT);
    for z in CLUSTER_MAX_ZOOM + 1..=*Tileset::Institutions.zooms().end() {
        let n = f64::from(1u32 << z);
        let max = (1u32 << z) - 1;
        let span = |w: f64| {
            let t = w * n;
            let at = |v: f64| (v.floor().max(0.0) as u32).min(max);
            at(t - eps)..=at(t + eps)
        };
        for x in span(wx) {
            for y in span(wy) {
                out.push(TileCoord { z, x, y });
            }
        }
    }
}

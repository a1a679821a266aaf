//! The in-memory serving index: an immutable snapshot of everything the map reads,
//! built in one bulk load from either source and shared behind an `Arc`. A change to the
//! data makes a new snapshot from the current one and a [`Delta`] (`delta.rs`), sharing
//! everything the change does not touch (`institutions.rs`: chunks; `points.rs`: an
//! R-tree base with an overlay; the search index's base segment), and swaps it in whole
//! ([`IndexHandle::replace`]); readers holding the old one finish with it undisturbed,
//! and never wait on a writer.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use chrono::{DateTime, Utc};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

use crate::model::{
    AdminArea, Bbox, CommuneMapping, Dataset, Institution, LonLat, Occupation, OccupationCode,
    Scheme,
};
use crate::search::{SearchIndex, StoredBase};

pub use memory::{release_freed_memory, thresholds_for_serving, thresholds_for_start};

mod curve;
mod delta;
mod institutions;
mod keys;
mod memory;
mod merge;
mod packed;
mod points;
pub use curve::HilbertCurve;
pub use delta::{Delta, programmes_of};
pub use institutions::{Institutions, PairById, Shape};
pub use keys::Keys;
pub use merge::HARD_OVERLAY_LIMIT;
pub use points::{OVERLAY_LIMIT, PointEntry, Points};

type AreaEntry = GeomWithData<Rectangle<[f64; 2]>, u32>;

pub struct ServingIndex {
    version: String,
    built_at: DateTime<Utc>,
    /// Sorted by id, in shared chunks: lookups by id are a binary search, and the next
    /// snapshot shares every chunk a change does not touch.
    institutions: Institutions,
    /// Their stable numbers, which creations and retirements do not shift (shared by
    /// deltas that neither create nor retire).
    keys: Arc<Keys>,
    /// The R-tree of their points: a shared base and a small overlay of moves.
    points: Points,
    areas: Arc<Areas>,
    occupations: Arc<BTreeMap<OccupationCode, Occupation>>,
    mapping: Arc<Vec<CommuneMapping>>,
    /// Text search and occupation lookups, built with the rest so every change is
    /// searchable as soon as this snapshot is swapped in.
    search: SearchIndex,
    /// R-trees of the institutions teaching one occupation, built on first use: nearby
    /// with an occupation filter walks these instead of stepping over everyone else.
    /// A delta keeps those of the occupations it does not touch.
    occupation_points: Mutex<HashMap<OccupationCode, Arc<RTree<PointEntry>>>>,
}

/// The administrative areas, by scheme and code, with an R-tree of their boxes; shared
/// by snapshots until the areas change.
struct Areas {
    list: Vec<AdminArea>,
    by_key: HashMap<(Scheme, String), u32>,
    boxes: RTree<AreaEntry>,
}

impl Areas {
    fn build(mut list: Vec<AdminArea>) -> Self {
        list.sort_by(|a, b| (a.scheme, &a.code).cmp(&(b.scheme, &b.code)));
        let by_key = list
            .iter()
            .enumerate()
            .map(|(n, a)| ((a.scheme, a.code.clone()), n as u32))
            .collect();
        let boxes = RTree::bulk_load(
            list.iter()
                .enumerate()
                .filter_map(|(n, a)| {
                    use geo::BoundingRect;
                    let r = a.geometry.as_ref()?.bounding_rect()?;
                    Some(GeomWithData::new(
                        Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                        n as u32,
                    ))
                })
                .collect(),
        );
        Self {
            list,
            by_key,
            boxes,
        }
    }

    fn get(&self, scheme: Scheme, code: &str) -> Option<&AdminArea> {
        self.by_key
            .get(&(scheme, code.to_owned()))
            .map(|&n| &self.list[n as usize])
    }
}

impl ServingIndex {
    /// Builds the snapshot. Institutions are sorted by id and areas by scheme and code,
    /// whatever the source's order, so listings and paging are stable for a version.
    pub fn build(dataset: Dataset) -> Self {
        Self::build_with_search(dataset, None)
    }

    /// As [`Self::build`], with the institutions' text index as the snapshot file
    /// stored it for exactly these institutions and this catalogue (checked for their
    /// number and order when it was read, `search::StoredBase::decode`): a start from
    /// the file then skips indexing the documents, most of a national build.
    pub fn build_with_search(dataset: Dataset, stored: Option<StoredBase>) -> Self {
        let Dataset {
            occupations,
            areas,
            mapping,
            mut institutions,
            version,
        } = dataset;
        // PostGIS and the files usually give id order already; checking is cheaper.
        if !institutions.is_sorted_by(|a, b| a.id <= b.id) {
            institutions.sort_by(|a, b| a.id.cmp(&b.id));
        }
        let occupations: BTreeMap<OccupationCode, Occupation> = occupations
            .into_iter()
            .map(|o| (o.code.clone(), o))
            .collect();
        Self::assemble(
            version,
            Institutions::from_sorted(institutions),
            None,
            Arc::new(Areas::build(areas)),
            Arc::new(occupations),
            Arc::new(mapping),
            stored,
        )
    }

    /// A snapshot whose R-tree and search index are built whole from `institutions`.
    ///
    /// The R-tree and the text index name institutions by key, and keys are positions
    /// when they are built: `keys` (the numbering the institutions had) is kept when it
    /// already is that (nothing created or retired since it started), so that what is
    /// kept by key across snapshots (the tiles' pyramids) stays valid; otherwise a new
    /// numbering starts.
    fn assemble(
        version: String,
        institutions: Institutions,
        keys: Option<Arc<Keys>>,
        areas: Arc<Areas>,
        occupations: Arc<BTreeMap<OccupationCode, Occupation>>,
        mapping: Arc<Vec<CommuneMapping>>,
        stored: Option<StoredBase>,
    ) -> Self {
        let keys = keys
            .filter(|k| k.is_identity() && k.base_len() as usize == institutions.len())
            .unwrap_or_else(|| Arc::new(Keys::identity(institutions.len())));
        // The text index and the R-tree are independent: build them on two threads
        // (at national scale each takes seconds, and start-up waits for both).
        let (search, points) = std::thread::scope(|s| {
            let points = s.spawn(|| {
                Points::build(
                    institutions
                        .iter()
                        .enumerate()
                        .map(|(n, i)| {
                            GeomWithData::new([i.location.lon(), i.location.lat()], n as u32)
                        })
                        .collect(),
                    keys.clone(),
                )
            });
            let search = SearchIndex::build(
                &institutions,
                keys.clone(),
                &occupations,
                |scheme, code| areas.get(scheme, code).map(|a| a.name.as_str()),
                stored,
            );
            // A panic in the R-tree build is a bug; surface it here, not as a hang.
            let points = points
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            (search, points)
        });
        Self {
            version,
            built_at: Utc::now(),
            keys,
            institutions,
            points,
            areas,
            occupations,
            mapping,
            search,
            occupation_points: Mutex::default(),
        }
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn built_at(&self) -> DateTime<Utc> {
        self.built_at
    }

    /// All institutions, sorted by id; positions as in a slice.
    pub fn institutions(&self) -> &Institutions {
        &self.institutions
    }

    /// The institutions' stable numbers (see [`Keys`]).
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    pub fn institution(&self, id: &str) -> Option<&Institution> {
        self.institutions
            .position(id)
            .map(|n| &self.institutions[n])
    }

    /// The R-tree of institution positions; entries carry indexes into
    /// [`ServingIndex::institutions`].
    pub fn points(&self) -> &Points {
        &self.points
    }

    /// An R-tree of the institutions teaching `code`, built the first time it is asked
    /// for and kept with this snapshot and the next ones until a change touches `code`.
    /// Its entries carry keys ([`Self::keys`]), not positions, so that creations and
    /// retirements elsewhere leave it valid.
    pub fn points_teaching(&self, code: &OccupationCode) -> Arc<RTree<PointEntry>> {
        let cached = |m: &Mutex<HashMap<OccupationCode, Arc<RTree<PointEntry>>>>| {
            m.lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(code)
                .cloned()
        };
        if let Some(tree) = cached(&self.occupation_points) {
            return tree;
        }
        // Built outside the lock: two racing requests may both build it, and one wins.
        let tree = Arc::new(RTree::bulk_load(
            self.search
                .keys_teaching(code)
                .iter()
                .filter_map(|&key| {
                    let l = self.institutions[self.keys.position_of(key)? as usize].location;
                    Some(GeomWithData::new([l.lon(), l.lat()], key))
                })
                .collect(),
        ));
        self.occupation_points
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(code.clone())
            .or_insert(tree)
            .clone()
    }

    /// Positions (in `institutions()`) of the institutions inside or on the edge of `bbox`,
    /// ascending, so results come in id order.
    pub fn in_bbox(&self, bbox: &Bbox) -> Vec<usize> {
        let env = AABB::from_corners(
            [bbox.min.lon(), bbox.min.lat()],
            [bbox.max.lon(), bbox.max.lat()],
        );
        let mut out: Vec<usize> = self
            .points
            .locate_in_envelope(env)
            .map(|e| e.data as usize)
            .collect();
        out.sort_unstable();
        out
    }

    /// Whether two snapshots hold the same areas (one shared allocation: a delta that
    /// does not change areas keeps them), so what derives from areas can be kept too.
    pub fn same_areas(&self, other: &ServingIndex) -> bool {
        Arc::ptr_eq(&self.areas, &other.areas)
    }

    pub fn areas(&self) -> &[AdminArea] {
        &self.areas.list
    }

    pub fn area(&self, scheme: Scheme, code: &str) -> Option<&AdminArea> {
        self.areas.get(scheme, code)
    }

    /// Areas whose geometry contains the point (boundary included).
    pub fn areas_containing(&self, p: LonLat) -> Vec<&AdminArea> {
        use geo::Intersects;
        let pt = p.to_point();
        self.areas
            .boxes
            .locate_all_at_point([p.lon(), p.lat()])
            .map(|e| &self.areas.list[e.data as usize])
            .filter(|a| a.geometry.as_ref().is_some_and(|g| g.intersects(&pt)))
            .collect()
    }

    pub fn occupations(&self) -> impl Iterator<Item = &Occupation> {
        self.occupations.values()
    }

    pub fn occupation(&self, code: &OccupationCode) -> Option<&Occupation> {
        self.occupations.get(code)
    }

    /// Text search and occupation lookups over this snapshot.
    pub fn search(&self) -> &SearchIndex {
        &self.search
    }

    pub fn commune_mapping(&self) -> &[CommuneMapping] {
        &self.mapping
    }

    /// The dataset back, for export (clones: export is rare and off the serving path).
    pub fn to_dataset(&self) -> Dataset {
        Dataset {
            occupations: self.occupations.values().cloned().collect(),
            areas: self.areas.list.clone(),
            mapping: self.mapping.as_ref().clone(),
            institutions: self.institutions.to_vec(),
            version: self.version.clone(),
        }
    }
}

/// The current snapshot, swappable. Cloning the handle shares the same slot.
#[derive(Clone)]
pub struct IndexHandle {
    slot: Arc<ArcSwap<ServingIndex>>,
    /// False until the first real snapshot: a server whose database was away at start
    /// holds an empty one meanwhile, and says it is not ready.
    loaded: Arc<AtomicBool>,
}

impl IndexHandle {
    pub fn new(index: ServingIndex) -> Self {
        Self::from_shared(Arc::new(index))
    }

    /// As [`Self::new`], for a snapshot something else holds too (the snapshot file's
    /// writer, while it writes).
    pub fn from_shared(index: Arc<ServingIndex>) -> Self {
        release_freed_memory();
        Self {
            slot: Arc::new(ArcSwap::from(index)),
            loaded: Arc::new(AtomicBool::new(true)),
        }
    }

    /// A handle with nothing loaded yet: an empty snapshot whose version (`""`) no
    /// source has, until [`IndexHandle::replace`] puts the first real one in.
    pub fn not_loaded() -> Self {
        let empty = ServingIndex::build(Dataset::default());
        Self {
            slot: Arc::new(ArcSwap::from_pointee(empty)),
            loaded: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Whether a snapshot of real data has been put in.
    pub fn is_loaded(&self) -> bool {
        self.loaded.load(Ordering::Acquire)
    }

    /// The snapshot to answer one request from.
    pub fn current(&self) -> Arc<ServingIndex> {
        self.slot.load_full()
    }

    pub fn replace(&self, index: ServingIndex) {
        self.slot.store(Arc::new(index));
        self.loaded.store(true, Ordering::Release);
        release_freed_memory();
    }

    /// Puts in a snapshot made by a delta. When the delta built the R-tree and search
    /// index anew, freed memory is handed back as after a full build; otherwise little
    /// was freed, and handing it back would cost more than the delta: `malloc_trim`
    /// walks the whole heap (gigabytes at national scale) holding the allocator's lock,
    /// stalling every reader that allocates meanwhile.
    pub fn replace_after_delta(&self, index: ServingIndex) {
        let rebuilt = index.points().overlay_len() == 0 && index.search().overlay_len() == 0;
        if rebuilt {
            return self.replace(index);
        }
        self.slot.store(Arc::new(index));
        self.loaded.store(true, Ordering::Release);
    }
}

#[cfg(test)]
mod tests;

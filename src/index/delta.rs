//! Applying a change to a snapshot: [`Delta`] is what changed (read from the change log
//! and only the rows it names), [`ServingIndex::apply`] makes the next snapshot from the
//! current one and the delta, sharing what did not change.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use chrono::Utc;
use rstar::RTree;

use crate::model::{AdminArea, CommuneMapping, Institution, Occupation, OccupationCode, Programme};

use super::points::PointChange;
use super::{Areas, HARD_OVERLAY_LIMIT, OVERLAY_LIMIT, PointEntry, ServingIndex, Shape};

/// What changed since a snapshot.
#[derive(Debug, Default, Clone)]
pub struct Delta {
    /// The data version the snapshot has once the delta is applied.
    pub version: String,
    /// Institutions whose stored rows changed, by id: as they now are on the map, or
    /// `None` when they are no longer on it (deleted or retired).
    pub institutions: BTreeMap<String, Option<Institution>>,
    /// Tables that changed, whole (they are small): `None` when unchanged.
    pub occupations: Option<Vec<Occupation>>,
    pub areas: Option<Vec<AdminArea>>,
    pub mapping: Option<Vec<CommuneMapping>>,
}

/// The programmes of an institution before or after a change (none when it was not on
/// the map then).
pub fn programmes_of(i: Option<&Institution>) -> &[Programme] {
    i.map_or(&[], |i| &i.programmes)
}

impl Delta {
    /// Whether applying it changes nothing but the version.
    pub fn is_empty(&self) -> bool {
        self.institutions.is_empty()
            && self.occupations.is_none()
            && self.areas.is_none()
            && self.mapping.is_none()
    }
}

impl ServingIndex {
    /// The next snapshot: this one with `delta` applied, sharing what it does not touch.
    ///
    /// When only institutions changed, came or went (areas and catalogue as they were),
    /// the changed chunks of institutions are copied, the keys of those created and
    /// retired listed ([`Keys::after`]), the moved, created and retired points go to the
    /// R-tree's overlay, the changed and created institutions to the search index's delta
    /// segment, and the per-occupation R-trees of untouched occupations are kept; the
    /// cost grows with the change, not with the data. Overlays past [`OVERLAY_LIMIT`]
    /// are for [`ServingIndex::merged`] to fold in, in the background. When areas or the
    /// catalogue changed, the delta is larger than [`OVERLAY_LIMIT`] or the overlays
    /// would pass [`HARD_OVERLAY_LIMIT`], the R-tree and search index are built anew from
    /// the institutions in memory, with a new numbering (seconds at national scale; the
    /// database is not read again and the institutions are still shared, not copied).
    pub fn apply(&self, delta: Delta) -> ServingIndex {
        let Delta {
            version,
            institutions: changes,
            occupations,
            areas,
            mapping,
        } = delta;
        let rebuild_text = occupations.is_some() || areas.is_some();
        let areas = match areas {
            Some(a) => Arc::new(Areas::build(a)),
            None => self.areas.clone(),
        };
        let occupations = match occupations {
            Some(o) => Arc::new(o.into_iter().map(|o| (o.code.clone(), o)).collect()),
            None => self.occupations.clone(),
        };
        let mapping = mapping
            .map(Arc::new)
            .unwrap_or_else(|| self.mapping.clone());
        let (institutions, shape) = self.institutions.with_changes(&changes);
        // Creations and retirements shift positions but not keys: the R-tree's base, the
        // text index's base and what is kept by key (the tiles' pyramids) stay valid.
        let keys = match shape {
            Shape::Same => self.keys.clone(),
            Shape::Moved => {
                Arc::new(
                    self.keys
                        .after(&self.institutions, &institutions, &changes, usize::MAX),
                )
            }
        };
        // The overlays past OVERLAY_LIMIT are merged in the background (`merge.rs`); a
        // delta rebuilds here only when it is large itself or the merges fell behind.
        if rebuild_text
            || changes.len() > OVERLAY_LIMIT
            || self.overlay_len() + changes.len() > HARD_OVERLAY_LIMIT
        {
            return Self::assemble(
                version,
                institutions,
                Some(keys),
                areas,
                occupations,
                mapping,
                None,
            );
        }
        let (points, search, trees) = {
            // Key, before, after: every change to an institution on the map before or
            // after (a removal of one already gone changes nothing).
            let changed: Vec<(u32, Option<&Institution>, Option<&Institution>)> = changes
                .keys()
                .filter_map(|id| {
                    let old = self.institutions.position(id);
                    let new = institutions.position(id);
                    let key = match (old, new) {
                        (Some(p), _) => self.keys.key_of(p as u32),
                        (None, Some(p)) => keys.key_of(p as u32),
                        (None, None) => return None,
                    };
                    Some((
                        key,
                        old.map(|p| &self.institutions[p]),
                        new.map(|p| &institutions[p]),
                    ))
                })
                .collect();
            let at = |i: Option<&Institution>| i.map(|i| [i.location.lon(), i.location.lat()]);
            let moves: Vec<PointChange> = changed
                .iter()
                .filter(|(_, old, new)| at(*old) != at(*new))
                .map(|&(key, old, new)| (key, at(old), at(new)))
                .collect();
            let points = self.points.with_changes(&moves, keys.clone());
            let search =
                self.search
                    .with_changes(keys.clone(), &changed, &occupations, |scheme, code| {
                        areas.get(scheme, code).map(|a| a.name.as_str())
                    });
            // A tree holds keys and places: only a move, a change of programmes, a
            // creation or a retirement makes it stale (a renamed institution keeps every
            // tree).
            let touched: HashSet<OccupationCode> = changed
                .iter()
                .filter(|(_, old, new)| {
                    at(*old) != at(*new) || programmes_of(*old) != programmes_of(*new)
                })
                .flat_map(|(_, old, new)| programmes_of(*old).iter().chain(programmes_of(*new)))
                .map(|p| p.occupation_code())
                .collect();
            let trees: HashMap<OccupationCode, Arc<RTree<PointEntry>>> = self
                .occupation_points
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .filter(|(code, _)| !touched.contains(code))
                .map(|(code, tree)| (code.clone(), tree.clone()))
                .collect();
            (points, search, trees)
        };
        ServingIndex {
            version,
            built_at: Utc::now(),
            institutions,
            keys,
            points,
            areas,
            occupations,
            mapping,
            search,
            occupation_points: Mutex::new(trees),
        }
    }
}

impl Delta {
    /// Applies the delta to a dataset not yet built into a snapshot (a start from the
    /// snapshot file: the log since the file is merged before the one build, so even a
    /// change that adds or removes institutions costs no second build). Institutions
    /// stay sorted by id; changed ones are replaced in place.
    pub fn merge_into(self, dataset: &mut crate::model::Dataset) {
        let Delta {
            version,
            institutions: changes,
            occupations,
            areas,
            mapping,
        } = self;
        dataset.version = version;
        if let Some(o) = occupations {
            dataset.occupations = o;
        }
        if let Some(a) = areas {
            dataset.areas = a;
        }
        if let Some(m) = mapping {
            dataset.mapping = m;
        }
        let list = &mut dataset.institutions;
        if !list.is_sorted_by(|a, b| a.id <= b.id) {
            list.sort_by(|a, b| a.id.cmp(&b.id));
        }
        let mut removed: HashSet<usize> = HashSet::new();
        let mut added = Vec::new();
        for (id, now) in changes {
            match (list.binary_search_by(|i| i.id.as_str().cmp(&id)), now) {
                (Ok(n), Some(inst)) => list[n] = inst,
                (Ok(n), None) => {
                    removed.insert(n);
                }
                (Err(_), Some(inst)) => added.push(inst),
                (Err(_), None) => {}
            }
        }
        if !removed.is_empty() {
            let mut n = 0;
            list.retain(|_| {
                n += 1;
                !removed.contains(&(n - 1))
            });
        }
        if !added.is_empty() {
            list.extend(added);
            // Stable and run-adaptive: a sorted list with a few appended is one merge.
            list.sort_by(|a, b| a.id.cmp(&b.id));
        }
    }
}

//! Applying a change to a snapshot: [`Delta`] is what changed (read from the change log
//! and only the rows it names), [`ServingIndex::apply`] makes the next snapshot from the
//! current one and the delta, sharing what did not change.

use std::collections::BTreeMap;

use crate::model::{AdminArea, CommuneMapping, Dataset, Institution, Occupation};

use super::ServingIndex;

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

impl Delta {
    /// Whether applying it changes nothing but the version.
    pub fn is_empty(&self) -> bool {
        self.institutions.is_empty()
            && self.occupations.is_none()
            && self.areas.is_none()
            && self.mapping.is_none()
    }
}

/// `old` (sorted by id) with `changes` merged in: replaced, inserted in id order, removed.
pub(super) fn merge_institutions(
    old: &[Institution],
    changes: &BTreeMap<String, Option<Institution>>,
) -> Vec<Institution> {
    let mut out = Vec::with_capacity(old.len() + changes.len());
    let mut pending = changes.iter().peekable();
    for inst in old {
        while let Some((id, new)) = pending.next_if(|(id, _)| id.as_str() < inst.id.as_str()) {
            let _ = id;
            out.extend(new.iter().cloned());
        }
        match pending.next_if(|(id, _)| id.as_str() == inst.id.as_str()) {
            Some((_, new)) => out.extend(new.iter().cloned()),
            None => out.push(inst.clone()),
        }
    }
    out.extend(pending.filter_map(|(_, new)| new.clone()));
    out
}

impl ServingIndex {
    /// The next snapshot: this one with `delta` applied.
    pub fn apply(&self, delta: Delta) -> ServingIndex {
        let Delta {
            version,
            institutions,
            occupations,
            areas,
            mapping,
        } = delta;
        ServingIndex::build(Dataset {
            occupations: occupations.unwrap_or_else(|| self.occupations().cloned().collect()),
            areas: areas.unwrap_or_else(|| self.areas().to_vec()),
            mapping: mapping.unwrap_or_else(|| self.commune_mapping().to_vec()),
            institutions: merge_institutions(self.institutions(), &institutions),
            version,
        })
    }
}

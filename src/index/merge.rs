//! Merging the overlays in the background: once the R-tree's overlay or the search
//! index's delta segment passes [`OVERLAY_LIMIT`], each delta (which rebuilds them whole)
//! costs more, so the bases are built anew. That takes seconds at national scale, so it
//! does not hold up the deltas: a snapshot `s` is rebuilt aside ([`ServingIndex::merged`])
//! while deltas keep being applied to the serving snapshots, and the rebuilt one is then
//! brought to the serving snapshot `c` by what changed from `s` to `c`
//! ([`ServingIndex::rebased`]: only the chunks of institutions the two do not share are
//! compared), a delta of its own, applied in milliseconds.
//!
//! A delta itself still rebuilds synchronously when it is large (an import) or the
//! overlays have grown past [`HARD_OVERLAY_LIMIT`] (the merges could not keep up).

use std::sync::Arc;

use super::{Delta, Keys, OVERLAY_LIMIT, ServingIndex};

/// Overlay entries past which a delta rebuilds synchronously after all: each delta's own
/// cost grows with the overlays, so they must stay bounded even when merges fall behind.
pub const HARD_OVERLAY_LIMIT: usize = 4 * OVERLAY_LIMIT;

impl ServingIndex {
    /// Entries in the larger of the two overlays (the R-tree's, the search index's).
    pub fn overlay_len(&self) -> usize {
        self.points.overlay_len().max(self.search.overlay_len())
    }

    /// Whether the overlays have grown past [`OVERLAY_LIMIT`]: time to merge them.
    pub fn needs_merge(&self) -> bool {
        self.overlay_len() > OVERLAY_LIMIT
    }

    /// This snapshot with its R-tree and search index built anew (empty overlays; a new
    /// numbering of keys when institutions were created or retired since the last);
    /// institutions, areas and catalogue shared. Seconds at national scale: for a
    /// background thread.
    pub fn merged(&self) -> ServingIndex {
        Self::assemble(
            self.version.clone(),
            self.institutions.clone(),
            Some(self.keys.clone()),
            self.areas.clone(),
            self.occupations.clone(),
            self.mapping.clone(),
            None,
        )
    }

    /// `self`, made by [`Self::merged`] from `from`, brought to `to` (a later snapshot
    /// of the same server): the institutions, areas and catalogue that differ between
    /// `from` and `to` applied as a delta. Answers as `to` does.
    pub fn rebased(&self, from: &ServingIndex, to: &ServingIndex) -> ServingIndex {
        let delta = Delta {
            version: to.version.clone(),
            institutions: to.institutions.changes_from(&from.institutions),
            occupations: (!Arc::ptr_eq(&from.occupations, &to.occupations))
                .then(|| to.occupations.values().cloned().collect()),
            areas: (!Arc::ptr_eq(&from.areas, &to.areas)).then(|| to.areas.list.clone()),
            mapping: (!Arc::ptr_eq(&from.mapping, &to.mapping))
                .then(|| to.mapping.as_ref().clone()),
        };
        // When this one kept `from`'s numbering and institutions came or went between
        // `from` and `to`, `to` gave the created ones keys this delta would give again,
        // differently: what is kept by key (the tiles' pyramids of `to`) must not trust
        // them, so the numbering starts anew (keys are positions here either way).
        let mut next = if Arc::ptr_eq(&self.keys, &from.keys) && !Arc::ptr_eq(&from.keys, &to.keys)
        {
            let mut renumbered = self.sharing();
            renumbered.keys = Arc::new(Keys::identity(self.institutions.len()));
            renumbered.apply(delta)
        } else {
            self.apply(delta)
        };
        // The same records as `to`'s, in the same order: share its chunks rather than
        // keep the copies the delta made.
        debug_assert_eq!(next.institutions.len(), to.institutions.len());
        next.institutions = to.institutions.clone();
        next.built_at = to.built_at;
        next
    }

    /// A snapshot sharing everything with this one.
    fn sharing(&self) -> ServingIndex {
        ServingIndex {
            version: self.version.clone(),
            built_at: self.built_at,
            institutions: self.institutions.clone(),
            keys: self.keys.clone(),
            points: self.points.clone(),
            areas: self.areas.clone(),
            occupations: self.occupations.clone(),
            mapping: self.mapping.clone(),
            search: self.search.clone(),
            occupation_points: std::sync::Mutex::new(
                self.occupation_points
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .clone(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::{InstitutionId, LonLat};

    #[test]
    fn a_snapshot_merged_aside_and_rebased_answers_as_the_serving_one_with_empty_overlays() {
        let start = ServingIndex::build(crate::synth::generate(3000, 11));
        // Edits, a creation and a retirement: overlays, no rebuild.
        let mut changes = BTreeMap::new();
        for n in [3usize, 700, 2500] {
            let mut i = start.institutions()[n].clone();
            i.set_name_vi(&format!("Đổi tên zq{n}w")).unwrap();
            i.location = LonLat::new(106.3, 9.9 + n as f64 * 1e-4).unwrap();
            changes.insert(i.id.as_str().to_owned(), Some(i));
        }
        changes.insert(start.institutions()[9].id.as_str().to_owned(), None);
        let s = start.apply(Delta {
            version: "s".into(),
            institutions: changes,
            ..Delta::default()
        });
        assert!(s.overlay_len() > 0);
        // Merged aside while more deltas are applied to the serving snapshots.
        let merged = s.merged();
        assert_eq!(merged.overlay_len(), 0);
        let mut c = s.apply(Delta {
            version: "c1".into(),
            institutions: BTreeMap::from([(
                start.institutions()[700].id.as_str().to_owned(),
                None,
            )]),
            ..Delta::default()
        });
        let mut created = start.institutions()[5].clone();
        created.id = InstitutionId::parse("000-moi").unwrap();
        created.set_name_vi("Cơ sở mới zqmoiw").unwrap();
        let mut edited = start.institutions()[2000].clone();
        edited.location = LonLat::new(106.31, 9.91).unwrap();
        c = c.apply(Delta {
            version: "c2".into(),
            institutions: BTreeMap::from([
                ("000-moi".to_owned(), Some(created)),
                (edited.id.as_str().to_owned(), Some(edited)),
            ]),
            ..Delta::default()
        });
        let rebased = merged.rebased(&s, &c);
        assert_eq!(rebased.version(), "c2");
        assert_eq!(rebased.institutions().to_vec(), c.institutions().to_vec());
        // The changes since `s` only: three, not the overlays' seven.
        assert!(rebased.overlay_len() <= 3, "{}", rebased.overlay_len());
        assert_ne!(rebased.keys().epoch(), c.keys().epoch(), "a new numbering");
        let fresh = ServingIndex::build(c.to_dataset());
        let words: Vec<String> = ["zq3w", "zq2500w", "zqmoiw", "zq700w"]
            .iter()
            .map(|w| (*w).to_owned())
            .collect();
        assert_eq!(
            crate::index::tests::deltas::answers(&rebased, &words),
            crate::index::tests::deltas::answers(&fresh, &words)
        );
    }

    #[test]
    fn a_merge_keeps_the_numbering_unless_institutions_came_or_went() {
        let start = ServingIndex::build(crate::synth::generate(500, 2));
        let mut i = start.institutions()[10].clone();
        i.location = LonLat::new(106.3, 9.9).unwrap();
        let s = start.apply(Delta {
            version: "s".into(),
            institutions: BTreeMap::from([(i.id.as_str().to_owned(), Some(i))]),
            ..Delta::default()
        });
        assert_eq!(s.overlay_len(), 1);
        let merged = s.merged();
        assert_eq!(merged.overlay_len(), 0);
        // Keys are still positions: what the tiles keep by key stays valid.
        assert_eq!(merged.keys().epoch(), start.keys().epoch());
        // Edits only since: the numbering goes on.
        let mut j = start.institutions()[20].clone();
        j.set_name_vi("Đổi tên zqjw").unwrap();
        let edited = s.apply(Delta {
            version: "e".into(),
            institutions: BTreeMap::from([(j.id.as_str().to_owned(), Some(j))]),
            ..Delta::default()
        });
        assert_eq!(
            merged.rebased(&s, &edited).keys().epoch(),
            edited.keys().epoch()
        );
        // A creation since: `c` numbered it in the numbering the merge kept, and the
        // rebased snapshot would number it otherwise, so it starts a new numbering.
        let mut created = start.institutions()[30].clone();
        created.id = InstitutionId::parse("000-moi-zqnw").unwrap();
        created.set_name_vi("Cơ sở mới zqnw").unwrap();
        let c = s.apply(Delta {
            version: "c".into(),
            institutions: BTreeMap::from([(created.id.as_str().to_owned(), Some(created))]),
            ..Delta::default()
        });
        assert_eq!(c.keys().epoch(), start.keys().epoch());
        let rebased = merged.rebased(&s, &c);
        assert_ne!(rebased.keys().epoch(), c.keys().epoch());
        let words = vec!["zqnw".to_owned()];
        assert_eq!(
            crate::index::tests::deltas::answers(&rebased, &words),
            crate::index::tests::deltas::answers(&ServingIndex::build(c.to_dataset()), &words)
        );
    }
}

//! Stable numbers for institutions ("keys"): a position shifts when an institution before
//! it is created or retired, a key does not. What is built once and then kept across
//! deltas (the tiles' cluster pyramids) names institutions by key, so a creation or a
//! retirement changes the cells it falls in and nothing else.
//!
//! A numbering starts at a full build with every key equal to its position; the keys of
//! institutions retired since are listed, and institutions created since get keys from
//! the base's length up. Both lists are small (they grow with the creations and
//! retirements since the numbering started, and the snapshot is rebuilt, with a new
//! numbering, once its overlays pass [`super::OVERLAY_LIMIT`]), so translating either
//! way is two binary searches in them, and a numbering without any (the usual case)
//! translates as the identity. The R-tree and the text index hold keys too: their bases
//! are built with a numbering and shared until the next.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use super::Institutions;
use crate::model::Institution;

/// Numberings started so far in this process: two snapshots with the same epoch number
/// the same institution alike.
static EPOCHS: AtomicU64 = AtomicU64::new(0);

/// Creations numbered so far in this process: a created institution's key is the base's
/// length plus the next of these, so two snapshots made from one by different deltas (a
/// benchmark's, a test's) never give one key to two institutions.
static CREATED: AtomicU32 = AtomicU32::new(0);

#[derive(Debug, Clone)]
pub struct Keys {
    epoch: u64,
    /// Institutions when the numbering started: their keys are their positions then.
    base_len: u32,
    /// Base keys retired since, ascending, and `removed[j] - j` (non-decreasing): how
    /// many surviving base keys come before each.
    removed: Vec<u32>,
    removed_rank: Vec<u32>,
    /// Institutions created since, as (position now, key), by position, with
    /// `added[j].0 - j`; and the same pairs as (key, position), by key.
    added: Vec<(u32, u32)>,
    added_rank: Vec<u32>,
    added_by_key: Vec<(u32, u32)>,
}

impl Keys {
    /// A new numbering of `len` institutions: keys are positions.
    pub fn identity(len: usize) -> Self {
        let len = len as u32;
        Self {
            epoch: EPOCHS.fetch_add(1, Ordering::Relaxed),
            base_len: len,
            removed: Vec::new(),
            removed_rank: Vec::new(),
            added: Vec::new(),
            added_rank: Vec::new(),
            added_by_key: Vec::new(),
        }
    }

    /// Which numbering this is: keys of two snapshots compare only within one epoch.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Creations and retirements since the numbering started.
    pub fn overlay_len(&self) -> usize {
        self.removed.len() + self.added.len()
    }

    /// The key of the institution at `pos`.
    pub fn key_of(&self, pos: u32) -> u32 {
        if self.overlay_len() == 0 {
            return pos;
        }
        match self.added.binary_search_by_key(&pos, |a| a.0) {
            Ok(j) => self.added[j].1,
            Err(j) => {
                // The r-th base institution still here, and the base keys retired before it.
                let r = pos - j as u32;
                r + self.removed_rank.partition_point(|&g| g <= r) as u32
            }
        }
    }

    /// The position of the institution with `key`, `None` when it is gone.
    pub fn position_of(&self, key: u32) -> Option<u32> {
        if self.overlay_len() == 0 {
            return (key < self.base_len).then_some(key);
        }
        if key >= self.base_len {
            let j = self.added_by_key.binary_search_by_key(&key, |a| a.0).ok()?;
            return Some(self.added_by_key[j].1);
        }
        let gone = match self.removed.binary_search(&key) {
            Ok(_) => return None,
            Err(j) => j as u32,
        };
        let r = key - gone;
        Some(r + self.added_rank.partition_point(|&g| g <= r) as u32)
    }

    /// Whether keys are positions (no creation or retirement since the numbering started).
    pub fn is_identity(&self) -> bool {
        self.overlay_len() == 0
    }

    /// Institutions numbered now (on the map).
    pub fn count(&self) -> usize {
        self.base_len as usize - self.removed.len() + self.added.len()
    }

    /// Institutions when the numbering started: keys below this are theirs.
    pub fn base_len(&self) -> u32 {
        self.base_len
    }

    /// For a base key (below [`Self::base_len`]), the position its institution has, or,
    /// when it was retired, the position the next surviving base institution has: never
    /// more than the position of any base key above it. What is ordered by base key (the
    /// R-tree's least keys per node) is then ordered by position.
    pub fn position_at_least(&self, key: u32) -> u32 {
        if self.overlay_len() == 0 {
            return key;
        }
        let r = key - self.removed.partition_point(|&g| g < key) as u32;
        r + self.added_rank.partition_point(|&g| g <= r) as u32
    }

    /// The numbering of `new`, made from `old` (numbered by `self`) by `changes`: the
    /// same keys for every institution in both, new keys (from the base's length up)
    /// for the created ones. A new numbering (another epoch) once the lists pass `limit`.
    pub fn after(
        &self,
        old: &Institutions,
        new: &Institutions,
        changes: &BTreeMap<String, Option<Institution>>,
        limit: usize,
    ) -> Self {
        let mut removed = self.removed.clone();
        let mut added: Vec<(u32, u32)> = Vec::with_capacity(self.added.len());
        // Those created earlier, at their new position (unless retired now).
        for &(pos, key) in &self.added {
            if let Some(p) = new.position(old[pos as usize].id.as_str()) {
                added.push((p as u32, key));
            }
        }
        for (id, now) in changes {
            match (old.position(id), now.is_some()) {
                (Some(p), false) => {
                    let key = self.key_of(p as u32);
                    if key < self.base_len {
                        removed.push(key);
                    }
                }
                (None, true) => {
                    if let Some(p) = new.position(id) {
                        let n = CREATED.fetch_add(1, Ordering::Relaxed);
                        added.push((p as u32, self.base_len.wrapping_add(n)));
                    }
                }
                _ => {}
            }
        }
        if removed.len() + added.len() > limit {
            return Self::identity(new.len());
        }
        removed.sort_unstable();
        added.sort_unstable();
        let rank = |v: &mut dyn Iterator<Item = u32>| -> Vec<u32> {
            v.enumerate().map(|(j, x)| x - j as u32).collect()
        };
        let removed_rank = rank(&mut removed.iter().copied());
        let added_rank = rank(&mut added.iter().map(|a| a.0));
        let mut added_by_key: Vec<(u32, u32)> = added.iter().map(|&(p, k)| (k, p)).collect();
        added_by_key.sort_unstable();
        Self {
            epoch: self.epoch,
            base_len: self.base_len,
            removed,
            removed_rank,
            added,
            added_rank,
            added_by_key,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::InstitutionId;

    fn institutions(ids: &[String]) -> Institutions {
        let template = crate::synth::generate(1, 1).institutions.remove(0);
        let mut v: Vec<Institution> = ids
            .iter()
            .map(|id| {
                let mut i = template.clone();
                i.id = InstitutionId::parse(id).unwrap();
                i
            })
            .collect();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        Institutions::from_sorted(v)
    }

    #[test]
    fn keys_survive_creations_and_retirements_and_translate_both_ways() {
        let ids: Vec<String> = (0..3000).map(|k| format!("i{:05}", k * 2)).collect();
        let mut current = institutions(&ids);
        let mut keys = Keys::identity(current.len());
        // Each id's key, as first given.
        let mut key_of_id: BTreeMap<String, u32> = ids
            .iter()
            .enumerate()
            .map(|(n, id)| (id.clone(), n as u32))
            .collect();
        for step in 0..6u32 {
            let mut changes: BTreeMap<String, Option<Institution>> = BTreeMap::new();
            for k in (step as usize * 13..6000).step_by(97) {
                let id = format!("i{k:05}");
                if let Some(p) = current.position(&id) {
                    if k % 3 == 0 {
                        changes.insert(id, None);
                    } else {
                        // Edited in place: keeps its key.
                        changes.insert(id, Some(current[p].clone()));
                    }
                } else {
                    let mut i = current[0].clone();
                    i.id = InstitutionId::parse(&id).unwrap();
                    changes.insert(id, Some(i));
                }
            }
            let (new, _) = current.with_changes(&changes);
            keys = keys.after(&current, &new, &changes, usize::MAX);
            for (id, now) in &changes {
                match (now, key_of_id.contains_key(id)) {
                    (None, _) => {
                        key_of_id.remove(id);
                    }
                    (Some(_), false) => {
                        // Created: a key of its own, at or past the base's length.
                        let key = keys.key_of(new.position(id).unwrap() as u32);
                        assert!(key >= 3000);
                        key_of_id.insert(id.clone(), key);
                    }
                    (Some(_), true) => {}
                }
            }
            current = new;
            assert_eq!(current.len(), key_of_id.len());
            let distinct: std::collections::BTreeSet<u32> = key_of_id.values().copied().collect();
            assert_eq!(
                distinct.len(),
                key_of_id.len(),
                "step {step}: keys are unique"
            );
            for (p, inst) in current.iter().enumerate() {
                let key = key_of_id[inst.id.as_str()];
                assert_eq!(keys.key_of(p as u32), key, "step {step}: {}", inst.id);
                assert_eq!(keys.position_of(key), Some(p as u32), "step {step}");
            }
        }
        assert!(keys.overlay_len() > 0);
        assert_eq!(keys.position_of(0), None, "i00000 was retired");
        // Past the limit, a new numbering: keys are positions again.
        let fresh = keys.after(&current, &current, &BTreeMap::new(), 0);
        assert_ne!(fresh.epoch(), keys.epoch());
        assert_eq!(fresh.key_of(5), 5);
    }
}

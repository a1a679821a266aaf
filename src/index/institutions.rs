//! The institutions of a snapshot, in id order, stored in shared chunks: a change makes
//! the next snapshot by copying only the chunks it touches (and the list of chunk
//! pointers), so two snapshots share every unchanged institution and a delta at national
//! scale costs kilobytes, not a second copy of the data.
//!
//! Positions are as in a slice sorted by id (`0..len`, no gaps): every structure built
//! over positions (R-trees, search postings, tiles) reads them as before.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashSet};
use std::ops::Index;
use std::sync::Arc;

use serde::ser::{Serialize, SerializeSeq, Serializer};

use crate::model::Institution;

/// One id's (position, record) before and after: see [`Institutions::unshared_by_id`].
pub type PairById<'a> = (
    Option<(u32, &'a Institution)>,
    Option<(u32, &'a Institution)>,
);

/// Institutions per chunk when built; a chunk that grows to twice this is split.
const CHUNK: usize = 1024;

#[derive(Clone, Default)]
pub struct Institutions {
    chunks: Vec<Arc<Vec<Institution>>>,
    /// The position of each chunk's first institution.
    starts: Vec<usize>,
    len: usize,
}

/// What a change did to positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Every institution kept its position (only records changed in place).
    Same,
    /// Institutions were inserted or removed: positions after them moved.
    Moved,
}

impl Institutions {
    /// From institutions sorted by id.
    pub fn from_sorted(institutions: Vec<Institution>) -> Self {
        let mut chunks = Vec::with_capacity(institutions.len().div_ceil(CHUNK));
        let mut rest = institutions.into_iter();
        loop {
            let chunk: Vec<Institution> = rest.by_ref().take(CHUNK).collect();
            if chunk.is_empty() {
                break;
            }
            chunks.push(Arc::new(chunk));
        }
        Self::from_chunks(chunks)
    }

    fn from_chunks(chunks: Vec<Arc<Vec<Institution>>>) -> Self {
        let mut starts = Vec::with_capacity(chunks.len());
        let mut len = 0;
        for c in &chunks {
            starts.push(len);
            len += c.len();
        }
        Self {
            chunks,
            starts,
            len,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, pos: usize) -> Option<&Institution> {
        if pos >= self.len {
            return None;
        }
        // Built whole, every chunk holds CHUNK institutions, so the chunk is a division
        // away; only after changes split or shrink chunks is it searched for (the search
        // was 3 % of a national start's CPU, the index build reads positions at random).
        let guess = pos / CHUNK;
        if let (Some(&start), Some(chunk)) = (self.starts.get(guess), self.chunks.get(guess))
            && start <= pos
            && pos - start < chunk.len()
        {
            return chunk.get(pos - start);
        }
        let c = self.starts.partition_point(|&s| s <= pos) - 1;
        self.chunks[c].get(pos - self.starts[c])
    }

    /// In id order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            chunks: &self.chunks,
            chunk: 0,
            at: 0,
            left: self.len,
        }
    }

    /// Positions `from..to` in id order.
    pub fn range(&self, from: usize, to: usize) -> impl Iterator<Item = &Institution> {
        self.iter().skip_to(from).take(to.saturating_sub(from))
    }

    /// As `slice::binary_search_by`, over positions.
    pub fn binary_search_by(
        &self,
        mut f: impl FnMut(&Institution) -> std::cmp::Ordering,
    ) -> Result<usize, usize> {
        use std::cmp::Ordering::*;
        // The chunk whose first institution is the last not after the target.
        let c = self
            .chunks
            .partition_point(|c| c.first().is_some_and(|i| f(i) != Greater));
        if c == 0 {
            return Err(0);
        }
        let c = c - 1;
        match self.chunks[c].binary_search_by(&mut f) {
            Ok(n) => Ok(self.starts[c] + n),
            Err(n) => Err(self.starts[c] + n),
        }
    }

    /// The position of the institution with this id.
    pub fn position(&self, id: &str) -> Option<usize> {
        self.binary_search_by(|i| i.id.as_str().cmp(id)).ok()
    }

    pub fn to_vec(&self) -> Vec<Institution> {
        self.iter().cloned().collect()
    }

    /// A copy with `changes` applied (by id: the new record, or `None` to remove), which
    /// shares every chunk no change falls in.
    pub fn with_changes(&self, changes: &BTreeMap<String, Option<Institution>>) -> (Self, Shape) {
        let mut shape = Shape::Same;
        let mut chunks = self.chunks.clone();
        // Changes grouped by the chunk they fall in (ids in order, so chunks in order).
        let mut by_chunk: BTreeMap<usize, Vec<(&str, &Option<Institution>)>> = BTreeMap::new();
        for (id, new) in changes {
            let c = self
                .chunks
                .partition_point(|c| c.first().is_some_and(|i| i.id.as_str() <= id.as_str()))
                .saturating_sub(1);
            by_chunk.entry(c).or_default().push((id, new));
        }
        let mut split = false;
        for (c, list) in by_chunk {
            let mut chunk: Vec<Institution> = match chunks.get(c) {
                Some(old) => old.as_ref().clone(),
                None => Vec::new(),
            };
            for (id, new) in list {
                match (chunk.binary_search_by(|i| i.id.as_str().cmp(id)), new) {
                    (Ok(n), Some(new)) => chunk[n] = new.clone(),
                    (Ok(n), None) => {
                        chunk.remove(n);
                        shape = Shape::Moved;
                    }
                    (Err(n), Some(new)) => {
                        chunk.insert(n, new.clone());
                        shape = Shape::Moved;
                    }
                    (Err(_), None) => {}
                }
            }
            split |= chunk.len() >= 2 * CHUNK || chunk.is_empty();
            match chunks.get_mut(c) {
                Some(slot) => *slot = Arc::new(chunk),
                None => chunks.push(Arc::new(chunk)),
            }
        }
        if split {
            // Rare: cut big chunks to the build's size, drop empty ones.
            chunks = chunks
                .into_iter()
                .flat_map(|c| {
                    if c.len() >= 2 * CHUNK {
                        c.chunks(CHUNK).map(|p| Arc::new(p.to_vec())).collect()
                    } else if c.is_empty() {
                        vec![]
                    } else {
                        vec![c]
                    }
                })
                .collect();
        }
        (Self::from_chunks(chunks), shape)
    }

    /// The chunks, in order: what derives from institutions chunk by chunk can keep its
    /// result per chunk allocation, since snapshots share unchanged chunks.
    pub fn chunks(&self) -> &[Arc<Vec<Institution>>] {
        &self.chunks
    }

    /// What changed from `old` to this list, as a delta's institutions (every id whose
    /// record differs, with its record now or `None` when it is gone).
    pub fn changes_from(&self, old: &Institutions) -> BTreeMap<String, Option<Institution>> {
        self.unshared_by_id(old)
            .into_iter()
            .filter(|(was, now)| was.map(|w| w.1) != now.map(|n| n.1))
            .map(|(was, now)| {
                let id = was.or(now).map_or("", |(_, i)| i.id.as_str());
                (id.to_owned(), now.map(|(_, i)| i.clone()))
            })
            .collect()
    }

    /// The institutions outside the chunks `old` and this list both hold (the same
    /// allocation), paired by id in id order: (position and record in `old`, in this
    /// list), a side `None` where the id is only on the other. Shared chunks are
    /// skipped unread, so two snapshots a few deltas apart compare in time that grows
    /// with what changed between them; a creation or retirement can split or drop
    /// chunks, so chunks need not pair up.
    pub fn unshared_by_id<'a>(&'a self, old: &'a Institutions) -> Vec<PairById<'a>> {
        let theirs: HashSet<*const Vec<Institution>> = old.chunks.iter().map(Arc::as_ptr).collect();
        let shared: HashSet<*const Vec<Institution>> = self
            .chunks
            .iter()
            .map(Arc::as_ptr)
            .filter(|c| theirs.contains(c))
            .collect();
        let unshared = |list: &'a Institutions| {
            let mut out: Vec<(u32, &'a Institution)> = Vec::new();
            for (c, &start) in list.chunks.iter().zip(&list.starts) {
                if !shared.contains(&Arc::as_ptr(c)) {
                    out.extend(c.iter().enumerate().map(|(k, i)| ((start + k) as u32, i)));
                }
            }
            out
        };
        let (xs, ys) = (unshared(old), unshared(self));
        let mut out = Vec::with_capacity(xs.len().max(ys.len()));
        let (mut i, mut j) = (0, 0);
        while i < xs.len() || j < ys.len() {
            let order = match (xs.get(i), ys.get(j)) {
                (Some(x), Some(y)) => x.1.id.cmp(&y.1.id),
                (Some(_), None) => Ordering::Less,
                _ => Ordering::Greater,
            };
            out.push(match order {
                Ordering::Equal => (Some(xs[i]), Some(ys[j])),
                Ordering::Less => (Some(xs[i]), None),
                Ordering::Greater => (None, Some(ys[j])),
            });
            i += usize::from(order != Ordering::Greater);
            j += usize::from(order != Ordering::Less);
        }
        out
    }

    /// Chunks this and `other` hold in common (the same allocation), for tests and
    /// measurements of sharing.
    pub fn shared_chunks(&self, other: &Institutions) -> usize {
        self.chunks
            .iter()
            .filter(|c| other.chunks.iter().any(|o| Arc::ptr_eq(c, o)))
            .count()
    }
}

impl Index<usize> for Institutions {
    type Output = Institution;

    fn index(&self, pos: usize) -> &Institution {
        match self.get(pos) {
            Some(i) => i,
            None => panic!("position {pos} of {} institutions", self.len),
        }
    }
}

impl<'a> IntoIterator for &'a Institutions {
    type Item = &'a Institution;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl Serialize for Institutions {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.len))?;
        for i in self {
            seq.serialize_element(i)?;
        }
        seq.end()
    }
}

impl std::fmt::Debug for Institutions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Institutions in id order.
#[derive(Clone)]
pub struct Iter<'a> {
    chunks: &'a [Arc<Vec<Institution>>],
    chunk: usize,
    at: usize,
    left: usize,
}

impl<'a> Iter<'a> {
    /// Skips `n` institutions without visiting them.
    fn skip_to(mut self, mut n: usize) -> Self {
        n = n.min(self.left);
        self.left -= n;
        while n > 0 {
            let here = self.chunks[self.chunk].len() - self.at;
            if n < here {
                self.at += n;
                break;
            }
            n -= here;
            self.chunk += 1;
            self.at = 0;
        }
        self
    }
}

impl<'a> Iterator for Iter<'a> {
    type Item = &'a Institution;

    fn next(&mut self) -> Option<&'a Institution> {
        while let Some(c) = self.chunks.get(self.chunk) {
            if let Some(i) = c.get(self.at) {
                self.at += 1;
                self.left -= 1;
                return Some(i);
            }
            self.chunk += 1;
            self.at = 0;
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

impl ExactSizeIterator for Iter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Dataset, InstitutionId};

    fn sample(n: usize) -> Vec<Institution> {
        let template = crate::synth::generate(1, 1).institutions.remove(0);
        let mut v: Vec<Institution> = (0..n)
            .map(|k| {
                let mut i = template.clone();
                i.id = InstitutionId::parse(&format!("i{:06}", k * 2)).unwrap();
                i
            })
            .collect();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v
    }

    fn ids(x: &Institutions) -> Vec<String> {
        x.iter().map(|i| i.id.as_str().to_owned()).collect()
    }

    #[test]
    fn positions_iteration_and_search_agree_with_a_sorted_slice() {
        let v = sample(3000);
        let x = Institutions::from_sorted(v.clone());
        assert_eq!(x.len(), 3000);
        assert_eq!(x.iter().len(), 3000);
        for (n, i) in v.iter().enumerate() {
            assert_eq!(x[n].id, i.id);
            assert_eq!(x.position(i.id.as_str()), Some(n));
        }
        assert_eq!(x.position("i000001"), None);
        assert_eq!(x.binary_search_by(|i| i.id.as_str().cmp("a")), Err(0));
        assert_eq!(x.binary_search_by(|i| i.id.as_str().cmp("z")), Err(3000));
        assert_eq!(x.binary_search_by(|i| i.id.as_str().cmp("i000003")), Err(2));
        let r: Vec<_> = x.range(1020, 1030).map(|i| i.id.clone()).collect();
        assert_eq!(
            r,
            v[1020..1030]
                .iter()
                .map(|i| i.id.clone())
                .collect::<Vec<_>>()
        );
        assert_eq!(x.range(2990, 5000).count(), 10);
        let _ = Dataset::default();
    }

    #[test]
    fn a_change_copies_only_the_chunks_it_touches() {
        let v = sample(5000);
        let x = Institutions::from_sorted(v.clone());
        let mut renamed = v[2500].clone();
        renamed.set_name_vi("Đổi tên").unwrap();
        let changes = BTreeMap::from([(renamed.id.as_str().to_owned(), Some(renamed))]);
        let (y, shape) = x.with_changes(&changes);
        assert_eq!(shape, Shape::Same);
        assert_eq!(y[2500].name_vi(), "Đổi tên");
        assert_eq!(
            x[2500].name_vi(),
            v[2500].name_vi(),
            "the old snapshot is untouched"
        );
        assert_eq!(y.shared_chunks(&x), x.chunks.len() - 1);
    }

    #[test]
    fn unshared_chunks_pair_by_id_and_give_back_exactly_the_changes() {
        let v = sample(5000);
        let x = Institutions::from_sorted(v.clone());
        let mut changes: BTreeMap<String, Option<Institution>> = BTreeMap::new();
        let mut edited = v[1500].clone();
        edited.set_name_vi("Đổi tên").unwrap();
        changes.insert(edited.id.as_str().to_owned(), Some(edited));
        changes.insert(v[4000].id.as_str().to_owned(), None);
        let mut created = v[0].clone();
        created.id = InstitutionId::parse("i004001").unwrap();
        changes.insert("i004001".into(), Some(created));
        let (y, _) = x.with_changes(&changes);
        assert_eq!(y.changes_from(&x), changes);
        assert!(x.changes_from(&x).is_empty());
        let pairs = y.unshared_by_id(&x);
        // Only the touched chunks are read: two of five.
        assert_eq!(pairs.len(), 2 * CHUNK + 1);
        assert!(pairs.windows(2).all(|w| {
            let id = |p: &PairById| p.0.or(p.1).map(|(_, i)| i.id.clone());
            id(&w[0]) < id(&w[1])
        }));
        for (was, now) in &pairs {
            if let (Some((p, a)), Some((q, b))) = (was, now) {
                assert_eq!((&x[*p as usize].id, &y[*q as usize].id), (&a.id, &b.id));
            }
        }
    }

    #[test]
    fn inserts_and_removals_keep_id_order_and_positions_contiguous() {
        let v = sample(3000);
        let x = Institutions::from_sorted(v.clone());
        let mut changes: BTreeMap<String, Option<Institution>> = BTreeMap::new();
        let mut expected: BTreeMap<String, Institution> = v
            .iter()
            .map(|i| (i.id.as_str().to_owned(), i.clone()))
            .collect();
        // Odd ids fall between the even ones; some before all, some after all.
        for k in (1..6000).step_by(7).chain([0]) {
            let id = format!("i{k:06}");
            if k % 2 == 1 {
                let mut i = v[0].clone();
                i.id = InstitutionId::parse(&id).unwrap();
                expected.insert(id.clone(), i.clone());
                changes.insert(id, Some(i));
            } else {
                expected.remove(&id);
                changes.insert(id, None);
            }
        }
        for k in 0..3000 {
            let id = format!("a{k:04}");
            let mut i = v[0].clone();
            i.id = InstitutionId::parse(&id).unwrap();
            expected.insert(id.clone(), i.clone());
            changes.insert(id, Some(i));
        }
        let (y, shape) = x.with_changes(&changes);
        assert_eq!(shape, Shape::Moved);
        assert_eq!(ids(&y), expected.keys().cloned().collect::<Vec<_>>());
        for n in 0..y.len() {
            assert_eq!(y.position(y[n].id.as_str()), Some(n));
        }
        assert!(
            y.chunks
                .iter()
                .all(|c| !c.is_empty() && c.len() < 2 * CHUNK)
        );
        assert_eq!(
            ids(&x),
            v.iter()
                .map(|i| i.id.as_str().to_owned())
                .collect::<Vec<_>>()
        );
    }
}

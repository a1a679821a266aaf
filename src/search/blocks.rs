//! Where the base's documents lie, so that a search near a point can pass over the
//! documents that are too far to win without reading their postings.
//!
//! Within each name length the base numbers its documents along a Hilbert curve
//! (`build.rs`), so a run of consecutive documents lies close together. Each name length
//! is cut into blocks of [`BLOCK_DOCS`] documents, and keeps an R-tree of its blocks'
//! boxes. The ranked walk near a point (`walk/near.rs`) takes the blocks nearest first
//! and stops when no block left can beat the k-th best.
//!
//! Each document's place on the curve is kept here too, in document order: the walk
//! reads from it where a matching document lies (within a cell of the curve, under a
//! micrometre) and the curve place that breaks its ties, from the block's own few cache
//! lines instead of from the institution's record (a cache miss each; a query whose
//! best lie far away meets tens of thousands of matches on the way, all tied when they
//! lie so far that the distance factor is at its floor).
//!
//! Nothing here is stored in the snapshot file: it is made from the base and the
//! institutions' positions in one pass over the documents.

use std::ops::Range;

use rstar::RTree;
use rstar::primitives::{GeomWithData, Rectangle};

use crate::index::{HilbertCurve, Institutions};
use crate::model::LonLat;

/// Documents per block: as many as one bit-packed block of postings, so a block's walk
/// decodes about one block of each list it reads.
pub(super) const BLOCK_DOCS: usize = 128;

type BlockBox = GeomWithData<Rectangle<[f64; 2]>, u32>;

pub(super) struct Blocks {
    /// Block `b` holds documents `start[b]..start[b + 1]`; the last entry is the count.
    start: Vec<u32>,
    groups: Vec<Group>,
    /// Each document's place on `curve`.
    places: Vec<u64>,
    /// The curve the documents of one name length follow, over the base's positions.
    curve: HilbertCurve,
    /// Whether every document's place gives back its point within two cells: false only
    /// if a document lay outside the curve's box (none should); the walk then reads the
    /// records.
    placed: bool,
}

/// The blocks of one name length.
pub(super) struct Group {
    pub name_words: u8,
    /// Each block's box (longitude, latitude), with the block's number.
    pub tree: RTree<BlockBox>,
}

impl Blocks {
    /// Blocks over documents whose name lengths are `name_words` (ascending) and whose
    /// institutions are `institutions[doc_key[doc]]`.
    pub fn build(
        name_words: &[u8],
        doc_key: &[u32],
        institutions: &Institutions,
        curve: HilbertCurve,
    ) -> Self {
        let [w, h] = curve.cell();
        let mut blocks = Self {
            start: Vec::with_capacity(doc_key.len() / BLOCK_DOCS + 64),
            groups: Vec::new(),
            places: Vec::with_capacity(doc_key.len()),
            curve,
            placed: true,
        };
        let mut from = 0;
        while from < name_words.len() {
            let words = name_words[from];
            let to = from + name_words[from..].partition_point(|&w| w == words);
            let mut boxes = Vec::with_capacity((to - from).div_ceil(BLOCK_DOCS));
            for run in (from..to).step_by(BLOCK_DOCS) {
                let docs = run..(run + BLOCK_DOCS).min(to);
                let b = blocks.start.len() as u32;
                let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
                for &key in &doc_key[docs.clone()] {
                    let Some(inst) = institutions.get(key as usize) else {
                        blocks.places.push(0);
                        blocks.placed = false;
                        continue;
                    };
                    let (x, y) = (inst.location.lon(), inst.location.lat());
                    lo = [lo[0].min(x), lo[1].min(y)];
                    hi = [hi[0].max(x), hi[1].max(y)];
                    let place = blocks.curve.place([x, y]);
                    // Two cells, not one: the division and its inverse round.
                    let [px, py] = blocks.curve.point(place);
                    blocks.placed &= (px - x).abs() <= 2.0 * w && (py - y).abs() <= 2.0 * h;
                    blocks.places.push(place);
                }
                blocks.start.push(docs.start as u32);
                if lo[0] <= hi[0] {
                    boxes.push(BlockBox::new(Rectangle::from_corners(lo, hi), b));
                }
            }
            blocks.groups.push(Group {
                name_words: words,
                tree: RTree::bulk_load(boxes),
            });
            from = to;
        }
        blocks.start.push(name_words.len() as u32);
        blocks.start.shrink_to_fit();
        blocks
    }

    pub fn groups(&self) -> &[Group] {
        &self.groups
    }

    /// The documents of block `b`.
    pub fn docs(&self, b: u32) -> Range<u32> {
        self.start[b as usize]..self.start[b as usize + 1]
    }

    pub fn curve(&self) -> &HilbertCurve {
        &self.curve
    }

    /// Document `doc`'s place on the curve: its institution's, unless it is stale.
    pub fn place(&self, doc: u32) -> u64 {
        self.places[doc as usize]
    }

    /// Where document `doc` lies, within [`PLACE_ERROR_KM`]; `None` when unknown.
    pub fn point(&self, doc: u32) -> Option<LonLat> {
        if !self.placed {
            return None;
        }
        let [x, y] = self.curve.point(*self.places.get(doc as usize)?);
        LonLat::new(x, y).ok()
    }
}

/// How far a document's point can lie from its institution's: two cells of the curve
/// over Việt Nam are under a micrometre; this is a metre, for any box on Earth (two
/// cells of the whole globe are under 20 mm) and the rounding of the distance on top.
pub(super) const PLACE_ERROR_KM: f64 = 0.001;

#[cfg(test)]
mod tests {
    use rstar::{Envelope, RTreeObject};

    use super::*;
    use crate::index::ServingIndex;

    #[test]
    fn blocks_cut_each_name_length_into_runs_with_small_boxes() {
        let index = ServingIndex::build(crate::synth::generate(3_000, 4));
        let si = index.search();
        let base = &si.base;
        let blocks = &base.blocks;
        let is = index.institutions();
        let area = |e: &rstar::AABB<[f64; 2]>| {
            let (lo, hi) = (e.lower(), e.upper());
            (hi[0] - lo[0]) * (hi[1] - lo[1])
        };
        let mut covered = vec![false; base.doc_key.len()];
        let (mut block_area, mut group_area, mut counted) = (0.0, 0.0, 0);
        for g in blocks.groups() {
            let whole = g.tree.root().envelope();
            for entry in g.tree.iter() {
                let env = entry.geom().envelope();
                let docs = blocks.docs(entry.data);
                assert!(!docs.is_empty() && docs.len() <= BLOCK_DOCS);
                for doc in docs.clone() {
                    assert!(!covered[doc as usize], "each document in one block");
                    covered[doc as usize] = true;
                    assert_eq!(base.name_words[doc as usize], g.name_words);
                    let at = is[base.doc_key[doc as usize] as usize].location;
                    assert!(env.contains_point(&at.into()), "{at:?} in its block's box");
                    let kept = blocks.point(doc).expect("a point");
                    assert!(
                        at.geodesic_distance_m(kept) < 0.01,
                        "kept within a centimetre"
                    );
                    let place = blocks.curve().place(at.into());
                    assert_eq!(blocks.place(doc), place, "the place that breaks ties");
                }
                if docs.len() == BLOCK_DOCS {
                    block_area += area(&env);
                    group_area += area(&whole);
                    counted += 1;
                }
            }
        }
        assert!(covered.iter().all(|c| *c), "every document in a block");
        assert!(counted > 4, "{counted} full blocks");
        // Runs along the curve, not across the country: cut in position order (ids,
        // random in space here) the blocks' boxes cover nine tenths of their name
        // lengths' boxes; along the curve, at this size, about a fifth.
        assert!(
            block_area < 0.5 * group_area,
            "blocks cover {block_area} of {group_area}"
        );
    }
}

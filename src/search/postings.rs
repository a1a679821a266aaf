//! Compressed posting lists: the sorted document numbers of each term in each field.
//!
//! At two million institutions the text index holds about 109 million postings; as
//! plain `u32`s with a `usize` offset per (term, field) they took 485 MB, the largest
//! part of the index after the records. Here a list is cut into blocks of 128 documents,
//! each bit-packed as gaps by `bitpacking` (a port of Lemire's simdcomp, what tantivy
//! uses); a word most names hold ("truong") has gaps of one, which pack into no bits at
//! all. A skip table (each block's last document and where it ends) lets a cursor jump
//! over blocks, so the ranked walk (`walk.rs`) still skips as it did over slices. The
//! few documents after the last full block are LEB128 varints (`integer-encoding`).
//!
//! A term's lists sit together: the postings count of each field, the byte lengths of
//! the first two lists, then the lists. So one offset per term, not per (term, field).

use bitpacking::{BitPacker, BitPacker4x};
use integer_encoding::VarInt;

use super::text::FIELDS;

/// Documents per bit-packed block.
const BLOCK: usize = BitPacker4x::BLOCK_LEN;
/// Bytes per skip entry: the block's last document and where its bytes end.
const SKIP: usize = 8;

/// Every term's lists, one byte run per term.
pub(super) struct Postings {
    bytes: Vec<u8>,
    /// Term `t`'s lists are `bytes[term_at[t]..term_at[t + 1]]`.
    term_at: Vec<u64>,
}

impl Postings {
    /// The list of `term` in `field`.
    pub fn list(&self, term: u64, field: usize) -> PostingList<'_> {
        let t = term as usize;
        let run = &self.bytes[self.term_at[t] as usize..self.term_at[t + 1] as usize];
        // Written by `push_term` or checked by `check`: the reads cannot fail.
        let (lists, _) = split_term(run).unwrap_or_default();
        lists[field]
    }

    /// Heap bytes held.
    #[cfg(test)]
    pub fn heap_bytes(&self) -> usize {
        self.bytes.capacity() + self.term_at.capacity() * 8
    }

    #[cfg(test)]
    pub fn terms(&self) -> usize {
        self.term_at.len().saturating_sub(1)
    }

    /// The parts [`Postings::from_parts`] takes back, for the snapshot file.
    pub fn parts(&self) -> (&[u8], &[u64]) {
        (&self.bytes, &self.term_at)
    }

    /// Lists read back from a file, every list checked (sorted, distinct, under
    /// `doc_count`, exactly its bytes) so that a damaged file is refused here rather than
    /// panicking in a query.
    pub fn from_parts(bytes: Vec<u8>, term_at: Vec<u64>, doc_count: u32) -> Result<Self, String> {
        if term_at.first() != Some(&0)
            || term_at.last() != Some(&(bytes.len() as u64))
            || !term_at.is_sorted()
        {
            return Err("term offsets out of order or past the postings".into());
        }
        for pair in term_at.windows(2) {
            let run = &bytes[pair[0] as usize..pair[1] as usize];
            let (lists, used) = split_term(run).ok_or("a term's header is damaged")?;
            if used != run.len() {
                return Err("a term's lists do not fill its bytes".into());
            }
            for list in lists {
                check(list, doc_count)?;
            }
        }
        Ok(Self { bytes, term_at })
    }
}

/// Builds [`Postings`] one term at a time, in term id order.
pub(super) struct PostingsBuilder {
    postings: Postings,
    list: Vec<u8>,
}

impl PostingsBuilder {
    pub fn with_capacity(terms: usize) -> Self {
        let mut term_at = Vec::with_capacity(terms + 1);
        term_at.push(0);
        Self {
            postings: Postings {
                bytes: Vec::new(),
                term_at,
            },
            list: Vec::new(),
        }
    }

    /// Appends the next term's lists, one per field, each strictly ascending.
    pub fn push_term(&mut self, lists: [&[u32]; FIELDS]) {
        let out = &mut self.postings.bytes;
        for l in lists {
            put_var(out, l.len() as u64);
        }
        let mut encoded: [std::ops::Range<usize>; FIELDS] = Default::default();
        self.list.clear();
        for (f, l) in lists.iter().enumerate() {
            let start = self.list.len();
            encode_list(l, &mut self.list);
            encoded[f] = start..self.list.len();
        }
        for r in &encoded[..FIELDS - 1] {
            put_var(out, r.len() as u64);
        }
        out.extend_from_slice(&self.list);
        self.postings.term_at.push(out.len() as u64);
    }

    /// Appends `other`'s terms after this builder's: what pushing them here would give.
    pub fn append(&mut self, other: PostingsBuilder) {
        let base = self.postings.bytes.len() as u64;
        self.postings.bytes.extend_from_slice(&other.postings.bytes);
        self.postings
            .term_at
            .extend(other.postings.term_at[1..].iter().map(|&at| base + at));
    }

    pub fn finish(mut self) -> Postings {
        self.postings.bytes.shrink_to_fit();
        self.postings
    }
}

fn put_var(out: &mut Vec<u8>, v: u64) {
    let mut buf = [0u8; 10];
    let n = v.encode_var(&mut buf);
    out.extend_from_slice(&buf[..n]);
}

fn get_var(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let (v, n) = u64::decode_var(bytes.get(*at..)?)?;
    *at += n;
    Some(v)
}

/// A term's run split into its lists, and the bytes the header and lists took; `None`
/// when the header does not fit the run.
fn split_term(run: &[u8]) -> Option<([PostingList<'_>; FIELDS], usize)> {
    let mut at = 0;
    let mut counts = [0u32; FIELDS];
    for c in &mut counts {
        *c = u32::try_from(get_var(run, &mut at)?).ok()?;
    }
    let mut lens = [0usize; FIELDS];
    for l in &mut lens[..FIELDS - 1] {
        *l = usize::try_from(get_var(run, &mut at)?).ok()?;
    }
    let listed: usize = lens[..FIELDS - 1]
        .iter()
        .try_fold(0usize, |a, &l| a.checked_add(l))?;
    lens[FIELDS - 1] = run.len().checked_sub(at)?.checked_sub(listed)?;
    let mut lists: [PostingList<'_>; FIELDS] = Default::default();
    for f in 0..FIELDS {
        lists[f] = PostingList {
            len: counts[f],
            bytes: &run[at..at + lens[f]],
        };
        at += lens[f];
    }
    Some((lists, at))
}

/// Appends `docs` (strictly ascending): the skip table, the full blocks, the tail.
fn encode_list(docs: &[u32], out: &mut Vec<u8>) {
    let packer = BitPacker4x::new();
    let blocks = docs.len() / BLOCK;
    let skip_at = out.len();
    out.resize(skip_at + blocks * SKIP, 0);
    let data_at = out.len();
    let mut prev: Option<u32> = None;
    let mut packed = [0u8; 4 * BLOCK];
    for (b, block) in docs.chunks_exact(BLOCK).enumerate() {
        let bits = packer.num_bits_strictly_sorted(prev, block);
        let n = packer.compress_strictly_sorted(prev, block, &mut packed, bits);
        out.extend_from_slice(&packed[..n]);
        let last = block[BLOCK - 1];
        let end = (out.len() - data_at) as u32;
        let entry = &mut out[skip_at + b * SKIP..skip_at + (b + 1) * SKIP];
        entry[..4].copy_from_slice(&last.to_le_bytes());
        entry[4..].copy_from_slice(&end.to_le_bytes());
        prev = Some(last);
    }
    for &d in &docs[blocks * BLOCK..] {
        let gap = match prev {
            None => d,
            Some(p) => d - p - 1,
        };
        put_var(out, gap as u64);
        prev = Some(d);
    }
}

/// Checks a list read from a file without trusting it: every read bounded, every
/// block's bit width possible, documents strictly ascending and under `doc_count`, each
/// skip entry's last document the block's, and the bytes used up exactly.
fn check(list: PostingList<'_>, doc_count: u32) -> Result<(), String> {
    const DAMAGED: &str = "a posting list is damaged";
    let n = list.len as usize;
    let blocks = n / BLOCK;
    let data_at = blocks.checked_mul(SKIP).filter(|&s| s <= list.bytes.len());
    let data_at = data_at.ok_or(DAMAGED)?;
    let packer = BitPacker4x::new();
    let mut buf = [0u32; BLOCK];
    let mut prev: Option<u32> = None;
    let mut start = 0usize;
    let ascending = |prev: Option<u32>, d: u32| prev.is_none_or(|p| p < d) && d < doc_count;
    for b in 0..blocks {
        let (last, end) = list.skip_entry(b);
        let end = end as usize;
        let size = end.checked_sub(start).ok_or(DAMAGED)?;
        if size % 16 != 0 || size / 16 > 32 || data_at + end > list.bytes.len() {
            return Err(DAMAGED.into());
        }
        let bytes = &list.bytes[data_at + start..data_at + end];
        packer.decompress_strictly_sorted(prev, bytes, &mut buf, (size / 16) as u8);
        for &d in &buf {
            if !ascending(prev, d) {
                return Err(DAMAGED.into());
            }
            prev = Some(d);
        }
        if last != buf[BLOCK - 1] {
            return Err(DAMAGED.into());
        }
        start = end;
    }
    let mut at = data_at + start;
    for _ in blocks * BLOCK..n {
        let gap = u32::try_from(get_var(list.bytes, &mut at).ok_or(DAMAGED)?);
        let gap = gap.map_err(|_| DAMAGED)?;
        let d = match prev {
            None => Some(gap),
            Some(p) => p.checked_add(gap).and_then(|d| d.checked_add(1)),
        };
        let d = d.ok_or(DAMAGED)?;
        if !ascending(prev, d) {
            return Err(DAMAGED.into());
        }
        prev = Some(d);
    }
    if at != list.bytes.len() {
        return Err(DAMAGED.into());
    }
    Ok(())
}

/// One term's documents in one field.
#[derive(Clone, Copy, Default)]
pub struct PostingList<'a> {
    len: u32,
    bytes: &'a [u8],
}

impl<'a> PostingList<'a> {
    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn blocks(&self) -> usize {
        self.len as usize / BLOCK
    }

    /// The last document of full block `b` and where its bytes end.
    fn skip_entry(&self, b: usize) -> (u32, u32) {
        let e = &self.bytes[b * SKIP..(b + 1) * SKIP];
        let word = |i: usize| u32::from_le_bytes([e[i], e[i + 1], e[i + 2], e[i + 3]]);
        (word(0), word(4))
    }

    /// A cursor on the first document at least `from` (past the end when none is):
    /// the block is found by a binary search of the skip table, and only it decoded.
    pub fn cursor_at(self, from: u32) -> PostingCursor<'a> {
        let (mut lo, mut hi) = (0, self.blocks());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.skip_entry(mid).0 < from {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let mut c = PostingCursor {
            list: self,
            segment: 0,
            buf: [0; BLOCK],
            buf_len: 0,
            at: 0,
        };
        c.load(lo);
        c.at = c.buf[..c.buf_len].partition_point(|&d| d < from);
        c
    }

    /// Every document, in order.
    pub fn iter(self) -> impl Iterator<Item = u32> + 'a {
        let mut c = self.cursor_at(0);
        std::iter::from_fn(move || {
            let d = c.doc()?;
            c.advance();
            Some(d)
        })
    }

    /// Whether the list holds `doc`.
    #[cfg(test)]
    pub fn contains(self, doc: u32) -> bool {
        self.cursor_at(doc).doc() == Some(doc)
    }
}

/// A position in a list, moving only forward. Segments are the full blocks, then the
/// tail (when the count is not a multiple of the block); one is decoded at a time.
pub struct PostingCursor<'a> {
    list: PostingList<'a>,
    segment: usize,
    buf: [u32; BLOCK],
    buf_len: usize,
    at: usize,
}

impl PostingCursor<'_> {
    fn segments(&self) -> usize {
        self.list.len().div_ceil(BLOCK)
    }

    /// Decodes segment `s` (nothing past the last) and stands on its first document.
    fn load(&mut self, s: usize) {
        self.segment = s;
        self.at = 0;
        self.buf_len = 0;
        let blocks = self.list.blocks();
        let data_at = blocks * SKIP;
        // The block before ends where this one starts, with the document its gaps
        // count from.
        let before = s.checked_sub(1).map(|p| self.list.skip_entry(p));
        let prev = before.map(|e| e.0);
        let start = before.map_or(0, |e| e.1 as usize);
        if s < blocks {
            let end = self.list.skip_entry(s).1 as usize;
            let bytes = &self.list.bytes[data_at + start..data_at + end];
            let bits = ((end - start) / 16) as u8;
            BitPacker4x::new().decompress_strictly_sorted(prev, bytes, &mut self.buf, bits);
            self.buf_len = BLOCK;
        } else if s == blocks {
            let mut at = data_at + start;
            let mut prev = prev;
            for slot in &mut self.buf[..self.list.len() - blocks * BLOCK] {
                let gap = get_var(self.list.bytes, &mut at).unwrap_or(0) as u32;
                let d = prev.map_or(gap, |p| p.wrapping_add(gap).wrapping_add(1));
                *slot = d;
                prev = Some(d);
                self.buf_len += 1;
            }
        }
    }

    /// The document the cursor stands on; `None` past the end.
    pub fn doc(&self) -> Option<u32> {
        (self.at < self.buf_len).then(|| self.buf[self.at])
    }

    pub fn advance(&mut self) {
        self.at += 1;
        if self.at >= self.buf_len && self.segment + 1 < self.segments() {
            self.load(self.segment + 1);
        }
    }

    /// Moves to the first document at least `target` and returns it; `None` past the
    /// end. Blocks wholly before `target` are skipped by their last documents, in
    /// doubling steps then a binary search, so a long skip costs its logarithm.
    pub fn seek(&mut self, target: u32) -> Option<u32> {
        let here = self.doc()?;
        if here >= target {
            return Some(here);
        }
        if self.buf[self.buf_len - 1] < target {
            let blocks = self.list.blocks();
            let last = |b: usize| self.list.skip_entry(b).0;
            // Every block before `lo` ends before `target`; `hi` is a block ending at or
            // after it, or `blocks` (the tail, or the end).
            let mut lo = self.segment + 1;
            let mut step = 1;
            while lo + step - 1 < blocks && last(lo + step - 1) < target {
                lo += step;
                step *= 2;
            }
            let mut hi = (lo + step - 1).min(blocks);
            while lo < hi {
                let mid = (lo + hi) / 2;
                if last(mid) < target {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            if lo >= self.segments() {
                self.at = self.buf_len;
                return None;
            }
            self.load(lo);
        }
        self.at = gallop(&self.buf[..self.buf_len], self.at, target);
        if self.at >= self.buf_len {
            // Only the tail can end before `target`: its last document has no entry.
            return None;
        }
        self.doc()
    }
}

/// The first index from `from` on whose document is at least `doc`: doubling steps,
/// then a binary search, so the walk's usual short step costs a comparison or two.
fn gallop(list: &[u32], from: usize, doc: u32) -> usize {
    if list.get(from).is_none_or(|&d| d >= doc) {
        return from;
    }
    // list[lo] < doc throughout.
    let (mut lo, mut step) = (from, 1);
    loop {
        let hi = lo + step;
        match list.get(hi) {
            Some(&d) if d < doc => {
                lo = hi;
                step *= 2;
            }
            _ => {
                let end = hi.min(list.len());
                return lo + 1 + list[lo + 1..end].partition_point(|&d| d < doc);
            }
        }
    }
}

#[cfg(test)]
mod tests;

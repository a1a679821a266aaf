//! The search index's base, stored in the dataset snapshot file beside the institutions
//! it was built from, so that a start from the file does not index two million
//! documents again: that pass is most of a national build's time, CPU that no
//! scheduling removes on two cores (docs/BENCHMARKS.md, "The index build on every
//! core"). What is cheap to make from the catalogue and the records (the occupations'
//! index, names to codes, the occupation lists and level counts) is made again.
//!
//! Layout (integers little-endian; arrays as their length, u64, then their items):
//!
//! ```text
//! format     u32, FORMAT
//! version    bytes: the crate version that wrote it
//! text       the institutions' text index (`TextIndex::encode`)
//! name_words u8 array, by document
//! doc_key    u32 array: document n is the institution at position doc_key[n]
//! ```
//!
//! A section of another format or crate version is not read (the server indexes the
//! documents as before): how documents are folded, split and ordered is code, and a
//! stored index must be the one this code would build.

use std::borrow::Cow;

use super::SearchIndex;
use super::text::TextIndex;

/// The section's format: bump it whenever what a document holds or how the base is
/// laid out changes (`build.rs`, `text.rs`, `fold.rs`) within one crate version.
pub const FORMAT: u32 = 3;

/// A base read from the snapshot file, checked against the institutions it indexes.
pub struct StoredBase {
    pub(super) institutions: TextIndex,
    pub(super) name_words: Vec<u8>,
    pub(super) doc_key: Vec<u32>,
}

impl SearchIndex {
    /// The base as the snapshot file stores it, when the index is its base alone over
    /// positions (just built: no delta, no creation or retirement since): its bytes as
    /// runs in file order, the large arrays (the terms, the postings, the name words)
    /// borrowed from the index. Joined into one buffer, a national section (103 MB) was
    /// held for as long as the file took to write, from the moment a start was ready.
    pub fn stored_base_runs(&self) -> Option<Vec<Cow<'_, [u8]>>> {
        if self.delta.is_some()
            || !self.keys.is_identity()
            || self.keys.base_len() as usize != self.base.doc_key.len()
        {
            return None;
        }
        let base = &self.base;
        let mut w = Writer::default();
        w.u32(FORMAT);
        w.bytes(env!("CARGO_PKG_VERSION").as_bytes());
        base.institutions.encode(&mut w);
        w.bytes(&base.name_words);
        w.u32s(&base.doc_key);
        Some(w.finish())
    }

    /// [`SearchIndex::stored_base_runs`] joined.
    #[cfg(test)]
    pub fn stored_base(&self) -> Option<Vec<u8>> {
        self.stored_base_runs().map(|runs| runs.concat())
    }
}

impl StoredBase {
    /// Reads what [`SearchIndex::stored_base`] wrote, for a snapshot of `institutions`
    /// institutions; why not, when it cannot be used.
    pub fn decode(bytes: &[u8], institutions: usize) -> Result<Self, String> {
        let mut r = Reader { bytes, at: 0 };
        let format = r.u32()?;
        if format != FORMAT {
            return Err(format!("search index of format {format}, not {FORMAT}"));
        }
        let version = r.bytes()?;
        if version != env!("CARGO_PKG_VERSION").as_bytes() {
            return Err(format!(
                "search index written by vetmap {}",
                String::from_utf8_lossy(version)
            ));
        }
        let text = TextIndex::decode(&mut r)?;
        let name_words = r.bytes()?.to_vec();
        let doc_key = r.u32s()?;
        if r.at != bytes.len() {
            return Err("bytes after the search index".into());
        }
        if text.doc_count() as usize != institutions
            || name_words.len() != institutions
            || doc_key.len() != institutions
        {
            return Err(format!(
                "a search index of {} documents for {institutions} institutions",
                text.doc_count()
            ));
        }
        let mut seen = vec![false; institutions];
        for &k in &doc_key {
            match seen.get_mut(k as usize) {
                Some(s) if !*s => *s = true,
                _ => return Err("documents that are not one per institution".into()),
            }
        }
        Ok(Self {
            institutions: text,
            name_words,
            doc_key,
        })
    }
}

/// Writes little-endian integers and length-prefixed arrays as byte runs: what it makes
/// is gathered into owned runs; arrays of bytes past `BORROW_FROM`, and of integers, are
/// borrowed as they are.
#[derive(Default)]
pub(super) struct Writer<'a> {
    runs: Vec<Cow<'a, [u8]>>,
    made: Vec<u8>,
}

/// Arrays of bytes at least this long are borrowed, not copied.
const BORROW_FROM: usize = 4096;

impl<'a> Writer<'a> {
    pub fn u32(&mut self, v: u32) {
        self.made.extend_from_slice(&v.to_le_bytes());
    }

    fn len(&mut self, n: usize) {
        self.made.extend_from_slice(&(n as u64).to_le_bytes());
    }

    pub fn bytes(&mut self, b: &'a [u8]) {
        self.len(b.len());
        if b.len() < BORROW_FROM {
            self.made.extend_from_slice(b);
        } else {
            self.end_made();
            self.runs.push(Cow::Borrowed(b));
        }
    }

    pub fn u32s(&mut self, v: &'a [u32]) {
        self.len(v.len());
        self.numbers(v, u32::to_le_bytes);
    }

    pub fn u64s(&mut self, v: &'a [u64]) {
        self.len(v.len());
        self.numbers(v, u64::to_le_bytes);
    }

    /// Integers little-endian: borrowed as they lie where that is how they lie (tens of
    /// MB of offsets and keys at national scale), else each converted.
    fn numbers<T: bytemuck::Pod, const N: usize>(&mut self, v: &'a [T], le: fn(T) -> [u8; N]) {
        if cfg!(target_endian = "little") {
            self.end_made();
            self.runs.push(Cow::Borrowed(bytemuck::cast_slice(v)));
        } else {
            self.made.reserve(v.len() * N);
            for &x in v {
                self.made.extend_from_slice(&le(x));
            }
        }
    }

    fn end_made(&mut self) {
        if !self.made.is_empty() {
            self.runs.push(Cow::Owned(std::mem::take(&mut self.made)));
        }
    }

    /// The runs, in the order written.
    pub fn finish(mut self) -> Vec<Cow<'a, [u8]>> {
        self.end_made();
        self.runs
    }
}

/// Reads what [`Writer`] wrote; every length is checked against what is left.
pub(super) struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or("the search index ends early")?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    pub fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn len(&mut self, item: usize) -> Result<usize, String> {
        let b = self.take(8)?;
        let n = u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
        usize::try_from(n)
            .ok()
            .and_then(|n| n.checked_mul(item))
            .ok_or_else(|| "an array longer than the address space".to_owned())
    }

    pub fn bytes(&mut self) -> Result<&'a [u8], String> {
        let n = self.len(1)?;
        self.take(n)
    }

    pub fn u32s(&mut self) -> Result<Vec<u32>, String> {
        let n = self.len(4)?;
        Ok(self
            .take(n)?
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }

    pub fn u64s(&mut self) -> Result<Vec<u64>, String> {
        let n = self.len(8)?;
        Ok(self
            .take(n)?
            .chunks_exact(8)
            .map(|b| u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
            .collect())
    }
}

#[cfg(test)]
mod tests;

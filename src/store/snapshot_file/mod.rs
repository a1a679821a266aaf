//! The dataset snapshot file: the institutions a server loaded from PostGIS, written
//! after a full load with the change log's sequence number they include, so that the
//! next start reads one file and applies the log since (a delta) instead of reading
//! millions of rows (issue 16).
//!
//! Layout (all integers little-endian):
//!
//! ```text
//! "VETMAPDS"   8 bytes, the magic
//! format       u32, FORMAT (a file of another format is ignored, never misread)
//! checksum     u32, CRC-32 of every byte after this field
//! head_len     u32, then the head: postcard of `Head` (sequence, version, database,
//!              the shared text and occupation-code tables)
//! chunks       u32, then per chunk its length (u64) and its bytes: postcard of
//!              `Vec<Rec>`, each chunk decoded on its own thread
//! search       u64 length (0: none), then the search index's base built from these
//!              institutions (`search::persist`; opaque here)
//! ```
//!
//! The records are postcard (serde, a documented stable wire format) of types of their
//! own (`records.rs`), not of the model's: the model's serde forms are the exchange
//! formats (text enums, RFC 3339 times, the edit version left out), and shared text is
//! written once in a table and referred to by number, so the file is compact and the
//! loaded records share text as a load from PostgreSQL does.

mod records;

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::model::Institution;

/// The file format's version: bump it whenever `Head` or `records::Rec` changes.
pub const FORMAT: u32 = 2;
const MAGIC: &[u8; 8] = b"VETMAPDS";
/// Institutions per chunk: enough chunks to keep every core decoding.
const CHUNK: usize = 65_536;

/// Why a snapshot file was not used (logged; the server then loads from PostgreSQL).
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("could not read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("could not write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a dataset snapshot of format {FORMAT}: {reason}")]
    Format { path: PathBuf, reason: String },
    #[error("{path} is damaged: {reason}")]
    Corrupt { path: PathBuf, reason: String },
}

/// What a snapshot says about itself: where in which database's change log it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotMeta {
    /// The change log's sequence number the institutions include (every change up to
    /// it, none after it).
    pub change_seq: i64,
    /// The data version they were read at.
    pub version: String,
    /// Which database they come from (`store::pg::database_identity`): a snapshot of
    /// another database, or of this one dropped and made again, is not used.
    pub database: String,
    pub institutions: u64,
}

/// What a file's first 16 bytes say: its format and the CRC-32 of the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileHeader {
    pub format: u32,
    pub checksum: u32,
}

/// The header of a file of ours of any format, from its first 16 bytes; `None` when they
/// are not one (too short, or not the magic).
pub fn header(first: &[u8]) -> Option<FileHeader> {
    if first.len() < 16 || &first[..8] != MAGIC {
        return None;
    }
    let word =
        |at: usize| u32::from_le_bytes([first[at], first[at + 1], first[at + 2], first[at + 3]]);
    Some(FileHeader {
        format: word(8),
        checksum: word(12),
    })
}

/// The header of the file at `path`, `None` when there is none or it is not ours.
pub fn header_of(path: &Path) -> Option<FileHeader> {
    let mut first = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut first))
        .ok()?;
    header(&first)
}

/// What the file at `path` says about itself, from its head alone (a few kB), before the
/// checksum over the whole file is checked: a file of another database, or one the log
/// was pruned past, is then refused without reading hundreds of MB. [`read`] checks the
/// whole.
pub fn read_meta(path: &Path) -> Result<SnapshotMeta, SnapshotError> {
    let read_err = |source| SnapshotError::Read {
        path: path.to_owned(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(read_err)?;
    let mut first = [0u8; 20];
    let format_err = |reason: String| SnapshotError::Format {
        path: path.to_owned(),
        reason,
    };
    file.read_exact(&mut first)
        .map_err(|_| format_err("no snapshot header".into()))?;
    let header = header(&first).ok_or_else(|| format_err("no snapshot header".into()))?;
    if header.format != FORMAT {
        return Err(format_err(format!("written in format {}", header.format)));
    }
    let corrupt = |reason: String| SnapshotError::Corrupt {
        path: path.to_owned(),
        reason,
    };
    let head_len = u32::from_le_bytes([first[16], first[17], first[18], first[19]]) as u64;
    if head_len > file.metadata().map_err(read_err)?.len() {
        return Err(corrupt("it ends early".into()));
    }
    let mut head = Vec::new();
    file.take(head_len)
        .read_to_end(&mut head)
        .map_err(read_err)?;
    records::Head::decode(&head)
        .map(|h| h.meta())
        .map_err(corrupt)
}

/// Writes `institutions` with `meta` to `path` atomically: a temporary file in the same
/// directory, flushed to disk, then renamed over `path`, so a reader sees the old file
/// or the new one, never half of one. `search` is the search index's base over exactly
/// these institutions, in runs written one after the other (none: there is none to
/// keep). Returns the bytes written.
pub fn write<'a>(
    path: &Path,
    meta: &SnapshotMeta,
    institutions: impl ExactSizeIterator<Item = &'a Institution>,
    search: &[&[u8]],
) -> Result<u64, SnapshotError> {
    let werr = |source| SnapshotError::Write {
        path: path.to_owned(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(werr)?;
    // The chunks go to an unnamed file of their own as they are encoded, since the head
    // that precedes them in the file is complete only after the last: holding them all
    // (600 MB at two million institutions) left about 100 MB of freed pages resident.
    let mut spill = tempfile::tempfile_in(dir).map_err(werr)?;
    let mut chunks_crc = crc32fast::Hasher::new();
    let mut spilled = 0u64;
    let (head, chunks) = {
        let mut out = std::io::BufWriter::with_capacity(1 << 20, &mut spill);
        let encoded = records::encode(meta, institutions, CHUNK, |chunk| {
            let len = (chunk.len() as u64).to_le_bytes();
            chunks_crc.update(&len);
            chunks_crc.update(chunk);
            spilled += (len.len() + chunk.len()) as u64;
            out.write_all(&len)?;
            out.write_all(chunk)
        })
        .map_err(werr)?;
        out.flush().map_err(werr)?;
        encoded
    };
    spill.seek(SeekFrom::Start(0)).map_err(werr)?;
    let head_len = (head.len() as u32).to_le_bytes();
    let count = chunks.to_le_bytes();
    let search_len = search
        .iter()
        .map(|run| run.len() as u64)
        .sum::<u64>()
        .to_le_bytes();
    // CRC-32 over the parts in file order; the chunks' is combined in, not recomputed.
    let mut crc = crc32fast::Hasher::new();
    for part in [&head_len[..], &head, &count] {
        crc.update(part);
    }
    crc.combine(&chunks_crc);
    crc.update(&search_len);
    for run in search {
        crc.update(run);
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".dataset-snapshot-")
        .tempfile_in(dir)
        .map_err(werr)?;
    let mut written = 16 + spilled;
    {
        let mut out = std::io::BufWriter::with_capacity(1 << 20, tmp.as_file_mut());
        out.write_all(MAGIC).map_err(werr)?;
        out.write_all(&FORMAT.to_le_bytes()).map_err(werr)?;
        out.write_all(&crc.finalize().to_le_bytes()).map_err(werr)?;
        for part in [&head_len[..], &head, &count] {
            out.write_all(part).map_err(werr)?;
            written += part.len() as u64;
        }
        let copied = std::io::copy(&mut spill, &mut out).map_err(werr)?;
        if copied != spilled {
            return Err(werr(std::io::Error::other(format!(
                "{copied} bytes of chunks read back of {spilled} written"
            ))));
        }
        for part in std::iter::once(&search_len[..]).chain(search.iter().copied()) {
            out.write_all(part).map_err(werr)?;
            written += part.len() as u64;
        }
        out.flush().map_err(werr)?;
    }
    tmp.as_file().sync_all().map_err(werr)?;
    tmp.persist(path).map_err(|e| werr(e.error))?;
    Ok(written)
}

/// A snapshot read whole and checked, not yet decoded: its head is cheap to look at,
/// its institutions are decoded by [`Loaded::institutions`].
pub struct Loaded {
    pub meta: SnapshotMeta,
    path: PathBuf,
    head: records::Head,
    bytes: Vec<u8>,
    chunks: Vec<(usize, usize)>,
    search: (usize, usize),
}

/// Reads `path` and checks its magic, format and checksum.
pub fn read(path: &Path) -> Result<Loaded, SnapshotError> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut bytes))
        .map_err(|source| SnapshotError::Read {
            path: path.to_owned(),
            source,
        })?;
    let corrupt = |reason: &str| SnapshotError::Corrupt {
        path: path.to_owned(),
        reason: reason.to_owned(),
    };
    if bytes.len() < 16 || &bytes[..8] != MAGIC {
        return Err(SnapshotError::Format {
            path: path.to_owned(),
            reason: "no snapshot header".into(),
        });
    }
    let format = u32::from_le_bytes(bytes[8..12].try_into().unwrap_or_default());
    if format != FORMAT {
        return Err(SnapshotError::Format {
            path: path.to_owned(),
            reason: format!("written in format {format}"),
        });
    }
    let stored = u32::from_le_bytes(bytes[12..16].try_into().unwrap_or_default());
    if crc32fast::hash(&bytes[16..]) != stored {
        return Err(corrupt("its checksum does not match its content"));
    }
    let mut at = 16usize;
    let mut take = |n: usize| -> Result<(usize, usize), SnapshotError> {
        let end = at
            .checked_add(n)
            .filter(|&e| e <= bytes.len())
            .ok_or_else(|| corrupt("it ends early"))?;
        let span = (at, end);
        at = end;
        Ok(span)
    };
    let le = |b: &[u8]| {
        b.iter()
            .rev()
            .fold(0u64, |acc, &x| (acc << 8) | u64::from(x))
    };
    let (s, e) = take(4)?;
    let (hs, he) = take(le(&bytes[s..e]) as usize)?;
    let (s, e) = take(4)?;
    let count = le(&bytes[s..e]) as usize;
    let mut chunks = Vec::with_capacity(count.min(1 << 16));
    for _ in 0..count {
        let (s, e) = take(8)?;
        let len = usize::try_from(le(&bytes[s..e])).map_err(|_| corrupt("a chunk too long"))?;
        chunks.push(take(len)?);
    }
    let (s, e) = take(8)?;
    let len = usize::try_from(le(&bytes[s..e])).map_err(|_| corrupt("a search index too long"))?;
    let search = take(len)?;
    if at != bytes.len() {
        return Err(corrupt("bytes after its search index"));
    }
    let head = records::Head::decode(&bytes[hs..he]).map_err(|e| corrupt(&e))?;
    Ok(Loaded {
        meta: head.meta(),
        path: path.to_owned(),
        head,
        bytes,
        chunks,
        search,
    })
}

impl Loaded {
    /// The search index's base stored with the institutions, if the file has one.
    pub fn search_section(&self) -> Option<&[u8]> {
        let (from, to) = self.search;
        (to > from).then(|| &self.bytes[from..to])
    }

    /// The institutions, in the order written (by id), each chunk decoded on its own
    /// thread, as many at once as there are cores.
    pub fn institutions(self) -> Result<Vec<Institution>, SnapshotError> {
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let Loaded {
            path,
            head,
            bytes,
            chunks,
            meta,
            search: _,
        } = self;
        let per_thread = chunks.len().div_ceil(threads).max(1);
        let decoded: Vec<Result<Vec<Vec<Institution>>, String>> = std::thread::scope(|s| {
            let workers: Vec<_> = chunks
                .chunks(per_thread)
                .map(|mine| {
                    let (head, bytes) = (&head, &bytes);
                    s.spawn(move || {
                        mine.iter()
                            .map(|&(from, to)| head.decode_chunk(&bytes[from..to]))
                            .collect::<Result<Vec<_>, _>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        drop(bytes);
        let mut out = Vec::with_capacity(meta.institutions as usize);
        for part in decoded {
            for chunk in part.map_err(|reason| SnapshotError::Corrupt {
                path: path.clone(),
                reason,
            })? {
                out.extend(chunk);
            }
        }
        if out.len() as u64 != meta.institutions {
            return Err(SnapshotError::Corrupt {
                path,
                reason: format!(
                    "{} institutions where its head says {}",
                    out.len(),
                    meta.institutions
                ),
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests;

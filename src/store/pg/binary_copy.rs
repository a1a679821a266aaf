//! Reading a query's rows as `COPY (...) TO STDOUT (FORMAT binary)`: the start-up's two
//! big reads (millions of rows). Through the extended protocol each row cost sqlx a
//! `DataRow` decode, a column-name lookup and a type check per field: at 2,000,000
//! institutions and 9,400,000 programmes that was more CPU than PostgreSQL spent making
//! the rows. A binary copy hands over each row's fields as length-prefixed bytes.
//!
//! The framing is PostgreSQL's documented binary copy format (sql-copy.html, "Binary
//! Format"): a header, then per row a field count and per field a length (-1 for NULL)
//! and the value in the type's binary send format, then a trailer of -1. No
//! client-independent crate reads it (rust-postgres's `binary_copy` needs its own
//! client), and it is this small; each value decoder checks the value's length.

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use sqlx::PgConnection;

use super::records::Fields;
use crate::store::StoreError;

const SIGNATURE: &[u8; 11] = b"PGCOPY\n\xff\r\n\0";
/// Signature, flags, header extension length.
const HEADER_LEN: usize = 11 + 4 + 4;
/// Bit 16 of the flags: each row carries an OID first (never asked for here). Bits
/// 17–31 are reserved; the format says a reader must stop when one it does not know of
/// is set.
const CRITICAL_FLAGS: u32 = 0xffff_0000;
/// More than any query read this way selects (institutions: 29).
pub(super) const MAX_COLUMNS: usize = 32;
/// Microseconds from the Unix epoch to PostgreSQL's (2000-01-01 00:00 UTC).
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// One row's fields as they came: `None` for NULL.
pub(super) struct CopiedRow<'a> {
    fields: &'a [Option<&'a [u8]>],
    /// The text columns' values ([`Columns::text`]) one after the other, checked as
    /// UTF-8 together, and where each lies in it.
    joined: &'a str,
    spans: &'a [(usize, usize)],
    text_columns: u32,
}

/// What a copy's rows hold: their fields' names (for errors), and which of them are
/// `text` (bit `i` for field `i`). Text fields named here are checked as UTF-8
/// together, once per row: most are shorter than the 64 bytes from which a SIMD check
/// pays, and the standard library's check, one field at a time, takes its slow path at
/// every accented letter (8.6 % of a start's instructions, measured with callgrind). A
/// text field not named here is checked on its own when read.
#[derive(Debug, Clone, Copy)]
pub(super) struct Columns {
    pub names: &'static [&'static str],
    pub text: u32,
}

/// Runs `select` as a binary copy and hands each row to `each`, in the order the server
/// sends them. `columns` names the fields `select` yields (a row with another count is
/// refused) and says which are text. `what` names the read in errors. Returns how many
/// rows were read.
pub(super) async fn for_each_copied_row<F>(
    conn: &mut PgConnection,
    select: &str,
    columns: Columns,
    what: &'static str,
    each: F,
) -> Result<u64, StoreError>
where
    F: FnMut(&CopiedRow<'_>) -> Result<(), StoreError>,
{
    let statement = format!("COPY ({select}) TO STDOUT (FORMAT binary)");
    let mut chunks = conn
        .copy_out_raw(&statement)
        .await
        .map_err(StoreError::db(what))?;
    let mut reader = CopyReader::new(columns, each)?;
    let mut refused = None;
    while let Some(chunk) = chunks.try_next().await.map_err(StoreError::db(what))? {
        // A copy stopped half-read leaves its rows and its end in the connection, and
        // sqlx does not skip them: the connection's next statement would read them as
        // its answer. So after a refusal the rest is read and dropped (at most the
        // query's rows, which the server is sending anyway). A read dropped half-way
        // would leave them too: the loads are awaited to the end, and at shutdown the
        // pool and its connections go.
        if refused.is_none()
            && let Err(e) = reader.feed(&chunk)
        {
            refused = Some(e);
        }
    }
    match refused {
        Some(e) => Err(e),
        None => reader.finish(),
    }
}

/// The framing, apart from the connection so that it can be fed bytes in tests. The
/// server sends a row per message, but nothing here relies on it: a row split across
/// chunks waits in `pending` for the rest.
struct CopyReader<F> {
    columns: Columns,
    each: F,
    /// A row's text fields, one after the other, checked as one, and where each lies.
    joined: Vec<u8>,
    spans: [(usize, usize); MAX_COLUMNS],
    header_read: bool,
    ended: bool,
    pending: Vec<u8>,
    rows: u64,
}

impl<F> CopyReader<F>
where
    F: FnMut(&CopiedRow<'_>) -> Result<(), StoreError>,
{
    fn new(columns: Columns, each: F) -> Result<Self, StoreError> {
        if columns.names.len() > MAX_COLUMNS {
            return Err(corrupt(format!(
                "a copy of {} columns, more than {MAX_COLUMNS}",
                columns.names.len()
            )));
        }
        Ok(Self {
            columns,
            each,
            joined: Vec::new(),
            spans: [(0, 0); MAX_COLUMNS],
            header_read: false,
            ended: false,
            pending: Vec::new(),
            rows: 0,
        })
    }

    fn feed(&mut self, chunk: &[u8]) -> Result<(), StoreError> {
        if self.pending.is_empty() {
            let used = self.parse(chunk)?;
            self.pending.extend_from_slice(&chunk[used..]);
        } else {
            let mut pending = std::mem::take(&mut self.pending);
            pending.extend_from_slice(chunk);
            let used = self.parse(&pending)?;
            pending.drain(..used);
            self.pending = pending;
        }
        Ok(())
    }

    fn finish(self) -> Result<u64, StoreError> {
        if !self.ended || !self.pending.is_empty() {
            return Err(corrupt("the copy ended before its trailer".into()));
        }
        Ok(self.rows)
    }

    /// Reads every whole row in `buf`; returns how many bytes were used.
    fn parse(&mut self, buf: &[u8]) -> Result<usize, StoreError> {
        let mut at = 0;
        if !self.header_read {
            let Some(header_end) = header_end(buf)? else {
                return Ok(0);
            };
            self.header_read = true;
            at = header_end;
        }
        let mut fields: [Option<&[u8]>; MAX_COLUMNS] = [None; MAX_COLUMNS];
        while at < buf.len() {
            if self.ended {
                return Err(corrupt("bytes after the copy's trailer".into()));
            }
            let Some(count) = read_i16(buf, at) else {
                break;
            };
            if count == -1 {
                self.ended = true;
                at += 2;
                continue;
            }
            let columns = self.columns.names.len();
            if usize::try_from(count).ok() != Some(columns) {
                return Err(corrupt(format!(
                    "a copied row of {count} fields where {columns} were selected",
                )));
            }
            let mut next = at + 2;
            let mut whole = true;
            for field in fields.iter_mut().take(columns) {
                let Some(len) = read_i32(buf, next) else {
                    whole = false;
                    break;
                };
                next += 4;
                if len == -1 {
                    *field = None;
                    continue;
                }
                let len = usize::try_from(len)
                    .map_err(|_| corrupt(format!("a copied field of length {len}")))?;
                let Some(value) = buf.get(next..next + len) else {
                    whole = false;
                    break;
                };
                *field = Some(value);
                next += len;
            }
            if !whole {
                break;
            }
            let fields = &fields[..columns];
            join_texts(fields, self.columns.text, &mut self.joined, &mut self.spans);
            let joined = checked(&self.joined, fields, self.columns)?;
            (self.each)(&CopiedRow {
                fields,
                joined,
                spans: &self.spans[..columns],
                text_columns: self.columns.text,
            })?;
            self.rows += 1;
            at = next;
        }
        Ok(at)
    }
}

/// Copies the fields in `text` (bit `i` for field `i`) one after the other into
/// `joined`, noting where each lies in `spans`.
fn join_texts(
    fields: &[Option<&[u8]>],
    text: u32,
    joined: &mut Vec<u8>,
    spans: &mut [(usize, usize); MAX_COLUMNS],
) {
    joined.clear();
    for (i, field) in fields.iter().enumerate() {
        if text & (1 << i) != 0
            && let Some(bytes) = field
        {
            let start = joined.len();
            joined.extend_from_slice(bytes);
            spans[i] = (start, joined.len());
        }
    }
}

/// A row's joined text fields checked as UTF-8 at once. Valid UTF-8 cut where no
/// character continues is valid piece by piece, so each field is as checked as on its
/// own once [`CopiedRow::text`] cuts it with `str::get`, which refuses a cut inside a
/// character. A refusal names the first text field that fails on its own.
fn checked<'j>(
    joined: &'j [u8],
    fields: &[Option<&[u8]>],
    columns: Columns,
) -> Result<&'j str, StoreError> {
    simdutf8::basic::from_utf8(joined).map_err(|_| {
        let failing = fields.iter().enumerate().find_map(|(i, f)| {
            let e = f.map(std::str::from_utf8)?.err()?;
            (columns.text & (1 << i) != 0).then(|| (columns.names[i], e))
        });
        corrupt(match failing {
            Some((name, e)) => format!("{name}: {e}"),
            None => "text that is not UTF-8".into(),
        })
    })
}

/// Where the header ends, once `buf` holds all of it.
fn header_end(buf: &[u8]) -> Result<Option<usize>, StoreError> {
    if buf.len() < HEADER_LEN {
        return Ok(None);
    }
    if &buf[..11] != SIGNATURE {
        return Err(corrupt("a copy without the binary signature".into()));
    }
    let flags = u32::from_be_bytes([buf[11], buf[12], buf[13], buf[14]]);
    if flags & CRITICAL_FLAGS != 0 {
        return Err(corrupt(format!("a copy with header flags {flags:#x}")));
    }
    let extension = u32::from_be_bytes([buf[15], buf[16], buf[17], buf[18]]) as usize;
    let end = HEADER_LEN + extension;
    Ok((buf.len() >= end).then_some(end))
}

fn read_i16(buf: &[u8], at: usize) -> Option<i16> {
    Some(i16::from_be_bytes(buf.get(at..at + 2)?.try_into().ok()?))
}

fn read_i32(buf: &[u8], at: usize) -> Option<i32> {
    Some(i32::from_be_bytes(buf.get(at..at + 4)?.try_into().ok()?))
}

fn corrupt(message: String) -> StoreError {
    StoreError::Corrupt(message)
}

impl CopiedRow<'_> {
    fn bytes<const N: usize>(
        &self,
        i: usize,
        name: &str,
        kind: &str,
    ) -> Result<Option<[u8; N]>, StoreError> {
        self.fields[i]
            .map(|b| {
                b.try_into()
                    .map_err(|_| corrupt(format!("{name}: {} bytes for a {kind}", b.len())))
            })
            .transpose()
    }
}

/// The values in their types' binary send formats, each checked for its width.
impl Fields for CopiedRow<'_> {
    /// A `text` field: checked with the row's other text fields ([`Columns`]) or, when
    /// not named there, now.
    fn text(&self, i: usize, name: &str) -> Result<Option<&str>, StoreError> {
        if self.text_columns & (1 << i) != 0 {
            let Some(_) = self.fields[i] else {
                return Ok(None);
            };
            let (start, end) = self.spans[i];
            return self
                .joined
                .get(start..end)
                .map(Some)
                .ok_or_else(|| corrupt(format!("{name}: text that is not UTF-8")));
        }
        self.fields[i]
            .map(|b| std::str::from_utf8(b).map_err(|e| corrupt(format!("{name}: {e}"))))
            .transpose()
    }

    /// A `double precision` field.
    fn float8(&self, i: usize, name: &str) -> Result<Option<f64>, StoreError> {
        Ok(self.bytes(i, name, "float8")?.map(f64::from_be_bytes))
    }

    /// A `boolean` field.
    fn boolean(&self, i: usize, name: &str) -> Result<Option<bool>, StoreError> {
        Ok(self.bytes::<1>(i, name, "boolean")?.map(|[b]| b != 0))
    }

    /// An `integer` field.
    fn int4(&self, i: usize, name: &str) -> Result<Option<i32>, StoreError> {
        Ok(self.bytes(i, name, "int4")?.map(i32::from_be_bytes))
    }

    /// A `bigint` field.
    fn int8(&self, i: usize, name: &str) -> Result<Option<i64>, StoreError> {
        Ok(self.bytes(i, name, "int8")?.map(i64::from_be_bytes))
    }

    /// A `timestamp with time zone` field: microseconds since 2000-01-01 UTC.
    fn timestamptz(&self, i: usize, name: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.bytes(i, name, "timestamptz")?
            .map(|b| {
                i64::from_be_bytes(b)
                    .checked_add(PG_EPOCH_MICROS)
                    .and_then(DateTime::from_timestamp_micros)
                    .ok_or_else(|| corrupt(format!("{name}: a time out of range")))
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests;

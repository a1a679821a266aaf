//! The dataset snapshot file's copy in the database (`dataset_snapshot_copy`): the newest
//! file a server wrote, byte for byte in parts, so that a server on a machine without the
//! file (a new container, a second server) reads one copy and the change log since it
//! instead of every row. Whether a copy is used is the start's decision (`app/start.rs`);
//! this module only stores and fetches bytes and says what the stored copy is.

use std::path::Path;

use futures_util::TryStreamExt;
use sqlx::{PgPool, Row};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::store::StoreError;
use crate::store::snapshot_file::{self, FileHeader};

/// Bytes per stored part: one part is all a copy holds at a time, in the server and in
/// the connection's buffers (which keep the size of their largest message). With 16 MB
/// parts a server held 85 MB more once it had stored a national copy (600 parts of 1 MB
/// cost the copy no more time: PostgreSQL's writing is most of it).
const PART_BYTES: u64 = 1 << 20;

/// A connection of its own, closed when the copy is done, so that the buffers it grew
/// are given back rather than kept in the pool.
async fn own_connection(pool: &PgPool) -> Result<sqlx::PgConnection, StoreError> {
    Ok(pool
        .acquire()
        .await
        .map_err(StoreError::db("connecting for the snapshot copy"))?
        .detach())
}

/// What the database's copy is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotCopy {
    /// `snapshot_file::FORMAT` of the file.
    pub format: u32,
    /// The vetmap version that wrote it (its search index is that version's).
    pub vetmap_version: String,
    /// The change log's sequence number the file includes.
    pub change_seq: i64,
    /// The database it was written from (`database_identity`).
    pub database: String,
    /// The file's CRC-32, as in its header.
    pub checksum: u32,
    pub bytes: u64,
    pub parts: u32,
}

/// The copy the database holds, if any.
pub async fn snapshot_copy(pool: &PgPool) -> Result<Option<SnapshotCopy>, StoreError> {
    read_copy(pool).await
}

async fn read_copy<'e, E>(executor: E) -> Result<Option<SnapshotCopy>, StoreError>
where
    E: sqlx::PgExecutor<'e>,
{
    let row = sqlx::query(
        "SELECT format, vetmap_version, change_seq, database, checksum, bytes, parts
         FROM dataset_snapshot_copy",
    )
    .fetch_optional(executor)
    .await
    .map_err(StoreError::db("reading the snapshot copy's description"))?;
    let Some(row) = row else { return Ok(None) };
    let number = |name: &str| -> Result<i64, StoreError> {
        row.try_get::<i64, _>(name)
            .or_else(|_| row.try_get::<i32, _>(name).map(i64::from))
            .map_err(StoreError::db("reading the snapshot copy's description"))
    };
    let out_of_range = |what: &str| StoreError::Corrupt(format!("the snapshot copy's {what}"));
    Ok(Some(SnapshotCopy {
        format: u32::try_from(number("format")?).map_err(|_| out_of_range("format"))?,
        vetmap_version: row
            .try_get("vetmap_version")
            .map_err(StoreError::db("reading the snapshot copy's description"))?,
        change_seq: number("change_seq")?,
        database: row
            .try_get("database")
            .map_err(StoreError::db("reading the snapshot copy's description"))?,
        checksum: u32::try_from(number("checksum")?).map_err(|_| out_of_range("checksum"))?,
        bytes: u64::try_from(number("bytes")?).map_err(|_| out_of_range("length"))?,
        parts: u32::try_from(number("parts")?).map_err(|_| out_of_range("part count"))?,
    }))
}

/// What storing a copy did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopyStored {
    /// The file's bytes are the database's copy now.
    Stored { bytes: u64, parts: u32 },
    /// The database keeps the copy it had, which is why.
    Kept(String),
}

/// Stores the snapshot file at `path` (including the log up to `change_seq`, written from
/// `database`) as the database's copy, in one transaction, unless the copy there is one
/// to keep ([`why_keep`]). Writers take the table's lock in turn, so two servers
/// finishing a full load together store one copy, not a mixture.
pub async fn store_snapshot_copy(
    pool: &PgPool,
    path: &Path,
    change_seq: i64,
    database: &str,
) -> Result<CopyStored, StoreError> {
    let read_err = |source| StoreError::Read {
        path: path.to_owned(),
        source,
    };
    // One open file throughout: a newer file renamed over `path` meanwhile is not mixed in.
    let mut file = tokio::fs::File::open(path).await.map_err(read_err)?;
    let length = file.metadata().await.map_err(read_err)?.len();
    let mut head = [0u8; 16];
    file.read_exact(&mut head).await.map_err(read_err)?;
    let header = snapshot_file::header(&head)
        .ok_or_else(|| StoreError::Corrupt(format!("{} is not a snapshot file", path.display())))?;
    let mut conn = own_connection(pool).await?;
    let copy = Stored {
        path,
        file,
        length,
        head,
        header,
    };
    let stored = store_on(&mut conn, copy, change_seq, database).await;
    // Closed whatever happened; a failure to close says nothing about the copy.
    let _ = sqlx::Connection::close(conn).await;
    stored
}

/// The file being stored: open, its length, its first bytes read and what they say.
struct Stored<'p> {
    path: &'p Path,
    file: tokio::fs::File,
    length: u64,
    head: [u8; 16],
    header: FileHeader,
}

async fn store_on(
    conn: &mut sqlx::PgConnection,
    copy: Stored<'_>,
    change_seq: i64,
    database: &str,
) -> Result<CopyStored, StoreError> {
    let Stored {
        path,
        mut file,
        length,
        head,
        header: FileHeader { format, checksum },
    } = copy;
    let version = env!("CARGO_PKG_VERSION");
    let read_err = |source| StoreError::Read {
        path: path.to_owned(),
        source,
    };
    let mut tx = sqlx::Connection::begin(&mut *conn)
        .await
        .map_err(StoreError::db("starting to store the snapshot copy"))?;
    sqlx::query("LOCK TABLE dataset_snapshot_copy IN EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await
        .map_err(StoreError::db("locking the snapshot copy"))?;
    if let Some(old) = read_copy(&mut *tx).await? {
        let ours = Ours {
            format,
            version,
            change_seq,
            database,
            checksum,
        };
        if let Some(why) = why_keep(&old, &ours) {
            return Ok(CopyStored::Kept(why));
        }
    }
    sqlx::query("DELETE FROM dataset_snapshot_copy_parts")
        .execute(&mut *tx)
        .await
        .map_err(StoreError::db("replacing the snapshot copy"))?;
    let mut part = Vec::with_capacity(PART_BYTES.min(length) as usize);
    part.extend_from_slice(&head);
    let mut parts = 0u32;
    let mut stored = 0u64;
    loop {
        let want = PART_BYTES - part.len() as u64;
        (&mut file)
            .take(want)
            .read_to_end(&mut part)
            .await
            .map_err(read_err)?;
        if part.is_empty() {
            break;
        }
        sqlx::query("INSERT INTO dataset_snapshot_copy_parts (part, bytes) VALUES ($1, $2)")
            .bind(parts as i32)
            .bind(&part[..])
            .execute(&mut *tx)
            .await
            .map_err(StoreError::db("storing a part of the snapshot copy"))?;
        stored += part.len() as u64;
        parts += 1;
        if (part.len() as u64) < PART_BYTES {
            break;
        }
        part.clear();
    }
    if stored != length {
        return Err(read_err(std::io::Error::other(format!(
            "{stored} bytes read of {length}"
        ))));
    }
    sqlx::query(
        "INSERT INTO dataset_snapshot_copy
             (singleton, format, vetmap_version, change_seq, database, checksum, bytes, parts)
         VALUES (true, $1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (singleton) DO UPDATE SET
             format = excluded.format, vetmap_version = excluded.vetmap_version,
             change_seq = excluded.change_seq, database = excluded.database,
             checksum = excluded.checksum, bytes = excluded.bytes, parts = excluded.parts,
             stored_at = now()",
    )
    .bind(format as i32)
    .bind(version)
    .bind(change_seq)
    .bind(database)
    .bind(i64::from(checksum))
    .bind(stored as i64)
    .bind(parts as i32)
    .execute(&mut *tx)
    .await
    .map_err(StoreError::db("describing the snapshot copy"))?;
    tx.commit()
        .await
        .map_err(StoreError::db("committing the snapshot copy"))?;
    Ok(CopyStored::Stored {
        bytes: stored,
        parts,
    })
}

/// What a server would store as the copy.
struct Ours<'a> {
    format: u32,
    version: &'a str,
    change_seq: i64,
    database: &'a str,
    checksum: u32,
}

/// Why the database's copy `old` is kept rather than replaced by `ours`, if it is.
///
/// A copy of another database or format is replaced: this server cannot start from it.
/// Of this one, the copy is kept when it holds these very bytes (a server started from
/// a file the copy was made from, or fetched it), or includes more of the log: during a
/// rolling upgrade a server of one version started from its own older file would
/// otherwise put back an older copy, or store the same 600 MB again (national scale)
/// only to change the version it is labelled with. At the same position of the log, a
/// copy of another version is replaced: its bytes differ (an earlier version's file
/// without a search index this one can use, rewritten with one), and the copy follows
/// the version that wrote last.
fn why_keep(old: &SnapshotCopy, ours: &Ours<'_>) -> Option<String> {
    if old.database != ours.database || old.format != ours.format {
        return None;
    }
    if old.checksum == ours.checksum {
        return Some("the database's copy is this same file".to_owned());
    }
    let newer = old.change_seq > ours.change_seq
        || (old.change_seq == ours.change_seq && old.vetmap_version == ours.version);
    newer.then(|| {
        format!(
            "the database's copy includes the log up to {} already",
            old.change_seq
        )
    })
}

/// Writes the database's copy to `path` (a temporary file beside it, renamed over it
/// when whole) if it is still `expected`, and says so; `false` when the copy changed or
/// went since it was looked at. Not synced to disk: the file's checksum finds one cut
/// short by a crash, and it is only ever a cache of the database's copy.
pub async fn fetch_snapshot_copy(
    pool: &PgPool,
    path: &Path,
    expected: &SnapshotCopy,
) -> Result<bool, StoreError> {
    let mut conn = own_connection(pool).await?;
    let fetched = fetch_on(&mut conn, path, expected).await;
    let _ = sqlx::Connection::close(conn).await;
    fetched
}

async fn fetch_on(
    conn: &mut sqlx::PgConnection,
    path: &Path,
    expected: &SnapshotCopy,
) -> Result<bool, StoreError> {
    let write_err = |source| StoreError::Write {
        path: path.to_owned(),
        source,
    };
    let mut tx = sqlx::Connection::begin(&mut *conn)
        .await
        .map_err(StoreError::db("starting to read the snapshot copy"))?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await
        .map_err(StoreError::db("starting to read the snapshot copy"))?;
    if read_copy(&mut *tx).await?.as_ref() != Some(expected) {
        return Ok(false);
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => Path::new(".").to_owned(),
    };
    tokio::fs::create_dir_all(&dir).await.map_err(write_err)?;
    let tmp = tempfile::Builder::new()
        .prefix(".dataset-snapshot-")
        .tempfile_in(&dir)
        .map_err(write_err)?;
    let mut out = tokio::fs::File::from_std(tmp.reopen().map_err(write_err)?);
    let mut rows = sqlx::query("SELECT part, bytes FROM dataset_snapshot_copy_parts ORDER BY part")
        .fetch(&mut *tx);
    let (mut next, mut written) = (0i32, 0u64);
    while let Some(row) = rows
        .try_next()
        .await
        .map_err(StoreError::db("reading the snapshot copy"))?
    {
        let part: i32 = row
            .try_get("part")
            .map_err(StoreError::db("reading the snapshot copy"))?;
        let bytes: &[u8] = row
            .try_get("bytes")
            .map_err(StoreError::db("reading the snapshot copy"))?;
        if part != next {
            return Err(StoreError::Corrupt(format!(
                "the snapshot copy's part {next} is missing"
            )));
        }
        out.write_all(bytes).await.map_err(write_err)?;
        next += 1;
        written += bytes.len() as u64;
    }
    drop(rows);
    if next as u32 != expected.parts || written != expected.bytes {
        return Err(StoreError::Corrupt(format!(
            "the snapshot copy holds {next} parts and {written} bytes, its description \
             {} and {}",
            expected.parts, expected.bytes
        )));
    }
    out.flush().await.map_err(write_err)?;
    drop(out);
    tmp.persist(path).map_err(|e| write_err(e.error))?;
    tx.commit()
        .await
        .map_err(StoreError::db("finishing the snapshot copy's read"))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy(version: &str, change_seq: i64, checksum: u32) -> SnapshotCopy {
        SnapshotCopy {
            format: snapshot_file::FORMAT,
            vetmap_version: version.to_owned(),
            change_seq,
            database: "db-a".to_owned(),
            checksum,
            bytes: 100,
            parts: 1,
        }
    }

    fn ours(version: &str, change_seq: i64, checksum: u32) -> Ours<'_> {
        Ours {
            format: snapshot_file::FORMAT,
            version,
            change_seq,
            database: "db-a",
            checksum,
        }
    }

    #[test]
    fn a_copy_further_along_the_log_is_kept_whichever_version_wrote_it() {
        for version in ["0.1.0", "0.2.0"] {
            let why = why_keep(&copy(version, 12, 1), &ours("0.1.0", 10, 2));
            assert!(why.is_some_and(|w| w.contains("up to 12")));
        }
    }

    #[test]
    fn the_same_bytes_are_not_stored_again_under_another_version() {
        let why = why_keep(&copy("0.1.0", 10, 7), &ours("0.2.0", 10, 7));
        assert_eq!(
            why.as_deref(),
            Some("the database's copy is this same file")
        );
    }

    #[test]
    fn other_bytes_at_the_same_position_replace_another_versions_copy_only() {
        assert!(why_keep(&copy("0.1.0", 10, 1), &ours("0.2.0", 10, 2)).is_none());
        assert!(why_keep(&copy("0.2.0", 10, 1), &ours("0.2.0", 10, 2)).is_some());
    }

    #[test]
    fn an_older_copy_or_one_this_server_cannot_read_is_replaced() {
        assert!(why_keep(&copy("0.1.0", 9, 1), &ours("0.1.0", 10, 2)).is_none());
        let other_database = SnapshotCopy {
            database: "db-b".to_owned(),
            ..copy("0.1.0", 12, 1)
        };
        assert!(why_keep(&other_database, &ours("0.1.0", 10, 2)).is_none());
        let other_format = SnapshotCopy {
            format: snapshot_file::FORMAT + 1,
            ..copy("0.1.0", 12, 1)
        };
        assert!(why_keep(&other_format, &ours("0.1.0", 10, 2)).is_none());
    }
}

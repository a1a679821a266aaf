//! The first load from PostGIS: from the dataset snapshot file plus the change log since
//! it when the file can be used, else every row; and writing the file after a full load,
//! in the background, so that readiness never waits for it.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use sqlx::PgPool;

use crate::index::ServingIndex;
use crate::model::Dataset;
use crate::search::StoredBase;
use crate::store::StoreError;
use crate::store::pg::{self, FirstLoad};
use crate::store::snapshot_file::{self, SnapshotMeta};

/// Writes the snapshot file, one write at a time (a full reload that finishes while the
/// previous write runs is skipped: the next full load writes again).
pub struct SnapshotWriter {
    path: PathBuf,
    pool: PgPool,
    /// Whether the database keeps a copy of the newest file (`VETMAP_SNAPSHOT_COPY`).
    copy: bool,
    busy: AtomicBool,
}

impl SnapshotWriter {
    pub fn new(path: PathBuf, pool: PgPool, copy: bool) -> Arc<Self> {
        Arc::new(Self {
            path,
            pool,
            copy,
            busy: AtomicBool::new(false),
        })
    }

    /// Stores the file the server started from as the database's copy when the database
    /// has none as new (a server started from its file before copies were kept, or after
    /// the copy was deleted), in the background.
    fn store_copy_in_background(self: &Arc<Self>, change_seq: i64) {
        if !self.copy || self.busy.swap(true, Ordering::AcqRel) {
            return;
        }
        let me = self.clone();
        tokio::spawn(async move {
            match pg::database_identity(&me.pool).await {
                Ok(database) => me.store_copy(change_seq, &database).await,
                Err(e) => {
                    tracing::warn!(error = %e, "dataset snapshot not copied into the database")
                }
            }
            me.busy.store(false, Ordering::Release);
        });
    }

    /// Stores the file as the database's copy and logs what happened; a failure (a read
    /// replica refuses writes) leaves the server as it was.
    async fn store_copy(&self, change_seq: i64, database: &str) {
        let started = Instant::now();
        match pg::store_snapshot_copy(&self.pool, &self.path, change_seq, database).await {
            Ok(pg::CopyStored::Stored { bytes, parts }) => tracing::info!(
                bytes,
                parts,
                change_seq,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "dataset snapshot copied into the database"
            ),
            Ok(pg::CopyStored::Kept(why)) => {
                tracing::info!(reason = %why, "dataset snapshot not copied into the database")
            }
            Err(e) => {
                tracing::warn!(error = %e, "dataset snapshot not copied into the database")
            }
        }
    }

    /// Writes `index`'s institutions with the change log's position `change_seq` on a
    /// thread of its own; failures are logged (the server runs on without the file).
    pub fn write_in_background(self: &Arc<Self>, index: Arc<ServingIndex>, change_seq: i64) {
        if self.busy.swap(true, Ordering::AcqRel) {
            tracing::info!(path = %self.path.display(), "a snapshot file is being written already; this load is not written");
            return;
        }
        let me = self.clone();
        tokio::spawn(async move {
            let database = match pg::database_identity(&me.pool).await {
                Ok(d) => d,
                Err(e) => {
                    tracing::warn!(error = %e, "no dataset snapshot written");
                    me.busy.store(false, Ordering::Release);
                    return;
                }
            };
            let writer = me.clone();
            let identity = database.clone();
            let written = tokio::task::spawn_blocking(move || {
                let started = Instant::now();
                let meta = SnapshotMeta {
                    change_seq,
                    version: index.version().to_owned(),
                    database: identity,
                    institutions: index.institutions().len() as u64,
                };
                let search = index.search().stored_base_runs();
                let runs: Vec<&[u8]> = search.iter().flatten().map(|r| r.as_ref()).collect();
                let bytes =
                    snapshot_file::write(&writer.path, &meta, index.institutions().iter(), &runs);
                drop(runs);
                drop(search);
                drop(index);
                // The encoded chunks (hundreds of MB at national scale) are freed by now;
                // hand their pages back, as after a build.
                crate::index::release_freed_memory();
                (bytes, started.elapsed().as_millis() as u64)
            })
            .await;
            match written {
                Ok((Ok(bytes), ms)) => {
                    tracing::info!(
                        path = %me.path.display(), bytes, change_seq, elapsed_ms = ms,
                        "dataset snapshot written"
                    );
                    if me.copy {
                        me.store_copy(change_seq, &database).await;
                    }
                }
                Ok((Err(e), _)) => tracing::warn!(error = %e, "no dataset snapshot written"),
                Err(e) => tracing::error!(error = %e, "writing the dataset snapshot panicked"),
            }
            me.busy.store(false, Ordering::Release);
        });
    }
}

/// The first snapshot and the change log's position it includes: from the snapshot file
/// when it can be used, else from the database's copy of the newest file (fetched over
/// it) when that can, else from every row (then the file is written anew).
pub async fn first_load(
    pool: &PgPool,
    writer: Option<&Arc<SnapshotWriter>>,
    started: Instant,
) -> Result<(Arc<ServingIndex>, i64, FirstLoad), StoreError> {
    let mut skipped = None;
    if let Some(w) = writer {
        let mut started_from = from_snapshot(pool, w, None).await?;
        if let (Err(own), true) = (&started_from, w.copy) {
            started_from = match from_database_copy(pool, w, own).await? {
                Ok(started) => Ok(started),
                Err(why_not) => Err(Unusable {
                    why: format!("{}; {why_not}", own.why),
                    sound: false,
                }),
            };
        }
        match started_from {
            Ok((index, seq, first_load)) => {
                let index = Arc::new(index);
                match &first_load {
                    // A file whose search index could not be used (an earlier version's,
                    // or none) is written anew with this one, or every start would index
                    // every document again until the next full load.
                    FirstLoad::Snapshot {
                        search_rebuilt: Some(_),
                        ..
                    } => w.write_in_background(index.clone(), seq),
                    FirstLoad::Snapshot {
                        file_change_seq,
                        copy_fetched: None,
                        ..
                    } => w.store_copy_in_background(*file_change_seq),
                    _ => {}
                }
                return Ok((index, seq, first_load));
            }
            Err(unusable) => {
                let why = unusable.why;
                tracing::info!(
                    path = %w.path.display(), reason = %why,
                    "not starting from the dataset snapshot: loading every row from PostgreSQL"
                );
                skipped = Some(why);
            }
        }
    }
    let (dataset, seq) = pg::load_dataset_logged(pool).await?;
    let index = Arc::new(super::build_index(dataset, started));
    if let Some(w) = writer {
        w.write_in_background(index.clone(), seq);
    }
    Ok((
        index,
        seq,
        FirstLoad::Rows {
            snapshot_skipped: skipped,
        },
    ))
}

/// Why a snapshot described by `meta` cannot be brought to this database's state, if it
/// cannot: written from another database, or the change log pruned past it or ending
/// before it.
async fn unusable_now(pool: &PgPool, meta: &SnapshotMeta) -> Result<Option<String>, StoreError> {
    let database = pg::database_identity(pool).await?;
    if meta.database != database {
        return Ok(Some(format!(
            "it was written from another database ({}, this is {database})",
            meta.database
        )));
    }
    let head = pg::log_head(pool).await?;
    if head.pruned_through > meta.change_seq {
        return Ok(Some(format!(
            "the change log was pruned past it (the file includes changes up to {}, the \
             log starts after {})",
            meta.change_seq, head.pruned_through
        )));
    }
    if head.change_seq < meta.change_seq {
        return Ok(Some(format!(
            "the change log ends before it ({} < {}): a restored database?",
            head.change_seq, meta.change_seq
        )));
    }
    Ok(None)
}

/// Runs `work` (file I/O, decoding, a build) on a blocking thread; its panic, a bug, is
/// an error named by `what`.
async fn off_the_runtime<T: Send + 'static>(
    what: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StoreError::Corrupt(format!("{what} panicked: {e}")))
}

/// A first snapshot: the index, the change log's position it includes, how it was loaded.
type Started = (ServingIndex, i64, FirstLoad);

/// Why a snapshot file cannot be used, and whether the file itself is sound (then its
/// same bytes kept in the database cannot be used either).
struct Unusable {
    why: String,
    sound: bool,
}

impl Unusable {
    /// The file is not there, cannot be read, its bytes are not a whole snapshot, or it
    /// was refused from its head before its checksum was checked: not known sound.
    fn damaged(why: impl ToString) -> Self {
        Self {
            why: why.to_string(),
            sound: false,
        }
    }

    /// The file is whole, but what it holds cannot be brought to the database's state.
    fn sound(why: impl Into<String>) -> Self {
        Self {
            why: why.into(),
            sound: true,
        }
    }
}

/// The snapshot from the database's copy of the newest file, fetched over the server's
/// own file (which `file_unusable` says why it could not be used), and the log since
/// it; or why the copy cannot be used either. Only the database being away is an error:
/// a copy that cannot be read (a database not migrated yet, say) is a reason to load
/// every row.
async fn from_database_copy(
    pool: &PgPool,
    writer: &SnapshotWriter,
    file_unusable: &Unusable,
) -> Result<Result<Started, String>, StoreError> {
    let usable = async {
        let Some(copy) = pg::snapshot_copy(pool).await? else {
            return Ok::<_, StoreError>(Err("the database holds no copy of one".to_owned()));
        };
        if copy.format != snapshot_file::FORMAT {
            return Ok(Err(format!(
                "the database's copy is of format {}, not {}",
                copy.format,
                snapshot_file::FORMAT
            )));
        }
        let database = pg::database_identity(pool).await?;
        if copy.database != database {
            return Ok(Err(
                "the database's copy was written from another database".to_owned()
            ));
        }
        let head = pg::log_head(pool).await?;
        if head.pruned_through > copy.change_seq {
            return Ok(Err(format!(
                "the change log was pruned past the database's copy (it includes changes \
                 up to {}, the log starts after {})",
                copy.change_seq, head.pruned_through
            )));
        }
        // A sound file that could not be used: the same bytes from the database could
        // not be either (the log cannot say what changed since them, say).
        let own = snapshot_file::header_of(&writer.path);
        if file_unusable.sound
            && own.is_some_and(|h| h.format == copy.format && h.checksum == copy.checksum)
        {
            return Ok(Err("the database's copy is this same file".to_owned()));
        }
        Ok(Ok(copy))
    };
    let fetched_at = Instant::now();
    let copy = match usable.await {
        Ok(Ok(copy)) => copy,
        Ok(Err(why)) => return Ok(Err(why)),
        Err(e) if e.is_unavailable() => return Err(e),
        Err(e) => return Ok(Err(format!("the database's copy could not be read: {e}"))),
    };
    match pg::fetch_snapshot_copy(pool, &writer.path, &copy).await {
        Ok(true) => tracing::info!(
            path = %writer.path.display(), bytes = copy.bytes, change_seq = copy.change_seq,
            elapsed_ms = fetched_at.elapsed().as_millis() as u64,
            "dataset snapshot fetched from the database's copy"
        ),
        Ok(false) => return Ok(Err("the database's copy changed while it was read".into())),
        Err(e) if e.is_unavailable() => return Err(e),
        Err(e) => {
            return Ok(Err(format!(
                "the database's copy could not be fetched: {e}"
            )));
        }
    }
    Ok(
        match from_snapshot(pool, writer, Some(file_unusable.why.clone())).await? {
            Ok(started) => Ok(started),
            Err(u) => Err(format!("the database's copy cannot be used: {}", u.why)),
        },
    )
}

/// The snapshot from the file and the log since it, or why the file cannot be used
/// (the outer error is the database's, which the caller handles as for any load).
/// `copy_fetched`: why the file is the database's copy, fetched in place of the
/// server's own.
async fn from_snapshot(
    pool: &PgPool,
    writer: &SnapshotWriter,
    copy_fetched: Option<String>,
) -> Result<Result<Started, Unusable>, StoreError> {
    let started = Instant::now();
    let path = writer.path.clone();
    if !path.exists() {
        return Ok(Err(Unusable::damaged("there is no snapshot file yet")));
    }
    // The head alone first: not checked yet (the checksum covers the whole file), so a
    // refusal from it does not count the file sound.
    let at = path.clone();
    let early = off_the_runtime("reading the snapshot file", move || {
        snapshot_file::read_meta(&at)
    })
    .await?;
    let early = match early {
        Ok(meta) => meta,
        Err(e) => return Ok(Err(Unusable::damaged(e))),
    };
    if let Some(why) = unusable_now(pool, &early).await? {
        return Ok(Err(Unusable::damaged(why)));
    }
    let read = off_the_runtime("reading the snapshot file", move || {
        snapshot_file::read(&path)
    })
    .await?;
    let loaded = match read {
        Ok(l) => l,
        Err(e) => return Ok(Err(Unusable::damaged(e))),
    };
    let meta = loaded.meta.clone();
    // The checked head is the one checked against the database above (the log's end and
    // pruning are checked again where the changes since are read).
    if meta != early {
        return Ok(Err(Unusable::damaged("it changed while it was read")));
    }
    let (occupations, areas, mapping) = pg::load_catalogue(pool).await?;
    let count = meta.institutions as usize;
    let decoded = off_the_runtime("decoding the snapshot file", move || {
        let search = match loaded.search_section() {
            Some(bytes) => StoredBase::decode(bytes, count),
            None => Err("the file holds no search index".to_owned()),
        };
        loaded.institutions().map(|i| (i, search))
    })
    .await?;
    let (institutions, search) = match decoded {
        Ok(d) => d,
        Err(e) => return Ok(Err(Unusable::damaged(e))),
    };
    let read_ms = started.elapsed().as_millis() as u64;
    // The log after the file's position. The small tables were read above, at or after
    // that position: any change to them since is in the delta, read after them, so they
    // end as the delta's newest state.
    let Some((delta, seq)) = pg::read_changes(pool, meta.change_seq).await? else {
        return Ok(Err(Unusable::sound(
            "the change log cannot say what changed since it (a bulk change, or too many \
             institutions)",
        )));
    };
    let changed = delta.institutions.len();
    let mut dataset = Dataset {
        occupations,
        areas,
        mapping,
        institutions,
        version: meta.version.clone(),
    };
    // With the file's search index, the snapshot is the file's institutions as they
    // were indexed, and the log since is applied to it as any delta (a change to the
    // catalogue or areas since makes that delta index everything again, as it would on
    // a running server). Without it, the log is merged before the one build.
    let search_rebuilt = search.as_ref().err().cloned();
    let index = off_the_runtime("the index build", move || match search {
        Ok(stored) => ServingIndex::build_with_search(dataset, Some(stored)).apply(delta),
        Err(_) => {
            delta.merge_into(&mut dataset);
            ServingIndex::build(dataset)
        }
    })
    .await?;
    tracing::info!(
        institutions = index.institutions().len(),
        version = index.version(),
        snapshot_change_seq = meta.change_seq,
        change_seq = seq,
        changed_since = changed,
        read_ms,
        build_ms = started.elapsed().as_millis() as u64 - read_ms,
        search_rebuilt = search_rebuilt.as_deref().unwrap_or("no: from the file"),
        "serving index built from the dataset snapshot and the change log since"
    );
    let first_load = FirstLoad::Snapshot {
        file_change_seq: meta.change_seq,
        copy_fetched,
        search_rebuilt,
    };
    Ok(Ok((index, seq, first_load)))
}

//! Keeps a server's serving index current when the database changes, whoever changed
//! it (another server, `vetmap import`, or a GIS user in QGIS): triggers write each
//! change to the change log (its sequence number, table, keys), bump the data version
//! and `NOTIFY vetmap_data_changed` with the sequence number; every server listens and
//! applies the changes after the sequence number its snapshot includes, reading only
//! the changed rows (`changes.rs`, `ServingIndex::apply`).
//!
//! A notification sent while the listening connection is down is lost for good, so two
//! more checks compare the database's version and log with the index's: one each time
//! `LISTEN` is (re)established, and one every few seconds (`VETMAP_CHANGE_CHECK_MS`),
//! which also catches what no reconnect noticed. Catching up is by sequence number, so
//! nothing missed is lost: whatever the log holds after the snapshot's position is
//! applied. A full reload is the fallback when the log cannot say (pruned past the
//! position, a bulk change, a change with the triggers switched off, the first load of a
//! server that started while its database was away).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use tokio::sync::{Mutex, Notify, watch};

use crate::index::{IndexHandle, ServingIndex};
use crate::store::StoreError;

pub const CHANNEL: &str = "vetmap_data_changed";

/// Reconnection waits: doubled from the first up to the last, so a database that is away
/// for long costs one attempt (and one warning) every ten seconds.
const FIRST_RETRY: Duration = Duration::from_millis(500);
const LAST_RETRY: Duration = Duration::from_secs(10);

/// What keeps the index current is doing; for `/ready`, and for tests, which wait for a
/// state instead of racing the listener.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeStatus {
    /// Since when `LISTEN` has been in place, with the version checked after it; `None`
    /// while it is not (not yet connected, or reconnecting).
    pub listening_since: Option<DateTime<Utc>>,
    /// When the database's data version was last read, and what it was.
    pub last_checked_at: Option<DateTime<Utc>>,
    pub last_checked_version: Option<String>,
    /// Snapshots swapped in since start (the first load of a late start included),
    /// whether by a delta or a full reload.
    pub reloads: u64,
    /// Of these, the full reloads (all the others applied the change log).
    pub full_reloads: u64,
    /// Overlays merged in the background (`index/merge.rs`): snapshots rebuilt aside and
    /// swapped in with the same data, not counted in `reloads`.
    pub merges: u64,
    /// The change log's sequence number the serving snapshot includes, once known.
    pub change_seq: Option<i64>,
    /// How the first snapshot was loaded at start.
    pub first_load: FirstLoad,
}

/// How a server's first snapshot was loaded at start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum FirstLoad {
    /// Not at start (the database was away then): by the listener's first full reload.
    #[default]
    Later,
    /// Every row from PostgreSQL; with why the snapshot file was not used, when there is
    /// one configured.
    Rows { snapshot_skipped: Option<String> },
    /// The snapshot file (which included the change log up to `file_change_seq`) and
    /// the log after it.
    Snapshot {
        file_change_seq: i64,
        /// Why the server's own file was not used and the database's copy of the newest
        /// file was fetched in its place (`None`: the server's own file).
        copy_fetched: Option<String>,
        /// Why the search index was built anew rather than taken from the file
        /// (`None`: taken from it).
        search_rebuilt: Option<String>,
    },
}

/// A way to bring the index to the database's version now: a write on this server
/// calls it before answering, so the writer reads what it wrote (other servers follow by
/// notification).
#[derive(Clone)]
pub struct IndexKeeper(Arc<Keeper>);

impl IndexKeeper {
    /// Applies what the change log holds after the index's position (or reloads when the
    /// log cannot say), one check at a time with the listener's.
    pub async fn catch_up(&self) {
        self.0.check_logged().await;
    }
}

/// Whether `LISTEN` was refused because the database is a hot standby (SQLSTATE 25006,
/// "cannot execute LISTEN during recovery").
fn on_a_standby(e: &StoreError) -> bool {
    match e {
        StoreError::Db {
            source: sqlx::Error::Database(d),
            ..
        } => d.code().as_deref() == Some("25006"),
        _ => false,
    }
}

/// Called with each snapshot a full reload built and the change log's sequence number it
/// includes (the server writes its snapshot file from it).
pub type FullLoadHook = Arc<dyn Fn(Arc<ServingIndex>, i64) + Send + Sync>;

/// Starts listening and, unless `check_every` is `None`, checking periodically; both run
/// until the process ends. The receiver follows their state. `first` is the change log's
/// sequence number the index already includes and how it was loaded, when it was
/// loaded at start.
pub fn keep_index_current(
    pool: PgPool,
    index: IndexHandle,
    check_every: Option<Duration>,
    first: Option<(i64, FirstLoad)>,
    after_full_load: Option<FullLoadHook>,
) -> (watch::Receiver<ChangeStatus>, IndexKeeper) {
    let (position, first_load) = match first {
        Some((seq, how)) => (Some(seq), how),
        None => (None, FirstLoad::Later),
    };
    let (status, receiver) = watch::channel(ChangeStatus {
        change_seq: position,
        first_load,
        ..ChangeStatus::default()
    });
    let keeper = Arc::new(Keeper {
        pool,
        index,
        status,
        position: Mutex::new(position),
        after_full_load,
        merge_wanted: Notify::new(),
    });
    tokio::spawn(keeper.clone().listen());
    tokio::spawn(keeper.clone().merge_overlays());
    if let Some(every) = check_every {
        tokio::spawn(keeper.clone().check_every(every));
    }
    (receiver, IndexKeeper(keeper))
}

struct Keeper {
    pool: PgPool,
    index: IndexHandle,
    status: watch::Sender<ChangeStatus>,
    /// The change log's sequence number the current snapshot includes (`None` until
    /// known). Held through a check: one check at a time, since a full load at national
    /// scale takes seconds and a second copy of the data in memory.
    position: Mutex<Option<i64>>,
    after_full_load: Option<FullLoadHook>,
    /// Poked after a delta leaves the overlays past their limit.
    merge_wanted: Notify,
}

impl Keeper {
    /// Merges the overlays whenever a delta leaves them past their limit: the snapshot
    /// is rebuilt on a blocking thread while deltas go on being applied, then brought to
    /// the serving snapshot by what changed meanwhile and swapped in, under the
    /// position's lock so that no delta is applied in between (milliseconds).
    async fn merge_overlays(self: Arc<Self>) {
        loop {
            self.merge_wanted.notified().await;
            let from = self.index.current();
            if !from.needs_merge() {
                continue;
            }
            let started = Instant::now();
            let aside = from.clone();
            let merged = match tokio::task::spawn_blocking(move || aside.merged()).await {
                Ok(m) => m,
                Err(e) => {
                    tracing::error!(error = %e, "merging the index's overlays panicked");
                    continue;
                }
            };
            let built_ms = started.elapsed().as_millis() as u64;
            let _position = self.position.lock().await;
            let to = self.index.current();
            // Rebuilt meanwhile (a full reload, or a delta past the hard limit): nothing
            // left to merge, and the two may share no chunk to compare by.
            if to.keys().epoch() != from.keys().epoch() {
                continue;
            }
            let handle = self.index.clone();
            let swapped = tokio::task::spawn_blocking(move || {
                let next = merged.rebased(&from, &to);
                let overlay = next.overlay_len();
                handle.replace(next);
                overlay
            })
            .await;
            match swapped {
                Ok(overlay) => {
                    self.status.send_modify(|s| s.merges += 1);
                    metrics::counter!("vetmap_index_merges_total").increment(1);
                    tracing::info!(
                        built_ms,
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        overlay,
                        "the index's overlays merged in the background"
                    );
                }
                Err(e) => {
                    tracing::error!(error = %e, "bringing a merged index up to date panicked")
                }
            }
        }
    }

    /// Listens, reconnecting with growing waits whenever the connection is lost.
    async fn listen(self: Arc<Self>) {
        let mut wait = FIRST_RETRY;
        loop {
            let Err(e) = self.listen_once(&mut wait).await;
            self.status.send_modify(|s| s.listening_since = None);
            if on_a_standby(&e) {
                // NOTIFY does not reach a streaming replica and LISTEN is refused there:
                // a server reading from one follows the log by the periodic check alone.
                tracing::info!(
                    "the database is a read replica (LISTEN refused during recovery): \
                     following the change log by the periodic check only"
                );
                self.check_logged().await;
                return;
            }
            tracing::warn!(error = %e, retry_in_ms = wait.as_millis() as u64, "change listener down; reconnecting");
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(LAST_RETRY);
        }
    }

    /// One connection's life: `LISTEN`, check what changed before it was in place, then
    /// reload on each burst of notifications until the connection is lost.
    async fn listen_once(&self, wait: &mut Duration) -> Result<Infallible, StoreError> {
        let context = "listening for changes";
        let mut listener = PgListener::connect_with(&self.pool)
            .await
            .map_err(StoreError::db(context))?;
        // A lost connection is reported (`Ok(None)`) rather than silently re-established,
        // so that every new `LISTEN` is followed by a check.
        listener.eager_reconnect(false);
        listener
            .listen(CHANNEL)
            .await
            .map_err(StoreError::db(context))?;
        self.check_logged().await;
        *wait = FIRST_RETRY;
        self.status
            .send_modify(|s| s.listening_since = Some(Utc::now()));
        tracing::info!(channel = CHANNEL, "listening for data changes");
        loop {
            let mut lost = listener
                .try_recv()
                .await
                .map_err(StoreError::db(context))?
                .is_none();
            // Let a burst of statements from one import settle.
            while !lost {
                match tokio::time::timeout(Duration::from_millis(50), listener.try_recv()).await {
                    Ok(Ok(Some(_))) => {}
                    Ok(Ok(None)) => lost = true,
                    Ok(Err(e)) => return Err(StoreError::db(context)(e)),
                    Err(_) => break,
                }
            }
            if lost {
                return Err(StoreError::db(context)(sqlx::Error::Io(
                    std::io::ErrorKind::ConnectionAborted.into(),
                )));
            }
            self.check_logged().await;
        }
    }

    /// Compares versions every `every`; says once when the database stops answering and
    /// once when it is back, not on every tick.
    async fn check_every(self: Arc<Self>, every: Duration) {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await;
        let mut failing = false;
        loop {
            ticks.tick().await;
            match self.check().await {
                Ok(()) if failing => {
                    tracing::info!("the database answers the version check again");
                    failing = false;
                }
                Ok(()) => {}
                Err(e) if e.is_unavailable() => {
                    if !failing {
                        tracing::warn!(error = %e, "version check: the database does not answer");
                    }
                    failing = true;
                }
                Err(e) => tracing::error!(error = %e, "version check failed"),
            }
        }
    }

    async fn check_logged(&self) {
        if let Err(e) = self.check().await {
            tracing::error!(error = %e, "could not check or reload the data; still serving the previous snapshot");
        }
    }

    /// Brings the index to the database's version: by the change log when it can (only
    /// the changed rows are read, and the next snapshot shares the rest), by a full
    /// reload when it cannot (first load, a log pruned past this server's position, a
    /// bulk change, a change made with the triggers switched off).
    async fn check(&self) -> Result<(), StoreError> {
        let mut position = self.position.lock().await;
        let head = super::log_head(&self.pool).await?;
        self.status.send_modify(|s| {
            s.last_checked_at = Some(Utc::now());
            s.last_checked_version = Some(head.version.clone());
        });
        let current = self.index.current();
        if self.index.is_loaded() && head.version == current.version() {
            // Nothing moved. A snapshot built before the listener ran (at start) has no
            // position yet: the version it was read at is the database's, so the log's
            // head is its position.
            position.get_or_insert(head.change_seq);
            return Ok(());
        }
        let started = Instant::now();
        let by_log = match *position {
            Some(p)
                if self.index.is_loaded() && head.change_seq > p && head.pruned_through <= p =>
            {
                Some(p)
            }
            _ => None,
        };
        let (outcome, kind) = match by_log {
            Some(p) => match self.apply_changes(&current, p).await {
                Ok(Some(seq)) => (Ok(seq), "delta"),
                Ok(None) => (self.reload().await, "full"),
                Err(e) => (Err(e), "delta"),
            },
            None => (self.reload().await, "full"),
        };
        let label = if outcome.is_ok() { "ok" } else { "failed" };
        metrics::counter!("vetmap_index_reloads_total", "outcome" => label, "kind" => kind)
            .increment(1);
        metrics::histogram!("vetmap_index_reload_duration_seconds", "kind" => kind)
            .record(started.elapsed().as_secs_f64());
        let seq = outcome?;
        *position = Some(seq);
        if self.index.current().needs_merge() {
            self.merge_wanted.notify_one();
        }
        let version = self.index.current().version().to_owned();
        self.status.send_modify(|s| {
            s.reloads += 1;
            s.full_reloads += u64::from(kind == "full");
            s.change_seq = Some(seq);
        });
        tracing::info!(%version, change_seq = seq, kind, elapsed_ms = started.elapsed().as_millis() as u64, "serving index brought up to date");
        Ok(())
    }

    /// Applies the logged changes after `after` to `current`; `None` when the log cannot
    /// say what changed (then the caller reloads in full).
    async fn apply_changes(
        &self,
        current: &Arc<ServingIndex>,
        after: i64,
    ) -> Result<Option<i64>, StoreError> {
        let Some((delta, seq)) = super::changes::read_changes(&self.pool, after).await? else {
            return Ok(None);
        };
        let base = current.clone();
        let handle = self.index.clone();
        // Applied and swapped in on a blocking thread: neither holds up an async worker.
        tokio::task::spawn_blocking(move || handle.replace_after_delta(base.apply(delta)))
            .await
            .map_err(|e| StoreError::Corrupt(format!("applying a change panicked: {e}")))?;
        Ok(Some(seq))
    }

    /// Reads everything and builds a new snapshot; the log's position it includes.
    async fn reload(&self) -> Result<i64, StoreError> {
        let (dataset, seq) = super::load::load_dataset_logged(&self.pool).await?;
        // Building is seconds of CPU at national scale: not on the async threads.
        let index = tokio::task::spawn_blocking(move || ServingIndex::build(dataset))
            .await
            .map_err(|e| StoreError::Corrupt(format!("the index build panicked: {e}")))?;
        self.index.replace(index);
        if let Some(hook) = &self.after_full_load {
            hook(self.index.current(), seq);
        }
        Ok(seq)
    }
}

//! PostGIS, the system of record. Every statement binds its parameters; none is built
//! from input text.

pub mod accounts;
pub mod audit;
mod binary_copy;
mod changes;
mod copy;
mod coverage;
pub mod credentials;
pub mod edits;
pub mod holdings;
mod import;
mod listen;
mod load;
pub mod province_reports;
mod records;
pub mod reports;
mod resume;
mod snapshot_copy;
mod snapshots;

pub use changes::{LogHead, MAX_DELTA_INSTITUTIONS, log_head, read_changes};
pub use copy::copy_dataset;
pub use coverage::load_population;
pub use import::{ImportSummary, import_batches};
pub use listen::{ChangeStatus, FirstLoad, FullLoadHook, IndexKeeper, keep_index_current};
pub use load::{data_version, load_dataset, load_dataset_logged};
pub use resume::{database_identity, load_catalogue};
pub use snapshot_copy::{
    CopyStored, SnapshotCopy, fetch_snapshot_copy, snapshot_copy, store_snapshot_copy,
};
pub use snapshots::{load_snapshots, save_snapshot};

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

use super::StoreError;

/// Opens a pool; fails fast (with the reason) when the server is unreachable.
pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool, StoreError> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .connect(url)
        .await
        .map_err(StoreError::db("connecting to PostgreSQL"))
}

/// The serving pool: connects lazily (a server may start before its database) and gives
/// up on a connection after `acquire_timeout`, so that a request answers 503 promptly
/// when the database is away instead of waiting with its client. It reconnects by itself
/// when the database is back.
pub fn server_pool(
    url: &str,
    max_connections: u32,
    acquire_timeout: Duration,
) -> Result<PgPool, StoreError> {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(acquire_timeout)
        .connect_lazy(url)
        .map_err(StoreError::db("reading DATABASE_URL"))
}

/// Applies the migrations in `migrations/` that have not run yet.
pub async fn migrate(pool: &PgPool) -> Result<(), StoreError> {
    sqlx::migrate!("./migrations").run(pool).await?;
    Ok(())
}

/// Whether the database answers (for `/ready`; the caller bounds the wait).
pub async fn ping(pool: &PgPool) -> Result<(), StoreError> {
    sqlx::query("SELECT 1")
        .execute(pool)
        .await
        .map(|_| ())
        .map_err(StoreError::db("checking the database"))
}

/// A write's error: a refusal by a constraint becomes an input error at its column (or
/// at `field` when the database does not name one); anything else is the database's.
pub(crate) fn refused(field: &str, e: sqlx::Error, context: &'static str) -> StoreError {
    if import::is_refusal(&e) {
        let mut refusal = import::refusal(None, &e);
        if refusal.field.is_none() {
            refusal.field = Some(field.to_owned());
        }
        StoreError::Invalid(vec![refusal])
    } else {
        StoreError::Db { context, source: e }
    }
}

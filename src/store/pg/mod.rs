//! PostGIS, the system of record. Every statement binds its parameters; none is built
//! from input text.

pub mod credentials;
mod import;
mod listen;
mod load;

pub use import::{ImportSummary, import_batches};
pub use listen::listen_for_changes;
pub use load::load_dataset;

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

/// Applies the migrations in `migrations/` that have not run yet.
pub async fn migrate(pool: &PgPool) -> Result<(), StoreError> {
    sqlx::migrate!("./migrations").run(pool).await?;
    Ok(())
}

/// Whether the database answers (for `/ready`).
pub async fn ping(pool: &PgPool) -> Result<(), StoreError> {
    sqlx::query("SELECT 1")
        .execute(pool)
        .await
        .map(|_| ())
        .map_err(StoreError::db("checking the database"))
}

//! Keeps a server's serving index current when the database changes, whoever changed
//! it (another server, `vetmap import`, or a GIS user in QGIS): triggers bump the data
//! version and `NOTIFY vetmap_data_changed`; every server listens and reloads.

use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::PgListener;

use crate::index::{IndexHandle, ServingIndex};

pub const CHANNEL: &str = "vetmap_data_changed";

/// Runs until the process ends: on each notification (bursts coalesced), reloads the
/// dataset and swaps the index if its version moved. A lost connection is retried; on
/// reconnect the data is reloaded, since notifications may have been missed meanwhile.
pub async fn listen_for_changes(pool: PgPool, index: IndexHandle) {
    loop {
        match PgListener::connect_with(&pool).await {
            Ok(mut listener) => {
                if let Err(e) = listener.listen(CHANNEL).await {
                    tracing::warn!(error = %e, "could not LISTEN; retrying");
                } else {
                    reload(&pool, &index).await;
                    loop {
                        match listener.recv().await {
                            Ok(_) => {
                                // Let a burst of statements from one import settle.
                                while let Ok(Ok(Some(_))) = tokio::time::timeout(
                                    Duration::from_millis(50),
                                    listener.try_recv(),
                                )
                                .await
                                {}
                                reload(&pool, &index).await;
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "lost the change listener; reconnecting");
                                break;
                            }
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not connect the change listener"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Reloads the index when the database moved past it (the listener, and a write on this
/// server that wants its change readable before it answers).
pub async fn reload(pool: &PgPool, index: &IndexHandle) {
    // At national scale a load takes seconds and a second copy of the data in memory:
    // skip it when the version says nothing changed (as on start-up, when this runs
    // right after the first load).
    if super::data_version(pool)
        .await
        .is_ok_and(|v| v == index.current().version())
    {
        return;
    }
    match super::load_dataset(pool).await {
        Ok(ds) if ds.version != index.current().version() => {
            let version = ds.version.clone();
            let started = std::time::Instant::now();
            index.replace(ServingIndex::build(ds));
            tracing::info!(%version, elapsed_ms = started.elapsed().as_millis() as u64, "serving index reloaded");
        }
        Ok(_) => {}
        Err(e) => {
            tracing::error!(error = %e, "could not reload the dataset; still serving the previous one")
        }
    }
}

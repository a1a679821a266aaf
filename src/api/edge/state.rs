//! What every handler may reach: one `AppState`, cloned cheaply into each request.
//!
//! Axum clones the state into every handler and every middleware that takes it, a few
//! times per request. It is one reference count (`AppState` holds an `Arc<Services>`),
//! not one per service: the counts of a dozen services, bumped and dropped by both
//! workers at once, were about 5 % of the server's CPU on cached tiles (`perf`, stop 24).

use std::sync::Arc;

use sqlx::PgPool;
use tokio::sync::watch;

use crate::config::Config;
use crate::index::IndexHandle;
use crate::model::Credential;
use crate::store::pg::ChangeStatus;
use crate::tiles::TileService;

#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl AppState {
    pub fn new(services: Services) -> Self {
        Self(Arc::new(services))
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// The services behind [`AppState`], shared by every request.
pub struct Services {
    pub config: Arc<Config>,
    /// The serving index; every map read goes through it.
    pub index: IndexHandle,
    /// The system of record, when the server runs with `DATABASE_URL`.
    pub db: Option<PgPool>,
    /// What keeps the index current with the database (listening, last version check),
    /// when there is one.
    pub changes: Option<watch::Receiver<ChangeStatus>>,
    /// Brings the index to the database's version on demand (a write before it answers).
    pub keeper: Option<crate::store::pg::IndexKeeper>,
    /// The embedded default's fictitious credentials (empty with a database).
    pub bundled_credentials: Arc<Vec<Credential>>,
    /// Vector tiles: per-version preparation and the tile cache.
    pub tiles: Arc<TileService>,
    /// The PMTiles base map archive (`--basemap FILE.pmtiles`), when there is one.
    pub basemap: Option<Arc<crate::tiles::archive::BasemapArchive>>,
    /// Credential verification: records' source, signing keys, rate limiter.
    pub credentials: Arc<crate::credentials::CredentialService>,
    /// The population layer and cached coverage analyses.
    pub coverage: Arc<crate::coverage::CoverageState>,
    /// Officials' sign-in: session lifetimes, cookie flags, limits on guessing.
    pub auth: Arc<super::auth::AuthService>,
    /// Heavy work's limits per kind, computations in flight and their counters.
    pub heavy: Arc<crate::heavy::Heavy>,
    /// Indicator reports per data version and breakdown.
    pub indicators: crate::indicators::IndicatorsCache,
}

impl Services {
    /// "bundled" or "postgis": which source the index was built from.
    pub fn source_name(&self) -> &'static str {
        if self.db.is_some() {
            "postgis"
        } else {
            "bundled"
        }
    }
}

//! Building and running the server: load the data from the configured source, build the
//! serving index, bind, serve until a shutdown signal.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use sqlx::PgPool;
use tokio::net::TcpListener;

use crate::api::edge::connections::{self, ConnectionLimits};
use crate::api::{AppState, Services, router};
use crate::config::Config;
use crate::credentials::key_ring::Opened;
use crate::credentials::{
    ClientLimiter, CredentialError, CredentialService, KeyRing, Keys, SerialLimiter, Source,
};
use crate::index::{IndexHandle, ServingIndex};
use crate::model::{Dataset, PopulationLayer};
use crate::store::{StoreError, bundled, pg};
use crate::tiles::{Land, TileError, TileService};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("could not load the data: {0}")]
    Load(#[from] StoreError),
    #[error("could not listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Tiles(#[from] TileError),
    #[error("{0}")]
    Credentials(#[from] CredentialError),
}

mod start;

/// The first snapshot, the change log's position it includes and the population layer,
/// read from PostGIS (through the snapshot file when it can be used).
async fn load_from_db(
    pool: &PgPool,
    writer: Option<&Arc<start::SnapshotWriter>>,
    started: Instant,
) -> Result<(Arc<ServingIndex>, (i64, pg::FirstLoad), PopulationLayer), StoreError> {
    let (index, seq, how) = start::first_load(pool, writer, started).await?;
    Ok((index, (seq, how), pg::load_population(pool).await?))
}

/// Builds the first snapshot, logging start-up time split into reading the source and
/// building the index.
pub(crate) fn build_index(dataset: Dataset, started: Instant) -> ServingIndex {
    let loaded_ms = started.elapsed().as_millis() as u64;
    let index = ServingIndex::build(dataset);
    tracing::info!(
        institutions = index.institutions().len(),
        version = index.version(),
        load_ms = loaded_ms,
        build_ms = started.elapsed().as_millis() as u64 - loaded_ms,
        "serving index built"
    );
    index
}

/// A bound, ready-to-run server.
pub struct Application {
    listener: TcpListener,
    state: AppState,
}

impl Application {
    /// Loads the data and binds. When this returns the index is built and the server is
    /// ready as soon as it runs, except when the database did not answer: then the
    /// server starts all the same, answers `/health` and says on `/ready` and everywhere
    /// else (503) that it is not ready, and loads as soon as the database answers (the
    /// change listener retries with growing waits, each attempt logged).
    pub async fn build(config: Config) -> Result<Self, AppError> {
        crate::api::edge::metrics::install();
        crate::index::thresholds_for_start();
        let started = Instant::now();
        let (index, db, bundled_credentials, population) = match &config.database_url {
            Some(url) => {
                let pool =
                    pg::server_pool(url, config.db_max_connections, config.db_acquire_timeout())?;
                let writer = config.snapshot_file().map(|path| {
                    start::SnapshotWriter::new(path, pool.clone(), config.snapshot_copy)
                });
                let (index, position, population) =
                    match load_from_db(&pool, writer.as_ref(), started).await {
                        Ok((index, first, population)) => {
                            (IndexHandle::from_shared(index), Some(first), population)
                        }
                        Err(e) if e.is_unavailable() => {
                            tracing::warn!(
                                error = %e,
                                "the database does not answer: starting without data; /ready \
                                 answers 503 until the first load"
                            );
                            (IndexHandle::not_loaded(), None, PopulationLayer::default())
                        }
                        Err(e) => return Err(e.into()),
                    };
                (
                    index,
                    Some((pool, position, writer)),
                    Vec::new(),
                    population,
                )
            }
            None => {
                let b = bundled::load_dir(&config.data_dir)?;
                let index = IndexHandle::new(build_index(b.dataset, started));
                (index, None, b.credentials, b.population)
            }
        };
        let land_file = config.land_file();
        let land = if land_file.exists() {
            Land::load(&land_file)?
        } else {
            tracing::warn!(path = %land_file.display(), "no base map file: the base tileset has no land");
            Land::none()
        };
        let basemap = match config.basemap_archive() {
            Some(path) => {
                let archive = crate::tiles::archive::BasemapArchive::open(path).await?;
                tracing::info!(path = %path.display(), zooms = ?archive.zooms(), "serving the base map archive as /tiles/basemap");
                Some(Arc::new(archive))
            }
            None => None,
        };
        let (changes, keeper) = match &db {
            Some((pool, first, writer)) => {
                let hook = writer.clone().map(|w| -> pg::FullLoadHook {
                    Arc::new(move |index, seq| w.write_in_background(index, seq))
                });
                let (status, keeper) = pg::keep_index_current(
                    pool.clone(),
                    index.clone(),
                    config.change_check(),
                    first.clone(),
                    hook,
                );
                (Some(status), Some(keeper))
            }
            None => (None, None),
        };
        let db = db.map(|(pool, _, _)| pool);
        let bundled_credentials = Arc::new(bundled_credentials);
        let keys = signing_keys(&config)?;
        let listener = TcpListener::bind(config.bind)
            .await
            .map_err(|source| AppError::Bind {
                addr: config.bind,
                source,
            })?;
        let bound = listener.local_addr().unwrap_or(config.bind);
        if config.public_url.is_none() {
            // Behind a reverse proxy the bound address is loopback: statements and printed
            // QR codes would point at it. Say so on every start until it is configured.
            tracing::warn!(
                "no VETMAP_PUBLIC_URL: credential statements and QR codes will name {}; \
                 set it to the address people reach this service at",
                crate::credentials::issuer_base(None, bound)
            );
        }
        let credentials = Arc::new(CredentialService {
            source: match &db {
                Some(pool) => Source::Db(pool.clone()),
                None => Source::Bundled(bundled_credentials.clone()),
            },
            keys,
            limiter: ClientLimiter::per_minute(config.verify_rate_per_minute),
            serial_limiter: SerialLimiter::per_hour(config.verify_attempts_per_serial_per_hour)?,
            issuer_base: crate::credentials::issuer_base(config.public_url.as_deref(), bound),
            answer_floor: std::time::Duration::from_millis(config.verify_answer_floor_ms),
        });
        let auth = Arc::new(crate::api::edge::auth::AuthService::new(
            config.session_hours,
            config.session_idle_minutes,
            config.secure_cookies(),
        ));
        Ok(Self {
            listener,
            state: AppState::new(Services {
                index,
                db,
                changes,
                keeper,
                bundled_credentials,
                credentials,
                tiles: Arc::new(TileService::new(land)),
                basemap,
                coverage: Arc::new(crate::coverage::CoverageState::new(
                    population,
                    config.coverage_cache_mb.saturating_mul(1024 * 1024),
                )),
                indicators: crate::indicators::IndicatorsCache::new(),
                heavy: Arc::new(crate::heavy::Heavy::new(
                    &config.heavy_concurrency,
                    config.request_timeout(),
                )),
                auth,
                config: Arc::new(config),
            }),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then lets requests in flight finish (for up to
    /// the request timeout) and closes what is left. Connections are capped and timed
    /// out as `api::edge::connections` describes.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), AppError> {
        // The first load's garbage is handed back by now (a database away at start loads
        // later, under these).
        crate::index::thresholds_for_serving();
        let limits = ConnectionLimits::from_config(&self.state.config);
        let app = router(self.state);
        connections::serve(self.listener, app, limits, shutdown).await;
        Ok(())
    }

    /// Serves until SIGTERM or Ctrl-C.
    pub async fn run_until_stopped(self) -> Result<(), AppError> {
        self.run_until(shutdown_signal()).await
    }
}

/// The keys that sign statements: the old single key when one is configured (never
/// written), else the key ring, made on first start.
fn signing_keys(config: &Config) -> Result<Keys, CredentialError> {
    let (ring, path, opened) = match (&config.signing_key, &config.signing_keys) {
        (Some(path), _) => {
            tracing::warn!(
                path = %path.display(),
                "VETMAP_SIGNING_KEY is read as a key ring of one that is never rotated; \
                 point VETMAP_SIGNING_KEYS at the same file instead to rotate it"
            );
            (KeyRing::read(path)?, path, Opened::Read)
        }
        (None, Some(path)) => {
            let (ring, opened) = KeyRing::open_or_create(path)?;
            (ring, path, opened)
        }
        (None, None) => {
            tracing::warn!(
                "no signing key ring: signing credential statements with a key made for \
                 this process; they will not verify after it stops"
            );
            return Keys::ephemeral();
        }
    };
    let kid = ring.current().kid();
    match opened {
        Opened::Created => tracing::warn!(
            path = %path.display(),
            kid,
            "made a new signing key ring: back it up, every statement and QR code \
             depends on it"
        ),
        Opened::Read => tracing::info!(
            path = %path.display(),
            kid,
            keys = ring.keys().len(),
            "signing with the newest key of the ring"
        ),
    }
    Ok(Keys::from_ring(&ring))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

//! Building and running the server: load the data from the configured source, build the
//! serving index, bind, serve until a shutdown signal.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use tokio::net::TcpListener;

use crate::api::{AppState, router};
use crate::config::Config;
use crate::credentials::{ClientLimiter, CredentialError, CredentialService, Keys, Source};
use crate::index::{IndexHandle, ServingIndex};
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
    #[error("server error: {0}")]
    Serve(std::io::Error),
}

/// A bound, ready-to-run server.
pub struct Application {
    listener: TcpListener,
    state: AppState,
}

impl Application {
    /// Loads the data and binds. When this returns, the index is built: the server is
    /// ready as soon as it runs.
    pub async fn build(config: Config) -> Result<Self, AppError> {
        let started = Instant::now();
        let (dataset, db, bundled_credentials, population) = match &config.database_url {
            Some(url) => {
                let pool = pg::connect(url, config.db_max_connections).await?;
                let dataset = pg::load_dataset(&pool).await?;
                let population = pg::load_population(&pool).await?;
                (dataset, Some(pool), Vec::new(), population)
            }
            None => {
                let b = bundled::load_dir(&config.data_dir)?;
                (b.dataset, None, b.credentials, b.population)
            }
        };
        let loaded_ms = started.elapsed().as_millis() as u64;
        let index = ServingIndex::build(dataset);
        // Start-up time split into reading the source and building the index.
        tracing::info!(
            institutions = index.institutions().len(),
            version = index.version(),
            load_ms = loaded_ms,
            build_ms = started.elapsed().as_millis() as u64 - loaded_ms,
            "serving index built"
        );
        let land = if config.basemap.exists() {
            Land::load(&config.basemap)?
        } else {
            tracing::warn!(path = %config.basemap.display(), "no base map file: the base tileset has no land");
            Land::none()
        };
        let index = IndexHandle::new(index);
        if let Some(pool) = &db {
            tokio::spawn(pg::listen_for_changes(pool.clone(), index.clone()));
        }
        let bundled_credentials = Arc::new(bundled_credentials);
        let keys = match &config.signing_key {
            Some(path) => Keys::load(path)?,
            None => {
                tracing::warn!(
                    "no VETMAP_SIGNING_KEY: signing credential statements with a key made \
                     for this run; they will not verify after a restart"
                );
                Keys::ephemeral()?
            }
        };
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
            issuer_base: crate::credentials::issuer_base(config.public_url.as_deref(), bound),
            answer_floor: std::time::Duration::from_millis(config.verify_answer_floor_ms),
        });
        Ok(Self {
            listener,
            state: AppState {
                index,
                db,
                bundled_credentials,
                credentials,
                tiles: Arc::new(TileService::new(land)),
                coverage: Arc::new(crate::coverage::CoverageState::new(
                    population,
                    config.coverage_cache_mb.saturating_mul(1024 * 1024),
                )),
                indicators: crate::indicators::IndicatorsCache::new(),
                heavy: Arc::new(crate::heavy::Heavy::new(
                    &config.heavy_concurrency,
                    config.request_timeout(),
                )),
                config: Arc::new(config),
            },
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

    /// Serves until `shutdown` completes, then lets requests in flight finish.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), AppError> {
        let app = router(self.state);
        axum::serve(
            self.listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(AppError::Serve)
    }

    /// Serves until SIGTERM or Ctrl-C.
    pub async fn run_until_stopped(self) -> Result<(), AppError> {
        self.run_until(shutdown_signal()).await
    }
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

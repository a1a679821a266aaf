//! Configuration: flags with environment fallbacks, read once at start.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// How `vetmap serve` runs. Every flag can also be set by the environment variable named
/// in its help.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, env = "VETMAP_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// PostgreSQL/PostGIS connection URL. Without it the bundled dataset is served from
    /// --data-dir and anything that needs a database answers 503.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Directory of the bundled dataset (the embedded default).
    #[arg(long, env = "VETMAP_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// The base map's land polygons (GeoJSON). When the file is missing the base
    /// tileset carries area outlines only.
    #[arg(
        long,
        env = "VETMAP_BASEMAP",
        default_value = "data/basemap/vietnam-land-ne10m.geojson"
    )]
    pub basemap: PathBuf,

    /// Directory of the web map's static files.
    #[arg(long, env = "VETMAP_WEB_DIR", default_value = "web")]
    pub web_dir: PathBuf,

    /// Seconds a request may take before it is answered 503.
    #[arg(long, env = "VETMAP_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,

    /// Most heavy computations of each kind running at once, as kind=count pairs
    /// separated by commas, e.g. "coverage=2,export=1". Kinds: coverage (analyses),
    /// indicators, export (CSV and GeoJSON files, the coverage grid), report (the periodic
    /// report), tiles (coverage tiles). Kinds not named get a default from the number of
    /// cores; past its limit a request is answered 503 Busy with Retry-After.
    #[arg(long, env = "VETMAP_HEAVY_CONCURRENCY", default_value = "", value_parser = crate::heavy::Limits::parse)]
    pub heavy_concurrency: crate::heavy::Limits,

    /// Memory the coverage cache may hold, in MiB (a 250,000-cell grid weighs about 25).
    #[arg(long, env = "VETMAP_COVERAGE_CACHE_MB", default_value_t = 128)]
    pub coverage_cache_mb: u64,

    /// Largest request body accepted, in bytes (larger ones get 413).
    #[arg(long, env = "VETMAP_MAX_BODY_BYTES", default_value_t = 10 * 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Most database connections this server opens.
    #[arg(long, env = "VETMAP_DB_MAX_CONNECTIONS", default_value_t = 10)]
    pub db_max_connections: u32,

    /// Public base URL (e.g. https://map.example.vn) for absolute links, the issuer of
    /// signed credential statements and the target of their QR codes. Unset: API links
    /// follow the request's Host; statements and QR codes name the bound address (never
    /// the Host, which a client chooses), which behind a reverse proxy is not public.
    #[arg(long, env = "VETMAP_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Ed25519 private key (PKCS#8 PEM, `openssl genpkey -algorithm ed25519`) that signs
    /// credential statements and status lists. Without it a key is generated at start:
    /// statements signed before a restart then no longer verify.
    #[arg(long, env = "VETMAP_SIGNING_KEY")]
    pub signing_key: Option<PathBuf>,

    /// Credential checks (verify, statements, QR codes) allowed per client per minute.
    #[arg(long, env = "VETMAP_VERIFY_RATE_PER_MINUTE", default_value_t = 30)]
    pub verify_rate_per_minute: u32,

    /// Milliseconds every credential verification answer takes at least, so that an
    /// unknown serial and a wrong date of birth cannot be told apart by timing. Keep it
    /// above the lookup's p99 (docs/BENCHMARKS.md); 0 turns the floor off.
    #[arg(long, env = "VETMAP_VERIFY_ANSWER_FLOOR_MS", default_value_t = 25)]
    pub verify_answer_floor_ms: u64,

    /// Header carrying the client address set by a reverse proxy you trust (e.g.
    /// X-Forwarded-For; its last address is used). Unset: the TCP peer address is the client.
    #[arg(long, env = "VETMAP_TRUSTED_PROXY_HEADER")]
    pub trusted_proxy_header: Option<String>,

    /// Bearer token for officials' credential batch uploads
    /// (`POST /api/v1/credentials/batches`). Unset: uploads are disabled.
    #[arg(long, env = "VETMAP_UPLOAD_TOKEN", hide_env_values = true)]
    pub upload_token: Option<String>,
    /// Which sites may show `/embed` in a frame: the sources of the Content-Security-Policy
    /// `frame-ancestors` directive, e.g. "https://travinh.gov.vn https://*.edu.vn", or
    /// "*" for any site, or "'none'".
    #[arg(long, env = "VETMAP_FRAME_ANCESTORS", default_value = "*", value_parser = parse_frame_ancestors)]
    pub frame_ancestors: String,
}

/// A `frame-ancestors` source list: non-empty, printable ASCII, no directive separator.
fn parse_frame_ancestors(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("give at least one source, \"*\" or \"'none'\"".into());
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_graphic() || *c == ' ') || *c == ';' || *c == ',')
    {
        return Err(format!(
            "{c:?} is not allowed in a frame-ancestors source list"
        ));
    }
    Ok(s.to_owned())
}

impl Config {
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    /// A configuration for tests and embedding: the bundled data, a free port.
    pub fn for_bundled(data_dir: PathBuf, web_dir: PathBuf) -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: None,
            basemap: data_dir.join("basemap/vietnam-land-ne10m.geojson"),
            data_dir,
            web_dir,
            request_timeout_secs: 30,
            heavy_concurrency: crate::heavy::Limits::for_this_machine(),
            coverage_cache_mb: 128,
            max_body_bytes: 10 * 1024 * 1024,
            db_max_connections: 10,
            public_url: None,
            signing_key: None,
            verify_rate_per_minute: 30,
            verify_answer_floor_ms: 25,
            trusted_proxy_header: None,
            upload_token: None,
            frame_ancestors: "*".into(),
        }
    }
}

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

    /// The base map: land polygons (GeoJSON) for the bundled base tileset, or a
    /// PMTiles archive of vector tiles (a file ending in `.pmtiles`, e.g. a Protomaps
    /// extract of Viet Nam) served as the `basemap` tileset, which the web map then draws
    /// (the bundled base keeps the land of `<data-dir>/basemap/`). When a GeoJSON file is
    /// missing the base tileset carries area outlines only.
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

    /// Seconds a client has to send a request's headers, counted from the moment the
    /// server is ready to read them: a new connection's first request, and the next
    /// request on a kept-alive connection (so it is also the keep-alive idle time).
    #[arg(long, env = "VETMAP_HEADER_READ_TIMEOUT_SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub header_read_timeout_secs: u64,

    /// Seconds a request body may pause between two chunks before the request is
    /// answered 408 (the whole request stays bounded by VETMAP_REQUEST_TIMEOUT_SECS).
    #[arg(long, env = "VETMAP_BODY_READ_TIMEOUT_SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub body_read_timeout_secs: u64,

    /// Seconds a connection may stay open with no byte moving either way while no
    /// handler is working for it (a client that stopped reading its response, say)
    /// before it is closed.
    #[arg(long, env = "VETMAP_IDLE_TIMEOUT_SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout_secs: u64,

    /// Most client connections open at once; past it new connections are closed at
    /// once. Lowered at start to what the open-files limit leaves after the database
    /// pool and the server's own files.
    #[arg(long, env = "VETMAP_MAX_CONNECTIONS", default_value_t = 10_000,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_connections: usize,

    /// Most connections one client address may hold open (IPv6: one /64); 0 turns the
    /// limit off. Behind a reverse proxy every connection comes from the proxy: set 0
    /// there and limit clients at the proxy.
    #[arg(long, env = "VETMAP_MAX_CONNECTIONS_PER_CLIENT", default_value_t = 256)]
    pub max_connections_per_client: usize,

    /// Most database connections this server opens.
    #[arg(long, env = "VETMAP_DB_MAX_CONNECTIONS", default_value_t = 10)]
    pub db_max_connections: u32,

    /// Milliseconds a request waits for a database connection before it is answered 503
    /// `DatabaseUnavailable`; also the bound on `/ready`'s database check.
    #[arg(long, env = "VETMAP_DB_ACQUIRE_TIMEOUT_MS", default_value_t = 1000)]
    pub db_acquire_timeout_ms: u64,

    /// Milliseconds between checks of the database's data version, which reload the index
    /// when a change notification was lost (sent while the listening connection was
    /// down). 0 turns the check off and leaves change notifications alone.
    #[arg(long, env = "VETMAP_CHANGE_CHECK_MS", default_value_t = 5000)]
    pub change_check_ms: u64,

    /// Public base URL (e.g. https://map.example.vn) for absolute links, the issuer of
    /// signed credential statements and the target of their QR codes. Unset: API links
    /// follow the request's Host; statements and QR codes name the bound address (never
    /// the Host, which a client chooses), which behind a reverse proxy is not public.
    #[arg(long, env = "VETMAP_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// The signing key ring: Ed25519 private keys (PKCS#8 PEM, oldest first) that sign
    /// credential statements and status lists. Made with one new key (mode 0600) when the
    /// file is missing; `vetmap keys rotate` adds a key, which signs from the next start
    /// on while the earlier keys stay published, so nothing signed before stops verifying.
    /// Back it up: losing it breaks every printed statement and QR code. `None` only when
    /// embedding (`Config::for_bundled`): a key for this process alone.
    #[arg(
        long,
        env = "VETMAP_SIGNING_KEYS",
        default_value = "var/signing-keys.pem"
    )]
    pub signing_keys: Option<PathBuf>,

    /// The dataset snapshot file (PostGIS sources only): after a full load from
    /// PostgreSQL the server writes what it loaded there, in the background, with the
    /// change log's sequence number; the next start reads the file and applies the log
    /// since instead of reading every row, when the file is intact, comes from this
    /// database and the log still holds everything after it (else it loads from
    /// PostgreSQL and logs why). Default: `dataset.snapshot` beside the signing key ring
    /// (`var/`); "off" turns it off. Never used for the bundled files.
    #[arg(long, env = "VETMAP_SNAPSHOT")]
    pub snapshot: Option<PathBuf>,

    /// Keep a copy of the snapshot file in the database (`dataset_snapshot_copy`): a
    /// server that wrote a file stores it there, and a server whose own file is missing
    /// or unusable (a new machine or container, another server) fetches the copy instead
    /// of reading every row. Only with a snapshot file; "false" neither stores nor
    /// fetches.
    #[arg(long, env = "VETMAP_SNAPSHOT_COPY", default_value_t = true, action = clap::ArgAction::Set)]
    pub snapshot_copy: bool,

    /// A single Ed25519 PKCS#8 PEM key, as servers before key rings were configured. When
    /// set it wins over --signing-keys and is read as a ring of one that the server never
    /// writes; to rotate, point VETMAP_SIGNING_KEYS at the same file instead (a single
    /// PEM key is a valid ring) and run `vetmap keys rotate`.
    #[arg(long, env = "VETMAP_SIGNING_KEY")]
    pub signing_key: Option<PathBuf>,

    /// Credential checks (verify, statements, QR codes) allowed per client per minute.
    #[arg(long, env = "VETMAP_VERIFY_RATE_PER_MINUTE", default_value_t = 30)]
    pub verify_rate_per_minute: u32,

    /// Verification attempts allowed per serial number per hour, from all clients
    /// together, so that many addresses cannot guess one holder's date of birth. Known
    /// and unknown serials spend attempts alike; past it, 429 with Retry-After.
    #[arg(
        long,
        env = "VETMAP_VERIFY_ATTEMPTS_PER_SERIAL_PER_HOUR",
        default_value_t = 10
    )]
    pub verify_attempts_per_serial_per_hour: u32,

    /// Milliseconds every credential verification answer takes at least, so that an
    /// unknown serial and a wrong date of birth cannot be told apart by timing. Keep it
    /// above the lookup's p99 (docs/BENCHMARKS.md); 0 turns the floor off.
    #[arg(long, env = "VETMAP_VERIFY_ANSWER_FLOOR_MS", default_value_t = 25)]
    pub verify_answer_floor_ms: u64,

    /// How many reverse proxies you run in front of this server, each appending the
    /// address it saw to X-Forwarded-For. With N, the client is the N-th address from the
    /// right of X-Forwarded-For (entries left of it are whatever the client sent); a
    /// request with fewer entries did not come through them all and is counted as its TCP
    /// peer. 0: the TCP peer is the client and X-Forwarded-For is ignored.
    #[arg(long, env = "VETMAP_TRUSTED_PROXY_HOPS", default_value_t = 0)]
    pub trusted_proxy_hops: usize,

    /// Which sites may show `/embed` in a frame: the sources of the Content-Security-Policy
    /// `frame-ancestors` directive, e.g. "https://travinh.gov.vn https://*.edu.vn", or
    /// "*" for any site, or "'none'".
    #[arg(long, env = "VETMAP_FRAME_ANCESTORS", default_value = "*", value_parser = parse_frame_ancestors)]
    pub frame_ancestors: String,

    /// Hours an official's session lasts from sign-in.
    #[arg(long, env = "VETMAP_SESSION_HOURS", default_value_t = 12)]
    pub session_hours: u64,

    /// Minutes of inactivity after which a session ends.
    #[arg(long, env = "VETMAP_SESSION_IDLE_MINUTES", default_value_t = 120)]
    pub session_idle_minutes: u64,

    /// Whether coverage, indicators and the periodic report are open to everyone (true) or
    /// only to signed-in officials (false).
    #[arg(long, env = "VETMAP_ANALYTICS_PUBLIC", default_value_t = true, action = clap::ArgAction::Set)]
    pub analytics_public: bool,
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

    /// Cookies are `Secure` when people reach the service over https.
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }

    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_secs(self.header_read_timeout_secs)
    }

    pub fn body_read_timeout(&self) -> Duration {
        Duration::from_secs(self.body_read_timeout_secs)
    }

    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.idle_timeout_secs)
    }

    pub fn db_acquire_timeout(&self) -> Duration {
        Duration::from_millis(self.db_acquire_timeout_ms)
    }

    /// The PMTiles archive `--basemap` names, if it names one.
    pub fn basemap_archive(&self) -> Option<&std::path::Path> {
        self.basemap
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("pmtiles"))
            .then_some(self.basemap.as_path())
    }

    /// The land polygons of the bundled base tileset: `--basemap` unless it names a
    /// PMTiles archive, then the bundled file in the data directory.
    pub fn land_file(&self) -> PathBuf {
        match self.basemap_archive() {
            Some(_) => self.data_dir.join("basemap/vietnam-land-ne10m.geojson"),
            None => self.basemap.clone(),
        }
    }

    /// Where the dataset snapshot file is, or `None` when there is none: no database,
    /// `--snapshot off`, or neither it nor a key ring to sit beside configured.
    pub fn snapshot_file(&self) -> Option<PathBuf> {
        self.database_url.as_ref()?;
        match &self.snapshot {
            Some(p) if p.as_os_str() == "off" => None,
            Some(p) => Some(p.clone()),
            None => {
                let ring = self.signing_keys.as_ref()?;
                let dir = ring.parent().unwrap_or(std::path::Path::new(""));
                Some(dir.join("dataset.snapshot"))
            }
        }
    }

    /// `None` when the periodic version check is off.
    pub fn change_check(&self) -> Option<Duration> {
        (self.change_check_ms > 0).then(|| Duration::from_millis(self.change_check_ms))
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
            header_read_timeout_secs: 10,
            body_read_timeout_secs: 10,
            idle_timeout_secs: 60,
            max_connections: 10_000,
            max_connections_per_client: 256,
            db_max_connections: 10,
            db_acquire_timeout_ms: 1000,
            change_check_ms: 5000,
            public_url: None,
            signing_keys: None,
            signing_key: None,
            snapshot: None,
            snapshot_copy: true,
            verify_rate_per_minute: 30,
            verify_attempts_per_serial_per_hour: 10,
            verify_answer_floor_ms: 25,
            trusted_proxy_hops: 0,
            frame_ancestors: "*".into(),
            session_hours: 12,
            session_idle_minutes: 120,
            analytics_public: true,
        }
    }
}

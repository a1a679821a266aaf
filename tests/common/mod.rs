//! Shared test helpers: start the real server on a free port (bundled data or a fresh
//! PostGIS database) and talk HTTP to it.
#![allow(dead_code)]

pub mod archive;
pub mod pg_proxy;
pub mod pg_tools;

use std::path::PathBuf;
use std::time::{Duration, Instant};

pub mod officials;

use vetmap::store::{files, pg};
use vetmap::{Application, Config};

pub fn repo_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// A server running in this process on 127.0.0.1 with a free port; stopped on drop.
pub struct TestServer {
    pub base: String,
    pub client: reqwest::Client,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    pub state: vetmap::api::AppState,
}

impl TestServer {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request reaches the server")
    }

    /// A GET with one extra request header (conditional requests, `Accept`, ...).
    pub async fn get_with(&self, path: &str, name: &str, value: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header(name, value)
            .send()
            .await
            .expect("request reaches the server")
    }

    /// Waits until the server's change listener has `LISTEN` in place and has checked the
    /// version after it: a change made from now on reaches the server by notification.
    pub async fn until_listening(&self) {
        let mut changes = self
            .state
            .changes
            .clone()
            .expect("the server runs on a database");
        tokio::time::timeout(
            Duration::from_secs(30),
            changes.wait_for(|c| c.listening_since.is_some()),
        )
        .await
        .expect("the server listens for changes within 30 s")
        .expect("the change listener runs");
    }

    pub async fn get_json(&self, path: &str) -> (reqwest::StatusCode, serde_json::Value) {
        let r = self.get(path).await;
        let status = r.status();
        let body = r.json().await.expect("a JSON body");
        (status, body)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub fn bundled_config() -> Config {
    Config::for_bundled(repo_path("data"), repo_path("web"))
}

/// Starts the server and waits until its data is loaded (a server whose database was
/// slow to answer at start loads it moments later).
pub async fn spawn(config: Config) -> TestServer {
    let server = spawn_unready(config).await;
    let index = server.state.index.clone();
    eventually(Duration::from_secs(60), "the server's first load", || {
        let loaded = index.is_loaded();
        async move { loaded.then_some(()) }
    })
    .await;
    server
}

/// Starts the server and returns as soon as it listens, loaded or not.
pub async fn spawn_unready(config: Config) -> TestServer {
    let app = Application::build(config).await.expect("server builds");
    let base = format!("http://{}", app.local_addr());
    let state = app.state().clone();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        let _ = rx.await;
    }));
    TestServer {
        base,
        client: reqwest::Client::new(),
        shutdown: Some(tx),
        state,
    }
}

/// The server on the bundled dataset, as `vetmap serve` runs it without DATABASE_URL.
pub async fn spawn_bundled() -> TestServer {
    spawn(bundled_config()).await
}

/// A fresh, migrated database, dropped when this value is dropped.
pub struct TestDb {
    pub url: String,
    name: String,
    admin_url: String,
}

/// The server on a fresh PostGIS database into which `data/` was imported.
pub async fn spawn_with_db() -> (TestServer, TestDb) {
    spawn_with_db_and(|_| {}).await
}

/// As [`spawn_with_db`], with the configuration changed first.
pub async fn spawn_with_db_and(configure: impl FnOnce(&mut Config)) -> (TestServer, TestDb) {
    let db = TestDb::create().await;
    db.import_dir(&repo_path("data")).await;
    let mut config = bundled_config();
    config.database_url = Some(db.url.clone());
    configure(&mut config);
    (spawn(config).await, db)
}

/// Polls `check` until it gives `Some`, and fails the test when `within` has passed
/// first, naming `what` did not happen.
pub async fn eventually<T, F, Fut>(within: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + within;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "{what} did not happen within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Where the tests find a PostgreSQL server they may create databases on.
fn admin_url() -> String {
    std::env::var("VETMAP_TEST_ADMIN_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

impl TestDb {
    /// Creates `vetmap_test_<random>` and migrates it. Panics with instructions when
    /// PostgreSQL or PostGIS is missing: PostGIS tests never skip silently.
    pub async fn create() -> TestDb {
        TestDb::create_with("").await
    }

    /// As [`TestDb::create`], `options` added to `CREATE DATABASE` (a collation, say).
    pub async fn create_with(options: &str) -> TestDb {
        let db = TestDb::create_empty_with(options).await;
        let pool = db.pool().await;
        pg::migrate(&pool).await.unwrap_or_else(|e| {
            panic!("migrations failed (is PostGIS installed? apt-get install postgresql-15-postgis-3): {e}")
        });
        pool.close().await;
        db
    }

    /// Creates `vetmap_test_<random>` with no schema, for tests of `vetmap migrate`.
    pub async fn create_empty() -> TestDb {
        TestDb::create_empty_with("").await
    }

    async fn create_empty_with(options: &str) -> TestDb {
        let admin_url = admin_url();
        let admin = pg::connect(&admin_url, 1).await.unwrap_or_else(|e| {
            panic!(
                "PostGIS tests need PostgreSQL at {admin_url} (set VETMAP_TEST_ADMIN_URL); \
                 `bash scripts/test.sh` installs and starts it: {e}"
            )
        });
        let name = format!("vetmap_test_{}", uuid_like());
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE DATABASE {name} {options}"
        )))
        .execute(&admin)
        .await
        .expect("create test database");
        admin.close().await;
        let url = match admin_url.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => panic!("VETMAP_TEST_ADMIN_URL must end in /database"),
        };
        TestDb {
            url,
            name,
            admin_url,
        }
    }

    /// The database's name, as `createdb`/`dropdb` and `psql` want it.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub async fn pool(&self) -> sqlx::PgPool {
        pg::connect(&self.url, 2)
            .await
            .expect("connect test database")
    }

    pub async fn import_dir(&self, dir: &std::path::Path) {
        let batches = files::read_dir(dir).expect("dataset directory reads");
        let pool = self.pool().await;
        pg::import_batches(&pool, batches)
            .await
            .expect("import succeeds");
        pool.close().await;
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        // Drop runs outside async context; a short-lived runtime on its own thread.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(rt) = rt {
                rt.block_on(async {
                    if let Ok(admin) = pg::connect(&admin_url, 1).await {
                        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        )))
                        .execute(&admin)
                        .await;
                    }
                });
            }
        })
        .join();
    }
}

/// A unique-enough suffix for database and directory names.
pub fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A fresh scratch directory under the target dir.
pub fn scratch_dir(label: &str) -> PathBuf {
    let d = repo_path("target/test-scratch").join(format!("{label}-{}", uuid_like()));
    std::fs::create_dir_all(&d).expect("create scratch dir");
    d
}

/// `vetmap serve` as a child process on a free port (the bundled data unless `env` says
/// otherwise), killed when dropped.
pub struct ServedBinary {
    child: std::process::Child,
    pub base: String,
}

impl ServedBinary {
    /// Starts the binary and waits for its "listening on" log line; a server that has not
    /// said where it listens within a minute fails the test instead of hanging it.
    pub fn start(env: &[(&str, &str)]) -> ServedBinary {
        use std::io::{BufRead, BufReader};
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_vetmap"));
        cmd.args(["serve", "--bind", "127.0.0.1:0"])
            .env_remove("DATABASE_URL")
            .env("VETMAP_DATA_DIR", repo_path("data"))
            .env("VETMAP_WEB_DIR", repo_path("web"))
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            // Its own key ring, not one under the repository's var/.
            .env(
                "VETMAP_SIGNING_KEYS",
                scratch_dir("keys").join("signing-keys.pem"),
            )
            .stderr(std::process::Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("vetmap starts");
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        // Reads the log to its end, so the child never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(addr) = line.split("listening on http://").nth(1) {
                    let _ = tx.send(addr.trim().to_owned());
                }
            }
        });
        let addr = rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("the server says where it listens within a minute");
        ServedBinary {
            child,
            base: format!("http://{addr}"),
        }
    }

    /// Sends SIGTERM and waits for the exit.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(killed.success());
        self.child.wait().expect("the server exits")
    }
}

impl Drop for ServedBinary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Asserts an error answer: its status, a JSON body with its `code`, and (when given) a
/// description that mentions `mentions`.
pub async fn assert_json_error(
    r: reqwest::Response,
    status: u16,
    code: &str,
    mentions: Option<&str>,
) {
    assert_eq!(r.status(), status);
    let v: serde_json::Value = r.json().await.expect("a JSON body");
    assert_eq!(v["code"], code, "{v}");
    if let Some(m) = mentions {
        assert!(
            v["description"].as_str().is_some_and(|d| d.contains(m)),
            "{v}"
        );
    }
}

/// The browser tests' prerequisites: the `web/` files they need (each `(path under web/,
/// what it is)`) and Chromium (`VETMAP_CHROMIUM`, else /usr/bin/chromium). Fails, never
/// skips, naming what is missing; returns Chromium's path.
#[allow(dead_code)] // not every test binary runs a browser
pub fn require_browser(web_files: &[(&str, &str)]) -> String {
    let web = repo_path("web");
    for (path, what) in web_files {
        assert!(
            web.join(path).exists(),
            "{what} is missing: run `npm ci --prefix web` (bash scripts/test.sh does)"
        );
    }
    let chromium = std::env::var("VETMAP_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        std::path::Path::new(&chromium).exists(),
        "Chromium is missing at {chromium}: apt-get install -y chromium (bash scripts/test.sh does)"
    );
    chromium
}

/// Runs node's test runner on `files` (paths under `web/`), one file at a time, with the
/// browser tests' environment (`VETMAP_URL`, `VETMAP_ARTIFACTS` under `target/test-artifacts/`,
/// `VETMAP_CHROMIUM`) plus `env`, and fails the test with `what` when any of them fails.
pub async fn run_node_tests(
    files: &[&str],
    artifacts: &str,
    url: &str,
    chromium: &str,
    env: &[(&str, &std::ffi::OsStr)],
    what: &str,
) {
    let artifacts = repo_path("target/test-artifacts").join(artifacts);
    let status = tokio::process::Command::new("node")
        .args(["--test", "--test-concurrency=1"])
        .args(files)
        .current_dir(repo_path("web"))
        .env("VETMAP_URL", url)
        .env("VETMAP_ARTIFACTS", &artifacts)
        .env("VETMAP_CHROMIUM", chromium)
        .envs(env.iter().copied())
        .status()
        .await
        .expect("node runs (the browser tests need Node.js 20 or newer)");
    assert!(
        status.success(),
        "{what} failed (screenshots in {})",
        artifacts.display()
    );
}

/// A page's DOM after its scripts ran, in headless Chromium (`VETMAP_CHROMIUM` names
/// another binary). Browser tests fail, never skip, without it.
pub fn rendered_dom(url: &str) -> String {
    let chromium = std::env::var("VETMAP_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let out = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--virtual-time-budget=10000",
            "--dump-dom",
            url,
        ])
        .output()
        .unwrap_or_else(|e| {
            panic!("browser tests need Chromium (`bash scripts/test.sh` installs it): {e}")
        });
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

//! The service end to end on both sources: the bundled files and PostGIS.

mod common;

use common::{spawn_bundled, spawn_with_db, spawn_with_db_and};
use serde_json::Value;

#[tokio::test]
async fn bundled_server_is_live_and_ready_with_the_whole_network() {
    let server = spawn_bundled().await;
    let (status, health) = server.get_json("/health").await;
    assert_eq!(status, 200);
    assert_eq!(health["status"], "ok");

    let (status, ready) = server.get_json("/ready").await;
    assert_eq!(status, 200);
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["source"], "bundled");

    let (status, list) = server.get_json("/api/v1/institutions").await;
    assert_eq!(status, 200);
    let names: Vec<&str> = list["institutions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name_vi"].as_str().unwrap())
        .collect();
    assert_eq!(names.len() as u64, list["count"].as_u64().unwrap());
    assert_eq!(ready["institutions"], list["count"]);
    for expected in [
        "Trường Đại học Trà Vinh",
        "Trường Cao đẳng Y tế Trà Vinh",
        "Trường Cao đẳng Nghề Trà Vinh",
        "Trung tâm GDNN-GDTX huyện Cầu Kè",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    // One GDNN-GDTX centre for each of the nine pre-2025 district-level units.
    let centres: std::collections::BTreeSet<&str> = list["institutions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "gdnn_gdtx_centre")
        .map(|i| i["admin"]["district_pre2025"].as_str().unwrap())
        .collect();
    assert_eq!(centres.len(), 9, "{centres:?}");
}

#[tokio::test]
async fn responses_carry_a_request_id_and_are_compressed_when_asked() {
    let server = spawn_bundled().await;
    let r = server
        .client
        .get(server.url("/api/v1/institutions"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert!(r.headers().contains_key("x-request-id"));
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let r = server
        .client
        .get(server.url("/api/v1/institutions"))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "br");
}

#[tokio::test]
async fn postgis_server_serves_the_same_network_as_the_bundled_files() {
    let bundled = spawn_bundled().await;
    let (db_server, _db) = spawn_with_db().await;

    let (_, ready) = db_server.get_json("/ready").await;
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["source"], "postgis");

    let (_, from_files) = bundled.get_json("/api/v1/institutions").await;
    let (_, from_db) = db_server.get_json("/api/v1/institutions").await;
    assert!(from_files["count"].as_u64().unwrap() > 0);
    assert_eq!(from_files["institutions"], from_db["institutions"]);

    let files_index = bundled.state.index.current();
    let db_index = db_server.state.index.current();
    assert!(files_index.areas() == db_index.areas(), "areas differ");
    assert_eq!(files_index.commune_mapping(), db_index.commune_mapping());
    assert_eq!(
        files_index.occupations().collect::<Vec<_>>(),
        db_index.occupations().collect::<Vec<_>>()
    );
}

/// The README's way to PostGIS, with nothing but the binary: `vetmap migrate`, `vetmap
/// import data`, then `vetmap serve` with DATABASE_URL serves what the files serve.
#[tokio::test]
async fn the_readme_path_migrate_import_serve_gives_the_bundled_network() {
    let db = common::TestDb::create_empty().await;
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_vetmap"))
            .args(args)
            .env("DATABASE_URL", &db.url)
            .env("RUST_LOG", "warn")
            .output()
            .expect("vetmap runs");
        assert!(
            out.status.success(),
            "vetmap {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&["migrate"]);
    run(&["import", common::repo_path("data").to_str().unwrap()]);
    let served = common::ServedBinary::start(&[("DATABASE_URL", db.url.as_str())]);
    let bundled = spawn_bundled().await;
    let from_db: serde_json::Value = reqwest::get(format!("{}/api/v1/institutions", served.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ready: serde_json::Value = reqwest::get(format!("{}/ready", served.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["source"], "postgis", "{ready}");
    let (_, from_files) = bundled.get_json("/api/v1/institutions").await;
    assert!(from_files["count"].as_u64().unwrap() >= 12);
    assert_eq!(from_files["institutions"], from_db["institutions"]);
}

#[tokio::test]
async fn a_change_in_the_database_reaches_a_running_server_by_notification() {
    // Without the periodic version check, only the notification can bring the change;
    // and it is made once LISTEN is in place, so it cannot be picked up by the check
    // that follows LISTEN either.
    let (server, db) = spawn_with_db_and(|c| c.change_check_ms = 0).await;
    server.until_listening().await;
    let (_, before) = server.get_json("/ready").await;
    let pool = db.pool().await;
    // As a GIS user would: plain SQL, not through vetmap.
    sqlx::query("UPDATE institutions SET name_en = 'Renamed by SQL' WHERE id = 'cd-nghe-tra-vinh'")
        .execute(&pool)
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let after = loop {
        let (_, ready) = server.get_json("/ready").await;
        if ready["data_version"] != before["data_version"] {
            break ready;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server never reloaded"
        );
        tokio::task::yield_now().await;
    };
    assert_ne!(after["data_version"], Value::Null);
    let (_, list) = server.get_json("/api/v1/institutions").await;
    let renamed = list["institutions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "cd-nghe-tra-vinh")
        .unwrap();
    assert_eq!(renamed["name_en"], "Renamed by SQL");
}

#[tokio::test]
async fn unknown_paths_and_the_web_build_tree_are_404() {
    let server = spawn_bundled().await;
    assert_eq!(server.get("/no/such/thing").await.status(), 404);
    // web/ holds the npm tree and the build script beside the site; they exist on disk
    // but are not served.
    for hidden in [
        "/package.json",
        "/build.mjs",
        "/node_modules/esbuild/package.json",
    ] {
        assert!(
            common::repo_path("web").join(&hidden[1..]).exists(),
            "{hidden}"
        );
        let r = server.get(hidden).await;
        assert_eq!(r.status(), 404, "{hidden}");
    }
    // The same, with the slashes percent-encoded (ServeDir decodes them).
    let encoded = "/node_modules%2Fplaywright-core%2Flib%2Fvite%2FtraceViewer%2Findex.html";
    assert!(
        common::repo_path("web/node_modules/playwright-core/lib/vite/traceViewer/index.html")
            .exists()
    );
    assert_eq!(server.get(encoded).await.status(), 404, "{encoded}");
    assert_eq!(server.get("/verify.html").await.status(), 200);
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_with_413() {
    let mut config = common::bundled_config();
    config.max_body_bytes = 1024;
    let server = common::spawn(config).await;
    let r = server
        .client
        .post(server.url("/api/v1/institutions"))
        .body(vec![b'x'; 4096])
        .send()
        .await
        .unwrap();
    common::assert_json_error(r, 413, "PayloadTooLarge", Some("VETMAP_MAX_BODY_BYTES")).await;
}

#[test]
fn the_binary_serves_until_sigterm_and_then_exits_cleanly() {
    let served = common::ServedBinary::start(&[]);
    let body = blocking_get(&format!("{}/ready", served.base));
    assert!(body.contains("\"ready\""), "{body}");
    let status = served.terminate();
    assert!(status.success(), "exit status after SIGTERM: {status}");
}

/// A GET from a test that runs outside an async runtime.
fn blocking_get(url: &str) -> String {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async { reqwest::get(url).await.unwrap().text().await.unwrap() })
}

/// TileJSON, nearby, search and locate answer from the data alone: a repeat request with
/// the validators it was given costs a 304 without a body, and a different query gets a
/// different entity tag.
#[tokio::test]
async fn data_derived_answers_revalidate_with_304() {
    let s = spawn_bundled().await;
    let mut tags = std::collections::HashSet::new();
    for path in [
        "/tiles/institutions.json",
        "/api/v1/nearby?lon=106.34&lat=9.94&limit=3",
        "/api/v1/nearby?lon=106.34&lat=9.94&limit=4",
        "/api/v1/search?q=cao%20dang",
        "/api/v1/locate?lon=106.34&lat=9.94",
    ] {
        let first = s.get(path).await;
        assert_eq!(first.status(), 200, "{path}");
        let etag = first.headers()["etag"].to_str().unwrap().to_owned();
        assert!(first.headers().contains_key("last-modified"), "{path}");
        assert!(tags.insert(etag.clone()), "{path}: its own entity tag");
        let again = s.get_with(path, "if-none-match", &etag).await;
        assert_eq!(again.status(), 304, "{path}");
        assert!(again.bytes().await.unwrap().is_empty());
        let stale = s
            .get_with(path, "if-none-match", "W/\"not-this-one\"")
            .await;
        assert_eq!(stale.status(), 200, "{path}");
    }
}

#[tokio::test]
async fn a_request_over_the_timeout_gets_503_with_a_json_body() {
    // The verification answer floor makes a request reliably slower than the timeout.
    let mut config = common::bundled_config();
    config.request_timeout_secs = 1;
    config.verify_answer_floor_ms = 5_000;
    let server = common::spawn(config).await;
    let r = server
        .client
        .post(server.url("/api/v1/credentials/verify"))
        .json(&serde_json::json!({"serial": "DEMO-CD 000101", "birth_date": "2002-03-14"}))
        .send()
        .await
        .unwrap();
    common::assert_json_error(r, 503, "Timeout", None).await;
}

#[tokio::test]
async fn without_its_database_the_server_is_not_ready_but_still_serves_the_map() {
    let (server, db) = spawn_with_db().await;
    assert_eq!(server.get("/ready").await.status(), 200);
    drop(db); // DROP DATABASE ... WITH (FORCE): the server's connections are cut.

    let r = server.get("/ready").await;
    common::assert_json_error(r, 503, "NotReady", Some("database")).await;
    // Liveness and the map's reads come from the process and its index.
    assert_eq!(server.get("/health").await.status(), 200);
    let (status, list) = server.get_json("/api/v1/institutions").await;
    assert_eq!(status, 200);
    assert!(list["count"].as_u64().unwrap() >= 12);
    // A profile comes from the index; only its credential counts need the database.
    let (status, profile) = server
        .get_json("/api/v1/institutions/cd-y-te-tra-vinh")
        .await;
    assert_eq!(status, 200, "{profile}");
    assert!(profile["credential_counts"].is_null(), "{profile}");
    let r = server.get("/institutions/cd-y-te-tra-vinh?lang=en").await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Credential counts are unavailable right now."),
        "{page}"
    );
}

//! The web map in a real browser. Starts the server on the bundled data and runs
//! `web/tests/*.test.mjs` (Node's test runner driving Debian's Chromium through
//! playwright-core, which never downloads a browser). Screenshots of every step land in
//! `target/test-artifacts/browser/`. Fails, never skips, when Node, Chromium or the
//! web build (`npm ci --prefix web`) is missing.

mod common;

use common::{repo_path, spawn_bundled};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_map_passes_its_browser_tests_in_headless_chromium() {
    let web = repo_path("web");
    let chromium = common::require_browser(&[
        ("node_modules/playwright-core", "playwright-core"),
        ("node_modules/axe-core", "axe-core"),
        ("dist/map.js", "the built map (dist/)"),
    ]);

    let server = spawn_bundled().await;
    let mut files: Vec<_> = std::fs::read_dir(web.join("tests"))
        .expect("web/tests exists")
        .filter_map(|e| e.ok())
        .map(|e| e.path().to_string_lossy().into_owned())
        .filter(|p| p.ends_with(".test.mjs"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no browser tests found in web/tests");

    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    let base = std::ffi::OsStr::new(&server.base);
    common::run_node_tests(
        &files,
        "browser",
        &server.base,
        &chromium,
        &[("VETMAP_BASE_URL", base)],
        "browser tests",
    )
    .await;
}

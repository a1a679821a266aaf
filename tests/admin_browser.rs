//! The officials' pages (`web/admin.html`) in headless Chromium, driven by
//! `web/tests/admin/*.test.mjs` (node --test + playwright-core) against the real server
//! on a fresh PostGIS database with the bundled data and one account of each role.
//! Fails, never skips, when PostGIS, Node, Chromium, playwright-core or the web build
//! are missing (`bash scripts/test.sh` installs them). Screenshots:
//! target/test-artifacts/admin/.

mod common;

use common::officials::{PASSWORD, create_account};
use common::{TestServer, spawn_with_db};
use vetmap::auth::Role;

/// The institution account's own institution, and one outside its scope.
const OWN: &str = "gdnn-gdtx-cau-ke";
const OTHER: &str = "gdnn-gdtx-tra-cu";

/// Starts the server with an account of each role and runs one file of
/// `web/tests/admin/` against it.
async fn run_browser_tests(file: &str, check: impl AsyncFnOnce(&TestServer)) {
    let chromium = common::require_browser(&[
        ("node_modules/playwright-core", "playwright-core"),
        ("node_modules/axe-core", "axe-core"),
        ("dist/admin.js", "the built officials' pages (dist/)"),
    ]);

    let (server, db) = spawn_with_db().await;
    check(&server).await;
    create_account(&db, "quan.tri", Role::Admin, &[], &[]).await;
    create_account(&db, "so.gddt", Role::Province, &[], &[]).await;
    create_account(&db, "truong.cau.ke", Role::Institution, &[], &[OWN]).await;
    create_account(
        &db,
        "huyen.tra.cu",
        Role::District,
        &[("pre2025", "849")],
        &[],
    )
    .await;
    let officials = serde_json::json!({
        "password": PASSWORD,
        "admin": "quan.tri",
        "province": "so.gddt",
        "institution": {"login": "truong.cau.ke", "id": OWN},
        "district": {"login": "huyen.tra.cu", "district": "849"},
        "other": OTHER,
    });

    let officials = officials.to_string();
    common::run_node_tests(
        &[file],
        "admin",
        &server.base,
        &chromium,
        &[("VETMAP_OFFICIALS", std::ffi::OsStr::new(&officials))],
        file,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn officials_edit_institutions_in_headless_chromium_and_the_public_map_follows() {
    run_browser_tests("tests/admin/admin.test.mjs", async |_| {}).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn institutions_report_the_plans_figures_and_the_province_reviews_them_in_chromium() {
    run_browser_tests("tests/admin/reports.test.mjs", async |s| {
        // Without the reports API the queue is a 404; with it, a 401 to a stranger.
        let r = s.get("/api/v1/reports?period=2025").await;
        assert_ne!(
            r.status(),
            404,
            "this build has no reports API (/api/v1/reports): the reporting pages need it"
        );
    })
    .await;
}

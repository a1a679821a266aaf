//! The map as a folder of static files (issue 17 part 3): runs the real
//! `vetmap export --site DIR` on the bundled data, serves DIR's parent with a plain static
//! file server (tower-http's `ServeDir`, no vetmap code) so the site lives under a
//! sub-path, `/vetmap/`, and has `web/tests/static/site.test.mjs` check in headless
//! Chromium that the map draws the archive's institutions, a diacritic-free search finds
//! a Vietnamese name, nearby lists are in geodesic order, a profile opens, the embed
//! works, nothing is asked of another server and no console error is logged. Fails,
//! never skips, when Node, Chromium or the web build is missing (as tests/browser.rs).

mod common;

use std::path::Path;

use axum::http::{Extensions, HeaderMap, StatusCode, Version, header};
use common::{repo_path, scratch_dir};
use tower_http::compression::CompressionLayer;
use tower_http::compression::predicate::{DefaultPredicate, Predicate};
use tower_http::services::ServeDir;

/// Every file under `dir`.
fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("readable dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// The holder names, birth dates and serials of the bundled credentials: personal data
/// that no file of the site may hold.
fn personal_data() -> Vec<String> {
    let text = std::fs::read_to_string(repo_path("data/credentials.csv")).expect("credentials");
    let mut rows = text.lines();
    let header: Vec<&str> = rows.next().expect("a header").split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let (serial, holder, birth) = (col("serial"), col("holder_name"), col("holder_birth_date"));
    rows.filter(|r| !r.is_empty())
        .flat_map(|r| {
            let f: Vec<&str> = r.split(',').collect();
            [f[serial], f[holder], f[birth]].map(str::to_owned)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_exported_static_site_works_from_a_plain_file_server_in_headless_chromium() {
    let web = repo_path("web");
    let chromium = common::require_browser(&[
        ("node_modules/playwright-core", "playwright-core"),
        ("dist/map.js", "the built map (dist/)"),
        ("dist/static.js", "the built static backend (dist/)"),
    ]);

    let www = scratch_dir("static-site").join("www");
    let site = www.join("vetmap");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vetmap"))
        .arg("export")
        .arg("--site")
        .arg(&site)
        .arg("--data-dir")
        .arg(repo_path("data"))
        .arg("--web-dir")
        .arg(&web)
        .env_remove("DATABASE_URL")
        .output()
        .expect("vetmap runs");
    assert!(
        out.status.success(),
        "export --site failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The folder the contract names, counted against the bundled data.
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(site.join("static/manifest.json")).expect("a manifest"),
    )
    .expect("JSON");
    let institutions = std::fs::read_to_string(repo_path("data/institutions.geojson"))
        .expect("institutions")
        .matches("\"type\":\"Feature\"")
        .count();
    assert!(institutions > 0);
    assert_eq!(manifest["institutions"], institutions);
    assert_eq!(manifest["archive"], "vetmap.pmtiles");
    assert_eq!(
        std::fs::read_dir(site.join("static/profiles"))
            .expect("profiles")
            .count(),
        institutions
    );
    for page in ["index.html", "embed.html"] {
        let html = std::fs::read_to_string(site.join(page)).expect("a page");
        assert!(html.contains("data-vetmap-static=\"static/manifest.json\""));
        assert!(
            html.contains("src=\"dist/map.js\""),
            "{page}: relative bundle"
        );
    }
    // Credentials appear as counts only: no holder, birth date or serial anywhere.
    let secrets = personal_data();
    assert!(!secrets.is_empty());
    for file in files(&site) {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue; // binary: the archive, glyphs
        };
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "{} holds personal data ({secret})",
                file.display()
            );
        }
    }

    // A plain static file server (range requests included, which the archive needs),
    // compressing as a well-configured host does (scripts, styles, JSON, glyphs; not the
    // archive's ranges, whose tiles are gzipped already), so the page weight measured is
    // what a visitor of such a host downloads.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!(
        "http://{}/vetmap/",
        listener.local_addr().expect("an address")
    );
    let not_a_range = |_: StatusCode, _: Version, headers: &HeaderMap, _: &Extensions| {
        !headers.contains_key(header::CONTENT_RANGE)
    };
    let compress = DefaultPredicate::new().and(not_a_range);
    let app = axum::Router::new()
        .fallback_service(ServeDir::new(&www))
        .layer(CompressionLayer::new().compress_when(compress));
    tokio::spawn(async move { axum::serve(listener, app).await });

    common::run_node_tests(
        &["tests/static/site.test.mjs"],
        "browser",
        &base,
        &chromium,
        &[("VETMAP_SITE_DIR", site.as_os_str())],
        "the static site browser test",
    )
    .await;
}

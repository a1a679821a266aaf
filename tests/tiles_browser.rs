//! The three tilesets drawn by MapLibre GL JS in headless Chromium (web/test-tiles.html,
//! driven by web/tests/tiles-render.mjs): no console error, every layer draws, and a
//! screenshot lands in target/test-artifacts/. Fails, never skips, without Chromium or
//! Node: `bash scripts/test.sh` installs both and runs `npm ci --prefix web`.

mod common;

use common::{repo_path, spawn_bundled};

#[tokio::test]
async fn maplibre_draws_all_three_tilesets_without_console_errors() {
    assert!(
        repo_path("web/node_modules/maplibre-gl").exists()
            && repo_path("web/node_modules/playwright-core").exists(),
        "run `npm ci --prefix web` first (scripts/test.sh does)"
    );
    let server = spawn_bundled().await;
    let artifacts = repo_path("target/test-artifacts");
    std::fs::create_dir_all(&artifacts).expect("artifacts dir");
    let screenshot = artifacts.join("tiles.png");
    let _ = std::fs::remove_file(&screenshot);
    let out = tokio::process::Command::new("node")
        .arg(repo_path("web/tests/tiles-render.mjs"))
        .arg(&server.base)
        .arg(&screenshot)
        .output()
        .await
        .expect("node runs (apt-get install nodejs)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "browser test failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("tiles render: ok"), "{stdout}");
    let png = std::fs::read(&screenshot).expect("a screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "a real screenshot"
    );
}

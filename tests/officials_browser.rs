//! The officials' view (`web/officials.html`) in headless Chromium, driven by
//! `web/tests/officials.test.mjs` (node --test + playwright-core) against the real server
//! on the bundled data. Fails, never skips, when Node, Chromium or playwright-core are
//! missing (`bash scripts/test.sh` installs them). Screenshots: target/test-artifacts/.

mod common;

use std::process::Command;

use common::{repo_path, spawn_bundled};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_officials_view_renders_in_headless_chromium_without_console_errors() {
    assert!(
        repo_path("web/node_modules/playwright-core").is_dir(),
        "browser tests need playwright-core: npm ci --prefix web (scripts/test.sh does it)"
    );
    assert!(
        std::path::Path::new("/usr/bin/chromium").exists()
            || std::env::var_os("CHROMIUM").is_some(),
        "browser tests need Chromium at /usr/bin/chromium (apt-get install chromium) or CHROMIUM=path"
    );
    let s = spawn_bundled().await;
    let base = s.base.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .args(["--test", "web/tests/officials.test.mjs"])
            .current_dir(repo_path(""))
            .env("VETMAP_BASE_URL", base)
            .env("VETMAP_ARTIFACTS", repo_path("target/test-artifacts"))
            .output()
            .expect("node runs (install Node.js 20)")
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

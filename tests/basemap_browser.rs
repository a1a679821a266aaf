//! The web map over a PMTiles base map archive in headless Chromium: the server gets an
//! archive this test writes (Protomaps layers around Trà Vinh, zooms 0 to 6), and
//! `web/tests/basemap/*.test.mjs` checks the map draws it. Fails, never skips, when Node,
//! Chromium or the web build is missing (as tests/browser.rs).

mod common;

use common::archive::{self, Tile};
use common::{scratch_dir, spawn};

/// The tiles at zooms 0 to 6 around Trà Vinh (three by three where there are that many).
fn tiles() -> Vec<Tile> {
    let (lon, lat) = (106.3f64, 9.8f64);
    let mut out = Vec::new();
    for z in 0u8..=6 {
        let n = f64::from(1u32 << z);
        let x = ((lon + 180.0) / 360.0 * n).floor() as i64;
        let lat_r = lat.to_radians();
        let y = ((1.0 - (lat_r.tan() + 1.0 / lat_r.cos()).ln() / std::f64::consts::PI) / 2.0 * n)
            .floor() as i64;
        for dx in -1..=1 {
            for dy in -1..=1 {
                let (tx, ty) = (x + dx, y + dy);
                if tx < 0 || ty < 0 || tx >= n as i64 || ty >= n as i64 {
                    continue;
                }
                out.push((
                    (z, tx as u32, ty as u32),
                    archive::protomaps_tile("Thị xã thử nghiệm"),
                ));
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_map_draws_the_base_map_archive_in_headless_chromium() {
    let chromium = common::require_browser(&[
        ("node_modules/playwright-core", "playwright-core"),
        ("dist/map.js", "the built map (dist/)"),
        ("dist/protomaps.js", "the built base map style (dist/)"),
    ]);

    let path = scratch_dir("basemap-browser").join("tra-vinh.pmtiles");
    let layers = ["earth", "water", "roads", "places"];
    archive::write(&path, &tiles(), 6, &archive::metadata(&layers));
    let mut config = common::bundled_config();
    config.basemap = path;
    let server = spawn(config).await;

    common::run_node_tests(
        &["tests/basemap/archive.test.mjs"],
        "browser",
        &server.base,
        &chromium,
        &[],
        "the base map browser test",
    )
    .await;
}

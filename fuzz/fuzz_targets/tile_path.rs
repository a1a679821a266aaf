#![no_main]
//! `{z}/{x}/{y}.mvt` path segments, as the tile routes get them.

use libfuzzer_sys::fuzz_target;
use vetmap::tiles::TileCoord;

fuzz_target!(|data: &[u8]| {
    let Ok(path) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = path.splitn(3, '/');
    let (z, x, file) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    if let Ok(c) = TileCoord::parse_path(z, x, file, 0..=16) {
        // A parsed coordinate is inside its zoom's grid, whatever the input was.
        assert!(c.z <= 16 && u64::from(c.x) < 1 << c.z && u64::from(c.y) < 1 << c.z);
        let _ = c.lonlat_bounds(64.0);
    }
});

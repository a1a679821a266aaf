//! `vetmap export --pmtiles`: the real binary on the bundled data, the archive read back
//! with independent decoders (the `pmtiles` crate's reader, `mvt-reader`), and the
//! institutions counted in it: every one once at the last zoom, and points plus cluster
//! counts adding up to all of them at every zoom below.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;
use std::process::{Command, Output};

use mvt_reader::feature::{Feature, Value};
use pmtiles::{AsyncPmTilesReader, Compression, MmapBackend, TileType};
use vetmap::tiles::TileCoord;

use common::{repo_path, scratch_dir};

fn vetmap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vetmap"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("VETMAP_DATA_DIR")
        .env_remove("VETMAP_BASEMAP")
        .env("RUST_LOG", "warn")
        .output()
        .expect("vetmap runs")
}

/// The bundled institutions, read from the GeoJSON itself: id → (lon, lat).
fn bundled_institutions() -> BTreeMap<String, (f64, f64)> {
    let text = std::fs::read_to_string(repo_path("data/institutions.geojson")).expect("data");
    let gj: serde_json::Value = serde_json::from_str(&text).expect("GeoJSON");
    gj["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| {
            let c = &f["geometry"]["coordinates"];
            (
                f["properties"]["id"].as_str().expect("an id").to_owned(),
                (c[0].as_f64().expect("lon"), c[1].as_f64().expect("lat")),
            )
        })
        .collect()
}

fn prop<'a>(f: &'a Feature<f64>, k: &str) -> Option<&'a Value> {
    f.properties.as_ref().and_then(|p| p.get(k))
}

fn int(f: &Feature<f64>, k: &str) -> u64 {
    match prop(f, k) {
        Some(Value::Int(n)) | Some(Value::SInt(n)) => u64::try_from(*n).expect("positive"),
        Some(Value::UInt(n)) => *n,
        other => panic!("{k} is not an integer: {other:?}"),
    }
}

/// A point inside the tile proper (not in its buffer): the tile that counts it.
fn inside(f: &Feature<f64>, extent: u32) -> bool {
    let e = f64::from(extent);
    // mvt-reader gives a point feature as a multipoint of one.
    let p = match &f.geometry {
        geo::Geometry::Point(p) => *p,
        geo::Geometry::MultiPoint(m) if m.0.len() == 1 => m.0[0],
        other => panic!("institutions are single points, got {other:?}"),
    };
    (0.0..e).contains(&p.x()) && (0.0..e).contains(&p.y())
}

/// What one zoom of the archive holds.
#[derive(Default, Debug)]
struct Zoom {
    tiles: u64,
    /// Institutions counted once: single points plus clusters' `point_count`.
    counted: u64,
    clusters: u64,
    /// The `id` property of every institution point.
    ids: Vec<String>,
    /// MVT feature ids of the institution points.
    feature_ids: HashSet<u64>,
    layers: BTreeSet<String>,
}

/// What the tests read from the archive's header (`pmtiles::Header` is not `Clone`).
struct Head {
    tile_type: TileType,
    compression: Compression,
    zooms: (u8, u8),
    /// West, south, east, north.
    bounds: [f64; 4],
    addressed: Option<u64>,
    clustered: bool,
}

async fn read_archive(path: &Path) -> (Head, serde_json::Value, Vec<Zoom>) {
    let backend = MmapBackend::try_from(path).await.expect("mmap");
    let reader = AsyncPmTilesReader::try_from_source(backend)
        .await
        .expect("a PMTiles v3 archive");
    let h = reader.get_header();
    let head = Head {
        tile_type: h.tile_type,
        compression: h.tile_compression,
        zooms: (h.min_zoom, h.max_zoom),
        bounds: [
            h.min_longitude,
            h.min_latitude,
            h.max_longitude,
            h.max_latitude,
        ],
        addressed: h.n_addressed_tiles().map(|n| n.get()),
        clustered: h.clustered(),
    };
    let metadata: serde_json::Value =
        serde_json::from_str(&reader.get_metadata().await.expect("metadata")).expect("JSON");
    let bounds = head.bounds;
    let mut zooms: Vec<Zoom> = (0..=head.zooms.1).map(|_| Zoom::default()).collect();
    // Every tile over the header's bounds is asked for; the tiles found are checked
    // against the header's count below, so none lies outside them.
    for z in head.zooms.0..=head.zooms.1 {
        let zoom = &mut zooms[usize::from(z)];
        for c in TileCoord::covering(z, bounds) {
            let at = pmtiles::TileCoord::new(c.z, c.x, c.y).expect("a tile");
            let Some(bytes) = reader.get_tile_decompressed(at).await.expect("a tile read") else {
                continue;
            };
            zoom.tiles += 1;
            let mvt = mvt_reader::Reader::new(bytes.to_vec()).expect("a valid MVT");
            for layer in mvt.get_layer_metadata().expect("layers") {
                assert!(layer.feature_count > 0, "empty layer {} in {c}", layer.name);
                zoom.layers.insert(layer.name.clone());
                if layer.name != "institutions" {
                    continue;
                }
                let features = mvt
                    .get_features_as::<f64>(layer.layer_index)
                    .expect("features");
                for f in features.iter().filter(|f| inside(f, layer.extent)) {
                    match prop(f, "cluster") {
                        Some(Value::Bool(true)) => {
                            zoom.counted += int(f, "point_count");
                            zoom.clusters += 1;
                        }
                        Some(Value::Bool(false)) => {
                            zoom.counted += 1;
                            match prop(f, "id") {
                                Some(Value::String(id)) => zoom.ids.push(id.clone()),
                                other => panic!("an institution without an id: {other:?}"),
                            }
                            zoom.feature_ids.insert(f.id.expect("a feature id"));
                        }
                        other => panic!("cluster is not a boolean: {other:?}"),
                    }
                }
            }
        }
    }
    (head, metadata, zooms)
}

#[tokio::test]
async fn the_exported_archive_holds_every_tileset_and_every_institution_once_per_zoom() {
    let dir = scratch_dir("export-pmtiles");
    let file = dir.join("vetmap.pmtiles");
    let data = repo_path("data");
    let land = data.join("basemap/vietnam-land-ne10m.geojson");
    let out = vetmap(&[
        "export",
        "--pmtiles",
        file.to_str().expect("utf-8"),
        "--data-dir",
        data.to_str().expect("utf-8"),
        "--basemap",
        land.to_str().expect("utf-8"),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("zooms 0 to 14"), "{stdout}");
    let names: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names, ["vetmap.pmtiles"], "no partial file left behind");

    let institutions = bundled_institutions();
    let n = institutions.len() as u64;
    assert!(n >= 10, "the bundled data has institutions to count");
    let (header, meta, zooms) = read_archive(&file).await;

    // Header: vector tiles, gzip, zooms 0–14, bounds around every institution.
    assert_eq!(header.tile_type, TileType::Mvt);
    assert_eq!(header.compression, Compression::Gzip);
    assert_eq!(header.zooms, (0, 14));
    assert!(header.clustered, "tiles written in tile id order");
    let [w, s, e, n_] = header.bounds;
    for (id, (lon, lat)) in &institutions {
        assert!(
            (w..=e).contains(lon) && (s..=n_).contains(lat),
            "{id} outside the header's bounds"
        );
    }
    let found: u64 = zooms.iter().map(|z| z.tiles).sum();
    assert_eq!(
        Some(found),
        header.addressed,
        "every tile of the archive lies within its bounds"
    );
    assert!(
        stdout.contains(&format!(" {found} tiles")),
        "the summary counts the tiles: {stdout}"
    );

    // Metadata: what a reader needs, and the vetmap object.
    let v = &meta["vetmap"];
    assert_eq!(v["format"], 1);
    assert_eq!(v["institutions"], n);
    assert!(v["version"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(
        (meta["minzoom"].as_u64(), meta["maxzoom"].as_u64()),
        (Some(0), Some(14))
    );
    assert!(
        meta["attribution"]
            .as_str()
            .is_some_and(|s| s.contains("Natural Earth"))
    );
    assert_eq!(meta["bounds"].as_array().map(Vec::len), Some(4));
    assert_eq!(meta["center"].as_array().map(Vec::len), Some(3));
    let tilesets = v["tilesets"].as_object().expect("tilesets");
    let keys: Vec<&str> = tilesets.keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 3);
    for k in ["base", "admin-areas", "institutions"] {
        assert!(tilesets.contains_key(k), "{keys:?}");
    }
    let listed: BTreeSet<String> = tilesets
        .values()
        .flat_map(|ls| ls.as_array().expect("ids").iter())
        .map(|l| l.as_str().expect("an id").to_owned())
        .collect();
    let described: BTreeSet<String> = meta["vector_layers"]
        .as_array()
        .expect("vector_layers")
        .iter()
        .map(|l| {
            assert!(l["fields"].is_object(), "{l}");
            l["id"].as_str().expect("an id").to_owned()
        })
        .collect();
    assert_eq!(listed, described);

    // Institutions: every one once at the last zoom, counted whole at every zoom.
    let last = &zooms[14];
    assert_eq!(last.clusters, 0, "no clusters at the last zoom");
    let ids: BTreeSet<&str> = last.ids.iter().map(String::as_str).collect();
    assert_eq!(last.ids.len(), institutions.len(), "each institution once");
    assert!(
        ids.iter()
            .copied()
            .eq(institutions.keys().map(String::as_str))
    );
    assert_eq!(
        last.feature_ids.len(),
        institutions.len(),
        "unique feature ids"
    );
    for (z, zoom) in zooms.iter().enumerate() {
        assert_eq!(zoom.counted, n, "zoom {z}: points + cluster counts");
        // Every layer in a tile is one of the described ones.
        assert!(
            zoom.layers.is_subset(&listed),
            "zoom {z}: {:?}",
            zoom.layers
        );
    }
    assert!(
        zooms[..12].iter().any(|z| z.clusters > 0),
        "the low zooms cluster"
    );

    // Base and areas at the zooms they are drawn at.
    for (z, zoom) in zooms.iter().enumerate() {
        for layer in ["land", "boundaries", "areas_2025", "areas_pre2025"] {
            assert!(zoom.layers.contains(layer), "zoom {z} lacks {layer}");
        }
        // Province labels from zoom 5, town names from zoom 6 (cities) on.
        assert_eq!(zoom.layers.contains("area_labels"), z >= 5, "zoom {z}");
        assert_eq!(zoom.layers.contains("places"), z >= 6, "zoom {z}");
    }
    // Around the data at the last zoom, and over the whole country when zoomed out.
    assert!(zooms[5].tiles > zooms[4].tiles);
}

#[test]
fn an_export_the_archive_cannot_hold_is_refused_with_a_reason() {
    let dir = scratch_dir("export-pmtiles-refused");
    let file = dir.join("x.pmtiles");
    let out = vetmap(&[
        "export",
        "--pmtiles",
        file.to_str().expect("utf-8"),
        "--min-zoom",
        "9",
        "--max-zoom",
        "3",
        "--data-dir",
        repo_path("data").to_str().expect("utf-8"),
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("zooms 9 to 3"), "{stderr}");
    assert!(!file.exists());
    let out = vetmap(&["export", "--max-zoom", "15", "--pmtiles", "y.pmtiles"]);
    assert!(!out.status.success());
    let out = vetmap(&["export"]);
    assert!(!out.status.success(), "--out or --pmtiles is required");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--pmtiles"));
}

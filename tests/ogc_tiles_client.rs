//! GDAL reads our OGC API – Tiles, as `tests/ogc_client.rs` has it read Features.
//!
//! The test walks the API the way a client does (collection → `tilesets-vector` link →
//! tileset → its `tiling-scheme` and `item` links), fetches every tile of one zoom
//! within the tileset's `tileMatrixSetLimits`, and has GDAL's MVT driver (`ogrinfo`,
//! Debian package gdal-bin) decode each tile georeferenced at its
//! `tileMatrix/tileRow/tileCol`. What GDAL reads must be the index: every institution
//! once, with its attributes and at its position; every area with geometry; land and
//! outlines on the base map.
//!
//! GDAL's own OGCAPI driver is then given the same resource (`OGCAPI:{base}/collections/
//! institutions`, `…/admin-areas`, `…/base`, layer `Zoom level N`) and must read, tile by
//! tile, what the MVT driver read from each tile's first layer: the driver opens one MVT
//! layer per tile, `GetLayer(0)` (`OGCAPITiledLayer::GetNextRawFeature`). It is told the
//! extent in the tile matrix set's CRS (`MINX=…` open options, documented so): its vector
//! branch takes the collection's CRS84 `extent.spatial.bbox` as if it were in EPSG:3857
//! (still in 3.12), which leaves tile matrices 0 and 1 only. That driver is GDAL 3.12.4 as
//! bundled in the pyogrio 0.13.0 wheel, installed pinned into a virtualenv under the
//! cargo target dir by `scripts/gdal-venv.sh` on first use and driven by
//! `tests/gdal/ogcapi_tiles.py` (JSON on its standard output). It must make one layer per
//! `tileMatrixSetLimits` entry, read every institution once at zoom 12 with the index's
//! attributes and position, and read areas and the base map as the MVT driver did. A
//! failed install fails the test, in CI and out: the client is what the test is about.
//!
//! Debian's ogrinfo is given the same open too, as context. Debian 12's GDAL 3.6.2
//! (what `scripts/test.sh` installs) cannot open vector tiles with that driver, whatever the server sends; proven from its source
//! (`apt-get source gdal`, 3.6.2+dfsg-1) and its binary:
//! - `frmts/ogcapi/gdalogcapidataset.cpp`, `OGCAPIDataset::InitWithTilesAPI`: the only
//!   code that makes a vector layer (`new OGCAPITiledLayer`, then `bFoundSomething =
//!   true`) stands between `#ifdef OGR_ENABLE_DRIVER_GML` (line 1687) and `#else
//!   CPL_IGNORE_RET_VAL(oJsonCollection); #endif` (1769–1771). Without it a tileset
//!   with MVT but no PNG/JPEG `item` link leaves `bFoundSomething` false, the function
//!   returns it (line 2019), `InitFromCollection` returns false, and ogrinfo says
//!   "Unable to open datasource" after fetching the collection, `/tiles`, the tileset
//!   and the tile matrix set, with no error of the driver's own.
//! - `frmts/ogcapi/CMakeLists.txt` defines `OGR_ENABLE_DRIVER_GML` for the driver only
//!   `if(OGR_ENABLE_DRIVER_GML)`; that variable is made by `ogr_optional_driver(gml
//!   GML)` in `ogr/ogrsf_frmts/CMakeLists.txt`, which `gdal.cmake` adds (line 556)
//!   after `frmts` (line 555), so on Debian's fresh configure (debian/rules sets no
//!   such option) it is still unset there.
//! - The literal `"vectorType"` occurs in that block and nowhere else in GDAL 3.6.2's
//!   sources; `libgdal.so.32` (3.6.2+dfsg-1+b2) does not contain it.
//!
//! The same 3.6.2 source built as a plugin with `-DOGR_ENABLE_DRIVER_GML` (loaded by
//! `GDAL_DRIVER_PATH`) opens our three resources and reads every tile of them, so our
//! documents are not the obstacle. That build reads no attributes (its `EstablishFields`
//! marks the fields established before the first tile is read, so
//! `FinalizeFeatureDefnWithLayer` adds none). GDAL fixed the build in its pull request
//! 7993 (June 2023, backported to 3.7, so 3.7.1 on). So before 3.7.1 an OGCAPI driver
//! that cannot open the collection is reported and passed over; one that opens, and
//! every one from 3.7.1 on, must read as many features as the MVT driver did.
//!
//! Fails (never skips) when ogrinfo is missing (`bash scripts/test.sh` installs gdal-bin)
//! or pyogrio's GDAL cannot be installed (it needs python3-venv, which `scripts/test.sh`
//! installs as root through `scripts/gdal-venv.sh`, and PyPI).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use common::{TestServer, scratch_dir, spawn_bundled};
use serde_json::Value;

const TILESETS_VECTOR: &str = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector";
const TILING_SCHEME: &str = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme";
const EARTH_RADIUS: f64 = 6_378_137.0;

/// ogrinfo's exit, standard output and standard error.
fn run_ogrinfo(args: &[String]) -> (bool, String, String) {
    let out = Command::new("ogrinfo")
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("ogrinfo (GDAL) is needed for this test: apt-get install gdal-bin ({e})")
        });
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ogrinfo(args: &[String]) -> String {
    let (ok, stdout, stderr) = run_ogrinfo(args);
    assert!(ok, "ogrinfo {args:?} failed: {stderr}\n{stdout}");
    assert!(
        !stderr.contains("ERROR"),
        "ogrinfo reported errors: {stderr}"
    );
    stdout
}

/// `(major, minor, patch)` of the installed GDAL.
fn gdal_version() -> (u32, u32, u32) {
    let v = ogrinfo(&["--version".into()]);
    // "GDAL 3.6.2, released 2023/01/02"
    let number = v.split_whitespace().nth(1).expect("a version");
    let mut parts = number
        .trim_end_matches(',')
        .split('.')
        .map(|p| p.parse::<u32>().ok());
    let mut next = || parts.next().flatten().unwrap_or(0);
    (next(), next(), next())
}

/// One feature as ogrinfo prints it: attributes (`(null)` for a null) and, under the
/// key `geometry`, its WKT.
type GdalFeature = BTreeMap<String, String>;

/// The features of every layer in `ogrinfo -al` output, by layer.
fn gdal_features(out: &str) -> BTreeMap<String, Vec<GdalFeature>> {
    let mut layers: BTreeMap<String, Vec<GdalFeature>> = BTreeMap::new();
    let mut lines = out.lines();
    while let Some(line) = lines.next() {
        let Some(rest) = line.strip_prefix("OGRFeature(") else {
            continue;
        };
        let layer = rest.split_once(')').map(|(l, _)| l.to_owned()).unwrap();
        let mut feature = GdalFeature::new();
        for l in lines.by_ref().take_while(|l| !l.is_empty()) {
            let l = l.trim_start();
            if let Some((field, value)) = l.split_once(" = ")
                && let Some((name, _type)) = field.split_once(" (")
            {
                feature.insert(name.to_owned(), value.to_owned());
            } else if l.starts_with("POINT")
                || l.starts_with("MULTI")
                || l.starts_with("POLYGON")
                || l.starts_with("LINESTRING")
            {
                feature.insert("geometry".into(), l.to_owned());
            }
        }
        layers.entry(layer).or_default().push(feature);
    }
    layers
}

fn link<'a>(doc: &'a Value, rel: &str) -> &'a str {
    doc["links"]
        .as_array()
        .and_then(|ls| ls.iter().find(|l| l["rel"] == rel))
        .and_then(|l| l["href"].as_str())
        .unwrap_or_else(|| panic!("no {rel} link in {doc}"))
}

async fn get_json(s: &TestServer, url: &str) -> Value {
    let r = s.client.get(url).send().await.expect("the server answers");
    assert_eq!(r.status(), 200, "{url}");
    r.json().await.expect("JSON")
}

/// From a resource's document to its WebMercatorQuad tileset, by links only: the
/// tileset's metadata and its tiles' URL template.
async fn discover(s: &TestServer, resource: &str) -> (Value, String) {
    let doc = get_json(s, &s.url(resource)).await;
    let list = get_json(s, link(&doc, TILESETS_VECTOR)).await;
    let entry = list["tilesets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| {
            t["dataType"] == "vector"
                && t["tileMatrixSetURI"]
                    .as_str()
                    .is_some_and(|u| u.ends_with("/WebMercatorQuad"))
        })
        .expect("a vector tileset in WebMercatorQuad");
    let tileset = get_json(s, link(entry, "self")).await;
    let tms = get_json(s, link(&tileset, TILING_SCHEME)).await;
    assert_eq!(tms["tileMatrices"].as_array().map(Vec::len), Some(25));
    let item = tileset["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "item" && l["type"] == "application/vnd.mapbox-vector-tile")
        .expect("an MVT item link");
    let template = item["href"].as_str().unwrap().to_owned();
    (tileset, template)
}

/// What GDAL's MVT driver read from the tiles of one zoom.
struct ZoomRead {
    /// Every feature, by MVT layer.
    layers: BTreeMap<String, Vec<GdalFeature>>,
    /// The features of each tile's first layer, the one GDAL's OGCAPI driver reads.
    first_layers: Vec<GdalFeature>,
}

/// Every tile of `zoom` within the limits, decoded by GDAL's MVT driver. Tiles answered
/// 204 are empty and skipped; every other answer must be a tile.
async fn read_zoom(s: &TestServer, tileset: &Value, template: &str, zoom: u32) -> ZoomRead {
    let limits = tileset["tileMatrixSetLimits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["tileMatrix"].as_str() == Some(zoom.to_string().as_str()))
        .unwrap_or_else(|| panic!("no limits for {zoom}"))
        .clone();
    let n = |k: &str| limits[k].as_u64().unwrap();
    let dir = scratch_dir("ogc-tiles");
    let mut all: BTreeMap<String, Vec<GdalFeature>> = BTreeMap::new();
    let mut first_layers = Vec::new();
    let mut tiles = 0;
    for row in n("minTileRow")..=n("maxTileRow") {
        for col in n("minTileCol")..=n("maxTileCol") {
            let url = template
                .replace("{tileMatrix}", &zoom.to_string())
                .replace("{tileRow}", &row.to_string())
                .replace("{tileCol}", &col.to_string());
            let r = s.client.get(&url).send().await.expect("the server answers");
            match r.status().as_u16() {
                204 => continue,
                200 => {}
                other => panic!("{url}: {other}"),
            }
            let file = dir.join(format!("{zoom}-{row}-{col}.mvt"));
            std::fs::write(&file, r.bytes().await.unwrap()).unwrap();
            let args: Vec<String> = vec![
                "-ro".into(),
                "-al".into(),
                "-oo".into(),
                format!("Z={zoom}"),
                "-oo".into(),
                format!("X={col}"),
                "-oo".into(),
                format!("Y={row}"),
                format!("MVT:{}", file.display()),
            ];
            let out = tokio::task::spawn_blocking(move || ogrinfo(&args))
                .await
                .unwrap();
            // ogrinfo lists the layers in the tile's order, and a tile has no empty layer.
            let first = out
                .lines()
                .find_map(|l| l.strip_prefix("OGRFeature("))
                .and_then(|rest| rest.split_once(')'))
                .map(|(layer, _)| layer.to_owned())
                .unwrap_or_else(|| panic!("{url}: a tile without features"));
            for (layer, features) in gdal_features(&out) {
                if layer == first {
                    first_layers.extend(features.iter().cloned());
                }
                all.entry(layer).or_default().extend(features);
            }
            tiles += 1;
        }
    }
    assert!(tiles > 0, "no tile with content at {zoom}");
    ZoomRead {
        layers: all,
        first_layers,
    }
}

/// `POINT (x y)` in EPSG:3857 to longitude, latitude.
fn lonlat(wkt: &str) -> (f64, f64) {
    let inner = wkt.trim_start_matches("POINT (").trim_end_matches(')');
    let mut xy = inner.split_whitespace().map(|v| v.parse::<f64>().unwrap());
    let (x, y) = (xy.next().unwrap(), xy.next().unwrap());
    let lon = (x / EARTH_RADIUS).to_degrees();
    let lat = (y / EARTH_RADIUS).sinh().atan().to_degrees();
    (lon, lat)
}

fn as_gdal(v: &Value) -> String {
    match v {
        Value::Null => "(null)".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn gdal_reads_every_institution_from_the_tiles_with_its_attributes_and_position() {
    let s = spawn_bundled().await;
    let (tileset, template) = discover(&s, "/collections/institutions").await;
    // From zoom 12 on, a tile holds institutions, not clusters.
    let zoom = read_zoom(&s, &tileset, &template, 12).await;
    let read = zoom
        .layers
        .get("institutions")
        .expect("the institutions layer");
    let (_, fc) = s
        .get_json("/collections/institutions/items?limit=1000")
        .await;
    let features = fc["features"].as_array().unwrap();
    assert!(!features.is_empty());
    // GDAL clips to each tile, so a point in a neighbour's buffer is not read twice.
    let ids: Vec<&str> = read.iter().map(|f| f["id"].as_str()).collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "each institution once: {ids:?}");
    assert_eq!(
        unique.len(),
        features.len(),
        "GDAL read {} of {}",
        unique.len(),
        features.len()
    );
    for f in features {
        let id = f["id"].as_str().unwrap();
        let g = read
            .iter()
            .find(|g| g["id"] == id)
            .unwrap_or_else(|| panic!("GDAL did not read {id}"));
        for field in ["name_vi", "kind", "ownership"] {
            assert_eq!(g[field], as_gdal(&f["properties"][field]), "{id} {field}");
        }
        assert_eq!(g["cluster"], "0", "{id} is a point, not a cluster");
        let (lon, lat) = lonlat(&g["geometry"]);
        let c = &f["geometry"]["coordinates"];
        let (elon, elat) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
        // A tile unit at zoom 12 is under 10 m: 1e-4 degrees is about 11 m.
        assert!(
            (lon - elon).abs() < 1e-4 && (lat - elat).abs() < 1e-4,
            "{id}: GDAL put it at {lon},{lat}, the index at {elon},{elat}"
        );
    }

    // GDAL 3.12's OGCAPI driver, given only the collection: every institution once, with
    // its attributes, at its position.
    let ogcapi = assert_ogcapi_driver_reads(
        &s,
        "/collections/institutions",
        &tileset,
        12,
        &zoom.first_layers,
    )
    .await;
    let by_id: BTreeMap<&str, &Value> = ogcapi
        .iter()
        .map(|g| (g["properties"]["id"].as_str().expect("an id"), g))
        .collect();
    assert_eq!(by_id.len(), ogcapi.len(), "each institution once");
    assert_eq!(
        by_id.keys().copied().collect::<BTreeSet<_>>(),
        features
            .iter()
            .map(|f| f["id"].as_str().unwrap())
            .collect::<BTreeSet<_>>(),
        "the OGCAPI driver read other institutions than the index holds"
    );
    for f in features {
        let id = f["id"].as_str().unwrap();
        let g = by_id[id];
        for field in ["name_vi", "kind", "ownership"] {
            assert_eq!(
                g["properties"][field], f["properties"][field],
                "{id} {field}"
            );
        }
        assert_eq!(g["properties"]["cluster"], false, "{id} is not a cluster");
        assert_eq!(g["geometry_type"], "Point", "{id}");
        let p = &g["first_point"];
        let (lon, lat) = lonlat(&format!("POINT ({} {})", p[0], p[1]));
        let c = &f["geometry"]["coordinates"];
        let (elon, elat) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
        assert!(
            (lon - elon).abs() < 1e-4 && (lat - elat).abs() < 1e-4,
            "{id}: the OGCAPI driver put it at {lon},{lat}, the index at {elon},{elat}"
        );
    }
}

/// GDAL's OGCAPI driver on `resource`, its layer `Zoom level {zoom}`: the features it
/// read, or `None` where this GDAL's driver cannot open vector tiles at all (before
/// 3.7.1, see the module's documentation).
async fn ogcapi_driver(s: &TestServer, resource: &str, zoom: u32) -> Option<Vec<GdalFeature>> {
    let world = 20_037_508.342_789_244;
    let layer = format!("Zoom level {zoom}");
    let args: Vec<String> = vec![
        "-ro".into(),
        format!("OGCAPI:{}{resource}", s.base),
        "-oo".into(),
        "API=TILES".into(),
        "-oo".into(),
        "VECTOR_FORMAT=MVT".into(),
        "-oo".into(),
        "TILEMATRIXSET=WebMercatorQuad".into(),
        // The driver's vector branch takes the extent in the tile matrix set's CRS.
        "-oo".into(),
        format!("MINX=-{world}"),
        "-oo".into(),
        format!("MINY=-{world}"),
        "-oo".into(),
        format!("MAXX={world}"),
        "-oo".into(),
        format!("MAXY={world}"),
        layer.clone(),
    ];
    let (ok, stdout, stderr) = tokio::task::spawn_blocking(move || run_ogrinfo(&args))
        .await
        .unwrap();
    let version = gdal_version();
    if !ok && version < (3, 7, 1) {
        assert!(
            stdout.contains("Unable to open datasource") || stderr.contains("Unable to open"),
            "GDAL {version:?}'s OGCAPI driver failed otherwise than by not opening: {stderr}\n{stdout}"
        );
        eprintln!(
            "GDAL {version:?}: its OGCAPI driver was built without its vector-tile code and cannot open {resource} (see this file's documentation); the MVT driver read the tiles"
        );
        return None;
    }
    assert!(
        ok,
        "GDAL {version:?}'s OGCAPI driver on {resource}: {stderr}\n{stdout}"
    );
    assert!(
        !stderr.contains("ERROR"),
        "ogrinfo reported errors: {stderr}"
    );
    Some(gdal_features(&stdout).remove(&layer).unwrap_or_default())
}

/// The GDAL that pyogrio bundles (3.12), installed pinned by `scripts/gdal-venv.sh` into
/// a virtualenv under the cargo target dir on first use: its python. Panics, and so fails
/// the test, when it cannot be installed: it is the client the test is about.
fn gdal_python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        // The test binary is `<target>/<profile>/deps/ogc_tiles_client-…`.
        let exe = std::env::current_exe().expect("the test's own path");
        let target = exe
            .ancestors()
            .nth(3)
            .expect("the test binary lies under the cargo target dir");
        let script = common::repo_path("scripts/gdal-venv.sh");
        let out = Command::new("bash")
            .arg(&script)
            .env("CARGO_TARGET_DIR", target)
            .stderr(Stdio::inherit())
            .output()
            .unwrap_or_else(|e| panic!("bash {}: {e}", script.display()));
        assert!(
            out.status.success(),
            "{} could not install pyogrio's GDAL (it needs python3 with venv and PyPI; \
             scripts/test.sh installs python3-venv as root)",
            script.display()
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        PathBuf::from(
            stdout
                .lines()
                .last()
                .expect("the virtualenv's python")
                .trim(),
        )
    })
}

/// GDAL 3.12's OGCAPI driver (pyogrio's, `tests/gdal/ogcapi_tiles.py`) on `resource`, its
/// layer `Zoom level {zoom}`: the script's JSON (`gdal`, `layers`, `layer`, `features`).
async fn pyogrio_ogcapi(s: &TestServer, resource: &str, zoom: u32) -> Value {
    let python = gdal_python();
    let script = common::repo_path("tests/gdal/ogcapi_tiles.py");
    let url = format!("OGCAPI:{}{resource}", s.base);
    let out = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(&script)
            .arg(&url)
            .arg(zoom.to_string())
            .output()
            .unwrap_or_else(|e| panic!("{}: {e}", python.display()))
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "pyogrio's GDAL on {resource} at {zoom}: {stderr}"
    );
    assert!(!stderr.contains("ERROR"), "GDAL reported errors: {stderr}");
    serde_json::from_slice(&out.stdout).expect("the script's JSON")
}

/// A pyogrio attribute as ogrinfo prints it (booleans as 0 and 1), `None` for a null.
fn as_ogrinfo(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::Bool(b) => Some(if *b { "1" } else { "0" }.into()),
        other => Some(as_gdal(other)),
    }
}

/// The geometry type of a WKT, in capitals: `MULTIPOLYGON`.
fn wkt_type(wkt: &str) -> String {
    wkt.split([' ', '('])
        .next()
        .unwrap_or_default()
        .to_uppercase()
}

/// GDAL's OGCAPI driver reads from `resource` at `zoom` what its MVT driver read from
/// each tile's first layer (`expected`): as many features, of the same geometry types,
/// and each attribute as one of those features has it. Required of GDAL 3.12 (pyogrio's);
/// Debian's ogrinfo is tried too, and passed over before 3.7.1 (see the module's
/// documentation). Returns the features GDAL 3.12 read.
async fn assert_ogcapi_driver_reads(
    s: &TestServer,
    resource: &str,
    tileset: &Value,
    zoom: u32,
    expected: &[GdalFeature],
) -> Vec<Value> {
    assert!(!expected.is_empty(), "no feature at {zoom} in {resource}");
    let mut expected_kinds: Vec<String> = expected
        .iter()
        .map(|f| wkt_type(f.get("geometry").map_or("", String::as_str)))
        .collect();
    expected_kinds.sort();

    let read = pyogrio_ogcapi(s, resource, zoom).await;
    let gdal = read["gdal"].as_str().unwrap_or_default();
    eprintln!(
        "GDAL {gdal}'s OGCAPI driver on {resource}: layers {} without the extent given, {} with it",
        read["layers_without_extent"],
        read["layers"].as_array().map_or(0, Vec::len)
    );
    // One layer per tile matrix the tileset's limits name, none beyond.
    let limits: Vec<String> = tileset["tileMatrixSetLimits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| format!("Zoom level {}", l["tileMatrix"].as_str().unwrap()))
        .collect();
    let layers: Vec<String> = read["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(layers, limits, "GDAL {gdal}'s layers of {resource}");
    assert_eq!(read["layer"]["driver"], "OGCAPI");
    assert_eq!(read["layer"]["crs"], "EPSG:3857");
    let features = read["features"].as_array().unwrap().clone();
    assert_eq!(
        read["layer"]["feature_count"].as_u64(),
        Some(features.len() as u64),
        "GDAL {gdal}'s count of {resource} at {zoom}"
    );
    assert_eq!(
        features.len(),
        expected.len(),
        "GDAL {gdal}'s OGCAPI driver read {} features of {resource} at {zoom}, the MVT driver {}",
        features.len(),
        expected.len()
    );
    let mut kinds: Vec<String> = features
        .iter()
        .map(|f| {
            f["geometry_type"]
                .as_str()
                .unwrap_or_default()
                .to_uppercase()
        })
        .collect();
    kinds.sort();
    assert_eq!(kinds, expected_kinds, "geometry types of {resource}");
    for f in &features {
        let given: Vec<(String, String)> = f["properties"]
            .as_object()
            .unwrap()
            .iter()
            .filter_map(|(k, v)| as_ogrinfo(v).map(|v| (k.clone(), v)))
            .collect();
        assert!(
            expected
                .iter()
                .any(|e| given.iter().all(|(k, v)| e.get(k) == Some(v))),
            "GDAL {gdal}'s OGCAPI driver read {given:?} from {resource}, which no tile holds"
        );
    }

    if let Some(debian) = ogcapi_driver(s, resource, zoom).await {
        assert_eq!(
            debian.len(),
            expected.len(),
            "ogrinfo's OGCAPI driver read {} features of {resource} at {zoom}, the MVT driver {}",
            debian.len(),
            expected.len()
        );
    }
    features
}

#[tokio::test(flavor = "multi_thread")]
async fn gdal_reads_every_area_with_a_boundary_from_the_tiles() {
    let s = spawn_bundled().await;
    let (tileset, template) = discover(&s, "/collections/admin-areas").await;
    // From zoom 9 every level is drawn.
    let zoom = read_zoom(&s, &tileset, &template, 9).await;
    let layers = &zoom.layers;
    let mut read: BTreeMap<(String, String), String> = BTreeMap::new();
    for layer in ["areas_pre2025", "areas_2025"] {
        for f in layers.get(layer).map(Vec::as_slice).unwrap_or_default() {
            let key = (f["scheme"].clone(), f["code"].clone());
            let name = f["name"].clone();
            if let Some(before) = read.insert(key.clone(), name.clone()) {
                assert_eq!(before, name, "{key:?} read under two names");
            }
        }
    }
    let (_, fc) = s
        .get_json("/collections/admin-areas/items?limit=1000")
        .await;
    let expected: BTreeMap<(String, String), String> = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !f["geometry"].is_null())
        .map(|f| {
            let p = &f["properties"];
            (
                (as_gdal(&p["scheme"]), as_gdal(&p["code"])),
                as_gdal(&p["name"]),
            )
        })
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(read, expected, "GDAL read other areas than the index holds");
    assert_ogcapi_driver_reads(
        &s,
        "/collections/admin-areas",
        &tileset,
        9,
        &zoom.first_layers,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn gdal_reads_land_outlines_and_place_names_from_the_base_map() {
    let s = spawn_bundled().await;
    let (tileset, template) = discover(&s, "/base").await;
    let zoom = read_zoom(&s, &tileset, &template, 6).await;
    let layers = &zoom.layers;
    for layer in ["land", "boundaries", "places"] {
        let n = layers.get(layer).map_or(0, Vec::len);
        assert!(
            n > 0,
            "no {layer} in the base map's tiles: {:?}",
            layers.keys()
        );
    }
    assert!(
        layers["land"]
            .iter()
            .all(|f| f.get("geometry").is_some_and(|g| g.contains("POLYGON"))),
        "land is polygons"
    );
    // The names, read by GDAL as written: Vietnamese with diacritics, English beside.
    assert!(
        layers["places"].iter().any(|f| {
            f.get("name").map(String::as_str) == Some("Trà Vinh")
                && f.get("name_en").map(String::as_str) == Some("Tra Vinh")
        }),
        "Trà Vinh among the places: {:?}",
        layers["places"]
    );
    assert_ogcapi_driver_reads(&s, "/base", &tileset, 6, &zoom.first_layers).await;
}

//! OGC API – Tiles as a client discovers it: conformance, links from the landing page
//! and the collections, the tile matrix set, tilesets and their limits, tiles (the same
//! bytes as `/tiles`, row and column in OGC's order), and the refusals.

mod common;

use common::{assert_json_error, spawn_bundled};
use serde_json::Value;

fn link<'a>(doc: &'a Value, rel: &str) -> &'a str {
    doc["links"]
        .as_array()
        .and_then(|ls| ls.iter().find(|l| l["rel"] == rel))
        .and_then(|l| l["href"].as_str())
        .unwrap_or_else(|| panic!("no {rel} link in {doc}"))
}

/// The path of an absolute link of this server.
fn path_of<'a>(s: &common::TestServer, href: &'a str) -> &'a str {
    href.strip_prefix(&s.base)
        .unwrap_or_else(|| panic!("{href} is not on {}", s.base))
}

const TILESETS_VECTOR: &str = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector";
const TILING_SCHEME: &str = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme";

#[tokio::test]
async fn conformance_and_links_lead_to_the_tilesets() {
    let s = spawn_bundled().await;
    let (_, conf) = s.get_json("/conformance").await;
    let classes: Vec<&str> = conf["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for c in [
        "core",
        "tileset",
        "tilesets-list",
        "geodata-tilesets",
        "mvt",
    ] {
        let uri = format!("http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/{c}");
        assert!(classes.contains(&uri.as_str()), "{uri} in {classes:?}");
    }
    // Features' classes are still there.
    assert!(classes.contains(&"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"));
    // The base map's tileset is not at /tiles (the TileJSON catalogue is): no claim.
    assert!(!classes.iter().any(|c| c.ends_with("/dataset-tilesets")));

    let (_, landing) = s.get_json("/?f=json").await;
    let base_tiles = path_of(&s, link(&landing, TILESETS_VECTOR)).to_owned();
    assert_eq!(base_tiles, "/base/tiles");
    let tms_list = path_of(
        &s,
        link(
            &landing,
            "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes",
        ),
    )
    .to_owned();
    let (status, list) = s.get_json(&tms_list).await;
    assert_eq!(status, 200);
    assert_eq!(list["tileMatrixSets"][0]["id"], "WebMercatorQuad");

    for coll in ["institutions", "admin-areas"] {
        let (_, c) = s.get_json(&format!("/collections/{coll}")).await;
        let tiles = path_of(&s, link(&c, TILESETS_VECTOR)).to_owned();
        assert_eq!(tiles, format!("/collections/{coll}/tiles"));
        let (status, sets) = s.get_json(&tiles).await;
        assert_eq!(status, 200, "{sets}");
        let entry = &sets["tilesets"][0];
        assert_eq!(entry["dataType"], "vector");
        assert_eq!(entry["crs"], "http://www.opengis.net/def/crs/EPSG/0/3857");
        assert_eq!(
            entry["tileMatrixSetURI"],
            "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
        );
        let tileset = path_of(&s, link(entry, "self")).to_owned();
        assert_eq!(
            tileset,
            format!("/collections/{coll}/tiles/WebMercatorQuad")
        );
        let (status, ts) = s.get_json(&tileset).await;
        assert_eq!(status, 200);
        assert_eq!(ts["dataType"], "vector");
        assert_eq!(
            path_of(&s, link(&ts, TILING_SCHEME)),
            "/tileMatrixSets/WebMercatorQuad"
        );
    }
    let (status, base) = s.get_json("/base").await;
    assert_eq!(status, 200);
    assert_eq!(path_of(&s, link(&base, TILESETS_VECTOR)), "/base/tiles");
    assert_eq!(
        base["extent"]["spatial"]["bbox"][0]
            .as_array()
            .unwrap()
            .len(),
        4
    );
}

#[tokio::test]
async fn web_mercator_quad_has_25_matrices_that_double_each_zoom() {
    let s = spawn_bundled().await;
    let (status, tms) = s.get_json("/tileMatrixSets/WebMercatorQuad").await;
    assert_eq!(status, 200);
    assert_eq!(tms["id"], "WebMercatorQuad");
    assert_eq!(tms["crs"], "http://www.opengis.net/def/crs/EPSG/0/3857");
    let m = tms["tileMatrices"].as_array().unwrap();
    assert_eq!(m.len(), 25);
    for (z, tm) in m.iter().enumerate() {
        assert_eq!(tm["id"], z.to_string());
        assert_eq!(tm["matrixWidth"], 1u64 << z);
        assert_eq!(tm["matrixHeight"], 1u64 << z);
        assert_eq!(tm["tileWidth"], 256);
        assert_eq!(tm["cornerOfOrigin"], "topLeft");
        let cell = tm["cellSize"].as_f64().unwrap();
        let expected = 156_543.033_928_041 / f64::from(1u32 << z);
        assert!((cell - expected).abs() / expected < 1e-12, "{z}: {cell}");
    }
    let (status, _) = s.get_json("/tileMatrixSets/WebMercatorQuad?f=json").await;
    assert_eq!(status, 200);
    assert_json_error(
        s.get("/tileMatrixSets/WorldCRS84Quad").await,
        404,
        "NotFound",
        Some("WebMercatorQuad"),
    )
    .await;
    assert_json_error(
        s.get("/tileMatrixSets?f=html").await,
        406,
        "NotAcceptable",
        None,
    )
    .await;
    assert_json_error(
        s.get("/tileMatrixSets?x=1").await,
        400,
        "InvalidParameterValue",
        None,
    )
    .await;
}

#[tokio::test]
async fn tilesets_describe_the_layers_and_limits_of_the_tiles() {
    let s = spawn_bundled().await;
    for (path, tilejson) in [
        (
            "/collections/institutions/tiles/WebMercatorQuad",
            "/tiles/institutions.json",
        ),
        (
            "/collections/admin-areas/tiles/WebMercatorQuad",
            "/tiles/admin-areas.json",
        ),
        ("/base/tiles/WebMercatorQuad", "/tiles/base.json"),
    ] {
        let (_, ts) = s.get_json(path).await;
        let (_, tj) = s.get_json(tilejson).await;
        assert_eq!(ts["dataType"], "vector");
        assert_eq!(ts["crs"], "http://www.opengis.net/def/crs/EPSG/0/3857");
        let ids = |v: &Value, key: &str| -> Vec<String> {
            v[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["id"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(ids(&ts, "layers"), ids(&tj, "vector_layers"), "{path}");
        let limits = ts["tileMatrixSetLimits"].as_array().unwrap();
        let (min, max) = (
            tj["minzoom"].as_u64().unwrap(),
            tj["maxzoom"].as_u64().unwrap(),
        );
        assert_eq!(
            limits.len() as u64,
            max - min + 1,
            "{path}: one limit per zoom"
        );
        // The TileJSON's bounds lie within each zoom's limits.
        let b: Vec<f64> = tj["bounds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        for l in limits {
            let z: u32 = l["tileMatrix"].as_str().unwrap().parse().unwrap();
            let n = f64::from(1u32 << z);
            let col = |lon: f64| ((lon + 180.0) / 360.0 * n).floor() as u64;
            assert_eq!(l["minTileCol"].as_u64().unwrap(), col(b[0]), "{path} {z}");
            assert_eq!(
                l["maxTileCol"].as_u64().unwrap(),
                col(b[2]).min(n as u64 - 1)
            );
            assert!(l["minTileRow"].as_u64() <= l["maxTileRow"].as_u64());
        }
        let item = ts["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "item")
            .expect("an item link");
        assert_eq!(item["type"], "application/vnd.mapbox-vector-tile");
        assert!(
            item["href"]
                .as_str()
                .unwrap()
                .ends_with("/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}")
        );
    }
}

#[tokio::test]
async fn a_tile_is_the_same_tile_as_under_tiles_with_row_and_column_swapped() {
    let s = spawn_bundled().await;
    let (_, ts) = s
        .get_json("/collections/institutions/tiles/WebMercatorQuad")
        .await;
    let l10 = ts["tileMatrixSetLimits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["tileMatrix"] == "10")
        .unwrap()
        .clone();
    let (row, col) = (
        l10["minTileRow"].as_u64().unwrap(),
        l10["minTileCol"].as_u64().unwrap(),
    );
    let mut compared = 0;
    for (r, c) in [
        (row, col),
        (row, col + 1),
        (row + 1, col),
        (row + 1, col + 1),
    ] {
        if r > l10["maxTileRow"].as_u64().unwrap() || c > l10["maxTileCol"].as_u64().unwrap() {
            continue;
        }
        let ogc = s
            .get(&format!(
                "/collections/institutions/tiles/WebMercatorQuad/10/{r}/{c}"
            ))
            .await;
        let xyz = s.get(&format!("/tiles/institutions/10/{c}/{r}.mvt")).await;
        assert_eq!(ogc.status(), xyz.status(), "10/{r}/{c}");
        assert_eq!(ogc.headers().get("etag"), xyz.headers().get("etag"));
        if ogc.status() == 200 {
            assert_eq!(
                ogc.headers()["content-type"],
                "application/vnd.mapbox-vector-tile"
            );
            compared += 1;
        }
        assert_eq!(ogc.bytes().await.unwrap(), xyz.bytes().await.unwrap());
    }
    assert!(compared > 0, "at least one tile with content");
    // Revalidation by the tileset's content version, as /tiles does.
    let path = format!("/collections/institutions/tiles/WebMercatorQuad/10/{row}/{col}");
    let first = s.get(&path).await;
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let again = s.get_with(&path, "if-none-match", &etag).await;
    assert_eq!(again.status(), 304);
    // The base map and the areas have tiles too.
    let r = s.get("/base/tiles/WebMercatorQuad/0/0/0").await;
    assert_eq!(r.status(), 200);
    let r = s
        .get("/collections/admin-areas/tiles/WebMercatorQuad/0/0/0?f=mvt")
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn requests_outside_the_tilesets_are_refused_with_json() {
    let s = spawn_bundled().await;
    let t = "/collections/institutions/tiles/WebMercatorQuad";
    for (path, status, code) in [
        ("/collections/nope/tiles", 404, "NotFound"),
        ("/collections/nope/tiles/WebMercatorQuad", 404, "NotFound"),
        (
            "/collections/nope/tiles/WebMercatorQuad/0/0/0",
            404,
            "NotFound",
        ),
        (
            "/collections/institutions/tiles/WorldCRS84Quad",
            404,
            "NotFound",
        ),
        (
            "/collections/institutions/tiles/WorldCRS84Quad/0/0/0",
            404,
            "NotFound",
        ),
        ("/base/tiles/WorldCRS84Quad/0/0/0", 404, "NotFound"),
        // Beyond WebMercatorQuad, beyond the tileset's zooms, outside the limits.
        (&format!("{t}/25/0/0"), 404, "NotFound"),
        (&format!("{t}/17/0/0"), 404, "NotFound"),
        ("/base/tiles/WebMercatorQuad/15/0/0", 404, "NotFound"),
        (&format!("{t}/10/0/0"), 404, "NotFound"),
        (&format!("{t}/0/0/1"), 404, "NotFound"),
        (
            &format!("{t}/99999999999/0/0"),
            400,
            "InvalidParameterValue",
        ),
        (&format!("{t}/x/0/0"), 400, "InvalidParameterValue"),
        (&format!("{t}/0/-1/0"), 400, "InvalidParameterValue"),
        (&format!("{t}/0/0/+0"), 400, "InvalidParameterValue"),
        (
            &format!("{t}/0/0/0?kind=college"),
            400,
            "InvalidParameterValue",
        ),
        (&format!("{t}/0/0/0?f=png"), 406, "NotAcceptable"),
        (&format!("{t}?f=html"), 406, "NotAcceptable"),
    ] {
        let r = s.get(path).await;
        assert_eq!(r.status(), status, "{path}");
        let v: Value = r.json().await.expect("a JSON body");
        assert_eq!(v["code"], code, "{path}: {v}");
    }
    let r = s.get(&format!("{t}/x/0/0")).await;
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["parameter"], "tileMatrix");
    let long = "9".repeat(10_000);
    let r = s.get(&format!("{t}/0/{long}/0")).await;
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["parameter"], "tileRow");
    assert!(v["description"].as_str().unwrap().len() < 200, "{v}");
}

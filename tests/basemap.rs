//! `--basemap FILE.pmtiles`: a PMTiles archive the test writes itself (the `pmtiles`
//! crate's writer, tiles from our own MVT encoder) is served as `/tiles/basemap/...`
//! with its TileJSON and a catalogue entry; without one, neither exists.

mod common;

use std::io::Read;

use common::archive::{self, Tile};
use common::{assert_json_error, scratch_dir, spawn, spawn_bundled};
use serde_json::json;
use vetmap::Config;

/// Tiles of zooms 0 to 2 over Viet Nam's quadrant, and where the archive is.
fn write_archive() -> (std::path::PathBuf, Vec<Tile>) {
    let path = scratch_dir("basemap").join("viet-nam.pmtiles");
    let tiles: Vec<Tile> = [(0, 0, 0), (1, 1, 0), (2, 3, 1)]
        .into_iter()
        .map(|(z, x, y)| {
            (
                (z, x, y),
                archive::protomaps_tile(&format!("Trà Vinh {z}/{x}/{y}")),
            )
        })
        .collect();
    let layers = ["earth", "water", "roads", "places"];
    archive::write(&path, &tiles, 2, &archive::metadata(&layers));
    (path, tiles)
}

async fn spawn_with_archive(path: &std::path::Path) -> common::TestServer {
    let mut config = common::bundled_config();
    config.basemap = path.to_owned();
    spawn(config).await
}

#[tokio::test]
async fn the_archive_is_served_with_its_tilejson_and_listed_in_the_catalogue() {
    let (path, tiles) = write_archive();
    let s = spawn_with_archive(&path).await;

    let (_, catalogue) = s.get_json("/tiles").await;
    let entry = catalogue["tilesets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "basemap")
        .expect("the catalogue lists the archive");
    assert_eq!(
        entry["layers"],
        json!(["earth", "water", "roads", "places"])
    );
    let tilejson = entry["tilejson"].as_str().unwrap();
    assert_eq!(tilejson, s.url("/tiles/basemap.json"));

    let (status, tj) = s.get_json("/tiles/basemap.json").await;
    assert_eq!(status, 200);
    assert_eq!(tj["tilejson"], "3.0.0");
    assert_eq!(tj["minzoom"], 0);
    assert_eq!(tj["maxzoom"], 2);
    assert_eq!(tj["tiles"][0], s.url("/tiles/basemap/{z}/{x}/{y}.mvt"));
    assert!(
        tj["attribution"]
            .as_str()
            .unwrap()
            .contains("OpenStreetMap")
    );
    assert_eq!(tj["vector_layers"][3]["id"], "places");
    let b = tj["bounds"].as_array().unwrap();
    assert!((b[0].as_f64().unwrap() - 102.14).abs() < 1e-6);

    for ((z, x, y), bytes) in &tiles {
        let path = format!("/tiles/basemap/{z}/{x}/{y}.mvt");
        // Plain: the tile as it went in.
        let r = s.get(&path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(
            r.headers()["content-type"],
            "application/vnd.mapbox-vector-tile"
        );
        assert!(r.headers().get("content-encoding").is_none());
        let got = r.bytes().await.unwrap();
        assert_eq!(&got[..], &bytes[..], "{path}");
        let reader = mvt_reader::Reader::new(got.to_vec()).expect("an MVT");
        let names: Vec<String> = reader
            .get_layer_metadata()
            .unwrap()
            .into_iter()
            .map(|l| l.name)
            .collect();
        assert_eq!(names, ["earth", "water", "roads", "places"]);
        // A client that takes gzip gets the archive's bytes as they are stored.
        let r = s.get_with(&path, "accept-encoding", "gzip").await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-encoding"], "gzip");
        let gz = r.bytes().await.unwrap();
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut plain)
            .unwrap();
        assert_eq!(&plain[..], &bytes[..]);
    }

    // Not in the archive: empty; out of its zooms or the grid: refused.
    let r = s.get("/tiles/basemap/2/0/0.mvt").await;
    assert_eq!(r.status(), 204);
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let r = s
        .get_with("/tiles/basemap/2/0/0.mvt", "if-none-match", &etag)
        .await;
    assert_eq!(r.status(), 304);
    assert_json_error(
        s.get("/tiles/basemap/3/0/0.mvt").await,
        400,
        "InvalidParameterValue",
        None,
    )
    .await;
    assert_json_error(
        s.get("/tiles/basemap/1/2/0.mvt").await,
        400,
        "InvalidParameterValue",
        None,
    )
    .await;
    assert_json_error(
        s.get("/tiles/basemap/1/x/0.mvt").await,
        400,
        "InvalidParameterValue",
        None,
    )
    .await;
    // The bundled tilesets are still there.
    assert_eq!(s.get("/tiles/base/0/0/0.mvt").await.status(), 200);
}

#[tokio::test]
async fn without_an_archive_there_is_no_basemap() {
    let s = spawn_bundled().await;
    let (_, catalogue) = s.get_json("/tiles").await;
    assert!(
        !catalogue["tilesets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == "basemap")
    );
    assert_json_error(
        s.get("/tiles/basemap.json").await,
        404,
        "NotFound",
        Some("--basemap"),
    )
    .await;
    assert_json_error(
        s.get("/tiles/basemap/0/0/0.mvt").await,
        404,
        "NotFound",
        None,
    )
    .await;
}

#[tokio::test]
async fn a_basemap_that_is_not_an_archive_stops_the_start_with_its_name() {
    let dir = scratch_dir("basemap-bad");
    let path = dir.join("broken.pmtiles");
    std::fs::write(&path, b"not a pmtiles archive at all, just text").unwrap();
    let mut config: Config = common::bundled_config();
    config.basemap = path.clone();
    let err = match vetmap::Application::build(config).await {
        Ok(_) => panic!("a broken archive must stop the start"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("broken.pmtiles"), "{err}");
    // The land of the bundled base still comes from the data directory.
    let mut config = common::bundled_config();
    config.basemap = dir.join("missing.pmtiles");
    let land = config.land_file();
    assert!(
        land.ends_with("basemap/vietnam-land-ne10m.geojson"),
        "{}",
        land.display()
    );
}

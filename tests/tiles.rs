//! Vector tiles, black-box: the real server on the bundled data, tiles decoded with an
//! independent MVT reader (`mvt-reader`, not our encoder run backwards).

mod common;

use std::collections::{BTreeMap, HashMap};

use geo::{BoundingRect, Validation};
use mvt_reader::feature::{Feature, Value};
use reqwest::StatusCode;
use vetmap::index::ServingIndex;
use vetmap::tiles::TileCoord;
use vetmap::tiles::coord::{BUFFER, EXTENT};

use common::{TestServer, spawn_bundled};

struct Fetched {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

async fn fetch(s: &TestServer, path: &str) -> Fetched {
    let r = s.get(path).await;
    Fetched {
        status: r.status(),
        headers: r.headers().clone(),
        body: r.bytes().await.expect("body").to_vec(),
    }
}

/// Layer name → (extent, features), decoded by mvt-reader.
type Decoded = BTreeMap<String, (u32, Vec<Feature<f64>>)>;

fn decode(bytes: &[u8]) -> Decoded {
    let reader = mvt_reader::Reader::new(bytes.to_vec()).expect("a valid MVT");
    let meta = reader.get_layer_metadata().expect("layer metadata");
    meta.iter()
        .map(|l| {
            let features = reader
                .get_features_as::<f64>(l.layer_index)
                .expect("features decode");
            assert_eq!(l.version, 2, "MVT 2.x layers");
            assert_eq!(features.len(), l.feature_count);
            (l.name.clone(), (l.extent, features))
        })
        .collect()
}

async fn tile(s: &TestServer, tileset: &str, c: TileCoord, query: &str) -> Decoded {
    let f = fetch(
        s,
        &format!("/tiles/{tileset}/{}/{}/{}.mvt{query}", c.z, c.x, c.y),
    )
    .await;
    match f.status {
        StatusCode::NO_CONTENT => {
            assert!(f.body.is_empty(), "204 has no body");
            Decoded::new()
        }
        StatusCode::OK => {
            assert_eq!(
                f.headers["content-type"],
                "application/vnd.mapbox-vector-tile"
            );
            decode(&f.body)
        }
        other => panic!("{tileset} {c}: unexpected {other}"),
    }
}

fn prop<'a>(f: &'a Feature<f64>, k: &str) -> Option<&'a Value> {
    f.properties.as_ref().and_then(|p| p.get(k))
}

fn int(f: &Feature<f64>, k: &str) -> i64 {
    match prop(f, k) {
        Some(Value::Int(n)) | Some(Value::SInt(n)) => *n,
        Some(Value::UInt(n)) => *n as i64,
        other => panic!("{k} is not an integer: {other:?}"),
    }
}

fn is_cluster(f: &Feature<f64>) -> bool {
    matches!(prop(f, "cluster"), Some(Value::Bool(true)))
}

fn data_bbox(index: &ServingIndex) -> [f64; 4] {
    let e = index.points().envelope();
    [e.lower()[0], e.lower()[1], e.upper()[0], e.upper()[1]]
}

fn assert_within_extent_and_buffer(layer: &str, c: TileCoord, extent: u32, f: &Feature<f64>) {
    assert_eq!(extent, EXTENT, "{layer} extent");
    let lo = -f64::from(BUFFER);
    let hi = f64::from(EXTENT + BUFFER);
    if let Some(r) = f.geometry.bounding_rect() {
        assert!(
            r.min().x >= lo && r.min().y >= lo && r.max().x <= hi && r.max().y <= hi,
            "{layer} at {c}: {r:?} leaves extent plus buffer"
        );
    }
}

#[tokio::test]
async fn cluster_counts_add_up_to_the_number_of_institutions_at_every_zoom() {
    let s = spawn_bundled().await;
    let index = s.state.index.current();
    let total = index.institutions().len() as i64;
    assert!(total > 1);
    let bbox = data_bbox(&index);
    let mut saw_cluster = false;
    for z in 0..=16u8 {
        let mut counted = 0;
        for c in TileCoord::covering(z, bbox) {
            for (name, (extent, features)) in tile(&s, "institutions", c, "").await {
                assert_eq!(name, "institutions");
                for f in &features {
                    assert_within_extent_and_buffer(&name, c, extent, f);
                    if is_cluster(f) {
                        assert!(z < 12, "clusters only below zoom 12");
                        saw_cluster = true;
                        let n = int(f, "point_count");
                        let by_kind: i64 = f
                            .properties
                            .as_ref()
                            .unwrap()
                            .keys()
                            .filter(|k| k.starts_with("count_"))
                            .map(|k| int(f, k))
                            .sum();
                        assert_eq!(by_kind, n, "counts by kind add up to point_count");
                        assert!(int(f, "expansion_zoom") > i64::from(z));
                        counted += n;
                    } else {
                        counted += 1;
                    }
                }
            }
        }
        assert_eq!(counted, total, "zoom {z}: every institution once");
    }
    assert!(saw_cluster, "the bundled data clusters at low zoom");
}

#[tokio::test]
async fn point_tiles_hold_the_institutions_the_index_has_in_the_same_box() {
    let s = spawn_bundled().await;
    let index = s.state.index.current();
    let by_id: HashMap<&str, _> = index
        .institutions()
        .iter()
        .map(|i| (i.id.as_str(), i))
        .collect();
    let mut seen = 0;
    for z in [12u8, 14] {
        for c in TileCoord::covering(z, data_bbox(&index)) {
            let [w, so, e, n] = c.lonlat_bounds(0.0);
            let expected = index
                .in_bbox(&vetmap::model::Bbox::new(w, so, e, n).unwrap())
                .len();
            let decoded = tile(&s, "institutions", c, "").await;
            let features = decoded.get("institutions").map_or(&[][..], |l| &l.1[..]);
            assert_eq!(features.len(), expected, "tile {c}");
            for f in features {
                let Some(Value::String(id)) = prop(f, "id") else {
                    panic!("an institution has an id")
                };
                let inst = by_id[id.as_str()];
                assert_eq!(
                    prop(f, "name_vi"),
                    Some(&Value::String(inst.name_vi().to_string()))
                );
                assert_eq!(prop(f, "kind"), Some(&Value::String(inst.kind.to_string())));
                assert_eq!(
                    prop(f, "ownership"),
                    Some(&Value::String(inst.ownership.to_string()))
                );
                assert_eq!(int(f, "programme_count"), inst.programmes.len() as i64);
                assert!(matches!(prop(f, "levels"), Some(Value::String(_))));
                assert!(matches!(
                    prop(f, "position_accuracy"),
                    Some(Value::String(_))
                ));
                assert_eq!(prop(f, "cluster"), Some(&Value::Bool(false)));
                seen += 1;
            }
        }
    }
    assert_eq!(seen, 2 * index.institutions().len());
}

#[tokio::test]
async fn filtered_tiles_show_only_matching_institutions() {
    let s = spawn_bundled().await;
    let index = s.state.index.current();
    let colleges = index
        .institutions()
        .iter()
        .filter(|i| i.kind.as_str() == "college")
        .count() as i64;
    assert!(colleges > 0 && colleges < index.institutions().len() as i64);
    for z in [5u8, 13] {
        let mut counted = 0;
        for c in TileCoord::covering(z, data_bbox(&index)) {
            for (_, (_, features)) in tile(&s, "institutions", c, "?kind=college").await {
                for f in &features {
                    if is_cluster(f) {
                        assert_eq!(int(f, "count_college"), int(f, "point_count"));
                        counted += int(f, "point_count");
                    } else {
                        assert_eq!(prop(f, "kind"), Some(&Value::String("college".into())));
                        counted += 1;
                    }
                }
            }
        }
        assert_eq!(counted, colleges, "zoom {z}");
    }
}

#[tokio::test]
async fn admin_area_and_base_tiles_have_their_layers_and_valid_geometry() {
    let s = spawn_bundled().await;
    let index = s.state.index.current();
    let mut layers_seen = std::collections::BTreeSet::new();
    for z in [0u8, 6, 9, 11] {
        for c in TileCoord::covering(z, data_bbox(&index)) {
            for tileset in ["admin-areas", "base"] {
                for (name, (extent, features)) in tile(&s, tileset, c, "").await {
                    assert!(!features.is_empty(), "no empty layer ({name} at {c})");
                    layers_seen.insert(name.clone());
                    for f in &features {
                        assert_within_extent_and_buffer(&name, c, extent, f);
                        if let geo::Geometry::Polygon(_) | geo::Geometry::MultiPolygon(_) =
                            f.geometry
                        {
                            assert!(
                                f.geometry.is_valid(),
                                "{name} at {c} is invalid: {:?}",
                                f.geometry.validation_errors()
                            );
                        }
                        if name.starts_with("area") {
                            for k in ["code", "scheme", "name", "level", "geometry_source"] {
                                assert!(prop(f, k).is_some(), "{name} has {k}");
                            }
                        }
                    }
                }
            }
        }
    }
    let expected = [
        "area_labels",
        "areas_2025",
        "areas_pre2025",
        "boundaries",
        "land",
        "places",
    ];
    assert_eq!(layers_seen.into_iter().collect::<Vec<_>>(), expected);
}

#[tokio::test]
async fn empty_tiles_answer_204_and_tiles_carry_cache_headers_and_304() {
    let s = spawn_bundled().await;
    // Mid-Atlantic: no institution, no area, no land.
    let empty = fetch(&s, "/tiles/institutions/14/6000/7000.mvt").await;
    assert_eq!(empty.status, StatusCode::NO_CONTENT);
    assert!(empty.body.is_empty());
    let base_empty = fetch(&s, "/tiles/base/14/6000/7000.mvt").await;
    assert_eq!(base_empty.status, StatusCode::NO_CONTENT);

    let first = fetch(&s, "/tiles/institutions/0/0/0.mvt").await;
    assert_eq!(first.status, StatusCode::OK);
    let etag = first.headers["etag"].to_str().unwrap().to_owned();
    assert!(
        first.headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("public")
    );
    let again = s
        .client
        .get(s.url("/tiles/institutions/0/0/0.mvt"))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    let stale = s
        .client
        .get(s.url("/tiles/institutions/0/0/0.mvt"))
        .header("if-none-match", "W/\"not-this-one\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_change_to_institutions_invalidates_institution_tiles_only() {
    let s = spawn_bundled().await;
    let etag = |f: &Fetched| f.headers["etag"].to_str().unwrap().to_owned();
    let inst_before = fetch(&s, "/tiles/institutions/0/0/0.mvt").await;
    let areas_before = fetch(&s, "/tiles/admin-areas/0/0/0.mvt").await;

    let mut dataset = s.state.index.current().to_dataset();
    let victim = dataset.institutions.pop().expect("an institution");
    dataset.version = format!("{}-edited", dataset.version);
    s.state.index.replace(ServingIndex::build(dataset));

    let inst_after = fetch(&s, "/tiles/institutions/0/0/0.mvt").await;
    let areas_after = fetch(&s, "/tiles/admin-areas/0/0/0.mvt").await;
    assert_ne!(etag(&inst_before), etag(&inst_after));
    assert_eq!(etag(&areas_before), etag(&areas_after));
    let counted: i64 = decode(&inst_after.body)["institutions"]
        .1
        .iter()
        .map(|f| {
            if is_cluster(f) {
                int(f, "point_count")
            } else {
                1
            }
        })
        .sum();
    assert_eq!(
        counted,
        s.state.index.current().institutions().len() as i64,
        "{} is gone from the tiles",
        victim.id
    );
}

#[tokio::test]
async fn bad_tile_requests_get_a_json_4xx() {
    let s = spawn_bundled().await;
    let cases = [
        ("/tiles/institutions/17/0/0.mvt", 400, Some("z")),
        ("/tiles/institutions/2/4/0.mvt", 400, Some("x")),
        ("/tiles/institutions/2/0/4.mvt", 400, Some("y")),
        ("/tiles/institutions/-1/0/0.mvt", 400, Some("z")),
        ("/tiles/institutions/a/0/0.mvt", 400, Some("z")),
        ("/tiles/institutions/2/0/0.png", 400, Some("format")),
        ("/tiles/rivers/2/0/0.mvt", 404, None),
        ("/tiles/rivers.json", 404, None),
        ("/tiles/institutions.xml", 404, None),
        (
            "/tiles/institutions/2/0/0.mvt?kind=castle",
            400,
            Some("kind"),
        ),
        (
            "/tiles/institutions/2/0/0.mvt?level=phd",
            400,
            Some("level"),
        ),
        (
            "/tiles/institutions/2/0/0.mvt?ownership=x",
            400,
            Some("ownership"),
        ),
        (
            "/tiles/institutions/2/0/0.mvt?occupation=12",
            400,
            Some("occupation"),
        ),
        (
            "/tiles/institutions/2/0/0.mvt?occupation=6999999",
            400,
            Some("occupation"),
        ),
        ("/tiles/institutions/2/0/0.mvt?colour=red", 400, None),
        ("/tiles/admin-areas/2/0/0.mvt?kind=college", 400, None),
    ];
    for (path, status, parameter) in cases {
        let (got, body) = s.get_json(path).await;
        assert_eq!(got.as_u16(), status, "{path}: {body}");
        assert!(
            body["description"].as_str().is_some_and(|d| !d.is_empty()),
            "{path}"
        );
        if let Some(p) = parameter {
            assert_eq!(body["parameter"], p, "{path}: {body}");
        }
    }
}

#[tokio::test]
async fn tilejson_and_the_catalogue_describe_every_tileset() {
    let s = spawn_bundled().await;
    let (status, cat) = s.get_json("/tiles").await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = cat["tilesets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["institutions", "admin-areas", "base", "coverage"]);
    // The coverage tileset takes the coverage question as its query string.
    let coverage = &cat["tilesets"][3];
    let path = coverage["tilejson"]
        .as_str()
        .unwrap()
        .trim_start_matches(&s.base);
    let (status, tj) = s.get_json(path).await;
    assert_eq!(status, StatusCode::OK);
    let layers: Vec<&str> = tj["vector_layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(serde_json::json!(layers), coverage["layers"]);
    for id in &ids[..3] {
        let (status, tj) = s.get_json(&format!("/tiles/{id}.json")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(tj["tilejson"], "3.0.0");
        let id = *id;
        let url = tj["tiles"][0].as_str().unwrap();
        assert!(
            url.starts_with(&s.base)
                && url.ends_with(&format!("/tiles/{id}/{{z}}/{{x}}/{{y}}.mvt")),
            "{url}"
        );
        assert!(tj["minzoom"].as_u64().unwrap() <= tj["maxzoom"].as_u64().unwrap());
        assert_eq!(tj["bounds"].as_array().unwrap().len(), 4);
        assert_eq!(tj["center"].as_array().unwrap().len(), 3);
        assert!(!tj["attribution"].as_str().unwrap().is_empty());
        for layer in tj["vector_layers"].as_array().unwrap() {
            assert!(layer["id"].is_string() && layer["fields"].is_object());
        }
    }
    let (_, tj) = s.get_json("/tiles/institutions.json?kind=college").await;
    assert!(
        tj["tiles"][0]
            .as_str()
            .unwrap()
            .ends_with(".mvt?kind=college")
    );
    let (_, tj) = s.get_json("/tiles/institutions.json").await;
    let fields = tj["vector_layers"][0]["fields"].as_object().unwrap();
    for f in [
        "cluster",
        "point_count",
        "expansion_zoom",
        "id",
        "name_vi",
        "kind",
        "levels",
    ] {
        assert!(fields.contains_key(f), "{f} documented");
    }
}

/// A synthetic network dense enough that a zoom-12 tile holds more than
/// `DENSE_TILE_POINTS` institutions: such tiles keep clustering (up to the top zoom),
/// still counting every institution once.
#[tokio::test]
async fn dense_tiles_above_the_cluster_zooms_are_clustered_and_count_everyone_once() {
    use vetmap::store::files::{ExportFormat, write_dataset};
    use vetmap::tiles::cluster::DENSE_TILE_POINTS;

    let dir = common::scratch_dir("dense-tiles");
    write_dataset(
        &vetmap::synth::generate(50_000, 3),
        &dir,
        ExportFormat::Geojson,
    )
    .expect("synthetic data writes");
    let s = common::spawn(vetmap::Config::for_bundled(dir, common::repo_path("web"))).await;
    let index = s.state.index.current();
    let in_tile = |c: TileCoord| {
        let [w, so, e, n] = c.lonlat_bounds(0.0);
        index
            .in_bbox(&vetmap::model::Bbox::new(w, so, e, n).unwrap())
            .len() as i64
    };
    // The densest zoom-12 tile, found from the index.
    let densest = TileCoord::covering(12, data_bbox(&index))
        .max_by_key(|c| in_tile(*c))
        .unwrap();
    let expected = in_tile(densest);
    assert!(
        expected > DENSE_TILE_POINTS as i64,
        "the fixture is dense enough: {expected} in {densest}"
    );

    let features = tile(&s, "institutions", densest, "")
        .await
        .remove("institutions")
        .expect("an institutions layer")
        .1;
    assert!(features.len() <= 256, "at most one feature per cell");
    let mut counted = 0;
    let mut clusters = 0;
    for f in &features {
        if is_cluster(f) {
            clusters += 1;
            assert_eq!(int(f, "expansion_zoom"), 13);
            counted += int(f, "point_count");
        } else {
            counted += 1;
        }
    }
    assert!(clusters > 0, "the dense tile is clustered");
    assert_eq!(counted, expected, "every institution of {densest} once");

    // The top zoom always shows points, however dense.
    let top = TileCoord {
        z: 16,
        x: densest.x << 4 | 8,
        y: densest.y << 4 | 8,
    };
    let decoded = tile(&s, "institutions", top, "").await;
    let features = decoded.get("institutions").map_or(&[][..], |l| &l.1[..]);
    assert_eq!(features.len() as i64, in_tile(top));
    assert!(features.iter().all(|f| !is_cluster(f)));
}

/// A tile with these request headers: status, headers, body as sent.
async fn fetch_with(s: &TestServer, path: &str, headers: &[(&str, &str)]) -> Fetched {
    let mut req = s.client.get(s.url(path));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let r = req.send().await.expect("request");
    Fetched {
        status: r.status(),
        headers: r.headers().clone(),
        body: r.bytes().await.expect("body").to_vec(),
    }
}

fn header<'a>(f: &'a Fetched, name: &str) -> Option<&'a str> {
    f.headers.get(name).map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn tiles_come_compressed_once_in_the_coding_asked_with_length_and_validators() {
    use std::io::Read;
    let s = spawn_bundled().await;
    let path = "/tiles/institutions/0/0/0.mvt";
    let plain = fetch_with(&s, path, &[]).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert!(!plain.body.is_empty());
    assert_eq!(header(&plain, "content-encoding"), None);
    let etag = header(&plain, "etag").expect("an ETag").to_owned();

    for (accept, coding) in [
        ("gzip", Some("gzip")),
        ("br", Some("br")),
        ("gzip, deflate, br", Some("br")),
        ("br;q=0.5, gzip", Some("gzip")),
        ("identity;q=0, gzip", Some("gzip")),
        ("br;q=0, gzip;q=0", None),
        ("zstd, deflate", None),
    ] {
        // Twice: the first request may compress, the second must find the same bytes.
        let first = fetch_with(&s, path, &[("accept-encoding", accept)]).await;
        let again = fetch_with(&s, path, &[("accept-encoding", accept)]).await;
        for f in [&first, &again] {
            assert_eq!(f.status, StatusCode::OK, "{accept}");
            assert_eq!(header(f, "content-encoding"), coding, "{accept}");
            assert_eq!(
                header(f, "content-length"),
                Some(f.body.len().to_string().as_str()),
                "{accept}: Content-Length, not chunked"
            );
            assert_eq!(header(f, "transfer-encoding"), None, "{accept}");
            assert_eq!(header(f, "etag"), Some(etag.as_str()), "{accept}");
            assert!(
                header(f, "vary")
                    .is_some_and(|v| v.to_ascii_lowercase().contains("accept-encoding")),
                "{accept}: Vary"
            );
        }
        assert_eq!(first.body, again.body, "{accept}: compressed once, kept");
        let decoded = match coding {
            None => first.body.clone(),
            Some("gzip") => {
                let mut out = Vec::new();
                flate2::read::GzDecoder::new(&first.body[..])
                    .read_to_end(&mut out)
                    .expect("gzip");
                out
            }
            Some(_) => {
                let mut out = Vec::new();
                brotli::Decompressor::new(&first.body[..], 4096)
                    .read_to_end(&mut out)
                    .expect("brotli");
                out
            }
        };
        assert_eq!(
            decoded, plain.body,
            "{accept}: decodes to the identity bytes"
        );
    }

    // Refusing every coding offered, identity included, is a 406 with the JSON body.
    for accept in ["identity;q=0", "*;q=0", "identity;q=0, deflate"] {
        let refused = fetch_with(&s, path, &[("accept-encoding", accept)]).await;
        assert_eq!(refused.status, StatusCode::NOT_ACCEPTABLE, "{accept}");
        let body: serde_json::Value = serde_json::from_slice(&refused.body).expect("JSON");
        assert_eq!(body["code"], "NotAcceptable", "{accept}");
    }

    // The ETag revalidates in any coding.
    for accept in ["", "gzip", "br"] {
        let not_modified = fetch_with(
            &s,
            path,
            &[("accept-encoding", accept), ("if-none-match", &etag)],
        )
        .await;
        assert_eq!(not_modified.status, StatusCode::NOT_MODIFIED, "{accept}");
        assert!(not_modified.body.is_empty());
        assert_eq!(header(&not_modified, "etag"), Some(etag.as_str()));
    }

    // An empty tile is 204 in every coding.
    let empty = fetch_with(
        &s,
        "/tiles/institutions/14/6000/7000.mvt",
        &[("accept-encoding", "br")],
    )
    .await;
    assert_eq!(empty.status, StatusCode::NO_CONTENT);
    assert_eq!(header(&empty, "content-encoding"), None);
}

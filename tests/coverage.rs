//! Coverage, indicators, exports and the periodic report over HTTP, on the bundled data
//! (and a copy of it with a small, clearly fake, population fixture).

mod common;

use common::{TestServer, bundled_config, repo_path, scratch_dir, spawn, spawn_bundled};
use serde_json::Value;
use vetmap::model::LonLat;

async fn text(s: &TestServer, path: &str) -> (reqwest::StatusCode, String, String) {
    let r = s.get(path).await;
    let status = r.status();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, ct, r.text().await.expect("a body"))
}

/// The rows of a CSV export, past the caveats it opens with (rows starting `#`).
fn csv_rows(body: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut rdr = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_reader(body.as_bytes());
    let headers = rdr.headers().expect("a header").clone();
    rdr.records()
        .map(|r| {
            let r = r.expect("a readable row");
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

/// The bundled data plus the population fixture, in a scratch directory.
async fn spawn_with_population() -> TestServer {
    let dir = scratch_dir("population");
    for entry in std::fs::read_dir(repo_path("data")).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        }
    }
    std::fs::copy(
        repo_path("tests/fixtures/population/population.csv"),
        dir.join("population.csv"),
    )
    .unwrap();
    let mut config = bundled_config();
    config.data_dir = dir;
    spawn(config).await
}

#[tokio::test]
async fn grid_distances_equal_a_brute_force_over_the_published_institutions() {
    let s = spawn_bundled().await;
    let (_, all) = s.get_json("/api/v1/institutions").await;
    let offering: Vec<LonLat> = all["institutions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| {
            i["programmes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["occupation_code"] == "6480201")
        })
        .map(|i| serde_json::from_value(i["location"].clone()).unwrap())
        .collect();
    assert!(!offering.is_empty());
    let (status, _, body) = text(
        &s,
        "/api/v1/coverage/grid?occupation=6480201&radius_km=8&cell_km=3&f=csv",
    )
    .await;
    assert_eq!(status, 200);
    let rows = csv_rows(&body);
    assert!(rows.len() > 100, "{} cells", rows.len());
    for r in &rows {
        let centre = LonLat::new(r["lon"].parse().unwrap(), r["lat"].parse().unwrap()).unwrap();
        let brute = offering
            .iter()
            .map(|p| centre.geodesic_distance_m(*p))
            .fold(f64::INFINITY, f64::min);
        let got: f64 = r["distance_m"].parse().unwrap();
        // The published centre is rounded to 1e-6° (≈ 0.1 m) and the distance to 0.1 m.
        assert!((got - brute).abs() < 0.5, "{got} vs {brute}");
        assert_eq!(r["within_radius"] == "true", got <= 8000.0);
    }
}

#[tokio::test]
async fn areas_without_geometry_are_reported_as_such_with_counts_and_the_schematic_caveat() {
    let s = spawn_bundled().await;
    let (status, body) = s
        .get_json("/api/v1/coverage?scheme=2025&area_level=commune&level=college")
        .await;
    assert_eq!(status, 200, "{body}");
    let areas = body["areas"].as_array().unwrap();
    assert_eq!(
        areas.len(),
        41,
        "the 41 communes of 2025 in former Trà Vinh"
    );
    assert!(areas.iter().all(|a| a["has_geometry"] == false
        && a["share_area_within_radius"].is_null()
        && a["max_distance_m"].is_null()));
    let counted: u64 = areas
        .iter()
        .map(|a| a["institutions"].as_u64().unwrap())
        .sum();
    assert!(counted > 0, "counts come from the institutions' codes");
    assert_eq!(body["worst_served"].as_array().unwrap().len(), 0);
    let caveats = body["caveats"].to_string();
    assert!(
        caveats.contains("41 of 41 areas have no geometry"),
        "{caveats}"
    );
    assert!(caveats.contains("schematic"), "{caveats}");
    assert!(caveats.contains("No population layer"), "{caveats}");

    let (_, districts) = s
        .get_json("/api/v1/coverage?level=college&radius_km=15")
        .await;
    let d = districts["areas"].as_array().unwrap();
    assert_eq!(d.len(), 9);
    assert!(
        d.iter()
            .all(|a| a["has_geometry"] == true && a["share_area_within_radius"].is_number())
    );
    let worst = districts["worst_served"].as_array().unwrap();
    assert_eq!(worst.len(), 9);
    let shares: Vec<f64> = worst
        .iter()
        .map(|w| w["share_within_radius"].as_f64().unwrap())
        .collect();
    assert!(shares.windows(2).all(|w| w[0] <= w[1]), "{shares:?}");
}

#[tokio::test]
async fn bad_coverage_questions_get_a_400_naming_the_parameter() {
    let s = spawn_bundled().await;
    for (query, parameter) in [
        ("occupation=6999999", Some("occupation")),
        ("occupation=64802", Some("occupation")),
        ("occupation=6480201&level=intermediate", Some("occupation")),
        ("level=doctorate", Some("level")),
        ("radius_km=0", Some("radius_km")),
        ("radius_km=1000", Some("radius_km")),
        ("cell_km=0.01", Some("cell_km")),
        ("scheme=2025&area_level=district", Some("area_level")),
        ("f=xlsx", Some("f")),
        ("radius_km=ten", None),
        ("colour=red", None),
    ] {
        for path in ["/api/v1/coverage", "/api/v1/coverage/grid"] {
            let (status, body) = s.get_json(&format!("{path}?{query}")).await;
            assert_eq!(status, 400, "{path}?{query}: {body}");
            assert_eq!(body["code"], "InvalidParameterValue");
            if let Some(p) = parameter.filter(|_| !(path.ends_with("grid") && query == "f=xlsx")) {
                assert_eq!(body["parameter"], p, "{query}: {body}");
            }
        }
    }
}

#[tokio::test]
async fn coverage_exports_read_back_to_the_same_figures() {
    let s = spawn_bundled().await;
    let q = "occupation=6480201&radius_km=12";
    let (_, json) = s.get_json(&format!("/api/v1/coverage?{q}")).await;
    let (status, ct, body) = text(&s, &format!("/api/v1/coverage?{q}&f=csv")).await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/csv"), "{ct}");
    let rows = csv_rows(&body);
    let areas = json["areas"].as_array().unwrap();
    assert_eq!(rows.len(), areas.len());
    for (row, a) in rows.iter().zip(areas) {
        assert_eq!(row["code"], a["code"].as_str().unwrap());
        assert_eq!(
            row["name"],
            a["name"].as_str().unwrap(),
            "UTF-8 names survive"
        );
        assert_eq!(
            row["institutions"].parse::<u64>().unwrap(),
            a["institutions"].as_u64().unwrap()
        );
        match a["share_area_within_radius"].as_f64() {
            Some(v) => assert_eq!(row["share_area_within_radius"].parse::<f64>().unwrap(), v),
            None => assert_eq!(row["share_area_within_radius"], ""),
        }
    }
    let (status, ct, body) = text(&s, &format!("/api/v1/coverage?{q}&f=geojson")).await;
    assert_eq!(status, 200);
    assert_eq!(ct, "application/geo+json");
    let fc: geojson::FeatureCollection = body.parse().expect("valid GeoJSON");
    assert_eq!(fc.features.len(), areas.len());
    for (f, a) in fc.features.iter().zip(areas) {
        assert_eq!(f.property("max_distance_m"), Some(&a["max_distance_m"]));
        assert_eq!(f.geometry.is_some(), a["has_geometry"] == true);
    }

    let (_, _, grid) = text(&s, &format!("/api/v1/coverage/grid?{q}")).await;
    let grid: geojson::FeatureCollection = grid.parse().expect("valid GeoJSON grid");
    assert_eq!(
        grid.features.len() as u64,
        json["grid"]["cells"].as_u64().unwrap()
    );
    let within = grid
        .features
        .iter()
        .filter(|f| f.property("within_radius") == Some(&Value::Bool(true)))
        .count();
    assert_eq!(
        within as u64,
        json["grid"]["cells_within_radius"].as_u64().unwrap()
    );
    for f in &grid.features {
        let g: geo::Geometry<f64> = f.geometry.clone().unwrap().try_into().unwrap();
        assert!(matches!(g, geo::Geometry::Polygon(ref p) if p.exterior().0.len() == 7));
    }
}

#[tokio::test]
async fn a_population_layer_gives_shares_of_people_and_names_its_source() {
    let s = spawn_with_population().await;
    let (status, body) = s.get_json("/api/v1/coverage?radius_km=10").await;
    assert_eq!(status, 200, "{body}");
    let p = &body["population"];
    assert_eq!(p["loaded"], true);
    assert_eq!(p["total"], 9900.0);
    assert!(
        p["sources"][0]
            .as_str()
            .unwrap()
            .starts_with("TEST FIXTURE")
    );
    let areas = body["areas"].as_array().unwrap();
    let people: f64 = areas.iter().filter_map(|a| a["population"].as_f64()).sum();
    // Three fixture points (800 + 400 + 300 people) lie outside the schematic province
    // outline: they count in the total but in no district.
    assert_eq!(people, 8400.0);
    assert!(
        body["caveats"]
            .to_string()
            .contains("Population figures: TEST FIXTURE")
    );
    assert_eq!(body["worst_served"][0]["basis"], "population");
    let (_, _, grid) = text(&s, "/api/v1/coverage/grid?radius_km=10&f=csv").await;
    let total: f64 = csv_rows(&grid)
        .iter()
        .map(|r| r["population"].parse::<f64>().unwrap())
        .sum();
    assert_eq!(
        total, 8400.0,
        "the grid covers the province only, like the districts"
    );
}

#[tokio::test]
async fn a_malformed_population_file_is_refused_with_lines_and_fields() {
    let err = vetmap::store::files::read_file(
        &repo_path("tests/fixtures/population/bad-population.csv"),
        Some(vetmap::store::files::FileKind::Population),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("bad-population.csv line 3") && err.contains("lat"),
        "{err}"
    );
    assert!(
        err.contains("bad-population.csv line 4") && err.contains("population"),
        "{err}"
    );
    // A dataset directory with a bad population file does not serve at all.
    let dir = scratch_dir("bad-population");
    for name in [
        "occupations.csv",
        "admin-areas.geojson",
        "commune-mapping.csv",
        "institutions.geojson",
    ] {
        std::fs::copy(repo_path("data").join(name), dir.join(name)).unwrap();
    }
    std::fs::copy(
        repo_path("tests/fixtures/population/bad-population.csv"),
        dir.join("population.csv"),
    )
    .unwrap();
    assert!(vetmap::store::bundled::load_dir(&dir).is_err());
}

#[tokio::test]
async fn indicators_carry_definitions_targets_breakdown_and_the_illustrative_caveat() {
    let s = spawn_bundled().await;
    let (status, body) = s.get_json("/api/v1/indicators").await;
    assert_eq!(status, 200);
    let ind = body["indicators"].as_array().unwrap();
    let ids: Vec<&str> = ind.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 14, "{ids:?}");
    assert_eq!(body["scorecard"].as_array().unwrap().len(), 12);
    let platform = ind
        .iter()
        .find(|i| i["id"] == "digital_platform_connection")
        .unwrap();
    assert_eq!(platform["target"], "c2");
    assert_eq!(platform["basis"], "institutions");
    assert!(
        platform["plan_text"]
            .as_str()
            .unwrap()
            .contains("trung tâm giáo dục nghề nghiệp và giáo dục thường xuyên cấp huyện")
    );
    assert_eq!(platform["targets"][0]["target_pct"], 50.0);
    assert_eq!(platform["targets"][1]["year"], 2030);
    // 2 colleges + 9 centres in the bundled data.
    assert_eq!(platform["in_scope"], 11);
    let by_area: u64 = platform["breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["in_scope"].as_u64().unwrap())
        .sum();
    assert_eq!(by_area, 11);
    assert!(
        body["data_caveats"][0]["en"]
            .as_str()
            .unwrap()
            .contains("illustrative")
    );
    assert!(
        body["data_caveats"][0]["vi"]
            .as_str()
            .unwrap()
            .contains("minh họa")
    );

    let (_, ct, csv) = text(&s, "/api/v1/indicators?f=csv").await;
    assert!(ct.starts_with("text/csv"));
    let rows = csv_rows(&csv);
    let province: Vec<_> = rows
        .iter()
        .filter(|r| r["area_code"] == "province")
        .collect();
    assert_eq!(province.len(), 14);
    for (r, i) in province.iter().zip(ind) {
        assert_eq!(r["indicator"], i["id"].as_str().unwrap());
        assert_eq!(r["value_pct"].parse::<f64>().ok(), i["value_pct"].as_f64());
        assert_eq!(
            r["unknown"].parse::<u64>().unwrap(),
            i["unknown"].as_u64().unwrap()
        );
    }
    let (_, _, gj) = text(&s, "/api/v1/indicators?f=geojson").await;
    let fc: geojson::FeatureCollection = gj.parse().expect("valid GeoJSON");
    assert_eq!(
        fc.features.len(),
        9,
        "one feature per district with institutions"
    );
    assert!(fc.features.iter().all(|f| f.geometry.is_some()));
}

#[tokio::test]
async fn snapshots_need_a_database_in_the_embedded_default() {
    let s = spawn_bundled().await;
    let (status, body) = s.get_json("/api/v1/indicators/snapshots").await;
    assert_eq!(status, 503);
    assert_eq!(body["code"], "NeedsDatabase");
    let (status, body) = s.get_json("/api/v1/indicators?area_level=hamlet").await;
    assert_eq!(status, 400);
    assert_eq!(body["parameter"], "area_level");
}

#[tokio::test]
async fn the_periodic_report_is_printable_html_with_map_tables_indicators_and_caveats() {
    let s = spawn_bundled().await;
    let (status, ct, html) = text(&s, "/reports/periodic?occupation=6480201&radius_km=10").await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("text/html"), "{ct}");
    assert!(html.contains("<svg"), "has the map");
    assert!(html.contains("Thành phố Trà Vinh"));
    assert!(
        html.contains(r#"<link rel="stylesheet" href="/assets/report.css">"#),
        "styled by a file, as the Content-Security-Policy asks"
    );
    let css = s.get("/assets/report.css").await.text().await.unwrap();
    assert!(css.contains("@media print"));
    assert!(html.contains("Phấn đấu 50% vào năm 2025 và 100% vào năm 2030 trường cao đẳng"));
    assert!(
        html.contains("số liệu minh họa"),
        "the readiness caveat is printed, in the report's language"
    );
    assert!(html.contains("sơ đồ minh họa"), "the areas' caveat too");
    assert!(
        !html.contains("illustrative, not reported"),
        "not in English"
    );
    assert!(
        html.contains("DATABASE_URL"),
        "says why there is no history"
    );
    let (_, _, en) = text(&s, "/reports/periodic?lang=en").await;
    assert!(en.contains("Periodic report"));
    assert!(en.contains("illustrative, not reported") && en.contains("schematic"));
    let (status, _, _) = text(&s, "/reports/periodic?lang=fr").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn the_coverage_tileset_carries_every_grid_cell_with_its_band() {
    let s = spawn_bundled().await;
    let q = "occupation=6480201&radius_km=10&cell_km=3";
    let (status, tj) = s.get_json(&format!("/tiles/coverage.json?{q}")).await;
    assert_eq!(status, 200, "{tj}");
    assert_eq!(tj["tilejson"], "3.0.0");
    let url = tj["tiles"][0].as_str().unwrap();
    assert!(url.contains("/tiles/coverage/{z}/{x}/{y}.mvt?") && url.contains("occupation=6480201"));
    let b: Vec<f64> = serde_json::from_value(tj["bounds"].clone()).unwrap();

    let (_, _, grid) = text(&s, &format!("/api/v1/coverage/grid?{q}")).await;
    let grid: geojson::FeatureCollection = grid.parse().unwrap();
    let radius = 10_000.0;
    let mut seen = std::collections::BTreeMap::new();
    for c in vetmap::tiles::TileCoord::covering(9, [b[0], b[1], b[2], b[3]]) {
        let r = s
            .get(&format!("/tiles/coverage/{}/{}/{}.mvt?{q}", c.z, c.x, c.y))
            .await;
        if r.status() == 204 {
            continue;
        }
        assert_eq!(r.status(), 200);
        assert_eq!(
            r.headers()["content-type"],
            "application/vnd.mapbox-vector-tile"
        );
        let reader =
            mvt_reader::Reader::new(r.bytes().await.unwrap().to_vec()).expect("a valid MVT");
        for l in reader.get_layer_metadata().unwrap() {
            if l.name != "coverage_cells" {
                continue;
            }
            for f in reader.get_features_as::<f64>(l.layer_index).unwrap() {
                let id = f.id.expect("cells carry their number") as usize;
                let band = match f.properties.as_ref().and_then(|p| p.get("band")) {
                    Some(mvt_reader::feature::Value::Int(n))
                    | Some(mvt_reader::feature::Value::SInt(n)) => *n,
                    Some(mvt_reader::feature::Value::UInt(n)) => *n as i64,
                    other => panic!("band: {other:?}"),
                };
                seen.insert(id, band);
            }
        }
    }
    assert_eq!(
        seen.len(),
        grid.features.len(),
        "every cell is in some tile"
    );
    for (id, band) in seen {
        let d = grid.features[id]
            .property("distance_m")
            .and_then(Value::as_f64);
        let expected = match d {
            None => 4,
            Some(d) if d <= radius / 2.0 => 0,
            Some(d) if d <= radius => 1,
            Some(d) if d <= 2.0 * radius => 2,
            Some(_) => 3,
        };
        assert_eq!(band, expected, "cell {id} at {d:?} m");
    }
    let (status, body) = s.get_json("/tiles/coverage/20/1/1.mvt").await;
    assert_eq!(status, 400, "{body}");
}

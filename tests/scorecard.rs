//! The Plan's whole scorecard and the public face of the bundled data, black-box: the
//! twelve targets and where each figure comes from, the progress charts, exports that
//! open with their caveats in the language asked for, demonstration credentials that say
//! so, and JSON-LD that does not pass an approximate position for a site.

mod common;

use common::{TestServer, spawn_bundled};
use reqwest::StatusCode;
use serde_json::{Value, json};
use vetmap::credentials::jws::Jwks;
use vetmap::credentials::statement::verify_offline;

async fn text(s: &TestServer, path: &str) -> (StatusCode, String, String) {
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

fn indicator<'a>(body: &'a Value, id: &str) -> &'a Value {
    body["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("no indicator {id}"))
}

#[tokio::test]
async fn the_indicators_cover_the_twelve_targets_each_saying_where_its_figures_come_from() {
    let s = spawn_bundled().await;
    let (status, body) = s.get_json("/api/v1/indicators").await;
    assert_eq!(status, 200);
    let codes: Vec<&str> = body["scorecard"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "a1", "a2", "b1", "b2", "c1", "c2", "d1", "d2", "d3", "d4", "d5", "d6"
        ]
    );
    for t in body["scorecard"].as_array().unwrap() {
        assert!(!t["indicators"].as_array().unwrap().is_empty(), "{t}");
        assert!(t["text_vi"].as_str().unwrap().len() > 40, "{t}");
    }
    let inspections = indicator(&body, "inspections_digital");
    assert_eq!(inspections["basis"], "province");
    assert_eq!(inspections["target"], "d3");
    assert!(
        inspections["plan_text"]
            .as_str()
            .unwrap()
            .contains("hoạt động kiểm tra chuyên ngành")
    );
    assert_eq!(inspections["province_report"], Value::Null, "none reported");
    assert_eq!(inspections["value_pct"], Value::Null);
    // Every bundled position is a town centre or a guess: the map is not yet "formed".
    let positions = indicator(&body, "digital_map_positions");
    assert_eq!(positions["basis"], "service");
    assert_eq!(
        (
            positions["numerator"].clone(),
            positions["denominator"].clone()
        ),
        (json!(0.0), json!(12.0))
    );
    // The bundled credentials are all demonstrations: none counts as checkable.
    let credentials = indicator(&body, "digital_map_credentials");
    assert_eq!(credentials["value_pct"], 0.0);
    let caveats = body["data_caveats"].to_string();
    assert!(
        caveats.contains("5 institution(s) hold only demonstration credentials"),
        "{caveats}"
    );
    assert!(caveats.contains("has not reported 7 of the 7"), "{caveats}");
}

#[tokio::test]
async fn exports_open_with_their_caveats_in_the_language_asked_for() {
    let s = spawn_bundled().await;
    for path in [
        "/api/v1/indicators?f=csv",
        "/api/v1/coverage?f=csv",
        "/api/v1/coverage/grid?f=csv&cell_km=5",
    ] {
        let (status, ct, vi) = text(&s, path).await;
        assert_eq!(status, 200, "{path}");
        assert!(ct.starts_with("text/csv"), "{path}");
        assert!(vi.starts_with("#,\"Lưu ý: "), "{path}: {}", &vi[..80]);
        let (_, _, en) = text(&s, &format!("{path}&lang=en")).await;
        assert!(en.starts_with("#,\"Caveat: "), "{path}: {}", &en[..80]);
        // Past the caveats, an ordinary CSV.
        let mut rows = csv::ReaderBuilder::new()
            .comment(Some(b'#'))
            .from_reader(en.as_bytes());
        assert!(rows.headers().unwrap().len() > 5, "{path}");
        assert!(rows.records().next().is_some(), "{path}");
        let (status, _, _) = text(&s, &format!("{path}&lang=fr")).await;
        assert_eq!(status, 400, "{path}");
    }
    let (_, _, vi) = text(&s, "/api/v1/indicators?f=csv").await;
    assert!(vi.contains("số liệu minh họa"), "the readiness caveat");
    assert!(
        vi.contains("văn bằng minh họa"),
        "the demonstration credentials"
    );

    let (_, gj) = s.get_json("/api/v1/indicators?f=geojson").await;
    let caveats = &gj["indicators"]["data_caveats"];
    assert!(caveats[0]["vi"].as_str().unwrap().contains("minh họa"));
    assert!(caveats[0]["en"].as_str().unwrap().contains("illustrative"));
    assert_eq!(gj["indicators"]["province"].as_array().unwrap().len(), 14);
    for path in [
        "/api/v1/coverage?f=geojson",
        "/api/v1/coverage/grid?cell_km=5",
    ] {
        let (_, gj) = s.get_json(path).await;
        let c = gj["coverage"]["caveats"].to_string();
        assert!(
            c.contains("schematic") && c.contains("sơ đồ minh họa"),
            "{path}: {c}"
        );
    }
}

async fn verify(s: &TestServer, serial: &str, born: &str) -> Value {
    let r = s
        .client
        .post(s.url("/api/v1/credentials/verify"))
        .json(&json!({"serial": serial, "birth_date": born}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

#[tokio::test]
async fn a_demonstration_record_says_so_in_the_answer_and_in_its_signed_statement() {
    let s = spawn_bundled().await;
    let v = verify(&s, "DEMO-CD 000101", "2002-03-14").await;
    assert_eq!(v["result"], "valid");
    assert_eq!(v["demonstration"], true);
    assert!(v["notice"]["vi"].as_str().unwrap().contains("minh họa"));
    assert!(v["notice"]["en"].as_str().unwrap().contains("not a real"));
    let revoked = verify(&s, "DEMO-TC 000202", "2000-01-09").await;
    assert_eq!(
        (revoked["result"].clone(), revoked["demonstration"].clone()),
        (json!("revoked"), json!(true))
    );

    let link = v["statement"]["links"]["jws"].as_str().unwrap();
    let (status, _, jws) = text(&s, link).await;
    assert_eq!(status, 200);
    let (_, _, keys) = text(&s, "/.well-known/jwks.json").await;
    let keys: Jwks = serde_json::from_str(&keys).unwrap();
    let report = verify_offline(&jws, &keys, None).unwrap();
    assert!(report.demonstration);
    assert_eq!(
        report.credential["credentialSubject"]["demonstration"],
        true
    );
    assert!(
        report.credential["name"]
            .as_str()
            .unwrap()
            .contains("DEMONSTRATION")
    );
}

/// The JSON-LD block of an institution page.
fn json_ld(html: &str) -> Value {
    let start = html
        .find(r#"<script type="application/ld+json">"#)
        .expect("a JSON-LD block")
        + r#"<script type="application/ld+json">"#.len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

#[tokio::test]
async fn json_ld_carries_the_positions_accuracy_and_no_geo_for_a_town_centre_or_a_guess() {
    let s = spawn_bundled().await;
    // An approximate position and a town centre (data/README.md lists which is which).
    for (id, accuracy) in [
        ("cd-nghe-tra-vinh", "approximate"),
        ("gdnn-gdtx-cau-ke", "town"),
    ] {
        let (status, _, html) = text(&s, &format!("/institutions/{id}")).await;
        assert_eq!(status, 200);
        let ld = json_ld(&html);
        assert!(ld.get("geo").is_none(), "{id}: {ld}");
        assert_eq!(ld["additionalProperty"]["propertyID"], "position_accuracy");
        assert_eq!(ld["additionalProperty"]["value"], accuracy);
        assert!(
            !ld["additionalProperty"]["description"]
                .as_str()
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn each_indicator_has_a_progress_chart_in_either_language() {
    let s = spawn_bundled().await;
    let (status, body) = s.get_json("/api/v1/indicators/progress").await;
    assert_eq!(status, 200);
    assert_eq!(body["snapshots_stored"], false, "no database, no snapshots");
    let series = body["series"].as_array().unwrap();
    assert_eq!(series.len(), 14);
    let platform = series
        .iter()
        .find(|s| s["id"] == "digital_platform_connection")
        .unwrap();
    assert_eq!(platform["points"].as_array().unwrap().len(), 1, "now only");
    assert_eq!(platform["points"][0]["kind"], "now");
    assert_eq!(platform["targets"][1]["year"], 2030);

    let path = "/api/v1/indicators/digital_platform_connection/progress.svg";
    let (status, ct, vi) = text(&s, path).await;
    assert_eq!(status, 200);
    assert!(ct.starts_with("image/svg+xml"), "{ct}");
    assert!(vi.contains(">50% 2025<") && vi.contains(">100% 2030<"));
    assert!(vi.contains("mục tiêu") && !vi.contains("style="));
    let (_, _, en) = text(&s, &format!("{path}?lang=en")).await;
    assert!(en.contains(">target<") && en.contains("data-lang=\"en\""));
    // Not reported by the department: unknown, drawn apart.
    let (_, _, unknown) = text(&s, "/api/v1/indicators/reports_digital/progress.svg").await;
    assert!(unknown.contains("unknown-value"));
    let (status, _, _) = text(&s, "/api/v1/indicators/nonsense/progress.svg").await;
    assert_eq!(status, 404);
    let (status, _, _) = text(&s, &format!("{path}?lang=fr")).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn the_periodic_report_walks_the_twelve_targets_with_a_chart_for_each_indicator() {
    let s = spawn_bundled().await;
    let (status, _, vi) = text(&s, "/reports/periodic").await;
    assert_eq!(status, 200);
    for code in [
        "a1", "a2", "b1", "b2", "c1", "c2", "d1", "d2", "d3", "d4", "d5", "d6",
    ] {
        assert!(vi.contains(&format!("id=\"target-{code}\"")), "{code}");
    }
    assert_eq!(vi.matches("class=\"progress\"").count(), 14);
    assert!(vi.contains("Sở chưa báo cáo chỉ số này"));
    assert!(vi.contains("Hình thành bản đồ số mạng lưới cơ sở giáo dục nghề nghiệp"));
    let (_, _, en) = text(&s, "/reports/periodic?lang=en").await;
    assert!(en.contains("Our rendering (not an official translation)"));
    assert!(en.contains("The department has not reported this indicator"));
}

#[tokio::test]
async fn the_provinces_reports_need_the_database() {
    let s = spawn_bundled().await;
    let (status, body) = s.get_json("/api/v1/province-reports").await;
    assert_eq!(
        (status.as_u16(), body["code"].clone()),
        (503, json!("NeedsDatabase"))
    );
}

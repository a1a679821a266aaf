//! The base map's names and glyphs, black-box: the real server on the bundled data, base
//! tiles decoded with an independent MVT reader (`mvt-reader`), glyphs fetched as
//! MapLibre fetches them.

mod common;

use std::collections::BTreeSet;

use mvt_reader::feature::Value;
use reqwest::StatusCode;
use vetmap::tiles::TileCoord;

use common::{TestServer, spawn_bundled};

/// Former Trà Vinh province, with a margin.
const PROVINCE: [f64; 4] = [105.9, 9.5, 106.65, 10.1];

/// Every feature of the `places` layer in the base tiles covering the province at `z`,
/// as (kind, name, name_en, scheme, rank).
async fn places(s: &TestServer, z: u8) -> BTreeSet<(String, String, String, String, i64)> {
    let mut out = BTreeSet::new();
    for c in TileCoord::covering(z, PROVINCE) {
        let r = s
            .get(&format!("/tiles/base/{}/{}/{}.mvt", c.z, c.x, c.y))
            .await;
        if r.status() == StatusCode::NO_CONTENT {
            continue;
        }
        assert_eq!(r.status(), StatusCode::OK, "{c}");
        let reader =
            mvt_reader::Reader::new(r.bytes().await.expect("body").to_vec()).expect("a valid MVT");
        let meta = reader.get_layer_metadata().expect("layer metadata");
        let Some(layer) = meta.iter().find(|l| l.name == "places") else {
            continue;
        };
        for f in reader
            .get_features_as::<f64>(layer.layer_index)
            .expect("features decode")
        {
            let props = f.properties.expect("places carry properties");
            let text = |k: &str| match props.get(k) {
                Some(Value::String(s)) => s.clone(),
                None => String::new(),
                Some(other) => panic!("{k} is text, got {other:?}"),
            };
            let rank = match props.get("rank") {
                Some(Value::Int(n)) => *n,
                Some(Value::SInt(n)) => *n,
                Some(Value::UInt(n)) => *n as i64,
                other => panic!("rank is an integer, got {other:?}"),
            };
            assert!(!text("name").is_empty() && !text("name_en").is_empty());
            assert!(
                text("name_en").is_ascii(),
                "English names are plain Latin: {}",
                text("name_en")
            );
            out.insert((
                text("kind"),
                text("name"),
                text("name_en"),
                text("scheme"),
                rank,
            ));
        }
    }
    out
}

fn has(set: &BTreeSet<(String, String, String, String, i64)>, kind: &str, name: &str) -> bool {
    set.iter().any(|p| p.0 == kind && p.1 == name)
}

#[tokio::test]
async fn base_tiles_name_districts_and_towns_at_the_province_zoom_in_vietnamese_and_english() {
    let s = spawn_bundled().await;
    let z9 = places(&s, 9).await;
    // The nine pre-2025 districts, with their official names and diacritics.
    let districts: Vec<_> = z9.iter().filter(|p| p.0 == "district").collect();
    assert_eq!(districts.len(), 9, "{districts:?}");
    assert!(
        z9.contains(&(
            "district".into(),
            "Huyện Cầu Kè".into(),
            "Cau Ke District".into(),
            "pre2025".into(),
            2
        )),
        "{z9:?}"
    );
    assert!(has(&z9, "district", "Thị xã Duyên Hải"));
    // Towns from GeoNames, the provincial city first in rank.
    assert!(z9.contains(&(
        "city".into(),
        "Trà Vinh".into(),
        "Tra Vinh".into(),
        String::new(),
        1
    )));
    assert!(has(&z9, "town", "Tiểu Cần") && has(&z9, "town", "Vũng Liêm"));
    // Communes wait for a closer zoom.
    assert!(!z9.iter().any(|p| p.0 == "commune"), "{z9:?}");
    // A country view shows no district names.
    let z5 = places(&s, 5).await;
    assert!(
        !z5.iter().any(|p| p.0 == "district" || p.0 == "town"),
        "{z5:?}"
    );
}

#[tokio::test]
async fn closer_in_communes_of_both_codings_are_named_only_where_their_seat_is_known() {
    let s = spawn_bundled().await;
    let z12 = places(&s, 12).await;
    let communes: Vec<_> = z12.iter().filter(|p| p.0 == "commune").collect();
    // Both codings at the seat town of Cầu Kè: the 2025 commune and the old township.
    assert!(
        z12.contains(&(
            "commune".into(),
            "Xã Cầu Kè".into(),
            "Cau Ke Commune".into(),
            "2025".into(),
            4
        )),
        "{communes:?}"
    );
    assert!(z12.contains(&(
        "commune".into(),
        "Thị trấn Cầu Kè".into(),
        "Cau Ke Township".into(),
        "pre2025".into(),
        4
    )));
    // Seven townships whose town we hold, each with its 2025 commune (data/README.md).
    assert_eq!(communes.len(), 14, "{communes:?}");
    // Every named commune is a township or the 2025 commune of one (their seats are the
    // towns we hold); a ward with no known position is never placed.
    for c in &communes {
        assert!(
            c.1.starts_with("Thị trấn ") || c.3 == "2025",
            "unexpected commune label {c:?}"
        );
        assert!(!c.1.starts_with("Phường"), "{c:?}");
    }
    // The town's own name gives way to its communes' close in.
    assert!(!has(&z12, "town", "Cầu Kè"), "{z12:?}");
    assert!(has(&z12, "town", "Sóc Trăng") || has(&z12, "city", "Sóc Trăng"));
}

#[tokio::test]
async fn glyphs_are_served_by_us_for_the_ranges_vietnamese_needs() {
    let s = spawn_bundled().await;
    for range in ["0-255", "256-511", "7680-7935"] {
        let r = s
            .get(&format!("/fonts/Noto%20Sans%20Regular/{range}.pbf"))
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{range}");
        assert_eq!(r.headers()["content-type"], "application/x-protobuf");
        let body = r.bytes().await.expect("body");
        // A glyphs message opens with field 1 (the fontstack), length-delimited.
        assert_eq!(body.first(), Some(&0x0a), "{range} is a glyph protobuf");
        assert!(body.len() > 500, "{range}: {} bytes", body.len());
    }
    // MapLibre joins a stack with commas; the first font we hold answers.
    let r = s
        .get("/fonts/Open%20Sans%20Bold,Noto%20Sans%20Regular/0-255.pbf")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    // A range we do not ship is an empty glyph set, not an error.
    let r = s.get("/fonts/Noto%20Sans%20Regular/19968-20223.pbf").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.expect("body").is_empty());
    for bad in [
        "/fonts/Arial/0-255.pbf",
        "/fonts/Noto%20Sans%20Regular/0-256.pbf",
        "/fonts/Noto%20Sans%20Regular/..%2F..%2FCargo.toml",
        "/fonts/..%2Fdist/0-255.pbf",
    ] {
        let r = s.get(bad).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{bad}");
        let body: serde_json::Value = r.json().await.expect("a JSON error");
        assert_eq!(body["code"], "NotFound", "{bad}");
    }
}

//! A real OGC API – Features client against the real server: GDAL's OAPIF driver
//! (`ogrinfo`, Debian package gdal-bin). It must open both layers without errors, page
//! through them and show every feature with its attributes. Fails (never skips) when
//! ogrinfo is missing: `bash scripts/test.sh` installs gdal-bin.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use common::spawn_bundled;
use serde_json::Value;

async fn ogrinfo(args: Vec<String>) -> (String, String) {
    let out = tokio::task::spawn_blocking(move || Command::new("ogrinfo").args(&args).output())
        .await
        .expect("ogrinfo thread")
        .unwrap_or_else(|e| {
            panic!("ogrinfo (GDAL) is needed for this test: apt-get install gdal-bin ({e})")
        });
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "ogrinfo failed: {stderr}\n{stdout}");
    assert!(
        !stderr.contains("ERROR"),
        "ogrinfo reported errors: {stderr}"
    );
    (stdout, stderr)
}

/// One feature as `ogrinfo` prints it: its attributes, `(null)` for a null.
type GdalFeature = BTreeMap<String, String>;

/// The features of `layer` in `ogrinfo -al` output, by their `id` attribute. A feature
/// is an `OGRFeature(layer):n` line, then its attributes, then (after its geometry) an
/// empty line.
fn gdal_features(out: &str, layer: &str) -> BTreeMap<String, GdalFeature> {
    let header = format!("OGRFeature({layer}):");
    let mut features = BTreeMap::new();
    let mut lines = out.lines();
    while let Some(line) = lines.next() {
        if !line.starts_with(&header) {
            continue;
        }
        let attributes: GdalFeature = lines
            .by_ref()
            .take_while(|l| !l.is_empty())
            .filter_map(|l| {
                // "  name (String) = value"
                let (field, value) = l.trim_start().split_once(" = ")?;
                let (name, _type) = field.split_once(" (")?;
                Some((name.to_owned(), value.to_owned()))
            })
            .collect();
        let id = attributes
            .get("id")
            .unwrap_or_else(|| panic!("{line} has no id: {attributes:?}"))
            .clone();
        assert!(
            features.insert(id.clone(), attributes).is_none(),
            "GDAL read {id} twice"
        );
    }
    features
}

/// A property as ogrinfo prints it.
fn as_gdal(v: &Value) -> String {
    match v {
        Value::Null => "(null)".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn gdal_opens_both_layers_and_reads_every_feature_with_its_attributes() {
    let s = spawn_bundled().await;
    let source = format!("OAPIF:{}/", s.base);
    // A small page size makes GDAL follow our next links many times.
    let (out, _) = ogrinfo(vec![
        "-ro".into(),
        "-al".into(),
        "-oo".into(),
        "PAGE_SIZE=7".into(),
        source.clone(),
    ])
    .await;
    let compared = [
        (
            "institutions",
            &["name_vi", "name_en", "kind", "ownership"][..],
        ),
        (
            "admin-areas",
            &["scheme", "code", "name", "level", "parent_code"][..],
        ),
    ];
    for (coll, fields) in compared {
        let (_, fc) = s
            .get_json(&format!("/collections/{coll}/items?limit=1000"))
            .await;
        let expected = fc["numberMatched"].as_u64().unwrap() as usize;
        let read = out.matches(&format!("OGRFeature({coll}):")).count();
        assert_eq!(read, expected, "GDAL read {read} of {expected} {coll}");
        assert!(
            out.contains(&format!("Feature Count: {expected}")),
            "{coll} count"
        );
        let gdal = gdal_features(&out, coll);
        assert_eq!(
            gdal.len(),
            expected,
            "{coll}: every feature under its own id"
        );
        for f in fc["features"].as_array().unwrap() {
            let id = f["id"].as_str().unwrap();
            let got = gdal
                .get(id)
                .unwrap_or_else(|| panic!("GDAL did not read {coll} {id}"));
            for field in fields {
                assert_eq!(
                    got.get(*field),
                    Some(&as_gdal(&f["properties"][*field])),
                    "{coll} {id}: {field}"
                );
            }
        }
    }

    // The areas' ids are {scheme}-{code}, and their Vietnamese names keep their diacritics.
    let areas = gdal_features(&out, "admin-areas");
    for (id, a) in &areas {
        assert_eq!(*id, format!("{}-{}", a["scheme"], a["code"]));
    }
    for (id, name, level, scheme) in [
        ("pre2025-845", "Huyện Cầu Kè", "district", "pre2025"),
        ("pre2025-84", "Tỉnh Trà Vinh", "province", "pre2025"),
        ("2025-86", "Tỉnh Vĩnh Long", "province", "2025"),
    ] {
        let a = &areas[id];
        assert_eq!(
            (
                a["name"].as_str(),
                a["level"].as_str(),
                a["scheme"].as_str()
            ),
            (name, level, scheme),
            "{id}"
        );
    }
    let institutions = gdal_features(&out, "institutions");
    assert_eq!(
        institutions["gdnn-gdtx-cau-ke"]["name_vi"],
        "Trung tâm GDNN-GDTX huyện Cầu Kè"
    );
    assert!(out.contains("programme_count (Integer) = 11"));
    assert!(
        out.contains("POINT (106.3302 9.9561)"),
        "lon/lat order as GDAL reads it"
    );
    assert!(out.contains("MULTIPOLYGON ((("));

    // GDAL turns attribute and spatial filters into our query parameters.
    let (out, _) = ogrinfo(vec![
        "-ro".into(),
        "-al".into(),
        "-q".into(),
        "-where".into(),
        "kind = 'college'".into(),
        "-spat".into(),
        "106.3".into(),
        "9.9".into(),
        "106.4".into(),
        "10".into(),
        source,
        "institutions".into(),
    ])
    .await;
    let (_, fc) = s
        .get_json("/collections/institutions/items?kind=college&bbox=106.3,9.9,106.4,10")
        .await;
    assert_eq!(
        out.matches("OGRFeature(institutions):").count() as u64,
        fc["numberMatched"].as_u64().unwrap()
    );
    // Selective, so that filters both GDAL and the server ignored would not pass.
    let (_, every) = s.get_json("/collections/institutions/items?limit=1").await;
    let matched = fc["numberMatched"].as_u64().unwrap();
    assert!(matched > 0 && matched < every["numberMatched"].as_u64().unwrap());
}

//! A real OGC API – Features client against the real server: GDAL's OAPIF driver
//! (`ogrinfo`, Debian package gdal-bin). It must open both layers without errors, page
//! through them and show every feature with its attributes. Fails (never skips) when
//! ogrinfo is missing: `bash scripts/test.sh` installs gdal-bin.

mod common;

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
    for coll in ["institutions", "admin-areas"] {
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
        for f in fc["features"].as_array().unwrap() {
            let id = f["id"].as_str().unwrap();
            assert!(
                out.contains(&format!("id (String) = {id}\n")) || coll == "admin-areas",
                "{id} missing"
            );
            if let Value::String(name) = &f["properties"]["name_vi"] {
                assert!(
                    out.contains(&format!("name_vi (String) = {name}\n")),
                    "{name} missing"
                );
            }
        }
    }
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
    assert!(fc["numberMatched"].as_u64().unwrap() > 0);
}

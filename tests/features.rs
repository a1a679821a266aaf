//! OGC API – Features end to end: the real server on the bundled data, spoken to over
//! HTTP. Expected answers are computed from the plain `/api/v1/institutions` list (a
//! different code path), never copied from the output under test.

mod common;

use std::collections::BTreeSet;

use common::{TestServer, bundled_config, repo_path, scratch_dir, spawn, spawn_bundled};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, HeaderMap};
use serde_json::Value;

/// A test on an institution of the plain list.
type Predicate = Box<dyn Fn(&Value) -> bool>;

/// The institutions as the plain list reports them: the oracle.
async fn all_institutions(s: &TestServer) -> Vec<Value> {
    let (_, list) = s.get_json("/api/v1/institutions").await;
    list["institutions"].as_array().unwrap().clone()
}

fn ids(fc: &Value) -> BTreeSet<String> {
    fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect()
}

fn ids_where(all: &[Value], pred: impl Fn(&Value) -> bool) -> BTreeSet<String> {
    all.iter()
        .filter(|i| pred(i))
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Institutions whose bundled record is changed by [`spawn_varied`], and how.
const VARIED: [(&str, &str, &str); 7] = [
    ("cd-nghe-tra-vinh", "updated_at", "2019-06-01T00:00:00Z"),
    ("dh-tra-vinh", "updated_at", "2021-03-15T08:30:00Z"),
    ("gdnn-gdtx-cau-ke", "updated_at", "2023-01-01T00:00:00Z"),
    ("gdnn-gdtx-cau-ke", "ownership", "private"),
    ("gdnn-gdtx-tra-cu", "ownership", "foreign_invested"),
    ("dh-tra-vinh", "digital_school", "true"),
    ("cd-y-te-tra-vinh", "digital_school", "true"),
];

/// The server on a copy of `data/` in which [`VARIED`] is applied. The bundled
/// institutions all share one `updated_at`, are all public and none is a digital school,
/// so filters on those fields would select everything (or nothing) whether they work or
/// are ignored; here each of them splits the records.
async fn spawn_varied() -> TestServer {
    let dir = scratch_dir("varied-data");
    for entry in std::fs::read_dir(repo_path("data")).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        }
    }
    let path = dir.join("institutions.geojson");
    let mut fc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for (id, field, value) in VARIED {
        let feature = fc["features"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|f| f["id"] == id)
            .unwrap_or_else(|| panic!("{id} is no longer in data/institutions.geojson"));
        let value = match value {
            "true" => Value::Bool(true),
            text => Value::from(text),
        };
        feature["properties"][field] = value;
    }
    std::fs::write(&path, fc.to_string()).unwrap();
    let mut config = bundled_config();
    config.data_dir = dir;
    spawn(config).await
}

/// Every institution but `except`, by id: for filters that leave out a few.
fn all_but(all: &[Value], except: &[&str]) -> BTreeSet<String> {
    let ids = ids_where(all, |i| !except.contains(&i["id"].as_str().unwrap()));
    assert_eq!(
        ids.len(),
        all.len() - except.len(),
        "{except:?} are all known"
    );
    ids
}

fn id_set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|id| (*id).to_owned()).collect()
}

/// A filter test means something only if the filter's answer differs from both the
/// unfiltered answer and the empty one.
fn assert_selective(expected: &BTreeSet<String>, all: &[Value], what: &str) {
    assert!(
        !expected.is_empty() && expected.len() < all.len(),
        "{what}: expects {} of {} records, so it would pass with the filter ignored or \
         matching nothing",
        expected.len(),
        all.len()
    );
}

async fn items(s: &TestServer, query: &str) -> Value {
    let (status, body) = s
        .get_json(&format!(
            "/collections/institutions/items?limit=1000&{query}"
        ))
        .await;
    assert_eq!(status, 200, "{query}: {body}");
    body
}

async fn error(s: &TestServer, path: &str) -> (StatusCode, Value) {
    let r = s.get(path).await;
    let status = r.status();
    let body: Value = r.json().await.expect("errors are JSON");
    assert!(body["code"].is_string(), "{body}");
    assert!(body["description"].is_string(), "{body}");
    (status, body)
}

#[tokio::test]
async fn landing_page_is_json_for_clients_html_on_request_and_the_web_map_for_browsers() {
    let s = spawn_bundled().await;
    let r = s
        .client
        .get(s.url("/"))
        .header(ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let doc: Value = r.json().await.unwrap();
    let rels: BTreeSet<&str> = doc["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["rel"].as_str().unwrap())
        .collect();
    for rel in ["self", "service-desc", "conformance", "data"] {
        assert!(rels.contains(rel), "{rel} missing from {rels:?}");
    }

    let html = s.get("/?f=html").await;
    assert!(
        html.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(html.text().await.unwrap().contains("/collections?f=html"));

    let browser = s
        .client
        .get(s.url("/"))
        .header(ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(browser.status(), 200);
    let page = browser.text().await.unwrap();
    let web_map = std::fs::read_to_string(common::repo_path("web/index.html")).unwrap();
    assert_eq!(page, web_map, "browsers get the web map at /");
}

#[tokio::test]
async fn conformance_declares_core_geojson_html_openapi_and_cql2() {
    let s = spawn_bundled().await;
    let (status, doc) = s.get_json("/conformance").await;
    assert_eq!(status, 200);
    let classes: Vec<&str> = doc["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for suffix in [
        "features-1/1.0/conf/core",
        "conf/geojson",
        "conf/html",
        "conf/oas30",
        "features-3/1.0/conf/filter",
        "cql2/1.0/conf/basic-cql2",
        "cql2/1.0/conf/cql2-text",
    ] {
        assert!(
            classes.iter().any(|c| c.ends_with(suffix)),
            "{suffix} not in {classes:?}"
        );
    }
}

#[tokio::test]
async fn openapi_document_describes_every_endpoint_with_its_parameters_and_errors() {
    let s = spawn_bundled().await;
    let r = s.get("/api").await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/vnd.oai.openapi+json")
    );
    let doc: Value = r.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.0"));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/",
        "/conformance",
        "/api",
        "/collections",
        "/collections/{collectionId}",
        "/collections/{collectionId}/queryables",
        "/collections/{collectionId}/items",
        "/collections/{collectionId}/items/{featureId}",
        "/health",
        "/ready",
        "/api/v1/institutions",
    ] {
        assert!(paths.contains_key(p), "{p} missing from the OpenAPI paths");
    }
    let items = &paths["/collections/{collectionId}/items"]["get"];
    let param = |name: &str| {
        items["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .cloned()
    };
    let collection = param("collectionId").expect("collectionId documented");
    assert_eq!(
        collection["schema"]["pattern"],
        "^(institutions|admin-areas)$"
    );
    let names: BTreeSet<String> = items["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    for n in [
        "bbox",
        "limit",
        "offset",
        "kind",
        "ownership",
        "district",
        "commune",
        "occupation",
        "level",
        "q",
        "properties",
        "sortby",
        "filter",
        "digital_school",
        "scheme",
        "parent",
    ] {
        assert!(names.contains(n), "{n} not documented: {names:?}");
    }
    for status in ["400", "404", "406", "304"] {
        assert!(
            items["responses"].get(status).is_some(),
            "{status} not documented"
        );
    }
    let limit = param("limit").expect("limit documented")["schema"].clone();
    let (_, coll) = s.get_json("/collections/institutions").await;
    assert_eq!(limit["maximum"], coll["limit"]["maximum"]);
    assert_eq!(limit["default"], coll["limit"]["default"]);
}

#[tokio::test]
async fn collections_list_both_layers_with_extent_and_unknown_ones_are_404() {
    let s = spawn_bundled().await;
    let (status, doc) = s.get_json("/collections").await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = doc["collections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["institutions", "admin-areas"]);
    let all = all_institutions(&s).await;
    let bbox = &doc["collections"][0]["extent"]["spatial"]["bbox"][0];
    for i in &all {
        let (lon, lat) = (
            i["location"][0].as_f64().unwrap(),
            i["location"][1].as_f64().unwrap(),
        );
        assert!(lon >= bbox[0].as_f64().unwrap() && lon <= bbox[2].as_f64().unwrap());
        assert!(lat >= bbox[1].as_f64().unwrap() && lat <= bbox[3].as_f64().unwrap());
    }
    let (status, body) = error(&s, "/collections/schools").await;
    assert_eq!(status, 404);
    assert_eq!(body["code"], "NotFound");
    let (status, _) = error(&s, "/collections/schools/items").await;
    assert_eq!(status, 404);
    let (status, _) = error(&s, "/collections/institutions/items/no-such-school").await;
    assert_eq!(status, 404);
    let (status, _) = error(&s, "/collections/admin-areas/items/pre2025-99999").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn items_are_rfc7946_geojson_with_stable_ids_and_links() {
    let s = spawn_bundled().await;
    let r = s.get("/collections/institutions/items").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/geo+json");
    let fc: Value = r.json().await.unwrap();
    assert_eq!(fc["type"], "FeatureCollection");
    assert!(fc.get("crs").is_none());
    assert!(chrono::DateTime::parse_from_rfc3339(fc["timeStamp"].as_str().unwrap()).is_ok());
    let all = all_institutions(&s).await;
    assert_eq!(fc["numberMatched"], all.len());
    assert_eq!(fc["numberReturned"], all.len());
    for f in fc["features"].as_array().unwrap() {
        let id = f["id"].as_str().unwrap();
        let oracle = all
            .iter()
            .find(|i| i["id"] == id)
            .expect("same ids as the plain list");
        assert_eq!(f["geometry"]["type"], "Point");
        let c = &f["geometry"]["coordinates"];
        // lon first; Trà Vinh is near 106°E, 10°N.
        assert!((c[0].as_f64().unwrap() - oracle["location"][0].as_f64().unwrap()).abs() < 1e-7);
        assert!((c[1].as_f64().unwrap() - oracle["location"][1].as_f64().unwrap()).abs() < 1e-7);
        for x in c.as_array().unwrap() {
            let text = x.to_string();
            let decimals = text.split('.').nth(1).map_or(0, str::len);
            assert!(decimals <= 7, "{text} has more than 7 decimals");
        }
        assert_eq!(f["properties"]["name_vi"], oracle["name_vi"]);
        let rels: Vec<(&str, &str)> = f["links"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| (l["rel"].as_str().unwrap(), l["href"].as_str().unwrap()))
            .collect();
        assert!(
            rels.iter()
                .any(|(r, h)| *r == "alternate" && h.ends_with(&format!("/items/{id}?f=html")))
        );
        assert!(rels.iter().any(
            |(r, h)| *r == "describedby" && h.ends_with(&format!("/api/v1/institutions/{id}"))
        ));
        assert!(
            rels.iter()
                .any(|(r, h)| *r == "related" && h.ends_with(&format!("/institutions/{id}")))
        );
        // The single feature is the same feature.
        let (status, one) = s
            .get_json(&format!("/collections/institutions/items/{id}"))
            .await;
        assert_eq!(status, 200);
        assert_eq!(one["properties"], f["properties"]);
    }
}

#[tokio::test]
async fn paging_with_next_links_returns_every_feature_exactly_once_and_prev_goes_back() {
    let s = spawn_bundled().await;
    for coll in ["institutions", "admin-areas"] {
        let mut url = s.url(&format!("/collections/{coll}/items?limit=5"));
        let mut seen = Vec::new();
        let mut matched = None;
        let mut pages = 0;
        loop {
            let page: Value = s
                .client
                .get(&url)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            pages += 1;
            assert!(page["numberReturned"].as_u64().unwrap() <= 5);
            assert_eq!(
                page["numberReturned"].as_u64().unwrap() as usize,
                page["features"].as_array().unwrap().len()
            );
            let m = page["numberMatched"].as_u64().unwrap();
            assert_eq!(
                *matched.get_or_insert(m),
                m,
                "numberMatched is stable across pages"
            );
            seen.extend(
                page["features"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f["id"].as_str().unwrap().to_owned()),
            );
            let link = |rel: &str| {
                page["links"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|l| l["rel"] == rel)
                    .map(|l| l["href"].as_str().unwrap().to_owned())
            };
            if pages > 1 {
                let prev: Value = s
                    .client
                    .get(link("prev").expect("a prev link after the first page"))
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                assert_eq!(
                    prev["features"][0]["id"].as_str().unwrap(),
                    seen[seen.len() - page["features"].as_array().unwrap().len() - 5]
                );
            } else {
                assert!(link("prev").is_none());
            }
            match link("next") {
                Some(next) => url = next,
                None => break,
            }
        }
        let unique: BTreeSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "{coll}: a feature came twice");
        assert_eq!(
            seen.len() as u64,
            matched.unwrap(),
            "{coll}: every feature once"
        );
        assert!(pages > 2, "{coll}: several pages were walked");
    }
}

#[tokio::test]
async fn limit_defaults_and_caps_and_offset_past_the_end_is_empty() {
    let s = spawn_bundled().await;
    let (_, coll) = s.get_json("/collections/admin-areas").await;
    let default = coll["limit"]["default"].as_u64().unwrap();
    let max = coll["limit"]["maximum"].as_u64().unwrap();
    let (_, page) = s.get_json("/collections/admin-areas/items").await;
    assert_eq!(
        page["numberReturned"].as_u64().unwrap(),
        default.min(page["numberMatched"].as_u64().unwrap())
    );
    let (status, page) = s
        .get_json(&format!(
            "/collections/admin-areas/items?limit={}",
            max * 10
        ))
        .await;
    assert_eq!(
        status, 200,
        "a limit above the maximum is served as the maximum"
    );
    assert!(page["numberReturned"].as_u64().unwrap() <= max);
    let (_, page) = s
        .get_json("/collections/institutions/items?offset=500")
        .await;
    assert_eq!(page["numberReturned"], 0);
    assert!(
        page["links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["rel"] == "prev")
    );
}

#[tokio::test]
async fn bbox_includes_points_on_the_boundary_and_rejects_bad_boxes() {
    let s = spawn_bundled().await;
    let all = all_institutions(&s).await;
    let p = &all[0]["location"];
    let (lon, lat) = (p[0].as_f64().unwrap(), p[1].as_f64().unwrap());
    // The point is the box's south-west corner, then its north-east corner.
    for bbox in [
        format!("{lon},{lat},{},{}", lon + 0.5, lat + 0.5),
        format!("{},{},{lon},{lat}", lon - 0.5, lat - 0.5),
    ] {
        let got = ids(&items(&s, &format!("bbox={bbox}")).await);
        assert!(
            got.contains(all[0]["id"].as_str().unwrap()),
            "{bbox}: {got:?}"
        );
        let expected = ids_where(&all, |i| {
            let b: Vec<f64> = bbox.split(',').map(|x| x.parse().unwrap()).collect();
            let (x, y) = (
                i["location"][0].as_f64().unwrap(),
                i["location"][1].as_f64().unwrap(),
            );
            x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3]
        });
        assert_selective(&expected, &all, &bbox);
        assert_eq!(got, expected);
    }
    // A degenerate box (a point) still finds what is exactly there.
    assert_eq!(
        ids(&items(&s, &format!("bbox={lon},{lat},{lon},{lat}")).await).len(),
        1
    );
    assert_eq!(items(&s, "bbox=0,0,1,1").await["numberMatched"], 0);
    for bad in [
        "106.5,9.5,106,10",
        "106,10,106.5,9.5",
        "106,9.5,181,10",
        "-200,0,0,1",
        "106,-91,107,0",
        "1,2,3",
        "1,2,3,4,5",
        "a,b,c,d",
        "",
    ] {
        let (status, body) =
            error(&s, &format!("/collections/institutions/items?bbox={bad}")).await;
        assert_eq!(status, 400, "bbox={bad}");
        assert_eq!(body["parameter"], "bbox");
    }
    let (status, body) = error(
        &s,
        "/collections/institutions/items?bbox=0,0,1,1&bbox-crs=EPSG:3857",
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["parameter"], "bbox-crs");
}

#[tokio::test]
async fn property_filters_select_what_the_plain_list_says() {
    let s = spawn_varied().await;
    let all = all_institutions(&s).await;
    let has_programme =
        |i: &Value, f: &dyn Fn(&Value) -> bool| i["programmes"].as_array().unwrap().iter().any(f);
    let cases: Vec<(&str, Predicate)> = vec![
        ("kind=college", Box::new(|i: &Value| i["kind"] == "college")),
        (
            "kind=college,university",
            Box::new(|i: &Value| i["kind"] == "college" || i["kind"] == "university"),
        ),
        (
            "ownership=public",
            Box::new(|i: &Value| i["ownership"] == "public"),
        ),
        (
            "ownership=private",
            Box::new(|i: &Value| i["ownership"] == "private"),
        ),
        (
            "district=842",
            Box::new(|i: &Value| i["admin"]["district_pre2025"] == "842"),
        ),
        (
            "commune=29398",
            Box::new(|i: &Value| i["admin"]["commune_2025"] == "29398"),
        ),
        (
            "commune_pre2025=29308",
            Box::new(|i: &Value| i["admin"]["commune_pre2025"] == "29308"),
        ),
        (
            "occupation=6480201",
            Box::new(move |i: &Value| has_programme(i, &|p| p["occupation_code"] == "6480201")),
        ),
        (
            "level=college",
            Box::new(move |i: &Value| has_programme(i, &|p| p["level"] == "college")),
        ),
        (
            "occupation=5520123&level=intermediate",
            Box::new(move |i: &Value| {
                has_programme(i, &|p| {
                    p["occupation_code"] == "5520123" && p["level"] == "intermediate"
                })
            }),
        ),
        (
            "digital_infrastructure=true",
            Box::new(|i: &Value| i["readiness"]["digital_infrastructure"] == true),
        ),
        (
            "connected_national_platform=false",
            Box::new(|i: &Value| i["readiness"]["connected_national_platform"] == false),
        ),
        (
            "digitised_learning_records=true",
            Box::new(|i: &Value| i["readiness"]["digitised_learning_records"] == true),
        ),
        (
            "digitised_diplomas=true",
            Box::new(|i: &Value| i["readiness"]["digitised_diplomas"] == true),
        ),
        (
            "high_quality_school=true",
            Box::new(|i: &Value| i["readiness"]["high_quality_school"] == true),
        ),
        (
            "digital_school=false",
            Box::new(|i: &Value| i["readiness"]["digital_school"] == false),
        ),
    ];
    for (query, pred) in cases {
        let expected = ids_where(&all, pred);
        assert_selective(&expected, &all, query);
        let got = items(&s, query).await;
        assert_eq!(ids(&got), expected, "{query}");
        assert_eq!(got["numberMatched"], expected.len(), "{query}");
    }
    // `updated_at` as VARIED sets it: cd-nghe-tra-vinh 2019-06-01, dh-tra-vinh
    // 2021-03-15T08:30, gdnn-gdtx-cau-ke 2023-01-01, every other one 2026-11-28.
    let dated = [
        (
            "datetime=2020-01-01T00:00:00Z/..",
            all_but(&all, &["cd-nghe-tra-vinh"]),
        ),
        ("datetime=../2020-01-01", id_set(&["cd-nghe-tra-vinh"])),
        (
            "datetime=2020-01-01/2024-01-01",
            id_set(&["dh-tra-vinh", "gdnn-gdtx-cau-ke"]),
        ),
        // Bounds are included.
        ("datetime=2021-03-15T08:30:00Z", id_set(&["dh-tra-vinh"])),
        (
            "datetime=2021-03-15T08:30:00Z/..",
            all_but(&all, &["cd-nghe-tra-vinh"]),
        ),
        (
            "datetime=../2021-03-15T08:30:00Z",
            id_set(&["cd-nghe-tra-vinh", "dh-tra-vinh"]),
        ),
        (
            "datetime=../2021-03-15T08:29:59Z",
            id_set(&["cd-nghe-tra-vinh"]),
        ),
    ];
    for (query, expected) in dated {
        assert_selective(&expected, &all, query);
        let got = items(&s, query).await;
        assert_eq!(ids(&got), expected, "{query}");
        assert_eq!(got["numberMatched"], expected.len(), "{query}");
    }
    for (bad, param) in [
        ("kind=castle", "kind"),
        ("district=84", "district"),
        ("occupation=123", "occupation"),
        ("level=phd", "level"),
        ("digital_school=yes", "digital_school"),
        ("datetime=yesterday", "datetime"),
        ("commune=", "commune"),
    ] {
        let (status, body) = error(&s, &format!("/collections/institutions/items?{bad}")).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(body["parameter"], param, "{bad}");
    }
}

#[tokio::test]
async fn free_text_ignores_vietnamese_diacritics() {
    let s = spawn_bundled().await;
    let all = all_institutions(&s).await;
    let with = |word: &str| ids_where(&all, |i| i["name_vi"].as_str().unwrap().contains(word));
    // Programme names are searched too.
    let nursing = ids_where(&all, |i| {
        i["programmes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["occupation_name"] == "Điều dưỡng")
    });
    for (query, expected) in [
        ("q=cao%20dang%20nghe", with("Cao đẳng Nghề")),
        ("q=CAU%20KE", with("Cầu Kè")),
        ("q=%C4%90%E1%BA%A1i%20h%E1%BB%8Dc", with("Đại học")),
        ("q=dieu%20duong", nursing),
    ] {
        assert_selective(&expected, &all, query);
        assert_eq!(ids(&items(&s, query).await), expected, "{query}");
    }
    assert_eq!(items(&s, "q=zzzz").await["numberMatched"], 0);
}

#[tokio::test]
async fn properties_selects_fields_and_sortby_orders_with_stable_ties() {
    let s = spawn_bundled().await;
    let fc = items(&s, "properties=name_vi,kind").await;
    for f in fc["features"].as_array().unwrap() {
        let keys: BTreeSet<&str> = f["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, BTreeSet::from(["name_vi", "kind"]));
        assert!(f["id"].is_string() && f["geometry"].is_object());
    }
    let (status, body) = error(
        &s,
        "/collections/institutions/items?properties=name_vi,colour",
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["parameter"], "properties");

    let fc = items(
        &s,
        "sortby=-programme_count,name_vi&properties=programme_count,name_vi",
    )
    .await;
    let got: Vec<(i64, String)> = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["properties"]["programme_count"].as_i64().unwrap(),
                f["properties"]["name_vi"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let mut expected = got.clone();
    expected.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    assert_eq!(got, expected);
    assert_eq!(got.len(), all_institutions(&s).await.len());
    let (status, body) = error(&s, "/collections/institutions/items?sortby=colour").await;
    assert_eq!(status, 400);
    assert_eq!(body["parameter"], "sortby");
}

#[tokio::test]
async fn cql2_filters_select_and_bad_filters_say_why() {
    let s = spawn_varied().await;
    let all = all_institutions(&s).await;
    let enc = |f: &str| {
        f.replace('%', "%25")
            .replace(' ', "%20")
            .replace('\'', "%27")
            .replace('=', "%3D")
            .replace('>', "%3E")
            .replace('<', "%3C")
            .replace(',', "%2C")
            .replace('(', "%28")
            .replace(')', "%29")
            .replace('"', "%22")
            .replace('{', "%7B")
            .replace('}', "%7D")
            .replace(':', "%3A")
            .replace('[', "%5B")
            .replace(']', "%5D")
    };
    let programmes = |i: &Value| i["programmes"].as_array().unwrap().len();
    let cases: Vec<(&str, Predicate)> = vec![
        (
            "kind = 'college'",
            Box::new(|i: &Value| i["kind"] == "college"),
        ),
        (
            "kind <> 'college' AND programme_count >= 3",
            Box::new(move |i: &Value| i["kind"] != "college" && programmes(i) >= 3),
        ),
        (
            "district_pre2025 IN ('845', '846') OR name_vi LIKE 'Trường%'",
            Box::new(|i: &Value| {
                ["845", "846"].contains(&i["admin"]["district_pre2025"].as_str().unwrap_or(""))
                    || i["name_vi"].as_str().unwrap().starts_with("Trường")
            }),
        ),
        (
            "commune_2025 IS NULL",
            Box::new(|i: &Value| i["admin"]["commune_2025"].is_null()),
        ),
        (
            "NOT (teachers_digital_trained_pct > 50)",
            Box::new(|i: &Value| {
                i["readiness"]["teachers_digital_trained_pct"]
                    .as_f64()
                    .is_some_and(|p| p <= 50.0)
            }),
        ),
        (
            "digital_infrastructure = true",
            Box::new(|i: &Value| i["readiness"]["digital_infrastructure"] == true),
        ),
        (
            "S_INTERSECTS(geometry, BBOX(106.3, 9.9, 106.4, 10))",
            Box::new(|i: &Value| {
                let (x, y) = (
                    i["location"][0].as_f64().unwrap(),
                    i["location"][1].as_f64().unwrap(),
                );
                (106.3..=106.4).contains(&x) && (9.9..=10.0).contains(&y)
            }),
        ),
        (
            "ownership <> 'public'",
            Box::new(|i: &Value| i["ownership"] != "public"),
        ),
        (
            "digital_school = true",
            Box::new(|i: &Value| i["readiness"]["digital_school"] == true),
        ),
    ];
    for (filter, pred) in cases {
        let expected = ids_where(&all, pred);
        assert_selective(&expected, &all, filter);
        let got = items(&s, &format!("filter={}", enc(filter))).await;
        assert_eq!(ids(&got), expected, "{filter}");
    }
    // `updated_at` as VARIED sets it (see property_filters_select_what_the_plain_list_says).
    for (filter, expected) in [
        (
            "updated_at >= TIMESTAMP('2021-03-15T08:30:00Z')",
            all_but(&all, &["cd-nghe-tra-vinh"]),
        ),
        (
            "updated_at < TIMESTAMP('2023-01-01T00:00:00Z')",
            id_set(&["cd-nghe-tra-vinh", "dh-tra-vinh"]),
        ),
        (
            "updated_at > TIMESTAMP('2020-01-01T00:00:00Z') AND kind = 'gdnn_gdtx_centre' \
             AND updated_at <= TIMESTAMP('2024-01-01T00:00:00Z')",
            id_set(&["gdnn-gdtx-cau-ke"]),
        ),
    ] {
        assert_selective(&expected, &all, filter);
        let got = items(&s, &format!("filter={}", enc(filter))).await;
        assert_eq!(ids(&got), expected, "{filter}");
    }
    // A point exactly at an institution.
    let p = &all[3]["location"];
    let got = items(
        &s,
        &format!(
            "filter={}",
            enc(&format!("S_INTERSECTS(geometry, POINT({} {}))", p[0], p[1]))
        ),
    )
    .await;
    assert_eq!(
        ids(&got),
        BTreeSet::from([all[3]["id"].as_str().unwrap().to_owned()])
    );
    // cql2-json too.
    let json_filter = r#"{"op":"=","args":[{"property":"kind"},"university"]}"#;
    let got = items(
        &s,
        &format!("filter-lang=cql2-json&filter={}", enc(json_filter)),
    )
    .await;
    assert_eq!(ids(&got), ids_where(&all, |i| i["kind"] == "university"));
    // Areas: the units of one scheme at one level.
    let (_, areas) = s
        .get_json(&format!(
            "/collections/admin-areas/items?limit=1000&filter={}",
            enc("scheme = '2025' AND level = 'province'")
        ))
        .await;
    assert_eq!(areas["numberMatched"], 1);

    for bad in [
        "kind = ",
        "colour = 'red'",
        "programme_count = 'many'",
        "S_INTERSECTS(geometry, BBOX(107, 9, 106, 10))",
        "kind ~ 'x'",
    ] {
        let (status, body) = error(
            &s,
            &format!("/collections/institutions/items?filter={}", enc(bad)),
        )
        .await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(body["parameter"], "filter", "{bad}");
    }
    let (status, body) = error(
        &s,
        "/collections/institutions/items?filter=true&filter-lang=sql",
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["parameter"], "filter-lang");
    let (_, q) = s.get_json("/collections/institutions/queryables").await;
    assert_eq!(q["properties"]["programme_count"]["type"], "number");
    assert_eq!(
        q["properties"]["geometry"]["x-ogc-role"],
        "primary-geometry"
    );
}

#[tokio::test]
async fn admin_areas_pick_a_scheme_and_have_right_hand_polygons_or_null_geometry() {
    let s = spawn_bundled().await;
    let (_, every) = s
        .get_json("/collections/admin-areas/items?limit=1000")
        .await;
    let (_, pre) = s
        .get_json("/collections/admin-areas/items?limit=1000&scheme=pre2025")
        .await;
    let (_, new) = s
        .get_json("/collections/admin-areas/items?limit=1000&scheme=2025")
        .await;
    let n = |v: &Value| v["numberMatched"].as_u64().unwrap();
    assert!(n(&pre) > 0 && n(&new) > 0);
    assert_eq!(n(&pre) + n(&new), n(&every));
    for f in pre["features"].as_array().unwrap() {
        assert!(f["id"].as_str().unwrap().starts_with("pre2025-"));
        assert_eq!(f["properties"]["scheme"], "pre2025");
    }
    let (_, districts) = s
        .get_json("/collections/admin-areas/items?limit=1000&scheme=pre2025&level=district")
        .await;
    assert_eq!(n(&districts), 9, "Trà Vinh had nine district-level units");
    let mut polygons = 0;
    for f in every["features"].as_array().unwrap() {
        match f["geometry"]["type"].as_str() {
            Some("MultiPolygon") => {
                polygons += 1;
                for poly in f["geometry"]["coordinates"].as_array().unwrap() {
                    for (k, ring) in poly.as_array().unwrap().iter().enumerate() {
                        let pts: Vec<(f64, f64)> = ring
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|c| (c[0].as_f64().unwrap(), c[1].as_f64().unwrap()))
                            .collect();
                        assert_eq!(pts.first(), pts.last(), "rings are closed");
                        let area2: f64 = pts
                            .windows(2)
                            .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
                            .sum();
                        assert_eq!(
                            area2 > 0.0,
                            k == 0,
                            "exterior counter-clockwise, holes clockwise: {}",
                            f["id"]
                        );
                    }
                }
            }
            None => assert!(f["geometry"].is_null() && f["properties"]["level"] == "commune"),
            Some(other) => panic!("unexpected geometry {other}"),
        }
    }
    assert!(polygons >= 10);
    let (status, one) = s
        .get_json("/collections/admin-areas/items/pre2025-845")
        .await;
    assert_eq!(status, 200);
    assert_eq!(one["properties"]["name"], "Huyện Cầu Kè");
    // The units valid on a day after the reform are the 2025 ones.
    let (_, after) = s
        .get_json("/collections/admin-areas/items?limit=1000&datetime=2026-01-01")
        .await;
    assert!(n(&new) < n(&every));
    assert_eq!(ids(&after), ids(&new));
    let (status, body) = error(&s, "/collections/admin-areas/items?scheme=1990").await;
    assert_eq!(status, 400);
    assert_eq!(body["parameter"], "scheme");
    let (_, hit) = s.get_json("/collections/admin-areas/items?limit=1000&scheme=pre2025&level=district&bbox=106.05,9.87,106.06,9.88").await;
    assert!(
        ids(&hit).contains("pre2025-845"),
        "the box around Cầu Kè town meets its district"
    );
}

#[tokio::test]
async fn malformed_parameters_are_400s_naming_the_parameter() {
    let s = spawn_bundled().await;
    for (query, param) in [
        ("limit=0", "limit"),
        ("limit=ten", "limit"),
        ("limit=-5", "limit"),
        ("offset=-1", "offset"),
        ("offset=x", "offset"),
        ("colour=red", "colour"),
        ("kind=college&kind=university", "kind"),
        ("crs=EPSG:4326", "crs"),
    ] {
        let (status, body) = error(&s, &format!("/collections/institutions/items?{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(body["code"], "InvalidParameterValue");
        assert_eq!(body["parameter"], param, "{query}");
    }
    let (status, body) = error(&s, "/collections?limit=3").await;
    assert_eq!(status, 400);
    assert_eq!(body["parameter"], "limit");
}

#[tokio::test]
async fn formats_we_do_not_serve_are_406() {
    let s = spawn_bundled().await;
    let (status, body) = error(&s, "/collections/institutions/items?f=xml").await;
    assert_eq!(status, 406);
    assert_eq!(body["code"], "NotAcceptable");
    let r = s
        .client
        .get(s.url("/collections/institutions/items"))
        .header(ACCEPT, "application/xml")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 406);
    let r = s
        .client
        .get(s.url("/collections"))
        .header(ACCEPT, "image/png")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 406);
    // JSON by Accept for a GeoJSON resource is fine.
    let r = s
        .client
        .get(s.url("/collections/institutions/items"))
        .header(ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn html_pages_are_vietnamese_first_and_escaped() {
    let s = spawn_bundled().await;
    for path in [
        "/collections?f=html",
        "/collections/institutions?f=html",
        "/conformance?f=html",
        "/collections/admin-areas/items?f=html&scheme=2025",
    ] {
        let r = s.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let page = r.text().await.unwrap();
        assert!(
            page.starts_with("<!doctype html><html lang=\"vi\">"),
            "{path}"
        );
    }
    let r = s
        .client
        .get(s.url("/collections/institutions/items/gdnn-gdtx-cau-ke"))
        .header(ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    let page = r.text().await.unwrap();
    assert!(page.contains("Trung tâm GDNN-GDTX huyện Cầu Kè"));
    assert!(page.contains("Chương trình đào tạo / Programmes"));
    let page = s
        .get("/collections/institutions/items?f=html&limit=5")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Trang sau / Next page"));
    // A query value is echoed in links, escaped.
    let page = s
        .get("/collections/institutions/items?f=html&q=%3Cscript%3E")
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains("<script>"));
}

#[tokio::test]
async fn responses_revalidate_with_304_and_carry_caching_and_cors_headers() {
    let s = spawn_bundled().await;
    for path in [
        "/collections/institutions/items?kind=college",
        "/collections/admin-areas/items/pre2025-845",
        "/collections",
        "/?f=json",
        "/conformance",
    ] {
        let r = s
            .client
            .get(s.url(path))
            .header("origin", "https://portal.example.vn")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path}");
        let h: HeaderMap = r.headers().clone();
        assert_eq!(h["access-control-allow-origin"], "*", "{path}");
        assert!(h["cache-control"].to_str().unwrap().contains("max-age"));
        let etag = h["etag"].to_str().unwrap().to_owned();
        let last_modified = h["last-modified"].to_str().unwrap().to_owned();

        let again = s
            .client
            .get(s.url(path))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{path}");
        assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
        assert!(again.bytes().await.unwrap().is_empty());
        let by_date = s
            .client
            .get(s.url(path))
            .header("if-modified-since", &last_modified)
            .send()
            .await
            .unwrap();
        assert_eq!(by_date.status(), 304, "{path}");
        let stale = s
            .client
            .get(s.url(path))
            .header("if-none-match", "W/\"something-else\"")
            .send()
            .await
            .unwrap();
        assert_eq!(stale.status(), 200, "{path}");
    }
    // Another representation of the same resource has another ETag.
    let a = s.get("/collections/institutions/items").await.headers()["etag"].clone();
    let b = s
        .get("/collections/institutions/items?f=html")
        .await
        .headers()["etag"]
        .clone();
    assert_ne!(a, b);
    // Bad input is still a 400 when the client sends a validator.
    let r = s
        .client
        .get(s.url("/collections/institutions/items?limit=0"))
        .header("if-none-match", "*")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Compression.
    let r = s
        .client
        .get(s.url("/collections/admin-areas/items?limit=1000"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
}

#[tokio::test]
async fn a_data_change_in_postgis_invalidates_the_etag_and_the_new_feature_is_served() {
    let (s, db) = common::spawn_with_db().await;
    let path = "/collections/institutions/items/cd-nghe-tra-vinh";
    let first = s.get(path).await;
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let r = s
        .client
        .get(s.url(path))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);

    let pool = db.pool().await;
    sqlx::query("UPDATE institutions SET name_en = 'Renamed for the ETag test' WHERE id = 'cd-nghe-tra-vinh'")
        .execute(&pool)
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let r = s
            .client
            .get(s.url(path))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        if r.status() == 200 {
            assert_ne!(r.headers()["etag"].to_str().unwrap(), etag);
            let f: Value = r.json().await.unwrap();
            assert_eq!(f["properties"]["name_en"], "Renamed for the ETag test");
            break;
        }
        assert_eq!(r.status(), 304);
        assert!(
            std::time::Instant::now() < deadline,
            "the ETag never changed"
        );
        tokio::task::yield_now().await;
    }
}

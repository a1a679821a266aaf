//! Finding a training centre: nearby, search, locate, profiles and pages, against the
//! real server.

mod common;

use std::collections::BTreeSet;

use common::{repo_path, scratch_dir, spawn, spawn_bundled, spawn_with_db};
use serde_json::Value;
use vetmap::Config;
use vetmap::index::ServingIndex;
use vetmap::model::{Dataset, Institution, InstitutionId, LonLat};
use vetmap::store::bundled;
use vetmap::store::files::{ExportFormat, write_dataset};

/// A small deterministic generator (xorshift), so failures can be replayed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[(self.next() % v.len() as u64) as usize]
    }
}

fn bundled_dataset() -> Dataset {
    bundled::load_dir(&repo_path("data"))
        .expect("bundled data loads")
        .dataset
}

/// The bundled institutions copied `copies` times to random places: most around the
/// province, some far north (where degrees of longitude are short) and some by the
/// antimeridian, where Euclidean order in degrees is furthest from geodesic order.
fn scattered(copies: usize, seed: u64) -> Dataset {
    let mut ds = bundled_dataset();
    let originals = std::mem::take(&mut ds.institutions);
    let mut rng = Rng(seed);
    for n in 0..copies {
        let mut i: Institution = rng.pick(&originals).clone();
        i.id = InstitutionId::parse(&format!("copy-{n}")).unwrap();
        let (lon, lat) = match n % 10 {
            0 => (rng.range(-10.0, 30.0), rng.range(55.0, 75.0)),
            1 => (
                rng.range(178.0, 180.0) * if rng.unit() < 0.5 { 1.0 } else { -1.0 },
                rng.range(-5.0, 5.0),
            ),
            _ => (rng.range(105.5, 107.0), rng.range(9.2, 10.5)),
        };
        i.location = LonLat::new(lon, lat).unwrap();
        ds.institutions.push(i);
    }
    ds.institutions.extend(originals);
    ds
}

async fn spawn_dataset(ds: &Dataset) -> common::TestServer {
    let dir = scratch_dir("finder");
    write_dataset(ds, &dir, ExportFormat::Geojson).expect("dataset writes");
    std::fs::copy(
        repo_path("data/credentials.csv"),
        dir.join("credentials.csv"),
    )
    .ok();
    spawn(Config::for_bundled(dir, repo_path("web"))).await
}

/// What `/nearby` should answer, by brute force over every institution of the index.
fn brute_force(
    index: &ServingIndex,
    p: LonLat,
    limit: usize,
    radius_m: f64,
    filter: &[(&str, &str)],
) -> Vec<(String, f64)> {
    let get = |k: &str| filter.iter().find(|f| f.0 == k).map(|f| f.1);
    let mut all: Vec<(f64, String)> = index
        .institutions()
        .iter()
        .filter(|i| get("kind").is_none_or(|k| i.kind.as_str() == k))
        .filter(|i| get("ownership").is_none_or(|o| i.ownership.as_str() == o))
        .filter(|i| {
            (get("occupation").is_none() && get("level").is_none())
                || i.programmes.iter().any(|pr| {
                    get("occupation").is_none_or(|c| pr.occupation_code().as_str() == c)
                        && get("level").is_none_or(|l| pr.level().as_str() == l)
                })
        })
        .map(|i| (p.geodesic_distance_m(i.location), i.id.to_string()))
        .filter(|(d, _)| *d <= radius_m)
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    all.into_iter().take(limit).map(|(d, id)| (id, d)).collect()
}

#[tokio::test]
async fn nearest_results_are_in_distance_order_and_match_a_brute_force_over_the_whole_index() {
    let server = spawn_dataset(&scattered(3000, 0x5eed)).await;
    let index = server.state.index.current();
    let mut rng = Rng(42);
    let filters: Vec<Vec<(&str, &str)>> = vec![
        vec![],
        vec![("occupation", "6520123")],
        vec![("occupation", "5480201"), ("level", "short_course")],
        vec![("level", "college")],
        vec![("kind", "gdnn_gdtx_centre"), ("ownership", "public")],
        vec![("kind", "university")],
    ];
    for round in 0..60 {
        let p = match round % 6 {
            0 => LonLat::new(rng.range(0.0, 20.0), rng.range(60.0, 72.0)).unwrap(),
            1 => LonLat::new(179.9, rng.range(-2.0, 2.0)).unwrap(),
            _ => LonLat::new(rng.range(105.0, 107.5), rng.range(9.0, 10.8)).unwrap(),
        };
        let limit = 1 + (rng.next() % 25) as usize;
        let radius_km = if round % 4 == 0 {
            Some(rng.range(1.0, 60.0))
        } else {
            None
        };
        let filter = rng.pick(&filters);
        let mut url = format!(
            "/api/v1/nearby?lon={}&lat={}&limit={limit}",
            p.lon(),
            p.lat()
        );
        if let Some(r) = radius_km {
            url.push_str(&format!("&radius_km={r}"));
        }
        for (k, v) in filter {
            url.push_str(&format!("&{k}={v}"));
        }
        let (status, body) = server.get_json(&url).await;
        assert_eq!(status, 200, "{url}: {body}");
        let got: Vec<(String, f64)> = body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["id"].as_str().unwrap().to_owned(),
                    r["distance_m"].as_f64().unwrap(),
                )
            })
            .collect();
        assert!(
            got.windows(2).all(|w| w[0].1 <= w[1].1),
            "{url}: not in distance order: {got:?}"
        );
        let expected = brute_force(
            &index,
            p,
            limit,
            radius_km.map_or(f64::INFINITY, |r| r * 1000.0),
            filter,
        );
        assert_eq!(
            got.iter().map(|g| &g.0).collect::<Vec<_>>(),
            expected.iter().map(|e| &e.0).collect::<Vec<_>>(),
            "{url}"
        );
        for (g, e) in got.iter().zip(&expected) {
            assert!((g.1 - e.1).abs() <= 0.05 + 1e-9, "{url}: {g:?} vs {e:?}");
        }
    }
}

#[tokio::test]
async fn nearby_answers_with_matched_programmes_and_links() {
    let server = spawn_bundled().await;
    // Cầu Kè town; welding by name, without diacritics.
    let (status, body) = server
        .get_json("/api/v1/nearby?lon=106.055&lat=9.872&occupation=han&limit=3")
        .await;
    assert_eq!(status, 200, "{body}");
    let first = &body["results"][0];
    assert_eq!(first["id"], "gdnn-gdtx-cau-ke");
    assert!(first["distance_m"].as_f64().unwrap() < 1000.0);
    let matched = first["matched_programmes"].as_array().unwrap();
    assert!(!matched.is_empty());
    for p in matched {
        assert!(
            ["5520123", "6520123"].contains(&p["occupation_code"].as_str().unwrap()),
            "{p}"
        );
    }
    assert_eq!(
        first["links"]["profile"],
        "/api/v1/institutions/gdnn-gdtx-cau-ke"
    );
    assert_eq!(first["links"]["html"], "/institutions/gdnn-gdtx-cau-ke");
}

async fn first_hit(server: &common::TestServer, q: &str) -> Value {
    let url = format!("/api/v1/search?q={}", urlencode(q));
    let (status, body) = server.get_json(&url).await;
    assert_eq!(status, 200, "{q}: {body}");
    body["results"][0].clone()
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn folded_and_accented_queries_find_the_vocational_college_first() {
    let server = spawn_bundled().await;
    for q in [
        "cao dang nghe tra vinh",
        "Cao Đẳng Nghề",
        "CAO DANG NGHE",
        "cao dang nghe tra vinhh",
    ] {
        let hit = first_hit(&server, q).await;
        assert_eq!(hit["id"], "cd-nghe-tra-vinh", "{q}: {hit}");
        assert_eq!(hit["type"], "institution");
    }
}

#[tokio::test]
async fn han_dien_finds_an_institution_teaching_han_dien() {
    let server = spawn_bundled().await;
    let hit = first_hit(&server, "han dien").await;
    assert_eq!(hit["type"], "institution", "{hit}");
    let (_, profile) = server
        .get_json(hit["links"]["profile"].as_str().unwrap())
        .await;
    let names: Vec<&str> = profile["programmes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["occupation_name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Hàn điện"), "{names:?}");
}

#[tokio::test]
async fn old_district_names_and_typos_find_the_district_centre() {
    let server = spawn_bundled().await;
    for q in [
        "Trung tâm GDNN-GDTX huyện Cầu Kè",
        "trung tam gdnn cau ke",
        "trung tam giao duc nghe nghiep cau ke huyen",
        "gdtx cau ke",
    ] {
        let hit = first_hit(&server, q).await;
        assert_eq!(hit["id"], "gdnn-gdtx-cau-ke", "{q}: {hit}");
    }
}

#[tokio::test]
async fn occupations_are_found_by_code_and_english_name() {
    let server = spawn_bundled().await;
    let hit = first_hit(&server, "6520123").await;
    assert_eq!(hit["type"], "occupation");
    assert_eq!(hit["code"], "6520123");
    let (status, body) = server.get_json("/api/v1/search?q=welding&limit=20").await;
    assert_eq!(status, 200);
    let codes: BTreeSet<&str> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["code"].as_str())
        .collect();
    assert!(
        codes.contains("5520123") && codes.contains("6520123"),
        "{codes:?}"
    );
}

#[tokio::test]
async fn autocomplete_completes_the_last_word_and_near_prefers_close_results() {
    let server = spawn_bundled().await;
    let (status, body) = server
        .get_json("/api/v1/search/autocomplete?q=truong%20dai%20h")
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["results"][0]["id"], "dh-tra-vinh");
    assert!(
        body["results"][0].get("score").is_none(),
        "autocomplete is the short form"
    );

    // Every centre matches "trung tam gdnn"; from Trà Cú the Trà Cú centre comes first.
    let (_, body) = server
        .get_json("/api/v1/search?q=trung%20tam%20gdnn&lon=106.258&lat=9.698")
        .await;
    assert_eq!(body["results"][0]["id"], "gdnn-gdtx-tra-cu", "{body}");
    let d = body["results"][0]["distance_m"].as_f64().unwrap();
    assert!(d < 1000.0, "{d}");
}

#[tokio::test]
async fn a_change_is_searchable_as_soon_as_the_index_is_swapped() {
    let server = spawn_bundled().await;
    let (_, before) = server
        .get_json("/api/v1/search?q=xuong%20moc%20tieu%20can")
        .await;
    assert!(
        before["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["id"] != "xuong-moc-tieu-can"),
        "{before}"
    );
    let mut ds = bundled_dataset();
    let mut i = ds.institutions[0].clone();
    i.id = InstitutionId::parse("xuong-moc-tieu-can").unwrap();
    i.set_name_vi("Xưởng Mộc Tiểu Cần").unwrap();
    ds.institutions.push(i);
    ds.version = "test-2".into();
    server.state.index.replace(ServingIndex::build(ds));
    let hit = first_hit(&server, "xuong moc tieu can").await;
    assert_eq!(hit["id"], "xuong-moc-tieu-can");
}

#[tokio::test]
async fn locate_names_the_areas_of_both_codings_or_says_the_point_is_outside() {
    let server = spawn_bundled().await;
    let (status, body) = server
        .get_json("/api/v1/locate?lon=106.055&lat=9.872")
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["inside"], true);
    let areas: BTreeSet<(String, String)> = body["areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["scheme"].as_str().unwrap().to_owned(),
                a["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        areas.contains(&("pre2025".into(), "845".into())),
        "Cầu Kè district: {areas:?}"
    );
    assert!(
        areas.contains(&("pre2025".into(), "84".into())),
        "{areas:?}"
    );
    assert!(areas.contains(&("2025".into(), "86".into())), "{areas:?}");

    let (status, body) = server.get_json("/api/v1/locate?lon=2.35&lat=48.85").await;
    assert_eq!(status, 200);
    assert_eq!(body["inside"], false);
    assert!(body["areas"].as_array().unwrap().is_empty());
    assert!(body["message"].as_str().unwrap().contains("outside"));
}

fn strip_to_institution(mut profile: Value) -> Institution {
    for extra in [
        "levels",
        "programmes_by_level",
        "admin_areas",
        "data_version",
        "links",
    ] {
        profile.as_object_mut().unwrap().remove(extra);
    }
    serde_json::from_value(profile).expect("a profile is an institution plus views")
}

async fn assert_profiles_round_trip(server: &common::TestServer) {
    let index = server.state.index.current();
    assert!(!index.institutions().is_empty());
    for inst in index.institutions() {
        let (status, profile) = server
            .get_json(&format!("/api/v1/institutions/{}", inst.id))
            .await;
        assert_eq!(status, 200);
        let total: usize = profile["programmes_by_level"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_array().unwrap().len())
            .sum();
        assert_eq!(total, inst.programmes.len());
        // The version is the database's bookkeeping, not part of the profile's record;
        // the profile says it in its ETag-bearing record endpoint instead.
        let mut from_profile = strip_to_institution(profile);
        from_profile.version = inst.version;
        assert_eq!(&from_profile, inst);
    }
}

#[tokio::test]
async fn profiles_round_trip_everything_the_bundled_files_hold() {
    let server = spawn_bundled().await;
    assert_profiles_round_trip(&server).await;
    let (_, p) = server
        .get_json("/api/v1/institutions/gdnn-gdtx-cau-ke")
        .await;
    assert_eq!(
        p["admin_areas"]["pre2025"]["district"]["name"],
        "Huyện Cầu Kè"
    );
    assert_eq!(p["admin_areas"]["2025"]["province"]["code"], "86");
}

#[tokio::test]
async fn profiles_round_trip_everything_postgis_holds() {
    let (server, _db) = spawn_with_db().await;
    assert_eq!(server.state.source_name(), "postgis");
    assert_profiles_round_trip(&server).await;
}

#[tokio::test]
async fn the_catalogue_counts_institutions_per_occupation_and_level() {
    let server = spawn_bundled().await;
    let index = server.state.index.current();
    let (status, body) = server.get_json("/api/v1/occupations").await;
    assert_eq!(status, 200);
    for o in body["occupations"].as_array().unwrap() {
        let code = o["code"].as_str().unwrap();
        for (level, n) in o["institutions_by_level"].as_object().unwrap() {
            let expected = index
                .institutions()
                .iter()
                .filter(|i| {
                    i.programmes.iter().any(|p| {
                        p.occupation_code().as_str() == code && p.level().as_str() == level
                    })
                })
                .count();
            assert_eq!(n.as_u64().unwrap() as usize, expected, "{code} {level}");
        }
        let teaching = index
            .institutions()
            .iter()
            .filter(|i| {
                i.programmes
                    .iter()
                    .any(|p| p.occupation_code().as_str() == code)
            })
            .count();
        assert_eq!(
            o["institutions"].as_u64().unwrap() as usize,
            teaching,
            "{code}"
        );
    }
}

#[tokio::test]
async fn the_institution_page_is_html_with_json_ld_and_open_graph_in_both_languages() {
    let server = spawn_bundled().await;
    let r = server.get("/institutions/dh-tra-vinh").await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = r.text().await.unwrap();
    assert!(html.contains("<html lang=\"vi\">"));
    assert!(html.contains("<h1>Trường Đại học Trà Vinh</h1>"));
    assert!(html.contains("property=\"og:title\""));
    let ld = html
        .split("<script type=\"application/ld+json\">")
        .nth(1)
        .and_then(|s| s.split("</script>").next())
        .expect("a JSON-LD block");
    let ld: Value = serde_json::from_str(ld).expect("JSON-LD parses");
    assert_eq!(ld["@type"], "CollegeOrUniversity");
    // Its position is hand-placed (approximate): the page says so and gives no `geo`
    // that others would take for the campus's coordinates.
    assert_eq!(ld["additionalProperty"]["value"], "approximate");
    assert!(ld.get("geo").is_none(), "{ld}");
    assert_eq!(ld["address"]["addressCountry"], "VN");

    let en = server
        .get("/institutions/gdnn-gdtx-cau-ke?lang=en")
        .await
        .text()
        .await
        .unwrap();
    assert!(en.contains("<html lang=\"en\">"));
    assert!(en.contains("Cau Ke District Vocational and Continuing Education Centre"));
    assert!(en.contains("\"@type\":\"EducationalOrganization\""));

    assert_eq!(
        server.get("/institutions/no-such-place").await.status(),
        404
    );
}

#[tokio::test]
async fn bad_input_gets_a_4xx_naming_the_parameter() {
    let server = spawn_bundled().await;
    for (url, status, parameter) in [
        ("/api/v1/nearby?lat=9.9", 400, Some("lon")),
        ("/api/v1/nearby?lon=106.3", 400, Some("lat")),
        ("/api/v1/nearby?lon=NaN&lat=9.9", 400, Some("lon")),
        ("/api/v1/nearby?lon=106.3&lat=91", 400, Some("lat")),
        ("/api/v1/nearby?lon=abc&lat=9.9", 400, Some("lon")),
        (
            "/api/v1/nearby?lon=106.3&lat=9.9&limit=101",
            400,
            Some("limit"),
        ),
        (
            "/api/v1/nearby?lon=106.3&lat=9.9&limit=0",
            400,
            Some("limit"),
        ),
        (
            "/api/v1/nearby?lon=106.3&lat=9.9&radius_km=-1",
            400,
            Some("radius_km"),
        ),
        (
            "/api/v1/nearby?lon=106.3&lat=9.9&occupation=9999999",
            400,
            Some("occupation"),
        ),
        (
            "/api/v1/nearby?lon=106.3&lat=9.9&occupation=underwater%20basket%20weaving",
            400,
            Some("occupation"),
        ),
        (
            "/api/v1/nearby?lon=106.3&lat=9.9&level=phd",
            400,
            Some("level"),
        ),
        (
            "/api/v1/nearby?lon=106.3&lat=9.9&ownership=state",
            400,
            Some("ownership"),
        ),
        ("/api/v1/search", 400, Some("q")),
        ("/api/v1/search?q=%20%20", 400, Some("q")),
        ("/api/v1/search?q=han&limit=51", 400, Some("limit")),
        ("/api/v1/search?q=han&lon=106.3", 400, Some("lat")),
        ("/api/v1/search/autocomplete?q=", 400, Some("q")),
        ("/api/v1/locate?lon=200&lat=9", 400, Some("lon")),
        ("/api/v1/institutions/Not_An_Id", 400, Some("id")),
        ("/api/v1/institutions/no-such-place", 404, None),
    ] {
        let (got, body) = server.get_json(url).await;
        assert_eq!(got.as_u16(), status, "{url}: {body}");
        assert_eq!(body["parameter"].as_str(), parameter, "{url}: {body}");
        assert!(!body["description"].as_str().unwrap().is_empty());
    }
}

#[tokio::test]
async fn the_openapi_document_describes_the_finder_endpoints() {
    let server = spawn_bundled().await;
    let (status, doc) = server.get_json("/api?f=json").await;
    assert_eq!(status, 200);
    for path in [
        "/api/v1/nearby",
        "/api/v1/search",
        "/api/v1/search/autocomplete",
        "/api/v1/locate",
        "/api/v1/institutions/{id}",
        "/api/v1/occupations",
        "/institutions/{id}",
    ] {
        assert!(doc["paths"][path]["get"].is_object(), "{path} missing");
    }
}

//! Credential verification, black-box: the real server on the bundled fictitious records
//! (and on PostGIS where revocation and uploads need it), talked to over HTTP.

mod common;

use common::{TestDb, TestServer, bundled_config, repo_path, spawn, spawn_bundled};
use reqwest::StatusCode;
use serde_json::{Value, json};
use vetmap::auth::Role;
use vetmap::credentials::jws::Jwks;
use vetmap::credentials::statement::{RevocationCheck, verify_offline};

// From data/credentials.csv (fictitious records).
const VALID: (&str, &str) = ("DEMO-CD 000101", "2002-03-14");
const REVOKED: (&str, &str) = ("DEMO-TC 000202", "2000-01-09");

async fn verify(s: &TestServer, body: Value) -> (StatusCode, String) {
    let r = s
        .client
        .post(s.url("/api/v1/credentials/verify"))
        .json(&body)
        .send()
        .await
        .expect("request reaches the server");
    (r.status(), r.text().await.expect("a body"))
}

async fn verify_json(s: &TestServer, body: Value) -> (StatusCode, Value) {
    let (status, text) = verify(s, body).await;
    (status, serde_json::from_str(&text).expect("a JSON body"))
}

async fn text(s: &TestServer, path: &str) -> (StatusCode, String) {
    let r = s.get(path).await;
    (r.status(), r.text().await.expect("a body"))
}

async fn jwks(s: &TestServer) -> Jwks {
    let (status, body) = text(s, "/.well-known/jwks.json").await;
    assert_eq!(status, StatusCode::OK);
    serde_json::from_str(&body).expect("a JWK Set")
}

/// Verifies `VALID` and fetches its signed statement.
async fn valid_statement(s: &TestServer, serial: &str, born: &str) -> (Value, String) {
    let (status, v) = verify_json(s, json!({"serial": serial, "birth_date": born})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["result"], "valid", "{v}");
    let link = v["statement"]["links"]["jws"]
        .as_str()
        .expect("a statement link");
    let (status, jws) = text(s, link).await;
    assert_eq!(status, StatusCode::OK);
    (v, jws)
}

#[tokio::test]
async fn a_valid_credential_is_confirmed_with_only_what_a_verifier_needs() {
    let s = spawn_bundled().await;
    let (status, v) = verify_json(
        &s,
        json!({"serial": "demo-cd  000101", "birth_date": VALID.1}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["result"], "valid");
    assert_eq!(v["credential"]["kind"], "college_diploma");
    assert_eq!(v["credential"]["level"], "college");
    assert_eq!(v["credential"]["occupation_code"], "6520227");
    assert_eq!(v["credential"]["graduation_year"], 2024);
    assert_eq!(v["credential"]["issue_date"], "2024-07-15");
    assert_eq!(v["credential"]["holder_name_masked"], "N*** V*** T***");
    assert_eq!(v["institution"]["id"], "cd-nghe-tra-vinh");
    assert!(
        v["institution"]["name_vi"]
            .as_str()
            .is_some_and(|n| !n.is_empty())
    );
    assert_eq!(
        v["institution"]["links"]["html"],
        "/institutions/cd-nghe-tra-vinh"
    );
    assert_eq!(
        v["institution"]["links"]["map"],
        "/?institution=cd-nghe-tra-vinh"
    );
    let body = v.to_string();
    for private in ["Nguyễn Văn Thử", "2002-03-14", "DEMO/2024/CD/0101"] {
        assert!(!body.contains(private), "the answer discloses {private}");
    }
}

#[tokio::test]
async fn the_holders_name_is_compared_without_diacritics_and_must_match_if_given() {
    let s = spawn_bundled().await;
    let ask =
        |name: &'static str| json!({"serial": VALID.0, "birth_date": VALID.1, "holder_name": name});
    assert_eq!(
        verify_json(&s, ask("nguyen van thu")).await.1["result"],
        "valid"
    );
    assert_eq!(
        verify_json(&s, ask("NGUYỄN  VĂN THỬ")).await.1["result"],
        "valid"
    );
    assert_eq!(
        verify_json(&s, ask("Nguyễn Văn Thủy")).await.1["result"],
        "not_found"
    );
}

#[tokio::test]
async fn a_revoked_credential_says_so_with_its_date_and_reason_and_no_statement() {
    let s = spawn_bundled().await;
    let (status, v) = verify_json(&s, json!({"serial": REVOKED.0, "birth_date": REVOKED.1})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["result"], "revoked");
    assert_eq!(v["revocation"]["date"], "2024-02-01");
    assert!(
        v["revocation"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("error"))
    );
    assert_eq!(v["institution"]["id"], "cd-y-te-tra-vinh");
    assert!(v.get("statement").is_none());
}

/// Headers that differ between any two requests whatever was asked, so they cannot tell
/// one record from another: `date` (the clock; two answers may straddle a second) and
/// `x-request-id` (a fresh id for every request, by design). Verification answers carry
/// no ETag or Last-Modified; were one added, it would have to be equal too.
const DIFFER_PER_REQUEST: [&str; 2] = ["date", "x-request-id"];

type Headers = std::collections::BTreeMap<String, Vec<String>>;

/// A verification answer as its client sees it: status, headers less
/// [`DIFFER_PER_REQUEST`], and body.
async fn observed(s: &TestServer, body: Value) -> (StatusCode, Headers, String) {
    let r = s
        .client
        .post(s.url("/api/v1/credentials/verify"))
        .json(&body)
        .send()
        .await
        .expect("request reaches the server");
    for varying in DIFFER_PER_REQUEST {
        assert!(r.headers().contains_key(varying), "{varying} is still sent");
    }
    let mut headers = Headers::new();
    for (name, value) in r.headers() {
        if !DIFFER_PER_REQUEST.contains(&name.as_str()) {
            headers
                .entry(name.as_str().to_owned())
                .or_default()
                .push(String::from_utf8_lossy(value.as_bytes()).into_owned());
        }
    }
    assert!(headers.contains_key("content-type"), "{headers:?}");
    (r.status(), headers, r.text().await.expect("a body"))
}

/// An unknown serial, a known one with a wrong date of birth or name, and a revoked one
/// with a wrong date of birth get one and the same answer, headers included.
async fn assert_not_found_answers_are_identical(s: &TestServer) {
    let unknown = observed(
        s,
        json!({"serial": "DEMO-CD 999999", "birth_date": VALID.1}),
    )
    .await;
    assert_eq!(unknown.0, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<Value>(&unknown.2).unwrap(),
        json!({"result": "not_found"})
    );
    for (what, body) in [
        (
            "known serial, wrong birth date",
            json!({"serial": VALID.0, "birth_date": "2002-03-15"}),
        ),
        (
            "known serial, wrong name",
            json!({"serial": VALID.0, "birth_date": VALID.1, "holder_name": "Trần Thị Mẫu"}),
        ),
        (
            "revoked serial, wrong birth date",
            json!({"serial": REVOKED.0, "birth_date": "2000-01-10"}),
        ),
        (
            "revoked serial in other letter case and spacing, wrong birth date",
            json!({"serial": "demo-tc   000202", "birth_date": "1999-12-31"}),
        ),
    ] {
        assert_eq!(observed(s, body).await, unknown, "{what}");
    }
}

#[tokio::test]
async fn a_wrong_birth_date_is_indistinguishable_from_an_unknown_serial() {
    let s = spawn_bundled().await;
    assert_not_found_answers_are_identical(&s).await;
}

#[tokio::test]
async fn every_verification_answer_waits_for_the_time_floor() {
    // The floor is what makes an unknown serial and a wrong date of birth take the same
    // time; it is set high here so that the lower bound is unmistakable.
    let mut config = bundled_config();
    config.verify_answer_floor_ms = 400;
    let s = spawn(config).await;
    for body in [
        json!({"serial": "DEMO-CD 999999", "birth_date": VALID.1}),
        json!({"serial": VALID.0, "birth_date": "2002-03-15"}),
        json!({"serial": VALID.0, "birth_date": VALID.1}),
        json!({"serial": "x;", "birth_date": VALID.1}),
    ] {
        let started = std::time::Instant::now();
        let (status, _) = verify(&s, body.clone()).await;
        let took = started.elapsed();
        assert!(
            took >= std::time::Duration::from_millis(400),
            "{body} answered {status} after {took:?}"
        );
    }
}

#[tokio::test]
async fn statements_name_the_configured_issuer_never_the_requests_host() {
    let s = spawn_bundled().await;
    let (v, _) = valid_statement(&s, VALID.0, VALID.1).await;
    let link = v["statement"]["links"]["jws"].as_str().unwrap();
    let r = s
        .client
        .get(s.url(link))
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let jws = r.text().await.unwrap();
    let report = verify_offline(&jws, &jwks(&s).await, None).unwrap();
    let vc = report.credential.to_string();
    assert!(!vc.contains("evil.example"), "{vc}");
    assert_eq!(report.credential["issuer"], s.base.as_str(), "{vc}");
}

#[tokio::test]
async fn malformed_requests_get_a_400_naming_the_problem() {
    let s = spawn_bundled().await;
    let (status, v) = verify_json(&s, json!({"serial": "x'; drop", "birth_date": VALID.1})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["parameter"], "serial");
    let (status, v) = verify_json(&s, json!({"serial": VALID.0, "birth_date": "14/03/2002"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v["parameter"], "birth_date");
    let (status, v) = verify_json(&s, json!({"serial": VALID.0})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(v["description"].as_str().unwrap().contains("birth_date"));
    let (status, _) = verify_json(
        &s,
        json!({"serial": VALID.0, "birth_date": VALID.1, "id_number": "0790"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let r = s
        .client
        .post(s.url("/api/v1/credentials/verify"))
        .body("serial=DEMO")
        .send()
        .await
        .unwrap();
    // Not declared JSON: refused before it is read (tests/credential_checks.rs).
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn oversized_bodies_are_refused_with_413() {
    let s = spawn_bundled().await;
    let (status, v) = verify_json(
        &s,
        json!({"serial": VALID.0, "birth_date": VALID.1, "holder_name": "a".repeat(5000)}),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(v["code"], "PayloadTooLarge");
}

#[tokio::test]
async fn a_client_over_its_rate_limit_gets_429_with_retry_after() {
    let mut config = bundled_config();
    config.verify_rate_per_minute = 3;
    let s = spawn(config).await;
    let ask = json!({"serial": "DEMO-CD 999999", "birth_date": "2000-01-01"});
    for _ in 0..3 {
        assert_eq!(verify(&s, ask.clone()).await.0, StatusCode::OK);
    }
    let r = s
        .client
        .post(s.url("/api/v1/credentials/verify"))
        .json(&ask)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["code"], "TooManyRequests");
}

#[tokio::test]
async fn an_untouched_statement_verifies_offline_and_a_tampered_one_does_not() {
    let s = spawn_bundled().await;
    let (v, jws) = valid_statement(&s, VALID.0, VALID.1).await;
    let token = v["statement"]["token"].as_str().unwrap();
    assert!(!token.contains("DEMO") && !token.contains("000101"));
    let keys = jwks(&s).await;
    drop(s); // Offline from here on.

    let report = verify_offline(&jws, &keys, None).expect("genuine statement verifies");
    let subject = &report.credential["credentialSubject"];
    assert_eq!(subject["credential"]["occupation_code"], "6520227");
    assert_eq!(
        subject["issuingInstitution"]["identifier"],
        "cd-nghe-tra-vinh"
    );
    assert!(!jws.contains("DEMO"), "the statement is encoded, not plain");
    assert!(!report.credential.to_string().contains("2002-03-14"));

    let tampered = tamper(&jws, |p| {
        p["credentialSubject"]["credential"]["graduation_year"] = json!(2020);
    });
    assert!(verify_offline(&tampered, &keys, None).is_err());
}

/// Rewrites a JWS payload, keeping the original signature.
fn tamper(jws: &str, change: impl FnOnce(&mut Value)) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = jws.split('.').collect();
    let mut payload: Value = serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
    change(&mut payload);
    format!(
        "{}.{}.{}",
        parts[0],
        b64.encode(payload.to_string()),
        parts[2]
    )
}

#[tokio::test]
async fn the_verify_command_accepts_a_genuine_statement_and_rejects_a_tampered_one() {
    let s = spawn_bundled().await;
    let (_, jws) = valid_statement(&s, VALID.0, VALID.1).await;
    let (_, keys) = text(&s, "/.well-known/jwks.json").await;
    let (status, list) = text(&s, "/api/v1/credentials/status/0").await;
    assert_eq!(status, StatusCode::OK);
    let dir = std::env::temp_dir().join(format!("vetmap-verify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, content: &str| {
        let p = dir.join(name);
        std::fs::write(&p, content).unwrap();
        p
    };
    let keys = write("jwks.json", &keys);
    let list = write("status.jwt", &list);
    let good = write("good.jwt", &jws);
    let bad = write(
        "bad.jwt",
        &tamper(&jws, |p| {
            p["credentialSubject"]["credential"]["level"] = json!("intermediate")
        }),
    );
    let run = |file: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_vetmap"))
            .arg("verify")
            .arg(file)
            .arg("--jwks")
            .arg(&keys)
            .arg("--status-list")
            .arg(&list)
            .output()
            .expect("vetmap runs")
    };
    let ok = run(&good);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("not_revoked"));
    let refused = run(&bad);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("signature"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_bundled_status_list_marks_the_revoked_record_and_no_other() {
    let s = spawn_bundled().await;
    let (_, jws) = valid_statement(&s, VALID.0, VALID.1).await;
    let (status, list) = text(&s, "/api/v1/credentials/status/0").await;
    assert_eq!(status, StatusCode::OK);
    let keys = jwks(&s).await;
    let report = verify_offline(&jws, &keys, Some(&list)).unwrap();
    assert_eq!(report.revocation, RevocationCheck::NotRevoked);
    // The revoked record is the fourth line of data/credentials.csv: bit 3.
    let list_vc = vetmap::credentials::jws::verify(&list, &keys)
        .unwrap()
        .payload;
    let encoded = list_vc["credentialSubject"]["encodedList"]
        .as_str()
        .unwrap();
    assert!(vetmap::credentials::status_list::is_set(encoded, 3).unwrap());
    assert!(!vetmap::credentials::status_list::is_set(encoded, 0).unwrap());
    assert_eq!(
        text(&s, "/api/v1/credentials/status/1").await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn statements_and_qr_codes_need_a_genuine_token() {
    let s = spawn_bundled().await;
    let (v, _) = valid_statement(&s, VALID.0, VALID.1).await;
    let links = &v["statement"]["links"];
    let svg = s.get(links["qr_svg"].as_str().unwrap()).await;
    assert_eq!(svg.status(), StatusCode::OK);
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    assert!(svg.text().await.unwrap().contains("<svg"));
    let png = s.get(links["qr_png"].as_str().unwrap()).await;
    assert_eq!(png.headers()["content-type"], "image/png");
    assert_eq!(&png.bytes().await.unwrap()[..4], b"\x89PNG");
    // A made-up token (here: the first record's index without the MAC) finds nothing.
    let (status, _) = text(&s, "/api/v1/credentials/AAAAAAAAAAA/statement").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// A QR code read back from pixels (`luma(x, y)`, 0 black to 255 white): its text and its
/// width in modules.
fn read_qr(width: usize, height: usize, luma: impl FnMut(usize, usize) -> u8) -> (String, usize) {
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, luma);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    let (meta, text) = grids[0].decode().expect("the QR code decodes");
    (text, 17 + 4 * meta.version.0)
}

/// The QR code of a PNG: its text, its width in modules and the image's side in pixels.
fn read_png_qr(bytes: &[u8]) -> (String, usize, u32) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a sane PNG size")];
    let frame = reader.next_frame(&mut pixels).expect("PNG pixels");
    assert_eq!(frame.bit_depth, png::BitDepth::Eight);
    let channels = frame.color_type.samples();
    let (w, h) = (frame.width as usize, frame.height as usize);
    assert_eq!(w, h, "a square image");
    let (text, modules) = read_qr(w, h, |x, y| pixels[(y * w + x) * channels]);
    (text, modules, frame.width)
}

/// The QR code of an SVG, rasterised at its own size: its text, its width in modules and
/// the document's side in user units.
fn read_svg_qr(svg: &str) -> (String, usize, f32) {
    use resvg::{tiny_skia, usvg};
    let tree = usvg::Tree::from_str(svg, &usvg::Options::default()).expect("a valid SVG");
    let size = tree.size();
    assert_eq!(size.width(), size.height(), "a square image");
    let side = size.width().ceil() as u32;
    let mut pixmap = tiny_skia::Pixmap::new(side, side).expect("a non-empty SVG");
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    let w = side as usize;
    let rgba = pixmap.data();
    let (text, modules) = read_qr(w, w, |x, y| rgba[(y * w + x) * 4]);
    (text, modules, size.width())
}

#[tokio::test]
async fn qr_codes_decode_to_the_check_page_link_of_the_statement() {
    let s = spawn_bundled().await;
    let (v, _) = valid_statement(&s, VALID.0, VALID.1).await;
    let token = v["statement"]["token"].as_str().unwrap();
    let links = &v["statement"]["links"];
    // The bundled configuration has no public URL: the issuer is the server itself.
    let link = format!("{}/verify.html#statement={token}", s.base);

    let png = s.get(links["qr_png"].as_str().unwrap()).await;
    assert_eq!(png.status(), StatusCode::OK);
    let (text, modules, side) = read_png_qr(&png.bytes().await.unwrap());
    assert_eq!(text, link);
    // Six pixels a module, with the four-module quiet zone on each side.
    assert_eq!(side as usize, (modules + 8) * 6);

    let svg = s.get(links["qr_svg"].as_str().unwrap()).await;
    assert_eq!(svg.status(), StatusCode::OK);
    let (text, svg_modules, side) = read_svg_qr(&svg.text().await.unwrap());
    assert_eq!(text, link);
    assert_eq!(svg_modules, modules, "the same code as the PNG");
    // At least 256 units wide, in whole units a module, quiet zone included: the
    // smallest such size.
    let per_module = 256_usize.div_ceil(modules + 8);
    assert_eq!(side, ((modules + 8) * per_module) as f32);
}

#[tokio::test]
async fn the_jwks_publishes_one_ed25519_key() {
    let s = spawn_bundled().await;
    let keys = jwks(&s).await;
    assert_eq!(keys.keys.len(), 1);
    assert_eq!(keys.keys[0].kty, "OKP");
    assert_eq!(keys.keys[0].crv, "Ed25519");
    assert!(keys.keys[0].kid.is_some());
}

#[tokio::test]
async fn an_institution_shows_counts_per_year_and_level_never_records() {
    let s = spawn_bundled().await;
    let (status, v) = s
        .get_json("/api/v1/institutions/cd-nghe-tra-vinh/credential-counts")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        v["counts"],
        json!([
            {"graduation_year": 2023, "level": "intermediate", "kind": "intermediate_diploma", "count": 1},
            {"graduation_year": 2024, "level": "college", "kind": "college_diploma", "count": 2},
        ])
    );
    assert!(!v.to_string().contains("DEMO"));
    // The profile carries the same aggregates, so the map's panel needs one request.
    let (_, profile) = s.get_json("/api/v1/institutions/cd-nghe-tra-vinh").await;
    assert_eq!(profile["credential_counts"], v["counts"]);
    assert!(!profile.to_string().contains("DEMO"));
    let (status, _) = s
        .get_json("/api/v1/institutions/no-such-place/credential-counts")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

// ---- PostGIS: uploads and revocation ----

/// A database with `data/` imported, and a province official's API token (province
/// officials may upload for any institution id, so unknown ones reach the database).
async fn spawn_db_with_official() -> (TestServer, TestDb, String) {
    let db = TestDb::create().await;
    db.import_dir(&repo_path("data")).await;
    let mut config = bundled_config();
    config.database_url = Some(db.url.clone());
    let s = spawn(config).await;
    let (_, token) =
        common::officials::official_with_token(&s, &db, "so-lao-dong", Role::Province, &[]).await;
    (s, db, token)
}

async fn upload(s: &TestServer, token: Option<&str>, csv: &str) -> (StatusCode, Value) {
    let mut req = s
        .client
        .post(s.url("/api/v1/credentials/batches"))
        .header("content-type", "text/csv")
        .body(csv.to_owned());
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    (r.status(), r.json().await.unwrap())
}

async fn credential_count(pool: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM credentials")
        .fetch_one(pool)
        .await
        .expect("count credentials")
}

/// A refused batch left the table as it was: the same number of rows, none of the batch's.
async fn assert_nothing_written(pool: &sqlx::PgPool, count_before: i64, serials: &[&str]) {
    let serials: Vec<String> = serials.iter().map(|s| (*s).to_owned()).collect();
    let written: Vec<String> =
        sqlx::query_scalar("SELECT serial FROM credentials WHERE serial = ANY($1)")
            .bind(&serials)
            .fetch_all(pool)
            .await
            .expect("look up the batch's serials");
    assert!(written.is_empty(), "a refused batch wrote {written:?}");
    assert_eq!(credential_count(pool).await, count_before);
}

const HEADER: &str = "serial,register_no,kind,holder_name,holder_birth_date,occupation_code,occupation_name,institution_id,graduation_year,issue_date,status,revoked_on,revocation_reason\n";

#[tokio::test]
async fn a_statement_issued_before_revocation_is_reported_revoked_by_the_status_list() {
    let (s, _db, token) = spawn_db_with_official().await;
    let row = "DEMO-CD 000900,DEMO/2024/CD/0900,college_diploma,Lý Thị Thử Nghiệm,2001-04-04,6480201,Công nghệ thông tin,cd-nghe-tra-vinh,2024,2024-07-15";
    let (status, v) = upload(&s, Some(&token), &format!("{HEADER}{row},valid,,\n")).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let (_, jws) = valid_statement(&s, "DEMO-CD 000900", "2001-04-04").await;
    let keys = jwks(&s).await;
    let list_url = verify_offline(&jws, &keys, None).unwrap().credential["credentialStatus"]
        ["statusListCredential"]
        .as_str()
        .unwrap()
        .to_owned();
    let list_path = &list_url[list_url.find("/api/").unwrap()..];
    let (_, before) = text(&s, list_path).await;
    assert_eq!(
        verify_offline(&jws, &keys, Some(&before))
            .unwrap()
            .revocation,
        RevocationCheck::NotRevoked
    );

    let r = s
        .client
        .post(s.url("/api/v1/credentials/revocations"))
        .bearer_auth(&token)
        .json(
            &json!({"institution_id": "cd-nghe-tra-vinh", "kind": "college_diploma",
            "serial": "DEMO-CD 000900", "reason": "issued in error", "revoked_on": "2025-01-10"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (_, after) = text(&s, list_path).await;
    assert_eq!(
        verify_offline(&jws, &keys, Some(&after))
            .unwrap()
            .revocation,
        RevocationCheck::Revoked
    );
    let (_, v) = verify_json(
        &s,
        json!({"serial": "DEMO-CD 000900", "birth_date": "2001-04-04"}),
    )
    .await;
    assert_eq!(v["result"], "revoked");
    assert_eq!(v["revocation"]["date"], "2025-01-10");
}

#[tokio::test]
async fn a_reuploaded_serial_is_not_given_to_someone_else() {
    let (s, db, token) = spawn_db_with_official().await;
    let pool = db.pool().await;
    let row = |name: &str| {
        format!(
            "{HEADER}DEMO-CD 000901,DEMO/2024/CD/0901,college_diploma,{name},2001-05-05,6480201,Công nghệ thông tin,cd-nghe-tra-vinh,2024,2024-07-15,valid,,\n"
        )
    };
    let (status, v) = upload(&s, Some(&token), &row("Lâm Văn Thật")).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let stored = credential_count(&pool).await;
    let (status, v) = upload(&s, Some(&token), &row("Kẻ Mạo Danh")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    let holders: Vec<String> =
        sqlx::query_scalar("SELECT holder_name FROM credentials WHERE serial = 'DEMO-CD 000901'")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        holders,
        ["Lâm Văn Thật"],
        "the refused re-import changed nothing"
    );
    assert_eq!(credential_count(&pool).await, stored);
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{v}");
    assert_eq!(errors[0]["location"]["position"], "line 2");
    assert_eq!(errors[0]["field"], "holder_name");
    let said = v.to_string();
    assert!(
        !said.contains("Mạo") && !said.contains("Thật") && !said.contains("2001-05-05"),
        "{said}"
    );
    let ask = |name: &str| json!({"serial": "DEMO-CD 000901", "birth_date": "2001-05-05", "holder_name": name});
    assert_eq!(
        verify_json(&s, ask("Lâm Văn Thật")).await.1["result"],
        "valid"
    );
    assert_eq!(
        verify_json(&s, ask("Kẻ Mạo Danh")).await.1["result"],
        "not_found"
    );
}

#[tokio::test]
async fn the_database_answers_like_the_bundled_records() {
    let (s, _db, _) = spawn_db_with_official().await;
    let (_, v) = verify_json(&s, json!({"serial": VALID.0, "birth_date": VALID.1})).await;
    assert_eq!(v["result"], "valid");
    let (_, v) = verify_json(&s, json!({"serial": REVOKED.0, "birth_date": REVOKED.1})).await;
    assert_eq!(v["result"], "revoked");
    assert_not_found_answers_are_identical(&s).await;
    let (_, v) = s
        .get_json("/api/v1/institutions/cd-y-te-tra-vinh/credential-counts")
        .await;
    assert_eq!(v["counts"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn uploads_need_an_officials_account() {
    let (s, db, _) = spawn_db_with_official().await;
    let pool = db.pool().await;
    let stored = credential_count(&pool).await;
    let csv = format!(
        "{HEADER}X 1,R1,college_diploma,A B,2000-01-01,6480201,CNTT,cd-nghe-tra-vinh,2024,2024-07-01,valid,,\n"
    );
    // No token, the retired shared token's shape, and a made-up personal token.
    let made_up = format!("vmt_{}", "A".repeat(43));
    for token in [None, Some("s3cret-official"), Some(made_up.as_str())] {
        let (status, v) = upload(&s, token, &csv).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{token:?}: {v}");
        assert_eq!(v["code"], "Unauthorized");
    }
    assert_nothing_written(&pool, stored, &["X 1"]).await;
}

#[tokio::test]
async fn a_batch_with_any_bad_row_is_refused_whole_with_each_error_by_line_and_field() {
    let (s, db, token) = spawn_db_with_official().await;
    let pool = db.pool().await;
    let stored = credential_count(&pool).await;
    assert!(stored > 0, "the bundled records were imported");
    let csv = format!(
        "{HEADER}\
         GOOD 1,R1,college_diploma,An,2000-01-01,6480201,CNTT,cd-nghe-tra-vinh,2024,2024-07-01,valid,,\n\
         BAD 2,R2,college_diploma,Bình,2000-01-01,5480201,CNTT,cd-nghe-tra-vinh,2024,2024-07-01,valid,,\n\
         BAD 3,R3,college_diploma,Chi,2000-01-01,6480201,CNTT,no-such-school,2024,2024-07-01,valid,,\n\
         GOOD 1,R4,college_diploma,Dũng,2000-01-01,6480201,CNTT,cd-nghe-tra-vinh,2024,2024-07-01,valid,,\n\
         BAD 5,R5,college_diploma,Em,2000-01-01,6999999,Không có,cd-nghe-tra-vinh,2024,2024-07-01,valid,,\n"
    );
    let (status, v) = upload(&s, Some(&token), &csv).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    let errors = v["errors"].as_array().unwrap();
    let at = |line: &str| {
        errors
            .iter()
            .find(|e| e["location"]["position"] == line)
            .unwrap_or_else(|| panic!("no error at {line}: {v}"))
    };
    assert_eq!(at("line 3")["field"], "occupation_code");
    assert!(
        at("line 5")["message"]
            .as_str()
            .unwrap()
            .contains("more than once")
    );
    assert_nothing_written(&pool, stored, &["GOOD 1", "BAD 2", "BAD 3", "BAD 5"]).await;
    // File-level checks fail first; the database's (unknown institution, unknown
    // occupation) are reported on a batch that passes them.
    let csv = format!(
        "{HEADER}\
         GOOD 1,R1,college_diploma,An,2000-01-01,6480201,CNTT,cd-nghe-tra-vinh,2024,2024-07-01,valid,,\n\
         BAD 3,R3,college_diploma,Chi,2000-01-01,6480201,CNTT,no-such-school,2024,2024-07-01,valid,,\n\
         BAD 5,R5,college_diploma,Em,2000-01-01,6999999,Không có,cd-nghe-tra-vinh,2024,2024-07-01,valid,,\n"
    );
    let (status, v) = upload(&s, Some(&token), &csv).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{v}");
    assert_eq!(errors[0]["location"]["position"], "line 3");
    assert_eq!(errors[0]["field"], "institution_id");
    assert_eq!(errors[1]["location"]["position"], "line 4");
    assert_eq!(errors[1]["field"], "occupation_code");
    // Nothing was written, not even the good row the database accepted before the bad ones.
    assert_nothing_written(&pool, stored, &["GOOD 1", "BAD 3", "BAD 5"]).await;
    let (_, v) = verify_json(&s, json!({"serial": "GOOD 1", "birth_date": "2000-01-01"})).await;
    assert_eq!(v["result"], "not_found");
}

#[test]
fn vetmap_import_check_reports_every_bad_credential_row_by_line_and_field() {
    let dir = std::env::temp_dir().join(format!("vetmap-cred-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("credentials.csv");
    std::fs::write(
        &file,
        format!(
            "{HEADER}\
             OK 1,R1,college_diploma,An,2000-01-01,6480201,CNTT,cd-nghe-tra-vinh,2024,2024-07-01,valid,,\n\
             bad;serial,R2,college_diploma,An,2000-01-01,6480201,CNTT,cd-nghe-tra-vinh,2024,2024-07-01,valid,,\n\
             OK 3,R3,college_diploma,An,2000-01-01,5480201,CNTT,cd-nghe-tra-vinh,2024,2024-07-01,valid,,\n\
             OK 4,R4,college_diploma,An,2030-01-01,6480201,CNTT,cd-nghe-tra-vinh,2024,2024-07-01,valid,,\n\
             OK 5,R5,college_diploma,An,2000-01-01,6480201,CNTT,cd-nghe-tra-vinh,2024,2023-07-01,valid,,\n\
             ok  1,R6,college_diploma,An,2000-01-01,6480201,CNTT,cd-nghe-tra-vinh,2024,2024-07-01,valid,,\n"
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vetmap"))
        .args(["import", "--check"])
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let line = |n: &str| {
        err.lines()
            .find(|l| l.contains(&format!("line {n}:")))
            .unwrap_or_else(|| panic!("no error on line {n}:\n{err}"))
    };
    assert!(line("3").contains("field serial"));
    assert!(line("4").contains("field occupation_code"));
    assert!(line("5").contains("field issue_date"));
    assert!(line("6").contains("before the graduation year"));
    assert!(line("7").contains("more than once"));
    assert!(
        !err.contains("line 2:"),
        "the good row is not blamed:\n{err}"
    );
}

#[tokio::test]
async fn the_institution_page_shows_credential_counts_per_year_and_level_but_no_holder() {
    let s = spawn_bundled().await;
    // cd-y-te-tra-vinh in data/credentials.csv: one college diploma in 2025, one
    // intermediate diploma (since revoked) in 2023.
    let (status, page) = text(&s, "/institutions/cd-y-te-tra-vinh").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<h2>Văn bằng, chứng chỉ đã cấp</h2>"),
        "{page}"
    );
    assert!(page.contains("<table class=\"credential-counts\">\n<caption>"));
    let cell = |n: u32| format!("<td class=\"num\">{n}</td>");
    let row = |head: &str, ns: [u32; 4]| {
        format!(
            "<tr><th scope=\"row\">{head}</th>{}</tr>",
            ns.map(cell).concat()
        )
    };
    assert!(page.contains(&row("2025", [1, 0, 0, 1])), "2025: {page}");
    assert!(page.contains(&row("2023", [0, 1, 0, 1])), "2023: {page}");
    assert!(page.contains(&row("Tổng", [1, 1, 0, 2])), "totals: {page}");
    assert!(
        page.find(&row("2025", [1, 0, 0, 1])) < page.find(&row("2023", [0, 1, 0, 1])),
        "newest year first"
    );
    assert!(page.contains("<a href=\"/verify.html\">"));
    let csv = std::fs::read_to_string(repo_path("data/credentials.csv")).unwrap();
    for line in csv.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        for private in [fields[0], fields[1], fields[3], fields[4]] {
            assert!(!page.contains(private), "the page discloses {private}");
        }
    }

    let (_, en) = text(&s, "/institutions/cd-y-te-tra-vinh?lang=en").await;
    assert!(en.contains("<h2>Credentials issued</h2>"));
    assert!(en.contains(&row("Total", [1, 1, 0, 2])), "{en}");
    assert!(en.contains("<a href=\"/verify.html?lang=en\">"));

    // No fictitious credential names gdnn-gdtx-cang-long: one line, no empty table.
    let (status, none) = text(&s, "/institutions/gdnn-gdtx-cang-long").await;
    assert_eq!(status, StatusCode::OK);
    assert!(none.contains("<h2>Văn bằng, chứng chỉ đã cấp</h2>\n<p>Chưa có số liệu văn bằng, chứng chỉ đã cấp.</p>"), "{none}");
    assert!(
        !none.contains("<table class=\"credential-counts\">"),
        "{none}"
    );
}

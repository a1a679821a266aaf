//! What keeps credential checks from being driven by other sites or from many addresses:
//! JSON bodies only, CORS for reads only, the per-serial limit, the client address
//! behind trusted proxies, and no weak upload token.

mod common;

use common::{TestServer, assert_json_error, bundled_config, spawn};
use reqwest::StatusCode;
use serde_json::{Value, json};

// From data/credentials.csv (fictitious records).
const VALID: (&str, &str) = ("DEMO-CD 000101", "2002-03-14");
const UNKNOWN: &str = "DEMO-CD 999999";
const VERIFY: &str = "/api/v1/credentials/verify";
const EVIL: &str = "https://evil.example";

/// A verification from the client at `from` (behind one trusted proxy).
async fn verify_from(s: &TestServer, from: &str, serial: &str) -> reqwest::Response {
    s.client
        .post(s.url(VERIFY))
        .header("x-forwarded-for", from)
        .json(&json!({"serial": serial, "birth_date": "1999-12-31"}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_verification_not_sent_as_json_is_refused_with_415_before_any_lookup() {
    // One attempt per serial: had a refused request been looked up, the JSON request
    // after it would be over the limit.
    let mut config = bundled_config();
    config.verify_attempts_per_serial_per_hour = 1;
    let s = spawn(config).await;
    let body = json!({"serial": VALID.0, "birth_date": VALID.1}).to_string();
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("text/plain; charset=utf-8"),
        None,
    ] {
        let mut r = s.client.post(s.url(VERIFY)).body(body.clone());
        if let Some(t) = content_type {
            r = r.header("content-type", t);
        }
        let r = r.send().await.unwrap();
        assert_json_error(r, 415, "UnsupportedMediaType", Some("application/json")).await;
    }
    let r = s
        .client
        .post(s.url(VERIFY))
        .header("content-type", "application/json; charset=utf-8")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["result"], "valid", "{v}");
}

#[tokio::test]
async fn a_cross_site_post_gets_no_cors_grant_while_a_read_does() {
    let s = spawn(bundled_config()).await;
    for content_type in ["text/plain", "application/json"] {
        let r = s
            .client
            .post(s.url(VERIFY))
            .header("origin", EVIL)
            .header("content-type", content_type)
            .body(json!({"serial": VALID.0, "birth_date": VALID.1}).to_string())
            .send()
            .await
            .unwrap();
        assert!(
            !r.headers().contains_key("access-control-allow-origin"),
            "{content_type}: {:?}",
            r.headers()
        );
    }
    let r = s.get_with("/.well-known/jwks.json", "origin", EVIL).await;
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
}

#[tokio::test]
async fn a_preflight_for_post_is_not_granted_and_one_for_get_is() {
    let s = spawn(bundled_config()).await;
    let preflight = |method: &'static str| {
        s.client
            .request(reqwest::Method::OPTIONS, s.url(VERIFY))
            .header("origin", EVIL)
            .header("access-control-request-method", method)
            .header("access-control-request-headers", "content-type")
            .send()
    };
    for method in ["POST", "PUT", "DELETE"] {
        let r = preflight(method).await.unwrap();
        let h = r.headers();
        assert!(
            !h.contains_key("access-control-allow-origin")
                && !h.contains_key("access-control-allow-methods"),
            "{method}: {h:?}"
        );
    }
    let r = preflight("GET").await.unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
}

#[tokio::test]
async fn past_its_attempts_a_serial_answers_429_to_any_client_known_or_unknown_alike() {
    let mut config = bundled_config();
    config.trusted_proxy_hops = 1;
    config.verify_attempts_per_serial_per_hour = 3;
    let s = spawn(config).await;
    let mut refusals = Vec::new();
    for (serial, net) in [(VALID.0, "192.0.2"), (UNKNOWN, "198.51.100")] {
        // Each attempt from another client: the client limit never comes into it.
        for n in 1..=3 {
            let r = verify_from(&s, &format!("{net}.{n}"), serial).await;
            assert_eq!(r.status(), StatusCode::OK, "{serial} attempt {n}");
        }
        let r = verify_from(&s, &format!("{net}.4"), serial).await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "{serial}");
        let retry: u64 = r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        // One attempt comes back every 20 minutes.
        assert!((1..=1200).contains(&retry), "Retry-After {retry}");
        refusals.push(r.json::<Value>().await.unwrap());
    }
    assert_eq!(
        refusals[0], refusals[1],
        "the refusal tells nothing about the serial"
    );
    assert_eq!(refusals[0]["code"], "TooManyRequests");
    // Other serials are not held back, from the same client either.
    let r = verify_from(&s, "192.0.2.4", "DEMO-CD 000102").await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_client_is_the_address_the_trusted_proxy_appended_not_one_it_was_sent() {
    let mut config = bundled_config();
    config.trusted_proxy_hops = 1;
    config.verify_rate_per_minute = 2;
    let s = spawn(config).await;
    // The same client twice, claiming other addresses on the left of the header.
    for spoof in ["1.1.1.1", "2.2.2.2"] {
        let r = verify_from(&s, &format!("{spoof}, 203.0.113.7"), UNKNOWN).await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let r = verify_from(&s, "3.3.3.3, 203.0.113.7", UNKNOWN).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let r = verify_from(&s, "203.0.113.8", UNKNOWN).await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "another client has its own quota"
    );
}

/// `vetmap serve` with one more environment variable, expected to refuse to start: its
/// standard error.
fn refused_start(name: &str, value: &str) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vetmap"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env_remove("DATABASE_URL")
        .env("VETMAP_DATA_DIR", common::repo_path("data"))
        .env(
            "VETMAP_SIGNING_KEYS",
            common::scratch_dir("refused").join("k.pem"),
        )
        .env(name, value)
        .output()
        .expect("vetmap runs");
    assert!(!out.status.success(), "{name}={value:?} was accepted");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn the_retired_upload_token_stops_the_server_naming_personal_api_tokens() {
    for token in ["", "q0Xh8oM4y2mHk5Yb7nZ1cTgW3rLp9sVd6eJfAaBuCiE="] {
        let err = refused_start("VETMAP_UPLOAD_TOKEN", token);
        assert!(
            err.contains("VETMAP_UPLOAD_TOKEN is no longer read")
                && err.contains("personal API token")
                && err.contains("/api/v1/tokens"),
            "{token:?}: {err}"
        );
        // The refusal does not repeat the secret it was given.
        assert!(token.is_empty() || !err.contains(token), "{err}");
    }
}

#[test]
fn the_retired_proxy_header_setting_stops_the_server_naming_its_replacement() {
    let err = refused_start("VETMAP_TRUSTED_PROXY_HEADER", "X-Forwarded-For");
    assert!(err.contains("VETMAP_TRUSTED_PROXY_HOPS"), "{err}");
}

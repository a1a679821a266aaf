//! Signing keys that outlive the process: the real binary with a key ring in a scratch
//! directory, stopped and started again, rotated with `vetmap keys rotate`.

mod common;

use common::{ServedBinary, scratch_dir};
use serde_json::{Value, json};
use vetmap::credentials::jws::Jwks;
use vetmap::credentials::statement::verify_offline;

// From data/credentials.csv (fictitious records).
const VALID: (&str, &str) = ("DEMO-CD 000101", "2002-03-14");

fn vetmap(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_vetmap"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("vetmap runs")
}

fn serve(ring: &std::path::Path) -> ServedBinary {
    ServedBinary::start(&[("VETMAP_SIGNING_KEYS", ring.to_str().unwrap())])
}

async fn jwks(s: &ServedBinary) -> (String, Jwks) {
    let text = reqwest::get(format!("{}/.well-known/jwks.json", s.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let parsed = serde_json::from_str(&text).expect("a JWK Set");
    (text, parsed)
}

/// Verifies the bundled valid credential: its statement token and signed statement.
async fn statement(s: &ServedBinary) -> (String, String) {
    let v: Value = reqwest::Client::new()
        .post(format!("{}/api/v1/credentials/verify", s.base))
        .json(&json!({"serial": VALID.0, "birth_date": VALID.1}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["result"], "valid", "{v}");
    let token = v["statement"]["token"].as_str().unwrap().to_owned();
    (token.clone(), statement_of(s, &token).await)
}

async fn statement_of(s: &ServedBinary, token: &str) -> String {
    let r = reqwest::get(format!("{}/api/v1/credentials/{token}/statement", s.base))
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the token {token} names no statement");
    r.text().await.unwrap()
}

fn kid_of(jws: &str) -> String {
    use base64::Engine;
    let header = jws.split('.').next().unwrap();
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .unwrap();
    let header: Value = serde_json::from_slice(&header).unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn statements_verify_and_tokens_resolve_after_a_restart() {
    let ring = scratch_dir("restart").join("state/signing-keys.pem");
    let first = serve(&ring);
    let (token, jws) = statement(&first).await;
    let (jwks_before, _) = jwks(&first).await;
    assert!(first.terminate().success());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&ring).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the ring is private");
    }

    let second = serve(&ring);
    let (jwks_after, keys) = jwks(&second).await;
    assert_eq!(jwks_after, jwks_before);
    verify_offline(&jws, &keys, None).expect("the statement from before still verifies");
    let again = statement_of(&second, &token).await;
    assert_eq!(kid_of(&again), kid_of(&jws));
}

#[tokio::test]
async fn after_rotation_old_statements_verify_and_new_ones_carry_the_new_kid() {
    let dir = scratch_dir("rotate");
    let ring = dir.join("signing-keys.pem");
    let before = serve(&ring);
    let (token, old) = statement(&before).await;
    assert!(before.terminate().success());

    let rotated = vetmap(&["keys", "rotate", "--signing-keys", ring.to_str().unwrap()]);
    assert!(rotated.status.success(), "{rotated:?}");
    let listed = vetmap(&["keys", "list", "--signing-keys", ring.to_str().unwrap()]);
    let listed = String::from_utf8(listed.stdout).unwrap();
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines.len(), 2, "{listed}");
    assert!(lines[0].starts_with(&kid_of(&old)) && !lines[0].ends_with("signs"));
    assert!(lines[1].ends_with("signs"), "{listed}");
    let new_kid = lines[1].split_whitespace().next().unwrap().to_owned();
    assert_ne!(new_kid, kid_of(&old));

    let after = serve(&ring);
    let (jwks_text, keys) = jwks(&after).await;
    assert_eq!(keys.keys.len(), 2, "{jwks_text}");
    verify_offline(&old, &keys, None).expect("a statement signed before rotation verifies");
    // The token printed before rotation still names the record; its statement is now
    // signed by the new key.
    let new = statement_of(&after, &token).await;
    assert_eq!(kid_of(&new), new_kid);
    verify_offline(&new, &keys, None).expect("a new statement verifies");

    // The check page a printed QR code opens: the statement (new key) and the status
    // list checked in the browser against the two-key set.
    let page = format!("{}/verify.html#statement={token}", after.base);
    let dom = tokio::task::spawn_blocking(move || common::rendered_dom(&page))
        .await
        .unwrap();
    assert!(dom.contains(r#"data-result="statusOk""#), "{dom}");

    // `vetmap verify` picks the key by kid from the published set.
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_owned()
    };
    let jwks_file = write("jwks.json", &jwks_text);
    for (name, jws) in [("old.jwt", &old), ("new.jwt", &new)] {
        let file = write(name, jws);
        let out = vetmap(&["verify", &file, "--jwks", &jwks_file]);
        assert!(out.status.success(), "{name}: {out:?}");
    }
}

#[tokio::test]
async fn the_single_key_setting_is_read_as_a_ring_of_one_and_never_written() {
    // `openssl genpkey -algorithm ed25519` output (RFC 8410 §10.3's example key).
    let pem = "-----BEGIN PRIVATE KEY-----\n\
               MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n\
               -----END PRIVATE KEY-----\n";
    let dir = scratch_dir("single-key");
    let key = dir.join("key.pem");
    std::fs::write(&key, pem).unwrap();
    let ring = dir.join("unused/signing-keys.pem");
    let s = ServedBinary::start(&[
        ("VETMAP_SIGNING_KEY", key.to_str().unwrap()),
        ("VETMAP_SIGNING_KEYS", ring.to_str().unwrap()),
    ]);
    let (_, keys) = jwks(&s).await;
    assert_eq!(keys.keys.len(), 1);
    // RFC 8410's example public key is 19bf44096984cdfe8541bac167dc3b96c85086aa30b6b6cb0c5c38ad703166e1.
    assert_eq!(
        keys.keys[0].x,
        "Gb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE"
    );
    let (_, jws) = statement(&s).await;
    verify_offline(&jws, &keys, None).unwrap();
    assert_eq!(std::fs::read_to_string(&key).unwrap(), pem);
    assert!(
        !ring.exists(),
        "the ring setting is not used beside the single key"
    );
}

//! Every write the OpenAPI document says needs an official is refused to nobody and to a
//! forged cross-site request alike, and writes nothing. The routes come from the served
//! document, so a write route added later is checked without touching this file.

mod common;

use common::officials::{create_account, sign_in};
use common::spawn_with_db;
use reqwest::Method;
use serde_json::{Value, json};
use vetmap::auth::Role;

/// A path of the document made concrete with values the data has: `{id}` is an account's
/// or a token's number under `/accounts` and `/tokens`, an institution's id elsewhere.
fn concrete(path: &str, account: i64) -> String {
    let numbered = path.starts_with("/api/v1/accounts/") || path.starts_with("/api/v1/tokens/");
    let id = if numbered {
        account.to_string()
    } else {
        "gdnn-gdtx-cau-ke".to_owned()
    };
    let mut url = path.to_owned();
    for (name, value) in [
        ("{id}", id.as_str()),
        ("{period}", "2025"),
        ("{indicator}", "online_public_services_level4"),
        ("{token}", "AAAAAAAAAAAAAAAAAAAAAA"),
    ] {
        url = url.replace(name, value);
    }
    assert!(!url.contains('{'), "no value for a parameter of {path}");
    url
}

/// Whether an operation may be called by a browser session (its security names the
/// session cookie).
fn takes_a_session(op: &Value) -> bool {
    op["security"]
        .as_array()
        .is_some_and(|s| s.iter().any(|r| r.get("sessionCookie").is_some()))
}

#[tokio::test]
async fn every_write_for_officials_refuses_nobody_and_a_forged_request_and_writes_nothing() {
    let (s, db) = spawn_with_db().await;
    let admin = create_account(&db, "quan.tri", Role::Admin, &[], &[]).await;
    let session = sign_in(&s, "quan.tri").await;
    let doc: Value = s.get("/api").await.json().await.unwrap();
    let pool = db.pool().await;
    let audit = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM audit_log")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let before = audit().await;

    let mut checked = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let method: Method = match method.as_str() {
                "post" | "put" | "patch" | "delete" => method.to_uppercase().parse().unwrap(),
                _ => continue,
            };
            if !takes_a_session(op) {
                continue;
            }
            // `/api/v1/session` signs in: it is the one write anybody may send.
            if path == "/api/v1/session" && method == Method::POST {
                continue;
            }
            let url = concrete(path, admin);
            let body = json!({});
            let nobody = s
                .client
                .request(method.clone(), s.url(&url))
                .header("if-match", "\"1\"")
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(nobody.status(), 401, "{method} {url} without an account");
            let v: Value = nobody.json().await.unwrap();
            assert_eq!(v["code"], "Unauthorized", "{method} {url}: {v}");

            let forged = session
                .without_csrf(&s, method.clone(), &url)
                .header("if-match", "\"1\"")
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(
                forged.status(),
                403,
                "{method} {url} without the CSRF token"
            );
            let v: Value = forged.json().await.unwrap();
            assert!(
                v["description"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("CSRF"),
                "{method} {url}: {v}"
            );
            checked.push(format!("{method} {path}"));
        }
    }
    assert!(
        checked.len() >= 12,
        "the document lists the officials' writes: {checked:?}"
    );
    for must in [
        "PUT /api/v1/institutions/{id}",
        "POST /api/v1/institutions",
        "POST /api/v1/institutions/{id}/retire",
        "POST /api/v1/accounts",
        "PATCH /api/v1/accounts/{id}",
        "POST /api/v1/tokens",
        "PUT /api/v1/institutions/{id}/reports/{period}",
        "POST /api/v1/credentials/revocations",
        "POST /api/v1/credentials/batches",
    ] {
        assert!(
            checked.iter().any(|c| c == must),
            "{must} was not checked: {checked:?}"
        );
    }
    assert_eq!(
        audit().await,
        before,
        "no refused write left a trace of a change"
    );
    let changed: i64 =
        sqlx::query_scalar("SELECT version FROM institutions WHERE id = 'gdnn-gdtx-cau-ke'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let (_, record) = s
        .get_json("/api/v1/institutions/gdnn-gdtx-cau-ke/record")
        .await;
    assert_eq!(record["version"], changed);
}

//! Signing in, and the ways a session or a token ends: guessing is rate limited, a
//! session ends at sign-out, at its time limit, when an administrator ends it or disables
//! the account; a personal API token works without a CSRF token until it is revoked, and
//! cannot make more tokens.

mod common;

use common::officials::{PASSWORD, create_account, sign_in};
use common::{TestServer, spawn_with_db};
use reqwest::Method;
use serde_json::{Value, json};
use vetmap::auth::Role;

async fn whoami(s: &TestServer, cookie: &str) -> reqwest::StatusCode {
    s.client
        .get(s.url("/api/v1/session"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_login_get_the_same_answer_and_guessing_is_limited() {
    let (s, db) = spawn_with_db().await;
    create_account(&db, "so.gddt", Role::Province, &[], &[]).await;
    let attempt = |login: &'static str, password: &'static str| {
        s.client
            .post(s.url("/api/v1/session"))
            .json(&json!({"login": login, "password": password}))
            .send()
    };
    let wrong = attempt("so.gddt", "not the password at all").await.unwrap();
    assert_eq!(wrong.status(), 401);
    let unknown = attempt("nobody.here", "not the password at all")
        .await
        .unwrap();
    assert_eq!(unknown.status(), 401);
    assert_eq!(
        wrong.json::<Value>().await.unwrap(),
        unknown.json::<Value>().await.unwrap(),
        "nothing tells a login that exists from one that does not"
    );
    // Ten attempts per login per quarter hour (the wrong password above spent one): the
    // loop runs past them, and then the login is refused even with the right password.
    let mut statuses = Vec::new();
    for _ in 0..10 {
        statuses.push(
            attempt("so.gddt", "still not the password")
                .await
                .unwrap()
                .status(),
        );
    }
    assert!(
        statuses.contains(&reqwest::StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    let r = s
        .client
        .post(s.url("/api/v1/session"))
        .json(&json!({"login": "so.gddt", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn a_session_ends_at_sign_out_at_its_time_limit_and_when_an_administrator_ends_it() {
    let (s, db) = spawn_with_db().await;
    create_account(&db, "quan.tri", Role::Admin, &[], &[]).await;
    let official = create_account(&db, "so.gddt", Role::Province, &[], &[]).await;
    let admin = sign_in(&s, "quan.tri").await;

    let a = sign_in(&s, "so.gddt").await;
    assert_eq!(whoami(&s, &a.cookie).await, 200);
    let out = a
        .request(&s, Method::DELETE, "/api/v1/session")
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    assert!(
        out.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(whoami(&s, &a.cookie).await, 401, "signed out");

    let b = sign_in(&s, "so.gddt").await;
    let pool = db.pool().await;
    sqlx::query("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE account_id = $1 AND revoked_at IS NULL")
        .bind(official)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(whoami(&s, &b.cookie).await, 401, "past its time limit");

    let c = sign_in(&s, "so.gddt").await;
    let ended = admin
        .request(
            &s,
            Method::DELETE,
            &format!("/api/v1/accounts/{official}/sessions"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(ended.status(), 204);
    assert_eq!(
        whoami(&s, &c.cookie).await,
        401,
        "ended by an administrator"
    );

    let d = sign_in(&s, "so.gddt").await;
    let disabled = admin
        .request(&s, Method::PATCH, &format!("/api/v1/accounts/{official}"))
        .json(&json!({"disabled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(disabled.status(), 200);
    assert_eq!(whoami(&s, &d.cookie).await, 401, "the account is disabled");
    let again = s
        .client
        .post(s.url("/api/v1/session"))
        .json(&json!({"login": "so.gddt", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 401, "a disabled account cannot sign in");
}

#[tokio::test]
async fn a_personal_token_needs_no_csrf_token_cannot_make_tokens_and_stops_when_revoked() {
    let (s, db) = spawn_with_db().await;
    create_account(&db, "so.gddt", Role::Province, &[], &[]).await;
    let browser = sign_in(&s, "so.gddt").await;
    let made = browser
        .request(&s, Method::POST, "/api/v1/tokens")
        .json(&json!({"name": "nightly upload script", "expires_in_days": 30}))
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 201);
    let made: Value = made.json().await.unwrap();
    let token = made["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("vmt_"));

    let me = s
        .client
        .get(s.url("/api/v1/session"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    assert_eq!(me.json::<Value>().await.unwrap()["via"], "token");

    let record = s.get("/api/v1/institutions/gdnn-gdtx-tra-cu/record").await;
    let etag = record.headers()["etag"].to_str().unwrap().to_owned();
    let mut form = record.json::<Value>().await.unwrap()["record"].clone();
    form["phone"] = json!("0294 3855 000");
    let saved = s
        .client
        .put(s.url("/api/v1/institutions/gdnn-gdtx-tra-cu"))
        .bearer_auth(&token)
        .header("if-match", etag)
        .json(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(
        saved.status(),
        200,
        "a script's write carries no CSRF token"
    );

    let minted = s
        .client
        .post(s.url("/api/v1/tokens"))
        .bearer_auth(&token)
        .json(&json!({"name": "a copy"}))
        .send()
        .await
        .unwrap();
    common::assert_json_error(minted, 403, "Forbidden", None).await;

    let listed: Value = browser
        .request(&s, Method::GET, "/api/v1/tokens")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        !listed.to_string().contains(&token),
        "the token itself is never listed"
    );
    let id = made["id"].as_i64().unwrap();
    let revoked = browser
        .request(&s, Method::DELETE, &format!("/api/v1/tokens/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 204);
    let after = s
        .client
        .get(s.url("/api/v1/session"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    common::assert_json_error(after, 401, "Unauthorized", Some("revoked")).await;
}

#[tokio::test]
async fn only_an_administrator_manages_accounts_and_no_one_locks_themselves_out() {
    let (s, db) = spawn_with_db().await;
    let admin_id = create_account(&db, "quan.tri", Role::Admin, &[], &[]).await;
    create_account(&db, "so.gddt", Role::Province, &[], &[]).await;
    let province = sign_in(&s, "so.gddt").await;
    let r = province
        .request(&s, Method::GET, "/api/v1/accounts")
        .send()
        .await
        .unwrap();
    common::assert_json_error(r, 403, "Forbidden", None).await;

    let admin = sign_in(&s, "quan.tri").await;
    let create = |body: Value| {
        admin
            .request(&s, Method::POST, "/api/v1/accounts")
            .json(&body)
            .send()
    };
    let made = create(
        json!({"login": "huyen.cau.ke", "display_name": "Phòng GD huyện Cầu Kè",
        "role": "district", "password": "một mật khẩu đủ dài",
        "areas": [{"scheme": "pre2025", "code": "845"}]}),
    )
    .await
    .unwrap();
    assert_eq!(made.status(), 201);
    let bad_scope = create(
        json!({"login": "huyen.khac", "display_name": "X", "role": "district",
        "password": "một mật khẩu đủ dài"}),
    )
    .await
    .unwrap();
    assert_eq!(bad_scope.status(), 400);
    let parameter = |v: Value| v["parameter"].as_str().map(str::to_owned);
    assert_eq!(
        parameter(bad_scope.json().await.unwrap()).as_deref(),
        Some("areas")
    );
    let short = create(
        json!({"login": "ngan.qua", "display_name": "X", "role": "province",
        "password": "ngắn"}),
    )
    .await
    .unwrap();
    assert_eq!(
        parameter(short.json().await.unwrap()).as_deref(),
        Some("password")
    );
    let taken = create(
        json!({"login": "so.gddt", "display_name": "X", "role": "province",
        "password": "một mật khẩu đủ dài"}),
    )
    .await
    .unwrap();
    assert_eq!(taken.status(), 409);

    let demote_self = admin
        .request(&s, Method::PATCH, &format!("/api/v1/accounts/{admin_id}"))
        .json(&json!({"role": "province"}))
        .send()
        .await
        .unwrap();
    assert_eq!(demote_self.status(), 400);

    let entries: Value = admin
        .request(&s, Method::GET, "/api/v1/audit?action=account")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let created = &entries["entries"][0];
    assert_eq!(created["action"], "account.create");
    assert_eq!(created["actor"], "quan.tri");
    assert_eq!(created["subject"], "huyen.cau.ke");
    assert!(
        !entries.to_string().contains("một mật khẩu"),
        "no password in history"
    );
}

//! Officials' secrets never reach the logs: with every log level on (sqlx's statements
//! included), signing in and failing to, making and using a personal API token,
//! changing a password, an administrator creating an account, refused passwords and
//! signing out leave no password, session cookie, CSRF token, API token, stored digest
//! or Argon2 hash behind.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::officials::{PASSWORD, Session, create_account, sign_in};
use common::{TestDb, TestServer, bundled_config, repo_path, spawn};
use reqwest::Method;
use serde_json::{Value, json};
use vetmap::auth::Role;
use vetmap::auth::secret::digest;

const WRONG_PASSWORD: &str = "WrongGuess-Ai-Do-9931";
const CREATED_PASSWORD: &str = "Created-By-Admin-Pw-5527";
const CHANGED_PASSWORD: &str = "Changed-Later-Pw-8814";
const SHORT_PASSWORD: &str = "Sh0rt-7713";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn sign_in_with(s: &TestServer, login: &str, password: &str) -> reqwest::Response {
    s.client
        .post(s.url("/api/v1/session"))
        .json(&json!({"login": login, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn session_of(r: reqwest::Response) -> Session {
    assert_eq!(r.status(), 201);
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let body: Value = r.json().await.unwrap();
    Session {
        cookie,
        csrf: body["csrf_token"].as_str().unwrap().to_owned(),
    }
}

async fn password_hashes(db: &TestDb) -> Vec<String> {
    let pool = db.pool().await;
    let hashes = sqlx::query_scalar("SELECT password_hash FROM accounts")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    hashes
}

#[tokio::test]
async fn no_password_session_csrf_token_or_hash_is_logged_even_at_trace_level() {
    let captured = Captured::default();
    let sink = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || sink.clone())
        .init();

    let db = TestDb::create().await;
    db.import_dir(&repo_path("data")).await;
    let mut config = bundled_config();
    config.database_url = Some(db.url.clone());
    let s = spawn(config).await;
    create_account(&db, "quan.tri", Role::Admin, &[], &[]).await;

    let refused = sign_in_with(&s, "quan.tri", WRONG_PASSWORD).await;
    assert_eq!(refused.status(), 401);
    let admin = sign_in(&s, "quan.tri").await;

    let r = admin
        .request(&s, Method::POST, "/api/v1/tokens")
        .json(&json!({"name": "nightly script"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let token = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let used = s
        .client
        .get(s.url("/api/v1/accounts"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(used.status(), 200);
    // A token of the right shape that was never issued.
    let unknown_token = format!("vmt_{}", "Q".repeat(43));
    let r = s
        .client
        .get(s.url("/api/v1/session"))
        .bearer_auth(&unknown_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    let create = |password: &'static str| {
        admin
            .request(&s, Method::POST, "/api/v1/accounts")
            .json(
                &json!({"login": "tinh.tra.vinh", "display_name": "Sở Giáo dục",
                "role": "province", "password": password}),
            )
            .send()
    };
    assert_eq!(create(SHORT_PASSWORD).await.unwrap().status(), 400);
    assert_eq!(create(CREATED_PASSWORD).await.unwrap().status(), 201);
    let hashes_before_change = password_hashes(&db).await;

    let province = session_of(sign_in_with(&s, "tinh.tra.vinh", CREATED_PASSWORD).await).await;
    let change = |current: &'static str, new: &'static str| {
        province
            .request(&s, Method::POST, "/api/v1/session/password")
            .json(&json!({"current_password": current, "new_password": new}))
            .send()
    };
    assert_eq!(
        change(CREATED_PASSWORD, SHORT_PASSWORD)
            .await
            .unwrap()
            .status(),
        400
    );
    assert_eq!(
        change(WRONG_PASSWORD, CHANGED_PASSWORD)
            .await
            .unwrap()
            .status(),
        400
    );
    assert_eq!(
        change(CREATED_PASSWORD, CHANGED_PASSWORD)
            .await
            .unwrap()
            .status(),
        204
    );
    let again = session_of(sign_in_with(&s, "tinh.tra.vinh", CHANGED_PASSWORD).await).await;
    let r = admin
        .request(&s, Method::DELETE, "/api/v1/session")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let hashes_after_change = password_hashes(&db).await;

    let logs = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(
        logs.contains("/api/v1/session")
            && logs.contains("/api/v1/tokens")
            && logs.contains("INSERT INTO sessions")
            && logs.contains("sign-in refused"),
        "the capture works: {logs}"
    );

    let mut secrets: Vec<String> = [
        PASSWORD,
        WRONG_PASSWORD,
        CREATED_PASSWORD,
        CHANGED_PASSWORD,
        SHORT_PASSWORD,
    ]
    .map(str::to_owned)
    .to_vec();
    for session in [&admin, &province, &again] {
        let value = session.cookie.split_once('=').unwrap().1;
        secrets.push(value.to_owned());
        secrets.push(hex::encode(digest(value)));
        secrets.push(session.csrf.clone());
    }
    secrets.push(token.clone());
    secrets.push(token.strip_prefix("vmt_").unwrap().to_owned());
    secrets.push(hex::encode(digest(&token)));
    secrets.push(unknown_token);
    for hash in hashes_before_change.iter().chain(&hashes_after_change) {
        secrets.push(hash.clone());
        // The salt and the digest alone, however a hash were printed.
        secrets.extend(hash.rsplit('$').take(2).map(str::to_owned));
    }
    assert_eq!(hashes_after_change.len(), 2);
    assert_ne!(hashes_before_change, hashes_after_change);
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "the logs contain {secret:?}:\n{logs}"
        );
    }
}

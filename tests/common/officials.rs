//! Officials in tests: accounts made straight in the database (as `vetmap accounts
//! create` makes them), signed in over HTTP like a browser (the session cookie and the
//! CSRF token it must send with every write).
#![allow(dead_code)]

use vetmap::auth::{AreaRef, NewPassword, Role};
use vetmap::model::{InstitutionId, Scheme};
use vetmap::store::pg::accounts::{self, NewAccount};
use vetmap::store::pg::audit::Actor;

use super::{TestDb, TestServer};

pub const PASSWORD: &str = "mật khẩu đủ dài 2026";

/// Creates an account with `PASSWORD`. `areas` are (scheme, code) pairs.
pub async fn create_account(
    db: &TestDb,
    login: &str,
    role: Role,
    areas: &[(&str, &str)],
    institutions: &[&str],
) -> i64 {
    let pool = db.pool().await;
    let new = NewAccount {
        login: login.to_owned(),
        display_name: format!("Cán bộ {login}"),
        role,
        password_hash: NewPassword::parse(PASSWORD).unwrap().hash().unwrap(),
        areas: areas
            .iter()
            .map(|(s, c)| AreaRef {
                scheme: s.parse::<Scheme>().unwrap(),
                code: (*c).to_owned(),
            })
            .collect(),
        institutions: institutions
            .iter()
            .map(|i| InstitutionId::parse(i).unwrap())
            .collect(),
    };
    let id = accounts::create_account(&pool, &new, &Actor::command("test"))
        .await
        .expect("account created");
    pool.close().await;
    id
}

/// A signed-in browser: its cookie and the session's CSRF token.
pub struct Session {
    pub cookie: String,
    pub csrf: String,
}

pub async fn sign_in(s: &TestServer, login: &str) -> Session {
    let r = s
        .client
        .post(s.url("/api/v1/session"))
        .json(&serde_json::json!({"login": login, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "sign-in of {login}");
    let cookie = r
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let body: serde_json::Value = r.json().await.unwrap();
    Session {
        cookie,
        csrf: body["csrf_token"]
            .as_str()
            .expect("a CSRF token")
            .to_owned(),
    }
}

impl Session {
    /// A request as the signed-in browser sends it: cookie and CSRF token.
    pub fn request(
        &self,
        s: &TestServer,
        method: reqwest::Method,
        path: &str,
    ) -> reqwest::RequestBuilder {
        s.client
            .request(method, s.url(path))
            .header("cookie", &self.cookie)
            .header("x-csrf-token", &self.csrf)
    }

    /// The same without the CSRF token, as a forged cross-site request would be.
    pub fn without_csrf(
        &self,
        s: &TestServer,
        method: reqwest::Method,
        path: &str,
    ) -> reqwest::RequestBuilder {
        s.client
            .request(method, s.url(path))
            .header("cookie", &self.cookie)
    }
}

/// A personal API token of the signed-in account, made as a script's owner makes one.
pub async fn api_token(s: &TestServer, session: &Session) -> String {
    let r = session
        .request(s, reqwest::Method::POST, "/api/v1/tokens")
        .json(&serde_json::json!({"name": "tải văn bằng / credential uploads"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "token created");
    let body: serde_json::Value = r.json().await.unwrap();
    body["token"].as_str().expect("the token").to_owned()
}

/// An account with `role` over `institutions`, signed in, and an API token of it.
pub async fn official_with_token(
    s: &TestServer,
    db: &TestDb,
    login: &str,
    role: Role,
    institutions: &[&str],
) -> (Session, String) {
    create_account(db, login, role, &[], institutions).await;
    let session = sign_in(s, login).await;
    let token = api_token(s, &session).await;
    (session, token)
}

//! Credential writes as officials' accounts: uploads with a personal API token or a
//! session cookie and its CSRF token, within the account's institutions; revocations with
//! a reason; reinstatements by the province alone; an audit entry for each, naming the
//! credential by kind and status index, never by serial or holder.

mod common;

use common::officials::{Session, official_with_token};
use common::{TestDb, TestServer, bundled_config, repo_path, spawn};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use vetmap::auth::Role;

const HEADER: &str = "serial,register_no,kind,holder_name,holder_birth_date,occupation_code,occupation_name,institution_id,graduation_year,issue_date,status,revoked_on,revocation_reason\n";
const SCHOOL: &str = "cd-nghe-tra-vinh";
/// Another institution with a credential in data/credentials.csv (valid).
const OTHER: (&str, &str, &str) = ("cd-y-te-tra-vinh", "DEMO-CD 000301", "2003-09-30");

/// One college diploma row of `institution` (fictitious holder).
fn row(serial: &str, institution: &str, status: &str) -> String {
    format!(
        "{serial},REG/{serial},college_diploma,Ngô Thị Bí Mật,1999-09-19,6480201,Công nghệ thông tin,{institution},2024,2024-07-15,{status}\n"
    )
}

struct World {
    s: TestServer,
    /// Kept for its lifetime: the database is dropped with it.
    _db: TestDb,
    pool: sqlx::PgPool,
    /// An institution account of SCHOOL: its session and API token.
    school: Session,
    school_token: String,
    province: Session,
}

async fn world() -> World {
    world_with(|_| {}).await
}

async fn world_with(configure: impl FnOnce(&mut vetmap::Config)) -> World {
    let db = TestDb::create().await;
    db.import_dir(&repo_path("data")).await;
    let mut config = bundled_config();
    config.database_url = Some(db.url.clone());
    configure(&mut config);
    let s = spawn(config).await;
    let (school, school_token) =
        official_with_token(&s, &db, "cd-nghe", Role::Institution, &[SCHOOL]).await;
    let (province, _) = official_with_token(&s, &db, "so-gddt", Role::Province, &[]).await;
    let pool = db.pool().await;
    World {
        s,
        _db: db,
        pool,
        school,
        school_token,
        province,
    }
}

impl World {
    async fn upload_with_token(&self, csv: &str) -> (StatusCode, Value, String) {
        let r = self
            .s
            .client
            .post(self.s.url("/api/v1/credentials/batches"))
            .header("content-type", "text/csv")
            .bearer_auth(&self.school_token)
            .body(format!("{HEADER}{csv}"))
            .send()
            .await
            .unwrap();
        answer(r).await
    }

    async fn post(&self, who: &Session, path: &str, body: Value) -> (StatusCode, Value, String) {
        answer(
            who.request(&self.s, Method::POST, path)
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    async fn serials(&self, serials: &[&str]) -> Vec<String> {
        sqlx::query_scalar("SELECT serial FROM credentials WHERE serial = ANY($1) ORDER BY serial")
            .bind(serials.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>())
            .fetch_all(&self.pool)
            .await
            .unwrap()
    }

    async fn revocation(&self, serial: &str) -> (Option<chrono::NaiveDate>, Option<String>) {
        sqlx::query_as("SELECT revoked_on, revocation_reason FROM credentials WHERE serial = $1")
            .bind(serial)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    async fn verify(&self, serial: &str, birth_date: &str) -> Value {
        self.s
            .client
            .post(self.s.url("/api/v1/credentials/verify"))
            .json(&json!({"serial": serial, "birth_date": birth_date}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

/// Status, JSON body and request id of an answer.
async fn answer(r: reqwest::Response) -> (StatusCode, Value, String) {
    let status = r.status();
    let id = r.headers()["x-request-id"].to_str().unwrap().to_owned();
    (status, r.json().await.unwrap(), id)
}

fn key(institution: &str, serial: &str) -> Value {
    json!({"institution_id": institution, "kind": "college_diploma", "serial": serial})
}

fn with(mut body: Value, field: &str, value: &str) -> Value {
    body[field] = json!(value);
    body
}

/// The status line's code of a raw HTTP/1.1 exchange.
async fn raw_status(addr: &str, request: &[u8]) -> u16 {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await.expect("an answer");
        assert!(n > 0, "closed without an answer");
        head.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&head);
    text.split(' ').nth(1).unwrap().parse().unwrap()
}

#[tokio::test]
async fn an_anonymous_upload_is_refused_before_its_body_is_read() {
    let w = world_with(|c| c.max_body_bytes = 4096).await;
    let addr = w.s.base.trim_start_matches("http://").to_owned();
    // A chunked body twice the limit, whose end never comes: reading it would answer 413
    // (or wait for the rest); the account is checked from the headers first.
    let streamed = |auth: &str| {
        let mut r = format!(
            "POST /api/v1/credentials/batches HTTP/1.1\r\nHost: x\r\n{auth}\
             Content-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n",
            8192
        )
        .into_bytes();
        r.extend(std::iter::repeat_n(b'x', 8192));
        r.extend_from_slice(b"\r\n");
        r
    };
    assert_eq!(raw_status(&addr, &streamed("")).await, 401);
    // With the account, the same body is read, and is over the limit.
    let bearer = format!("Authorization: Bearer {}\r\n", w.school_token);
    assert_eq!(raw_status(&addr, &streamed(&bearer)).await, 413);
}

#[tokio::test]
async fn an_institution_account_cannot_upload_a_row_of_another_institution_and_nothing_is_written()
{
    let w = world().await;
    let csv = format!(
        "{}{}{}",
        row("MINE 1", SCHOOL, "valid,,"),
        row("THEIRS 2", OTHER.0, "valid,,"),
        row("MINE 3", SCHOOL, "valid,,"),
    );
    let (status, v, _) = w.upload_with_token(&csv).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    let said = v["description"].as_str().unwrap();
    assert!(said.contains(OTHER.0) && said.contains("line 3"), "{said}");
    assert!(
        !said.contains("line 2") && !said.contains("line 4"),
        "{said}"
    );
    assert!(!said.contains("Bí Mật") && !said.contains("1999"), "{said}");
    assert!(
        w.serials(&["MINE 1", "THEIRS 2", "MINE 3"])
            .await
            .is_empty(),
        "a refused batch wrote nothing"
    );
    let entries: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'credential.upload'")
            .fetch_one(&w.pool)
            .await
            .unwrap();
    assert_eq!(entries, 0);
    // The same batch without the other institution's row is accepted.
    let (status, v, _) = w
        .upload_with_token(&format!(
            "{}{}",
            row("MINE 1", SCHOOL, "valid,,"),
            row("MINE 3", SCHOOL, "valid,,")
        ))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(v["created"], 2);
}

#[tokio::test]
async fn an_upload_with_an_api_token_needs_no_csrf_token_and_one_with_a_session_cookie_does() {
    let w = world().await;
    let (status, v, _) = w
        .upload_with_token(&row("TOKEN 1", SCHOOL, "valid,,"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let forged = w
        .school
        .without_csrf(&w.s, Method::POST, "/api/v1/credentials/batches")
        .body(format!("{HEADER}{}", row("FORGED 1", SCHOOL, "valid,,")))
        .send()
        .await
        .unwrap();
    common::assert_json_error(forged, 403, "Forbidden", Some("CSRF")).await;
    let signed_in = w
        .school
        .request(&w.s, Method::POST, "/api/v1/credentials/batches")
        .body(format!("{HEADER}{}", row("BROWSER 1", SCHOOL, "valid,,")))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::CREATED);
    assert_eq!(
        w.serials(&["TOKEN 1", "FORGED 1", "BROWSER 1"]).await,
        ["BROWSER 1", "TOKEN 1"]
    );
}

#[tokio::test]
async fn an_upload_creates_credentials_and_never_changes_a_revocation() {
    let w = world().await;
    let (status, v, _) = w.upload_with_token(&row("KEEP 1", SCHOOL, "valid,,")).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(
        (v["created"].as_u64(), v["already_stored"].as_u64()),
        (Some(1), Some(0))
    );
    let index = |pool: sqlx::PgPool| async move {
        sqlx::query_scalar::<_, i64>("SELECT status_index FROM credentials WHERE serial = 'KEEP 1'")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let first = index(w.pool.clone()).await;
    // The same row again is a no-op.
    let (status, v, _) = w.upload_with_token(&row("KEEP 1", SCHOOL, "valid,,")).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(
        (v["created"].as_u64(), v["already_stored"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(index(w.pool.clone()).await, first);
    // The same row revoked is refused at its line, pointing at the revocation endpoint.
    let (status, v, _) = w
        .upload_with_token(&format!(
            "{}{}",
            row("NEW 9", SCHOOL, "valid,,"),
            row("KEEP 1", SCHOOL, "revoked,2025-01-10,cấp nhầm")
        ))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{v}");
    assert_eq!(errors[0]["location"]["position"], "line 3");
    assert_eq!(errors[0]["field"], "status");
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("POST /api/v1/credentials/revocations"),
        "{v}"
    );
    assert_eq!(w.revocation("KEEP 1").await, (None, None));
    assert!(w.serials(&["NEW 9"]).await.is_empty(), "all or nothing");

    // Revoked through the endpoint, it cannot be made valid by an upload either...
    let (status, v, _) = w
        .post(
            &w.school,
            "/api/v1/credentials/revocations",
            with(
                with(key(SCHOOL, "KEEP 1"), "reason", "cấp nhầm"),
                "revoked_on",
                "2025-01-10",
            ),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let (status, v, _) = w.upload_with_token(&row("KEEP 1", SCHOOL, "valid,,")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("POST /api/v1/credentials/reinstatements"),
        "{v}"
    );
    // ... while repeating it exactly as stored is still a no-op.
    let (status, v, _) = w
        .upload_with_token(&row("KEEP 1", SCHOOL, "revoked,2025-01-10,cấp nhầm"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    assert_eq!(
        w.revocation("KEEP 1").await,
        (Some("2025-01-10".parse().unwrap()), Some("cấp nhầm".into()))
    );
}

#[tokio::test]
async fn an_institution_account_revokes_its_own_credential_with_a_reason_and_verify_says_so() {
    let w = world().await;
    let (status, _, _) = w.upload_with_token(&row("OWN 1", SCHOOL, "valid,,")).await;
    assert_eq!(status, StatusCode::CREATED);
    let path = "/api/v1/credentials/revocations";

    // No reason, or an empty one: 400 naming the field; nothing changes.
    for body in [
        key(SCHOOL, "OWN 1"),
        with(key(SCHOOL, "OWN 1"), "reason", "  "),
    ] {
        let (status, v, _) = w.post(&w.school, path, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
        assert_eq!(v["errors"][0]["field"], "reason", "{v}");
    }
    let (status, v, _) = w
        .post(
            &w.school,
            path,
            with(
                with(key(SCHOOL, "OWN 1"), "reason", "x"),
                "revoked_on",
                "2999-01-01",
            ),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["errors"][0]["field"], "revoked_on");
    // A reason naming the holder would be published: refused without repeating it.
    let (status, v, _) = w
        .post(
            &w.school,
            path,
            with(key(SCHOOL, "OWN 1"), "reason", "cấp cho Ngô Thị Bí Mật"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    assert!(!v.to_string().contains("Bí Mật"), "{v}");
    assert_eq!(w.revocation("OWN 1").await, (None, None));

    // Another institution's credential: 403, and it stays valid.
    let (status, v, _) = w
        .post(
            &w.school,
            path,
            with(key(OTHER.0, OTHER.1), "reason", "không phải của tôi"),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(w.verify(OTHER.1, OTHER.2).await["result"], "valid");
    // A serial the school never issued: 404, saying nothing of the serial.
    let (status, v, _) = w
        .post(
            &w.school,
            path,
            with(key(SCHOOL, "NEVER 404"), "reason", "cấp nhầm"),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
    assert!(!v.to_string().contains("NEVER"), "{v}");

    let reason = "Cấp nhầm số hiệu; đã cấp lại bằng số OWN 2";
    let today = vetmap::credentials::revocation::today_in_viet_nam(chrono::Utc::now());
    let (status, v, _) = w
        .post(
            &w.school,
            path,
            with(key(SCHOOL, "own  1"), "reason", reason),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "revoked");
    assert_eq!(v["serial"], "OWN 1", "normalised like an import");
    let seen = w.verify("OWN 1", "1999-09-19").await;
    assert_eq!(seen["result"], "revoked", "{seen}");
    assert_eq!(seen["revocation"]["reason"], reason);
    let dated: chrono::NaiveDate = seen["revocation"]["date"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        dated == today || dated == today.succ_opt().unwrap(),
        "{dated}"
    );
    // Revoking it again is a conflict, not a second revocation.
    let (status, v, _) = w
        .post(
            &w.school,
            path,
            with(key(SCHOOL, "OWN 1"), "reason", "lần hai"),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    assert_eq!(w.revocation("OWN 1").await.1.as_deref(), Some(reason));
}

#[tokio::test]
async fn only_a_province_official_reinstates_a_revoked_credential() {
    let w = world().await;
    let (status, _, _) = w.upload_with_token(&row("BACK 1", SCHOOL, "valid,,")).await;
    assert_eq!(status, StatusCode::CREATED);
    let revoke = with(key(SCHOOL, "BACK 1"), "reason", "nhầm lẫn");
    let (status, v, _) = w
        .post(&w.school, "/api/v1/credentials/revocations", revoke)
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");

    let path = "/api/v1/credentials/reinstatements";
    let undo = with(
        key(SCHOOL, "BACK 1"),
        "reason",
        "thu hồi nhầm, hồ sơ đã đối chiếu",
    );
    let (status, v, _) = w.post(&w.school, path, undo.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    assert_eq!(w.verify("BACK 1", "1999-09-19").await["result"], "revoked");
    let (status, v, _) = w.post(&w.province, path, key(SCHOOL, "BACK 1")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a reason is required: {v}");

    let (status, v, _) = w.post(&w.province, path, undo.clone()).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "valid");
    let seen = w.verify("BACK 1", "1999-09-19").await;
    assert_eq!(seen["result"], "valid", "{seen}");
    assert!(seen["statement"]["token"].is_string());
    let (status, v, _) = w.post(&w.province, path, undo).await;
    assert_eq!(status, StatusCode::CONFLICT, "nothing left to undo: {v}");
}

#[tokio::test]
async fn every_credential_write_leaves_an_audit_entry_with_its_actor_and_request_id() {
    let w = world().await;
    let (_, _, upload_id) = w
        .upload_with_token(&format!(
            "{}{}",
            row("AUDIT 1", SCHOOL, "valid,,"),
            row("AUDIT 2", SCHOOL, "valid,,")
        ))
        .await;
    let (_, _, revoke_id) = w
        .post(
            &w.school,
            "/api/v1/credentials/revocations",
            with(key(SCHOOL, "AUDIT 1"), "reason", "cấp nhầm"),
        )
        .await;
    let (_, _, reinstate_id) = w
        .post(
            &w.province,
            "/api/v1/credentials/reinstatements",
            with(key(SCHOOL, "AUDIT 1"), "reason", "thu hồi nhầm"),
        )
        .await;
    let index: i64 =
        sqlx::query_scalar("SELECT status_index FROM credentials WHERE serial = 'AUDIT 1'")
            .fetch_one(&w.pool)
            .await
            .unwrap();
    type Entry = (
        String,
        String,
        Option<i64>,
        Option<String>,
        Option<String>,
        Option<String>,
        Value,
    );
    let entries: Vec<Entry> = sqlx::query_as(
        "SELECT a.action, a.actor, a.account_id, a.request_id, a.institution_id, a.subject,
                a.changes
         FROM audit_log a WHERE a.action LIKE 'credential.%' ORDER BY a.id",
    )
    .fetch_all(&w.pool)
    .await
    .unwrap();
    assert_eq!(entries.len(), 3, "{entries:?}");
    let account = |login: &str| {
        let pool = w.pool.clone();
        let login = login.to_owned();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT id FROM accounts WHERE login = $1")
                .bind(login)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let school = account("cd-nghe").await;
    let province = account("so-gddt").await;
    let subject = format!("college_diploma #{index}");
    let expected = [
        ("credential.upload", "cd-nghe", school, &upload_id, None),
        (
            "credential.revoke",
            "cd-nghe",
            school,
            &revoke_id,
            Some(subject.as_str()),
        ),
        (
            "credential.reinstate",
            "so-gddt",
            province,
            &reinstate_id,
            Some(subject.as_str()),
        ),
    ];
    for (e, (action, actor, account_id, request_id, subject)) in entries.iter().zip(expected) {
        assert_eq!(e.0, action);
        assert_eq!(e.1, actor, "{e:?}");
        assert_eq!(e.2, Some(account_id), "{e:?}");
        assert_eq!(e.3.as_deref(), Some(request_id.as_str()), "{e:?}");
        assert_eq!(e.4.as_deref(), Some(SCHOOL), "{e:?}");
        assert_eq!(e.5.as_deref(), subject, "{e:?}");
        let said = format!("{e:?}");
        for private in ["AUDIT", "Bí Mật", "Ngô", "1999-09-19", "REG/"] {
            assert!(!said.contains(private), "{private} in {said}");
        }
    }
    assert_eq!(
        entries[0].6,
        json!({"credentials": {"before": null, "after":
            {"rows": 2, "created": 2, "created_revoked": 0, "already_stored": 0}}})
    );
    assert_eq!(entries[1].6["revocation_reason"]["after"], "cấp nhầm");
    assert_eq!(
        entries[2].6["status"],
        json!({"before": "revoked", "after": "valid"})
    );
    assert_eq!(
        entries[2].6["reinstatement_reason"]["after"],
        "thu hồi nhầm"
    );
}

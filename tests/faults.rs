//! When PostgreSQL goes away and comes back. The shared PostgreSQL cannot be stopped, so
//! the server under test reaches it through a proxy the test cuts and restores
//! (`common::pg_proxy`); changes the server must discover are made on a direct
//! connection, past the proxy.

mod common;

use std::time::{Duration, Instant};

use common::pg_proxy::PgProxy;
use common::{TestDb, TestServer, bundled_config, eventually, repo_path, spawn, spawn_unready};
use reqwest::StatusCode;
use serde_json::{Value, json};

// From data/credentials.csv (fictitious records).
const VALID: (&str, &str) = ("DEMO-CD 000101", "2002-03-14");
/// A refusal must come back within this: a bound on waiting, not a benchmark.
const PROMPTLY: Duration = Duration::from_secs(3);
/// How long a test waits for the server to recover.
const RECOVERY: Duration = Duration::from_secs(30);

/// A fresh database with `data/` imported, and a proxy to it.
async fn database_behind_proxy() -> (TestDb, PgProxy) {
    let db = TestDb::create().await;
    db.import_dir(&repo_path("data")).await;
    let proxy = PgProxy::start(&db.url).await;
    (db, proxy)
}

/// A configuration reaching the database through the proxy, with room for the polling
/// of credential checks and a quick periodic version check.
fn config_through(db: &TestDb, proxy: &PgProxy) -> vetmap::Config {
    let mut config = bundled_config();
    config.database_url = Some(proxy.url(&db.url));
    config.verify_rate_per_minute = 10_000;
    config.change_check_ms = 300;
    config
}

async fn verify(s: &TestServer, (serial, birth_date): (&str, &str)) -> reqwest::Response {
    s.client
        .post(s.url("/api/v1/credentials/verify"))
        .json(&json!({"serial": serial, "birth_date": birth_date}))
        .send()
        .await
        .expect("request reaches the server")
}

/// Asserts a prompt 503 `DatabaseUnavailable` whose body says nothing of the driver's.
async fn assert_database_unavailable(answer: impl Future<Output = reqwest::Response>) {
    let started = Instant::now();
    let r = answer.await;
    let waited = started.elapsed();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = r.json().await.expect("a JSON body");
    assert_eq!(body["code"], "DatabaseUnavailable", "{body}");
    assert_no_driver_text(&body);
    assert!(waited < PROMPTLY, "answered after {waited:?}");
}

/// What a driver error would leak: addresses, OS errors, the driver's own phrases.
fn assert_no_driver_text(body: &Value) {
    let text = body.to_string().to_lowercase();
    for leak in [
        "127.0.0.1",
        "os error",
        "sqlx",
        "pool",
        "connection",
        "eof",
        "io error",
    ] {
        assert!(!text.contains(leak), "{leak:?} in {body}");
    }
}

async fn name_en(s: &TestServer, id: &str) -> Value {
    let (status, v) = s.get_json(&format!("/api/v1/institutions/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v["name_en"].clone()
}

#[tokio::test]
async fn while_the_database_is_away_map_reads_answer_and_database_reads_answer_503_promptly() {
    let (db, proxy) = database_behind_proxy().await;
    let s = spawn(config_through(&db, &proxy)).await;
    assert_eq!(verify(&s, VALID).await.status(), StatusCode::OK);

    proxy.cut();
    for path in [
        "/api/v1/nearby?lon=106.34&lat=9.94&limit=3",
        "/tiles/institutions/0/0/0.mvt",
        "/collections/institutions/items?limit=5",
        "/api/v1/institutions/cd-nghe-tra-vinh",
    ] {
        let r = s.get(path).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
    }
    assert_database_unavailable(verify(&s, VALID)).await;
    assert_database_unavailable(s.get("/api/v1/institutions/cd-nghe-tra-vinh/credential-counts"))
        .await;

    let started = Instant::now();
    let (status, ready) = s.get_json("/ready").await;
    assert!(
        started.elapsed() < PROMPTLY,
        "/ready took {:?}",
        started.elapsed()
    );
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready["status"], "not_ready", "{ready}");
    assert_eq!(ready["reasons"], json!(["database unreachable"]), "{ready}");
    assert_no_driver_text(&ready);

    proxy.restore();
    let answer = eventually(RECOVERY, "a credential check after the restore", || async {
        let r = verify(&s, VALID).await;
        (r.status() == StatusCode::OK).then_some(r)
    })
    .await;
    let v: Value = answer.json().await.unwrap();
    assert_eq!(v["result"], "valid", "{v}");
    let (status, _) = s.get_json("/ready").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_database_that_stops_answering_costs_a_request_the_connection_timeout_not_the_request_timeout()
 {
    let (db, proxy) = database_behind_proxy().await;
    let s = spawn(config_through(&db, &proxy)).await;
    assert_eq!(verify(&s, VALID).await.status(), StatusCode::OK);

    proxy.stall();
    assert_database_unavailable(verify(&s, VALID)).await;
    let started = Instant::now();
    let (status, ready) = s.get_json("/ready").await;
    assert!(
        started.elapsed() < PROMPTLY,
        "/ready took {:?}",
        started.elapsed()
    );
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready["reasons"], json!(["database unreachable"]), "{ready}");
    let (status, _) = s
        .get_json("/api/v1/nearby?lon=106.34&lat=9.94&limit=3")
        .await;
    assert_eq!(status, StatusCode::OK);

    proxy.restore();
    eventually(RECOVERY, "a credential check after the restore", || async {
        (verify(&s, VALID).await.status() == StatusCode::OK).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_change_committed_while_the_database_was_away_reaches_the_index_after_it_returns() {
    let (db, proxy) = database_behind_proxy().await;
    let s = spawn(config_through(&db, &proxy)).await;
    s.until_listening().await;

    proxy.cut();
    // Its notification goes to a connection the proxy has closed: lost.
    let direct = db.pool().await;
    sqlx::query(
        "UPDATE institutions SET name_en = 'Changed while away' WHERE id = 'cd-nghe-tra-vinh'",
    )
    .execute(&direct)
    .await
    .unwrap();
    assert_ne!(name_en(&s, "cd-nghe-tra-vinh").await, "Changed while away");

    proxy.restore();
    eventually(RECOVERY, "the change reaching the index", || async {
        (name_en(&s, "cd-nghe-tra-vinh").await == "Changed while away").then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_version_bump_that_sent_no_notification_is_found_by_the_periodic_check() {
    let (db, proxy) = database_behind_proxy().await;
    let s = spawn(config_through(&db, &proxy)).await;
    s.until_listening().await;

    // As a notification lost on its way: the change and its version bump, with the
    // triggers (and so the NOTIFY) switched off for this transaction.
    let direct = db.pool().await;
    let mut tx = direct.begin().await.unwrap();
    for sql in [
        "SET LOCAL session_replication_role = replica",
        "UPDATE institutions SET name_en = 'Changed silently' WHERE id = 'cd-nghe-tra-vinh'",
        "UPDATE dataset_version SET version = version + 1",
    ] {
        sqlx::query(sql).execute(&mut *tx).await.unwrap();
    }
    tx.commit().await.unwrap();

    eventually(
        RECOVERY,
        "the periodic check finding the change",
        || async { (name_en(&s, "cd-nghe-tra-vinh").await == "Changed silently").then_some(()) },
    )
    .await;
    let status = s.state.changes.as_ref().unwrap().borrow().clone();
    assert!(status.listening_since.is_some(), "{status:?}");
}

#[tokio::test]
async fn a_server_started_while_the_database_is_away_answers_health_and_becomes_ready_when_it_returns()
 {
    let (db, proxy) = database_behind_proxy().await;
    proxy.cut();
    let s = spawn_unready(config_through(&db, &proxy)).await;

    let (status, _) = s.get_json("/health").await;
    assert_eq!(status, StatusCode::OK);
    let (status, ready) = s.get_json("/ready").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        ready["reasons"],
        json!(["data not loaded yet", "database unreachable"]),
        "{ready}"
    );
    assert_no_driver_text(&ready);
    let (status, v) = s.get_json("/api/v1/institutions").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(v["code"], "NotReady", "{v}");

    proxy.restore();
    let ready = eventually(RECOVERY, "readiness after the restore", || async {
        let (status, ready) = s.get_json("/ready").await;
        (status == StatusCode::OK).then_some(ready)
    })
    .await;
    assert_eq!(ready["source"], "postgis");
    let (status, list) = s.get_json("/api/v1/institutions").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list["count"].as_u64().unwrap() >= 12, "{list}");
}

const HEADER: &str = "serial,register_no,kind,holder_name,holder_birth_date,occupation_code,occupation_name,institution_id,graduation_year,issue_date,status,revoked_on,revocation_reason\n";

fn credential_row(serial: &str) -> String {
    format!(
        "{HEADER}{serial},DEMO/2024/CD/{n},college_diploma,Lý Thị Thử Nghiệm,2001-04-04,6480201,Công nghệ thông tin,cd-nghe-tra-vinh,2024,2024-07-15,valid,,\n",
        n = &serial[serial.len() - 4..]
    )
}

async fn upload(s: &TestServer, token: &str, serial: &str) -> reqwest::Response {
    s.client
        .post(s.url("/api/v1/credentials/batches"))
        .header("content-type", "text/csv")
        .bearer_auth(token)
        .body(credential_row(serial))
        .send()
        .await
        .expect("request reaches the server")
}

#[tokio::test]
async fn writes_succeed_again_when_the_database_returns_and_none_committed_is_lost() {
    let (db, proxy) = database_behind_proxy().await;
    let s = spawn(config_through(&db, &proxy)).await;
    let (_, token) = common::officials::official_with_token(
        &s,
        &db,
        "cd-nghe",
        vetmap::auth::Role::Institution,
        &["cd-nghe-tra-vinh"],
    )
    .await;
    assert_eq!(
        upload(&s, &token, "DEMO-CD 000901").await.status(),
        StatusCode::CREATED
    );

    proxy.cut();
    assert_database_unavailable(upload(&s, &token, "DEMO-CD 000902")).await;

    proxy.restore();
    eventually(RECOVERY, "an upload after the restore", || async {
        (upload(&s, &token, "DEMO-CD 000902").await.status() == StatusCode::CREATED).then_some(())
    })
    .await;
    let direct = db.pool().await;
    let stored: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM credentials WHERE serial IN ('DEMO-CD 000901', 'DEMO-CD 000902')",
    )
    .fetch_one(&direct)
    .await
    .unwrap();
    assert_eq!(stored, 2);
    for serial in ["DEMO-CD 000901", "DEMO-CD 000902"] {
        let v: Value = verify(&s, (serial, "2001-04-04"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(v["result"], "valid", "{serial}: {v}");
    }
}

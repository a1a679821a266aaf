//! Credential inputs never reach the logs: with every log level on (sqlx's statements
//! included), verifications, statements, QR codes, refused checks, uploads accepted and
//! refused (with an official's API token), a revocation and a reinstatement (with a
//! session cookie), and rate-limited requests leave no serial, name or date of birth
//! behind, nor the officials' password, API token, session cookie or CSRF token.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::officials::{PASSWORD, official_with_token};
use common::{TestDb, bundled_config, repo_path, spawn};
use serde_json::{Value, json};
use vetmap::auth::Role;

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

#[tokio::test]
async fn no_credential_input_or_holder_data_is_logged_even_at_trace_level() {
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
    config.verify_rate_per_minute = 12;
    let s = spawn(config).await;
    let (school, token) =
        official_with_token(&s, &db, "cd-nghe", Role::Institution, &["cd-nghe-tra-vinh"]).await;
    let (province, _) = official_with_token(&s, &db, "so-gddt", Role::Province, &[]).await;
    let upload = |csv: String| {
        s.client
            .post(s.url("/api/v1/credentials/batches"))
            .bearer_auth(&token)
            .body(csv)
            .send()
    };
    let header = "serial,register_no,kind,holder_name,holder_birth_date,occupation_code,occupation_name,institution_id,graduation_year,issue_date,status,revoked_on,revocation_reason\n";
    let row = |name: &str| {
        format!(
            "{header}PRIV-CD 777001,PRIV/2024/777,college_diploma,{name},1998-08-08,6480201,Công nghệ thông tin,cd-nghe-tra-vinh,2024,2024-07-15,valid,,\n"
        )
    };
    assert_eq!(upload(row("Phạm Thị Riêngtư")).await.unwrap().status(), 201);
    // Refused by the database (the record exists with another holder).
    assert_eq!(upload(row("Đỗ Văn Giảmạo")).await.unwrap().status(), 400);
    let key = json!({"institution_id": "cd-nghe-tra-vinh", "kind": "college_diploma",
        "serial": "PRIV-CD 777001"});
    let with_reason = |reason: &str| {
        let mut body = key.clone();
        body["reason"] = json!(reason);
        body
    };
    let r = school
        .request(&s, reqwest::Method::POST, "/api/v1/credentials/revocations")
        .json(&with_reason("cấp nhầm số hiệu"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Refused: the reason names the holder.
    let r = province
        .request(
            &s,
            reqwest::Method::POST,
            "/api/v1/credentials/reinstatements",
        )
        .json(&with_reason("Phạm Thị Riêngtư sinh 08/08/1998"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = province
        .request(
            &s,
            reqwest::Method::POST,
            "/api/v1/credentials/reinstatements",
        )
        .json(&with_reason("thu hồi nhầm"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let post = |body: Value| {
        s.client
            .post(s.url("/api/v1/credentials/verify"))
            .json(&body)
            .send()
    };
    let v: Value = post(
        json!({"serial": "DEMO-CD 000101", "birth_date": "2002-03-14",
        "holder_name": "Nguyễn Văn Thử"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(v["result"], "valid");
    let jws = v["statement"]["links"]["jws"].as_str().unwrap().to_owned();
    assert_eq!(s.get(&jws).await.status(), 200);
    post(json!({"serial": "DEMO-TC 000202", "birth_date": "1999-09-09"}))
        .await
        .unwrap();
    post(json!({"serial": "bad;serial", "birth_date": "x"}))
        .await
        .unwrap();
    let qr = jws.replace("/statement", "/qr.svg");
    assert_eq!(s.get(&qr).await.status(), 200);
    let mut limited = false;
    for _ in 0..20 {
        let r = post(json!({"serial": "PRIV-CD 777001", "birth_date": "1998-08-08"}))
            .await
            .unwrap();
        if r.status() == 429 {
            limited = true;
            break;
        }
    }
    assert!(limited, "the rate limit was reached");

    let logs = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(
        logs.contains("/api/v1/credentials/verify")
            && logs.contains("/api/v1/credentials/batches")
            && logs.contains("/api/v1/credentials/revocations")
            && logs.contains("/api/v1/credentials/reinstatements")
            && logs.contains("INSERT INTO credentials")
            && logs.contains("UPDATE credentials"),
        "the capture works: {logs}"
    );
    let session_ids = [&school, &province].map(|o| {
        o.cookie
            .split_once('=')
            .map(|(_, id)| id.to_owned())
            .unwrap()
    });
    for secret in [PASSWORD, &token, &school.csrf, &province.csrf]
        .into_iter()
        .chain(session_ids.iter().map(String::as_str))
    {
        assert!(!logs.contains(secret), "the logs contain a secret:\n{logs}");
    }
    for private in [
        "DEMO-CD",
        // Whole serials: a bare "000101" also occurs in sqlx's timings (0.000101215 s).
        "CD 000101",
        "DEMO-TC",
        "2002-03-14",
        "1999-09-09",
        "Nguyễn",
        "Nguy",
        "bad;serial",
        "PRIV-CD",
        "CD 777001",
        "1998-08-08",
        "Riêngtư",
        "Giảmạo",
        "08/08/1998",
    ] {
        assert!(
            !logs.contains(private),
            "the logs contain {private:?}:\n{logs}"
        );
    }
}

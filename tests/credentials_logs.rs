//! Credential inputs never reach the logs: with every log level on (sqlx's statements
//! included), verifications, statements, QR codes, refused checks, uploads accepted and
//! refused, and rate-limited requests leave no serial, name or date of birth behind.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{TestDb, bundled_config, repo_path, spawn};
use serde_json::{Value, json};

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
    config.upload_token = Some("s3cret-official".into());
    config.verify_rate_per_minute = 12;
    let s = spawn(config).await;
    let upload = |csv: String| {
        s.client
            .post(s.url("/api/v1/credentials/batches"))
            .bearer_auth("s3cret-official")
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
            && logs.contains("INSERT INTO credentials"),
        "the capture works: {logs}"
    );
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
    ] {
        assert!(
            !logs.contains(private),
            "the logs contain {private:?}:\n{logs}"
        );
    }
}

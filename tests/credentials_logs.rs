//! Credential inputs never reach the logs: with every log level on, a verification, a
//! statement and a failed check leave no serial, name or date of birth behind.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::spawn_bundled;
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

    let s = spawn_bundled().await;
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

    let logs = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(
        logs.contains("/api/v1/credentials/verify"),
        "the capture works: {logs}"
    );
    for private in [
        "DEMO-CD",
        "000101",
        "DEMO-TC",
        "2002-03-14",
        "1999-09-09",
        "Nguyễn",
        "Nguy",
        "bad;serial",
    ] {
        assert!(
            !logs.contains(private),
            "the logs contain {private:?}:\n{logs}"
        );
    }
}

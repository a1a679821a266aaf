//! The "check a diploma" page in a real browser (headless Chromium): opened from a QR
//! link, it fetches the statement and checks its Ed25519 signature and the status list
//! with WebCrypto, offline from the API's point of view.

mod common;

use common::spawn_bundled;
use serde_json::{Value, json};

fn chromium() -> String {
    std::env::var("VETMAP_CHROMIUM").unwrap_or_else(|_| "chromium".into())
}

/// The page's DOM after its scripts ran.
fn rendered(url: &str) -> String {
    let out = std::process::Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--virtual-time-budget=10000",
            "--dump-dom",
            url,
        ])
        .output()
        .unwrap_or_else(|e| {
            panic!("browser tests need Chromium (`bash scripts/test.sh` installs it): {e}")
        });
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn the_page_opened_from_a_qr_link_confirms_a_genuine_unrevoked_statement() {
    let s = spawn_bundled().await;
    let v: Value = s
        .client
        .post(s.url("/api/v1/credentials/verify"))
        .json(&json!({"serial": "DEMO-CD 000101", "birth_date": "2002-03-14"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let page = v["statement"]["links"]["check_page"]
        .as_str()
        .unwrap()
        .to_owned();
    let base = s.base.clone();
    let dom = tokio::task::spawn_blocking(move || rendered(&format!("{base}{page}")))
        .await
        .unwrap();
    assert!(dom.contains(r#"data-result="statusOk""#), "{dom}");
    // A bundled record is a demonstration, and the page says so above everything else.
    assert!(dom.contains(r#"data-demonstration="true""#), "{dom}");
    assert!(dom.contains("BẢN GHI MINH HỌA, không phải văn bằng thật"));
    assert!(dom.contains("Bằng tốt nghiệp cao đẳng"));
    assert!(dom.contains(r#"href="/?institution=cd-nghe-tra-vinh""#));
    assert!(!dom.contains("Nguyễn Văn Thử"));
}

#[tokio::test]
async fn the_page_speaks_english_when_asked() {
    let s = spawn_bundled().await;
    let base = s.base.clone();
    let dom = tokio::task::spawn_blocking(move || rendered(&format!("{base}/verify.html?lang=en")))
        .await
        .unwrap();
    assert!(dom.contains(r#"<html lang="en""#), "{dom}");
    assert!(dom.contains("Check a vocational diploma or certificate"));
}

#[tokio::test]
async fn a_qr_link_whose_statement_is_gone_says_so_and_points_back_to_the_form() {
    // A revoked record's statement, like an unknown token's, is no longer served.
    let s = spawn_bundled().await;
    let base = s.base.clone();
    let dom = tokio::task::spawn_blocking(move || {
        rendered(&format!(
            "{base}/verify.html#statement=AAAAAAAAAAAAAAAAAAAAAA"
        ))
    })
    .await
    .unwrap();
    assert!(
        dom.contains(r#"id="jwsAnswerError"><p>Không còn bản xác nhận cho mã này"#),
        "{dom}"
    );
}

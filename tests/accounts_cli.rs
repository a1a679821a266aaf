//! `vetmap accounts create` bootstraps the first administrator: the binary, with the
//! password on standard input, makes an account that signs in over HTTP on a served
//! binary; a weak password makes none; the password shows in no output.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::{ServedBinary, TestDb, repo_path};
use serde_json::{Value, json};

const LOGIN: &str = "quan.tri.dau.tien";
const PASSWORD: &str = "Mật khẩu quản trị đầu tiên 2026";

fn vetmap(db: &TestDb, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vetmap"))
        .args(args)
        .args(["--database-url", &db.url])
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "trace")
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("vetmap starts");
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(stdin.as_bytes())
        .expect("the password is written");
    child.wait_with_output().expect("vetmap ends")
}

fn create_admin(db: &TestDb, login: &str, password_line: &str) -> Output {
    vetmap(
        db,
        &[
            "accounts",
            "create",
            "--login",
            login,
            "--name",
            "Quản trị đầu tiên",
            "--role",
            "admin",
        ],
        password_line,
    )
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

async fn sign_in(base: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}/api/v1/session"))
        .json(&json!({"login": LOGIN, "password": password}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_first_administrator_made_on_the_command_line_signs_in_over_http() {
    let db = TestDb::create().await;
    db.import_dir(&repo_path("data")).await;

    let weak = create_admin(&db, "quan.tri.yeu", "ngắn quá\n");
    assert!(!weak.status.success(), "{}", text(&weak));
    assert!(
        text(&weak).contains("at least 12 characters"),
        "{}",
        text(&weak)
    );

    let made = create_admin(&db, LOGIN, &format!("{PASSWORD}\n"));
    assert!(made.status.success(), "{}", text(&made));
    assert!(
        String::from_utf8_lossy(&made.stdout).contains(&format!("({LOGIN}, admin)")),
        "{}",
        text(&made)
    );
    assert!(!text(&made).contains(PASSWORD), "{}", text(&made));

    let listed = vetmap(&db, &["accounts", "list"], "");
    assert!(listed.status.success(), "{}", text(&listed));
    let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
    assert!(
        listed.contains(LOGIN) && listed.contains("admin"),
        "{listed}"
    );
    assert!(!listed.contains("quan.tri.yeu"), "{listed}");

    let served = ServedBinary::start(&[("DATABASE_URL", &db.url)]);
    assert_eq!(
        sign_in(&served.base, "Mật khẩu sai hoàn toàn")
            .await
            .status(),
        401
    );
    let r = sign_in(&served.base, PASSWORD).await;
    assert_eq!(r.status(), 201);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["account"]["login"], LOGIN);
    assert_eq!(body["account"]["role"], "admin");
    assert_eq!(body["may"]["manage_accounts"], true);
    assert!(served.terminate().success());
}

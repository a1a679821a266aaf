//! Backups as docs/OPERATIONS.md tells operators to make and restore them: `pg_dump
//! --format=custom`, then `pg_restore --no-owner --exit-on-error --single-transaction`
//! into an empty database made by `createdb`. A restored database serves the same data,
//! versions, history and accounts, and keeps refusing to rewrite its audit log; a
//! restore over a database that is not empty does what the document says it does; the
//! document's catch-up after restoring an older dump, and its check of a dump file, do
//! what it says too.

mod common;

use std::path::PathBuf;

use common::officials::{Session, create_account, sign_in};
use common::pg_tools::{dump, run_pg_tool, run_pg_tool_ok};
use common::{TestDb, TestServer, bundled_config, repo_path, scratch_dir, spawn, spawn_with_db};
use reqwest::Method;
use serde_json::{Value, json};
use vetmap::auth::Role;

const ID: &str = "gdnn-gdtx-cau-ke";
const OFFICIAL: &str = "truong.cau.ke";
const OFFICIAL_PASSWORD: &str = "mật khẩu riêng của trường Cầu Kè";

fn dump_file() -> PathBuf {
    scratch_dir("backup").join("vetmap.dump")
}

/// The restore docs/OPERATIONS.md prescribes.
fn restore_args<'a>(url: &'a str, file: &'a str) -> Vec<&'a str> {
    vec![
        "--no-owner",
        "--exit-on-error",
        "--single-transaction",
        "--dbname",
        url,
        file,
    ]
}

async fn sign_in_as(s: &TestServer, login: &str, password: &str) -> reqwest::Response {
    s.client
        .post(s.url("/api/v1/session"))
        .json(&json!({"login": login, "password": password}))
        .send()
        .await
        .unwrap()
}

/// Signs in with the session's cookie taken from the answer.
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

async fn record(s: &TestServer) -> (String, Value) {
    let r = s.get(&format!("/api/v1/institutions/{ID}/record")).await;
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    (etag, r.json().await.unwrap())
}

async fn edit(s: &TestServer, who: &Session, field: &str, value: &str) -> String {
    let (etag, record) = record(s).await;
    let mut form = record["record"].clone();
    form[field] = json!(value);
    let r = who
        .request(s, Method::PUT, &format!("/api/v1/institutions/{ID}"))
        .header("if-match", &etag)
        .json(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    r.headers()["etag"].to_str().unwrap().to_owned()
}

async fn read_as(s: &TestServer, who: &Session, path: &str) -> Value {
    let r = who.request(s, Method::GET, path).send().await.unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.json().await.unwrap()
}

/// What a server shows of its data and history: equal before a backup and after its
/// restore. Links are absolute with the server's own address, which differs.
#[derive(Debug, PartialEq)]
struct Shown {
    data_version: Value,
    institutions: String,
    institutions_etag: String,
    record: Value,
    record_etag: String,
    history: Value,
    audit: Value,
}

async fn shown(s: &TestServer, admin: &Session) -> Shown {
    let (_, ready) = s.get_json("/ready").await;
    let r = s.get("/api/v1/institutions").await;
    let institutions_etag = r
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let institutions = r.text().await.unwrap().replace(&s.base, "BASE");
    let (record_etag, record) = record(s).await;
    Shown {
        data_version: ready["data_version"].clone(),
        institutions,
        institutions_etag,
        record,
        record_etag,
        history: read_as(s, admin, &format!("/api/v1/institutions/{ID}/history")).await,
        audit: read_as(s, admin, "/api/v1/audit?limit=1000").await,
    }
}

/// Every sequence's position (identity columns included: `audit_log.id`,
/// `credentials.status_index`, `accounts.id`...).
async fn sequences(db: &TestDb) -> Vec<(String, Option<i64>)> {
    let pool = db.pool().await;
    let rows = sqlx::query_as(
        "SELECT sequencename::text, last_value FROM pg_sequences ORDER BY sequencename",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    rows
}

async fn count(db: &TestDb, table: &str) -> i64 {
    let pool = db.pool().await;
    let n = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    n
}

async fn audit_log_refuses_rewrites(db: &TestDb) {
    let pool = db.pool().await;
    for statement in [
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ] {
        let e = sqlx::query(statement)
            .execute(&pool)
            .await
            .expect_err(statement);
        assert!(e.to_string().contains("append-only"), "{statement}: {e}");
    }
    pool.close().await;
}

#[tokio::test]
async fn a_dump_restored_into_an_empty_database_serves_the_same_data_history_and_accounts() {
    let (s, db) = spawn_with_db().await;
    create_account(&db, "quan.tri", Role::Admin, &[], &[]).await;
    let admin = sign_in(&s, "quan.tri").await;
    let r = admin
        .request(&s, Method::POST, "/api/v1/accounts")
        .json(&json!({"login": OFFICIAL, "display_name": "Trường Cầu Kè",
            "role": "institution", "institutions": [ID], "password": OFFICIAL_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let official = session_of(sign_in_as(&s, OFFICIAL, OFFICIAL_PASSWORD).await).await;
    edit(&s, &official, "phone", "0294 3 123 456").await;
    let etag = edit(&s, &admin, "name_en", "Cau Ke Vocational Centre").await;
    let r = official
        .request(&s, Method::POST, "/api/v1/tokens")
        .json(&json!({"name": "nightly upload"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let token = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = shown(&s, &admin).await;
    assert_eq!(before.record_etag, etag);
    assert_eq!(before.history["entries"].as_array().unwrap().len(), 3);
    let last_audit_id = before.audit["entries"][0]["id"].as_i64().unwrap();

    let file = dump_file();
    dump(&db.url, &file);
    let restored = TestDb::create_by_createdb();
    run_pg_tool_ok(
        "pg_restore",
        &restore_args(&restored.url, file.to_str().unwrap()),
    );
    assert_eq!(sequences(&restored).await, sequences(&db).await);

    let mut config = bundled_config();
    config.database_url = Some(restored.url.clone());
    let r2 = spawn(config).await;
    // A session that was open when the dump was taken is in it, and goes on working.
    let after = shown(&r2, &admin).await;
    assert_eq!(after, before);

    let official = session_of(sign_in_as(&r2, OFFICIAL, OFFICIAL_PASSWORD).await).await;
    assert_eq!(
        sign_in_as(&r2, OFFICIAL, "not the password at all")
            .await
            .status(),
        401
    );
    let r = r2
        .client
        .get(r2.url("/api/v1/session"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        200,
        "the API token works on the restored server"
    );

    audit_log_refuses_rewrites(&restored).await;
    // The triggers are back: an edit moves the version on and is audited, with the next
    // id of the restored sequence.
    let new_etag = edit(&r2, &official, "phone", "0294 3 654 321").await;
    assert_eq!(
        new_etag,
        format!("\"{}\"", before.record["version"].as_i64().unwrap() + 1)
    );
    let audit = read_as(&r2, &admin, "/api/v1/audit?limit=1").await;
    assert_eq!(audit["entries"][0]["id"], last_audit_id + 1);
    assert_eq!(audit["entries"][0]["actor"], OFFICIAL);
}

#[tokio::test]
async fn a_data_only_restore_into_a_migrated_database_is_refused_and_writes_nothing() {
    let source = TestDb::create().await;
    source.import_dir(&repo_path("data")).await;
    let file = dump_file();
    dump(&source.url, &file);
    // What `vetmap migrate` leaves: the schema, its migrations table and data version.
    let target = TestDb::create().await;
    let tables = [
        "institutions",
        "audit_log",
        "_sqlx_migrations",
        "credentials",
    ];
    let mut before = Vec::new();
    for t in tables {
        before.push(count(&target, t).await);
    }

    let mut args = vec!["--data-only"];
    args.extend(restore_args(&target.url, file.to_str().unwrap()));
    let out = run_pg_tool("pg_restore", &args);
    assert!(!out.status.success(), "a data-only restore succeeded");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("duplicate key"), "{said}");
    let mut after = Vec::new();
    for t in tables {
        after.push(count(&target, t).await);
    }
    assert_eq!(after, before, "{tables:?}");
}

#[tokio::test]
async fn a_clean_restore_over_a_used_database_takes_its_audit_log_back_to_the_dump() {
    let db = TestDb::create().await;
    db.import_dir(&repo_path("data")).await;
    let file = dump_file();
    dump(&db.url, &file);
    let pool = db.pool().await;
    sqlx::query("UPDATE institutions SET phone = '0294 0 000 000' WHERE id = $1")
        .bind(ID)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let audited = count(&db, "audit_log").await;

    let mut args = vec!["--clean", "--if-exists"];
    args.extend(restore_args(&db.url, file.to_str().unwrap()));
    run_pg_tool_ok("pg_restore", &args);

    // DROP TABLE is not an UPDATE, DELETE or TRUNCATE: the append-only triggers do not
    // stop it, and the entry written after the dump is gone with the edit it recorded.
    assert_eq!(count(&db, "audit_log").await, audited - 1);
    let pool = db.pool().await;
    let phone: Option<String> = sqlx::query_scalar("SELECT phone FROM institutions WHERE id = $1")
        .bind(ID)
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    assert_ne!(phone.as_deref(), Some("0294 0 000 000"));
    audit_log_refuses_rewrites(&db).await;
}

/// The SQL block docs/OPERATIONS.md gives for restoring a dump older than the last
/// change, as written there.
fn documented_catch_up() -> String {
    let doc = std::fs::read_to_string(repo_path("docs/OPERATIONS.md")).unwrap();
    let (_, after) = doc
        .split_once("<!-- tests/backup.rs runs the block below as written -->")
        .expect("docs/OPERATIONS.md marks the catch-up block");
    let (_, block) = after.split_once("```sql\n").expect("an SQL block follows");
    block.split_once("```").unwrap().0.to_owned()
}

async fn scalar(db: &TestDb, sql: &'static str) -> i64 {
    let pool = db.pool().await;
    let v = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
    pool.close().await;
    v
}

#[tokio::test]
async fn after_a_loss_the_documented_catch_up_moves_every_counter_past_the_lost_database() {
    let lost = TestDb::create().await;
    lost.import_dir(&repo_path("data")).await;
    let account = create_account(&lost, "quan.tri", Role::Admin, &[], &[]).await;
    let pool = lost.pool().await;
    vetmap::store::pg::accounts::create_session(
        &pool,
        account,
        &vetmap::auth::secret::digest(&vetmap::auth::secret::new_secret()),
        &vetmap::auth::secret::new_secret(),
        chrono::Utc::now() + chrono::Duration::hours(1),
    )
    .await
    .unwrap();
    pool.close().await;
    let file = dump_file();
    dump(&lost.url, &file);
    // After the dump the lost database moved on: an edit, and status indexes given to
    // credentials uploaded since.
    let pool = lost.pool().await;
    sqlx::query("UPDATE institutions SET phone = '0294 0 000 000' WHERE id = $1")
        .bind(ID)
        .execute(&pool)
        .await
        .unwrap();
    for _ in 0..3 {
        sqlx::query("SELECT nextval('credentials_status_index_seq')")
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
    let lost_version = scalar(&lost, "SELECT version FROM dataset_version").await;
    let lost_index = scalar(&lost, "SELECT last_value FROM credentials_status_index_seq").await;

    let restored = TestDb::create_by_createdb();
    run_pg_tool_ok(
        "pg_restore",
        &restore_args(&restored.url, file.to_str().unwrap()),
    );
    let live_sessions = "SELECT count(*) FROM sessions WHERE revoked_at IS NULL";
    assert_eq!(scalar(&restored, live_sessions).await, 1);
    assert!(scalar(&restored, "SELECT version FROM dataset_version").await < lost_version);

    let pool = restored.pool().await;
    sqlx::raw_sql(sqlx::AssertSqlSafe(documented_catch_up()))
        .execute(&pool)
        .await
        .expect("the documented catch-up runs");
    pool.close().await;
    assert!(scalar(&restored, "SELECT version FROM dataset_version").await > lost_version);
    let next_index = scalar(&restored, "SELECT nextval('credentials_status_index_seq')").await;
    assert!(next_index > lost_index, "{next_index} <= {lost_index}");
    assert_eq!(scalar(&restored, live_sessions).await, 0);
}

#[tokio::test]
async fn the_documented_check_of_a_dump_fails_for_a_dump_cut_short() {
    let db = TestDb::create().await;
    db.import_dir(&repo_path("data")).await;
    let file = dump_file();
    dump(&db.url, &file);
    let check = |f: &std::path::Path| {
        run_pg_tool("pg_restore", &["--file=/dev/null", f.to_str().unwrap()])
            .status
            .success()
    };
    assert!(check(&file));
    let bytes = std::fs::read(&file).unwrap();
    let cut = file.with_file_name("cut.dump");
    std::fs::write(&cut, &bytes[..bytes.len() - 100]).unwrap();
    assert!(!check(&cut), "a dump cut short passed the check");
}

//! The dataset snapshot file (issue 16): a server on PostGIS writes what it loaded after
//! a full load; the next start reads the file and applies the change log since it
//! instead of reading every row, and ignores a damaged or stale file (loading every row,
//! saying why), correct either way.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{TestDb, TestServer, bundled_config, eventually, repo_path, scratch_dir, spawn};
use vetmap::store::pg::{self, FirstLoad};
use vetmap::store::snapshot_file;

async fn start(db: &TestDb, file: &Path) -> TestServer {
    start_with_copy(db, file, true).await
}

/// A server with the snapshot file `file`, and the database's copy of it used (`copy`)
/// or not.
async fn start_with_copy(db: &TestDb, file: &Path, copy: bool) -> TestServer {
    let mut config = bundled_config();
    config.database_url = Some(db.url.clone());
    config.snapshot = Some(file.to_owned());
    config.snapshot_copy = copy;
    spawn(config).await
}

fn first_load(s: &TestServer) -> FirstLoad {
    s.state
        .changes
        .as_ref()
        .expect("a server on PostGIS follows changes")
        .borrow()
        .first_load
        .clone()
}

/// Waits until a snapshot file at `file` includes the change log up to `seq` at least.
async fn until_written(file: &Path, seq: i64) {
    eventually(Duration::from_secs(60), "the snapshot file written", || {
        let ok = snapshot_file::read(file).is_ok_and(|l| l.meta.change_seq >= seq);
        async move { ok.then_some(()) }
    })
    .await;
}

/// Waits until the database's copy of the snapshot file includes the log up to `seq`
/// at least; its description.
async fn until_copied(pool: &sqlx::PgPool, seq: i64) -> pg::SnapshotCopy {
    eventually(
        Duration::from_secs(60),
        "the snapshot copied into the database",
        || {
            let pool = pool.clone();
            async move {
                pg::snapshot_copy(&pool)
                    .await
                    .unwrap()
                    .filter(|c| c.change_seq >= seq)
            }
        },
    )
    .await
}

async fn change_seq(pool: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar("SELECT change_seq FROM dataset_version")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// A server's first snapshot written to `file` and copied into the database, then
/// stopped: the database and the file.
async fn written_and_stopped() -> (TestDb, PathBuf, sqlx::PgPool) {
    let db = TestDb::create().await;
    db.import_dir(&repo_path("data")).await;
    let file = scratch_dir("snapshot").join("dataset.snapshot");
    let pool = db.pool().await;
    let first = start(&db, &file).await;
    assert_eq!(
        first_load(&first),
        FirstLoad::Rows {
            snapshot_skipped: Some(
                "there is no snapshot file yet; the database holds no copy of one".into()
            )
        }
    );
    let seq = change_seq(&pool).await;
    until_written(&file, seq).await;
    let copy = until_copied(&pool, seq).await;
    assert_eq!(
        Some(copy.checksum),
        snapshot_file::header_of(&file).map(|h| h.checksum),
        "the copy is the file"
    );
    assert_eq!(copy.bytes, std::fs::metadata(&file).unwrap().len());
    drop(first);
    (db, file, pool)
}

/// Changes made while no server runs: one institution renamed, one retired.
async fn change_between_starts(pool: &sqlx::PgPool) {
    let renamed = sqlx::query(
        "UPDATE institutions SET name_vi = 'Trường đổi tên giữa hai lần khởi động' \
         WHERE id = 'cd-nghe-tra-vinh'",
    )
    .execute(pool)
    .await
    .unwrap();
    assert_eq!(renamed.rows_affected(), 1);
    let retired = sqlx::query(
        "UPDATE institutions SET retired_at = now(), retired_reason = 'closed' \
         WHERE id = 'dh-tra-vinh'",
    )
    .execute(pool)
    .await
    .unwrap();
    assert_eq!(retired.rows_affected(), 1);
}

/// The server shows both changes.
async fn shows_the_changes(s: &TestServer) {
    let index = s.state.index.current();
    assert_eq!(
        index.institution("cd-nghe-tra-vinh").map(|i| i.name_vi()),
        Some("Trường đổi tên giữa hai lần khởi động")
    );
    assert!(index.institution("dh-tra-vinh").is_none());
    assert_eq!(
        s.get("/api/v1/institutions/dh-tra-vinh").await.status(),
        404
    );
    assert_eq!(
        s.get("/api/v1/institutions/cd-nghe-tra-vinh")
            .await
            .status(),
        200
    );
    // Search too: from the file's search index with the log applied as a delta, or
    // from one built anew.
    let ids = |body: serde_json::Value| -> Vec<String> {
        body["results"]
            .as_array()
            .expect("a list of results")
            .iter()
            .filter_map(|r| r["id"].as_str().map(str::to_owned))
            .collect()
    };
    let (status, renamed) = s
        .get_json("/api/v1/search?q=doi%20ten%20giua%20hai%20lan")
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        ids(renamed).first().map(String::as_str),
        Some("cd-nghe-tra-vinh")
    );
    let (_, retired) = s
        .get_json("/api/v1/search?q=dai%20hoc%20tra%20vinh&limit=50")
        .await;
    assert!(!ids(retired).iter().any(|id| id == "dh-tra-vinh"));
}

#[tokio::test]
async fn a_second_start_uses_the_snapshot_and_sees_what_changed_between() {
    let (db, file, pool) = written_and_stopped().await;
    let file_seq = snapshot_file::read(&file).unwrap().meta.change_seq;
    let before = snapshot_file::read(&file).unwrap().meta.institutions;
    change_between_starts(&pool).await;
    // A copy deleted (or never made: files written before copies were kept) is stored
    // again from the file a server starts from.
    sqlx::query("DELETE FROM dataset_snapshot_copy")
        .execute(&pool)
        .await
        .unwrap();
    let second = start(&db, &file).await;
    assert_eq!(
        first_load(&second),
        FirstLoad::Snapshot {
            file_change_seq: file_seq,
            copy_fetched: None,
            search_rebuilt: None,
        },
        "the institutions and their search index from the file"
    );
    assert_eq!(until_copied(&pool, file_seq).await.change_seq, file_seq);
    // Read before awaiting: a `watch::Ref` held across an await blocks the listener's
    // `send_modify` on this test's one runtime thread, and the test hangs for ever.
    let applied = second.state.changes.as_ref().unwrap().borrow().change_seq;
    assert_eq!(
        applied,
        Some(change_seq(&pool).await),
        "the log since the file is applied"
    );
    shows_the_changes(&second).await;
    assert_eq!(
        second.state.index.current().institutions().len() as u64 + 1,
        before,
        "one institution fewer after the retirement"
    );
    // A start from the file leaves the file as it was (the log since is applied again
    // next time, until a full load writes a newer one).
    assert_eq!(
        snapshot_file::read(&file).unwrap().meta.change_seq,
        file_seq
    );
}

#[tokio::test]
async fn a_snapshot_without_its_search_index_is_used_and_the_search_index_built() {
    let (db, file, pool) = written_and_stopped().await;
    // As a file of an earlier vetmap, or written by an index that was not its base alone.
    let loaded = snapshot_file::read(&file).unwrap();
    let meta = loaded.meta.clone();
    assert!(loaded.search_section().is_some(), "a full load stores it");
    let institutions = loaded.institutions().unwrap();
    snapshot_file::write(&file, &meta, institutions.iter(), &[]).unwrap();
    change_between_starts(&pool).await;
    let second = start(&db, &file).await;
    assert_eq!(
        first_load(&second),
        FirstLoad::Snapshot {
            file_change_seq: meta.change_seq,
            copy_fetched: None,
            search_rebuilt: Some("the file holds no search index".into()),
        }
    );
    shows_the_changes(&second).await;
    // The file is written anew with the index just built, so the next start uses it,
    // and so is the database's copy.
    let seq = change_seq(&pool).await;
    until_written(&file, seq).await;
    until_copied(&pool, seq).await;
    assert!(
        snapshot_file::read(&file)
            .unwrap()
            .search_section()
            .is_some()
    );
}

/// Flips a byte near the end of `file`: its checksum no longer matches.
fn damage(file: &Path) {
    let mut bytes = std::fs::read(file).unwrap();
    let at = bytes.len() - 10;
    bytes[at] ^= 0xff;
    std::fs::write(file, &bytes).unwrap();
}

#[tokio::test]
async fn a_server_without_a_file_starts_from_the_databases_copy() {
    let (db, file, pool) = written_and_stopped().await;
    let file_seq = snapshot_file::read(&file).unwrap().meta.change_seq;
    change_between_starts(&pool).await;
    // Another machine: a snapshot path where no file is.
    let elsewhere = scratch_dir("snapshot-elsewhere").join("dataset.snapshot");
    let second = start(&db, &elsewhere).await;
    assert_eq!(
        first_load(&second),
        FirstLoad::Snapshot {
            file_change_seq: file_seq,
            copy_fetched: Some("there is no snapshot file yet".into()),
            search_rebuilt: None,
        }
    );
    shows_the_changes(&second).await;
    // The copy is this server's file now, byte for byte the first server's.
    assert_eq!(
        std::fs::read(&elsewhere).unwrap(),
        std::fs::read(&file).unwrap()
    );
}

#[tokio::test]
async fn a_damaged_snapshot_is_replaced_by_the_databases_copy() {
    let (db, file, pool) = written_and_stopped().await;
    let good = std::fs::read(&file).unwrap();
    damage(&file);
    change_between_starts(&pool).await;
    let second = start(&db, &file).await;
    match first_load(&second) {
        FirstLoad::Snapshot {
            copy_fetched: Some(why),
            search_rebuilt: None,
            ..
        } => assert!(why.contains("checksum"), "{why}"),
        other => panic!("not from the database's copy? {other:?}"),
    }
    shows_the_changes(&second).await;
    assert_eq!(std::fs::read(&file).unwrap(), good);
}

#[tokio::test]
async fn a_sound_file_the_log_cannot_bring_up_to_date_is_not_fetched_again() {
    let (db, file, pool) = written_and_stopped().await;
    // A wholesale change (as an import or `vetmap synth` says it): the log names no rows.
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SET LOCAL vetmap.bulk_load = on")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("UPDATE institutions SET name_en = name_en WHERE id = 'dh-tra-vinh'")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let second = start(&db, &file).await;
    match first_load(&second) {
        FirstLoad::Rows {
            snapshot_skipped: Some(why),
        } => assert!(
            why.contains("cannot say what changed") && why.contains("this same file"),
            "{why}"
        ),
        other => panic!("loaded every row? {other:?}"),
    }
}

#[tokio::test]
async fn a_damaged_snapshot_without_the_copy_is_ignored_and_written_anew() {
    let (db, file, pool) = written_and_stopped().await;
    damage(&file);
    change_between_starts(&pool).await;
    let second = start_with_copy(&db, &file, false).await;
    match first_load(&second) {
        FirstLoad::Rows {
            snapshot_skipped: Some(why),
        } => assert!(why.contains("checksum"), "{why}"),
        other => panic!("loaded every row? {other:?}"),
    }
    shows_the_changes(&second).await;
    until_written(&file, change_seq(&pool).await).await;
}

#[tokio::test]
async fn a_snapshot_the_pruned_log_no_longer_reaches_is_ignored() {
    let (db, file, pool) = written_and_stopped().await;
    change_between_starts(&pool).await;
    // Pruned as the triggers prune old rows: everything up to the newest.
    sqlx::query(
        "WITH gone AS (DELETE FROM change_log RETURNING seq)
         UPDATE dataset_version SET pruned_through = (SELECT max(seq) FROM gone)",
    )
    .execute(&pool)
    .await
    .unwrap();
    let second = start(&db, &file).await;
    match first_load(&second) {
        FirstLoad::Rows {
            snapshot_skipped: Some(why),
        } => assert!(why.contains("pruned"), "{why}"),
        other => panic!("loaded every row? {other:?}"),
    }
    shows_the_changes(&second).await;
}

#[tokio::test]
async fn a_snapshot_of_another_database_is_ignored() {
    let (_db, file, _pool) = written_and_stopped().await;
    let other = TestDb::create().await;
    other.import_dir(&repo_path("data")).await;
    let s = start(&other, &file).await;
    match first_load(&s) {
        FirstLoad::Rows {
            snapshot_skipped: Some(why),
        } => assert!(why.contains("another database"), "{why}"),
        other => panic!("loaded every row? {other:?}"),
    }
}

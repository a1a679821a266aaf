//! Coverage and indicators on PostGIS: the population layer imported all or nothing and
//! picked up by a running server, and indicator snapshots by date.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{TestServer, repo_path, scratch_dir, spawn_with_db};
use vetmap::store::files::{self, ExportFormat};
use vetmap::store::{StoreError, pg};

fn vetmap(args: &[&str], database_url: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vetmap"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("vetmap runs")
}

async fn population_rows(pool: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM population_cells")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Polls the coverage endpoint until `check` holds (the server reloads on NOTIFY).
async fn coverage_until(
    s: &TestServer,
    check: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = s.get_json("/api/v1/coverage?radius_km=10").await;
        assert_eq!(status, 200, "{body}");
        if check(&body) {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "the server never saw the change: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn an_imported_population_layer_reaches_the_running_server_and_replaces_the_old_one() {
    let (s, db) = spawn_with_db().await;
    let body = coverage_until(&s, |b| b["population"]["loaded"] == false).await;
    assert!(body["caveats"].to_string().contains("No population layer"));

    let fixture = repo_path("tests/fixtures/population/population.csv");
    let out = vetmap(&["import", fixture.to_str().unwrap()], &db.url);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let body = coverage_until(&s, |b| b["population"]["loaded"] == true).await;
    assert_eq!(body["population"]["total"], 9900.0);

    // A second import replaces the layer rather than adding to it.
    let out = vetmap(&["import", fixture.to_str().unwrap()], &db.url);
    assert!(out.status.success());
    assert_eq!(population_rows(&db.pool().await).await, 8);
}

#[tokio::test]
async fn a_failed_import_leaves_the_previous_population_layer_untouched() {
    let (_s, db) = spawn_with_db().await;
    let pool = db.pool().await;
    let fixture = repo_path("tests/fixtures/population/population.csv");
    assert!(
        vetmap(&["import", fixture.to_str().unwrap()], &db.url)
            .status
            .success()
    );
    assert_eq!(population_rows(&pool).await, 8);

    // A malformed population file: refused before anything is written.
    let bad = repo_path("tests/fixtures/population/bad-population.csv");
    let out = vetmap(&["import", bad.to_str().unwrap()], &db.url);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad-population.csv line 3"), "{stderr}");
    assert_eq!(population_rows(&pool).await, 8);

    // A valid population file imported together with a row the database refuses: the
    // whole import is rolled back, the old layer included.
    let dir = scratch_dir("pop-rollback");
    let dataset = pg::load_dataset(&pool).await.unwrap();
    files::write_dataset(&dataset, &dir, ExportFormat::Csv).unwrap();
    let csv_path = dir.join("institutions.csv");
    let text = std::fs::read_to_string(&csv_path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[2] = lines[2].replacen(",842,", ",899,", 1);
    assert!(lines[2].contains(",899,"));
    std::fs::write(&csv_path, lines.join("\n")).unwrap();
    let one_cell = "lon,lat,population,source\n106.3,9.9,1,TEST FIXTURE: one made-up cell\n";
    let pop = files::read_bytes("population.csv", one_cell.as_bytes(), None).unwrap();
    let inst = files::read_file(&csv_path, None).unwrap();
    let err = pg::import_batches(&pool, vec![pop, inst])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert_eq!(population_rows(&pool).await, 8, "the old layer survives");
}

#[tokio::test]
async fn indicator_snapshots_are_stored_by_date_and_listed_oldest_first() {
    let (s, db) = spawn_with_db().await;
    for date in ["2026-02-01", "2026-01-01", "2026-02-01"] {
        let out = vetmap(&["indicators", "snapshot", "--date", date], &db.url);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("digital_platform_connection"), "{stdout}");
    }
    let (status, body) = s.get_json("/api/v1/indicators/snapshots").await;
    assert_eq!(status, 200, "{body}");
    let snaps = body["snapshots"].as_array().unwrap();
    let dates: Vec<&str> = snaps
        .iter()
        .map(|s| s["taken_on"].as_str().unwrap())
        .collect();
    assert_eq!(
        dates,
        ["2026-01-01", "2026-02-01"],
        "one per day, oldest first"
    );
    let (_, now) = s.get_json("/api/v1/indicators").await;
    let first = snaps[0]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["indicator"] == "digital_platform_connection")
        .unwrap();
    let platform = now["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "digital_platform_connection")
        .unwrap();
    assert_eq!(first["value_pct"], platform["value_pct"]);
    assert_eq!(first["unknown"], platform["unknown"]);
    let r = s.get("/reports/periodic").await;
    let html = r.text().await.unwrap();
    assert!(html.contains("2026-01-01") && html.contains("2026-02-01"));
}

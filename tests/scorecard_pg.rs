//! The scorecard on PostGIS: the province reports its own figures with evidence and a
//! second official reviews them (who may, what a bad figure gets, the audit log, what the
//! public indicators show), demonstration credentials are marked by the database as by
//! the answers, credentials held count for target d4, and a period's snapshot lands on
//! the progress chart.

mod common;

use std::process::Command;

use common::officials::{Session, create_account, sign_in};
use common::{TestDb, TestServer, repo_path, spawn_with_db};
use reqwest::Method;
use serde_json::{Value, json};
use vetmap::auth::Role;

const A2: &str = "/api/v1/province-reports/teachers_digital_materials/2025";

async fn put(s: &TestServer, who: &Session, path: &str, body: Value) -> (u16, Value) {
    let r = who
        .request(s, Method::PUT, path)
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn review(s: &TestServer, who: &Session, path: &str, if_match: Option<&str>) -> (u16, Value) {
    let mut req = who.request(s, Method::POST, &format!("{path}/review"));
    if let Some(tag) = if_match {
        req = req.header("if-match", tag);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

async fn audit(db: &TestDb) -> Vec<(String, String, Value)> {
    let pool = db.pool().await;
    sqlx::query_as(
        "SELECT action, subject, changes FROM audit_log
         WHERE action LIKE 'province_report.%' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap()
}

fn indicator<'a>(body: &'a Value, id: &str) -> &'a Value {
    body["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap()
}

#[tokio::test]
async fn the_province_reports_its_figures_with_evidence_and_a_second_official_reviews_them() {
    let (s, db) = spawn_with_db().await;
    create_account(&db, "so.a", Role::Province, &[], &[]).await;
    create_account(&db, "so.b", Role::Admin, &[], &[]).await;
    create_account(&db, "huyen", Role::District, &[("pre2025", "846")], &[]).await;
    create_account(&db, "truong", Role::Institution, &[], &["cd-nghe-tra-vinh"]).await;
    let (a, b) = (sign_in(&s, "so.a").await, sign_in(&s, "so.b").await);
    let figure = json!({"numerator": 30, "denominator": 120,
        "evidence_url": "https://sogd.travinh.gov.vn/bao-cao/12-2025.pdf",
        "evidence_ref": "Báo cáo số 12/BC-SGDĐT ngày 15/12/2025"});

    for login in ["huyen", "truong"] {
        let who = sign_in(&s, login).await;
        let (status, body) = put(&s, &who, A2, figure.clone()).await;
        assert_eq!(
            (status, body["code"].clone()),
            (403, json!("Forbidden")),
            "{login}"
        );
    }
    let (status, body) = put(&s, &a, A2, json!({"value_pct": 40})).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["field"], "evidence_ref");
    let (status, _) = put(
        &s,
        &a,
        "/api/v1/province-reports/digital_platform_connection/2025",
        figure.clone(),
    )
    .await;
    assert_eq!(status, 404, "an indicator institutions' figures make");
    let (status, body) = put(
        &s,
        &a,
        "/api/v1/province-reports/teachers_digital_materials/20x5",
        figure.clone(),
    )
    .await;
    assert_eq!((status, body["parameter"].clone()), (400, json!("period")));
    assert!(audit(&db).await.is_empty(), "nothing written by refusals");

    let (status, first) = put(&s, &a, A2, figure.clone()).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["value_pct"], 25.0);
    assert_eq!(
        (first["status"].clone(), first["reported_by"].clone()),
        (json!("reported"), json!("so.a"))
    );
    let tag = format!("\"{}\"", first["version"]);

    let (status, body) = review(&s, &a, A2, None).await;
    assert_eq!(
        (status, body["code"].clone()),
        (403, json!("Forbidden")),
        "not one's own"
    );
    let (status, _) = review(&s, &b, A2, Some("\"1\"")).await;
    assert_eq!(status, 412, "a stale version");
    let (status, reviewed) = review(&s, &b, A2, Some(&tag)).await;
    assert_eq!(status, 200, "{reviewed}");
    assert_eq!(
        (reviewed["status"].clone(), reviewed["reviewed_by"].clone()),
        (json!("reviewed"), json!("so.b"))
    );

    let log = audit(&db).await;
    let actions: Vec<&str> = log.iter().map(|(a, _, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        ["province_report.submit", "province_report.review"]
    );
    assert_eq!(log[0].1, "teachers_digital_materials/2025");
    assert_eq!(
        log[0].2["value_pct"],
        json!({"before": null, "after": 25.0})
    );
    assert_eq!(log[1].2["reviewed_by"]["after"], "so.b");

    // The public indicators show the figure, its evidence and who stands behind it by
    // name, never by login.
    let (_, now) = s.get_json("/api/v1/indicators").await;
    let a2 = indicator(&now, "teachers_digital_materials");
    assert_eq!(a2["value_pct"], 25.0);
    assert_eq!(
        (a2["numerator"].clone(), a2["denominator"].clone()),
        (json!(30.0), json!(120.0))
    );
    assert_eq!(a2["targets"][0]["met"], false);
    let report = &a2["province_report"];
    assert_eq!(report["period"], 2025);
    assert_eq!(report["reported_by"], "Cán bộ so.a");
    assert_eq!(report["reviewed_by"], "Cán bộ so.b");
    assert_eq!(report["status"], "reviewed");
    assert!(
        report["evidence_ref"]
            .as_str()
            .unwrap()
            .contains("12/BC-SGDĐT")
    );
    assert!(!now.to_string().contains("\"so.a\""), "no login in public");
    let (_, period) = s.get_json("/api/v1/indicators?period=2025").await;
    let in_period = indicator(&period, "teachers_digital_materials");
    assert_eq!(in_period["over_reviewed"]["value_pct"], 25.0);
    assert_eq!(
        in_period["reporting"],
        json!({"reported": 0, "reviewed": 1, "missing": 0})
    );

    // A resubmission replaces the figure and clears the review.
    let (status, again) = put(
        &s,
        &b,
        A2,
        json!({"value_pct": 55, "evidence_ref": "Báo cáo bổ sung 3/BC"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        (again["status"].clone(), again["numerator"].clone()),
        (json!("reported"), Value::Null)
    );
    let r = a
        .request(&s, Method::GET, "/api/v1/province-reports?period=2025")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let listed: Value = r.json().await.unwrap();
    let ids: Vec<&str> = listed["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 7);
    let reports = &indicator(&listed, "teachers_digital_materials")["reports"];
    assert_eq!(reports[0]["value_pct"], 55.0);
    assert_eq!(reports[0]["reviewed_by"], Value::Null);
}

#[tokio::test]
async fn demonstration_credentials_are_marked_in_postgis_by_the_rule_the_answers_use() {
    let (s, db) = spawn_with_db().await;
    let pool = db.pool().await;
    let bundled = vetmap::store::bundled::load_dir(&repo_path("data")).unwrap();
    let stored: Vec<(String, bool)> =
        sqlx::query_as("SELECT serial, demonstration FROM credentials")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(stored.len(), bundled.credentials.len());
    for c in &bundled.credentials {
        let (_, flag) = stored
            .iter()
            .find(|(serial, _)| *serial == c.serial)
            .unwrap();
        assert_eq!(
            *flag,
            vetmap::credentials::demonstration::is_demonstration(c),
            "{}",
            c.serial
        );
        assert!(*flag, "every bundled record is a demonstration");
    }
    // A real record (as an upload would store it) is not, and makes its institution's
    // credentials checkable here (target d4).
    sqlx::query(
        "INSERT INTO credentials (institution_id, kind, serial, register_no, holder_name,
             holder_birth_date, occupation_code, occupation_name, graduation_year, issue_date)
         SELECT 'gdnn-gdtx-cau-ke', 'elementary_certificate', 'SC 004242', 'SC/2026/4242',
             'Người Thử Nghiệm', '1990-01-01', occupation_code, occupation_name, 2026, '2026-06-01'
         FROM credentials WHERE serial = 'DEMO-SC 000401'",
    )
    .execute(&pool)
    .await
    .unwrap();
    let real: bool =
        sqlx::query_scalar("SELECT demonstration FROM credentials WHERE serial = 'SC 004242'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(!real);
    let (_, now) = s.get_json("/api/v1/indicators").await;
    let d4 = indicator(&now, "digital_map_credentials");
    assert_eq!(
        (d4["numerator"].clone(), d4["denominator"].clone()),
        (json!(1.0), json!(12.0))
    );
    assert!(
        now["data_caveats"]
            .to_string()
            .contains("4 institution(s) hold only demonstration credentials")
    );
}

fn vetmap(args: &[&str], database_url: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_vetmap"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("vetmap runs")
}

#[tokio::test]
async fn a_periods_snapshot_keeps_its_figures_and_the_chart_draws_the_path_to_the_targets() {
    let (s, db) = spawn_with_db().await;
    create_account(&db, "so.a", Role::Province, &[], &[]).await;
    let a = sign_in(&s, "so.a").await;
    let inspections = "/api/v1/province-reports/inspections_digital/2025";
    let (status, _) = put(
        &s,
        &a,
        inspections,
        json!({"numerator": 6, "denominator": 10, "evidence_ref": "Báo cáo kiểm tra 2025"}),
    )
    .await;
    assert_eq!(status, 200);
    for args in [
        ["indicators", "snapshot", "--period", "2025"],
        ["indicators", "snapshot", "--period", "2025"],
        ["indicators", "snapshot", "--date", "2026-01-15"],
    ] {
        let out = vetmap(&args, &db.url);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = vetmap(&["indicators", "snapshot", "--period", "2025"], &db.url);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("period 2025 inspections_digital: 60.0%")
    );

    let (status, body) = s.get_json("/api/v1/indicators/snapshots").await;
    assert_eq!(status, 200, "{body}");
    let snaps = body["snapshots"].as_array().unwrap();
    assert_eq!(snaps.len(), 2, "one per period, one per day: {body}");
    assert_eq!(snaps[0]["period"], 2025);
    assert!(snaps[1].get("period").is_none());

    let (_, progress) = s.get_json("/api/v1/indicators/progress").await;
    assert_eq!(progress["snapshots_stored"], true);
    let series = |id: &str| {
        progress["series"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == id)
            .unwrap()
            .clone()
    };
    let platform = series("digital_platform_connection");
    let kinds: Vec<&str> = platform["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["period", "dated", "now"]);
    assert_eq!(platform["points"][0]["at"], "2025-12-31");
    // Nobody reported for 2025: the period's point is unknown, with its whole range open.
    assert_eq!(platform["points"][0]["value_pct"], Value::Null);
    assert_eq!(platform["points"][0]["lower_bound_pct"], 0.0);
    let d3 = series("inspections_digital");
    assert_eq!(
        d3["points"].as_array().unwrap().len(),
        2,
        "the period and the day"
    );
    assert_eq!(d3["points"][0]["value_pct"], 60.0);

    let r = s
        .get("/api/v1/indicators/inspections_digital/progress.svg")
        .await;
    let svg = r.text().await.unwrap();
    assert_eq!(svg.matches("class=\"value ").count(), 2);
    assert!(svg.contains("to-target"), "the path to 70% in 2030");
    let html = s.get("/reports/periodic").await.text().await.unwrap();
    assert!(html.contains("Kỳ 2025") && html.contains("2026-01-15"));
}

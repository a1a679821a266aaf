//! Institutions report the Plan's figures per period and the province reviews them: who
//! may, what an invalid report gets (and that it writes nothing), that a report shows in
//! the institution's list, the period's queue and the audit log, that a resubmission
//! clears the review, and that the indicators of a period count the reports, reviewed
//! ones apart.

mod common;

use common::officials::{Session, create_account, sign_in};
use common::{TestDb, TestServer, spawn_bundled, spawn_with_db};
use reqwest::Method;
use serde_json::{Value, json};
use vetmap::auth::Role;

const CAU_KE: &str = "gdnn-gdtx-cau-ke";
const TRA_CU: &str = "gdnn-gdtx-tra-cu";
const COLLEGE: &str = "cd-nghe-tra-vinh";

fn report_path(id: &str, period: u32) -> String {
    format!("/api/v1/institutions/{id}/reports/{period}")
}

async fn put_report(
    s: &TestServer,
    who: &Session,
    id: &str,
    period: u32,
    body: &Value,
) -> reqwest::Response {
    who.request(s, Method::PUT, &report_path(id, period))
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn review(s: &TestServer, who: &Session, id: &str, period: u32) -> reqwest::Response {
    who.request(
        s,
        Method::POST,
        &format!("{}/review", report_path(id, period)),
    )
    .send()
    .await
    .unwrap()
}

async fn get_as(s: &TestServer, who: &Session, path: &str) -> (u16, Value) {
    let r = who.request(s, Method::GET, path).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap())
}

/// Rows in `institution_reports` and report entries in the audit log.
async fn written(db: &TestDb) -> (i64, i64) {
    let pool = db.pool().await;
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM institution_reports")
        .fetch_one(&pool)
        .await
        .unwrap();
    let audit: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action LIKE 'report.%'")
            .fetch_one(&pool)
            .await
            .unwrap();
    pool.close().await;
    (rows, audit)
}

fn figures() -> Value {
    json!({
        "digital_infrastructure": true,
        "connected_national_platform": false,
        "digitised_learning_records": null,
        "teachers_digital_trained_pct": 40,
        "source": "Báo cáo số 15/BC-TTGDNN ngày 10/01/2026"
    })
}

#[tokio::test]
async fn reports_need_a_signed_in_official_the_csrf_token_and_the_institution() {
    let (s, db) = spawn_with_db().await;
    create_account(&db, "truong.cau.ke", Role::Institution, &[], &[CAU_KE]).await;
    create_account(&db, "truong.tra.cu", Role::Institution, &[], &[TRA_CU]).await;
    create_account(
        &db,
        "huyen.cau.ke",
        Role::District,
        &[("pre2025", "846")],
        &[],
    )
    .await;

    let anonymous = s
        .client
        .put(s.url(&report_path(CAU_KE, 2025)))
        .json(&figures())
        .send()
        .await
        .unwrap();
    common::assert_json_error(anonymous, 401, "Unauthorized", None).await;

    let own = sign_in(&s, "truong.cau.ke").await;
    let forged = own
        .without_csrf(&s, Method::PUT, &report_path(CAU_KE, 2025))
        .json(&figures())
        .send()
        .await
        .unwrap();
    common::assert_json_error(forged, 403, "Forbidden", Some("CSRF")).await;

    let other = sign_in(&s, "truong.tra.cu").await;
    let r = put_report(&s, &other, CAU_KE, 2025, &figures()).await;
    common::assert_json_error(r, 403, "Forbidden", Some(CAU_KE)).await;
    let (status, _) = get_as(
        &s,
        &other,
        &format!("/api/v1/institutions/{CAU_KE}/reports"),
    )
    .await;
    assert_eq!(status, 403, "another institution may not read them either");

    // A district edits its institutions' records but neither reports nor reviews.
    let district = sign_in(&s, "huyen.cau.ke").await;
    let r = put_report(&s, &district, CAU_KE, 2025, &figures()).await;
    common::assert_json_error(r, 403, "Forbidden", None).await;
    assert_eq!(written(&db).await, (0, 0), "nothing was written");

    let r = put_report(&s, &own, CAU_KE, 2025, &figures()).await;
    assert_eq!(r.status(), 200);
    assert_eq!(written(&db).await, (1, 1));
}

#[tokio::test]
async fn an_invalid_report_is_refused_naming_the_field_and_writes_nothing() {
    let (s, db) = spawn_with_db().await;
    create_account(&db, "truong.cau.ke", Role::Institution, &[], &[CAU_KE]).await;
    create_account(&db, "so.gd", Role::Province, &[], &[]).await;
    let own = sign_in(&s, "truong.cau.ke").await;

    let mut over = figures();
    over["teachers_digital_trained_pct"] = json!(120);
    let mut unknown = figures();
    unknown["digital_infrastrucure"] = json!(true);
    let mut unsourced = figures();
    unsourced.as_object_mut().unwrap().remove("source");
    let mut mistyped = figures();
    mistyped["digital_school"] = json!("có");
    for (body, field) in [
        (over, "teachers_digital_trained_pct"),
        (unknown, "digital_infrastrucure"),
        (unsourced, "source"),
        (mistyped, "digital_school"),
    ] {
        let r = put_report(&s, &own, CAU_KE, 2025, &body).await;
        assert_eq!(r.status(), 400, "{field}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["code"], "InvalidData", "{v}");
        assert_eq!(v["errors"][0]["field"], field, "{v}");
    }

    for (period, status) in [(2200, 400), (1999, 400)] {
        let r = put_report(&s, &own, CAU_KE, period, &figures()).await;
        assert_eq!(r.status(), status, "period {period}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["parameter"], "period", "{v}");
    }
    let not_json = own
        .request(&s, Method::PUT, &report_path(CAU_KE, 2025))
        .header("content-type", "text/plain")
        .body("digital_infrastructure=true")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), 415);

    let province = sign_in(&s, "so.gd").await;
    let r = put_report(&s, &province, "khong-co-truong-nay", 2025, &figures()).await;
    common::assert_json_error(r, 404, "NotFound", None).await;
    assert_eq!(written(&db).await, (0, 0), "nothing was written");
}

#[tokio::test]
async fn a_report_is_listed_queued_audited_reviewed_and_a_resubmission_clears_the_review() {
    let (s, db) = spawn_with_db().await;
    create_account(&db, "truong.cau.ke", Role::Institution, &[], &[CAU_KE]).await;
    create_account(&db, "so.gd", Role::Province, &[], &[]).await;
    create_account(
        &db,
        "huyen.cau.ke",
        Role::District,
        &[("pre2025", "846")],
        &[],
    )
    .await;
    let own = sign_in(&s, "truong.cau.ke").await;
    let province = sign_in(&s, "so.gd").await;
    let district = sign_in(&s, "huyen.cau.ke").await;

    let r = put_report(&s, &own, CAU_KE, 2025, &figures()).await;
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let stored: Value = r.json().await.unwrap();
    assert_eq!(stored["institution_id"], CAU_KE);
    assert_eq!(stored["period"], 2025);
    assert_eq!(stored["status"], "reported");
    assert_eq!(stored["teachers_digital_trained_pct"], 40.0);
    assert_eq!(stored["connected_national_platform"], false);
    assert_eq!(stored["digitised_learning_records"], Value::Null);
    assert_eq!(stored["reported_by"], "truong.cau.ke");
    assert_eq!(etag, format!("\"{}\"", stored["version"]));

    let (status, mine) = get_as(&s, &own, &format!("/api/v1/institutions/{CAU_KE}/reports")).await;
    assert_eq!(status, 200);
    assert_eq!(mine["reports"].as_array().unwrap().len(), 1);
    assert_eq!(mine["reports"][0]["source"], figures()["source"]);

    let (status, queue) = get_as(&s, &province, "/api/v1/reports?period=2025").await;
    assert_eq!(status, 200);
    let institutions = queue["institutions"].as_array().unwrap();
    assert_eq!(institutions.len(), 12, "every institution on the map");
    let entry = |q: &Value, id: &str| -> Value {
        q["institutions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["institution_id"] == id)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(entry(&queue, CAU_KE)["status"], "reported");
    assert_eq!(entry(&queue, TRA_CU)["status"], "missing");
    assert_eq!(entry(&queue, TRA_CU)["report"], Value::Null);
    assert_eq!(
        queue["counts"],
        json!({"missing": 11, "reported": 1, "reviewed": 0})
    );
    let (_, reported) = get_as(&s, &province, "/api/v1/reports?period=2025&status=reported").await;
    assert_eq!(reported["institutions"].as_array().unwrap().len(), 1);
    let (status, _) = get_as(&s, &district, "/api/v1/reports?period=2025").await;
    assert_eq!(status, 403, "the queue is the province's");

    let (_, audit) = get_as(&s, &province, "/api/v1/audit?action=report.").await;
    let first = &audit["entries"][0];
    assert_eq!(first["action"], "report.submit");
    assert_eq!(first["institution_id"], CAU_KE);
    assert_eq!(first["subject"], "2025");
    assert_eq!(first["actor"], "truong.cau.ke");
    assert_eq!(
        first["changes"]["teachers_digital_trained_pct"],
        json!({"before": null, "after": 40.0})
    );
    assert!(
        first["changes"].get("digitised_learning_records").is_none(),
        "unknown stays unknown"
    );

    common::assert_json_error(
        review(&s, &district, CAU_KE, 2025).await,
        403,
        "Forbidden",
        None,
    )
    .await;
    common::assert_json_error(review(&s, &own, CAU_KE, 2025).await, 403, "Forbidden", None).await;
    common::assert_json_error(
        review(&s, &province, TRA_CU, 2025).await,
        404,
        "NotFound",
        None,
    )
    .await;
    let r = review(&s, &province, CAU_KE, 2025).await;
    assert_eq!(r.status(), 200);
    let reviewed: Value = r.json().await.unwrap();
    assert_eq!(reviewed["status"], "reviewed");
    assert_eq!(reviewed["reviewed_by"], "so.gd");
    let (_, queue) = get_as(&s, &province, "/api/v1/reports?period=2025").await;
    assert_eq!(entry(&queue, CAU_KE)["status"], "reviewed");

    let mut corrected = figures();
    corrected["teachers_digital_trained_pct"] = json!(55.5);
    let r = put_report(&s, &own, CAU_KE, 2025, &corrected).await;
    assert_eq!(r.status(), 200);
    let resubmitted: Value = r.json().await.unwrap();
    assert_eq!(resubmitted["status"], "reported", "the review is cleared");
    assert_eq!(resubmitted["reviewed_by"], Value::Null);
    assert_ne!(resubmitted["version"], stored["version"]);
    let (_, queue) = get_as(&s, &province, "/api/v1/reports?period=2025").await;
    assert_eq!(entry(&queue, CAU_KE)["status"], "reported");
    assert_eq!(
        entry(&queue, CAU_KE)["report"]["teachers_digital_trained_pct"],
        55.5
    );

    let (_, audit) = get_as(&s, &province, "/api/v1/audit?action=report.").await;
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["report.submit", "report.review", "report.submit"]);
    let last = &audit["entries"][0]["changes"];
    assert_eq!(
        last["teachers_digital_trained_pct"],
        json!({"before": 40.0, "after": 55.5})
    );
    assert_eq!(
        last["reviewed_by"],
        json!({"before": "so.gd", "after": null})
    );
    assert_eq!(
        audit["entries"][1]["changes"]["reviewed_by"]["after"],
        "so.gd"
    );

    // A review that names the figures it read fails once they were replaced.
    let stale = province
        .request(
            &s,
            Method::POST,
            &format!("{}/review", report_path(CAU_KE, 2025)),
        )
        .header("if-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 412);
    let current = format!("\"{}\"", resubmitted["version"]);
    assert_eq!(stale.headers()["etag"].to_str().unwrap(), current);
    let fresh = province
        .request(
            &s,
            Method::POST,
            &format!("{}/review", report_path(CAU_KE, 2025)),
        )
        .header("if-match", &current)
        .send()
        .await
        .unwrap();
    assert_eq!(fresh.status(), 200);
}

#[tokio::test]
async fn the_queue_pages_by_institution_and_exports_csv() {
    let (s, db) = spawn_with_db().await;
    create_account(&db, "so.gd", Role::Province, &[], &[]).await;
    let province = sign_in(&s, "so.gd").await;
    put_report(&s, &province, CAU_KE, 2025, &figures()).await;

    let (status, page) = get_as(&s, &province, "/api/v1/reports?period=2025&limit=5").await;
    assert_eq!(status, 200);
    assert_eq!(page["institutions"].as_array().unwrap().len(), 5);
    let next = page["next"].as_str().expect("a next page").to_owned();
    let (_, second) = get_as(&s, &province, &next).await;
    let (_, third) = get_as(&s, &province, second["next"].as_str().unwrap()).await;
    assert_eq!(third["institutions"].as_array().unwrap().len(), 2);
    assert_eq!(third["next"], Value::Null);
    let mut ids: Vec<String> = [&page, &second, &third]
        .iter()
        .flat_map(|p| p["institutions"].as_array().unwrap().clone())
        .map(|e| e["institution_id"].as_str().unwrap().to_owned())
        .collect();
    ids.dedup();
    assert_eq!(ids.len(), 12, "each institution once");

    let r = province
        .request(&s, Method::GET, "/api/v1/reports?period=2025&f=csv")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = r.text().await.unwrap();
    let mut rows = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let header = rows.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let records: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 12);
    let cau_ke = records.iter().find(|r| &r[0] == CAU_KE).unwrap();
    assert_eq!(&cau_ke[col("status")], "reported");
    assert_eq!(&cau_ke[col("teachers_digital_trained_pct")], "40.0");
    assert_eq!(&cau_ke[col("reported_by")], "so.gd");
    let tra_cu = records.iter().find(|r| &r[0] == TRA_CU).unwrap();
    assert_eq!(&tra_cu[col("status")], "missing");

    let (status, body) = get_as(&s, &province, "/api/v1/reports").await;
    assert_eq!((status, body["parameter"].clone()), (400, json!("period")));
    let (status, body) = get_as(&s, &province, "/api/v1/reports?period=2025&status=late").await;
    assert_eq!((status, body["parameter"].clone()), (400, json!("status")));
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
async fn indicators_of_a_period_count_the_reports_and_tell_reviewed_ones_apart() {
    let (s, db) = spawn_with_db().await;
    create_account(&db, "so.gd", Role::Province, &[], &[]).await;
    let province = sign_in(&s, "so.gd").await;
    // Three of the twelve institutions report for 2025 (2 colleges, 1 university and 9
    // centres are on the map); only the college's report is reviewed.
    let reports = [
        (
            COLLEGE,
            json!({"digital_infrastructure": true, "connected_national_platform": true,
                   "teachers_digital_trained_pct": 80, "source": "Báo cáo năm 2025"}),
        ),
        (
            CAU_KE,
            json!({"digital_infrastructure": true, "connected_national_platform": false,
                   "teachers_digital_trained_pct": 40, "source": "Báo cáo năm 2025"}),
        ),
        (
            TRA_CU,
            json!({"digital_infrastructure": true, "connected_national_platform": true,
                   "source": "Báo cáo năm 2025"}),
        ),
    ];
    for (id, body) in &reports {
        assert_eq!(
            put_report(&s, &province, id, 2025, body).await.status(),
            200
        );
    }
    assert_eq!(review(&s, &province, COLLEGE, 2025).await.status(), 200);

    let (status, body) = s.get_json("/api/v1/indicators?period=2025").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["period"],
        json!({"period": 2025, "institutions": 12, "reported": 2, "reviewed": 1, "missing": 9})
    );
    let platform = indicator(&body, "digital_platform_connection");
    // 11 colleges and centres: the college and Trà Cú yes, Cầu Kè no, 8 unknown.
    assert_eq!(platform["in_scope"], 11);
    assert_eq!(
        (platform["yes"].clone(), platform["no"].clone()),
        (json!(2), json!(1))
    );
    assert_eq!(platform["unknown"], 8);
    assert_eq!(
        (
            platform["numerator"].clone(),
            platform["denominator"].clone()
        ),
        (json!(2.0), json!(3.0))
    );
    let over_reviewed = &platform["over_reviewed"];
    assert_eq!(over_reviewed["numerator"], 1.0);
    assert_eq!(over_reviewed["denominator"], 1.0);
    assert_eq!(over_reviewed["unknown"], 10);
    assert_eq!(over_reviewed["value_pct"], 100.0);
    assert_ne!(platform["value_pct"], over_reviewed["value_pct"]);
    assert_eq!(
        platform["reporting"],
        json!({"reported": 2, "reviewed": 1, "missing": 8})
    );
    let teachers = indicator(&body, "teachers_digital_competence");
    assert_eq!(
        (
            teachers["numerator"].clone(),
            teachers["denominator"].clone()
        ),
        (json!(120.0), json!(2.0))
    );
    assert_eq!(teachers["unknown"], 10);
    assert_eq!(teachers["over_reviewed"]["value_pct"], 80.0);
    assert_eq!(body["links"]["csv"], "?period=2025&f=csv");

    // Today's indicators still read the institutions' own records.
    let (_, now) = s.get_json("/api/v1/indicators").await;
    assert!(now.get("period").is_none());
    assert!(
        indicator(&now, "digital_platform_connection")
            .get("over_reviewed")
            .is_none()
    );
    // (There Cầu Kè's record says it is connected: 3 yes, 8 no, nothing unknown.)
    let recorded = indicator(&now, "digital_platform_connection");
    assert_eq!(
        (recorded["yes"].clone(), recorded["unknown"].clone()),
        (json!(3), json!(0))
    );

    let r = s.get("/api/v1/indicators?period=2025&f=csv").await;
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    let mut rows = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let header = rows.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let province_row = rows
        .records()
        .map(Result::unwrap)
        .find(|r| &r[0] == "digital_platform_connection" && &r[1] == "province")
        .unwrap();
    assert_eq!(&province_row[col("period")], "2025");
    assert_eq!(&province_row[col("reviewed_value_pct")], "100");
    assert_eq!(&province_row[col("missing")], "8");
    let (_, gj) = s.get_json("/api/v1/indicators?period=2025&f=geojson").await;
    assert_eq!(gj["indicators"]["period"]["period"], 2025);

    // A year nobody reported for: everything unknown.
    let (_, empty) = s.get_json("/api/v1/indicators?period=2024").await;
    assert_eq!(
        indicator(&empty, "digital_platform_connection")["unknown"],
        11
    );
    assert_eq!(empty["period"]["missing"], 12);
    let (status, bad) = s.get_json("/api/v1/indicators?period=20x5").await;
    assert_eq!(
        (status.as_u16(), bad["parameter"].clone()),
        (400, json!("period"))
    );
}

#[tokio::test]
async fn without_a_database_a_period_needs_one() {
    let s = spawn_bundled().await;
    let r = s.get("/api/v1/indicators?period=2025").await;
    common::assert_json_error(r, 503, "NeedsDatabase", None).await;
    let r = s.get("/api/v1/indicators?period=1800").await;
    common::assert_json_error(r, 400, "InvalidParameterValue", Some("period")).await;
    let (status, _) = s.get_json("/api/v1/indicators").await;
    assert_eq!(status, 200);
}

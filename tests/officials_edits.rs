//! Officials edit institutions through the write API: who may, what a stale or invalid
//! edit gets (and that it writes nothing), and that a saved edit is what every read and
//! the history show.

mod common;

use common::officials::{Session, create_account, sign_in};
use common::{TestDb, TestServer, spawn_with_db};
use reqwest::Method;
use serde_json::{Value, json};
use vetmap::auth::Role;

const ID: &str = "gdnn-gdtx-cau-ke";

async fn record(s: &TestServer) -> (String, Value) {
    let r = s.get(&format!("/api/v1/institutions/{ID}/record")).await;
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    (etag, r.json::<Value>().await.unwrap()["record"].clone())
}

async fn put(s: &TestServer, who: &Session, etag: &str, body: &Value) -> reqwest::Response {
    who.request(s, Method::PUT, &format!("/api/v1/institutions/{ID}"))
        .header("if-match", etag)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn stored_name(db: &TestDb) -> (String, i64) {
    let pool = db.pool().await;
    let row: (String, i64) =
        sqlx::query_as("SELECT name_vi, version FROM institutions WHERE id = $1")
            .bind(ID)
            .fetch_one(&pool)
            .await
            .unwrap();
    pool.close().await;
    row
}

#[tokio::test]
async fn writes_need_a_signed_in_official_with_the_csrf_token_and_the_scope() {
    let (s, db) = spawn_with_db().await;
    create_account(&db, "truong.cau.ke", Role::Institution, &[], &[ID]).await;
    create_account(
        &db,
        "truong.khac",
        Role::Institution,
        &[],
        &["gdnn-gdtx-tra-cu"],
    )
    .await;
    create_account(
        &db,
        "huyen.tra.cu",
        Role::District,
        &[("pre2025", "849")],
        &[],
    )
    .await;
    let (etag, mut body) = record(&s).await;
    body["name_vi"] = json!("Trung tâm đổi tên");
    let before = stored_name(&db).await;

    let anonymous = s
        .client
        .put(s.url(&format!("/api/v1/institutions/{ID}")))
        .header("if-match", &etag)
        .json(&body)
        .send()
        .await
        .unwrap();
    common::assert_json_error(anonymous, 401, "Unauthorized", None).await;

    let own = sign_in(&s, "truong.cau.ke").await;
    let forged = own
        .without_csrf(&s, Method::PUT, &format!("/api/v1/institutions/{ID}"))
        .header("if-match", &etag)
        .json(&body)
        .send()
        .await
        .unwrap();
    common::assert_json_error(forged, 403, "Forbidden", Some("CSRF")).await;

    for other in ["truong.khac", "huyen.tra.cu"] {
        let who = sign_in(&s, other).await;
        common::assert_json_error(put(&s, &who, &etag, &body).await, 403, "Forbidden", None).await;
    }
    assert_eq!(stored_name(&db).await, before, "nothing was written");

    let r = put(&s, &own, &etag, &body).await;
    assert_eq!(r.status(), 200);
    assert_eq!(stored_name(&db).await.0, "Trung tâm đổi tên");
}

#[tokio::test]
async fn a_stale_if_match_gets_412_with_the_current_version_and_changes_nothing() {
    let (s, db) = spawn_with_db().await;
    create_account(&db, "so.a", Role::Province, &[], &[]).await;
    create_account(&db, "so.b", Role::Province, &[], &[]).await;
    let (a, b) = (sign_in(&s, "so.a").await, sign_in(&s, "so.b").await);
    let (etag, form) = record(&s).await;

    let mut first = form.clone();
    first["phone"] = json!("0294 3000 001");
    let r = put(&s, &a, &etag, &first).await;
    assert_eq!(r.status(), 200);
    let new_etag = r.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(new_etag, etag);

    let mut second = form.clone();
    second["phone"] = json!("0294 3000 002");
    let stale = put(&s, &b, &etag, &second).await;
    assert_eq!(stale.status(), 412);
    assert_eq!(stale.headers()["etag"].to_str().unwrap(), new_etag);
    let v: Value = stale.json().await.unwrap();
    assert_eq!(v["code"], "PreconditionFailed");
    assert_eq!(
        format!("\"{}\"", v["current_version"]),
        new_etag,
        "the body names the version to reload: {v}"
    );
    assert_eq!(
        record(&s).await.1["phone"],
        "0294 3000 001",
        "first edit kept"
    );

    let missing = b
        .request(&s, Method::PUT, &format!("/api/v1/institutions/{ID}"))
        .json(&second)
        .send()
        .await
        .unwrap();
    common::assert_json_error(missing, 428, "PreconditionRequired", Some("If-Match")).await;
}

#[tokio::test]
async fn an_invalid_field_is_named_by_its_path_and_nothing_is_written() {
    let (s, db) = spawn_with_db().await;
    create_account(&db, "so.gddt", Role::Province, &[], &[]).await;
    let who = sign_in(&s, "so.gddt").await;
    let (etag, form) = record(&s).await;
    let before = stored_name(&db).await;

    let mut bad = form.clone();
    bad["name_vi"] = json!("Tên mới không được lưu");
    bad["kind"] = json!("castle");
    bad["programmes"] = json!([{"occupation_code": "6480201", "occupation_name": "CNTT",
                                "level": "intermediate"}]);
    let r = put(&s, &who, &etag, &bad).await;
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["kind", "programmes[0].occupation_code"], "{v}");

    // Valid in itself, refused by the database: no such district.
    let mut unknown_area = form.clone();
    unknown_area["name_vi"] = json!("Tên mới không được lưu");
    unknown_area["district_pre2025"] = json!("999");
    let r = put(&s, &who, &etag, &unknown_area).await;
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["errors"][0]["field"], "district_pre2025", "{v}");

    // Longer than any address needs (model::MAX_TEXT_BYTES, 4,000): refused by name.
    let mut too_long = form.clone();
    too_long["name_vi"] = json!("Tên mới không được lưu");
    too_long["address"] = json!("ấ".repeat(2_000));
    let r = put(&s, &who, &etag, &too_long).await;
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["errors"][0]["field"], "address", "{v}");

    let mut server_field = form.clone();
    server_field["updated_at"] = json!("2020-01-01T00:00:00Z");
    let r = put(&s, &who, &etag, &server_field).await;
    assert_eq!(r.status(), 400);

    assert_eq!(stored_name(&db).await, before, "nothing was written");
}

#[tokio::test]
async fn a_saved_edit_shows_in_every_read_and_in_the_history_with_before_and_after() {
    let (s, db) = spawn_with_db().await;
    create_account(
        &db,
        "huyen.cau.ke",
        Role::District,
        &[("pre2025", "845")],
        &[],
    )
    .await;
    let who = sign_in(&s, "huyen.cau.ke").await;
    let (etag, mut form) = record(&s).await;
    let old_name = form["name_vi"].as_str().unwrap().to_owned();
    form["name_vi"] = json!("Trung tâm Giáo dục nghề nghiệp Cầu Kè Mới");
    form["lon"] = json!(106.0612);
    form["lat"] = json!(9.8731);
    form["position_accuracy"] = json!("surveyed");
    let r = put(&s, &who, &etag, &form).await;
    assert_eq!(r.status(), 200);
    let request_id = r.headers()["x-request-id"].to_str().unwrap().to_owned();

    // Read-your-writes on this server: every read path answers with the edit at once.
    let (_, profile) = s.get_json(&format!("/api/v1/institutions/{ID}")).await;
    assert_eq!(
        profile["name_vi"],
        "Trung tâm Giáo dục nghề nghiệp Cầu Kè Mới"
    );
    let (_, found) = s.get_json("/api/v1/search?q=cau%20ke%20moi").await;
    assert!(found.to_string().contains(ID), "{found}");
    let (_, item) = s
        .get_json(&format!("/collections/institutions/items/{ID}?f=json"))
        .await;
    assert_eq!(item["geometry"]["coordinates"], json!([106.0612, 9.8731]));
    assert_eq!(item["properties"]["position_accuracy"], "surveyed");
    let (_, near) = s
        .get_json("/api/v1/nearby?lon=106.0612&lat=9.8731&limit=1")
        .await;
    assert!(near.to_string().contains(ID), "{near}");

    let (status, history) = {
        let r = who
            .request(
                &s,
                Method::GET,
                &format!("/api/v1/institutions/{ID}/history"),
            )
            .send()
            .await
            .unwrap();
        (r.status(), r.json::<Value>().await.unwrap())
    };
    assert_eq!(status, 200);
    let entry = &history["entries"][0];
    assert_eq!(entry["action"], "institution.update");
    assert_eq!(entry["actor"], "huyen.cau.ke");
    assert_eq!(entry["request_id"], request_id.as_str());
    assert_eq!(entry["changes"]["name_vi"]["before"], old_name.as_str());
    assert_eq!(
        entry["changes"]["name_vi"]["after"],
        "Trung tâm Giáo dục nghề nghiệp Cầu Kè Mới"
    );
    assert_eq!(entry["changes"]["position_accuracy"]["after"], "surveyed");
    assert!(entry["changes"].get("updated_at").is_none());
}

#[tokio::test]
async fn districts_create_inside_their_area_only_and_a_retired_institution_leaves_the_map() {
    let (s, db) = spawn_with_db().await;
    create_account(
        &db,
        "huyen.tieu.can",
        Role::District,
        &[("pre2025", "846")],
        &[],
    )
    .await;
    create_account(&db, "truong", Role::Institution, &[], &[ID]).await;
    let district = sign_in(&s, "huyen.tieu.can").await;
    let new = json!({
        "id": "tt-dao-tao-nghe-tieu-can", "name_vi": "Trung tâm Đào tạo nghề Tiểu Cần",
        "kind": "vocational_training_centre", "ownership": "private",
        "lon": 106.19, "lat": 9.81, "position_accuracy": "address",
        "province_pre2025": "84", "district_pre2025": "846",
        "source": "Phòng LĐTBXH huyện Tiểu Cần, 2026",
        "programmes": [{"occupation_code": "5520227", "occupation_name": "Điện công nghiệp",
                        "level": "intermediate", "annual_quota": 30}]
    });
    let r = district
        .request(&s, Method::POST, "/api/v1/institutions")
        .json(&new)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let created = r.headers()["etag"].to_str().unwrap().to_owned();
    let (status, _) = s
        .get_json("/api/v1/institutions/tt-dao-tao-nghe-tieu-can")
        .await;
    assert_eq!(status, 200);

    let mut elsewhere = new.clone();
    elsewhere["id"] = json!("tt-khac");
    elsewhere["district_pre2025"] = json!("845");
    let r = district
        .request(&s, Method::POST, "/api/v1/institutions")
        .json(&elsewhere)
        .send()
        .await
        .unwrap();
    common::assert_json_error(r, 403, "Forbidden", Some("outside")).await;
    let institution = sign_in(&s, "truong").await;
    let r = institution
        .request(&s, Method::POST, "/api/v1/institutions")
        .json(&elsewhere)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    let r = district
        .request(
            &s,
            Method::POST,
            "/api/v1/institutions/tt-dao-tao-nghe-tieu-can/retire",
        )
        .header("if-match", &created)
        .json(&json!({"reason": "Giải thể theo quyết định 12/QĐ-UBND"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (status, _) = s
        .get_json("/api/v1/institutions/tt-dao-tao-nghe-tieu-can")
        .await;
    assert_eq!(status, 404, "gone from the map");
    let (_, items) = s
        .get_json("/collections/institutions/items?f=json&limit=1000")
        .await;
    assert!(!items.to_string().contains("tt-dao-tao-nghe-tieu-can"));
    let pool = db.pool().await;
    let kept: (bool, String) = sqlx::query_as(
        "SELECT retired_at IS NOT NULL, retired_reason FROM institutions WHERE id = $1",
    )
    .bind("tt-dao-tao-nghe-tieu-can")
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(
        kept,
        (true, "Giải thể theo quyết định 12/QĐ-UBND".to_owned())
    );
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE institution_id = $1 ORDER BY id")
            .bind("tt-dao-tao-nghe-tieu-can")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(actions, ["institution.create", "institution.retire"]);
}

#[tokio::test]
async fn the_audit_log_refuses_update_delete_and_truncate_even_at_the_sql_prompt() {
    let (s, db) = spawn_with_db().await;
    create_account(&db, "so.gddt", Role::Province, &[], &[]).await;
    let who = sign_in(&s, "so.gddt").await;
    let (etag, mut form) = record(&s).await;
    form["phone"] = json!("0294 1111 111");
    assert_eq!(put(&s, &who, &etag, &form).await.status(), 200);
    let pool = db.pool().await;
    for sql in [
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ] {
        let e = sqlx::query(sql).execute(&pool).await.unwrap_err();
        assert!(e.to_string().contains("append-only"), "{sql}: {e}");
    }
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE actor = 'so.gddt'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(n >= 1);
}

#[tokio::test]
async fn edits_outside_the_api_are_in_the_history_too() {
    let (s, db) = spawn_with_db().await;
    create_account(&db, "so.gddt", Role::Province, &[], &[]).await;
    let pool = db.pool().await;
    sqlx::query("UPDATE institutions SET phone = '0294 9999 999' WHERE id = $1")
        .bind(ID)
        .execute(&pool)
        .await
        .unwrap();
    let who = sign_in(&s, "so.gddt").await;
    let r = who
        .request(
            &s,
            Method::GET,
            &format!("/api/v1/audit?institution={ID}&action=institution"),
        )
        .send()
        .await
        .unwrap();
    let v: Value = r.json().await.unwrap();
    let entry = &v["entries"][0];
    assert_eq!(entry["actor"], "sql:postgres");
    assert_eq!(entry["changes"]["phone"]["after"], "0294 9999 999");
    assert!(entry["changes"].get("version").is_none());
}

/// The index holds each text field in at most 4,000 bytes; a longer one written at the SQL
/// prompt would stop the next load, so the database refuses it as the API does.
#[tokio::test]
async fn the_database_refuses_text_the_api_would_refuse() {
    let (_s, db) = spawn_with_db().await;
    let pool = db.pool().await;
    let refused = sqlx::query("UPDATE institutions SET address = $2 WHERE id = $1")
        .bind(ID)
        .bind("ấ".repeat(2_000))
        .execute(&pool)
        .await
        .unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("institutions_text_at_most_4000_bytes"),
        "{refused}"
    );
    sqlx::query("UPDATE institutions SET address = $2 WHERE id = $1")
        .bind(ID)
        .bind("ấ".repeat(1_333))
        .execute(&pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_audit_log_is_searchable_and_exports_csv_for_the_province_only() {
    let (s, db) = spawn_with_db().await;
    create_account(&db, "so.gddt", Role::Province, &[], &[]).await;
    create_account(&db, "huyen", Role::District, &[("pre2025", "845")], &[]).await;
    let district = sign_in(&s, "huyen").await;
    let (etag, mut form) = record(&s).await;
    form["email"] = json!("ttgdnn.caukeh@travinh.gov.vn");
    assert_eq!(put(&s, &district, &etag, &form).await.status(), 200);

    let province = sign_in(&s, "so.gddt").await;
    let get = |who: &Session, path: &str| who.request(&s, Method::GET, path).send();
    let r = get(
        &province,
        "/api/v1/audit?actor=huyen&action=institution.update",
    )
    .await
    .unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["entries"].as_array().unwrap().len(), 1, "{v}");
    let r = get(&province, "/api/v1/audit?actor=nobody.here")
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["entries"], json!([]));
    let r = get(&province, "/api/v1/audit?from=2000-01-01&to=2000-01-02")
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["entries"], json!([]));

    let r = get(&province, "/api/v1/audit?f=csv&actor=huyen")
        .await
        .unwrap();
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = r.text().await.unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("id,at,actor,"));
    assert!(
        lines
            .next()
            .unwrap()
            .contains("ttgdnn.caukeh@travinh.gov.vn")
    );

    let r = get(&district, "/api/v1/audit").await.unwrap();
    common::assert_json_error(r, 403, "Forbidden", None).await;
}

#[tokio::test]
async fn on_the_bundled_files_every_write_says_it_needs_the_database() {
    let s = common::spawn_bundled().await;
    let r = s
        .client
        .put(s.url(&format!("/api/v1/institutions/{ID}")))
        .header("if-match", "\"1\"")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    common::assert_json_error(r, 503, "NeedsDatabase", None).await;
    let (status, _) = s
        .get_json(&format!("/api/v1/institutions/{ID}/record"))
        .await;
    assert_eq!(status, 200, "the record is readable without a database");
}

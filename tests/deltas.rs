//! Every change reaches every server (issue 15): two servers on one PostGIS database, one
//! written to through its API (and the database through plain SQL), the other reading.
//! Each change must show on the reader's by-id, nearby, search, items and tiles answers,
//! none may be lost, including across a database outage in the middle: the reader
//! reaches PostgreSQL through a proxy the test cuts (the shared PostgreSQL cannot be
//! restarted; see tests/faults.rs), and every backend of the database is terminated, as a
//! restart would, before it comes back.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::officials::{Session, create_account, sign_in};
use common::pg_proxy::PgProxy;
use common::{TestDb, TestServer, bundled_config, eventually, repo_path, spawn};
use reqwest::Method;
use serde_json::{Value, json};
use vetmap::auth::Role;

/// How long one change may take to reach the other server here (a debug build on a busy
/// machine); the benchmark measures the real figure (docs/BENCHMARKS.md).
const ARRIVAL: Duration = Duration::from_secs(15);
/// How long the reader may take to catch up after the database is back.
const RECOVERY: Duration = Duration::from_secs(60);

struct Pair {
    db: TestDb,
    proxy: PgProxy,
    writer: TestServer,
    reader: TestServer,
    official: Session,
}

async fn pair() -> Pair {
    let db = TestDb::create().await;
    db.import_dir(&repo_path("data")).await;
    let proxy = PgProxy::start(&db.url).await;
    let mut config = bundled_config();
    config.database_url = Some(db.url.clone());
    config.change_check_ms = 500;
    let writer = spawn(config).await;
    let mut config = bundled_config();
    config.database_url = Some(proxy.url(&db.url));
    config.change_check_ms = 500;
    let reader = spawn(config).await;
    reader.until_listening().await;
    create_account(&db, "so.deltas", Role::Province, &[], &[]).await;
    let official = sign_in(&writer, "so.deltas").await;
    Pair {
        db,
        proxy,
        writer,
        reader,
        official,
    }
}

/// One change as the reader must come to show it.
#[derive(Debug, Clone)]
struct Change {
    id: String,
    /// A word no other record has, in the new name: what search looks for.
    token: String,
    name: String,
    lon: f64,
    lat: f64,
}

impl Change {
    fn new(n: usize, id: &str, (lon, lat): (f64, f64)) -> Change {
        let token = format!("dz{n}x");
        Change {
            id: id.to_owned(),
            name: format!("Cơ sở đổi tên {token}"),
            token,
            // Moved a little every time, so nearby and tiles see a new place too.
            lon: lon + 0.0001 * (n as f64 + 1.0),
            lat: lat + 0.00007 * (n as f64 + 1.0),
        }
    }
}

async fn record(s: &TestServer, id: &str) -> (String, Value) {
    let r = s.get(&format!("/api/v1/institutions/{id}/record")).await;
    assert_eq!(r.status(), 200, "record of {id}");
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    (etag, r.json::<Value>().await.unwrap()["record"].clone())
}

/// Creates `c` through the writer's API (a copy of a bundled institution under `c`'s id,
/// name and place) and waits until the reader shows it.
async fn create_by_api(p: &Pair, c: &Change) {
    let (_, mut body) = record(&p.writer, "cd-nghe-tra-vinh").await;
    body["id"] = json!(c.id);
    body["name_vi"] = json!(c.name);
    body["lon"] = json!(c.lon);
    body["lat"] = json!(c.lat);
    let r = p
        .official
        .request(&p.writer, Method::POST, "/api/v1/institutions")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    until_shown(&p.reader, std::slice::from_ref(c), ARRIVAL).await;
}

/// Retires `id` through the writer's API (If-Match from its own record).
async fn retire_by_api(p: &Pair, id: &str, reason: &str) {
    let (etag, _) = record(&p.writer, id).await;
    let r = p
        .official
        .request(
            &p.writer,
            Method::POST,
            &format!("/api/v1/institutions/{id}/retire"),
        )
        .header("if-match", &etag)
        .json(&json!({"reason": reason}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

/// The change through the writer's API (If-Match from its own record: read-your-write).
async fn edit_by_api(p: &Pair, c: &Change) {
    let (etag, mut body) = record(&p.writer, &c.id).await;
    body["name_vi"] = json!(c.name);
    body["lon"] = json!(c.lon);
    body["lat"] = json!(c.lat);
    let r = p
        .official
        .request(
            &p.writer,
            Method::PUT,
            &format!("/api/v1/institutions/{}", c.id),
        )
        .header("if-match", &etag)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        200,
        "edit of {}: {}",
        c.id,
        r.text().await.unwrap()
    );
}

/// The change in plain SQL, as a GIS user at the database would make it.
async fn edit_by_sql(pool: &sqlx::PgPool, c: &Change) {
    let done = sqlx::query(
        "UPDATE institutions SET name_vi = $2, geom = ST_SetSRID(ST_MakePoint($3, $4), 4326)
         WHERE id = $1",
    )
    .bind(&c.id)
    .bind(&c.name)
    .bind(c.lon)
    .bind(c.lat)
    .execute(pool)
    .await
    .unwrap();
    assert_eq!(done.rows_affected(), 1);
}

async fn text(s: &TestServer, path: &str) -> (u16, String) {
    let r = s.get(path).await;
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

/// The Web Mercator tile at `z` holding the point.
fn tile_of(lon: f64, lat: f64, z: u8) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n).floor() as u32;
    let r = lat.to_radians();
    let y = ((1.0 - (r.tan() + 1.0 / r.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor();
    (x, y as u32)
}

/// Which of the reader's answers do not show the change yet (empty: all do).
async fn missing(s: &TestServer, c: &Change) -> Vec<&'static str> {
    let mut missing = Vec::new();
    let (status, body) = text(s, &format!("/api/v1/institutions/{}", c.id)).await;
    if status != 200 || !body.contains(&c.token) {
        missing.push("by id");
    }
    let (status, body) = text(
        s,
        &format!("/api/v1/nearby?lon={}&lat={}&limit=1", c.lon, c.lat),
    )
    .await;
    if status != 200 || !body.contains(&c.token) || !body.contains(&c.id) {
        missing.push("nearby");
    }
    let (status, body) = text(s, &format!("/api/v1/search?q={}", c.token)).await;
    if status != 200 || !body.contains(&format!("\"{}\"", c.id)) {
        missing.push("search");
    }
    let (status, body) = text(s, &format!("/api/v1/search/autocomplete?q={}", c.token)).await;
    if status != 200 || !body.contains(&format!("\"{}\"", c.id)) {
        missing.push("autocomplete");
    }
    let (status, body) = text(
        s,
        &format!("/collections/institutions/items/{}?f=json", c.id),
    )
    .await;
    if status != 200 || !body.contains(&c.token) {
        missing.push("item");
    }
    let d = 0.00001;
    let (status, body) = text(
        s,
        &format!(
            "/collections/institutions/items?f=json&bbox={},{},{},{}",
            c.lon - d,
            c.lat - d,
            c.lon + d,
            c.lat + d
        ),
    )
    .await;
    let matched = serde_json::from_str::<Value>(&body)
        .ok()
        .and_then(|v| v["numberMatched"].as_u64());
    if status != 200 || !body.contains(&c.token) || matched.is_none_or(|m| m < 1) {
        missing.push("items in a bbox");
    }
    let (x, y) = tile_of(c.lon, c.lat, 15);
    let r = s.get(&format!("/tiles/institutions/15/{x}/{y}.mvt")).await;
    let ok = r.status() == 200;
    let bytes = r.bytes().await.unwrap_or_default();
    // MVT keeps string values as plain UTF-8: the token is in the tile's bytes.
    if !ok
        || !bytes
            .windows(c.token.len())
            .any(|w| w == c.token.as_bytes())
    {
        missing.push("tile");
    }
    missing
}

/// Waits until the reader shows every change; says which answers lag when it does not.
async fn until_shown(s: &TestServer, changes: &[Change], within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let mut lagging = BTreeMap::new();
        for c in changes {
            let m = missing(s, c).await;
            if !m.is_empty() {
                lagging.insert(c.token.clone(), m);
            }
        }
        if lagging.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "within {within:?} the reader did not show: {lagging:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Institutions (id → position) as the reader lists them.
async fn places(s: &TestServer) -> Vec<(String, (f64, f64))> {
    let (status, v) = s.get_json("/api/v1/institutions").await;
    assert_eq!(status, 200);
    v["institutions"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|i| {
            let id = i["id"].as_str().unwrap().to_owned();
            let lon = i["location"]["lon"]
                .as_f64()
                .or_else(|| i["lon"].as_f64())
                .or_else(|| i["location"][0].as_f64())
                .unwrap_or_else(|| panic!("a longitude in {i}"));
            let lat = i["location"]["lat"]
                .as_f64()
                .or_else(|| i["lat"].as_f64())
                .or_else(|| i["location"][1].as_f64())
                .unwrap_or_else(|| panic!("a latitude in {i}"));
            (id, (lon, lat))
        })
        .collect()
}

/// The reader's institutions tile at zoom 15 holding the point: its ETag.
async fn tile_etag(s: &TestServer, at: (f64, f64)) -> String {
    tile_etag_at(s, 15, at).await
}

/// The reader's institutions tile at zoom `z` holding the point: its ETag.
async fn tile_etag_at(s: &TestServer, z: u8, (lon, lat): (f64, f64)) -> String {
    let (x, y) = tile_of(lon, lat, z);
    let r = s.get(&format!("/tiles/institutions/{z}/{x}/{y}.mvt")).await;
    assert!(matches!(r.status().as_u16(), 200 | 204), "tile {z}/{x}/{y}");
    r.headers()["etag"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_edit_changes_the_etag_of_the_tiles_it_touches_and_of_no_other() {
    let p = pair().await;
    let institutions = places(&p.reader).await;
    let (id, at) = &institutions[0];
    let c = Change::new(0, id, *at);
    let touched = [*at, (c.lon, c.lat)];
    let tiles: Vec<(u32, u32)> = touched.iter().map(|&(x, y)| tile_of(x, y, 15)).collect();
    // An institution whose tile is neither of those nor next to them.
    let far = institutions
        .iter()
        .map(|(_, at)| *at)
        .find(|&(lon, lat)| {
            let (x, y) = tile_of(lon, lat, 15);
            tiles
                .iter()
                .all(|&(tx, ty)| x.abs_diff(tx) > 1 || y.abs_diff(ty) > 1)
        })
        .expect("an institution elsewhere");
    let before_touched = tile_etag(&p.reader, (c.lon, c.lat)).await;
    let before_far = tile_etag(&p.reader, far).await;
    edit_by_api(&p, &c).await;
    until_shown(&p.reader, std::slice::from_ref(&c), ARRIVAL).await;
    let after_touched = tile_etag(&p.reader, (c.lon, c.lat)).await;
    assert_ne!(
        before_touched, after_touched,
        "the edited institution's tile"
    );
    assert_eq!(
        before_far,
        tile_etag(&p.reader, far).await,
        "a tile the edit did not touch keeps its ETag"
    );
    // And answers its old ETag with 304.
    let (x, y) = tile_of(far.0, far.1, 15);
    let r = p
        .reader
        .client
        .get(p.reader.url(&format!("/tiles/institutions/15/{x}/{y}.mvt")))
        .header("if-none-match", &before_far)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
}

#[tokio::test]
async fn a_creation_or_retirement_changes_the_etag_of_its_tiles_and_of_no_distant_one() {
    let p = pair().await;
    let institutions = places(&p.reader).await;
    let c = Change::new(501, "cs-moi-etag", (106.3302, 9.9561));
    let at = (c.lon, c.lat);
    let (tx, ty) = tile_of(c.lon, c.lat, 15);
    // An institution whose zoom-15 tile is neither the new one's nor next to it, and
    // whose zoom-8 tile is another one too.
    let far = institutions
        .iter()
        .map(|(_, at)| *at)
        .find(|&(lon, lat)| {
            let (x, y) = tile_of(lon, lat, 15);
            (x.abs_diff(tx) > 1 || y.abs_diff(ty) > 1)
                && tile_of(lon, lat, 8) != tile_of(c.lon, c.lat, 8)
        })
        .expect("an institution elsewhere");
    let etags = |z: u8| {
        let reader = &p.reader;
        async move {
            (
                tile_etag_at(reader, z, at).await,
                tile_etag_at(reader, z, far).await,
            )
        }
    };
    let before = (etags(15).await, etags(8).await);
    create_by_api(&p, &c).await;
    let created = (etags(15).await, etags(8).await);
    // A whole preparation (as before keys) would have changed the distant tiles' too.
    for (z, b, a) in [(15, &before.0, &created.0), (8, &before.1, &created.1)] {
        assert_ne!(b.0, a.0, "zoom {z}: the new institution's tile");
        assert_eq!(b.1, a.1, "zoom {z}: a tile the creation did not touch");
    }

    retire_by_api(&p, &c.id, "thử / test").await;
    eventually(ARRIVAL, "the retirement reaching the reader", || async {
        (text(&p.reader, &format!("/api/v1/institutions/{}", c.id))
            .await
            .0
            == 404)
            .then_some(())
    })
    .await;
    let retired = (etags(15).await, etags(8).await);
    for (z, b, a) in [(15, &created.0, &retired.0), (8, &created.1, &retired.1)] {
        assert_ne!(b.0, a.0, "zoom {z}: the retired institution's tile");
        assert_eq!(b.1, a.1, "zoom {z}: a tile the retirement did not touch");
    }
    // The far tile still answers its first ETag with 304.
    let (x, y) = tile_of(far.0, far.1, 15);
    let r = p
        .reader
        .client
        .get(p.reader.url(&format!("/tiles/institutions/15/{x}/{y}.mvt")))
        .header("if-none-match", &before.0.1)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 304);
}

#[tokio::test]
async fn every_change_through_the_api_or_sql_reaches_the_other_server_and_none_is_lost() {
    let p = pair().await;
    let full_at_start = p
        .reader
        .state
        .changes
        .as_ref()
        .unwrap()
        .borrow()
        .full_reloads;
    let institutions = places(&p.reader).await;
    assert!(institutions.len() >= 10, "the bundled data");
    let direct = p.db.pool().await;
    let mut n = 0usize;
    let mut next = |by: &str| {
        let (id, at) = &institutions[n % institutions.len()];
        let c = Change::new(n, id, *at);
        n += 1;
        let _ = by;
        c
    };
    let mut latencies = Vec::new();

    // 40 through the API, each shown by the reader before the next.
    for _ in 0..40 {
        let c = next("api");
        let started = Instant::now();
        edit_by_api(&p, &c).await;
        until_shown(&p.reader, std::slice::from_ref(&c), ARRIVAL).await;
        latencies.push(started.elapsed());
    }
    // 5 in plain SQL.
    for _ in 0..5 {
        let c = next("sql");
        edit_by_sql(&direct, &c).await;
        until_shown(&p.reader, std::slice::from_ref(&c), ARRIVAL).await;
    }

    // The database goes away for the reader; changes go on meanwhile (their
    // notifications are lost for it), then every backend is killed, as by a restart.
    p.proxy.cut();
    let mut while_away = Vec::new();
    for k in 0..30 {
        let c = next("away");
        if k % 3 == 2 {
            edit_by_sql(&direct, &c).await;
        } else {
            edit_by_api(&p, &c).await;
        }
        while_away.push(c);
    }
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .execute(&direct)
    .await
    .unwrap();
    p.proxy.restore();
    // Later changes to the same institution supersede earlier ones: the last of each.
    let mut last: BTreeMap<String, Change> = BTreeMap::new();
    for c in &while_away {
        last.insert(c.id.clone(), c.clone());
    }
    let last: Vec<Change> = last.into_values().collect();
    until_shown(&p.reader, &last, RECOVERY).await;

    // And after the outage, 40 more through the API and 5 in SQL, each shown.
    for k in 0..45 {
        let c = next("after");
        let started = Instant::now();
        if k % 9 == 8 {
            edit_by_sql(&direct, &c).await;
        } else {
            edit_by_api(&p, &c).await;
        }
        // The writer's pool lost its connections in the restart: it reconnects.
        until_shown(&p.reader, std::slice::from_ref(&c), ARRIVAL).await;
        latencies.push(started.elapsed());
    }

    // Both servers serve the same data at the same version: nothing lost, nothing extra.
    eventually(ARRIVAL, "the two servers agreeing", || async {
        let (a, b) = (
            p.writer.get_json("/api/v1/institutions").await.1,
            p.reader.get_json("/api/v1/institutions").await.1,
        );
        (a == b).then_some(())
    })
    .await;
    let reader_status = p.reader.state.changes.as_ref().unwrap().borrow().clone();
    assert!(reader_status.change_seq.is_some(), "{reader_status:?}");
    // Single edits are applied as deltas: none of them cost a full reload.
    assert_eq!(
        reader_status.full_reloads, full_at_start,
        "{reader_status:?}"
    );
    latencies.sort();
    eprintln!(
        "commit to visible on the other server (debug build, 8 answers polled): p50 {:?}, max {:?}",
        latencies[latencies.len() / 2],
        latencies.last().unwrap()
    );
}

#[tokio::test]
async fn created_and_retired_institutions_reach_the_other_server() {
    let p = pair().await;
    let direct = p.db.pool().await;
    let c = Change::new(500, "cs-moi-deltas", (106.3302, 9.9561));
    create_by_api(&p, &c).await;

    // Retired through the API: gone from the reader's answers.
    retire_by_api(&p, &c.id, "sáp nhập / merged").await;
    eventually(
        ARRIVAL,
        "the retired institution leaving the reader",
        || async {
            let gone = text(&p.reader, &format!("/api/v1/institutions/{}", c.id))
                .await
                .0
                == 404;
            let unsearchable = !text(&p.reader, &format!("/api/v1/search?q={}", c.token))
                .await
                .1
                .contains(&c.id);
            (gone && unsearchable).then_some(())
        },
    )
    .await;

    // Inserted and deleted in plain SQL, programmes and all.
    sqlx::query(
        "INSERT INTO institutions (id, name_vi, kind, ownership, geom, position_accuracy,
             province_pre2025, source, updated_at)
         VALUES ('cs-sql-deltas', 'Cơ sở qua SQL dzsqlx', 'college', 'public',
             ST_SetSRID(ST_MakePoint(106.2, 9.8), 4326), 'approximate', '84', 'test', now())",
    )
    .execute(&direct)
    .await
    .unwrap();
    let sql_made = Change {
        id: "cs-sql-deltas".into(),
        token: "dzsqlx".into(),
        name: "Cơ sở qua SQL dzsqlx".into(),
        lon: 106.2,
        lat: 9.8,
    };
    until_shown(&p.reader, std::slice::from_ref(&sql_made), ARRIVAL).await;
    sqlx::query("DELETE FROM institutions WHERE id = 'cs-sql-deltas'")
        .execute(&direct)
        .await
        .unwrap();
    eventually(
        ARRIVAL,
        "the deleted institution leaving the reader",
        || async {
            (text(&p.reader, "/api/v1/institutions/cs-sql-deltas")
                .await
                .0
                == 404)
                .then_some(())
        },
    )
    .await;
}

#[tokio::test]
async fn a_log_pruned_past_a_server_makes_it_reload_in_full_once() {
    let p = pair().await;
    let direct = p.db.pool().await;
    p.proxy.cut();
    let c = Change::new(900, "cd-nghe-tra-vinh", (106.3302, 9.9561));
    edit_by_sql(&direct, &c).await;
    // Pruned as the triggers prune old rows: everything up to the newest.
    sqlx::query(
        "WITH gone AS (DELETE FROM change_log RETURNING seq)
         UPDATE dataset_version SET pruned_through = (SELECT max(seq) FROM gone)",
    )
    .execute(&direct)
    .await
    .unwrap();
    let full_before = p
        .reader
        .state
        .changes
        .as_ref()
        .unwrap()
        .borrow()
        .full_reloads;
    p.proxy.restore();
    until_shown(&p.reader, std::slice::from_ref(&c), RECOVERY).await;
    let status = p.reader.state.changes.as_ref().unwrap().borrow().clone();
    assert_eq!(
        status.full_reloads,
        full_before + 1,
        "one full reload: {status:?}"
    );
}

/// Past `OVERLAY_LIMIT` changes since its base, a server merges its overlays in the
/// background (`index/merge.rs`) while edits keep arriving: no full reload, every change
/// still shown, none lost, and the overlays small again afterwards.
#[tokio::test]
async fn overlays_past_their_limit_are_merged_in_the_background_and_no_change_is_lost() {
    let db = TestDb::create().await;
    let pool = db.pool().await;
    let network = vetmap::synth::generate(6000, 4);
    vetmap::store::pg::copy_dataset(&pool, &network)
        .await
        .unwrap();
    let mut config = bundled_config();
    config.database_url = Some(db.url.clone());
    config.change_check_ms = 500;
    let server = spawn(config).await;
    server.until_listening().await;
    let status = || server.state.changes.as_ref().unwrap().borrow().clone();
    let full_reloads = status().full_reloads;
    let mut institutions = network.institutions.clone();
    institutions.sort_by(|a, b| a.id.cmp(&b.id));
    let ids: Vec<String> = institutions
        .iter()
        .map(|i| i.id.as_str().to_owned())
        .collect();
    // Two statements of 2,500 renames, applied one after the other: each is a delta
    // under the limit, the two together pass it.
    let limit = vetmap::index::OVERLAY_LIMIT;
    assert!(2500 < limit && 5000 > limit);
    for (part, token) in ["dzmergea", "dzmergeb"].into_iter().enumerate() {
        let these = &ids[part * 2500..(part + 1) * 2500];
        sqlx::query("UPDATE institutions SET name_vi = name_vi || ' ' || $1 WHERE id = ANY($2)")
            .bind(token)
            .bind(these)
            .execute(&pool)
            .await
            .unwrap();
        let last = these[these.len() - 1].clone();
        eventually(ARRIVAL, "the renames applied", || {
            let index = server.state.index.current();
            let shown = index
                .institution(&last)
                .is_some_and(|i| i.name_vi().ends_with(token));
            async move { shown.then_some(()) }
        })
        .await;
    }
    // Edits one at a time, while the merge runs or after it.
    let edits: Vec<Change> = (0..5)
        .map(|k| {
            let i = &institutions[5000 + k];
            Change::new(k, i.id.as_str(), (i.location.lon(), i.location.lat()))
        })
        .collect();
    for c in &edits {
        edit_by_sql(&pool, c).await;
    }
    eventually(ARRIVAL, "a merge in the background", || {
        let merged = status().merges >= 1;
        async move { merged.then_some(()) }
    })
    .await;
    until_shown(&server, &edits, ARRIVAL).await;
    assert_eq!(status().full_reloads, full_reloads, "no full reload");
    let index = server.state.index.current();
    assert!(
        index.overlay_len() < limit,
        "overlays merged: {}",
        index.overlay_len()
    );
    for token in ["dzmergea", "dzmergeb"] {
        let renamed = index
            .institutions()
            .iter()
            .filter(|i| i.name_vi().ends_with(token))
            .count();
        assert_eq!(renamed, 2500, "{token}");
        let (status, body) = text(&server, &format!("/api/v1/search?q={token}&limit=5")).await;
        assert_eq!(status, 200);
        assert!(body.contains(token), "search finds {token}: {body}");
    }
}

//! Heavy work is bounded (issue 13): past a kind's limit requests get 503 Busy, identical
//! requests in flight share one computation, abandoned or timed-out work stops, and
//! near-identical questions share a computation. The server runs in-process with small
//! limits; computations are held at their start (`Heavy::hold`) so that what is in
//! flight is observed, never timed.

mod common;

use std::time::{Duration, Instant};

use common::{TestServer, bundled_config, spawn};
use vetmap::heavy::{Kind, Limits, Stats};

/// The bundled data with one coverage computation at a time.
async fn spawn_one_at_a_time(timeout_secs: u64) -> TestServer {
    let mut config = bundled_config();
    config.heavy_concurrency = Limits::uniform(4);
    config.heavy_concurrency.set(Kind::Coverage, 1);
    config.request_timeout_secs = timeout_secs;
    spawn(config).await
}

fn coverage(s: &TestServer) -> Stats {
    s.state.heavy.stats(Kind::Coverage)
}

/// Polls `cond` until it holds; fails after 30 s (a loaded machine is slow, a broken
/// mechanism never gets there).
async fn until(what: &str, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A GET on its own task: its answer's status, headers and body.
fn get_later(
    s: &TestServer,
    path: &str,
) -> tokio::task::JoinHandle<(u16, reqwest::header::HeaderMap, String)> {
    let (client, url) = (s.client.clone(), s.url(path));
    tokio::spawn(async move {
        let r = client.get(url).send().await.expect("an answer");
        let (status, headers) = (r.status().as_u16(), r.headers().clone());
        (status, headers, r.text().await.expect("a body"))
    })
}

fn grid(cell_km: f64) -> String {
    format!("/api/v1/coverage/grid?cell_km={cell_km}&radius_km=5")
}

#[tokio::test]
async fn distinct_heavy_requests_past_the_limit_get_503_busy_with_retry_after_and_json() {
    let s = spawn_one_at_a_time(30).await;
    let held = s.state.heavy.hold();
    let first = get_later(&s, &grid(2.0));
    until("the first computation to start", || {
        coverage(&s).running == 1
    })
    .await;
    let burst: Vec<_> = [2.1, 2.2, 2.3, 2.4]
        .into_iter()
        .map(|c| get_later(&s, &grid(c)))
        .collect();
    for r in burst {
        let (status, headers, body) = r.await.unwrap();
        assert_eq!(status, 503, "{body}");
        let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=30).contains(&retry), "{retry}");
        let v: serde_json::Value = serde_json::from_str(&body).expect("a JSON body");
        assert_eq!(v["code"], "Busy");
        assert!(
            v["description"].as_str().unwrap().contains("coverage"),
            "{v}"
        );
    }
    assert_eq!(coverage(&s).refused, 4);
    drop(held);
    let (status, _, body) = first.await.unwrap();
    assert_eq!(status, 200, "{body}");
    // Once the permit is free, the refused questions are answered.
    let r = s.get(&grid(2.1)).await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn identical_requests_in_flight_are_computed_once_and_all_answered() {
    let s = spawn_one_at_a_time(30).await;
    let held = s.state.heavy.hold();
    let path = "/api/v1/coverage?cell_km=1.5&radius_km=8&occupation=6480201";
    let all: Vec<_> = (0..5).map(|_| get_later(&s, path)).collect();
    until("four to join the first", || {
        let c = coverage(&s);
        c.started == 1 && c.joined == 4
    })
    .await;
    drop(held);
    let mut bodies = Vec::new();
    for r in all {
        let (status, _, body) = r.await.unwrap();
        assert_eq!(status, 200, "{body}");
        bodies.push(body);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]));
    let c = coverage(&s);
    assert_eq!(
        (c.started, c.refused),
        (1, 0),
        "computed once, nobody refused"
    );
}

#[tokio::test]
async fn a_request_abandoned_by_its_client_stops_its_computation_and_frees_the_permit() {
    let s = spawn_one_at_a_time(30).await;
    let held = s.state.heavy.hold();
    let abandoned = get_later(&s, &grid(3.0));
    until("the computation to start", || coverage(&s).running == 1).await;
    // Dropping the request's future closes its connection, as a client going away does.
    abandoned.abort();
    until("the computation to be cancelled", || {
        coverage(&s).cancelled == 1
    })
    .await;
    assert_eq!(coverage(&s).running, 0);
    drop(held);
    let r = s.get(&grid(3.1)).await;
    assert_eq!(r.status(), 200, "the freed permit serves the next request");
}

#[tokio::test]
async fn the_request_timeout_stops_a_computation_its_client_still_waits_for() {
    let s = spawn_one_at_a_time(1).await;
    let _held = s.state.heavy.hold();
    let (status, body) = s.get_json(&grid(3.0)).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["code"], "Timeout");
    until("the computation to be cancelled", || {
        coverage(&s).cancelled == 1
    })
    .await;
    assert_eq!(coverage(&s).running, 0);
}

#[tokio::test]
async fn radii_5_13_and_5_14_share_one_computation_and_the_answer_says_what_was_computed() {
    let s = spawn_one_at_a_time(30).await;
    let server = &s;
    let ask = |radius: &str| {
        let path = format!("/api/v1/coverage?radius_km={radius}&cell_km=0.504");
        async move { server.get_json(&path).await }
    };
    let (status, a) = ask("5.13").await;
    assert_eq!(status, 200, "{a}");
    assert_eq!(
        (a["radius_km"].as_f64(), a["cell_km"].as_f64()),
        (Some(5.1), Some(0.5))
    );
    assert_eq!(coverage(&s).started, 1);
    let (_, b) = ask("5.14").await;
    assert_eq!(a, b, "the same question");
    // Another radius is another answer, from the same grid and distances.
    let (_, c) = ask("9").await;
    assert_eq!(c["radius_km"].as_f64(), Some(9.0));
    assert!(c["grid"]["cells_within_radius"].as_u64() > a["grid"]["cells_within_radius"].as_u64());
    assert_eq!(
        coverage(&s).started,
        1,
        "one computation for three questions"
    );
}

#[tokio::test]
async fn indicators_are_counted_once_per_data_version_whatever_asks_for_them() {
    let s = spawn_one_at_a_time(30).await;
    for path in [
        "/api/v1/indicators",
        "/api/v1/indicators?f=csv",
        "/reports/periodic?cell_km=5",
        "/api/v1/indicators?scheme=2025",
    ] {
        assert_eq!(s.get(path).await.status(), 200, "{path}");
    }
    let indicators = s.state.heavy.stats(Kind::Indicators);
    assert_eq!(
        indicators.started, 2,
        "pre-2025 districts once, 2025 communes once"
    );
    assert_eq!(s.state.heavy.stats(Kind::Report).started, 1);
}

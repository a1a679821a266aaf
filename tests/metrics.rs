//! `/metrics`, black-box: what a Prometheus scrape finds after a few requests. The
//! recorder is one per process and the tests of this file share it, so counts are
//! compared as "at least".

mod common;

use common::{bundled_config, spawn, spawn_bundled};
use serde_json::json;

async fn scrape(s: &common::TestServer) -> String {
    let r = s.get("/metrics").await;
    assert_eq!(r.status(), 200);
    let kind = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(kind.starts_with("text/plain"), "{kind}");
    r.text().await.unwrap()
}

/// The value of the sample of `name` carrying every one of `labels` (0 when absent).
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| {
            l.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
        })
        .filter(|l| {
            labels
                .iter()
                .all(|(k, v)| l.contains(&format!("{k}=\"{v}\"")))
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test]
async fn requests_are_counted_by_matched_route_beside_in_flight_requests_and_the_data_version() {
    let s = spawn_bundled().await;
    let route = [
        ("route", "/api/v1/institutions/{id}"),
        ("status", "200"),
        ("method", "GET"),
    ];
    let before = sample(&scrape(&s).await, "vetmap_http_requests_total", &route);
    for id in ["cd-nghe-tra-vinh", "cd-y-te-tra-vinh", "cd-nghe-tra-vinh"] {
        assert_eq!(
            s.get(&format!("/api/v1/institutions/{id}")).await.status(),
            200
        );
    }
    assert_eq!(s.get("/no/such/page-4711").await.status(), 404);

    let text = scrape(&s).await;
    assert!(
        sample(&text, "vetmap_http_requests_total", &route) >= before + 3.0,
        "{text}"
    );
    assert!(
        sample(
            &text,
            "vetmap_http_request_duration_seconds_count",
            &[("route", "/api/v1/institutions/{id}"), ("status", "2xx")]
        ) >= 3.0,
        "{text}"
    );
    // Unmatched paths share one label; the raw path never becomes one.
    assert!(
        sample(
            &text,
            "vetmap_http_requests_total",
            &[("route", "(fallback)"), ("status", "404")]
        ) >= 1.0,
        "{text}"
    );
    assert!(!text.contains("page-4711"), "{text}");
    // The scrape itself is in flight while it renders.
    assert!(
        sample(&text, "vetmap_http_requests_in_flight", &[]) >= 1.0,
        "{text}"
    );

    let (_, ready) = s.get_json("/ready").await;
    let version = ready["data_version"].as_str().unwrap();
    assert_eq!(
        sample(
            &text,
            "vetmap_data_info",
            &[("version", version), ("source", "bundled")]
        ),
        1.0,
        "{text}"
    );
    assert_eq!(sample(&text, "vetmap_data_loaded", &[]), 1.0, "{text}");
    assert!(text.contains("\nvetmap_data_age_seconds "), "{text}");
}

#[tokio::test]
async fn a_request_refused_by_the_rate_limit_is_counted_as_rejected() {
    let mut config = bundled_config();
    config.verify_rate_per_minute = 1;
    let s = spawn(config).await;
    let reason = [("reason", "rate_limit")];
    let before = sample(&scrape(&s).await, "vetmap_http_rejected_total", &reason);
    let body = json!({"serial": "DEMO-CD 000101", "birth_date": "2002-03-14"});
    let mut statuses = Vec::new();
    for _ in 0..2 {
        let r = s
            .client
            .post(s.url("/api/v1/credentials/verify"))
            .json(&body)
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses, [200, 429]);
    let text = scrape(&s).await;
    assert!(
        sample(&text, "vetmap_http_rejected_total", &reason) >= before + 1.0,
        "{text}"
    );
}

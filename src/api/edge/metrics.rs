//! Prometheus metrics: `GET /metrics` in the text exposition format.
//!
//! Events (requests, their latency, refusals, reloads) are recorded through the `metrics`
//! facade, so any module can count without holding a handle (`metrics::counter!`, or
//! [`rejected`] here), and `metrics-exporter-prometheus` keeps and renders them. The
//! recorder is one per process. What describes this server's state (the data version and
//! its age, the database pool, the change listener) is read from its [`AppState`] at
//! scrape time and appended, so it is exact even when a test process runs many servers.
//!
//! `/metrics` is served on the public listener: it shows route names, counts and the data
//! version (which `/ready` shows anyway), nothing about a person. A deployment that wants
//! it private blocks the path at its reverse proxy.

use std::fmt::Write as _;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::AppState;
use crate::error::ErrorCode;

/// The route label of requests no route matched: static files and unknown paths (a raw
/// path would let any client mint label values).
pub const UNMATCHED: &str = "(fallback)";

const REQUEST_SECONDS: &str = "vetmap_http_request_duration_seconds";
const RELOAD_SECONDS: &str = "vetmap_index_reload_duration_seconds";

/// From a cached tile (well under a millisecond) to the request timeout.
const REQUEST_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];
/// A reload is milliseconds for a province and tens of seconds at national scale.
const RELOAD_BUCKETS: &[f64] = &[0.05, 0.25, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0];

static RECORDER: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process's recorder, once; later calls do nothing. When another
/// recorder is already installed (an embedding program's), `/metrics` shows only the
/// server's state.
pub fn install() {
    RECORDER.get_or_init(|| {
        let installed = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(REQUEST_SECONDS.into()), REQUEST_BUCKETS)
            .and_then(|b| {
                b.set_buckets_for_metric(Matcher::Full(RELOAD_SECONDS.into()), RELOAD_BUCKETS)
            })
            .and_then(|b| b.install_recorder());
        match installed {
            Ok(handle) => {
                describe();
                // Histogram samples wait in buffers until drained; a server nobody scrapes
                // must not grow them without end.
                let upkeep = handle.clone();
                let spawned = std::thread::Builder::new()
                    .name("metrics-upkeep".into())
                    .spawn(move || {
                        loop {
                            std::thread::sleep(Duration::from_secs(5));
                            upkeep.run_upkeep();
                        }
                    });
                if let Err(e) = spawned {
                    tracing::warn!(error = %e, "no metrics upkeep thread: histograms drain only when scraped");
                }
                Some(handle)
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not install the metrics recorder; /metrics shows the server's state only");
                None
            }
        }
    });
}

fn describe() {
    describe_counter!(
        "vetmap_http_requests_total",
        "Requests answered, by method, matched route and status code"
    );
    describe_histogram!(
        REQUEST_SECONDS,
        metrics::Unit::Seconds,
        "Time to answer, by method, matched route and status class"
    );
    describe_gauge!(
        "vetmap_http_requests_in_flight",
        "Requests being answered now"
    );
    describe_counter!(
        "vetmap_http_rejected_total",
        "Requests refused to protect the service, by reason: rate_limit (429), busy (503 Busy), \
         timeout, body_too_large (413), connection_cap"
    );
    describe_counter!(
        "vetmap_index_reloads_total",
        "Reloads of the serving index after a data change, by outcome"
    );
    describe_counter!(
        "vetmap_index_merges_total",
        "Overlays of the serving index merged in the background (the same data rebuilt aside)"
    );
    describe_histogram!(
        RELOAD_SECONDS,
        metrics::Unit::Seconds,
        "Time to load and build a new serving index"
    );
}

/// Counts one request refused to protect the service. Refusals answered through
/// `ApiError` (429, `Busy`, `Timeout`, 413) are counted by the middleware already; this
/// is for refusals that never become an HTTP answer, such as the connection cap.
pub fn rejected(reason: &'static str) {
    counter!("vetmap_http_rejected_total", "reason" => reason).increment(1);
}

/// The refusal reason of an error answer's code, for the ones that protect the service.
fn rejection_reason(code: &str) -> Option<&'static str> {
    match code {
        "TooManyRequests" => Some("rate_limit"),
        "Busy" => Some("busy"),
        "Timeout" => Some("timeout"),
        "PayloadTooLarge" => Some("body_too_large"),
        _ => None,
    }
}

/// Keeps the in-flight gauge honest when a request's future is dropped mid-way (the
/// client went away): the decrement runs on drop.
struct InFlight;

impl InFlight {
    fn start() -> Self {
        gauge!("vetmap_http_requests_in_flight").increment(1.0);
        InFlight
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        gauge!("vetmap_http_requests_in_flight").decrement(1.0);
    }
}

/// The middleware: counts and times every request under its matched route.
pub async fn record(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| UNMATCHED.to_owned());
    let method = method_label(req.method());
    let _in_flight = InFlight::start();
    let started = Instant::now();
    let response = next.run(req).await;
    let status = response.status();
    let class = match status.as_u16() / 100 {
        1 => "1xx",
        2 => "2xx",
        3 => "3xx",
        4 => "4xx",
        _ => "5xx",
    };
    histogram!(REQUEST_SECONDS, "method" => method, "route" => route.clone(), "status" => class)
        .record(started.elapsed().as_secs_f64());
    counter!(
        "vetmap_http_requests_total",
        "method" => method,
        "route" => route,
        "status" => status.as_str().to_owned()
    )
    .increment(1);
    if let Some(reason) = response
        .extensions()
        .get::<ErrorCode>()
        .and_then(|c| rejection_reason(c.0))
    {
        rejected(reason);
    }
    response
}

/// Methods outside the standard set share one label, so clients cannot mint values.
fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Metrics in the Prometheus text format
///
/// Requests by route, method and status; refusals by code; heavy work; the data
/// version and age, the database pool and the change listener, read when scraped.
#[utoipa::path(get, path = "/metrics", tag = "service",
    responses((status = 200, description = "Prometheus text exposition format 0.0.4",
        body = String, content_type = "text/plain")))]
pub async fn render(State(state): State<AppState>) -> Response {
    let mut body = RECORDER
        .get()
        .and_then(Option::as_ref)
        .map(PrometheusHandle::render)
        .unwrap_or_default();
    server_state(&state, &mut body);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// This server's state as gauges, read now.
fn server_state(state: &AppState, out: &mut String) {
    let index = state.index.current();
    let loaded = state.index.is_loaded();
    gauge_line(
        out,
        "vetmap_data_loaded",
        "1 once the serving index holds data, 0 while a server waits for its database",
        &[],
        f64::from(u8::from(loaded)),
    );
    if loaded {
        gauge_line(
            out,
            "vetmap_data_info",
            "The data version served (label version) and its source (label source)",
            &[
                ("version", index.version()),
                ("source", state.source_name()),
            ],
            1.0,
        );
        let age = chrono::Utc::now() - index.built_at();
        gauge_line(
            out,
            "vetmap_data_age_seconds",
            "Seconds since the serving index was built",
            &[],
            age.num_milliseconds().max(0) as f64 / 1000.0,
        );
        gauge_line(
            out,
            "vetmap_data_institutions",
            "Institutions in the serving index",
            &[],
            index.institutions().len() as f64,
        );
    }
    if let Some(pool) = &state.db {
        let size = pool.size();
        let idle = pool.num_idle() as u32;
        let _ = writeln!(
            out,
            "# HELP vetmap_db_pool_connections Database connections of the pool, by state (in_use counts one being opened)\n\
             # TYPE vetmap_db_pool_connections gauge\n\
             vetmap_db_pool_connections{{state=\"idle\"}} {idle}\n\
             vetmap_db_pool_connections{{state=\"in_use\"}} {}",
            size.saturating_sub(idle)
        );
        gauge_line(
            out,
            "vetmap_db_pool_max_connections",
            "Most database connections this server opens",
            &[],
            f64::from(state.config.db_max_connections),
        );
    }
    if let Some(changes) = &state.changes {
        gauge_line(
            out,
            "vetmap_change_listener_up",
            "1 while LISTEN for data changes is in place",
            &[],
            f64::from(u8::from(changes.borrow().listening_since.is_some())),
        );
    }
}

fn gauge_line(out: &mut String, name: &str, help: &str, labels: &[(&str, &str)], value: f64) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (n, (k, v)) in labels.iter().enumerate() {
            if n > 0 {
                out.push(',');
            }
            let _ = write!(out, "{k}=\"{}\"", escape_label(v));
        }
        out.push('}');
    }
    let _ = writeln!(out, " {value}");
}

/// The exposition format's label escapes: backslash, double quote, newline.
fn escape_label(v: &str) -> String {
    v.replace('\\', r"\\")
        .replace('"', "\\\"")
        .replace('\n', r"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gauge_line_has_its_help_type_and_escaped_labels() {
        let mut out = String::new();
        gauge_line(&mut out, "x_info", "what", &[("v", "a\"b\\c\nd")], 1.0);
        assert_eq!(
            out,
            "# HELP x_info what\n# TYPE x_info gauge\nx_info{v=\"a\\\"b\\\\c\\nd\"} 1\n"
        );
    }

    #[test]
    fn only_refusals_that_protect_the_service_count_as_rejected() {
        assert_eq!(rejection_reason("TooManyRequests"), Some("rate_limit"));
        assert_eq!(rejection_reason("Busy"), Some("busy"));
        assert_eq!(rejection_reason("Timeout"), Some("timeout"));
        assert_eq!(rejection_reason("PayloadTooLarge"), Some("body_too_large"));
        assert_eq!(rejection_reason("NotFound"), None);
        assert_eq!(rejection_reason("DatabaseUnavailable"), None);
    }
}

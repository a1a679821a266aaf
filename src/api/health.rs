//! Liveness, readiness and metrics, for load balancers, orchestrators and monitoring.

use axum::Json;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use super::AppState;
use super::edge::metrics;
use crate::error::ApiError;

/// The paths that answer while a server waits for its first data.
const ALWAYS_ANSWERED: [&str; 3] = ["/health", "/ready", "/metrics"];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics::render))
}

/// The process is up and answering.
async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// The index is loaded and, when configured, the database answers (within the
/// connection timeout). Otherwise 503 with the reasons, in words for an operator: the
/// driver's error goes to the log, not to whoever asks.
async fn ready(State(state): State<AppState>) -> Response {
    let mut reasons = Vec::new();
    if !state.index.is_loaded() {
        reasons.push("data not loaded yet");
    }
    if let Some(pool) = &state.db {
        let bound = state.config.db_acquire_timeout();
        match tokio::time::timeout(bound, crate::store::pg::ping(pool)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "not ready: the database does not answer");
                reasons.push("database unreachable");
            }
            Err(_) => {
                tracing::warn!(
                    waited_ms = bound.as_millis() as u64,
                    "not ready: the database did not answer in time"
                );
                reasons.push("database unreachable");
            }
        }
    }
    if !reasons.is_empty() {
        let body = json!({
            "status": "not_ready",
            "code": "NotReady",
            "description": format!("not ready: {}", reasons.join("; ")),
            "reasons": reasons,
        });
        return (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
    }
    let index = state.index.current();
    let mut body = json!({
        "status": "ready",
        "source": state.source_name(),
        "data_version": index.version(),
        "index_built_at": index.built_at(),
        "institutions": index.institutions().len(),
        "areas": index.areas().len(),
        "occupations": index.occupations().count(),
    });
    if let Some(changes) = &state.changes {
        let c = changes.borrow();
        body["changes"] = json!({
            "listening_since": c.listening_since,
            "last_checked_at": c.last_checked_at,
            "last_checked_version": c.last_checked_version,
        });
    }
    Json(body).into_response()
}

/// Until the first snapshot is in (a server that started while its database was away),
/// every path but [`ALWAYS_ANSWERED`] answers 503: an empty map would look like an
/// answer.
pub async fn until_loaded(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if state.index.is_loaded() || ALWAYS_ANSWERED.contains(&req.uri().path()) {
        return next.run(req).await;
    }
    ApiError::Unavailable(
        "the data is not loaded yet: the database has not answered since this server started"
            .into(),
    )
    .into_response()
}

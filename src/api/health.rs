//! Liveness, readiness and metrics, for load balancers, orchestrators and monitoring.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::edge::metrics;
use crate::error::ApiError;

/// The paths that answer while a server waits for its first data.
const ALWAYS_ANSWERED: [&str; 3] = ["/health", "/ready", "/metrics"];

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(health))
        .routes(routes!(ready))
        .routes(routes!(metrics::render))
}

#[derive(Serialize, ToSchema)]
struct Alive {
    /// Always `ok`.
    #[schema(value_type = String, pattern = "^ok$")]
    status: &'static str,
}

/// Liveness: the process answers
#[utoipa::path(get, path = "/health", tag = "service",
    responses((status = 200, description = "alive", body = Alive)))]
async fn health() -> Json<Alive> {
    Json(Alive { status: "ok" })
}

/// `/ready` when the server is ready.
#[derive(Serialize, ToSchema)]
struct Ready {
    /// Always `ready`.
    #[schema(value_type = String, pattern = "^ready$")]
    status: &'static str,
    /// `bundled` (the files) or `postgis`.
    source: &'static str,
    data_version: String,
    index_built_at: DateTime<Utc>,
    institutions: usize,
    areas: usize,
    occupations: usize,
    /// With a database: the change listener's state.
    #[serde(skip_serializing_if = "Option::is_none")]
    changes: Option<Changes>,
}

#[derive(Serialize, ToSchema)]
struct Changes {
    listening_since: Option<DateTime<Utc>>,
    last_checked_at: Option<DateTime<Utc>>,
    last_checked_version: Option<String>,
}

/// `/ready` when the server is not ready: the error body's fields, and the reasons.
#[derive(Serialize, ToSchema)]
struct NotReady {
    /// Always `not_ready`.
    #[schema(value_type = String, pattern = "^not_ready$")]
    status: &'static str,
    /// Always `NotReady`.
    #[schema(value_type = String, pattern = "^NotReady$")]
    code: &'static str,
    description: String,
    reasons: Vec<&'static str>,
}

/// Readiness: the serving index is loaded (and the database answers)
///
/// The index is loaded and, when configured, the database answers (within the
/// connection timeout). Otherwise 503 with the reasons, in words for an operator: the
/// driver's error goes to the log, not to whoever asks.
#[utoipa::path(get, path = "/ready", tag = "service",
    responses(
        (status = 200, description = "ready, with the data version and counts", body = Ready),
        (status = 503, description = "not ready, with the reasons", body = NotReady)))]
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
        let body = NotReady {
            status: "not_ready",
            code: "NotReady",
            description: format!("not ready: {}", reasons.join("; ")),
            reasons,
        };
        return (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
    }
    let index = state.index.current();
    let changes = state.changes.as_ref().map(|changes| {
        let c = changes.borrow();
        Changes {
            listening_since: c.listening_since,
            last_checked_at: c.last_checked_at,
            last_checked_version: c.last_checked_version.clone(),
        }
    });
    Json(Ready {
        status: "ready",
        source: state.source_name(),
        data_version: index.version().to_owned(),
        index_built_at: index.built_at(),
        institutions: index.institutions().len(),
        areas: index.areas().len(),
        occupations: index.occupations().count(),
        changes,
    })
    .into_response()
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

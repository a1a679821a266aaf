//! Liveness and readiness, for load balancers and orchestrators.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::AppState;
use crate::error::ApiError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
}

/// The process is up and answering.
async fn health() -> Json<Value> {
    Json(json!({"status": "ok"}))
}

/// The index is loaded and, when configured, the database answers.
async fn ready(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    if let Some(pool) = &state.db {
        crate::store::pg::ping(pool)
            .await
            .map_err(|e| ApiError::Unavailable(format!("database unreachable: {e}")))?;
    }
    let index = state.index.current();
    Ok(Json(json!({
        "status": "ready",
        "source": state.source_name(),
        "data_version": index.version(),
        "index_built_at": index.built_at(),
        "institutions": index.institutions().len(),
        "areas": index.areas().len(),
        "occupations": index.occupations().count(),
    })))
}

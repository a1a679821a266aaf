//! Each indicator's path towards its 2025 and 2030 targets: `GET
//! /api/v1/indicators/progress` (every indicator's points over time, JSON) and `GET
//! /api/v1/indicators/{id}/progress.svg?lang=vi|en` (its chart, the one the printable
//! report prints and the officials' page shows). Points come from the stored snapshots
//! (with a database) and the values now.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::AppState;
use super::edge::extract::{Path, Query};
use super::indicators::computed;
use crate::error::ApiError;
use crate::indicators::progress::{Series, series};
use crate::indicators::{Snapshot, chart};
use crate::model::{AdminLevel, Lang, Scheme};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/indicators/progress", get(all))
        .route("/api/v1/indicators/{id}/progress.svg", get(one_chart))
}

/// The stored snapshots, or none without a database (`false`: none can be stored).
pub async fn snapshots(state: &AppState) -> Result<(Vec<Snapshot>, bool), ApiError> {
    match &state.db {
        Some(pool) => Ok((crate::store::pg::load_snapshots(pool).await?, true)),
        None => Ok((Vec::new(), false)),
    }
}

async fn every_series(state: &AppState) -> Result<(Vec<Series>, bool), ApiError> {
    let now = computed(state, Scheme::Pre2025, AdminLevel::District).await?;
    let (snaps, stored) = snapshots(state).await?;
    let today = now.computed_at.date_naive();
    Ok((series(&now, &snaps, today), stored))
}

async fn all(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    let (series, stored) = every_series(&state).await?;
    Ok(Json(json!({
        "snapshots_stored": stored,
        "series": series,
        "links": {
            "chart": "/api/v1/indicators/{id}/progress.svg?lang=vi",
            "snapshots": "/api/v1/indicators/snapshots",
        },
    })))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ChartQuery {
    lang: Option<String>,
}

async fn one_chart(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<ChartQuery>,
) -> Result<Response, ApiError> {
    let lang = Lang::parse(q.lang.as_deref()).map_err(|e| ApiError::bad_parameter("lang", e))?;
    if crate::indicators::definition(&id).is_none() {
        return Err(ApiError::NotFound(format!("no indicator {id:?}")));
    }
    let (series, _) = every_series(&state).await?;
    let s = series
        .iter()
        .find(|s| s.id == id)
        .ok_or_else(|| ApiError::NotFound(format!("no indicator {id:?}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        chart::svg(s, lang),
    )
        .into_response())
}

/// This resource group's OpenAPI 3.0 `paths`, for the service's OpenAPI document.
pub fn openapi_paths() -> serde_json::Map<String, serde_json::Value> {
    let lang = json!({"name": "lang", "in": "query", "required": false,
        "schema": {"type": "string", "enum": ["vi", "en"]}, "description": "the chart's language (default vi)"});
    let paths = json!({
        "/api/v1/indicators/progress": {"get": {
            "summary": "Each indicator's path towards its targets: points over time (period and dated snapshots, now), each with the range its unknowns leave open",
            "operationId": "indicatorProgress", "tags": ["indicators"],
            "responses": {"200": {"description": "series", "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        "/api/v1/indicators/{id}/progress.svg": {"get": {
            "summary": "An indicator's progress chart (SVG): values over time, unknowns apart, targets of 2025 and 2030",
            "operationId": "indicatorProgressChart", "tags": ["indicators"],
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}, lang],
            "responses": {"200": {"description": "SVG", "content": {"image/svg+xml": {}}},
                "400": {"description": "bad lang"}, "404": {"description": "no such indicator"}}}},
    });
    match paths {
        serde_json::Value::Object(m) => m,
        _ => serde_json::Map::new(),
    }
}

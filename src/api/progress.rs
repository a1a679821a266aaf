//! Each indicator's path towards its 2025 and 2030 targets: `GET
//! /api/v1/indicators/progress` (every indicator's points over time, JSON) and `GET
//! /api/v1/indicators/{id}/progress.svg?lang=vi|en` (its chart, the one the printable
//! report prints and the officials' page shows). Points come from the stored snapshots
//! (with a database) and the values now.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::edge::extract::{Path, Query};
use super::indicators::computed;
use crate::error::{ApiError, ErrorBody};
use crate::indicators::progress::{Series, series};
use crate::indicators::{Snapshot, chart};
use crate::model::{AdminLevel, Lang, Scheme};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(all))
        .routes(routes!(one_chart))
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

/// Every indicator's points over time.
#[derive(Serialize, ToSchema)]
struct Progress {
    /// Whether snapshots can be stored here (false on the bundled files: only "now").
    snapshots_stored: bool,
    series: Vec<Series>,
    links: ProgressLinks,
}

#[derive(Serialize, ToSchema)]
struct ProgressLinks {
    /// Each indicator's chart (replace `{id}`).
    chart: &'static str,
    snapshots: &'static str,
}

/// Each indicator's path towards its targets: points over time (period and dated
/// snapshots, now), each with the range its unknowns leave open.
#[utoipa::path(get, path = "/api/v1/indicators/progress", tag = "indicators",
    responses(
        (status = 200, description = "every indicator's series", body = Progress),
        (status = 503, description = "too many at once (`Busy`), or the database does not answer", body = ErrorBody)))]
async fn all(State(state): State<AppState>) -> Result<Json<Progress>, ApiError> {
    let (series, stored) = every_series(&state).await?;
    Ok(Json(Progress {
        snapshots_stored: stored,
        series,
        links: ProgressLinks {
            chart: "/api/v1/indicators/{id}/progress.svg?lang=vi",
            snapshots: "/api/v1/indicators/snapshots",
        },
    }))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ChartQuery {
    /// The chart's language: `vi` (default) or `en`.
    #[param(value_type = Option<String>, pattern = "^(vi|en)$")]
    lang: Option<String>,
}

/// An indicator's progress chart (SVG): values over time, unknowns apart, the targets of
/// 2025 and 2030.
#[utoipa::path(get, path = "/api/v1/indicators/{id}/progress.svg", tag = "indicators",
    params(("id" = String, Path, description = "The indicator's id (see /api/v1/indicators)"), ChartQuery),
    responses(
        (status = 200, description = "the chart", body = String, content_type = "image/svg+xml"),
        (status = 400, description = "a bad `lang`", body = ErrorBody),
        (status = 404, description = "no such indicator", body = ErrorBody),
        (status = 503, description = "too many at once (`Busy`), or the database does not answer", body = ErrorBody)))]
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

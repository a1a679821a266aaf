//! `/api/v1/indicators`: the Plan's indicators now, per area, as JSON, CSV or GeoJSON;
//! `/api/v1/indicators/snapshots`: their values over time (needs the database).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::AppState;
use super::coverage::{download, geojson_response};
use super::edge::extract::Query;
use super::edge::params::vocabulary;
use crate::error::ApiError;
use crate::indicators::{self, export};
use crate::model::{AdminLevel, Scheme};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/indicators", get(now))
        .route("/api/v1/indicators/snapshots", get(snapshots))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorsQuery {
    pub scheme: Option<String>,
    pub area_level: Option<String>,
    pub f: Option<String>,
}

/// Scheme and level of the breakdown (default: pre-2025 districts).
pub fn breakdown(q: &IndicatorsQuery) -> Result<(Scheme, AdminLevel), ApiError> {
    let scheme = vocabulary::<Scheme>("scheme", q.scheme.as_deref())?.unwrap_or(Scheme::Pre2025);
    let level =
        vocabulary::<AdminLevel>("area_level", q.area_level.as_deref())?.unwrap_or(match scheme {
            Scheme::Pre2025 => AdminLevel::District,
            Scheme::Y2025 => AdminLevel::Commune,
        });
    if scheme == Scheme::Y2025 && level == AdminLevel::District {
        return Err(ApiError::bad_parameter(
            "area_level",
            "the 2025 scheme has no districts",
        ));
    }
    Ok((scheme, level))
}

async fn now(
    State(state): State<AppState>,
    Query(q): Query<IndicatorsQuery>,
) -> Result<Response, ApiError> {
    let (scheme, level) = breakdown(&q)?;
    let index = state.index.current();
    let report = indicators::compute(&index, scheme, level);
    Ok(match q.f.as_deref().unwrap_or("json") {
        "json" => {
            let mut body =
                serde_json::to_value(&report).map_err(|e| ApiError::Internal(e.to_string()))?;
            body["links"] = json!({
                "csv": "?f=csv", "geojson": "?f=geojson",
                "snapshots": "/api/v1/indicators/snapshots", "report": "/reports/periodic",
            });
            Json(body).into_response()
        }
        "csv" => download(
            "text/csv; charset=utf-8",
            "indicators.csv",
            export::csv(&report),
        ),
        "geojson" => geojson_response(export::geojson(&report, &index)),
        other => {
            return Err(ApiError::bad_parameter(
                "f",
                format!("f {other:?} is not one of: json csv geojson"),
            ));
        }
    })
}

/// Snapshots taken by `vetmap indicators snapshot`, oldest first, and the values now.
async fn snapshots(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    let Some(pool) = &state.db else {
        return Err(ApiError::NeedsDatabase("indicator snapshots"));
    };
    let snapshots = crate::store::pg::load_snapshots(pool).await?;
    let index = state.index.current();
    let now = indicators::compute(&index, Scheme::Pre2025, AdminLevel::District);
    let now = indicators::Snapshot::of(&now, now.computed_at.date_naive());
    Ok(Json(json!({"snapshots": snapshots, "now": now})))
}

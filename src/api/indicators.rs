//! `/api/v1/indicators`: the Plan's indicators now, per area, as JSON, CSV or GeoJSON
//! (`period=YYYY`: from the figures institutions reported for that year, which needs the
//! database); `/api/v1/indicators/snapshots`: their values over time (needs the database).

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
use crate::index::ServingIndex;
use crate::indicators::{self, IndicatorsReport, export};
use crate::model::report::Period;
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
    /// A reporting year: the indicators from that year's reports.
    pub period: Option<String>,
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

/// The reporting year asked for, if any.
fn period(q: &IndicatorsQuery) -> Result<Option<Period>, ApiError> {
    let Some(text) = q.period.as_deref().filter(|p| !p.trim().is_empty()) else {
        return Ok(None);
    };
    Ok(Some(Period::parse(
        "period",
        text,
        chrono::Utc::now().date_naive(),
    )?))
}

/// The indicators of a reporting year, from the reports the database holds.
async fn of_period(
    state: &AppState,
    index: &ServingIndex,
    (scheme, level): (Scheme, AdminLevel),
    period: Period,
) -> Result<IndicatorsReport, ApiError> {
    let Some(pool) = &state.db else {
        return Err(ApiError::NeedsDatabase("indicators for a reporting period"));
    };
    let reports = crate::store::pg::reports::reports_of_period(pool, period).await?;
    Ok(indicators::compute_for_period(
        index, scheme, level, period, &reports,
    ))
}

async fn now(
    State(state): State<AppState>,
    Query(q): Query<IndicatorsQuery>,
) -> Result<Response, ApiError> {
    let (scheme, level) = breakdown(&q)?;
    let period = period(&q)?;
    let index = state.index.current();
    let report = match period {
        None => indicators::compute(&index, scheme, level),
        Some(p) => of_period(&state, &index, (scheme, level), p).await?,
    };
    // A period's links and files keep their period.
    let (keep, file) = match period {
        None => (String::new(), "indicators.csv".to_owned()),
        Some(p) => (format!("period={p}&"), format!("indicators-{p}.csv")),
    };
    Ok(match q.f.as_deref().unwrap_or("json") {
        "json" => {
            let mut body =
                serde_json::to_value(&report).map_err(|e| ApiError::Internal(e.to_string()))?;
            body["links"] = json!({
                "csv": format!("?{keep}f=csv"), "geojson": format!("?{keep}f=geojson"),
                "snapshots": "/api/v1/indicators/snapshots", "report": "/reports/periodic",
            });
            Json(body).into_response()
        }
        "csv" => download("text/csv; charset=utf-8", &file, export::csv(&report)),
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

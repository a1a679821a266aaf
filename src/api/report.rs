//! `/reports/periodic`: the printable periodic report (coverage map and table, the
//! Plan's twelve targets with their indicators, each against its targets with its path
//! over time, stored snapshots).
//! Takes the coverage query parameters and `lang=vi|en`. Its map draws every grid cell,
//! so it is written under a `report` permit, once for identical requests in flight.

mod html;
mod scorecard;
mod svg;

use axum::extract::State;
use axum::response::Html;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::coverage::{Answer, CoverageQuery, analysis, params};
use super::edge::extract::Query;
use super::edge::heavy::render;
use crate::error::{ApiError, ErrorBody};
use crate::heavy::Kind;
use crate::model::{AdminLevel, Scheme};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(periodic))
}

/// The printable periodic report (HTML)
///
/// The coverage question's parameters, and `lang`; `f` is refused (HTML only).
#[utoipa::path(get, path = "/reports/periodic", tag = "indicators",
    params(super::coverage::CoverageQuery),
    responses(
        (status = 200, description = "the report", body = String, content_type = "text/html"),
        (status = 400, description = "a parameter out of range or unknown, or f given", body = ErrorBody),
        (status = 503, description = "`Busy` (too much heavy work at once; see Retry-After), `Timeout`, `DatabaseUnavailable`, or the data not loaded", body = ErrorBody)))]
async fn periodic(
    State(state): State<AppState>,
    Query(q): Query<CoverageQuery>,
) -> Result<Html<axum::body::Bytes>, ApiError> {
    let lang =
        html::Lang::parse(q.lang.as_deref()).map_err(|e| ApiError::bad_parameter("lang", e))?;
    if q.f.is_some() {
        return Err(ApiError::bad_parameter("f", "the report is HTML only"));
    }
    let Answer {
        analysis: coverage,
        key,
    } = analysis(&state, params(&state, &q)?).await?;
    let indicators =
        super::indicators::computed(&state, Scheme::Pre2025, AdminLevel::District).await?;
    let (snapshots, stored) = super::progress::snapshots(&state).await?;
    let today = indicators.computed_at.date_naive();
    let progress = crate::indicators::progress::series(&indicators, &snapshots, today);
    let snapshots = stored.then_some(snapshots);
    let index = state.index.current();
    let source = state.source_name();
    let key = format!(
        "{key}|{lang:?}|{}|{}",
        snapshots.as_ref().map_or(0, |s| s.len()),
        indicators.computed_at.timestamp_nanos_opt().unwrap_or(0)
    );
    let page = render(&state, Kind::Report, key, move |_| {
        Ok(html::render(&html::ReportInput {
            lang,
            generated_at: chrono::Utc::now(),
            source,
            coverage: &coverage,
            index: &index,
            indicators: &indicators,
            snapshots: snapshots.as_deref(),
            progress: &progress,
        })
        .into_bytes())
    });
    Ok(Html(page.await?))
}

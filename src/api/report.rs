//! `/reports/periodic`: the printable periodic report (coverage map and table, the
//! Plan's indicators with progress bars against their targets, snapshots over time).
//! Takes the coverage query parameters and `lang=vi|en`. Its map draws every grid cell,
//! so it is written under a `report` permit, once for identical requests in flight.

mod html;
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
    let lang = match q.lang.as_deref() {
        None | Some("") | Some("vi") => html::Lang::Vi,
        Some("en") => html::Lang::En,
        Some(other) => {
            return Err(ApiError::bad_parameter(
                "lang",
                format!("lang {other:?} is not one of: vi en"),
            ));
        }
    };
    if q.f.is_some() {
        return Err(ApiError::bad_parameter("f", "the report is HTML only"));
    }
    let Answer {
        analysis: coverage,
        key,
    } = analysis(&state, params(&state, &q)?).await?;
    let indicators =
        super::indicators::computed(&state, Scheme::Pre2025, AdminLevel::District).await?;
    let snapshots = match &state.db {
        Some(pool) => Some(crate::store::pg::load_snapshots(pool).await?),
        None => None,
    };
    let index = state.index.current();
    let source = state.source_name();
    let key = format!(
        "{key}|{lang:?}|{}",
        snapshots.as_ref().map_or(0, |s| s.len())
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
        })
        .into_bytes())
    });
    Ok(Html(page.await?))
}

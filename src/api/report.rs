//! `/reports/periodic`: the printable periodic report (coverage map and table, the
//! Plan's indicators with progress bars against their targets, snapshots over time).
//! Takes the coverage query parameters and `lang=vi|en`.

mod html;
mod svg;

use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;

use super::AppState;
use super::coverage::{CoverageQuery, analysis, params};
use super::edge::extract::Query;
use crate::error::ApiError;
use crate::indicators;
use crate::model::{AdminLevel, Scheme};

pub fn router() -> Router<AppState> {
    Router::new().route("/reports/periodic", get(periodic))
}

async fn periodic(
    State(state): State<AppState>,
    Query(q): Query<CoverageQuery>,
) -> Result<Html<String>, ApiError> {
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
    let coverage = analysis(&state, params(&state, &q)?).await?;
    let index = state.index.current();
    let indicators = indicators::compute(&index, Scheme::Pre2025, AdminLevel::District);
    let snapshots = match &state.db {
        Some(pool) => Some(crate::store::pg::load_snapshots(pool).await?),
        None => None,
    };
    Ok(Html(html::render(&html::ReportInput {
        lang,
        generated_at: chrono::Utc::now(),
        source: state.source_name(),
        coverage: &coverage,
        index: &index,
        indicators: &indicators,
        snapshots: snapshots.as_deref(),
    })))
}

//! `GET /api/v1/locate`: which administrative areas, before and after the 2025 reform,
//! contain a point.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::edge::extract::Query;
use super::{AppState, edge::params as qp};
use crate::error::ApiError;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/locate", get(locate))
}

#[derive(Deserialize)]
struct Params {
    lon: Option<String>,
    lat: Option<String>,
}

async fn locate(
    State(state): State<AppState>,
    Query(p): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    let index = state.index.current();
    let point = qp::point(p.lon.as_deref(), p.lat.as_deref())?;
    let mut areas = index.areas_containing(point);
    areas.sort_by_key(|a| (a.scheme, a.level, a.code.clone()));
    let inside = !areas.is_empty();
    let mut body = json!({
        "point": point,
        "inside": inside,
        "areas": areas.iter().map(|a| json!({
            "scheme": a.scheme,
            "code": a.code,
            "name": a.name,
            "level": a.level,
            "parent_code": a.parent_code,
            "geometry_source": a.geometry_source,
        })).collect::<Vec<_>>(),
        "data_version": index.version(),
    });
    if !inside {
        body["message"] =
            json!("the point is outside every administrative area this server has data for");
    }
    Ok(Json(body))
}

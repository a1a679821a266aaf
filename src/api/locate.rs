//! `GET /api/v1/locate`: which administrative areas, before and after the 2025 reform,
//! contain a point.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::edge::extract::Query;
use super::{AppState, edge::params as qp};
use crate::error::{ApiError, ErrorBody};
use crate::model::{AdminLevel, LonLat, Scheme};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(locate))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct Params {
    /// Longitude, WGS84.
    #[param(required = true, value_type = f64, minimum = -180, maximum = 180)]
    lon: Option<String>,
    /// Latitude, WGS84.
    #[param(required = true, value_type = f64, minimum = -90, maximum = 90)]
    lat: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct Located {
    point: LonLat,
    /// Whether any area of this server's data contains the point.
    inside: bool,
    /// By scheme, level and code.
    areas: Vec<Area>,
    data_version: String,
    /// When outside every area: says so.
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'static str>,
}

#[derive(Serialize, ToSchema)]
struct Area {
    scheme: Scheme,
    code: String,
    name: String,
    level: AdminLevel,
    parent_code: Option<String>,
    /// How the geometry was made; "schematic" when it is not an official boundary.
    geometry_source: Option<String>,
}

/// The administrative areas (pre-2025 and 2025) containing a point
#[utoipa::path(get, path = "/api/v1/locate", tag = "finder", params(Params),
    responses(
        (status = 200, description = "inside (bool) and the areas", body = Located),
        (status = 304, description = "not modified: the ETag still matches"),
        (status = 400, description = "lon or lat missing or out of range", body = ErrorBody)))]
async fn locate(
    State(state): State<AppState>,
    Query(p): Query<Params>,
) -> Result<Json<Located>, ApiError> {
    let index = state.index.current();
    let point = qp::point(p.lon.as_deref(), p.lat.as_deref())?;
    let mut areas = index.areas_containing(point);
    areas.sort_by_key(|a| (a.scheme, a.level, a.code.clone()));
    let inside = !areas.is_empty();
    Ok(Json(Located {
        point,
        inside,
        areas: areas
            .iter()
            .map(|a| Area {
                scheme: a.scheme,
                code: a.code.clone(),
                name: a.name.clone(),
                level: a.level,
                parent_code: a.parent_code.clone(),
                geometry_source: a.geometry_source.clone(),
            })
            .collect(),
        data_version: index.version().to_owned(),
        message: (!inside)
            .then_some("the point is outside every administrative area this server has data for"),
    }))
}

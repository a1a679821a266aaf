//! `GET /api/v1/nearby`: the institutions nearest a point by geodesic distance, filtered
//! by occupation (code or name), level, kind and ownership.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::edge::extract::Query;
use super::{AppState, edge::params as qp, profile};
use crate::error::ApiError;
use crate::error::ErrorBody;
use crate::index::ServingIndex;
use crate::model::{
    InstitutionId, InstitutionKind, Level, LonLat, OccupationCode, Ownership, PositionAccuracy,
    Programme,
};
use crate::search::nearby::{Filter, NearbyQuery, nearby};

pub const MAX_LIMIT: usize = 100;
const DEFAULT_LIMIT: usize = 10;
/// Half the Earth's circumference: any larger radius means "anywhere".
const MAX_RADIUS_KM: f64 = 20_040.0;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(nearby_institutions))
}

/// Values arrive as text and are parsed by `edge::params`, which names the parameter in
/// its refusal; the document gives their types.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct Params {
    /// Longitude, WGS84.
    #[param(required = true, value_type = f64, minimum = -180, maximum = 180)]
    lon: Option<String>,
    /// Latitude, WGS84.
    #[param(required = true, value_type = f64, minimum = -90, maximum = 90)]
    lat: Option<String>,
    /// How many results (default 10).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    limit: Option<String>,
    /// Only institutions within this many kilometres: more than 0, at most 20,040 (half
    /// the Earth's circumference).
    #[param(value_type = Option<f64>, exclusive_minimum = 0, maximum = 20040)]
    radius_km: Option<String>,
    /// A 7-digit catalogue code, or an occupation or programme name (diacritics ignored).
    #[param(value_type = Option<String>, min_length = 1)]
    occupation: Option<String>,
    /// Programme level.
    #[param(value_type = Option<Level>)]
    level: Option<String>,
    /// Institution kind.
    #[param(value_type = Option<InstitutionKind>)]
    kind: Option<String>,
    /// Ownership.
    #[param(value_type = Option<Ownership>)]
    ownership: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct NearbyAnswer {
    query: NearbyQueryEcho,
    count: usize,
    data_version: String,
    /// Nearest first.
    results: Vec<NearbyHit>,
}

/// The question as understood: an occupation name resolved to its codes.
#[derive(Serialize, ToSchema)]
struct NearbyQueryEcho {
    lon: f64,
    lat: f64,
    limit: usize,
    radius_km: Option<f64>,
    occupation: Option<BTreeSet<OccupationCode>>,
    level: Option<Level>,
    kind: Option<InstitutionKind>,
    ownership: Option<Ownership>,
}

#[derive(Serialize, ToSchema)]
struct NearbyHit {
    id: InstitutionId,
    name_vi: String,
    name_en: Option<String>,
    kind: InstitutionKind,
    ownership: Ownership,
    location: LonLat,
    position_accuracy: PositionAccuracy,
    /// Geodesic distance in metres, to 0.1 m.
    distance_m: f64,
    /// The programmes that matched the occupation and level asked for.
    matched_programmes: Vec<Programme>,
    links: profile::Links,
}

/// Institutions nearest a point by geodesic distance, filtered
#[utoipa::path(get, path = "/api/v1/nearby", tag = "finder", params(Params),
    responses(
        (status = 200, description = "results nearest first, each with distance_m, matched_programmes and links", body = NearbyAnswer),
        (status = 304, description = "not modified: the ETag still matches"),
        (status = 400, description = "a parameter missing, out of range or unknown (named in `parameter`)", body = ErrorBody)))]
async fn nearby_institutions(
    State(state): State<AppState>,
    Query(p): Query<Params>,
) -> Result<Json<NearbyAnswer>, ApiError> {
    let index = state.index.current();
    let point = qp::point(p.lon.as_deref(), p.lat.as_deref())?;
    let limit = qp::limit(p.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT)?;
    let radius_km = qp::number("radius_km", p.radius_km.as_deref())?;
    if let Some(r) = radius_km
        && !(r > 0.0 && r <= MAX_RADIUS_KM)
    {
        return Err(ApiError::bad_parameter(
            "radius_km",
            format!("radius_km must be more than 0 and at most {MAX_RADIUS_KM}, got {r}"),
        ));
    }
    let filter = Filter {
        occupations: p
            .occupation
            .as_deref()
            .map(|o| resolve_occupation(&index, o))
            .transpose()?,
        level: qp::vocabulary::<Level>("level", p.level.as_deref())?,
        kind: qp::vocabulary::<InstitutionKind>("kind", p.kind.as_deref())?,
        ownership: qp::vocabulary::<Ownership>("ownership", p.ownership.as_deref())?,
    };
    let hits = nearby(
        &index,
        &NearbyQuery {
            point,
            limit,
            radius_m: radius_km.map(|r| r * 1000.0),
            filter: filter.clone(),
        },
    );
    let results: Vec<NearbyHit> = hits
        .iter()
        .map(|h| {
            let i = &index.institutions()[h.pos];
            NearbyHit {
                id: i.id.clone(),
                name_vi: i.name_vi().to_string(),
                name_en: i.name_en().map(str::to_owned),
                kind: i.kind,
                ownership: i.ownership,
                location: i.location,
                position_accuracy: i.position_accuracy,
                distance_m: (h.distance_m * 10.0).round() / 10.0,
                matched_programmes: h
                    .matched_programmes
                    .iter()
                    .map(|&n| i.programmes[n].clone())
                    .collect(),
                links: profile::links(i.id.as_str()),
            }
        })
        .collect();
    Ok(Json(NearbyAnswer {
        query: NearbyQueryEcho {
            lon: point.lon(),
            lat: point.lat(),
            limit,
            radius_km,
            occupation: filter.occupations,
            level: filter.level,
            kind: filter.kind,
            ownership: filter.ownership,
        },
        count: results.len(),
        data_version: index.version().to_owned(),
        results,
    }))
}

/// An occupation given as a 7-digit code or as a catalogue or programme name (diacritics
/// and case ignored), resolved to the codes it stands for.
pub fn resolve_occupation(
    index: &ServingIndex,
    given: &str,
) -> Result<BTreeSet<OccupationCode>, ApiError> {
    let given = given.trim();
    if given.is_empty() {
        return Err(ApiError::bad_parameter(
            "occupation",
            "occupation must not be empty",
        ));
    }
    if given.bytes().all(|b| b.is_ascii_digit()) {
        let code = OccupationCode::parse(given)
            .map_err(|e| ApiError::bad_parameter("occupation", e.message))?;
        if index.occupation(&code).is_none() && index.search().count_teaching(&code) == 0 {
            return Err(ApiError::bad_parameter(
                "occupation",
                format!(
                    "occupation code {code} is neither in the catalogue nor taught anywhere; see /api/v1/occupations"
                ),
            ));
        }
        return Ok(BTreeSet::from([code]));
    }
    index.search().codes_named(given).cloned().ok_or_else(|| {
        ApiError::bad_parameter(
            "occupation",
            format!("no occupation is named {given:?}; give a 7-digit code or a name from /api/v1/occupations"),
        )
    })
}

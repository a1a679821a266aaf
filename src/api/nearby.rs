//! `GET /api/v1/nearby`: the institutions nearest a point by geodesic distance, filtered
//! by occupation (code or name), level, kind and ownership.

use std::collections::BTreeSet;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::edge::extract::Query;
use super::{AppState, edge::params as qp, profile};
use crate::error::ApiError;
use crate::index::ServingIndex;
use crate::model::{InstitutionKind, Level, OccupationCode, Ownership};
use crate::search::nearby::{Filter, NearbyQuery, nearby};

pub const MAX_LIMIT: usize = 100;
const DEFAULT_LIMIT: usize = 10;
/// Half the Earth's circumference: any larger radius means "anywhere".
const MAX_RADIUS_KM: f64 = 20_040.0;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/nearby", get(nearby_institutions))
}

#[derive(Deserialize)]
struct Params {
    lon: Option<String>,
    lat: Option<String>,
    limit: Option<String>,
    radius_km: Option<String>,
    occupation: Option<String>,
    level: Option<String>,
    kind: Option<String>,
    ownership: Option<String>,
}

async fn nearby_institutions(
    State(state): State<AppState>,
    Query(p): Query<Params>,
) -> Result<Json<Value>, ApiError> {
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
    let results: Vec<Value> = hits
        .iter()
        .map(|h| {
            let i = &index.institutions()[h.pos];
            json!({
                "id": i.id,
                "name_vi": i.name_vi,
                "name_en": i.name_en,
                "kind": i.kind,
                "ownership": i.ownership,
                "location": i.location,
                "position_accuracy": i.position_accuracy,
                "distance_m": (h.distance_m * 10.0).round() / 10.0,
                "matched_programmes": h.matched_programmes.iter().map(|&n| i.programmes[n].to_json()).collect::<Vec<_>>(),
                "links": profile::links(i.id.as_str()),
            })
        })
        .collect();
    Ok(Json(json!({
        "query": {
            "lon": point.lon(),
            "lat": point.lat(),
            "limit": limit,
            "radius_km": radius_km,
            "occupation": filter.occupations,
            "level": filter.level,
            "kind": filter.kind,
            "ownership": filter.ownership,
        },
        "count": results.len(),
        "data_version": index.version(),
        "results": results,
    })))
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
        if index.occupation(&code).is_none()
            && index.search().institutions_teaching(&code).is_empty()
        {
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

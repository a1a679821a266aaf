//! `GET /api/v1/institutions/{id}`: an institution's full profile; `GET /api/v1/occupations`:
//! the catalogue with how many institutions teach each occupation at each level.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};
use strum::IntoEnumIterator;

use super::AppState;
use super::edge::extract::Path;
use crate::error::ApiError;
use crate::index::ServingIndex;
use crate::model::{AdminArea, Institution, InstitutionId, Level, Programme, Scheme};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/institutions/{id}", get(profile))
        .route("/api/v1/occupations", get(occupations))
}

/// Where an institution can be read: this profile, its page, its GeoJSON feature.
pub fn links(id: &str) -> Value {
    json!({
        "profile": format!("/api/v1/institutions/{id}"),
        "html": format!("/institutions/{id}"),
        "geojson": format!("/collections/institutions/items/{id}"),
    })
}

/// Finds an institution by the id in a path: 400 for what cannot be an id, 404 for an
/// id the data does not have.
pub fn find<'a>(index: &'a ServingIndex, id: &str) -> Result<&'a Institution, ApiError> {
    InstitutionId::parse(id).map_err(|e| ApiError::bad_parameter("id", e.message))?;
    index
        .institution(id)
        .ok_or_else(|| ApiError::NotFound(format!("no institution has the id {id:?}")))
}

async fn profile(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let index = state.index.current();
    let inst = find(&index, &id)?;
    let mut v = profile_json(&index, inst);
    v["credential_counts"] = json!(available_credential_counts(&state, &id).await);
    Ok(Json(v))
}

/// An institution's credentials issued per graduation year and level: aggregates only,
/// never individual records. They come from the database while the rest of a profile
/// comes from the index, so a profile is served without them (`None`) when the database
/// is away.
pub async fn available_credential_counts(
    state: &AppState,
    id: &str,
) -> Option<Vec<crate::credentials::CredentialCount>> {
    crate::credentials::credential_counts(&state.credentials.source, id)
        .await
        .inspect_err(|e| tracing::warn!(error = %e, "credential counts unavailable"))
        .ok()
}

/// Programmes grouped by level, highest first (college, intermediate, ...), each
/// group in the stored order.
pub fn programmes_by_level(inst: &Institution) -> Vec<(Level, Vec<&Programme>)> {
    Level::iter()
        .map(|l| {
            (
                l,
                inst.programmes
                    .iter()
                    .filter(|p| p.level == l)
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, ps)| !ps.is_empty())
        .collect()
}

/// The areas an institution's codes name, in both schemes (`None` where a code is
/// missing or unknown).
pub fn admin_areas<'a>(
    index: &'a ServingIndex,
    inst: &Institution,
) -> [(Scheme, &'static str, Option<&'a AdminArea>); 5] {
    let a = &inst.admin;
    let get = |s, c: &Option<Arc<str>>| c.as_deref().and_then(|c| index.area(s, c));
    [
        (
            Scheme::Pre2025,
            "province",
            get(Scheme::Pre2025, &a.province_pre2025),
        ),
        (
            Scheme::Pre2025,
            "district",
            get(Scheme::Pre2025, &a.district_pre2025),
        ),
        (
            Scheme::Pre2025,
            "commune",
            get(Scheme::Pre2025, &a.commune_pre2025),
        ),
        (
            Scheme::Y2025,
            "province",
            get(Scheme::Y2025, &a.province_2025),
        ),
        (
            Scheme::Y2025,
            "commune",
            get(Scheme::Y2025, &a.commune_2025),
        ),
    ]
}

/// Everything the store holds about the institution (the same fields, so the profile
/// deserialises back into an [`Institution`]), plus views that save clients work.
///
/// The HTTP handler adds `credential_counts` (per graduation year and level) from the
/// credentials module.
pub fn profile_json(index: &ServingIndex, inst: &Institution) -> Value {
    let mut v = serde_json::to_value(inst).unwrap_or(Value::Null);
    let mut by_level = serde_json::Map::new();
    for (level, ps) in programmes_by_level(inst) {
        by_level.insert(level.as_str().into(), json!(ps));
    }
    let mut areas: BTreeMap<&str, serde_json::Map<String, Value>> = BTreeMap::new();
    for (scheme, level, area) in admin_areas(index, inst) {
        areas.entry(scheme.as_str()).or_default().insert(
            level.into(),
            area.map(|a| json!({"code": a.code, "name": a.name, "valid_to": a.valid_to}))
                .unwrap_or(Value::Null),
        );
    }
    v["levels"] = json!(inst.levels());
    v["programmes_by_level"] = Value::Object(by_level);
    v["admin_areas"] = json!(areas);
    v["data_version"] = json!(index.version());
    let mut links = links(inst.id.as_str());
    links["nearby"] = json!(format!(
        "/api/v1/nearby?lon={}&lat={}",
        inst.location.lon(),
        inst.location.lat()
    ));
    v["links"] = links;
    v
}

async fn occupations(State(state): State<AppState>) -> Json<Value> {
    let index = state.index.current();
    let search = index.search();
    let counts = search.level_counts();
    let mut codes: Vec<_> = index.occupations().map(|o| o.code.clone()).collect();
    codes.extend(
        counts
            .keys()
            .filter(|c| index.occupation(c).is_none())
            .cloned(),
    );
    codes.sort();
    let list: Vec<Value> = codes
        .iter()
        .map(|code| {
            let o = index.occupation(code);
            let by_level: BTreeMap<&str, u32> = counts
                .get(code)
                .map(|m| m.iter().map(|(l, n)| (l.as_str(), *n)).collect())
                .unwrap_or_default();
            json!({
                "code": code,
                "name_vi": o.map(|o| &o.name_vi),
                "name_en": o.and_then(|o| o.name_en.as_ref()),
                "in_catalogue": o.is_some(),
                "institutions": search.institutions_teaching(code).len(),
                "institutions_by_level": by_level,
            })
        })
        .collect();
    Json(json!({
        "count": list.len(),
        "data_version": index.version(),
        "occupations": list,
    }))
}

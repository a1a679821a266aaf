//! `GET /api/v1/search` and `GET /api/v1/search/autocomplete`: institutions and
//! occupations by name, code or address, ignoring diacritics and small typos.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::edge::extract::Query;
use super::{AppState, edge::params as qp, profile};
use crate::error::{ApiError, ErrorBody};
use crate::index::ServingIndex;
use crate::model::{InstitutionId, InstitutionKind, LonLat, OccupationCode};
use crate::search::{SearchHit, SearchRequest, search};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(full))
        .routes(routes!(autocomplete))
}

/// Values arrive as text and are parsed by `edge::params`; the document gives their
/// types. `lon` and `lat` come together or not at all.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct Params {
    /// Text: names, occupation names or codes, addresses; diacritics and small typos
    /// ignored; at most 200 characters.
    #[param(required = true, value_type = String, min_length = 1, max_length = 200)]
    q: Option<String>,
    /// Longitude, WGS84: prefer results near this point (with `lat`).
    #[param(value_type = Option<f64>, minimum = -180, maximum = 180)]
    lon: Option<String>,
    /// Latitude, WGS84 (with `lon`).
    #[param(value_type = Option<f64>, minimum = -90, maximum = 90)]
    lat: Option<String>,
    /// How many results (default 10, at most 50; autocomplete: default 5, at most 10).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50)]
    limit: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct SearchAnswer {
    /// The text searched for, as normalised.
    query: String,
    count: usize,
    data_version: String,
    /// Best first.
    results: Vec<SearchResult>,
}

#[derive(Serialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
enum SearchResult {
    Institution(InstitutionHit),
    Occupation(OccupationHit),
}

#[derive(Serialize, ToSchema)]
struct InstitutionHit {
    id: InstitutionId,
    name_vi: String,
    name_en: Option<String>,
    location: LonLat,
    links: profile::Links,
    /// With `lon` and `lat`: metres from that point.
    #[serde(skip_serializing_if = "Option::is_none")]
    distance_m: Option<f64>,
    /// Full search only.
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f64>,
    /// Full search only.
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<InstitutionKind>,
    /// Full search only (null when the address is unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<Option<String>>,
}

#[derive(Serialize, ToSchema)]
struct OccupationHit {
    code: OccupationCode,
    name_vi: Option<String>,
    name_en: Option<String>,
    links: CatalogueLink,
    /// Full search only.
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f64>,
    /// Full search only: institutions teaching it.
    #[serde(skip_serializing_if = "Option::is_none")]
    institutions: Option<usize>,
}

#[derive(Serialize, ToSchema)]
struct CatalogueLink {
    catalogue: &'static str,
}

/// Institutions and occupations by text, ranked; lon/lat prefer nearby results
#[utoipa::path(get, path = "/api/v1/search", tag = "finder", params(Params),
    responses(
        (status = 200, description = "ranked results of type institution or occupation", body = SearchAnswer),
        (status = 304, description = "not modified: the ETag still matches"),
        (status = 400, description = "q missing or too long, or a bad point or limit", body = ErrorBody)))]
async fn full(
    State(state): State<AppState>,
    Query(p): Query<Params>,
) -> Result<Json<SearchAnswer>, ApiError> {
    answer(&state.index.current(), &p, false, 10, 50)
}

/// Search as you type: the last word is completed; short results
#[utoipa::path(get, path = "/api/v1/search/autocomplete", tag = "finder", params(Params),
    responses(
        (status = 200, description = "ranked results, short form (no score, kind, address, institutions)", body = SearchAnswer),
        (status = 304, description = "not modified: the ETag still matches"),
        (status = 400, description = "q missing or too long, or a bad point or limit (at most 10)", body = ErrorBody)))]
async fn autocomplete(
    State(state): State<AppState>,
    Query(p): Query<Params>,
) -> Result<Json<SearchAnswer>, ApiError> {
    answer(&state.index.current(), &p, true, 5, 10)
}

fn answer(
    index: &ServingIndex,
    p: &Params,
    short: bool,
    default_limit: usize,
    max_limit: usize,
) -> Result<Json<SearchAnswer>, ApiError> {
    let q = qp::search_text("q", p.q.as_deref())?
        .ok_or_else(|| ApiError::bad_parameter("q", "q is required: the text to search for"))?;
    let near = qp::optional_point(p.lon.as_deref(), p.lat.as_deref())?;
    let limit = qp::limit(p.limit.as_deref(), default_limit, max_limit)?;
    let hits = search(
        index,
        &SearchRequest {
            text: q,
            near,
            limit,
            autocomplete: short,
        },
    );
    let results: Vec<SearchResult> = hits.iter().map(|h| result(index, h, short)).collect();
    Ok(Json(SearchAnswer {
        query: q.to_string(),
        count: results.len(),
        data_version: index.version().to_owned(),
        results,
    }))
}

fn result(index: &ServingIndex, hit: &SearchHit, short: bool) -> SearchResult {
    let score = (!short).then(|| (hit.score() * 1000.0).round() / 1000.0);
    match hit {
        SearchHit::Institution {
            pos, distance_m, ..
        } => {
            let i = &index.institutions()[*pos];
            SearchResult::Institution(InstitutionHit {
                id: i.id.clone(),
                name_vi: i.name_vi().to_string(),
                name_en: i.name_en().map(str::to_owned),
                location: i.location,
                links: profile::links(i.id.as_str()),
                distance_m: distance_m.map(|d| (d * 10.0).round() / 10.0),
                score,
                kind: (!short).then_some(i.kind),
                address: (!short).then(|| i.address().map(str::to_owned)),
            })
        }
        SearchHit::Occupation { code, .. } => {
            let o = index.occupation(code);
            SearchResult::Occupation(OccupationHit {
                code: code.clone(),
                name_vi: o.map(|o| o.name_vi.clone()),
                name_en: o.and_then(|o| o.name_en.clone()),
                links: CatalogueLink {
                    catalogue: "/api/v1/occupations",
                },
                score,
                institutions: (!short).then(|| index.search().count_teaching(code)),
            })
        }
    }
}

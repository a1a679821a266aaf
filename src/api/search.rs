//! `GET /api/v1/search` and `GET /api/v1/search/autocomplete`: institutions and
//! occupations by name, code or address, ignoring diacritics and small typos.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use super::edge::extract::Query;
use super::{AppState, edge::params as qp, profile};
use crate::error::ApiError;
use crate::index::ServingIndex;
use crate::search::{SearchHit, SearchRequest, search};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/search", get(full))
        .route("/api/v1/search/autocomplete", get(autocomplete))
}

#[derive(Deserialize)]
struct Params {
    q: Option<String>,
    lon: Option<String>,
    lat: Option<String>,
    limit: Option<String>,
}

async fn full(
    State(state): State<AppState>,
    Query(p): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    answer(&state.index.current(), &p, false, 10, 50)
}

async fn autocomplete(
    State(state): State<AppState>,
    Query(p): Query<Params>,
) -> Result<Json<Value>, ApiError> {
    answer(&state.index.current(), &p, true, 5, 10)
}

fn answer(
    index: &ServingIndex,
    p: &Params,
    short: bool,
    default_limit: usize,
    max_limit: usize,
) -> Result<Json<Value>, ApiError> {
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
    let results: Vec<Value> = hits.iter().map(|h| hit_json(index, h, short)).collect();
    Ok(Json(json!({
        "query": q,
        "count": results.len(),
        "data_version": index.version(),
        "results": results,
    })))
}

fn hit_json(index: &ServingIndex, hit: &SearchHit, short: bool) -> Value {
    let score = (hit.score() * 1000.0).round() / 1000.0;
    match hit {
        SearchHit::Institution {
            pos, distance_m, ..
        } => {
            let i = &index.institutions()[*pos];
            let mut v = json!({
                "type": "institution",
                "id": i.id,
                "name_vi": i.name_vi,
                "name_en": i.name_en,
                "location": i.location,
                "links": profile::links(i.id.as_str()),
            });
            if let Some(d) = distance_m {
                v["distance_m"] = json!((d * 10.0).round() / 10.0);
            }
            if !short {
                v["score"] = json!(score);
                v["kind"] = json!(i.kind);
                v["address"] = json!(i.address);
            }
            v
        }
        SearchHit::Occupation { code, .. } => {
            let o = index.occupation(code);
            let mut v = json!({
                "type": "occupation",
                "code": code,
                "name_vi": o.map(|o| &o.name_vi),
                "name_en": o.and_then(|o| o.name_en.as_ref()),
                "links": {"catalogue": "/api/v1/occupations"},
            });
            if !short {
                v["score"] = json!(score);
                v["institutions"] = json!(index.search().institutions_teaching(code).len());
            }
            v
        }
    }
}

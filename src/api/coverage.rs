//! `/api/v1/coverage` (per-area coverage, worst served first) and
//! `/api/v1/coverage/grid` (hexagonal cells with the distance to the nearest matching
//! institution), as JSON, CSV or GeoJSON, and the `coverage` tileset.
//!
//! Heavy work, bounded (`api::edge::heavy`): the radius-free part of a question is
//! computed under a `coverage` permit, once for identical questions in flight, and cached
//! per data version, population version and normalised parameters; files and the grid
//! are written under an `export` permit, tiles under a `tiles` one.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::AppState;
use super::edge::extract::Query;
use super::edge::heavy::render;
use super::edge::params::vocabulary;
use crate::coverage::{
    self, Analysis, BaseParams, CoverageBase, CoverageError, Filter, Params, export,
};
use crate::error::ApiError;
use crate::heavy::Kind;
use crate::model::{AdminLevel, Level, OccupationCode, PopulationLayer, Scheme};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/coverage", get(areas))
        .route("/api/v1/coverage/grid", get(grid))
        .route("/tiles/coverage.json", get(tilejson))
        .route("/tiles/coverage/{z}/{x}/{file}", get(tile))
}

/// The question, as the query string asks it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoverageQuery {
    /// 7-digit national catalogue code.
    pub occupation: Option<String>,
    pub level: Option<String>,
    /// Default 10 km.
    pub radius_km: Option<f64>,
    /// Default 2 km.
    pub cell_km: Option<f64>,
    /// `pre2025` (default) or `2025`.
    pub scheme: Option<String>,
    /// `district` (default for pre2025), `commune` (default for 2025) or `province`.
    pub area_level: Option<String>,
    /// `json` (default), `csv` or `geojson`.
    pub f: Option<String>,
    /// The report's and a CSV's language (its caveats): `vi` (default) or `en`.
    pub lang: Option<String>,
}

impl From<CoverageError> for ApiError {
    fn from(e: CoverageError) -> Self {
        match e {
            CoverageError::Cancelled(c) => c.into(),
            e => ApiError::bad_parameter(e.parameter(), e.to_string()),
        }
    }
}

/// Validates the query into [`Params`] against the current index.
pub fn params(state: &AppState, q: &CoverageQuery) -> Result<Params, ApiError> {
    let index = state.index.current();
    let occupation = match q
        .occupation
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(s) => Some(
            OccupationCode::parse(s)
                .map_err(|e| ApiError::bad_parameter("occupation", e.message))?,
        ),
    };
    let level = vocabulary::<Level>("level", q.level.as_deref())?;
    let scheme = vocabulary::<Scheme>("scheme", q.scheme.as_deref())?.unwrap_or(Scheme::Pre2025);
    let area_level =
        vocabulary::<AdminLevel>("area_level", q.area_level.as_deref())?.unwrap_or(match scheme {
            Scheme::Pre2025 => AdminLevel::District,
            Scheme::Y2025 => AdminLevel::Commune,
        });
    Ok(Params::new(
        &index,
        Filter { occupation, level },
        q.radius_km.unwrap_or(10.0),
        q.cell_km.unwrap_or(2.0),
        scheme,
        area_level,
    )?)
}

/// The population layer matching the index: with a database, reloaded when the data
/// version moved (a population import bumps it); from files, loaded at start.
async fn population(state: &AppState) -> Result<Arc<PopulationLayer>, ApiError> {
    let current = state.coverage.population();
    let Some(pool) = &state.db else {
        return Ok(current);
    };
    let version = state.index.current().version().to_owned();
    if current.version == version {
        return Ok(current);
    }
    let _guard = state.coverage.reloading.lock().await;
    let again = state.coverage.population();
    if again.version == version {
        return Ok(again);
    }
    let layer = crate::store::pg::load_population(pool).await?;
    state.coverage.set_population(layer);
    Ok(state.coverage.population())
}

/// An answered question and the key naming it (data, population, parameters), for
/// single-flight keys of what is made from it.
pub struct Answer {
    pub analysis: Arc<Analysis>,
    pub key: String,
}

/// The analysis for `params`: its radius-free part from the cache, from the computation
/// in flight for it, or computed under a `coverage` permit; then the radius applied, a
/// cheap pass, off the async threads.
pub async fn analysis(state: &AppState, params: Params) -> Result<Answer, ApiError> {
    let index = state.index.current();
    let population = population(state).await?;
    let base_params = BaseParams::of(&index, &params);
    let key = format!(
        "{}|{}|{}",
        index.version(),
        population.version,
        base_params.key()
    );
    let cache = state.coverage.cache.clone();
    let compute = {
        let (cache, key) = (cache.clone(), key.clone());
        move |cancel: &_| {
            let base = CoverageBase::compute(&index, &population, &base_params, cancel)?;
            let base = Arc::new(base);
            cache.insert(key, base.clone());
            Ok::<_, CoverageError>(base)
        }
    };
    let base = state
        .heavy
        .run(Kind::Coverage, &key, || cache.get(&key), compute)
        .await?;
    let key = format!("{key}|{}", params.radius_m);
    let analysis = tokio::task::spawn_blocking(move || Analysis::derive(base, &params))
        .await
        .map_err(|e| ApiError::Internal(format!("coverage task failed: {e}")))?;
    Ok(Answer {
        analysis: Arc::new(analysis),
        key,
    })
}

/// The language of a CSV's caveats.
fn csv_lang(q: &CoverageQuery) -> Result<crate::model::Lang, ApiError> {
    crate::model::Lang::parse(q.lang.as_deref()).map_err(|e| ApiError::bad_parameter("lang", e))
}

enum Format {
    Json,
    Csv,
    GeoJson,
}

fn format(f: Option<&str>) -> Result<Format, ApiError> {
    match f.unwrap_or("json") {
        "json" => Ok(Format::Json),
        "csv" => Ok(Format::Csv),
        "geojson" => Ok(Format::GeoJson),
        other => Err(ApiError::bad_parameter(
            "f",
            format!("f {other:?} is not one of: json csv geojson"),
        )),
    }
}

pub(crate) fn download(content_type: &'static str, file_name: &str, body: Bytes) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

pub(crate) fn geojson_response(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/geo+json")], body).into_response()
}

async fn areas(
    State(state): State<AppState>,
    Query(q): Query<CoverageQuery>,
) -> Result<Response, ApiError> {
    let fmt = format(q.f.as_deref())?;
    let lang = csv_lang(&q)?;
    let Answer { analysis: a, key } = analysis(&state, params(&state, &q)?).await?;
    Ok(match fmt {
        Format::Json => {
            let mut body =
                serde_json::to_value(&a.report).map_err(|e| ApiError::Internal(e.to_string()))?;
            body["links"] = json!({
                "csv": "?f=csv", "geojson": "?f=geojson",
                "grid": "/api/v1/coverage/grid", "report": "/reports/periodic",
            });
            Json(body).into_response()
        }
        Format::Csv => {
            let csv = render(
                &state,
                Kind::Export,
                format!("{key}|areas.csv|{}", lang.code()),
                move |_| Ok(export::areas_csv(&a, lang)),
            );
            download("text/csv; charset=utf-8", "coverage-areas.csv", csv.await?)
        }
        Format::GeoJson => {
            let index = state.index.current();
            let key = format!("{key}|areas.geojson");
            let geojson = render(&state, Kind::Export, key, move |_| {
                export::areas_geojson(&a, &index)
            });
            geojson_response(geojson.await?)
        }
    })
}

async fn grid(
    State(state): State<AppState>,
    Query(q): Query<CoverageQuery>,
) -> Result<Response, ApiError> {
    let fmt = format(q.f.as_deref().or(Some("geojson")))?;
    let lang = csv_lang(&q)?;
    let Answer { analysis: a, key } = analysis(&state, params(&state, &q)?).await?;
    Ok(match fmt {
        Format::Csv => {
            let key = format!("{key}|grid.csv|{}", lang.code());
            let csv = render(&state, Kind::Export, key, move |c| {
                export::grid_csv(&a, lang, c)
            });
            download("text/csv; charset=utf-8", "coverage-grid.csv", csv.await?)
        }
        Format::Json | Format::GeoJson => {
            let geojson = render(&state, Kind::Export, format!("{key}|grid.geojson"), {
                move |c| export::grid_geojson(&a, c)
            });
            geojson_response(geojson.await?)
        }
    })
}

/// TileJSON 3.0 of the `coverage` tileset for this question (the query string is
/// repeated in the tile URLs).
async fn tilejson(
    State(state): State<AppState>,
    Query(q): Query<CoverageQuery>,
    headers: axum::http::HeaderMap,
) -> Result<Json<serde_json::Value>, ApiError> {
    if q.f.is_some() || q.lang.is_some() {
        return Err(ApiError::bad_parameter(
            "f",
            "tiles take only the coverage question",
        ));
    }
    let p = params(&state, &q)?;
    let query = tile_query(&p);
    let a = analysis(&state, p).await?.analysis;
    let base = super::edge::links::base_url(state.config.public_url.as_deref(), &headers);
    let fields = |f: &[(&str, &str)]| -> serde_json::Map<String, serde_json::Value> {
        f.iter().map(|(k, d)| ((*k).to_owned(), json!(d))).collect()
    };
    let (min, max) = (
        *coverage::tiles::ZOOMS.start(),
        *coverage::tiles::ZOOMS.end(),
    );
    Ok(Json(json!({
        "tilejson": "3.0.0",
        "name": "Độ phủ mạng lưới / Network coverage",
        "description": "Hexagonal grid with the distance to the nearest matching institution, and area shares within the radius. Same parameters as /api/v1/coverage.",
        "version": "1.0.0",
        "attribution": a.report.caveats.iter().map(|c| c.en.as_str()).collect::<Vec<_>>().join(" "),
        "scheme": "xyz",
        "tiles": [format!("{base}/tiles/coverage/{{z}}/{{x}}/{{y}}.mvt?{query}")],
        "minzoom": min,
        "maxzoom": max,
        "bounds": a.base.bounds,
        "vector_layers": [
            {"id": "coverage_cells", "description": "grid cells", "minzoom": min, "maxzoom": max,
             "fields": fields(coverage::tiles::CELL_FIELDS)},
            {"id": "coverage_areas", "description": "administrative areas with geometry", "minzoom": min, "maxzoom": max,
             "fields": fields(coverage::tiles::AREA_FIELDS)},
        ],
        "data_version": a.report.data_version,
    })))
}

/// The canonical query string of a question, for tile URLs.
fn tile_query(p: &Params) -> String {
    let mut q = format!(
        "radius_km={}&cell_km={}&scheme={}&area_level={}",
        p.radius_m / 1000.0,
        p.cell_m / 1000.0,
        p.scheme,
        p.area_level
    );
    if let Some(o) = &p.filter.occupation {
        q.push_str(&format!("&occupation={o}"));
    }
    if let Some(l) = p.filter.level {
        q.push_str(&format!("&level={l}"));
    }
    q
}

/// One tile of the `coverage` tileset: 204 when empty.
async fn tile(
    State(state): State<AppState>,
    crate::api::edge::extract::Path((z, x, file)): crate::api::edge::extract::Path<(
        String,
        String,
        String,
    )>,
    Query(q): Query<CoverageQuery>,
) -> Result<Response, ApiError> {
    if q.f.is_some() || q.lang.is_some() {
        return Err(ApiError::bad_parameter(
            "f",
            "tiles take only the coverage question",
        ));
    }
    let coord = crate::tiles::TileCoord::parse_path(&z, &x, &file, coverage::tiles::ZOOMS)?;
    let Answer { analysis: a, key } = analysis(&state, params(&state, &q)?).await?;
    let index = state.index.current();
    let key = format!("{key}|{}/{}/{}", coord.z, coord.x, coord.y);
    let tile = state.heavy.run(
        Kind::Tiles,
        &key,
        || None,
        move |_| {
            let tile = coverage::tiles::render(&a, &index, coord);
            Ok::<_, crate::heavy::Cancelled>(tile.map(Bytes::from))
        },
    );
    Ok(match tile.await? {
        None => axum::http::StatusCode::NO_CONTENT.into_response(),
        Some(b) => (
            [
                (header::CONTENT_TYPE, "application/vnd.mapbox-vector-tile"),
                (header::CACHE_CONTROL, "public, max-age=300"),
            ],
            b,
        )
            .into_response(),
    })
}

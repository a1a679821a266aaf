//! `/api/v1/coverage` (per-area coverage, worst served first) and
//! `/api/v1/coverage/grid` (hexagonal cells with the distance to the nearest matching
//! institution), as JSON, CSV or GeoJSON, and the `coverage` tileset.
//!
//! Heavy work, bounded (`api::edge::heavy`): the radius-free part of a question is
//! computed under a `coverage` permit, once for identical questions in flight, and cached
//! per data version, population version and normalised parameters; files and the grid
//! are written under an `export` permit, tiles under a `tiles` one.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::edge::extract::Query;
use super::edge::heavy::render;
use super::edge::params::vocabulary;
use crate::api::openapi::suffixed;
use crate::api::tiles::TileJson;
use crate::coverage::CoverageReport;
use crate::coverage::{
    self, Analysis, BaseParams, CoverageBase, CoverageError, Filter, Params, export,
};
use crate::error::{ApiError, ErrorBody};
use crate::heavy::Kind;
use crate::model::{AdminLevel, Level, OccupationCode, PopulationLayer, Scheme};

pub fn router() -> OpenApiRouter<AppState> {
    let router = OpenApiRouter::new()
        .routes(routes!(areas))
        .routes(routes!(grid))
        .routes(routes!(tilejson));
    suffixed(router, routes!(tile))
}

/// `/api/v1/coverage` in JSON: the report and where its other forms are.
#[derive(Serialize, ToSchema)]
struct CoverageAnswer {
    #[serde(flatten)]
    report: CoverageReport,
    links: CoverageLinks,
}

#[derive(Serialize, ToSchema)]
struct CoverageLinks {
    csv: &'static str,
    geojson: &'static str,
    grid: &'static str,
    report: &'static str,
}

/// The question, as the query string asks it. The document gives each parameter's
/// range and values; `coverage::Params::new` checks them (the answer echoes the
/// normalised question).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CoverageQuery {
    /// 7-digit national catalogue code (default: any occupation).
    #[param(value_type = Option<OccupationCode>)]
    pub occupation: Option<String>,
    /// Programme level (default: any).
    #[param(value_type = Option<Level>)]
    pub level: Option<String>,
    /// Radius in km, 0.5 to 200 (default 10).
    #[param(minimum = 0.5, maximum = 200)]
    pub radius_km: Option<f64>,
    /// Grid cell width in km, 0.25 to 50 (default 2).
    #[param(minimum = 0.25, maximum = 50)]
    pub cell_km: Option<f64>,
    /// Administrative scheme (default `pre2025`).
    #[param(value_type = Option<Scheme>)]
    pub scheme: Option<String>,
    /// Areas to report on (default `district`, or `commune` for 2025; the 2025 scheme has
    /// no districts).
    #[param(value_type = Option<AdminLevel>)]
    pub area_level: Option<String>,
    /// `/api/v1/coverage`: `json` (default), `csv` or `geojson`; the grid: `geojson`
    /// (default) or `csv`; not taken by tiles nor the report.
    #[param(value_type = Option<String>, pattern = "^(json|csv|geojson)$")]
    pub f: Option<String>,
    /// The report's and a CSV's language (its caveats): `vi` (default) or `en`.
    #[param(value_type = Option<String>, pattern = "^(vi|en)$")]
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

/// Coverage per administrative area, worst served first, with caveats
#[utoipa::path(get, path = "/api/v1/coverage", tag = "coverage", params(CoverageQuery),
    responses(
        (status = 200, description = "per-area coverage: JSON, or with f= a CSV or GeoJSON file", content(
            (CoverageAnswer = "application/json"),
            (String = "text/csv"),
            (Object = "application/geo+json"))),
        (status = 400, description = "a parameter out of range or unknown (named in `parameter`)", body = ErrorBody),
        (status = 503, description = "`Busy` (too much heavy work at once; see Retry-After), `Timeout`, or the data not loaded", body = ErrorBody)))]
async fn areas(
    State(state): State<AppState>,
    Query(q): Query<CoverageQuery>,
) -> Result<Response, ApiError> {
    let fmt = format(q.f.as_deref())?;
    let lang = csv_lang(&q)?;
    let Answer { analysis: a, key } = analysis(&state, params(&state, &q)?).await?;
    Ok(match fmt {
        Format::Json => Json(CoverageAnswer {
            report: a.report.clone(),
            links: CoverageLinks {
                csv: "?f=csv",
                geojson: "?f=geojson",
                grid: "/api/v1/coverage/grid",
                report: "/reports/periodic",
            },
        })
        .into_response(),
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

/// Hexagonal grid with the distance to the nearest matching institution
#[utoipa::path(get, path = "/api/v1/coverage/grid", tag = "coverage", params(CoverageQuery),
    responses(
        (status = 200, description = "the cells: a GeoJSON FeatureCollection (f=geojson or json, the default) or a CSV file (f=csv)", content(
            (Object = "application/geo+json"),
            (String = "text/csv"))),
        (status = 400, description = "a parameter out of range or unknown (named in `parameter`)", body = ErrorBody),
        (status = 503, description = "`Busy` (too much heavy work at once; see Retry-After), `Timeout`, or the data not loaded", body = ErrorBody)))]
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

/// TileJSON 3.0 of the coverage tileset for a question
///
/// The query string is repeated in the tile URLs. Takes the coverage question only
/// (`f` and `lang` are refused).
#[utoipa::path(get, path = "/tiles/coverage.json", tag = "coverage", operation_id = "coverageTileJson", params(CoverageQuery),
    responses(
        (status = 200, description = "TileJSON 3.0.0", body = TileJson),
        (status = 400, description = "a parameter out of range or unknown, or f or lang given", body = ErrorBody),
        (status = 503, description = "`Busy` (too much heavy work at once; see Retry-After), `Timeout`, or the data not loaded", body = ErrorBody)))]
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

/// A coverage vector tile (layers coverage_cells, coverage_areas); 204 when empty
#[utoipa::path(get, path = "/tiles/coverage/{z}/{x}/{y}.mvt", tag = "coverage", operation_id = "coverageTile",
    params(
        ("z" = u8, Path, description = "Zoom, 0 to 14", maximum = 14),
        ("x" = u32, Path, description = "Column, 0 to 2^z - 1"),
        ("y" = u32, Path, description = "Row, 0 to 2^z - 1"),
        CoverageQuery),
    responses(
        (status = 200, description = "MVT 2.1", body = Vec<u8>, content_type = "application/vnd.mapbox-vector-tile"),
        (status = 204, description = "an empty tile"),
        (status = 400, description = "z, x or y out of range, a parameter out of range or unknown, or f or lang given", body = ErrorBody),
        (status = 503, description = "`Busy` (too much heavy work at once; see Retry-After), `Timeout`, or the data not loaded", body = ErrorBody)))]
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

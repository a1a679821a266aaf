//! `/api/v1/indicators`: the Plan's indicators now, per area, as JSON, CSV or GeoJSON
//! (`period=YYYY`: from the figures reported for that year, which needs the database;
//! `lang=vi|en`: the language of a CSV's caveats); `/api/v1/indicators/snapshots`: their
//! values over time (needs the database).
//!
//! The indicators count every institution, so they are computed under an `indicators`
//! permit, once for identical requests in flight, and kept per data version; files are
//! written under an `export` one.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::coverage::{download, geojson_response};
use super::edge::extract::Query;
use super::edge::heavy::render;
use super::edge::params::vocabulary;
use crate::error::{ApiError, ErrorBody};
use crate::heavy::{Cancelled, Kind};
use crate::indicators::{
    self, Holdings, IndicatorsReport, Inputs, ProvinceReport, Snapshot, export,
};
use crate::model::report::Period;
use crate::model::{AdminLevel, Lang, Scheme};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(now))
        .routes(routes!(snapshots))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct IndicatorsQuery {
    /// The breakdown's scheme (default `pre2025`).
    #[param(value_type = Option<Scheme>)]
    pub scheme: Option<String>,
    /// The breakdown's level (default `district`, or `commune` for 2025; the 2025 scheme
    /// has no districts).
    #[param(value_type = Option<AdminLevel>)]
    pub area_level: Option<String>,
    /// `json` (default), `csv` or `geojson`.
    #[param(value_type = Option<String>, pattern = "^(json|csv|geojson)$")]
    pub f: Option<String>,
    /// A reporting year, from 2000 to this year: the indicators from that year's reports
    /// (needs the database).
    #[param(value_type = Option<i32>, minimum = 2000, maximum = 2100)]
    pub period: Option<String>,
    /// The language of a CSV's caveats: `vi` (default) or `en`.
    pub lang: Option<String>,
}

/// The indicators in JSON: the report and where its other forms are.
#[derive(Serialize, ToSchema)]
struct IndicatorsAnswer {
    #[serde(flatten)]
    report: IndicatorsReport,
    links: IndicatorsLinks,
}

#[derive(Serialize, ToSchema)]
struct IndicatorsLinks {
    csv: String,
    geojson: String,
    snapshots: &'static str,
    report: &'static str,
    progress: &'static str,
}

#[derive(Serialize, ToSchema)]
struct Snapshots {
    /// Oldest first.
    snapshots: Vec<Snapshot>,
    /// The values now, as a snapshot would take them.
    now: Snapshot,
}

/// Scheme and level of the breakdown (default: pre-2025 districts).
pub fn breakdown(q: &IndicatorsQuery) -> Result<(Scheme, AdminLevel), ApiError> {
    let scheme = vocabulary::<Scheme>("scheme", q.scheme.as_deref())?.unwrap_or(Scheme::Pre2025);
    let level =
        vocabulary::<AdminLevel>("area_level", q.area_level.as_deref())?.unwrap_or(match scheme {
            Scheme::Pre2025 => AdminLevel::District,
            Scheme::Y2025 => AdminLevel::Commune,
        });
    if scheme == Scheme::Y2025 && level == AdminLevel::District {
        return Err(ApiError::bad_parameter(
            "area_level",
            "the 2025 scheme has no districts",
        ));
    }
    Ok((scheme, level))
}

/// The reporting year asked for, if any.
fn period(q: &IndicatorsQuery) -> Result<Option<Period>, ApiError> {
    let Some(text) = q.period.as_deref().filter(|p| !p.trim().is_empty()) else {
        return Ok(None);
    };
    Ok(Some(Period::parse(
        "period",
        text,
        chrono::Utc::now().date_naive(),
    )?))
}

/// What the indicators read besides the index: the credentials held (target d4) and the
/// province's reports (every period; none without a database).
pub struct Loaded {
    pub holdings: Arc<Holdings>,
    pub province: Vec<ProvinceReport>,
}

impl Loaded {
    pub fn inputs(&self) -> Inputs<'_> {
        Inputs {
            holdings: &self.holdings,
            province: &self.province,
        }
    }

    /// Names these inputs in keys: the reports by figure, submission and review.
    fn key(&self) -> String {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for r in &self.province {
            (&r.indicator, r.period, r.version(), r.reviewed_at).hash(&mut h);
        }
        format!("{:x}.{:x}", self.holdings.fingerprint(), h.finish())
    }
}

pub async fn load_inputs(state: &AppState) -> Result<Loaded, ApiError> {
    let holdings = state
        .indicators
        .holdings
        .get(&state.credentials.source)
        .await?;
    let province = match &state.db {
        Some(pool) => crate::store::pg::province_reports::reports(pool, None).await?,
        None => Vec::new(),
    };
    Ok(Loaded { holdings, province })
}

/// The indicators of a reporting year, from the reports the database holds. Reports do
/// not move the data version, so these are not cached; identical requests in flight
/// still share one computation under the `indicators` limit.
async fn of_period(
    state: &AppState,
    scheme: Scheme,
    level: AdminLevel,
    period: Period,
) -> Result<Arc<IndicatorsReport>, ApiError> {
    let Some(pool) = &state.db else {
        return Err(ApiError::NeedsDatabase("indicators for a reporting period"));
    };
    let reports = crate::store::pg::reports::reports_of_period(pool, period).await?;
    let loaded = load_inputs(state).await?;
    let index = state.index.current();
    let key = format!("{}|{scheme}|{level}|period={period}", index.version());
    let compute = move |_: &_| {
        Ok::<_, Cancelled>(Arc::new(indicators::compute_for_period(
            &index,
            scheme,
            level,
            period,
            &reports,
            loaded.inputs(),
        )))
    };
    Ok(state
        .heavy
        .run(Kind::Indicators, &key, || None, compute)
        .await?)
}

/// The indicators of the current data, broken down by `scheme`'s areas at `level`.
pub async fn computed(
    state: &AppState,
    scheme: Scheme,
    level: AdminLevel,
) -> Result<Arc<IndicatorsReport>, ApiError> {
    let loaded = load_inputs(state).await?;
    let index = state.index.current();
    let key = format!("{}|{scheme}|{level}|{}", index.version(), loaded.key());
    let cache = state.indicators.clone();
    let compute = {
        let (cache, key) = (cache.clone(), key.clone());
        move |_: &_| {
            let report = Arc::new(indicators::compute(&index, scheme, level, loaded.inputs()));
            cache.insert(key, report.clone());
            Ok::<_, Cancelled>(report)
        }
    };
    let report = state
        .heavy
        .run(Kind::Indicators, &key, || cache.get(&key), compute);
    Ok(report.await?)
}

/// The Plan's indicators: definitions, values, unknowns, targets, per-area breakdown, caveats
#[utoipa::path(get, path = "/api/v1/indicators", tag = "indicators", params(IndicatorsQuery),
    responses(
        (status = 200, description = "the indicators: JSON, or with f= a CSV or GeoJSON file", content(
            (IndicatorsAnswer = "application/json"),
            (String = "text/csv"),
            (Object = "application/geo+json"))),
        (status = 400, description = "a parameter out of range or unknown (named in `parameter`)", body = ErrorBody),
        (status = 503, description = "`Busy` (too much heavy work at once; see Retry-After), `Timeout`, `NeedsDatabase` (a period without a database), `DatabaseUnavailable`, or the data not loaded", body = ErrorBody)))]
async fn now(
    State(state): State<AppState>,
    Query(q): Query<IndicatorsQuery>,
) -> Result<Response, ApiError> {
    let (scheme, level) = breakdown(&q)?;
    let f = q.f.as_deref().unwrap_or("json");
    if !matches!(f, "json" | "csv" | "geojson") {
        return Err(ApiError::bad_parameter(
            "f",
            format!("f {f:?} is not one of: json csv geojson"),
        ));
    }
    let period = period(&q)?;
    let lang = Lang::parse(q.lang.as_deref()).map_err(|e| ApiError::bad_parameter("lang", e))?;
    let report = match period {
        None => computed(&state, scheme, level).await?,
        Some(p) => of_period(&state, scheme, level, p).await?,
    };
    let index = state.index.current();
    // A period's links and files keep their period; its files are not shared by key
    // across report changes (the version does not move with reports).
    let (keep, file, key) = match period {
        None => (
            String::new(),
            "indicators.csv".to_owned(),
            format!(
                "{}|{scheme}|{level}|{f}|{}|{}",
                index.version(),
                lang.code(),
                report.computed_at.timestamp_nanos_opt().unwrap_or(0)
            ),
        ),
        Some(p) => (
            format!("period={p}&"),
            format!("indicators-{p}.csv"),
            format!(
                "{}|{scheme}|{level}|{f}|period={p}|{}|{}",
                index.version(),
                lang.code(),
                report.computed_at.timestamp_nanos_opt().unwrap_or(0)
            ),
        ),
    };
    Ok(match f {
        "json" => Json(IndicatorsAnswer {
            report: (*report).clone(),
            links: IndicatorsLinks {
                csv: format!("?{keep}f=csv"),
                geojson: format!("?{keep}f=geojson"),
                snapshots: "/api/v1/indicators/snapshots",
                report: "/reports/periodic",
                progress: "/api/v1/indicators/progress",
            },
        })
        .into_response(),
        "csv" => {
            let csv = render(&state, Kind::Export, key, move |_| {
                Ok(export::csv(&report, lang))
            });
            download("text/csv; charset=utf-8", &file, csv.await?)
        }
        _ => {
            let geojson = render(&state, Kind::Export, key, move |_| {
                // A `Value` always serialises.
                Ok(serde_json::to_vec(&export::geojson(&report, &index)).unwrap_or_default())
            });
            geojson_response(geojson.await?)
        }
    })
}

/// Dated indicator snapshots, oldest first, and the values now (needs the database)
///
/// Snapshots are taken by `vetmap indicators snapshot`.
#[utoipa::path(get, path = "/api/v1/indicators/snapshots", tag = "indicators",
    responses(
        (status = 200, description = "the snapshots and the values now", body = Snapshots),
        (status = 503, description = "`Busy` (too much heavy work at once; see Retry-After), `Timeout`, `NeedsDatabase` (a period without a database), `DatabaseUnavailable`, or the data not loaded", body = ErrorBody)))]
async fn snapshots(State(state): State<AppState>) -> Result<Json<Snapshots>, ApiError> {
    let Some(pool) = &state.db else {
        return Err(ApiError::NeedsDatabase("indicator snapshots"));
    };
    let snapshots = crate::store::pg::load_snapshots(pool).await?;
    let now = computed(&state, Scheme::Pre2025, AdminLevel::District).await?;
    let now = indicators::Snapshot::of(&now, chrono::Utc::now().date_naive());
    Ok(Json(Snapshots { snapshots, now }))
}

//! The figures the province reports itself (targets whose data belongs to no
//! institution): `GET /api/v1/province-reports[?period=YYYY]` (each such indicator with
//! its report, or none, per period), `PUT /api/v1/province-reports/{indicator}/{period}`
//! (submit or resubmit; a resubmission clears the review) and `POST
//! /api/v1/province-reports/{indicator}/{period}/review` (by another official than the
//! reporter; optional `If-Match` on the report's version). Province officials and
//! administrators only.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::BODY_LIMIT;
use super::reports::{if_match, invalid};
use crate::api::AppState;
use crate::api::edge::auth::Official;
use crate::api::edge::extract::{Json, Path, Query};
use crate::auth::Account;
use crate::error::{ApiError, ErrorBody};
use crate::indicators::definitions::{Target, Unit, province_reported};
use crate::indicators::province::unit_of;
use crate::indicators::{ProvinceFigure, ProvinceReport};
use crate::model::report::{Period, ReportStatus};
use crate::store::pg::province_reports;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(submit))
        .routes(routes!(review))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

fn pool(state: &AppState) -> Result<&sqlx::PgPool, ApiError> {
    state
        .db
        .as_ref()
        .ok_or(ApiError::NeedsDatabase("reporting the province's figures"))
}

fn allowed(account: &Account) -> Result<(), ApiError> {
    if account.may_report_province_figures() {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only province officials and administrators report the province's figures".into(),
        ))
    }
}

fn period(text: &str) -> Result<Period, ApiError> {
    Ok(Period::parse(
        "period",
        text,
        chrono::Utc::now().date_naive(),
    )?)
}

fn indicator(id: &str) -> Result<Unit, ApiError> {
    unit_of(id).map(|(_, unit)| unit).ok_or_else(|| {
        let ids: Vec<&str> = province_reported().map(|d| d.id).collect();
        ApiError::NotFound(format!(
            "{id:?} is not an indicator the province reports; those are: {}",
            ids.join(" ")
        ))
    })
}

/// A report as the officials' API shows it: its fields, `status` and `version` (also its
/// ETag, for `If-Match` on review).
#[derive(Serialize, ToSchema)]
struct ProvinceReportView {
    #[serde(flatten)]
    report: ProvinceReport,
    status: ReportStatus,
    version: i64,
}

fn view(r: &ProvinceReport) -> ProvinceReportView {
    ProvinceReportView {
        report: r.clone(),
        status: r.status(),
        version: r.version(),
    }
}

fn one(r: &ProvinceReport) -> Response {
    let mut response = axum::Json(view(r)).into_response();
    if let Ok(tag) = HeaderValue::from_str(&format!("\"{}\"", r.version())) {
        response.headers_mut().insert(header::ETAG, tag);
    }
    response
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ListParams {
    /// A reporting year; without it, every period's reports.
    #[param(value_type = Option<i32>, minimum = 2000, maximum = 2100)]
    period: Option<String>,
}

/// The indicators the province reports, each with its reports.
#[derive(Serialize, ToSchema)]
struct ProvinceIndicators {
    period: Option<Period>,
    indicators: Vec<ProvinceIndicator>,
}

#[derive(Serialize, ToSchema)]
struct ProvinceIndicator {
    id: &'static str,
    /// The Plan's target it measures (`a2`, `c1`...).
    target: &'static str,
    unit: Option<Unit>,
    title_vi: &'static str,
    title_en: &'static str,
    /// The target's words in the Plan (Vietnamese).
    plan_text: &'static str,
    method_vi: &'static str,
    method_en: &'static str,
    targets: &'static [Target],
    reports: Vec<ProvinceReportView>,
}

/// What a submission carries: `value_pct`, or `numerator` and `denominator`; and
/// evidence, `evidence_url` or `evidence_ref`.
#[derive(ToSchema)]
#[allow(dead_code)]
struct ProvinceFigureBody {
    /// A share; for a milestone 100 achieved, 0 not yet.
    #[schema(minimum = 0, maximum = 100)]
    value_pct: Option<f64>,
    #[schema(minimum = 0)]
    numerator: Option<f64>,
    #[schema(minimum = 0)]
    denominator: Option<f64>,
    #[schema(format = "uri", max_length = 1000)]
    evidence_url: Option<String>,
    #[schema(max_length = 300)]
    evidence_ref: Option<String>,
    #[schema(max_length = 1000)]
    note: Option<String>,
}

/// The figures the province reports itself (province officials and administrators).
#[utoipa::path(get, path = "/api/v1/province-reports", tag = "officials", operation_id = "list_province_reports",
    security(("apiToken" = []), ("sessionCookie" = [])),
    params(ListParams),
    responses(
        (status = 200, description = "each indicator the province reports, with its reports", body = ProvinceIndicators),
        (status = 400, description = "a bad period", body = ErrorBody),
        (status = 401, description = "not signed in", body = ErrorBody),
        (status = 403, description = "not a province official or administrator", body = ErrorBody),
        (status = 503, description = "no database (`NeedsDatabase`), or it does not answer", body = ErrorBody)))]
async fn list(
    State(state): State<AppState>,
    official: Official,
    Query(p): Query<ListParams>,
) -> Result<Response, ApiError> {
    let pool = pool(&state)?;
    allowed(&official.account)?;
    let period = p
        .period
        .as_deref()
        .filter(|t| !t.trim().is_empty())
        .map(period)
        .transpose()?;
    let reports = province_reports::reports(pool, period).await?;
    let indicators = province_reported()
        .map(|d| ProvinceIndicator {
            id: d.id,
            target: d.target,
            unit: unit_of(d.id).map(|(_, u)| u),
            title_vi: d.title_vi,
            title_en: d.title_en,
            plan_text: d.plan_target().text_vi,
            method_vi: d.method_vi,
            method_en: d.method_en,
            targets: d.targets,
            reports: reports
                .iter()
                .filter(|r| r.indicator == d.id)
                .map(view)
                .collect(),
        })
        .collect();
    Ok(axum::Json(ProvinceIndicators { period, indicators }).into_response())
}

/// Report (or report again, which clears the review) the province's figure of an
/// indicator for a period, with its evidence.
#[utoipa::path(put, path = "/api/v1/province-reports/{indicator}/{period}", tag = "officials", operation_id = "submit_province_report",
    security(("apiToken" = []), ("sessionCookie" = [], "csrfToken" = [])),
    params(("indicator" = String, Path, description = "An indicator the province reports"),
        ("period" = i32, Path, description = "The reporting year", minimum = 2000, maximum = 2100)),
    request_body = ProvinceFigureBody,
    responses(
        (status = 200, description = "the report as stored (its version is the ETag)", body = ProvinceReportView),
        (status = 400, description = "a bad period, or InvalidData: errors name their fields", body = ErrorBody),
        (status = 401, description = "not signed in", body = ErrorBody),
        (status = 403, description = "no CSRF token, or not a province official or administrator", body = ErrorBody),
        (status = 404, description = "not an indicator the province reports", body = ErrorBody),
        (status = 415, description = "the body is not declared application/json", body = ErrorBody),
        (status = 503, description = "no database (`NeedsDatabase`), or it does not answer", body = ErrorBody)))]
async fn submit(
    State(state): State<AppState>,
    official: Official,
    Path((id, period_text)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let pool = pool(&state)?;
    allowed(&official.account)?;
    let unit = indicator(&id)?;
    let period = period(&period_text)?;
    let figure = ProvinceFigure::parse(body, unit).map_err(|e| invalid(e.0))?;
    let report = province_reports::submit(pool, &id, period, &figure, &official.actor).await?;
    Ok(one(&report))
}

/// Mark the province's figure reviewed, by another official than its reporter.
#[utoipa::path(post, path = "/api/v1/province-reports/{indicator}/{period}/review", tag = "officials", operation_id = "review_province_report",
    security(("apiToken" = []), ("sessionCookie" = [], "csrfToken" = [])),
    params(("indicator" = String, Path, description = "An indicator the province reports"),
        ("period" = i32, Path, description = "The reporting year", minimum = 2000, maximum = 2100),
        ("If-Match" = Option<String>, Header, description = "The report's version (its ETag), so the review applies to the figures read")),
    responses(
        (status = 200, description = "the reviewed report", body = ProvinceReportView),
        (status = 400, description = "a bad period", body = ErrorBody),
        (status = 401, description = "not signed in", body = ErrorBody),
        (status = 403, description = "no CSRF token, not a province official, or the reporter themself", body = ErrorBody),
        (status = 404, description = "no such report", body = ErrorBody),
        (status = 412, description = "the report changed since it was read", body = ErrorBody),
        (status = 503, description = "no database (`NeedsDatabase`), or it does not answer", body = ErrorBody)))]
async fn review(
    State(state): State<AppState>,
    official: Official,
    Path((id, period_text)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let pool = pool(&state)?;
    allowed(&official.account)?;
    indicator(&id)?;
    let period = period(&period_text)?;
    let expected = if_match(&headers)?;
    let report = province_reports::review(pool, &id, period, expected, &official.actor).await?;
    Ok(one(&report))
}

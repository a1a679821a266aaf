//! The figures the province reports itself (targets whose data belongs to no
//! institution): `GET /api/v1/province-reports[?period=YYYY]` (each such indicator with
//! its report, or none, per period), `PUT /api/v1/province-reports/{indicator}/{period}`
//! (submit or resubmit; a resubmission clears the review) and `POST
//! /api/v1/province-reports/{indicator}/{period}/review` (by another official than the
//! reporter; optional `If-Match` on the report's version). Province officials and
//! administrators only.

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Deserialize;
use serde_json::{Value, json};

use super::BODY_LIMIT;
use super::reports::{if_match, invalid};
use crate::api::AppState;
use crate::api::edge::auth::Official;
use crate::api::edge::extract::{Json, Path, Query};
use crate::auth::Account;
use crate::error::ApiError;
use crate::indicators::definitions::{Unit, province_reported};
use crate::indicators::province::unit_of;
use crate::indicators::{ProvinceFigure, ProvinceReport};
use crate::model::report::Period;
use crate::store::pg::province_reports;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/province-reports", get(list))
        .route("/api/v1/province-reports/{indicator}/{period}", put(submit))
        .route(
            "/api/v1/province-reports/{indicator}/{period}/review",
            post(review),
        )
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

/// A report as the officials' API shows it: its fields, `status` and `version`.
fn report_json(r: &ProvinceReport) -> Value {
    let mut v = json!(r);
    v["status"] = json!(r.status());
    v["version"] = json!(r.version());
    v
}

fn one(r: &ProvinceReport) -> Response {
    let mut response = axum::Json(report_json(r)).into_response();
    if let Ok(tag) = HeaderValue::from_str(&format!("\"{}\"", r.version())) {
        response.headers_mut().insert(header::ETAG, tag);
    }
    response
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    period: Option<String>,
}

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
    let indicators: Vec<Value> = province_reported()
        .map(|d| {
            let (unit, plan) = (unit_of(d.id).map(|(_, u)| u), d.plan_target());
            json!({
                "id": d.id, "target": d.target, "unit": unit,
                "title_vi": d.title_vi, "title_en": d.title_en,
                "plan_text": plan.text_vi, "method_vi": d.method_vi, "method_en": d.method_en,
                "targets": d.targets,
                "reports": reports.iter().filter(|r| r.indicator == d.id)
                    .map(report_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(axum::Json(json!({"period": period, "indicators": indicators})).into_response())
}

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

/// This resource group's OpenAPI 3.0 `paths`, for the service's OpenAPI document.
pub fn openapi_paths() -> serde_json::Map<String, Value> {
    let ids: Vec<&str> = province_reported().map(|d| d.id).collect();
    let path_params = json!([
        {"name": "indicator", "in": "path", "required": true, "schema": {"type": "string", "enum": ids}},
        {"name": "period", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 2000, "maximum": 2100}},
    ]);
    let report = json!({"application/json": {"schema": {"type": "object"}}});
    let paths = json!({
        "/api/v1/province-reports": {"get": {
            "summary": "The figures the province reports itself, per indicator, with their reports (province officials and administrators)",
            "operationId": "provinceReports", "tags": ["officials"],
            "parameters": [{"name": "period", "in": "query", "required": false, "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "indicators and reports", "content": report},
                "401": {"description": "not signed in"}, "403": {"description": "not a province official"},
                "503": {"description": "no database"}}}},
        "/api/v1/province-reports/{indicator}/{period}": {"put": {
            "summary": "Report (or report again, which clears the review) the province's figure of an indicator for a period, with evidence",
            "operationId": "submitProvinceReport", "tags": ["officials"],
            "parameters": path_params,
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
                "type": "object", "additionalProperties": false,
                "properties": {
                    "value_pct": {"type": "number", "minimum": 0, "maximum": 100, "description": "a milestone: 100 achieved, 0 not yet"},
                    "numerator": {"type": "number", "minimum": 0},
                    "denominator": {"type": "number", "exclusiveMinimum": 0},
                    "evidence_url": {"type": "string", "format": "uri", "maxLength": 1000},
                    "evidence_ref": {"type": "string", "maxLength": 300},
                    "note": {"type": "string", "maxLength": 1000}},
                "description": "value_pct, or numerator and denominator; evidence_url or evidence_ref"}}}},
            "responses": {"200": {"description": "the report (ETag: its version)", "content": report},
                "400": {"description": "invalid figure: errors name their fields"},
                "403": {"description": "not a province official"}, "404": {"description": "not an indicator the province reports"}}}},
        "/api/v1/province-reports/{indicator}/{period}/review": {"post": {
            "summary": "Mark the province's figure reviewed, by another official than its reporter (If-Match: its version)",
            "operationId": "reviewProvinceReport", "tags": ["officials"],
            "parameters": path_params,
            "responses": {"200": {"description": "the reviewed report", "content": report},
                "403": {"description": "not a province official, or the reporter themself"},
                "404": {"description": "no such report"}, "412": {"description": "the report changed since it was read"}}}},
    });
    match paths {
        Value::Object(m) => m,
        _ => serde_json::Map::new(),
    }
}

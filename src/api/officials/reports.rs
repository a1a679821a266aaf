//! The Plan's figures reported per period (Decision 2104 asks institutions for them every
//! year): `PUT /api/v1/institutions/{id}/reports/{period}` (submit or resubmit; a
//! resubmission clears the review), `GET /api/v1/institutions/{id}/reports`,
//! `POST /api/v1/institutions/{id}/reports/{period}/review` (province and admin) and the
//! review queue `GET /api/v1/reports?period=YYYY[&status=][&f=csv]` (province and
//! admin): every institution on the map with where its report stands.
//!
//! Each report carries its `version` (a resubmission gets a new one); a review sent with
//! `If-Match: "<version>"` applies only to the figures the reviewer read (412 otherwise).

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Deserialize;
use serde_json::{Value, json};

use super::BODY_LIMIT;
use crate::api::AppState;
use crate::api::edge::auth::Official;
use crate::api::edge::extract::{Json, Path, Query};
use crate::api::edge::links::query_string;
use crate::api::edge::params;
use crate::error::ApiError;
use crate::model::report::{Period, PlanReport, Report, ReportStatus};
use crate::model::{FieldError, InstitutionId};
use crate::store::pg::reports::{self, PeriodEntry};
use crate::store::{ImportError, StoreError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/institutions/{id}/reports", get(of_institution))
        .route("/api/v1/institutions/{id}/reports/{period}", put(submit))
        .route(
            "/api/v1/institutions/{id}/reports/{period}/review",
            post(review),
        )
        .route("/api/v1/reports", get(queue))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

const DEFAULT_LIMIT: usize = 1000;
const MAX_LIMIT: usize = 5000;

fn pool(state: &AppState) -> Result<&sqlx::PgPool, ApiError> {
    state
        .db
        .as_ref()
        .ok_or(ApiError::NeedsDatabase("reporting the Plan's figures"))
}

fn institution_id(id: &str) -> Result<InstitutionId, ApiError> {
    InstitutionId::parse(id).map_err(|e| ApiError::bad_parameter("id", e.message))
}

fn period(text: &str) -> Result<Period, ApiError> {
    Ok(Period::parse(
        "period",
        text,
        chrono::Utc::now().date_naive(),
    )?)
}

/// Field errors of a body, in the shape the institution editor answers them.
pub(super) fn invalid(errors: Vec<FieldError>) -> ApiError {
    StoreError::Invalid(
        errors
            .into_iter()
            .map(|e| ImportError {
                location: None,
                record: None,
                field: Some(e.field),
                message: e.message,
                unlisted: 0,
            })
            .collect(),
    )
    .into()
}

/// A report as the API shows it: its fields, `status` and `version`.
fn report_json(r: &Report) -> Value {
    let mut v = json!(r);
    v["status"] = json!(r.status());
    v["version"] = json!(r.version());
    v
}

fn etag(r: &Report) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!("\"{}\"", r.version())).ok()
}

fn one(r: &Report) -> Response {
    let mut response = axum::Json(report_json(r)).into_response();
    if let Some(tag) = etag(r) {
        response.headers_mut().insert(header::ETAG, tag);
    }
    response
}

async fn submit(
    State(state): State<AppState>,
    official: Official,
    Path((id, period_text)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let pool = pool(&state)?;
    let id = institution_id(&id)?;
    let period = period(&period_text)?;
    if !official.account.may_report_for(&id) {
        return Err(ApiError::Forbidden(format!(
            "your account may not report for institution {:?}",
            id.as_str()
        )));
    }
    let figures = PlanReport::parse(body).map_err(|e| invalid(e.0))?;
    let report = reports::submit(pool, &id, period, &figures, &official.actor).await?;
    Ok(one(&report))
}

async fn of_institution(
    State(state): State<AppState>,
    official: Official,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let pool = pool(&state)?;
    let id = institution_id(&id)?;
    let account = &official.account;
    if !(account.may_report_for(&id) || account.may_review_reports()) {
        return Err(ApiError::Forbidden(format!(
            "your account may not read the reports of {:?}",
            id.as_str()
        )));
    }
    let list = reports::reports_of_institution(pool, &id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no institution {:?}", id.as_str())))?;
    Ok(axum::Json(json!({
        "institution_id": id,
        "reports": list.iter().map(report_json).collect::<Vec<_>>(),
    }))
    .into_response())
}

/// The version an optional `If-Match` names.
pub(super) fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .map(str::trim)
        .and_then(|v| v.strip_prefix('"')?.strip_suffix('"'))
        .and_then(|v| v.parse::<i64>().ok())
        .map(Some)
        .ok_or_else(|| {
            ApiError::PreconditionFailed(
                "If-Match must be the report's strong ETag, its version in quotes".into(),
            )
        })
}

async fn review(
    State(state): State<AppState>,
    official: Official,
    Path((id, period_text)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let pool = pool(&state)?;
    let id = institution_id(&id)?;
    let period = period(&period_text)?;
    if !official.account.may_review_reports() {
        return Err(ApiError::Forbidden(
            "only province officials and administrators review reports".into(),
        ));
    }
    let expected = if_match(&headers)?;
    let report = reports::review(pool, &id, period, expected, &official.actor).await?;
    Ok(one(&report))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct QueueParams {
    period: Option<String>,
    status: Option<String>,
    /// The last institution id of the previous page.
    after: Option<String>,
    limit: Option<String>,
    f: Option<String>,
}

async fn queue(
    State(state): State<AppState>,
    official: Official,
    Query(p): Query<QueueParams>,
) -> Result<Response, ApiError> {
    let pool = pool(&state)?;
    if !official.account.may_review_reports() {
        return Err(ApiError::Forbidden(
            "only province officials and administrators see every institution's reports".into(),
        ));
    }
    let Some(text) = p.period.as_deref().filter(|t| !t.trim().is_empty()) else {
        return Err(ApiError::bad_parameter(
            "period",
            "period is required: the reporting year, such as 2025",
        ));
    };
    let period = period(text)?;
    let status = params::vocabulary::<ReportStatus>("status", p.status.as_deref())?;
    let after = p
        .after
        .as_deref()
        .map(|a| institution_id(a).map_err(|_| ApiError::bad_parameter("after", "not an id")))
        .transpose()?;
    let limit = params::limit(p.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT)?;
    let csv = match p.f.as_deref().unwrap_or("json") {
        "json" => false,
        "csv" => true,
        other => {
            return Err(ApiError::bad_parameter(
                "f",
                format!("f {other:?} is not one of: json csv"),
            ));
        }
    };
    let mut entries = reports::period_entries(
        pool,
        period,
        status,
        after.as_ref().map(InstitutionId::as_str),
        limit as i64 + 1,
    )
    .await?;
    let next = (entries.len() > limit).then(|| {
        entries.truncate(limit);
        let mut kept = vec![("period", period.to_string())];
        if let Some(s) = status {
            kept.push(("status", s.as_str().to_owned()));
        }
        if let Some(last) = entries.last() {
            kept.push(("after", last.institution_id.clone()));
        }
        kept.push(("limit", limit.to_string()));
        if csv {
            kept.push(("f", "csv".into()));
        }
        format!(
            "/api/v1/reports{}",
            query_string(kept.iter().map(|(k, v)| (*k, v.as_str())))
        )
    });
    if csv {
        let body = queue_csv(&entries).map_err(|e| ApiError::Internal(e.to_string()))?;
        let mut response = (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"reports-{period}.csv\""),
                ),
            ],
            body,
        )
            .into_response();
        if let Some(link) =
            next.and_then(|n| HeaderValue::from_str(&format!("<{n}>; rel=\"next\"")).ok())
        {
            response.headers_mut().insert(header::LINK, link);
        }
        return Ok(response);
    }
    let counts = reports::period_counts(pool, period).await?;
    let institutions: Vec<Value> = entries
        .iter()
        .map(|e| {
            let mut v = json!(e);
            v["report"] = e.report.as_ref().map_or(Value::Null, report_json);
            v
        })
        .collect();
    Ok(axum::Json(json!({
        "period": period,
        "counts": counts,
        "institutions": institutions,
        "next": next,
    }))
    .into_response())
}

fn queue_csv(entries: &[PeriodEntry]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "institution_id",
        "name_vi",
        "kind",
        "district_pre2025",
        "commune_2025",
        "status",
    ];
    header.extend(PlanReport::FIELDS);
    header.extend(["reported_by", "reported_at", "reviewed_by", "reviewed_at"]);
    w.write_record(&header)?;
    let text = |v: &Value| match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    for e in entries {
        let mut row = vec![
            e.institution_id.clone(),
            e.name_vi.clone(),
            e.kind.clone(),
            e.district_pre2025.clone().unwrap_or_default(),
            e.commune_2025.clone().unwrap_or_default(),
            e.status.as_str().to_owned(),
        ];
        match &e.report {
            Some(r) => {
                row.extend(r.figures.values().iter().map(|(_, v)| text(v)));
                row.push(r.reported_by.clone());
                row.push(r.reported_at.to_rfc3339());
                row.push(r.reviewed_by.clone().unwrap_or_default());
                row.push(r.reviewed_at.map(|t| t.to_rfc3339()).unwrap_or_default());
            }
            None => row.extend(std::iter::repeat_n(String::new(), header.len() - row.len())),
        }
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

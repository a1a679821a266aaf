//! The Plan's figures reported per period (Decision 2104 asks institutions for them every
//! year): `PUT /api/v1/institutions/{id}/reports/{period}` (submit or resubmit; a
//! resubmission clears the review), `GET /api/v1/institutions/{id}/reports`,
//! `POST /api/v1/institutions/{id}/reports/{period}/review` (province and admin) and the
//! review queue `GET /api/v1/reports?period=YYYY[&status=][&f=csv]` (province and
//! admin): every institution on the map with where its report stands.
//!
//! Each report carries its `version` (a resubmission gets a new one); a review sent with
//! `If-Match: "<version>"` applies only to the figures the reviewer read (412 otherwise).

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::BODY_LIMIT;
use crate::api::AppState;
use crate::api::edge::auth::Official;
use crate::api::edge::extract::{Json, Path, Query};
use crate::api::edge::links::query_string;
use crate::api::edge::params;
use crate::error::{ApiError, ErrorBody};
use crate::model::report::{Period, PlanReport, Report, ReportStatus};
use crate::model::{FieldError, InstitutionId};
use crate::store::pg::reports::{self, PeriodEntry, StatusCounts};
use crate::store::{ImportError, StoreError};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(of_institution))
        .routes(routes!(submit))
        .routes(routes!(review))
        .routes(routes!(queue))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

/// A report as the API shows it: its fields, `status` and `version` (also its ETag).
#[derive(Serialize, ToSchema)]
struct ReportView {
    #[serde(flatten)]
    report: Report,
    status: ReportStatus,
    /// Names this submission; a resubmission gets a new one.
    version: i64,
}

#[derive(Serialize, ToSchema)]
struct InstitutionReports {
    institution_id: InstitutionId,
    reports: Vec<ReportView>,
}

/// The review queue: every institution on the map and where its report stands.
#[derive(Serialize, ToSchema)]
struct Queue {
    period: Period,
    counts: StatusCounts,
    institutions: Vec<QueueEntry>,
    /// The next page, when there is one.
    next: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct QueueEntry {
    #[serde(flatten)]
    #[schema(inline)]
    entry: PeriodEntryFields,
    report: Option<ReportView>,
}

/// An entry's own fields (its report is shown as a [`ReportView`]).
#[derive(Serialize, ToSchema)]
struct PeriodEntryFields {
    institution_id: String,
    name_vi: String,
    kind: String,
    district_pre2025: Option<String>,
    commune_2025: Option<String>,
    status: ReportStatus,
}

/// The figures of a report (parsed by `PlanReport::parse`, which names any field at
/// fault): each indicator unknown (null or absent) or known; a source is required.
#[derive(ToSchema)]
#[allow(dead_code)]
struct PlanReportBody {
    digital_infrastructure: Option<bool>,
    connected_national_platform: Option<bool>,
    digitised_learning_records: Option<bool>,
    digitised_diplomas: Option<bool>,
    #[schema(minimum = 0, maximum = 100)]
    teachers_digital_trained_pct: Option<f64>,
    high_quality_school: Option<bool>,
    digital_school: Option<bool>,
    /// Where the figures come from (at most 500 characters).
    #[schema(min_length = 1, max_length = 500)]
    source: String,
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

fn view(r: &Report) -> ReportView {
    ReportView {
        report: r.clone(),
        status: r.status(),
        version: r.version(),
    }
}

fn etag(r: &Report) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!("\"{}\"", r.version())).ok()
}

fn one(r: &Report) -> Response {
    let mut response = axum::Json(view(r)).into_response();
    if let Some(tag) = etag(r) {
        response.headers_mut().insert(header::ETAG, tag);
    }
    response
}

/// Submit (or resubmit) an institution's figures for a period
///
/// A resubmission clears the review.
#[utoipa::path(put, path = "/api/v1/institutions/{id}/reports/{period}", tag = "officials",
    security(("apiToken" = []), ("sessionCookie" = [], "csrfToken" = [])),
    params(("id" = String, Path, description = "Institution id (slug)"), ("period" = i32, Path, description = "The reporting year (2000 to this year)", minimum = 2000, maximum = 2100)),
    request_body = PlanReportBody,
    responses(
        (status = 200, description = "the report as stored; its version is the ETag", body = ReportView),
        (status = 400, description = "a bad id or period, or InvalidData: errors by field", body = ErrorBody),
        (status = 401, description = "not signed in, or an unknown, expired or revoked token", body = ErrorBody),
        (status = 403, description = "the CSRF token is missing, or the account may not report for this institution", body = ErrorBody),
        (status = 404, description = "no such institution", body = ErrorBody),
        (status = 415, description = "the body is not declared application/json", body = ErrorBody),
        (status = 503, description = "no database (`NeedsDatabase`), or it does not answer", body = ErrorBody)))]
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

/// An institution's reports, every period
#[utoipa::path(get, path = "/api/v1/institutions/{id}/reports", tag = "officials",
    security(("apiToken" = []), ("sessionCookie" = [])),
    params(("id" = String, Path, description = "Institution id (slug)")),
    responses(
        (status = 200, description = "the reports", body = InstitutionReports),
        (status = 400, description = "a bad id", body = ErrorBody),
        (status = 401, description = "not signed in, or an unknown, expired or revoked token", body = ErrorBody),
        (status = 403, description = "the account may neither report for nor review this institution", body = ErrorBody),
        (status = 404, description = "no such institution", body = ErrorBody),
        (status = 503, description = "no database (`NeedsDatabase`), or it does not answer", body = ErrorBody)))]
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
    Ok(axum::Json(InstitutionReports {
        institution_id: id,
        reports: list.iter().map(view).collect(),
    })
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

/// Mark a report reviewed (province officials and administrators)
///
/// With `If-Match: "<version>"` the review applies only to the figures the reviewer read.
#[utoipa::path(post, path = "/api/v1/institutions/{id}/reports/{period}/review", tag = "officials",
    security(("apiToken" = []), ("sessionCookie" = [], "csrfToken" = [])),
    params(("id" = String, Path, description = "Institution id (slug)"), ("period" = i32, Path, description = "The reporting year (2000 to this year)", minimum = 2000, maximum = 2100),
        ("If-Match" = Option<String>, Header, description = "The report's ETag, its version in quotes")),
    responses(
        (status = 200, description = "the report, reviewed", body = ReportView),
        (status = 400, description = "a bad id or period", body = ErrorBody),
        (status = 401, description = "not signed in, or an unknown, expired or revoked token", body = ErrorBody),
        (status = 403, description = "the CSRF token is missing, or the account does not review reports", body = ErrorBody),
        (status = 404, description = "no report for this institution and period", body = ErrorBody),
        (status = 412, description = "the report changed since the version in If-Match, or If-Match is malformed", body = ErrorBody),
        (status = 503, description = "no database (`NeedsDatabase`), or it does not answer", body = ErrorBody)))]
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

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct QueueParams {
    /// The reporting year.
    #[param(required = true, value_type = i32, minimum = 2000, maximum = 2100)]
    period: Option<String>,
    /// Only the institutions whose report is in this state.
    #[param(value_type = Option<ReportStatus>)]
    status: Option<String>,
    /// The last institution id of the previous page.
    #[param(value_type = Option<InstitutionId>)]
    after: Option<String>,
    /// Institutions per page (default 1000).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 5000)]
    limit: Option<String>,
    /// `json` (default) or `csv`.
    #[param(value_type = Option<String>, pattern = "^(json|csv)$")]
    f: Option<String>,
}

/// The review queue of a period (province officials and administrators)
///
/// Every institution on the map with where its report stands; paged by id (`next`, or a
/// `Link` header for CSV).
#[utoipa::path(get, path = "/api/v1/reports", tag = "officials",
    security(("apiToken" = []), ("sessionCookie" = [])),
    params(QueueParams),
    responses(
        (status = 200, description = "the queue: JSON, or a CSV file with f=csv", content(
            (Queue = "application/json"), (String = "text/csv"))),
        (status = 400, description = "period missing or bad, or another parameter", body = ErrorBody),
        (status = 401, description = "not signed in, or an unknown, expired or revoked token", body = ErrorBody),
        (status = 403, description = "the account does not review reports", body = ErrorBody),
        (status = 503, description = "no database (`NeedsDatabase`), or it does not answer", body = ErrorBody)))]
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
    let institutions: Vec<QueueEntry> = entries
        .iter()
        .map(|e| QueueEntry {
            entry: PeriodEntryFields {
                institution_id: e.institution_id.clone(),
                name_vi: e.name_vi.clone(),
                kind: e.kind.clone(),
                district_pre2025: e.district_pre2025.clone(),
                commune_2025: e.commune_2025.clone(),
                status: e.status,
            },
            report: e.report.as_ref().map(view),
        })
        .collect();
    Ok(axum::Json(Queue {
        period,
        counts,
        institutions,
        next,
    })
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

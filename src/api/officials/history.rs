//! The history: `GET /api/v1/institutions/{id}/history` (for officials who may edit the
//! institution, and for province officials and administrators) and the searchable audit
//! log `GET /api/v1/audit` (province and admin), each as JSON or CSV (`f=csv`). Newest
//! first, paged with `before` (the `next` link gives it).

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::AppState;
use crate::api::edge::auth::Official;
use crate::api::edge::extract::{Path, Query};
use crate::api::edge::links::query_string;
use crate::api::edge::params;
use crate::error::{ApiError, ErrorBody};
use crate::model::InstitutionId;
use crate::store::pg::audit::{self, AuditEntry, AuditQuery};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(institution_history))
        .routes(routes!(audit_log))
}

/// A page of the log, newest first.
#[derive(Serialize, ToSchema)]
struct Entries {
    entries: Vec<AuditEntry>,
    /// The next page, when this one is full.
    next: Option<String>,
}

const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1000;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct HistoryParams {
    /// Entries older than this entry id (the `next` link sets it).
    #[param(value_type = Option<i64>)]
    before: Option<String>,
    /// Entries per page (default 100).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    /// `json` (default) or `csv`.
    #[param(value_type = Option<String>, pattern = "^(json|csv)$")]
    f: Option<String>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct AuditParams {
    /// Who acted: a login, `import`, or `sql:<role>` (at most 200 bytes).
    #[param(value_type = Option<String>, max_length = 200)]
    actor: Option<String>,
    /// An institution id (at most 200 bytes).
    #[param(value_type = Option<String>, max_length = 200)]
    institution: Option<String>,
    /// Kind of change, as a prefix: `institution`, `institution.update`, `account`,
    /// `credential`... (at most 200 bytes).
    #[param(value_type = Option<String>, max_length = 200)]
    action: Option<String>,
    /// From this instant: a date (YYYY-MM-DD, its start in UTC) or an RFC 3339 time.
    #[param(value_type = Option<String>)]
    from: Option<String>,
    /// Until this instant, as `from`.
    #[param(value_type = Option<String>)]
    to: Option<String>,
    /// Entries older than this entry id (the `next` link sets it).
    #[param(value_type = Option<i64>)]
    before: Option<String>,
    /// Entries per page (default 100).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    /// `json` (default) or `csv`.
    #[param(value_type = Option<String>, pattern = "^(json|csv)$")]
    f: Option<String>,
}

enum Format {
    Json,
    Csv,
}

fn format(f: Option<&str>) -> Result<Format, ApiError> {
    match f.unwrap_or("json") {
        "json" => Ok(Format::Json),
        "csv" => Ok(Format::Csv),
        other => Err(ApiError::bad_parameter(
            "f",
            format!("f {other:?} is not one of: json csv"),
        )),
    }
}

fn id_param(name: &str, v: Option<&str>) -> Result<Option<i64>, ApiError> {
    v.map(|s| {
        s.trim().parse::<i64>().map_err(|_| {
            ApiError::bad_parameter(name, format!("{name} must be a whole number, got {s:?}"))
        })
    })
    .transpose()
}

/// An instant: RFC 3339, or a date meaning its start (UTC).
fn instant(name: &str, v: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    let Some(s) = v.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| Some(t.and_utc()))
        .ok_or_else(|| {
            ApiError::bad_parameter(
                name,
                format!("{name} must be a date (YYYY-MM-DD) or an RFC 3339 time, got {s:?}"),
            )
        })
}

fn short_text(name: &str, v: Option<&str>) -> Result<Option<String>, ApiError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) if s.len() > 200 => Err(ApiError::bad_parameter(
            name,
            format!("{name} is at most 200 bytes"),
        )),
        other => Ok(other.map(str::to_owned)),
    }
}

fn answer(
    entries: Vec<AuditEntry>,
    limit: usize,
    format: Format,
    path: &str,
    mut kept: Vec<(&str, String)>,
    file_name: &str,
) -> Result<Response, ApiError> {
    let next = (entries.len() == limit)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    Ok(match format {
        Format::Json => {
            let next_link = next.map(|before| {
                kept.push(("before", before.to_string()));
                format!(
                    "{path}{}",
                    query_string(kept.iter().map(|(k, v)| (*k, v.as_str())))
                )
            });
            axum::Json(Entries {
                entries,
                next: next_link,
            })
            .into_response()
        }
        Format::Csv => {
            let body = csv(&entries).map_err(|e| ApiError::Internal(e.to_string()))?;
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{file_name}\""),
                    ),
                ],
                body,
            )
                .into_response()
        }
    })
}

fn csv(entries: &[AuditEntry]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "id",
        "at",
        "actor",
        "account_id",
        "request_id",
        "action",
        "institution_id",
        "subject",
        "changes",
    ])?;
    for e in entries {
        w.write_record([
            e.id.to_string(),
            e.at.to_rfc3339(),
            e.actor.clone(),
            e.account_id.map(|a| a.to_string()).unwrap_or_default(),
            e.request_id.clone().unwrap_or_default(),
            e.action.clone(),
            e.institution_id.clone().unwrap_or_default(),
            e.subject.clone().unwrap_or_default(),
            e.changes.to_string(),
        ])?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// An institution's history, newest first
///
/// For officials who may edit the institution, and province officials and administrators.
#[utoipa::path(get, path = "/api/v1/institutions/{id}/history", tag = "officials",
    security(("apiToken" = []), ("sessionCookie" = [])),
    params(("id" = String, Path, description = "Institution id (slug)"), HistoryParams),
    responses(
        (status = 200, description = "a page of entries: JSON, or a CSV file with f=csv", content(
            (Entries = "application/json"), (String = "text/csv"))),
        (status = 400, description = "a bad id or parameter", body = ErrorBody),
        (status = 401, description = "not signed in, or an unknown, expired or revoked token", body = ErrorBody),
        (status = 403, description = "the account may not read this institution's history", body = ErrorBody),
        (status = 503, description = "no database (`NeedsDatabase`), or it does not answer", body = ErrorBody)))]
async fn institution_history(
    State(state): State<AppState>,
    official: Official,
    Path(id): Path<String>,
    Query(p): Query<HistoryParams>,
) -> Result<Response, ApiError> {
    let Some(pool) = &state.db else {
        return Err(ApiError::NeedsDatabase("the history"));
    };
    InstitutionId::parse(&id).map_err(|e| ApiError::bad_parameter("id", e.message))?;
    let format = format(p.f.as_deref())?;
    let allowed = official.account.may_read_audit_log()
        || state
            .index
            .current()
            .institution(&id)
            .is_some_and(|i| official.account.may_edit(i));
    if !allowed {
        return Err(ApiError::Forbidden(format!(
            "your account may not read the history of {id:?}"
        )));
    }
    let limit = params::limit(p.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT)?;
    let q = AuditQuery {
        institution_id: Some(id.clone()),
        before_id: id_param("before", p.before.as_deref())?,
        limit: limit as i64,
        ..AuditQuery::default()
    };
    let entries = audit::audit_entries(pool, &q).await?;
    let mut kept = vec![("limit", limit.to_string())];
    if let Some(f) = &p.f {
        kept.push(("f", f.clone()));
    }
    answer(
        entries,
        limit,
        format,
        &format!("/api/v1/institutions/{id}/history"),
        kept,
        &format!("history-{id}.csv"),
    )
}

/// The audit log, searchable, newest first (province officials and administrators)
#[utoipa::path(get, path = "/api/v1/audit", tag = "officials",
    security(("apiToken" = []), ("sessionCookie" = [])),
    params(AuditParams),
    responses(
        (status = 200, description = "a page of entries: JSON, or a CSV file with f=csv", content(
            (Entries = "application/json"), (String = "text/csv"))),
        (status = 400, description = "a bad parameter (named in `parameter`)", body = ErrorBody),
        (status = 401, description = "not signed in, or an unknown, expired or revoked token", body = ErrorBody),
        (status = 403, description = "the account does not read the audit log", body = ErrorBody),
        (status = 503, description = "no database (`NeedsDatabase`), or it does not answer", body = ErrorBody)))]
async fn audit_log(
    State(state): State<AppState>,
    official: Official,
    Query(p): Query<AuditParams>,
) -> Result<Response, ApiError> {
    let Some(pool) = &state.db else {
        return Err(ApiError::NeedsDatabase("the audit log"));
    };
    if !official.account.may_read_audit_log() {
        return Err(ApiError::Forbidden(
            "only province officials and administrators read the audit log".into(),
        ));
    }
    let format = format(p.f.as_deref())?;
    let limit = params::limit(p.limit.as_deref(), DEFAULT_LIMIT, MAX_LIMIT)?;
    let q = AuditQuery {
        account_id: None,
        actor: short_text("actor", p.actor.as_deref())?,
        institution_id: short_text("institution", p.institution.as_deref())?,
        action_prefix: short_text("action", p.action.as_deref())?,
        from: instant("from", p.from.as_deref())?,
        to: instant("to", p.to.as_deref())?,
        before_id: id_param("before", p.before.as_deref())?,
        limit: limit as i64,
    };
    let entries = audit::audit_entries(pool, &q).await?;
    let mut kept: Vec<(&str, String)> = vec![("limit", limit.to_string())];
    for (name, v) in [
        ("actor", &p.actor),
        ("institution", &p.institution),
        ("action", &p.action),
        ("from", &p.from),
        ("to", &p.to),
        ("f", &p.f),
    ] {
        if let Some(v) = v {
            kept.push((name, v.clone()));
        }
    }
    answer(
        entries,
        limit,
        format,
        "/api/v1/audit",
        kept,
        "audit-log.csv",
    )
}

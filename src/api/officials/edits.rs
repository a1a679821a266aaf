//! Editing institutions: `GET /api/v1/institutions/{id}/record` (the writable record
//! with its version as a strong ETag), `POST /api/v1/institutions` (create),
//! `PUT /api/v1/institutions/{id}` (replace; `If-Match` required) and
//! `POST /api/v1/institutions/{id}/retire` (gone from the map, kept in the history).
//!
//! The body is the record an import reads (the same field names, parsed by the same
//! `Institution::from_record`), so a field is valid here exactly when it is valid in a
//! file; errors name the field path (`programmes[2].level`). `updated_at` is the
//! server's clock, never the client's.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::BODY_LIMIT;
use crate::api::AppState;
use crate::api::edge::auth::Official;
use crate::api::edge::extract::{Json, Path};
use crate::api::profile::Links;
use crate::error::{ApiError, ErrorBody};
use crate::model::{Institution, InstitutionId, Programme, Record};
use crate::store::pg::edits;
use crate::store::{ImportError, StoreError};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create))
        .routes(routes!(replace))
        .routes(routes!(record))
        .routes(routes!(retire))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

/// The writable record: the flat fields an import reads (the names of
/// `data/institutions.geojson`'s properties, with `lon` and `lat`), and the programmes.
/// Parsed by `Institution::from_record`, which names every field at fault; `updated_at`
/// is refused (the server sets it). Shown here with the fields every record has; the
/// others (`code`, `name_en`, `address`, the administrative codes, contacts, readiness
/// figures, `source`...) are optional, and listed by `Institution::from_record`.
#[derive(ToSchema)]
#[allow(dead_code)]
struct RecordBody {
    /// The slug; on a replacement, the path's (or absent).
    id: String,
    name_vi: String,
    kind: crate::model::InstitutionKind,
    ownership: crate::model::Ownership,
    #[schema(minimum = -180, maximum = 180)]
    lon: f64,
    #[schema(minimum = -90, maximum = 90)]
    lat: f64,
    programmes: Vec<Programme>,
}

#[derive(Serialize, ToSchema)]
struct RecordAnswer {
    #[schema(value_type = Object)]
    record: Value,
    /// Also the strong ETag.
    version: i64,
    updated_at: DateTime<Utc>,
}

/// A saved institution: its version (also the strong ETag) and where to read it.
#[derive(Serialize, ToSchema)]
struct Saved {
    id: String,
    version: i64,
    links: Links,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RetireBody {
    /// Why the institution is retired (1 to 500 characters).
    #[schema(min_length = 1, max_length = 500)]
    reason: String,
}

fn pool(state: &AppState) -> Result<&sqlx::PgPool, ApiError> {
    state
        .db
        .as_ref()
        .ok_or(ApiError::NeedsDatabase("editing institutions"))
}

/// The strong ETag of a version.
fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("\"0\""))
}

/// The version an `If-Match` names: required for every change of an existing record.
fn if_match(headers: &HeaderMap) -> Result<i64, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Err(ApiError::PreconditionRequired(
            "send If-Match with the ETag of the version you edited (GET …/record gives it), \
             so that nobody's change is overwritten unseen"
                .into(),
        ));
    };
    value
        .to_str()
        .ok()
        .map(str::trim)
        .and_then(|v| v.strip_prefix('"')?.strip_suffix('"'))
        .and_then(|v| v.parse::<i64>().ok())
        .ok_or_else(|| {
            ApiError::PreconditionFailed(
                "If-Match must be one strong ETag such as \"3\" (not *, not a list)".into(),
            )
        })
}

/// The writable record: the flat fields and the programmes, as an import reads them.
fn writable(i: &Institution) -> Value {
    let mut m = i.to_flat();
    m.remove("updated_at");
    m.insert(
        "programmes".into(),
        Value::Array(i.programmes.iter().map(Programme::to_json).collect()),
    );
    Value::Object(m)
}

/// The writable record of an institution, with its version as a strong ETag
#[utoipa::path(get, path = "/api/v1/institutions/{id}/record", tag = "officials",
    params(("id" = String, Path, description = "Institution id (slug)")),
    responses(
        (status = 200, description = "the record, its version and when it was last changed", body = RecordAnswer,
            headers(("ETag" = String, description = "the version, quoted"))),
        (status = 400, description = "the id cannot be an institution's", body = ErrorBody),
        (status = 404, description = "no institution has this id", body = ErrorBody)))]
async fn record(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let index = state.index.current();
    let inst = crate::api::profile::find(&index, &id)?;
    let mut r = axum::Json(RecordAnswer {
        record: writable(inst),
        version: inst.version,
        updated_at: inst.updated_at,
    })
    .into_response();
    r.headers_mut().insert(header::ETAG, etag(inst.version));
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(r)
}

/// Parses a body into an institution with the import's parser. `id` comes from the path
/// for a replacement (a different one in the body is an error).
fn parse(mut body: Map<String, Value>, path_id: Option<&str>) -> Result<Institution, ApiError> {
    let field = |f: &str, m: &str| ImportError {
        location: None,
        record: None,
        field: Some(f.into()),
        message: m.into(),
        unlisted: 0,
    };
    if body.contains_key("updated_at") {
        return Err(StoreError::Invalid(vec![field(
            "updated_at",
            "is set by the server when the change is saved",
        )])
        .into());
    }
    if let Some(id) = path_id {
        match body.get("id") {
            None => {
                body.insert("id".into(), Value::String(id.to_owned()));
            }
            Some(Value::String(s)) if s == id => {}
            Some(_) => {
                return Err(StoreError::Invalid(vec![field(
                    "id",
                    "differs from the institution in the URL; an id never changes",
                )])
                .into());
            }
        }
    }
    body.insert(
        "updated_at".into(),
        Value::String(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
    );
    Institution::from_record(&Record::new(body)).map_err(|errors| {
        StoreError::Invalid(
            errors
                .0
                .into_iter()
                .map(|e| field(&e.field, &e.message))
                .collect(),
        )
        .into()
    })
}

/// Read-your-writes on this server: the index is brought to the committed version before
/// the answer goes out (other servers follow by NOTIFY).
async fn catch_up(state: &AppState) {
    if let Some(keeper) = &state.keeper {
        keeper.catch_up().await;
    }
}

fn saved(status: StatusCode, id: &str, version: i64) -> Response {
    let mut r = (
        status,
        axum::Json(Saved {
            id: id.to_owned(),
            version,
            links: crate::api::profile::links(id),
        }),
    )
        .into_response();
    r.headers_mut().insert(header::ETAG, etag(version));
    if status == StatusCode::CREATED
        && let Ok(l) = HeaderValue::from_str(&format!("/api/v1/institutions/{id}"))
    {
        r.headers_mut().insert(header::LOCATION, l);
    }
    r
}

/// Create an institution
#[utoipa::path(post, path = "/api/v1/institutions", tag = "officials", operation_id = "createInstitution",
    security(("apiToken" = []), ("sessionCookie" = [], "csrfToken" = [])),
    request_body = RecordBody,
    responses(
        (status = 201, description = "created; Location names its profile", body = Saved,
            headers(("ETag" = String, description = "the version, quoted"), ("Location" = String))),
        (status = 400, description = "InvalidData: errors by field", body = ErrorBody),
        (status = 401, description = "not signed in, or an unknown, expired or revoked token", body = ErrorBody),
        (status = 403, description = "the CSRF token is missing, or the account may not create institutions (there)", body = ErrorBody),
        (status = 409, description = "the id is taken", body = ErrorBody),
        (status = 415, description = "the body is not declared application/json", body = ErrorBody),
        (status = 503, description = "no database (`NeedsDatabase`), or it does not answer", body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    official: Official,
    Json(body): Json<Map<String, Value>>,
) -> Result<Response, ApiError> {
    let pool = pool(&state)?;
    if !official.account.may_create_institutions() {
        return Err(ApiError::Forbidden(
            "your account may not create institutions".into(),
        ));
    }
    let new = parse(body, None)?;
    if !official.account.may_edit(&new) {
        return Err(ApiError::Forbidden(
            "the new institution would be outside your account's areas".into(),
        ));
    }
    let version = edits::create_institution(pool, &new, &official.actor).await?;
    catch_up(&state).await;
    Ok(saved(StatusCode::CREATED, new.id.as_str(), version))
}

/// Replace an institution's record (If-Match required)
#[utoipa::path(put, path = "/api/v1/institutions/{id}", tag = "officials",
    security(("apiToken" = []), ("sessionCookie" = [], "csrfToken" = [])),
    params(("id" = String, Path, description = "Institution id (slug)"),
        ("If-Match" = String, Header, description = "The ETag of the version edited (GET …/record)")),
    request_body = RecordBody,
    responses(
        (status = 200, description = "saved", body = Saved,
            headers(("ETag" = String, description = "the new version, quoted"))),
        (status = 400, description = "a bad id, or InvalidData: errors by field", body = ErrorBody),
        (status = 401, description = "not signed in, or an unknown, expired or revoked token", body = ErrorBody),
        (status = 403, description = "the CSRF token is missing, or the institution is outside the account's scope", body = ErrorBody),
        (status = 404, description = "no such institution", body = ErrorBody),
        (status = 412, description = "the record changed since that version (`current_version` and the ETag say which is stored), or If-Match is malformed", body = ErrorBody),
        (status = 415, description = "the body is not declared application/json", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
        (status = 503, description = "no database (`NeedsDatabase`), or it does not answer", body = ErrorBody)))]
async fn replace(
    State(state): State<AppState>,
    official: Official,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Map<String, Value>>,
) -> Result<Response, ApiError> {
    let pool = pool(&state)?;
    InstitutionId::parse(&id).map_err(|e| ApiError::bad_parameter("id", e.message))?;
    let expected = if_match(&headers)?;
    let new = parse(body, Some(&id))?;
    if !official.account.may_edit(&new) {
        return Err(ApiError::Forbidden(
            "the edited institution would be outside your account's scope".into(),
        ));
    }
    let account = official.account.clone();
    let permitted = move |stored: &Institution| account.may_edit(stored);
    let version =
        edits::update_institution(pool, &new, expected, &permitted, &official.actor).await?;
    catch_up(&state).await;
    Ok(saved(StatusCode::OK, &id, version))
}

/// Retire an institution: gone from the map, kept in the history (If-Match required)
#[utoipa::path(post, path = "/api/v1/institutions/{id}/retire", tag = "officials",
    security(("apiToken" = []), ("sessionCookie" = [], "csrfToken" = [])),
    params(("id" = String, Path, description = "Institution id (slug)"),
        ("If-Match" = String, Header, description = "The ETag of the version read")),
    request_body = RetireBody,
    responses(
        (status = 200, description = "retired", body = Saved),
        (status = 400, description = "a bad id or reason", body = ErrorBody),
        (status = 401, description = "not signed in, or an unknown, expired or revoked token", body = ErrorBody),
        (status = 403, description = "the CSRF token is missing, or the institution is outside the account's scope", body = ErrorBody),
        (status = 404, description = "no such institution", body = ErrorBody),
        (status = 409, description = "already retired", body = ErrorBody),
        (status = 412, description = "the record changed since that version, or If-Match is malformed", body = ErrorBody),
        (status = 415, description = "the body is not declared application/json", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
        (status = 503, description = "no database (`NeedsDatabase`), or it does not answer", body = ErrorBody)))]
async fn retire(
    State(state): State<AppState>,
    official: Official,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<RetireBody>,
) -> Result<Response, ApiError> {
    let pool = pool(&state)?;
    InstitutionId::parse(&id).map_err(|e| ApiError::bad_parameter("id", e.message))?;
    let expected = if_match(&headers)?;
    let reason = body.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ApiError::bad_parameter(
            "reason",
            "say why the institution is retired (1 to 500 characters)",
        ));
    }
    let account = official.account.clone();
    let permitted = move |stored: &Institution| account.may_edit(stored);
    let version =
        edits::retire_institution(pool, &id, expected, reason, &permitted, &official.actor).await?;
    catch_up(&state).await;
    Ok(saved(StatusCode::OK, &id, version))
}

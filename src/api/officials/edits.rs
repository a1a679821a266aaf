//! Editing institutions: `GET /api/v1/institutions/{id}/record` (the writable record
//! with its version as a strong ETag), `POST /api/v1/institutions` (create),
//! `PUT /api/v1/institutions/{id}` (replace; `If-Match` required) and
//! `POST /api/v1/institutions/{id}/retire` (gone from the map, kept in the history).
//!
//! The body is the record an import reads (the same field names, parsed by the same
//! `Institution::from_record`), so a field is valid here exactly when it is valid in a
//! file; errors name the field path (`programmes[2].level`). `updated_at` is the
//! server's clock, never the client's.

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::BODY_LIMIT;
use crate::api::AppState;
use crate::api::edge::auth::Official;
use crate::api::edge::extract::{Json, Path};
use crate::error::ApiError;
use crate::model::{Institution, InstitutionId, Programme, Record};
use crate::store::pg::edits;
use crate::store::{ImportError, StoreError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/institutions", post(create))
        .route("/api/v1/institutions/{id}", put(replace))
        .route("/api/v1/institutions/{id}/record", get(record))
        .route("/api/v1/institutions/{id}/retire", post(retire))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
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

async fn record(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let index = state.index.current();
    let inst = crate::api::profile::find(&index, &id)?;
    let mut r = axum::Json(json!({
        "record": writable(inst),
        "version": inst.version,
        "updated_at": inst.updated_at,
    }))
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
        axum::Json(json!({
            "id": id,
            "version": version,
            "links": crate::api::profile::links(id),
        })),
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RetireBody {
    reason: String,
}

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

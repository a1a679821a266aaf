//! Officials' credential writes, each as a signed-in account (`Official`: a personal API
//! token, or a session cookie with its CSRF token) and within its scope, each recorded in
//! the audit log with who and which request:
//!
//! - `POST /api/v1/credentials/batches`: a `credentials.csv` batch creates credentials,
//!   all or nothing; every row must be of an institution the account manages;
//! - `POST /api/v1/credentials/revocations`: revoke one, with a reason;
//! - `POST /api/v1/credentials/reinstatements`: undo a mistaken revocation (province
//!   officials and administrators only).

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};

use super::RateLimited;
use crate::api::AppState;
use crate::api::edge::auth::Official;
use crate::api::edge::extract;
use crate::credentials::revocation::{CredentialKey, Reinstatement, Revocation, today_in_viet_nam};
use crate::credentials::upload::scope_refusal;
use crate::error::ApiError;
use crate::model::{CredentialStatus, FieldError};
use crate::store::files::{self, Batch, FileKind};
use crate::store::{StoreError, pg};

/// A revocation or reinstatement: a few identifiers and a reason of at most 500
/// characters (2,000 bytes of UTF-8) fit with room to spare.
const STATUS_BODY_LIMIT: usize = 8 * 1024;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        // A batch may be large: the server-wide body limit (VETMAP_MAX_BODY_BYTES)
        // applies instead of axum's 2 MB default.
        .route(
            "/api/v1/credentials/batches",
            post(upload_batch).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/api/v1/credentials/revocations",
            post(revoke).layer(DefaultBodyLimit::max(STATUS_BODY_LIMIT)),
        )
        .route(
            "/api/v1/credentials/reinstatements",
            post(reinstate).layer(DefaultBodyLimit::max(STATUS_BODY_LIMIT)),
        )
}

fn pool(state: &AppState) -> Result<&sqlx::PgPool, ApiError> {
    state
        .db
        .as_ref()
        .ok_or(ApiError::NeedsDatabase("writing credentials"))
}

/// A batch of `credentials.csv` rows. The rate limit and the account come from the
/// headers alone, before the body (up to VETMAP_MAX_BODY_BYTES) is read: extractors run
/// in this order, and `Bytes` is the only one that reads the body. Uploads share the
/// per-client rate limit of the credential endpoints.
async fn upload_batch(
    _: RateLimited,
    official: Official,
    State(state): State<AppState>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let pool = pool(&state)?;
    // Parsing and validating a batch of up to VETMAP_MAX_BODY_BYTES is CPU work: off the
    // async workers, so other requests keep being served meanwhile.
    let batch = tokio::task::spawn_blocking(move || {
        files::read_bytes("upload.csv", &body, Some(FileKind::Credentials))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("the batch parser stopped: {e}")))?
    .map_err(StoreError::Invalid)?;
    let Batch::Credentials(rows) = batch else {
        return Err(ApiError::Internal(
            "a credentials file was read as another kind".into(),
        ));
    };
    // A 403, not a 400 naming the lines as data errors: no edit of those rows would make
    // them this account's to upload, and a script should tell "not allowed" from
    // "fix the file". The message still names each institution and its lines.
    if let Some(why) = scope_refusal(&official.account, &rows) {
        return Err(ApiError::Forbidden(why));
    }
    let summary = pg::credentials::upload(pool, &rows, &official.actor).await?;
    let total =
        |f: fn(&pg::credentials::UploadCounts) -> usize| -> usize { summary.values().map(f).sum() };
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "imported": rows.len(),
            "created": total(|c| c.created),
            "already_stored": total(|c| c.already_stored),
            "institutions": summary,
        })),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevocationBody {
    institution_id: String,
    kind: String,
    serial: String,
    /// Optional here so that its absence gets the same clear refusal as an empty one.
    reason: Option<String>,
    revoked_on: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReinstatementBody {
    institution_id: String,
    kind: String,
    serial: String,
    reason: Option<String>,
}

/// A refused field, answered as the officials' other writes answer one: 400
/// `InvalidData` with `errors: [{field, message}]`.
fn invalid(e: FieldError) -> ApiError {
    pg::credentials::field_refusal(e).into()
}

/// Revokes a credential of an institution the account manages. The scope is checked
/// before the record is looked up, so a 404 tells only an official who may manage the
/// institution's credentials whether a serial exists there.
async fn revoke(
    State(state): State<AppState>,
    official: Official,
    extract::Json(body): extract::Json<RevocationBody>,
) -> Result<Json<Value>, ApiError> {
    let pool = pool(&state)?;
    let key =
        CredentialKey::parse(&body.institution_id, &body.kind, &body.serial).map_err(invalid)?;
    if !official
        .account
        .may_manage_credentials_of(&key.institution_id)
    {
        return Err(ApiError::Forbidden(format!(
            "your account may not revoke credentials of institution {:?}",
            key.institution_id.as_str()
        )));
    }
    let today = today_in_viet_nam(Utc::now());
    let revocation = Revocation::parse(
        key,
        body.reason.as_deref(),
        body.revoked_on.as_deref(),
        today,
    )
    .map_err(invalid)?;
    let status = pg::credentials::revoke(pool, &revocation, &official.actor).await?;
    Ok(Json(answer(&revocation.key, &status)))
}

/// Undoes a mistaken revocation: the province's call alone, whatever the institution.
async fn reinstate(
    State(state): State<AppState>,
    official: Official,
    extract::Json(body): extract::Json<ReinstatementBody>,
) -> Result<Json<Value>, ApiError> {
    let pool = pool(&state)?;
    if !official.account.may_reinstate_credentials() {
        return Err(ApiError::Forbidden(
            "only province officials and administrators reinstate a revoked credential".into(),
        ));
    }
    let key =
        CredentialKey::parse(&body.institution_id, &body.kind, &body.serial).map_err(invalid)?;
    let reinstatement = Reinstatement::parse(key, body.reason.as_deref()).map_err(invalid)?;
    let status = pg::credentials::reinstate(pool, &reinstatement, &official.actor).await?;
    Ok(Json(answer(&reinstatement.key, &status)))
}

/// The credential's new status, as a verifier would now see it (no holder data).
fn answer(key: &CredentialKey, status: &CredentialStatus) -> Value {
    let mut v = json!({
        "institution_id": key.institution_id.as_str(),
        "kind": key.kind,
        "serial": key.serial,
    });
    match status {
        CredentialStatus::Valid => v["status"] = json!("valid"),
        CredentialStatus::Revoked { on, reason } => {
            v["status"] = json!("revoked");
            v["revocation"] = json!({"date": on, "reason": reason});
        }
    }
    v
}

/// How officials authenticate, for the OpenAPI document's `components`: a personal API
/// token, or the session cookie together with the session's CSRF token.
pub fn openapi_security_schemes() -> Value {
    json!({
        "apiToken": {"type": "http", "scheme": "bearer", "bearerFormat": "vmt_…",
            "description": "A personal API token (POST /api/v1/tokens from a signed-in session); needs no CSRF token"},
        "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "vetmap_session",
            "description": "The session cookie set by POST /api/v1/session"},
        "csrfToken": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token",
            "description": "The session's CSRF token (in the sign-in answer), required with the cookie on every write"},
    })
}

/// This group's OpenAPI `paths`.
pub(super) fn openapi_paths() -> Value {
    let security = json!([{"apiToken": []}, {"sessionCookie": [], "csrfToken": []}]);
    let key = json!({
        "institution_id": {"type": "string"},
        "kind": {"type": "string", "enum": ["college_diploma", "intermediate_diploma", "elementary_certificate"]},
        "serial": {"type": "string", "maxLength": 32},
        "reason": {"type": "string", "minLength": 1, "maxLength": 500,
            "description": "why; must not name the holder or give their date of birth"},
    });
    let mut revocation = key.clone();
    revocation["revoked_on"] = json!({"type": "string", "format": "date",
        "description": "default today (in Viet Nam); not in the future nor before the issue date"});
    revocation["reason"]["description"] = json!(
        "why; shown to everyone who verifies the credential, so it must not name the holder or give their date of birth"
    );
    let body = |properties: Value| {
        json!({"required": true, "content": {"application/json": {"schema": {
            "type": "object", "additionalProperties": false,
            "required": ["institution_id", "kind", "serial", "reason"],
            "properties": properties}}}})
    };
    let common = json!({
        "400": {"description": "InvalidData: errors by field"},
        "401": {"description": "not signed in, or an unknown, expired or revoked token"},
        "404": {"description": "the institution has no credential of this kind with this serial"},
        "409": {"description": "the credential already has that status"},
        "415": {"description": "the body is not declared application/json"},
        "503": {"description": "no database"}});
    let mut revoke_responses = common.clone();
    revoke_responses["200"] = json!({"description": "revoked; the status lists show it at once"});
    revoke_responses["403"] = json!({"description": "the CSRF token is missing, or the account does not manage this institution's credentials"});
    let mut reinstate_responses = common;
    reinstate_responses["200"] = json!({"description": "valid again"});
    reinstate_responses["403"] = json!({"description": "the CSRF token is missing, or the account is not a province official or administrator"});
    json!({
        "/api/v1/credentials/batches": {"post": {
            "summary": "Officials upload a credentials.csv batch that creates credentials, all or nothing",
            "description": "Every row must be of an institution the account manages. A row whose credential is stored identically writes nothing; one that would change an issued credential, or its revocation status, is refused at its line (revoking and reinstating have their own endpoints).",
            "security": security,
            "requestBody": {"required": true, "content": {"text/csv": {}}},
            "responses": {"201": {"description": "created; counts per institution"},
                "400": {"description": "InvalidData: errors by line and field; nothing written"},
                "401": {"description": "not signed in, or an unknown, expired or revoked token (answered before the body is read)"},
                "403": {"description": "the CSRF token is missing, or rows of institutions the account does not manage (named with their lines); nothing written"},
                "413": {"description": "over VETMAP_MAX_BODY_BYTES"},
                "429": {"description": "rate limit reached; see Retry-After"},
                "503": {"description": "no database"}}}},
        "/api/v1/credentials/revocations": {"post": {
            "summary": "Revoke a credential of an institution the account manages, with a reason",
            "security": security,
            "requestBody": body(revocation),
            "responses": revoke_responses}},
        "/api/v1/credentials/reinstatements": {"post": {
            "summary": "Undo a mistaken revocation (province officials and administrators)",
            "security": security,
            "requestBody": body(key),
            "responses": reinstate_responses}},
    })
}

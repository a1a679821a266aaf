//! Officials' credential writes, each as a signed-in account (`Official`: a personal API
//! token, or a session cookie with its CSRF token) and within its scope, each recorded in
//! the audit log with who and which request:
//!
//! - `POST /api/v1/credentials/batches`: a `credentials.csv` batch creates credentials,
//!   all or nothing; every row must be of an institution the account manages;
//! - `POST /api/v1/credentials/revocations`: revoke one, with a reason;
//! - `POST /api/v1/credentials/reinstatements`: undo a mistaken revocation (province
//!   officials and administrators only).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::router::UtoipaMethodRouterExt;
use utoipa_axum::routes;

use super::{RateLimited, RevocationSeen};
use crate::api::AppState;
use crate::api::edge::auth::Official;
use crate::api::edge::extract;
use crate::credentials::revocation::{CredentialKey, Reinstatement, Revocation, today_in_viet_nam};
use crate::credentials::upload::scope_refusal;
use crate::error::{ApiError, ErrorBody};
use crate::model::{CredentialKind, CredentialStatus, FieldError};
use crate::store::files::{self, Batch, FileKind};
use crate::store::{StoreError, pg};

/// A revocation or reinstatement: a few identifiers and a reason of at most 500
/// characters (2,000 bytes of UTF-8) fit with room to spare.
const STATUS_BODY_LIMIT: usize = 8 * 1024;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        // A batch may be large: the server-wide body limit (VETMAP_MAX_BODY_BYTES)
        // applies instead of axum's 2 MB default.
        .routes(routes!(upload_batch).layer(DefaultBodyLimit::disable()))
        .routes(routes!(revoke).layer(DefaultBodyLimit::max(STATUS_BODY_LIMIT)))
        .routes(routes!(reinstate).layer(DefaultBodyLimit::max(STATUS_BODY_LIMIT)))
}

/// What a batch did.
#[derive(Serialize, ToSchema)]
struct Uploaded {
    /// Rows in the batch.
    imported: usize,
    created: usize,
    already_stored: usize,
    /// By institution id.
    #[schema(value_type = std::collections::BTreeMap<String, pg::credentials::UploadCounts>)]
    institutions: pg::credentials::UploadSummary,
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
/// Officials upload a credentials.csv batch that creates credentials, all or nothing
///
/// Every row must be of an institution the account manages. A row whose credential is
/// stored identically writes nothing; one that would change an issued credential, or its
/// revocation status, is refused at its line (revoking and reinstating have their own
/// endpoints). The rate limit and the account are checked before the body is read.
#[utoipa::path(post, path = "/api/v1/credentials/batches", tag = "credentials",
    security(("apiToken" = []), ("sessionCookie" = [], "csrfToken" = [])),
    request_body(content = String, content_type = "text/csv", description = "a credentials.csv file"),
    responses(
        (status = 201, description = "created; counts per institution", body = Uploaded),
        (status = 400, description = "InvalidData: errors by line and field; nothing written", body = ErrorBody),
        (status = 401, description = "not signed in, or an unknown, expired or revoked token", body = ErrorBody),
        (status = 403, description = "the CSRF token is missing, or rows of institutions the account does not manage (named with their lines); nothing written", body = ErrorBody),
        (status = 429, description = "rate limit reached; see Retry-After", body = ErrorBody),
        (status = 503, description = "no database (`NeedsDatabase`), or it does not answer", body = ErrorBody)))]
async fn upload_batch(
    _: RateLimited,
    official: Official,
    State(state): State<AppState>,
    body: Bytes,
) -> Result<(StatusCode, Json<Uploaded>), ApiError> {
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
        Json(Uploaded {
            imported: rows.len(),
            created: total(|c| c.created),
            already_stored: total(|c| c.already_stored),
            institutions: summary,
        }),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct RevocationBody {
    institution_id: String,
    #[schema(value_type = CredentialKind)]
    kind: String,
    #[schema(max_length = 32)]
    serial: String,
    /// Why; shown to everyone who verifies the credential, so it must not name the
    /// holder or give their date of birth. 1 to 500 characters. Optional here so that
    /// its absence gets the same clear refusal as an empty one.
    #[schema(required = true, min_length = 1, max_length = 500)]
    reason: Option<String>,
    /// Default today (in Viet Nam); not in the future nor before the issue date.
    #[schema(format = Date)]
    revoked_on: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ReinstatementBody {
    institution_id: String,
    #[schema(value_type = CredentialKind)]
    kind: String,
    #[schema(max_length = 32)]
    serial: String,
    /// Why (1 to 500 characters); must not name the holder or give their date of birth.
    #[schema(required = true, min_length = 1, max_length = 500)]
    reason: Option<String>,
}

/// A credential's status after a revocation or reinstatement (no holder data).
#[derive(Serialize, ToSchema)]
struct StatusNow {
    institution_id: String,
    kind: CredentialKind,
    serial: String,
    #[schema(value_type = String, pattern = "^(valid|revoked)$")]
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    revocation: Option<RevocationSeen>,
}

/// A refused field, answered as the officials' other writes answer one: 400
/// `InvalidData` with `errors: [{field, message}]`.
fn invalid(e: FieldError) -> ApiError {
    pg::credentials::field_refusal(e).into()
}

/// Revoke a credential of an institution the account manages, with a reason
///
/// The scope is checked
/// before the record is looked up, so a 404 tells only an official who may manage the
/// institution's credentials whether a serial exists there.
#[utoipa::path(post, path = "/api/v1/credentials/revocations", tag = "credentials", operation_id = "revokeCredential",
    security(("apiToken" = []), ("sessionCookie" = [], "csrfToken" = [])),
    request_body = RevocationBody,
    responses(
        (status = 200, description = "revoked; the status lists show it at once", body = StatusNow),
        (status = 400, description = "InvalidData: errors by field", body = ErrorBody),
        (status = 401, description = "not signed in, or an unknown, expired or revoked token", body = ErrorBody),
        (status = 403, description = "the CSRF token is missing, or the account does not manage this institution's credentials", body = ErrorBody),
        (status = 404, description = "the institution has no credential of this kind with this serial", body = ErrorBody),
        (status = 409, description = "the credential is already revoked", body = ErrorBody),
        (status = 415, description = "the body is not declared application/json", body = ErrorBody),
        (status = 503, description = "no database (`NeedsDatabase`), or it does not answer", body = ErrorBody)))]
async fn revoke(
    State(state): State<AppState>,
    official: Official,
    extract::Json(body): extract::Json<RevocationBody>,
) -> Result<Json<StatusNow>, ApiError> {
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

/// Undo a mistaken revocation (province officials and administrators)
///
/// The province's call alone, whatever the institution.
#[utoipa::path(post, path = "/api/v1/credentials/reinstatements", tag = "credentials",
    security(("apiToken" = []), ("sessionCookie" = [], "csrfToken" = [])),
    request_body = ReinstatementBody,
    responses(
        (status = 200, description = "valid again", body = StatusNow),
        (status = 400, description = "InvalidData: errors by field", body = ErrorBody),
        (status = 401, description = "not signed in, or an unknown, expired or revoked token", body = ErrorBody),
        (status = 403, description = "the CSRF token is missing, or the account is not a province official or administrator", body = ErrorBody),
        (status = 404, description = "the institution has no credential of this kind with this serial", body = ErrorBody),
        (status = 409, description = "the credential is not revoked", body = ErrorBody),
        (status = 415, description = "the body is not declared application/json", body = ErrorBody),
        (status = 503, description = "no database (`NeedsDatabase`), or it does not answer", body = ErrorBody)))]
async fn reinstate(
    State(state): State<AppState>,
    official: Official,
    extract::Json(body): extract::Json<ReinstatementBody>,
) -> Result<Json<StatusNow>, ApiError> {
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
fn answer(key: &CredentialKey, status: &CredentialStatus) -> StatusNow {
    let (status, revocation) = match status {
        CredentialStatus::Valid => ("valid", None),
        CredentialStatus::Revoked { on, reason } => (
            "revoked",
            Some(RevocationSeen {
                date: *on,
                reason: reason.clone(),
            }),
        ),
    };
    StatusNow {
        institution_id: key.institution_id.as_str().to_owned(),
        kind: key.kind,
        serial: key.serial.clone(),
        status,
        revocation,
    }
}

//! Credential verification over HTTP: `POST /api/v1/credentials/verify`, signed
//! statements and their QR codes behind opaque tokens, the JWKS, the revocation status
//! lists, per-institution counts; and ([`writes`]) officials' batch uploads, revocations
//! and reinstatements.
//!
//! Nothing here logs a request's content, and no URL carries a serial or a name: the
//! check is a POST, statements are named by tokens.

use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::router::UtoipaMethodRouterExt;
use utoipa_axum::routes;

use super::AppState;
use super::edge::client::ClientAddr;
use super::edge::extract::{JsonContentType, Path};
use crate::credentials::jws::Jwks;
use crate::credentials::statement::{self, MEDIA_TYPE};
use crate::credentials::{
    Disclosure, StoredCredential, VerifyRequest, credential_counts, find_match, qr, status_list,
};
use crate::error::{ApiError, ErrorBody};
use crate::model::{CredentialStatus, InstitutionId};

mod writes;

/// Largest verification request: a serial, a date and a name fit in far less.
const VERIFY_BODY_LIMIT: usize = 2 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(verify).layer(DefaultBodyLimit::max(VERIFY_BODY_LIMIT)))
        .routes(routes!(statement_jws))
        .routes(routes!(qr_svg))
        .routes(routes!(qr_png))
        .routes(routes!(status_list_jws))
        .routes(routes!(institution_counts))
        .routes(routes!(jwks))
        .merge(writes::router())
}

/// Admits the request if its client is within its rate limit; answers 429 with
/// Retry-After otherwise. Used as the first extractor, so a refused body is not even read.
pub struct RateLimited;

impl FromRequestParts<AppState> for RateLimited {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Ok(ClientAddr(client)) = ClientAddr::from_request_parts(parts, state).await;
        match state.credentials.limiter.check(client) {
            Ok(()) => Ok(RateLimited),
            Err(wait) => {
                let secs = retry_after_secs(wait);
                Err(ApiError::TooManyRequests(
                    format!("too many credential requests from this client; retry in {secs} s"),
                    secs,
                ))
            }
        }
    }
}

/// Whole seconds to wait, rounded up, at least one.
fn retry_after_secs(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

/// What a verifier asks (parsed by `credentials::VerifyRequest::parse`).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct VerifyBody {
    /// Số hiệu: the serial printed on the document: 3 to 32 letters, digits, spaces,
    /// '-' or '/' (any case; runs of spaces count as one).
    #[schema(pattern = "^[A-Za-z0-9 /-]{3,32}$")]
    serial: String,
    /// The holder's date of birth, YYYY-MM-DD.
    #[schema(format = Date)]
    birth_date: String,
    /// The holder's name, compared without diacritics (optional).
    #[serde(default)]
    #[schema(max_length = 100)]
    holder_name: Option<String>,
}

/// The answer of a check: `valid` (with the signed statement's links), `revoked` (with
/// the revocation) or `not_found` (an unknown serial and a wrong second factor alike,
/// with nothing else).
#[derive(Serialize, ToSchema)]
struct Verification {
    #[schema(value_type = String, pattern = "^(valid|revoked|not_found)$")]
    result: &'static str,
    /// A demonstration record (serial `DEMO-…`, the bundled data): never a real
    /// credential. Absent from `not_found` answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    demonstration: Option<bool>,
    /// Why a demonstration record is not a credential, in both languages.
    #[serde(skip_serializing_if = "Option::is_none")]
    notice: Option<Notice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    credential: Option<Disclosure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    institution: Option<Issuer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    statement: Option<Statement>,
    #[serde(skip_serializing_if = "Option::is_none")]
    revocation: Option<RevocationSeen>,
}

impl Verification {
    fn not_found() -> Self {
        Verification {
            result: "not_found",
            demonstration: None,
            notice: None,
            credential: None,
            institution: None,
            statement: None,
            revocation: None,
        }
    }
}

/// A notice in both languages.
#[derive(Serialize, ToSchema)]
struct Notice {
    vi: &'static str,
    en: &'static str,
}

/// The issuing institution, as the map knows it.
#[derive(Serialize, ToSchema)]
struct Issuer {
    id: InstitutionId,
    /// Null when the institution is not on the map.
    name_vi: Option<String>,
    name_en: Option<String>,
    links: IssuerLinks,
}

#[derive(Serialize, ToSchema)]
struct IssuerLinks {
    profile: String,
    html: String,
    map: String,
}

#[derive(Serialize, ToSchema)]
struct Statement {
    /// Names the statement in URLs (never the serial).
    token: String,
    links: StatementLinks,
}

#[derive(Serialize, ToSchema)]
struct StatementLinks {
    jws: String,
    qr_svg: String,
    qr_png: String,
    check_page: String,
}

/// A revocation as a verifier sees it.
#[derive(Serialize, ToSchema)]
pub struct RevocationSeen {
    pub date: NaiveDate,
    pub reason: String,
}

/// Check a diploma or certificate by serial and the holder's date of birth
///
/// A body that is not declared JSON is refused at once (415, by `JsonContentType`, before
/// the body is read): no lookup happened, so there is no lookup time to hide behind the
/// floor, and the refusal depends only on a header the client wrote. Every other answer
/// waits for the same time floor.
#[utoipa::path(post, path = "/api/v1/credentials/verify", tag = "credentials",
    request_body = VerifyBody,
    responses(
        (status = 200, description = "`result` is valid, revoked or not_found (an unknown serial and a wrong second factor answer alike)", body = Verification),
        (status = 400, description = "a malformed request", body = ErrorBody),
        (status = 413, description = "a body over 2 KiB", body = ErrorBody),
        (status = 415, description = "the body is not declared application/json", body = ErrorBody),
        (status = 429, description = "rate limit reached, for this client or for this serial (the same answer whether the serial exists or not); see Retry-After", body = ErrorBody,
            headers(("Retry-After" = u64, description = "seconds to wait")))))]
async fn verify(
    _: RateLimited,
    _: JsonContentType,
    State(state): State<AppState>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<Verification>, ApiError> {
    let answer_at = tokio::time::Instant::now() + state.credentials.answer_floor;
    let answer = verify_answer(&state, body).await;
    // Found, not found and errors alike: the lookup's own time does not show.
    tokio::time::sleep_until(answer_at).await;
    answer
}

async fn verify_answer(
    state: &AppState,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<Verification>, ApiError> {
    let body = body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(format!(
            "a verification request is at most {VERIFY_BODY_LIMIT} bytes"
        )),
        _ => ApiError::BadRequest {
            parameter: None,
            description: "unreadable request body".into(),
        },
    })?;
    let parsed: VerifyBody = serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest {
        parameter: None,
        description: format!(
            "the body must be JSON {{\"serial\", \"birth_date\" (YYYY-MM-DD), \"holder_name\" (optional)}}: {e}"
        ),
    })?;
    let request = VerifyRequest::parse(
        &parsed.serial,
        &parsed.birth_date,
        parsed.holder_name.as_deref(),
    )?;
    // Before the lookup, so a known and an unknown serial spend attempts alike, and with
    // the same words for both (the wait is in Retry-After).
    if let Err(wait) = state.credentials.serial_limiter.check(&request.serial) {
        return Err(ApiError::TooManyRequests(
            "too many attempts to verify this serial number; retry after the time in Retry-After"
                .into(),
            retry_after_secs(wait),
        ));
    }
    let candidates = state.credentials.source.by_serial(&request.serial).await?;
    let Some(found) = find_match(&candidates, &request) else {
        // The same body for an unknown serial and a wrong second factor.
        return Ok(Json(Verification::not_found()));
    };
    Ok(Json(verification(state, found)))
}

fn verification(state: &AppState, found: &StoredCredential) -> Verification {
    let c = &found.credential;
    let id = c.institution_id.as_str();
    let index = state.index.current();
    let institution = index.institution(id);
    let demonstration = crate::credentials::demonstration::is_demonstration(c);
    let mut answer = Verification {
        result: "valid",
        // A demonstration record (serial DEMO-…) is never a real credential: said first.
        demonstration: Some(demonstration),
        notice: demonstration.then_some(Notice {
            vi: crate::credentials::demonstration::NOTICE_VI,
            en: crate::credentials::demonstration::NOTICE_EN,
        }),
        credential: Some(Disclosure::of(c)),
        institution: Some(Issuer {
            id: c.institution_id.clone(),
            name_vi: institution.map(|i| i.name_vi().to_string()),
            name_en: institution.and_then(|i| i.name_en().map(str::to_owned)),
            links: IssuerLinks {
                profile: format!("/api/v1/institutions/{id}"),
                html: format!("/institutions/{id}"),
                map: format!("/?institution={id}"),
            },
        }),
        statement: None,
        revocation: None,
    };
    match &c.status {
        CredentialStatus::Valid => {
            let token = state.credentials.keys.token_for(found.status_index);
            answer.statement = Some(Statement {
                links: StatementLinks {
                    jws: format!("/api/v1/credentials/{token}/statement"),
                    qr_svg: format!("/api/v1/credentials/{token}/qr.svg"),
                    qr_png: format!("/api/v1/credentials/{token}/qr.png"),
                    check_page: format!("/verify.html#statement={token}"),
                },
                token,
            });
        }
        CredentialStatus::Revoked { on, reason } => {
            answer.result = "revoked";
            answer.revocation = Some(RevocationSeen {
                date: *on,
                reason: reason.clone(),
            });
        }
    }
    answer
}

/// The valid record a statement token names.
async fn valid_record(state: &AppState, token: &str) -> Result<StoredCredential, ApiError> {
    let none = || {
        ApiError::NotFound(
            "no statement: the token is unknown or its credential is not valid".into(),
        )
    };
    let index = state.credentials.keys.index_of(token).ok_or_else(none)?;
    match state.credentials.source.by_status_index(index).await? {
        Some(s) if s.credential.status == CredentialStatus::Valid => Ok(s),
        _ => Err(none()),
    }
}

/// Signed statement (W3C VC 2.0 as vc+jwt, EdDSA/Ed25519) of a valid record
#[utoipa::path(get, path = "/api/v1/credentials/{token}/statement", tag = "credentials",
    params(("token" = String, Path, description = "The opaque token of a `valid` answer")),
    responses(
        (status = 200, description = "a compact JWS", body = String, content_type = "application/vc+jwt"),
        (status = 404, description = "an unknown token, or its record is not valid", body = ErrorBody),
        (status = 429, description = "rate limit reached; see Retry-After", body = ErrorBody)))]
async fn statement_jws(
    _: RateLimited,
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    let found = valid_record(&state, &token).await?;
    let base = &state.credentials.issuer_base;
    let index = state.index.current();
    let payload = statement::statement(
        base,
        &found,
        index.institution(found.credential.institution_id.as_str()),
        Utc::now(),
    );
    let jws = state.credentials.keys.sign(statement::TYP, &payload);
    Ok(([(header::CONTENT_TYPE, MEDIA_TYPE), private()], jws).into_response())
}

fn private() -> (header::HeaderName, &'static str) {
    (header::CACHE_CONTROL, "private, no-store")
}

async fn qr_text(state: &AppState, token: &str) -> Result<String, ApiError> {
    valid_record(state, token).await?;
    Ok(format!(
        "{}/verify.html#statement={token}",
        state.credentials.issuer_base
    ))
}

/// QR code (SVG) of the check page's link for a statement
#[utoipa::path(get, path = "/api/v1/credentials/{token}/qr.svg", tag = "credentials",
    params(("token" = String, Path, description = "The opaque token of a `valid` answer")),
    responses(
        (status = 200, description = "SVG", body = String, content_type = "image/svg+xml"),
        (status = 404, description = "an unknown token, or its record is not valid", body = ErrorBody),
        (status = 429, description = "rate limit reached; see Retry-After", body = ErrorBody)))]
async fn qr_svg(
    _: RateLimited,
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    let text = qr_text(&state, &token).await?;
    let svg = qr::svg(&text).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml"), private()], svg).into_response())
}

/// QR code (PNG) of the check page's link for a statement
#[utoipa::path(get, path = "/api/v1/credentials/{token}/qr.png", tag = "credentials",
    params(("token" = String, Path, description = "The opaque token of a `valid` answer")),
    responses(
        (status = 200, description = "PNG", body = Vec<u8>, content_type = "image/png"),
        (status = 404, description = "an unknown token, or its record is not valid", body = ErrorBody),
        (status = 429, description = "rate limit reached; see Retry-After", body = ErrorBody)))]
async fn qr_png(
    _: RateLimited,
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    let text = qr_text(&state, &token).await?;
    let png = qr::png(&text, 6).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "image/png"), private()], png).into_response())
}

/// Revocation status list (W3C Bitstring Status List credential as vc+jwt)
#[utoipa::path(get, path = "/api/v1/credentials/status/{list}", tag = "credentials",
    params(("list" = u64, Path, description = "The list's number (a record's status index / 131,072)")),
    responses(
        (status = 200, description = "a compact JWS", body = String, content_type = "application/vc+jwt"),
        (status = 400, description = "the list is not a number", body = ErrorBody),
        (status = 404, description = "no such list", body = ErrorBody)))]
async fn status_list_jws(
    State(state): State<AppState>,
    Path(list): Path<u64>,
) -> Result<Response, ApiError> {
    let revoked = state
        .credentials
        .source
        .revoked_in_list(list)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no status list {list}")))?;
    let payload = statement::status_list_credential(
        &state.credentials.issuer_base,
        list,
        status_list::encode(revoked),
        Utc::now(),
    );
    let jws = state.credentials.keys.sign(statement::TYP, &payload);
    Ok((
        [
            (header::CONTENT_TYPE, MEDIA_TYPE),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        jws,
    )
        .into_response())
}

/// Public keys (JWK Set) that verify statements and status lists
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "credentials",
    responses((status = 200, description = "the JWK Set", body = Jwks, content_type = "application/jwk-set+json")))]
async fn jwks(State(state): State<AppState>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/jwk-set+json"),
            // Short, like the status lists': after a rotation and restart, verifiers'
            // copies learn the new key within minutes.
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        Json(state.credentials.keys.jwks()),
    )
        .into_response()
}

#[derive(Serialize, ToSchema)]
struct InstitutionCounts {
    institution_id: String,
    counts: Vec<crate::credentials::CredentialCount>,
}

/// Credentials issued per graduation year and level (aggregates only)
#[utoipa::path(get, path = "/api/v1/institutions/{id}/credential-counts", tag = "credentials",
    params(("id" = String, Path, description = "Institution id (slug)")),
    responses(
        (status = 200, description = "the counts", body = InstitutionCounts),
        (status = 404, description = "no such institution", body = ErrorBody)))]
async fn institution_counts(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<InstitutionCounts>, ApiError> {
    if state.index.current().institution(&id).is_none() {
        return Err(ApiError::NotFound(format!("no institution {id:?}")));
    }
    let counts = credential_counts(&state.credentials.source, &id).await?;
    Ok(Json(InstitutionCounts {
        institution_id: id,
        counts,
    }))
}

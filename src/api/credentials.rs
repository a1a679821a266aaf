//! Credential verification over HTTP: `POST /api/v1/credentials/verify`, signed
//! statements and their QR codes behind opaque tokens, the JWKS, the revocation status
//! lists, per-institution counts; and ([`writes`]) officials' batch uploads, revocations
//! and reinstatements.
//!
//! Nothing here logs a request's content, and no URL carries a serial or a name: the
//! check is a POST, statements are named by tokens.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::edge::client::ClientAddr;
use super::edge::extract::{JsonContentType, Path};
use crate::credentials::statement::{self, MEDIA_TYPE};
use crate::credentials::{
    Disclosure, StoredCredential, VerifyRequest, credential_counts, find_match, qr, status_list,
};
use crate::error::ApiError;
use crate::model::CredentialStatus;

mod writes;

pub use writes::openapi_security_schemes;

/// Largest verification request: a serial, a date and a name fit in far less.
const VERIFY_BODY_LIMIT: usize = 2 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/credentials/verify",
            post(verify).layer(DefaultBodyLimit::max(VERIFY_BODY_LIMIT)),
        )
        .route("/api/v1/credentials/{token}/statement", get(statement_jws))
        .route("/api/v1/credentials/{token}/qr.svg", get(qr_svg))
        .route("/api/v1/credentials/{token}/qr.png", get(qr_png))
        .route("/api/v1/credentials/status/{list}", get(status_list_jws))
        .route(
            "/api/v1/institutions/{id}/credential-counts",
            get(institution_counts),
        )
        .route("/.well-known/jwks.json", get(jwks))
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyBody {
    serial: String,
    birth_date: String,
    #[serde(default)]
    holder_name: Option<String>,
}

/// A body that is not declared JSON is refused at once (415, by `JsonContentType`, before
/// the body is read): no lookup happened, so there is no lookup time to hide behind the
/// floor, and the refusal depends only on a header the client wrote.
async fn verify(
    _: RateLimited,
    _: JsonContentType,
    State(state): State<AppState>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let answer_at = tokio::time::Instant::now() + state.credentials.answer_floor;
    let answer = verify_answer(&state, body).await;
    // Found, not found and errors alike: the lookup's own time does not show.
    tokio::time::sleep_until(answer_at).await;
    answer
}

async fn verify_answer(
    state: &AppState,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<Value>, ApiError> {
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
        return Ok(Json(json!({"result": "not_found"})));
    };
    Ok(Json(verification(state, found)))
}

fn verification(state: &AppState, found: &StoredCredential) -> Value {
    let c = &found.credential;
    let id = c.institution_id.as_str();
    let index = state.index.current();
    let institution = index.institution(id);
    let demonstration = crate::credentials::demonstration::is_demonstration(c);
    let mut answer = json!({
        // A demonstration record (serial DEMO-…) is never a real credential: said first.
        "demonstration": demonstration,
        "credential": Disclosure::of(c),
        "institution": {
            "id": id,
            "name_vi": institution.map(|i| i.name_vi.as_str()),
            "name_en": institution.and_then(|i| i.name_en.as_deref()),
            "links": {
                "profile": format!("/api/v1/institutions/{id}"),
                "html": format!("/institutions/{id}"),
                "map": format!("/?institution={id}"),
            },
        },
    });
    if demonstration {
        answer["notice"] = json!({
            "vi": crate::credentials::demonstration::NOTICE_VI,
            "en": crate::credentials::demonstration::NOTICE_EN,
        });
    }
    match &c.status {
        CredentialStatus::Valid => {
            let token = state.credentials.keys.token_for(found.status_index);
            answer["result"] = json!("valid");
            answer["statement"] = json!({
                "token": token,
                "links": {
                    "jws": format!("/api/v1/credentials/{token}/statement"),
                    "qr_svg": format!("/api/v1/credentials/{token}/qr.svg"),
                    "qr_png": format!("/api/v1/credentials/{token}/qr.png"),
                    "check_page": format!("/verify.html#statement={token}"),
                },
            });
        }
        CredentialStatus::Revoked { on, reason } => {
            answer["result"] = json!("revoked");
            answer["revocation"] = json!({"date": on, "reason": reason});
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

async fn qr_svg(
    _: RateLimited,
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    let text = qr_text(&state, &token).await?;
    let svg = qr::svg(&text).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "image/svg+xml"), private()], svg).into_response())
}

async fn qr_png(
    _: RateLimited,
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    let text = qr_text(&state, &token).await?;
    let png = qr::png(&text, 6).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "image/png"), private()], png).into_response())
}

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

async fn institution_counts(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    if state.index.current().institution(&id).is_none() {
        return Err(ApiError::NotFound(format!("no institution {id:?}")));
    }
    let counts = credential_counts(&state.credentials.source, &id).await?;
    Ok(Json(json!({"institution_id": id, "counts": counts})))
}

/// This resource group's OpenAPI 3.0 `paths`, for the service's OpenAPI document.
pub fn openapi_paths() -> serde_json::Map<String, Value> {
    let jwt = json!({"application/vc+jwt": {"schema": {"type": "string"}}});
    let token = json!({"name": "token", "in": "path", "required": true,
        "schema": {"type": "string"}, "description": "opaque token from a `valid` answer"});
    let too_many = json!({"description": "rate limit reached; see Retry-After"});
    let paths = json!({
        "/api/v1/credentials/verify": {"post": {
            "summary": "Check a diploma or certificate by serial and the holder's date of birth",
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
                "type": "object", "required": ["serial", "birth_date"],
                "additionalProperties": false,
                "properties": {
                    "serial": {"type": "string", "maxLength": 32},
                    "birth_date": {"type": "string", "format": "date"},
                    "holder_name": {"type": "string", "maxLength": 100,
                        "description": "compared without diacritics"}}}}}},
            "responses": {
                "200": {"description": "`result` is valid, revoked or not_found (an unknown serial and a wrong second factor answer alike)"},
                "400": {"description": "malformed request"},
                "413": {"description": "body over 2 KiB"},
                "415": {"description": "the body is not declared application/json"},
                "429": {"description": "rate limit reached, for this client or for this serial (the same answer whether the serial exists or not); see Retry-After"}}}},
        "/api/v1/credentials/{token}/statement": {"get": {
            "summary": "Signed statement (W3C VC 2.0 as vc+jwt, EdDSA/Ed25519) of a valid record",
            "parameters": [token],
            "responses": {"200": {"description": "compact JWS", "content": jwt},
                "404": {"description": "unknown token or record not valid"}, "429": too_many}}},
        "/api/v1/credentials/{token}/qr.svg": {"get": {"summary": "QR code of the check-page link",
            "parameters": [token], "responses": {"200": {"description": "SVG",
                "content": {"image/svg+xml": {}}}, "429": too_many}}},
        "/api/v1/credentials/{token}/qr.png": {"get": {"summary": "QR code of the check-page link",
            "parameters": [token], "responses": {"200": {"description": "PNG",
                "content": {"image/png": {}}}, "429": too_many}}},
        "/api/v1/credentials/status/{list}": {"get": {
            "summary": "Revocation status list (W3C Bitstring Status List credential as vc+jwt)",
            "parameters": [{"name": "list", "in": "path", "required": true,
                "schema": {"type": "integer", "minimum": 0}}],
            "responses": {"200": {"description": "compact JWS", "content": jwt},
                "404": {"description": "no such list"}}}},
        "/.well-known/jwks.json": {"get": {"summary": "Public keys (JWK Set) of statements",
            "responses": {"200": {"description": "JWK Set",
                "content": {"application/jwk-set+json": {}}}}}},
        "/api/v1/institutions/{id}/credential-counts": {"get": {
            "summary": "Credentials issued per graduation year and level (aggregates only)",
            "parameters": [{"name": "id", "in": "path", "required": true,
                "schema": {"type": "string"}}],
            "responses": {"200": {"description": "counts"}, "404": {"description": "no such institution"}}}},
    });
    let mut all = serde_json::Map::new();
    for group in [paths, writes::openapi_paths()] {
        if let Value::Object(m) = group {
            all.extend(m);
        }
    }
    all
}

//! `/api/v1/tokens`: an official's personal API tokens for scripts (uploads, edits).
//! A token is shown once, when it is made; only its digest is kept. Tokens are made and
//! revoked from a signed-in browser session, never with another token, so a leaked
//! token cannot multiply itself.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::BODY_LIMIT;
use crate::api::AppState;
use crate::api::edge::auth::{Official, Via};
use crate::api::edge::extract::{Json, Path};
use crate::auth::secret;
use crate::error::{ApiError, ErrorBody};
use crate::store::pg::accounts::{self, TokenInfo};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(revoke))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

#[derive(Serialize, ToSchema)]
struct Tokens {
    /// The account's tokens, live and not (never the tokens themselves).
    tokens: Vec<TokenInfo>,
}

/// A new token: shown once.
#[derive(Serialize, ToSchema)]
struct NewToken {
    /// `vmt_…`: send it as `Authorization: Bearer`.
    token: String,
    note: &'static str,
    id: i64,
    name: String,
    expires_at: DateTime<Utc>,
}

const DEFAULT_DAYS: u32 = 90;
const MAX_DAYS: u32 = 365;

fn pool(state: &AppState) -> Result<&sqlx::PgPool, ApiError> {
    state
        .db
        .as_ref()
        .ok_or(ApiError::NeedsDatabase("API tokens"))
}

fn from_session(official: &Official) -> Result<(), ApiError> {
    if official.via == Via::Session {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "tokens are made and revoked from a signed-in session, not with a token".into(),
        ))
    }
}

/// The signed-in account's API tokens
#[utoipa::path(get, path = "/api/v1/tokens", tag = "officials", operation_id = "listTokens",
    security(("apiToken" = []), ("sessionCookie" = [])),
    responses(
        (status = 200, description = "the tokens", body = Tokens),
        (status = 401, description = "not signed in, or an unknown, expired or revoked token", body = ErrorBody),
        (status = 503, description = "no database (`NeedsDatabase`), or it does not answer", body = ErrorBody)))]
async fn list(State(state): State<AppState>, official: Official) -> Result<Response, ApiError> {
    let tokens = accounts::list_tokens(pool(&state)?, official.account.id).await?;
    Ok(axum::Json(Tokens { tokens }).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewTokenBody {
    /// What the token is for (1 to 100 characters).
    #[schema(min_length = 1, max_length = 100)]
    name: String,
    /// Days until it expires: 1 to 365 (default 90).
    #[schema(minimum = 1, maximum = 365)]
    expires_in_days: Option<u32>,
}

/// Make a personal API token (from a signed-in session only)
#[utoipa::path(post, path = "/api/v1/tokens", tag = "officials", operation_id = "createToken",
    security(("sessionCookie" = [], "csrfToken" = [])),
    request_body = NewTokenBody,
    responses(
        (status = 201, description = "the token, shown once", body = NewToken),
        (status = 400, description = "a bad name or lifetime", body = ErrorBody),
        (status = 401, description = "not signed in, or an unknown, expired or revoked token", body = ErrorBody),
        (status = 403, description = "the CSRF token is missing, or the request came with a token rather than a session", body = ErrorBody),
        (status = 415, description = "the body is not declared application/json", body = ErrorBody),
        (status = 503, description = "no database (`NeedsDatabase`), or it does not answer", body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    official: Official,
    Json(body): Json<NewTokenBody>,
) -> Result<Response, ApiError> {
    from_session(&official)?;
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::bad_parameter(
            "name",
            "a token's name has 1 to 100 characters (say what it is for)",
        ));
    }
    let days = body.expires_in_days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(ApiError::bad_parameter(
            "expires_in_days",
            format!("a token lasts 1 to {MAX_DAYS} days"),
        ));
    }
    let token = secret::new_api_token();
    let expires_at = Utc::now() + chrono::Duration::days(i64::from(days));
    let info = accounts::create_token(
        pool(&state)?,
        &official.account,
        name,
        &secret::digest(&token),
        expires_at,
        &official.actor,
    )
    .await?;
    let mut response = (
        StatusCode::CREATED,
        axum::Json(NewToken {
            token,
            note: "shown once: store it now; only its digest is kept",
            id: info.id,
            name: info.name,
            expires_at: info.expires_at,
        }),
    )
        .into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// Revoke one of the account's tokens (from a signed-in session only)
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "officials", operation_id = "revokeToken",
    security(("sessionCookie" = [], "csrfToken" = [])),
    params(("id" = i64, Path, description = "The token's id")),
    responses(
        (status = 204, description = "revoked"),
        (status = 400, description = "the id is not a number", body = ErrorBody),
        (status = 401, description = "not signed in, or an unknown, expired or revoked token", body = ErrorBody),
        (status = 403, description = "the CSRF token is missing, or the request came with a token rather than a session", body = ErrorBody),
        (status = 404, description = "the account has no live token with this id", body = ErrorBody),
        (status = 503, description = "no database (`NeedsDatabase`), or it does not answer", body = ErrorBody)))]
async fn revoke(
    State(state): State<AppState>,
    official: Official,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    from_session(&official)?;
    if accounts::revoke_token(pool(&state)?, &official.account, id, &official.actor).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!("you have no live token {id}")))
    }
}

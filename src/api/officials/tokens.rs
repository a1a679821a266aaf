//! `/api/v1/tokens`: an official's personal API tokens for scripts (uploads, edits).
//! A token is shown once, when it is made; only its digest is kept. Tokens are made and
//! revoked from a signed-in browser session, never with another token, so a leaked
//! token cannot multiply itself.

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use super::BODY_LIMIT;
use crate::api::AppState;
use crate::api::edge::auth::{Official, Via};
use crate::api::edge::extract::{Json, Path};
use crate::auth::secret;
use crate::error::ApiError;
use crate::store::pg::accounts;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tokens", get(list).post(create))
        .route("/api/v1/tokens/{id}", delete(revoke))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
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

async fn list(State(state): State<AppState>, official: Official) -> Result<Response, ApiError> {
    let tokens = accounts::list_tokens(pool(&state)?, official.account.id).await?;
    Ok(axum::Json(json!({"tokens": tokens})).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    name: String,
    expires_in_days: Option<u32>,
}

async fn create(
    State(state): State<AppState>,
    official: Official,
    Json(body): Json<CreateBody>,
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
        axum::Json(json!({
            "token": token,
            "note": "shown once: store it now; only its digest is kept",
            "id": info.id,
            "name": info.name,
            "expires_at": info.expires_at,
        })),
    )
        .into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

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

//! `/api/v1/session`: sign in (a session cookie and the CSRF token to send with every
//! write), see who is signed in, sign out; `/api/v1/session/password`: change one's own
//! password.

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
use crate::api::edge::auth::{Official, Via, session_token};
use crate::api::edge::client::ClientAddr;
use crate::api::edge::extract::Json;
use crate::auth::{Account, NewPassword, parse_login, password, secret};
use crate::error::{ApiError, ErrorBody};
use crate::store::pg::accounts::{self, AccountUpdate};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(current, sign_in, sign_out))
        .routes(routes!(change_password))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct SignIn {
    login: String,
    #[schema(format = Password)]
    password: String,
}

/// What a signed-in page needs: who, what they may do, and the CSRF token.
#[derive(Serialize, ToSchema)]
pub struct SessionView {
    account: Account,
    may: May,
    /// Send it as `X-CSRF-Token` with every write; null when signed in with a token.
    csrf_token: Option<String>,
    /// Null when signed in with a token.
    expires_at: Option<DateTime<Utc>>,
    /// `GET` only: how this request authenticated.
    #[serde(skip_serializing_if = "Option::is_none")]
    via: Option<Via>,
}

#[derive(Serialize, ToSchema)]
struct May {
    manage_accounts: bool,
    read_audit_log: bool,
    review_reports: bool,
    create_institutions: bool,
}

pub fn describe(
    account: &Account,
    csrf: Option<&str>,
    expires_at: Option<chrono::DateTime<Utc>>,
) -> SessionView {
    SessionView {
        account: account.clone(),
        may: May {
            manage_accounts: account.may_manage_accounts(),
            read_audit_log: account.may_read_audit_log(),
            review_reports: account.may_review_reports(),
            create_institutions: account.may_create_institutions(),
        },
        csrf_token: csrf.map(str::to_owned),
        expires_at,
        via: None,
    }
}

fn refused() -> ApiError {
    ApiError::Unauthorized("wrong login or password".into())
}

/// Sign in: a session cookie, and the CSRF token to send with every write
#[utoipa::path(post, path = "/api/v1/session", tag = "officials",
    request_body = SignIn,
    responses(
        (status = 201, description = "signed in; the cookie `vetmap_session` is set", body = SessionView,
            headers(("Set-Cookie" = String, description = "vetmap_session=…; HttpOnly; SameSite=Strict"))),
        (status = 400, description = "a malformed body", body = ErrorBody),
        (status = 401, description = "wrong login or password (alike for unknown logins)", body = ErrorBody),
        (status = 415, description = "the body is not declared application/json", body = ErrorBody),
        (status = 429, description = "too many attempts from this client or for this login; see Retry-After", body = ErrorBody),
        (status = 503, description = "`Busy` (too many sign-ins at once), `NeedsDatabase`, or the database does not answer", body = ErrorBody)))]
async fn sign_in(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    Json(body): Json<SignIn>,
) -> Result<Response, ApiError> {
    let Some(pool) = &state.db else {
        return Err(ApiError::NeedsDatabase("signing in"));
    };
    let auth = &state.auth;
    let too_many = |wait: std::time::Duration| {
        let secs = wait.as_secs().max(1);
        ApiError::TooManyRequests(
            format!("too many sign-in attempts; try again in {secs} s"),
            secs,
        )
    };
    let clock = governor::clock::DefaultClock::default();
    use governor::clock::Clock;
    auth.per_client
        .check_key(&client)
        .map_err(|n| too_many(n.wait_time_from(clock.now())))?;
    // A login that cannot exist is refused like a wrong password, after the same work.
    let login = parse_login(&body.login).unwrap_or_default();
    auth.per_login
        .check_key(&login)
        .map_err(|n| too_many(n.wait_time_from(clock.now())))?;
    let stored = if login.is_empty() {
        None
    } else {
        accounts::account_by_login(pool, &login).await?
    };
    let hash = stored.as_ref().map_or_else(
        || password::decoy_hash().to_owned(),
        |s| s.password_hash.clone(),
    );
    let _permit = auth.hashing.try_acquire().map_err(|_| ApiError::Busy {
        description: "too many sign-ins at once; try again in a moment".into(),
        retry_after_secs: 1,
    })?;
    let given = body.password;
    let matches = tokio::task::spawn_blocking(move || password::verify(&hash, &given))
        .await
        .map_err(|e| ApiError::Internal(format!("password check: {e}")))?;
    let stored = match stored {
        Some(s) if matches && s.disabled_at.is_none() => s,
        _ => {
            tracing::info!("sign-in refused");
            return Err(refused());
        }
    };
    let token = secret::new_secret();
    let csrf = secret::new_secret();
    let expires_at = Utc::now()
        + chrono::Duration::from_std(auth.session_lifetime).unwrap_or(chrono::Duration::hours(12));
    accounts::create_session(
        pool,
        stored.account.id,
        &secret::digest(&token),
        &csrf,
        expires_at,
    )
    .await?;
    tracing::info!(account = stored.account.id, "signed in");
    let mut response = (
        StatusCode::CREATED,
        axum::Json(describe(&stored.account, Some(&csrf), Some(expires_at))),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, auth.session_cookie(&token));
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

/// Who is signed in, what they may do, and the session's CSRF token
#[utoipa::path(get, path = "/api/v1/session", tag = "officials",
    security(("apiToken" = []), ("sessionCookie" = [])),
    responses(
        (status = 200, description = "the account", body = SessionView),
        (status = 401, description = "not signed in, or an unknown, expired or revoked token", body = ErrorBody),
        (status = 503, description = "no database (`NeedsDatabase`), or it does not answer", body = ErrorBody)))]
async fn current(official: Official) -> Response {
    let (csrf, expires) = match &official.session {
        Some((c, e)) => (Some(c.as_str()), Some(*e)),
        None => (None, None),
    };
    let mut body = describe(&official.account, csrf, expires);
    body.via = Some(official.via);
    let mut response = axum::Json(body).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

/// Sign out: the session ends and its cookie is cleared
#[utoipa::path(delete, path = "/api/v1/session", tag = "officials",
    security(("apiToken" = []), ("sessionCookie" = [], "csrfToken" = [])),
    responses(
        (status = 204, description = "signed out"),
        (status = 401, description = "not signed in, or an unknown, expired or revoked token", body = ErrorBody),
        (status = 403, description = "the CSRF token is missing or wrong", body = ErrorBody),
        (status = 503, description = "no database (`NeedsDatabase`), or it does not answer", body = ErrorBody)))]
async fn sign_out(
    State(state): State<AppState>,
    official: Official,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    let Some(pool) = &state.db else {
        return Err(ApiError::NeedsDatabase("signing out"));
    };
    if let Some(token) = session_token(&headers) {
        accounts::revoke_session(pool, &secret::digest(token)).await?;
    }
    tracing::info!(account = official.account.id, "signed out");
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, state.auth.cleared_cookie());
    Ok(response)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ChangePassword {
    #[schema(format = Password)]
    current_password: String,
    /// At least 12 characters.
    #[schema(format = Password, min_length = 12)]
    new_password: String,
}

/// Change one's own password
///
/// Changing one's password ends every session of the account, this one included: the
/// browser signs in again with the new password.
#[utoipa::path(post, path = "/api/v1/session/password", tag = "officials",
    security(("apiToken" = []), ("sessionCookie" = [], "csrfToken" = [])),
    request_body = ChangePassword,
    responses(
        (status = 204, description = "changed; every session of the account ended"),
        (status = 400, description = "the current password is wrong, or the new one too short", body = ErrorBody),
        (status = 401, description = "not signed in, or an unknown, expired or revoked token", body = ErrorBody),
        (status = 403, description = "the CSRF token is missing or wrong", body = ErrorBody),
        (status = 415, description = "the body is not declared application/json", body = ErrorBody),
        (status = 503, description = "`Busy` (too many password checks at once), `NeedsDatabase`, or the database does not answer", body = ErrorBody)))]
async fn change_password(
    State(state): State<AppState>,
    official: Official,
    Json(body): Json<ChangePassword>,
) -> Result<Response, ApiError> {
    let Some(pool) = &state.db else {
        return Err(ApiError::NeedsDatabase("changing a password"));
    };
    let new = NewPassword::parse(&body.new_password)
        .map_err(|e| ApiError::bad_parameter("new_password", e.to_string()))?;
    let stored = accounts::account_by_id(pool, official.account.id)
        .await?
        .ok_or_else(refused)?;
    let _permit = state
        .auth
        .hashing
        .try_acquire()
        .map_err(|_| ApiError::Busy {
            description: "too many password checks at once; try again in a moment".into(),
            retry_after_secs: 1,
        })?;
    let hash = stored.password_hash;
    let current = body.current_password;
    let new_hash =
        tokio::task::spawn_blocking(move || password::verify(&hash, &current).then(|| new.hash()))
            .await
            .map_err(|e| ApiError::Internal(format!("password change: {e}")))?;
    let Some(new_hash) = new_hash else {
        return Err(ApiError::bad_parameter(
            "current_password",
            "the current password is wrong",
        ));
    };
    let update = AccountUpdate {
        password_hash: Some(new_hash.map_err(|e| ApiError::Internal(e.to_string()))?),
        ..AccountUpdate::default()
    };
    accounts::update_account(pool, official.account.id, &update, &official.actor).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, state.auth.cleared_cookie());
    Ok(response)
}

//! Who is asking: officials sign in with a session cookie (browsers) or a personal API
//! token (`Authorization: Bearer vmt_…`, scripts). Every write authenticated by cookie
//! must also carry the session's CSRF token in `X-CSRF-Token`; the cookie is
//! `SameSite=Strict` as well, but a header a foreign page cannot read or set is the check
//! that does not depend on the browser.
//!
//! Handlers take [`Official`] (anyone signed in; 401 otherwise) and ask its account what
//! it may do (`auth::Account::may_*`; 403 otherwise).

use std::num::NonZeroU32;
use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use chrono::{DateTime, Utc};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::AppState;
use super::layers::REQUEST_ID;
use crate::auth::Account;
use crate::auth::secret::{self, API_TOKEN_PREFIX};
use crate::error::ApiError;
use crate::store::pg::accounts::{self, StoredAccount};
use crate::store::pg::audit::Actor;

pub const SESSION_COOKIE: &str = "vetmap_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// What sign-in needs between requests: how long sessions last, whether cookies are
/// `Secure`, the limits on guessing, and a bound on concurrent password hashing.
pub struct AuthService {
    pub session_lifetime: Duration,
    pub session_idle: Duration,
    /// `Secure` cookies: when the public URL is https.
    pub secure_cookies: bool,
    /// Sign-in attempts per login (known or not, alike).
    pub per_login: DefaultKeyedRateLimiter<String>,
    /// Sign-in attempts per client address.
    pub per_client: DefaultKeyedRateLimiter<std::net::IpAddr>,
    /// Argon2id costs ~20 MiB and tens of milliseconds of a core per check: a flood of
    /// sign-ins must not take every core or all memory.
    pub hashing: tokio::sync::Semaphore,
}

impl AuthService {
    pub fn new(session_hours: u64, idle_minutes: u64, secure_cookies: bool) -> Self {
        Self {
            session_lifetime: Duration::from_secs(session_hours.max(1) * 3600),
            session_idle: Duration::from_secs(idle_minutes.max(1) * 60),
            secure_cookies,
            per_login: RateLimiter::keyed(per_quarter_hour(10)),
            per_client: RateLimiter::keyed(per_quarter_hour(30)),
            hashing: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            ),
        }
    }

    /// The `Set-Cookie` value that starts a session.
    pub fn session_cookie(&self, token: &str) -> HeaderValue {
        let secure = if self.secure_cookies { "; Secure" } else { "" };
        let value = format!(
            "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
            self.session_lifetime.as_secs()
        );
        HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
    }

    /// The `Set-Cookie` value that ends it in the browser.
    pub fn cleared_cookie(&self) -> HeaderValue {
        let secure = if self.secure_cookies { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"
        ))
        .unwrap_or_else(|_| HeaderValue::from_static(""))
    }
}

/// `n` attempts at once, then one more every 15 min / `n`.
fn per_quarter_hour(n: u32) -> Quota {
    let n = NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(Duration::from_secs(900) / n.get())
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(n)
}

/// How the official authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    Session,
    Token,
}

/// A signed-in official.
pub struct Official {
    pub account: Account,
    pub via: Via,
    /// For the history: the account and this request's id.
    pub actor: Actor,
    /// The session's CSRF token and end (sessions only).
    pub session: Option<(String, DateTime<Utc>)>,
}

/// The session cookie's value, if the request carries one of the right shape.
pub fn session_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|v| secret::looks_like_secret(v))
}

fn bearer_token(headers: &HeaderMap) -> Option<Result<&str, ApiError>> {
    let value = headers.get(header::AUTHORIZATION)?;
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| {
            t.strip_prefix(API_TOKEN_PREFIX)
                .is_some_and(secret::looks_like_secret)
        });
    Some(token.ok_or_else(|| {
        ApiError::Unauthorized(format!(
            "the Authorization header must be \"Bearer {API_TOKEN_PREFIX}…\" with a personal API token"
        ))
    }))
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn actor_of(account: &Account, parts: &Parts) -> Actor {
    Actor {
        account_id: Some(account.id),
        name: account.login.clone(),
        request_id: parts
            .headers
            .get(REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    }
}

impl FromRequestParts<AppState> for Official {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(pool) = &state.db else {
            return Err(ApiError::NeedsDatabase("signing in"));
        };
        if let Some(token) = bearer_token(&parts.headers) {
            let hash = secret::digest(token?);
            let stored = accounts::account_by_token(pool, &hash)
                .await?
                .ok_or_else(|| {
                    ApiError::Unauthorized("the API token is unknown, expired or revoked".into())
                })?;
            return Ok(official(stored, Via::Token, None, parts));
        }
        let Some(token) = session_token(&parts.headers) else {
            return Err(ApiError::Unauthorized(
                "sign in first (POST /api/v1/session) or send a personal API token".into(),
            ));
        };
        let idle = state.auth.session_idle.as_secs() as i64;
        let session = accounts::live_session(pool, &secret::digest(token), idle)
            .await?
            .ok_or_else(|| ApiError::Unauthorized("the session has ended: sign in again".into()))?;
        if !is_safe(&parts.method) {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let expected = session.csrf_token.as_bytes();
            if !bool::from(subtle::ConstantTimeEq::ct_eq(sent.as_bytes(), expected)) {
                return Err(ApiError::Forbidden(format!(
                    "a write from a signed-in browser must carry the session's CSRF token in {CSRF_HEADER}"
                )));
            }
        }
        Ok(official(
            session.account,
            Via::Session,
            Some((session.csrf_token, session.expires_at)),
            parts,
        ))
    }
}

fn official(
    stored: StoredAccount,
    via: Via,
    session: Option<(String, DateTime<Utc>)>,
    parts: &Parts,
) -> Official {
    Official {
        actor: actor_of(&stored.account, parts),
        account: stored.account,
        via,
        session,
    }
}

/// A signed-in official, or nobody (for what anonymous users may also see).
pub struct MaybeOfficial(pub Option<Official>);

impl FromRequestParts<AppState> for MaybeOfficial {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let carries = parts.headers.contains_key(header::AUTHORIZATION)
            || session_token(&parts.headers).is_some();
        if !carries || state.db.is_none() {
            return Ok(Self(None));
        }
        Official::from_request_parts(parts, state)
            .await
            .map(|o| Self(Some(o)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others_and_garbage_is_ignored() {
        let token = secret::new_secret();
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("a=1; {SESSION_COOKIE}={token}; b=2")).unwrap(),
        );
        assert_eq!(session_token(&h), Some(token.as_str()));
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("vetmap_session=../../etc"),
        );
        assert_eq!(session_token(&h), None);
    }

    #[test]
    fn session_cookies_are_http_only_strict_and_secure_behind_https() {
        let s = AuthService::new(12, 120, true);
        let c = s.session_cookie("abc");
        let c = c.to_str().unwrap();
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Strict") && c.contains("Secure"));
        assert!(
            !AuthService::new(12, 120, false)
                .session_cookie("abc")
                .to_str()
                .unwrap()
                .contains("Secure")
        );
    }
}

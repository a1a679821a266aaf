//! HTTP caching for anything derived from the serving index: a weak `ETag` from the data
//! version and the representation asked for, `Last-Modified` from when this snapshot was
//! built, `Cache-Control`, and `304 Not Modified` on revalidation. Any resource can use
//! it (features, tiles, ...):
//!
//! ```
//! use axum::http::{HeaderMap, StatusCode, header};
//! use axum::response::{IntoResponse, Response};
//! use chrono::{DateTime, Utc};
//! use vetmap::api::edge::validators::Validators;
//!
//! // A handler: the data version and snapshot time come from the serving index
//! // (`index.version()`, `index.built_at()`), the variant from the request.
//! fn handler(version: &str, built_at: DateTime<Utc>, headers: &HeaderMap) -> Response {
//!     let v = Validators::new(version, built_at, "/collections?f=json");
//!     if let Some(not_modified) = v.not_modified(headers) {
//!         return not_modified;
//!     }
//!     let mut response = "the body".into_response();
//!     v.apply(&mut response);
//!     response
//! }
//!
//! let built_at = DateTime::from_timestamp(1_767_225_600, 0).unwrap();
//! let first = handler("v1", built_at, &HeaderMap::new());
//! assert_eq!(first.status(), StatusCode::OK);
//! let mut revalidate = HeaderMap::new();
//! revalidate.insert(header::IF_NONE_MATCH, first.headers()[header::ETAG].clone());
//! // Same data: the client's copy is current.
//! assert_eq!(handler("v1", built_at, &revalidate).status(), StatusCode::NOT_MODIFIED);
//! // The data changed: a full answer with another ETag.
//! let changed = handler("v2", built_at, &revalidate);
//! assert_eq!(changed.status(), StatusCode::OK);
//! assert_ne!(changed.headers()[header::ETAG], first.headers()[header::ETAG]);
//! ```
//!
//! The ETag is weak (`W/"..."`) because the compression layer may re-encode the bytes;
//! the content it names is the same.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// How long shared caches and browsers may reuse a response without asking again.
/// Short, because the data can change at any time; revalidation is cheap (a 304).
pub const CACHE_CONTROL: &str = "public, max-age=60";

pub struct Validators {
    etag: HeaderValue,
    last_modified: HeaderValue,
    /// Seconds since the epoch, for `If-Modified-Since` (whole seconds, as HTTP dates).
    modified_secs: i64,
}

impl Validators {
    /// `variant` names the representation: at least the path, the query string and the
    /// negotiated media type.
    pub fn new(data_version: &str, modified: DateTime<Utc>, variant: &str) -> Self {
        let mut h = Sha256::new();
        h.update(data_version.as_bytes());
        h.update([0]);
        h.update(variant.as_bytes());
        let digest = hex::encode(&h.finalize()[..12]);
        let etag = HeaderValue::from_str(&format!("W/\"{digest}\""))
            .unwrap_or_else(|_| HeaderValue::from_static("W/\"0\""));
        let system: std::time::SystemTime = modified.into();
        let last_modified = HeaderValue::from_str(&httpdate::fmt_http_date(system))
            .unwrap_or_else(|_| HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT"));
        Self {
            etag,
            last_modified,
            modified_secs: modified.timestamp(),
        }
    }

    /// A `304` when the client's copy is current: `If-None-Match` decides when present
    /// (weak comparison), otherwise `If-Modified-Since`.
    pub fn not_modified(&self, request: &HeaderMap) -> Option<Response> {
        let fresh = match request.get(header::IF_NONE_MATCH) {
            Some(inm) => inm
                .to_str()
                .is_ok_and(|list| etag_matches(list, self.etag.to_str().unwrap_or_default())),
            None => request
                .get(header::IF_MODIFIED_SINCE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| httpdate::parse_http_date(v).ok())
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .is_some_and(|since| since.as_secs() as i64 >= self.modified_secs),
        };
        fresh.then(|| {
            let mut r = StatusCode::NOT_MODIFIED.into_response();
            self.apply(&mut r);
            r
        })
    }

    /// Adds the validators and caching headers to a response.
    pub fn apply(&self, response: &mut Response) {
        let h = response.headers_mut();
        h.insert(header::ETAG, self.etag.clone());
        h.insert(header::LAST_MODIFIED, self.last_modified.clone());
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(CACHE_CONTROL),
        );
        h.append(header::VARY, HeaderValue::from_static("accept"));
    }
}

/// Middleware for GET endpoints whose answer depends only on the request and the serving
/// index (TileJSON, nearby, search, locate): validators from the data version, so a
/// repeat visit costs a `304`. The variant includes the process start, because TileJSON
/// also depends on the configuration (public URL) a restart may change. Handlers that set
/// their own `ETag` (tiles) keep it.
pub async fn revalidate_by_data_version(
    axum::extract::State(state): axum::extract::State<super::AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    static PROCESS: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| Utc::now().timestamp_nanos_opt().unwrap_or(0).to_string());
    if request.method() != axum::http::Method::GET {
        return next.run(request).await;
    }
    let index = state.index.current();
    let accept = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let variant = format!("{}|{accept}|{}", request.uri(), *PROCESS);
    let validators = Validators::new(index.version(), index.built_at(), &variant);
    if let Some(not_modified) = validators.not_modified(request.headers()) {
        return not_modified;
    }
    let mut response = next.run(request).await;
    if response.status() == StatusCode::OK && !response.headers().contains_key(header::ETAG) {
        validators.apply(&mut response);
    }
    response
}

/// Weak comparison (RFC 9110 §8.8.3.2) of `etag` against an `If-None-Match` list of
/// entity tags or `*`.
pub fn etag_matches(list: &str, etag: &str) -> bool {
    let ours = opaque(etag);
    list.split(',')
        .map(str::trim)
        .any(|t| t == "*" || opaque(t) == ours)
}

/// The opaque part of an entity tag, weak or strong.
fn opaque(tag: &str) -> &str {
    tag.strip_prefix("W/").unwrap_or(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: header::HeaderName, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn etags_compare_weakly_and_in_lists() {
        assert!(etag_matches("W/\"abc\"", "W/\"abc\""));
        assert!(etag_matches("\"x\", \"abc\"", "W/\"abc\""));
        assert!(etag_matches("*", "W/\"abc\""));
        assert!(!etag_matches("W/\"abd\"", "W/\"abc\""));
    }

    #[test]
    fn revalidates_by_etag_weakly_and_by_date() {
        let t = DateTime::parse_from_rfc3339("2026-11-28T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let v = Validators::new("v1", t, "/x?f=json");
        let etag = v.etag.to_str().unwrap().to_owned();
        assert!(
            v.not_modified(&headers(header::IF_NONE_MATCH, &etag))
                .is_some()
        );
        let strong = etag.trim_start_matches("W/");
        assert!(
            v.not_modified(&headers(header::IF_NONE_MATCH, strong))
                .is_some()
        );
        let other = Validators::new("v2", t, "/x?f=json");
        assert!(
            other
                .not_modified(&headers(header::IF_NONE_MATCH, &etag))
                .is_none()
        );
        let since = "Sat, 28 Nov 2026 10:00:00 GMT";
        assert!(
            v.not_modified(&headers(header::IF_MODIFIED_SINCE, since))
                .is_some()
        );
        let before = "Sat, 28 Nov 2026 09:59:59 GMT";
        assert!(
            v.not_modified(&headers(header::IF_MODIFIED_SINCE, before))
                .is_none()
        );
    }
}

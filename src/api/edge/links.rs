//! Absolute links: OGC API clients follow them as given, so they must name this server
//! as the client reached it (or `--public-url` behind a proxy).

use axum::http::{HeaderMap, header};
use serde_json::{Value, json};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

pub struct Links {
    base: String,
}

/// The root of this server's absolute URLs: the configured public URL, else the `Host`
/// the client reached us by when it is a plain `host[:port]` (so links work on a LAN and
/// on loopback alike), else `http://localhost`. Behind a reverse proxy or a shared cache,
/// configure the public URL: a client chooses its Host header.
pub fn base_url(public_url: Option<&str>, headers: &HeaderMap) -> String {
    if let Some(u) = public_url {
        return u.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}

impl Links {
    pub fn new(public_url: Option<&str>, headers: &HeaderMap) -> Self {
        Self {
            base: base_url(public_url, headers),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// `path` with `?f=<f>` (none when `f` is empty).
    pub fn url(&self, path: &str, f: &str) -> String {
        if f.is_empty() {
            format!("{}{path}", self.base)
        } else {
            format!("{}{path}?f={f}", self.base)
        }
    }

    /// `path` with a query string built from pairs.
    pub fn with_query<'a>(
        &self,
        path: &str,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> String {
        format!("{}{path}{}", self.base, query_string(pairs))
    }
}

pub fn link(href: String, rel: &str, media_type: &str, title: &str) -> Value {
    json!({"href": href, "rel": rel, "type": media_type, "title": title})
}

/// Everything but RFC 3986's unreserved characters is percent-encoded in a query component.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes a query string component.
pub fn encode(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}

/// A query string from pairs, `?`-prefixed (empty when there are none).
pub fn query_string<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let s: Vec<String> = pairs
        .into_iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    if s.is_empty() {
        String::new()
    } else {
        format!("?{}", s.join("&"))
    }
}

//! Absolute links: OGC API clients follow them as given, so they must name this server
//! as the client reached it (or `--public-url` behind a proxy).

use axum::http::{HeaderMap, header};
use serde_json::{Value, json};

use super::params::query_string;

pub struct Links {
    base: String,
}

impl Links {
    pub fn new(public_url: Option<&str>, headers: &HeaderMap) -> Self {
        let base = match public_url {
            Some(u) => u.trim_end_matches('/').to_owned(),
            None => {
                let host = headers
                    .get(header::HOST)
                    .and_then(|h| h.to_str().ok())
                    .filter(|h| {
                        h.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
                    })
                    .unwrap_or("localhost");
                format!("http://{host}")
            }
        };
        Self { base }
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

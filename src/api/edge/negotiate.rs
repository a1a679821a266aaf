//! Which representation to send: `?f=` wins, then the `Accept` header (with q-values),
//! then the resource's default (its first offer).

use axum::http::{HeaderMap, header};

use crate::error::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    GeoJson,
    Html,
}

impl Format {
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::GeoJson => "application/geo+json",
            Format::Html => "text/html; charset=utf-8",
        }
    }

    fn essence(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::GeoJson => "application/geo+json",
            Format::Html => "text/html",
        }
    }
}

/// Picks one of `offered` (in the server's order of preference).
pub fn negotiate(
    f: Option<&str>,
    headers: &HeaderMap,
    offered: &[Format],
) -> Result<Format, ApiError> {
    let not_acceptable = |what: String| {
        ApiError::NotAcceptable(format!(
            "{what}; this resource is served as {} (f={})",
            offered
                .iter()
                .map(|f| f.essence())
                .collect::<Vec<_>>()
                .join(", "),
            if offered.contains(&Format::Html) {
                "json or html"
            } else {
                "json"
            }
        ))
    };
    if let Some(f) = f {
        let wanted: &[Format] = match f.to_ascii_lowercase().as_str() {
            "json" | "geojson" | "application/json" | "application/geo+json" => {
                &[Format::GeoJson, Format::Json]
            }
            "html" | "text/html" => &[Format::Html],
            _ => &[],
        };
        return offered
            .iter()
            .copied()
            .find(|o| wanted.contains(o))
            .ok_or_else(|| not_acceptable(format!("f={f:?} is not a format we serve")));
    }
    let Some(accept) = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .filter(|a| !a.trim().is_empty())
    else {
        return Ok(offered[0]);
    };
    let ranges: Vec<(String, f32)> = accept
        .split(',')
        .map(|part| {
            let mut bits = part.split(';');
            let range = bits.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = bits
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (range, q)
        })
        .collect();
    // For each offer, the q of the most specific range that matches it.
    let quality = |o: Format| -> f32 {
        let essence = o.essence();
        let (ty, _) = essence.split_once('/').unwrap_or((essence, ""));
        let mut best: Option<(u8, f32)> = None;
        for (range, q) in &ranges {
            let specificity = if range == essence {
                3
            } else if range.strip_suffix("/*") == Some(ty) {
                2
            } else if range == "*/*" {
                1
            } else {
                continue;
            };
            if best.is_none_or(|(s, _)| specificity > s) {
                best = Some((specificity, *q));
            }
        }
        // Any JSON media type (application/json, application/schema+json, ...) is
        // served by our JSON documents, GeoJSON included.
        let json_alias = o != Format::Html
            && ranges
                .iter()
                .any(|(r, q)| (r == "application/json" || r.ends_with("+json")) && *q > 0.0);
        match best {
            Some((_, q)) => q,
            None if json_alias => 0.9,
            None => 0.0,
        }
    };
    let mut choice: Option<(Format, f32)> = None;
    for &o in offered {
        let q = quality(o);
        if q > 0.0 && choice.is_none_or(|(_, best)| q > best) {
            choice = Some((o, q));
        }
    }
    choice
        .map(|(f, _)| f)
        .ok_or_else(|| not_acceptable(format!("nothing in Accept: {accept:?} is served here")))
}

/// Whether the client prefers HTML to JSON (a browser), for `/` without `f=`.
pub fn prefers_html(headers: &HeaderMap) -> bool {
    matches!(
        negotiate(None, headers, &[Format::Json, Format::Html]),
        Ok(Format::Html)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_str(v).unwrap());
        h
    }

    const ITEMS: &[Format] = &[Format::GeoJson, Format::Html];

    #[test]
    fn f_wins_then_accept_then_the_default() {
        assert_eq!(
            negotiate(Some("html"), &accept("application/json"), ITEMS).unwrap(),
            Format::Html
        );
        assert_eq!(
            negotiate(None, &HeaderMap::new(), ITEMS).unwrap(),
            Format::GeoJson
        );
        let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        assert_eq!(
            negotiate(None, &accept(browser), ITEMS).unwrap(),
            Format::Html
        );
        assert_eq!(
            negotiate(None, &accept("application/json"), ITEMS).unwrap(),
            Format::GeoJson
        );
        assert_eq!(
            negotiate(None, &accept("*/*"), ITEMS).unwrap(),
            Format::GeoJson
        );
        assert!(prefers_html(&accept(browser)));
        assert!(!prefers_html(&accept("application/json")));
    }

    #[test]
    fn unknown_formats_are_not_acceptable() {
        assert!(matches!(
            negotiate(Some("xml"), &HeaderMap::new(), ITEMS),
            Err(ApiError::NotAcceptable(_))
        ));
        assert!(matches!(
            negotiate(None, &accept("image/png"), ITEMS),
            Err(ApiError::NotAcceptable(_))
        ));
        assert!(matches!(
            negotiate(None, &accept("text/html;q=0"), &[Format::Html]),
            Err(ApiError::NotAcceptable(_))
        ));
    }
}

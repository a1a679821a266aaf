//! The security headers every response carries, set in one place so that a new route
//! gets them by default.
//!
//! The Content-Security-Policy allows our own origin only and nothing inline: no inline
//! `<script>` or event handler, no `eval`, no `<style>` element or `style` attribute.
//! Every page keeps its scripts and styles in files we serve: the web pages in `web/`
//! (bundled into `web/dist/`), the server-rendered pages' stylesheets and the report's
//! print script at `/assets/` (`api::html::assets`). A page's JSON-LD is a data block,
//! which the policy does not govern. Scripts change an element's style through the CSSOM
//! (`el.style.width = …`), which the policy allows, never through a `style` attribute.
//! Inline styles are not allowed by hash either: the hashes would be a list in the policy
//! that every new page with a `<style>` must join, and one policy with no exceptions is
//! easier to keep true.
//!
//! MapLibre GL JS needs: `worker-src 'self'` (the build puts its worker in `web/dist/`
//! and the map points `workerUrl` at it; same-origin, so MapLibre starts it directly,
//! not from a `blob:`), `img-src data: blob:` (its stylesheet's control icons are `data:`
//! SVGs; it decodes images through `blob:` URLs) and `connect-src 'self'` (TileJSON and
//! tiles, fetched by the worker). In a sandboxed frame without `allow-same-origin` the
//! origin is opaque and MapLibre would start its worker from a `data:` URL, which this
//! policy refuses; the README asks embedding sites not to sandbox it so.
//!
//! A route that needs another policy sets its own `Content-Security-Policy` and the
//! layer leaves it (and `X-Frame-Options`) alone: `/embed`, which other sites may frame,
//! uses [`content_security_policy`] with the configured `frame-ancestors`.

use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::response::Response;

/// Every directive but `frame-ancestors`: a macro, so that the default policy (a
/// constant) and the embed's (with the configured sites) are made from one text.
macro_rules! policy {
    () => {
        "default-src 'self'; script-src 'self'; style-src 'self'; \
         img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; \
         worker-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'"
    };
}

/// The policy of every response whose route did not set its own: nobody frames it.
const NOT_FRAMED: &str = concat!(policy!(), "; frame-ancestors 'none'");

/// Only the path travels with a same-origin request; another site learns our origin and
/// nothing of the page (an institution sees that a visitor came from the map, not which
/// search or filter). The check page asks for `no-referrer` itself.
const REFERRER_POLICY: &str = "strict-origin-when-cross-origin";

/// Geolocation for our own pages (the map's "near me", also inside an embed whose
/// `<iframe>` grants it with `allow="geolocation"`); nothing else a page could ask for.
const PERMISSIONS_POLICY: &str = "geolocation=(self), camera=(), microphone=(), payment=(), usb=()";

const PERMISSIONS_POLICY_HEADER: HeaderName = HeaderName::from_static("permissions-policy");
const CROSS_ORIGIN_OPENER_POLICY: HeaderName =
    HeaderName::from_static("cross-origin-opener-policy");

/// Our policy with `frame-ancestors` set to `sources` (a source list checked when the
/// configuration was read, e.g. `*` or `https://travinh.gov.vn`).
pub fn content_security_policy(sources: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!("{}; frame-ancestors {sources}", policy!())).ok()
}

/// The response layer (`axum::middleware::map_response(headers::secure)`): adds the
/// headers a response does not already carry.
pub async fn secure(mut response: Response) -> Response {
    apply(response.headers_mut());
    response
}

fn apply(h: &mut HeaderMap) {
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(NOT_FRAMED),
        );
        // For browsers that predate `frame-ancestors`. A route with its own policy
        // decides its own framing.
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, REFERRER_POLICY),
        (CROSS_ORIGIN_OPENER_POLICY, "same-origin"),
        (PERMISSIONS_POLICY_HEADER, PERMISSIONS_POLICY),
    ] {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_policy_is_the_framed_policy_with_frame_ancestors_none() {
        assert_eq!(
            content_security_policy("'none'").unwrap(),
            HeaderValue::from_static(NOT_FRAMED)
        );
    }

    #[test]
    fn a_response_without_a_policy_gets_all_the_headers_and_cannot_be_framed() {
        let mut h = HeaderMap::new();
        apply(&mut h);
        let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.ends_with("frame-ancestors 'none'"), "{csp}");
        assert!(!csp.contains("unsafe"), "{csp}");
        assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(h["cross-origin-opener-policy"], "same-origin");
        assert!(
            h["permissions-policy"]
                .to_str()
                .unwrap()
                .contains("geolocation=(self)")
        );
    }

    #[test]
    fn a_route_that_set_its_own_policy_keeps_it_and_decides_its_own_framing() {
        let mut h = HeaderMap::new();
        let own = content_security_policy("https://travinh.gov.vn").unwrap();
        h.insert(header::CONTENT_SECURITY_POLICY, own.clone());
        apply(&mut h);
        assert_eq!(h[header::CONTENT_SECURITY_POLICY], own);
        assert!(!h.contains_key(header::X_FRAME_OPTIONS));
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    }
}

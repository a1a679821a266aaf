//! The security headers (src/api/edge/headers.rs) on every kind of answer: JSON,
//! GeoJSON, tiles, HTML pages, static files, refusals and health checks. Only `/embed`
//! may be framed, by the sites `VETMAP_FRAME_ANCESTORS` names; and no page we serve
//! holds the inline script or style the policy would refuse.

mod common;

use common::{TestServer, bundled_config, spawn, spawn_bundled};
use reqwest::{Method, Response};

/// One of every kind of answer, by method and path, with the status it must have.
const ANSWERS: &[(&str, &str, u16)] = &[
    ("GET", "/api/v1/institutions", 200),
    ("GET", "/api/v1/search?q=cao%20dang", 200),
    ("GET", "/collections/institutions/items?limit=2", 200),
    ("GET", "/collections/institutions/items?f=html", 200),
    ("GET", "/tiles/institutions/8/203/120.mvt", 200),
    ("GET", "/tiles/institutions.json", 200),
    ("GET", "/institutions/cd-nghe-tra-vinh", 200),
    ("GET", "/reports/periodic", 200),
    ("GET", "/api?f=html", 200),
    ("GET", "/api", 200),
    ("GET", "/?f=html", 200),
    ("GET", "/index.html", 200),
    ("GET", "/verify.html", 200),
    ("GET", "/officials.html", 200),
    ("GET", "/embed/builder", 200),
    ("GET", "/dist/map.js", 200),
    ("GET", "/dist/maplibre-gl-worker.mjs", 200),
    ("GET", "/favicon.svg", 200),
    ("GET", "/assets/report.css", 200),
    ("GET", "/health", 200),
    ("GET", "/ready", 200),
    ("HEAD", "/api/v1/institutions", 200),
    ("GET", "/no/such/page", 404),
    ("GET", "/api/v1/institutions/no-such-id", 404),
    ("GET", "/assets/no-such.css", 404),
    ("GET", "/collections/institutions/items?limit=lots", 400),
    ("POST", "/health", 405),
];

async fn send(s: &TestServer, method: &str, path: &str) -> Response {
    s.client
        .request(Method::from_bytes(method.as_bytes()).unwrap(), s.url(path))
        .send()
        .await
        .expect("request reaches the server")
}

fn header<'a>(r: &'a Response, name: &str) -> &'a str {
    r.headers()
        .get(name)
        .unwrap_or_else(|| panic!("{} has no {name}", r.url()))
        .to_str()
        .unwrap()
}

/// The directives of a Content-Security-Policy, by name.
fn directives(csp: &str) -> Vec<(String, String)> {
    csp.split(';')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| {
            let (name, sources) = d.split_once(' ').unwrap_or((d, ""));
            (name.to_owned(), sources.trim().to_owned())
        })
        .collect()
}

fn directive(csp: &str, name: &str) -> Option<String> {
    directives(csp)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, s)| s)
}

/// The headers every answer carries, whatever its policy's `frame-ancestors`.
fn assert_secure(r: &Response) {
    let csp = header(r, "content-security-policy");
    for (name, sources) in [
        ("default-src", "'self'"),
        ("script-src", "'self'"),
        ("style-src", "'self'"),
        ("img-src", "'self' data: blob:"),
        ("connect-src", "'self'"),
        ("worker-src", "'self'"),
        ("object-src", "'none'"),
        ("base-uri", "'none'"),
    ] {
        assert_eq!(
            directive(csp, name).as_deref(),
            Some(sources),
            "{}: {name} in {csp}",
            r.url()
        );
    }
    assert!(!csp.contains("unsafe"), "{}: {csp}", r.url());
    assert_eq!(header(r, "x-content-type-options"), "nosniff");
    assert_eq!(
        header(r, "referrer-policy"),
        "strict-origin-when-cross-origin"
    );
    assert_eq!(header(r, "cross-origin-opener-policy"), "same-origin");
    let permissions = header(r, "permissions-policy");
    assert!(permissions.contains("geolocation=(self)"), "{permissions}");
    assert!(permissions.contains("camera=()"), "{permissions}");
}

#[tokio::test]
async fn every_kind_of_answer_carries_the_security_headers_and_refuses_to_be_framed() {
    let s = spawn_bundled().await;
    for &(method, path, status) in ANSWERS {
        let r = send(&s, method, path).await;
        assert_eq!(r.status().as_u16(), status, "{method} {path}");
        assert_secure(&r);
        let csp = header(&r, "content-security-policy");
        assert_eq!(
            directive(csp, "frame-ancestors").as_deref(),
            Some("'none'"),
            "{method} {path}: {csp}"
        );
        assert_eq!(header(&r, "x-frame-options"), "DENY", "{method} {path}");
    }
}

#[tokio::test]
async fn revalidations_and_preflights_carry_the_headers_too() {
    let s = spawn_bundled().await;
    let first = s.get("/tiles/institutions.json").await;
    let etag = header(&first, "etag").to_owned();
    let again = s
        .get_with("/tiles/institutions.json", "if-none-match", &etag)
        .await;
    assert_eq!(again.status(), 304);
    assert_secure(&again);
    let preflight = s
        .client
        .request(Method::OPTIONS, s.url("/api/v1/institutions"))
        .header("origin", "https://travinh.gov.vn")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_secure(&preflight);
}

#[tokio::test]
async fn only_the_embed_may_be_framed_and_by_any_site_by_default() {
    let s = spawn_bundled().await;
    let r = s.get("/embed?lang=en").await;
    assert_eq!(r.status(), 200);
    assert_secure(&r);
    let csp = header(&r, "content-security-policy");
    assert_eq!(directive(csp, "frame-ancestors").as_deref(), Some("*"));
    assert!(
        r.headers().get("x-frame-options").is_none(),
        "X-Frame-Options would forbid what frame-ancestors allows"
    );
    // The embed's policy is the same policy, framing apart.
    let page = s.get("/index.html").await;
    let without_framing = |csp: &str| {
        directives(csp)
            .into_iter()
            .filter(|(n, _)| n != "frame-ancestors")
            .collect::<Vec<_>>()
    };
    assert_eq!(
        without_framing(csp),
        without_framing(header(&page, "content-security-policy"))
    );
}

#[tokio::test]
async fn the_embeds_frame_ancestors_are_the_configured_sites() {
    let mut config = bundled_config();
    config.frame_ancestors = "https://travinh.gov.vn https://*.edu.vn".into();
    let s = spawn(config).await;
    let r = s.get("/embed").await;
    assert_secure(&r);
    assert_eq!(
        directive(header(&r, "content-security-policy"), "frame-ancestors").as_deref(),
        Some("https://travinh.gov.vn https://*.edu.vn")
    );
    let builder = s.get("/embed/builder").await;
    assert_eq!(
        directive(
            header(&builder, "content-security-policy"),
            "frame-ancestors"
        )
        .as_deref(),
        Some("'none'"),
        "the configuration opens the embed only"
    );
}

/// What the policy would refuse in a page: a `<script>` without `src` (JSON-LD, a data
/// block, is allowed), a `<style>` element, a `style` attribute, an `on…` handler.
fn inline_code(html: &str) -> Vec<String> {
    let lower = html.to_lowercase();
    let mut found = Vec::new();
    for (at, _) in lower.match_indices("<script") {
        let tag = &lower[at..at + lower[at..].find('>').unwrap_or(0)];
        if !tag.contains(" src=") && !tag.contains("application/ld+json") {
            found.push(html[at..(at + 60).min(html.len())].to_owned());
        }
    }
    for needle in ["<style", " style=", "javascript:"] {
        if let Some(at) = lower.find(needle) {
            found.push(html[at..(at + 60).min(html.len())].to_owned());
        }
    }
    found.extend(event_handler(&lower));
    found
}

/// ` onclick=`, ` onload=`, ...: an attribute named `on` and letters, inside a tag.
fn event_handler(lower: &str) -> Option<String> {
    lower.split('<').skip(1).find_map(|tag| {
        let tag = tag.split('>').next().unwrap_or("");
        tag.split_whitespace()
            .skip(1)
            .find(|attr| {
                attr.strip_prefix("on").is_some_and(|rest| {
                    rest.split('=').next().is_some_and(|name| {
                        !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase())
                    }) && rest.contains('=')
                })
            })
            .map(|a| format!("<{tag}> has handler {a}"))
    })
}

#[test]
fn the_inline_code_finder_finds_what_it_looks_for() {
    assert!(inline_code(r#"<p onclick="x()">"#).len() == 1);
    assert!(inline_code("<script>alert(1)</script>").len() == 1);
    assert!(inline_code(r#"<span style="color:red">"#).len() == 1);
    assert!(inline_code("<style>p{}</style>").len() == 1);
    assert!(inline_code(r#"<script type="application/ld+json">{}</script>"#).is_empty());
    assert!(inline_code(r#"<script type="module" src="/dist/map.js"></script>"#).is_empty());
    assert!(inline_code(r#"<a href="/x" data-once="1">once</a>"#).is_empty());
}

#[tokio::test]
async fn no_page_holds_inline_script_or_style() {
    let s = spawn_bundled().await;
    for path in [
        "/index.html",
        "/embed",
        "/embed/builder",
        "/verify.html",
        "/officials.html",
        "/test-tiles.html",
        "/institutions/cd-nghe-tra-vinh",
        "/institutions/cd-nghe-tra-vinh?lang=en",
        "/reports/periodic?occupation=6480201&radius_km=10",
        "/reports/periodic?lang=en",
        "/?f=html",
        "/conformance?f=html",
        "/collections?f=html",
        "/collections/institutions?f=html",
        "/collections/institutions/items?f=html",
        "/collections/institutions/items/cd-nghe-tra-vinh?f=html",
        "/api?f=html",
    ] {
        let r = s.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert!(
            header(&r, "content-type").starts_with("text/html"),
            "{path}"
        );
        let html = r.text().await.unwrap();
        assert_eq!(inline_code(&html), Vec::<String>::new(), "{path}");
    }
}

#[tokio::test]
async fn the_server_rendered_pages_stylesheets_and_print_script_are_served_and_revalidated() {
    let s = spawn_bundled().await;
    for (path, media_type) in [
        ("/assets/institution.css", "text/css"),
        ("/assets/ogc.css", "text/css"),
        ("/assets/report.css", "text/css"),
        ("/assets/print.js", "text/javascript"),
    ] {
        let r = s.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert!(header(&r, "content-type").starts_with(media_type), "{path}");
        let etag = header(&r, "etag").to_owned();
        assert!(!r.text().await.unwrap().trim().is_empty(), "{path}");
        let again = s.get_with(path, "if-none-match", &etag).await;
        assert_eq!(again.status(), 304, "{path}");
    }
    let report = s.get("/assets/report.css").await.text().await.unwrap();
    assert!(report.contains("@media print"), "the report prints well");
}

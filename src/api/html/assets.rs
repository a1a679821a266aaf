//! `/assets/{file}`: the stylesheets of the server-rendered pages (an institution's page,
//! the OGC API pages, the periodic report) and the report's print button. They live in
//! files rather than inline because the Content-Security-Policy (`edge::headers`) allows
//! no inline style or script; they are compiled into the binary, so these pages never
//! depend on `web/`.

use std::sync::LazyLock;

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::api::AppState;
use crate::api::edge::extract::Path;
use crate::api::edge::validators::Validators;
use crate::error::{ApiError, ErrorBody};

/// Each file's name, media type and bytes.
const FILES: [(&str, &str, &str); 4] = [
    (
        "institution.css",
        "text/css; charset=utf-8",
        include_str!("assets/institution.css"),
    ),
    (
        "ogc.css",
        "text/css; charset=utf-8",
        include_str!("assets/ogc.css"),
    ),
    (
        "report.css",
        "text/css; charset=utf-8",
        include_str!("assets/report.css"),
    ),
    (
        "print.js",
        "text/javascript; charset=utf-8",
        include_str!("assets/print.js"),
    ),
];

/// The files cannot have changed since this process started (they are in the binary).
static STARTED: LazyLock<DateTime<Utc>> = LazyLock::new(Utc::now);

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(asset))
}

/// A stylesheet or script of the server-rendered pages
#[utoipa::path(get, path = "/assets/{file}", tag = "web",
    params(("file" = String, Path, description = "institution.css, ogc.css, report.css or print.js")),
    responses(
        (status = 200, description = "the file", content(
            (String = "text/css"), (String = "text/javascript"))),
        (status = 304, description = "not modified: the ETag still matches"),
        (status = 404, description = "no such file", body = ErrorBody)))]
async fn asset(Path(file): Path<String>, request: HeaderMap) -> Result<Response, ApiError> {
    let Some((name, media_type, body)) = FILES.iter().find(|(name, ..)| *name == file) else {
        return Err(ApiError::NotFound(format!("no file /assets/{file}")));
    };
    // The content itself stands for the version: the ETag changes when a file does.
    let validators = Validators::new(body, *STARTED, name);
    if let Some(not_modified) = validators.not_modified(&request) {
        return Ok(not_modified);
    }
    let mut response = (
        [(header::CONTENT_TYPE, HeaderValue::from_static(media_type))],
        *body,
    )
        .into_response();
    validators.apply(&mut response);
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::FILES;

    #[test]
    fn every_asset_is_named_for_what_it_is() {
        for (name, media_type, body) in FILES {
            let ext = name.rsplit('.').next().unwrap();
            assert!(media_type.contains(if ext == "css" { "css" } else { "javascript" }));
            assert!(!body.trim().is_empty(), "{name}");
        }
    }
}

//! `/tiles/basemap.json` and `/tiles/basemap/{z}/{x}/{y}.mvt`: the PMTiles base map
//! archive (`--basemap FILE.pmtiles`), thin over `tiles::archive::BasemapArchive`.
//! Without an archive both answer 404, and the `/tiles` catalogue does not list it, which
//! is how the web map knows to draw the bundled base instead.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::edge::extract::Path;
use super::edge::links::base_url;
use super::edge::validators::etag_matches;
use super::tiles::{MVT_CONTENT_TYPE, TileJson};
use crate::api::openapi::suffixed;
use crate::error::{ApiError, ErrorBody};
use crate::tiles::TileCoord;
use crate::tiles::archive::BasemapArchive;

pub fn router() -> OpenApiRouter<AppState> {
    let router = OpenApiRouter::new().routes(routes!(basemap_tilejson));
    suffixed(router, routes!(basemap_tile))
}

/// The archive changes only with a restart: a day fresh, then revalidated.
const CACHE_CONTROL: &str = "public, max-age=86400, stale-while-revalidate=3600";

fn archive(state: &AppState) -> Result<&Arc<BasemapArchive>, ApiError> {
    state.basemap.as_ref().ok_or_else(|| {
        ApiError::NotFound(
            "this server has no base map archive (start it with --basemap FILE.pmtiles)".into(),
        )
    })
}

/// Whether `Accept-Encoding` takes gzip (and does not refuse it with `q=0`).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

/// TileJSON 3.0 of the base map archive
#[utoipa::path(get, path = "/tiles/basemap.json", tag = "tiles",
    responses(
        (status = 200, description = "TileJSON 3.0.0 of the archive (its layers and attribution from its metadata)", body = TileJson),
        (status = 304, description = "not modified: the ETag still matches"),
        (status = 404, description = "no base map archive configured", body = ErrorBody)))]
async fn basemap_tilejson(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let base = base_url(state.config.public_url.as_deref(), &headers);
    Ok(Json(archive(&state)?.tilejson(&base)))
}

/// A tile of the base map archive (MVT, gzip when the client takes it); 204 when the
/// archive has none there
#[utoipa::path(get, path = "/tiles/basemap/{z}/{x}/{y}.mvt", tag = "tiles",
    params(
        ("z" = u8, Path, description = "Zoom, within the archive's"),
        ("x" = u32, Path, description = "Column, 0 to 2^z - 1"),
        ("y" = u32, Path, description = "Row, 0 to 2^z - 1")),
    responses(
        (status = 200, description = "the tile", body = Vec<u8>, content_type = "application/vnd.mapbox-vector-tile"),
        (status = 204, description = "no tile there"),
        (status = 304, description = "not modified: the ETag still matches"),
        (status = 400, description = "z, x or y out of range or not a number", body = ErrorBody),
        (status = 404, description = "no base map archive configured", body = ErrorBody)))]
async fn basemap_tile(
    State(state): State<AppState>,
    Path((z, x, file)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let archive = archive(&state)?;
    let coord = TileCoord::parse_path(&z, &x, &file, archive.zooms())?;
    let gzip = accepts_gzip(&headers);
    let etag = format!(
        "W/\"{}{}\"",
        archive.version(),
        if gzip { "-gz" } else { "" }
    );
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|h| etag_matches(h, &etag));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        match archive.tile(coord, gzip).await? {
            None => StatusCode::NO_CONTENT.into_response(),
            Some(tile) => {
                let mut r = tile.bytes.into_response();
                let h = r.headers_mut();
                h.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(MVT_CONTENT_TYPE),
                );
                if let Some(encoding) = tile.encoding {
                    h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
                }
                r
            }
        }
    };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        h
    }

    #[test]
    fn gzip_is_taken_unless_refused() {
        assert!(accepts_gzip(&with("gzip, deflate, br")));
        assert!(accepts_gzip(&with("br;q=1.0, GZIP;q=0.5")));
        assert!(accepts_gzip(&with("*")));
        assert!(!accepts_gzip(&with("gzip;q=0")));
        assert!(!accepts_gzip(&with("br")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}

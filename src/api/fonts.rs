//! `/fonts/{fontstack}/{range}.pbf`: the map labels' glyphs (MapLibre's `glyphs` URL), so
//! no font host sees our visitors. The files are SDF glyph ranges of Noto Sans built
//! by `scripts/glyphs.sh` into `web/fonts/` and copied with `.br`/`.gz` twins into
//! `web/dist/fonts/` by the web build. A fontstack is MapLibre's comma-separated list:
//! the first font we hold answers, and another weight of Noto Sans gets our Regular. A well-formed range we do not ship answers an empty
//! glyph set (200, zero bytes: an empty protobuf message), so a label with a rare
//! character draws what it can instead of failing its whole range.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeFile;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::edge::extract::Path;
use crate::api::openapi::suffixed;
use crate::error::{ApiError, ErrorBody};

/// The fonts we serve, by the name styles use in `text-font`.
pub const FONTS: [&str; 1] = ["Noto Sans Regular"];
const CONTENT_TYPE: &str = "application/x-protobuf";

pub fn router() -> OpenApiRouter<AppState> {
    suffixed(OpenApiRouter::new(), routes!(glyphs))
}

/// Glyphs of a font for 256 code points (MapLibre's `glyphs` URL)
#[utoipa::path(get, path = "/fonts/{fontstack}/{range}.pbf", tag = "web",
    params(
        ("fontstack" = String, Path, description = "Comma-separated font names; the first we hold answers (we hold: Noto Sans Regular; other weights of Noto Sans get it too)"),
        ("range" = String, Path, description = "First and last code point of a range of 256, e.g. 0-255 or 7680-7935")),
    responses(
        (status = 200, description = "SDF glyphs as a protobuf (empty when we ship none of that range)", body = Vec<u8>, content_type = "application/x-protobuf"),
        (status = 304, description = "not modified since If-Modified-Since"),
        (status = 404, description = "no font of the stack is ours, or the range is not one of 256 code points", body = ErrorBody)))]
async fn glyphs(
    State(state): State<AppState>,
    Path((fontstack, file)): Path<(String, String)>,
    req: Request,
) -> Result<Response, ApiError> {
    let font = font_for(&fontstack)
        .ok_or_else(|| ApiError::NotFound(format!("no glyphs for {fontstack:?}")))?;
    let start = parse_range(&file)
        .ok_or_else(|| ApiError::NotFound(format!("{file:?} is not a glyph range")))?;
    let path = state
        .config
        .web_dir
        .join("dist/fonts")
        .join(font)
        .join(format!("{start}-{}.pbf", start + 255));
    let mut res = if path.is_file() {
        match ServeFile::new(&path)
            .precompressed_br()
            .precompressed_gzip()
            .oneshot(req)
            .await
        {
            Ok(res) => res.into_response(),
            Err(never) => match never {},
        }
    } else {
        Response::new(axum::body::Body::empty())
    };
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    // Revalidated like every web file: a new build never meets stale glyphs.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(res)
}

/// The font that answers a stack: the first of its fonts we hold, else, for a weight or
/// style of Noto Sans we do not ship (a PMTiles style's "Noto Sans Medium"), our Noto
/// Sans Regular: the same letters in another weight rather than no label at all.
fn font_for(fontstack: &str) -> Option<&'static str> {
    let fonts = || fontstack.split(',').map(str::trim);
    fonts()
        .find_map(|f| FONTS.into_iter().find(|ours| *ours == f))
        .or_else(|| {
            fonts()
                .any(|f| f.starts_with("Noto Sans "))
                .then_some(FONTS[0])
        })
}

/// `7680-7935.pbf` → 7680: ranges of 256 code points within the Basic Multilingual Plane.
fn parse_range(file: &str) -> Option<u32> {
    let (start, end) = file.strip_suffix(".pbf")?.split_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.len() <= 5 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(start) || !digits(end) {
        return None;
    }
    let (start, end): (u32, u32) = (start.parse().ok()?, end.parse().ok()?);
    (start % 256 == 0 && end == start + 255 && end <= 0xFFFF).then_some(start)
}

#[cfg(test)]
mod tests {
    use super::{font_for, parse_range};

    #[test]
    fn a_stack_is_answered_by_its_first_font_we_hold_or_by_noto_sans_regular_for_its_family() {
        assert_eq!(font_for("Noto Sans Regular"), Some("Noto Sans Regular"));
        assert_eq!(
            font_for("Open Sans Bold, Noto Sans Regular"),
            Some("Noto Sans Regular")
        );
        assert_eq!(font_for("Noto Sans Medium"), Some("Noto Sans Regular"));
        assert_eq!(font_for("Arial Unicode MS Regular"), None);
        assert_eq!(font_for("../dist"), None);
    }

    #[test]
    fn only_whole_ranges_of_256_code_points_parse() {
        assert_eq!(parse_range("0-255.pbf"), Some(0));
        assert_eq!(parse_range("7680-7935.pbf"), Some(7680));
        assert_eq!(parse_range("65280-65535.pbf"), Some(65280));
        for bad in [
            "0-255",
            "1-256.pbf",
            "0-511.pbf",
            "65536-65791.pbf",
            "-255.pbf",
            "+0-255.pbf",
            "../0-255.pbf",
            "00000000000-255.pbf",
        ] {
            assert_eq!(parse_range(bad), None, "{bad}");
        }
    }
}

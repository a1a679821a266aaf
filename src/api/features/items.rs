//! `/collections/{id}/items` and `/collections/{id}/items/{featureId}`.
//!
//! Paging is by `offset` over a deterministic order (the index keeps institutions sorted
//! by id and areas by scheme and code; `sortby` breaks ties the same way), so `next` and
//! `prev` links list every feature exactly once while the data version (the `ETag`)
//! does not change.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::collections::Collection;
use super::geojson::{Feature, FeatureCollection, InstitutionFeature};
use super::html;
use super::params::{COMMON, Params};
use crate::api::AppState;
use crate::api::edge::extract::{Path, Query};
use crate::api::edge::links::{Links, link};
use crate::api::edge::negotiate::{Format, negotiate};
use crate::api::edge::validators::Validators;
use crate::error::{ApiError, ErrorBody};
use crate::features::areas::{self, AreaQuery};
use crate::features::geometry;
use crate::features::institutions::{self, InstitutionQuery, READINESS_FLAGS, query_words};
use crate::heavy::{Cancelled, Kind};
use crate::index::ServingIndex;
use crate::model::{AdminLevel, Level, OccupationCode, Scheme};

const OFFERED: &[Format] = &[Format::GeoJson, Format::Html];

/// Features of a collection
///
/// Paged by offset over a stable order (id, or sortby then id): next/prev links list
/// every feature once while the data version (ETag) is unchanged. Unknown or repeated
/// parameters are refused (400).
#[utoipa::path(get, path = "/collections/{collectionId}/items", tag = "features",
    params(("collectionId" = String, Path, description = "`institutions` or `admin-areas`", pattern = "^(institutions|admin-areas)$"), super::doc::ItemsParams),
    responses(
        (status = 200, description = "a page of features", content(
            (super::doc::FeatureCollection = "application/geo+json"), (String = "text/html"))),
        (status = 304, description = "not modified: the ETag still matches"),
        (status = 400, description = "a bad, unknown or repeated parameter (named in `parameter`)", body = ErrorBody),
        (status = 404, description = "no such collection", body = ErrorBody),
        (status = 406, description = "a format (f= or Accept) other than GeoJSON or HTML", body = ErrorBody)))]
pub async fn items(
    State(state): State<AppState>,
    Path(collection_id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let coll = Collection::find(&collection_id)?;
    let params = Params::new(pairs, &[COMMON, coll.extra_params()])?;
    let format = negotiate(params.get("f"), &headers, OFFERED)?;
    let page = params.page()?;
    params.crs("crs")?;
    let index = state.index.current();
    // Everything is parsed before the 304 check, so a bad request is a 400 either way.
    let selection = match coll {
        Collection::Institutions => Selection::Institutions(institution_query(&params)?),
        Collection::AdminAreas => Selection::Areas(area_query(&params)?),
    };
    let wanted = match coll {
        Collection::Institutions => params.properties(&institutions::property_names())?,
        Collection::AdminAreas => params.properties(&areas::property_names())?,
    };
    let validators = Validators::new(
        index.version(),
        index.built_at(),
        &variant(&uri, &headers, format),
    );
    if let Some(r) = validators.not_modified(&headers) {
        return Ok(r);
    }

    let matched = match selection {
        Selection::Institutions(q) if q.looks_at_everything() => {
            // A filter or free text over every record costs a tenth of a second or more
            // at national scale: under the `scan` limit, once for identical requests.
            let key = format!("{}|{}", index.version(), uri.query().unwrap_or_default());
            let scanned = index.clone();
            state
                .heavy
                .run(
                    Kind::Scan,
                    &key,
                    || None,
                    move |_| {
                        Ok::<_, Cancelled>(Arc::new(institutions::select_page(
                            &scanned,
                            &q,
                            page.offset,
                            page.limit,
                        )))
                    },
                )
                .await?
        }
        Selection::Institutions(q) => Arc::new(institutions::select_page(
            &index,
            &q,
            page.offset,
            page.limit,
        )),
        Selection::Areas(q) => Arc::new(areas::select_page(&index, &q, page.offset, page.limit)),
    };
    let l = Links::new(state.config.public_url.as_deref(), &headers);
    // The page was cut by the selection (no sort of every match): `positions` are
    // matches[start..end] of the full order.
    let start = page.offset.min(matched.matched);
    let end = start + matched.positions.len();
    let features: Vec<Feature> = matched
        .positions
        .iter()
        .map(|&n| feature_at(coll, &index, n, &l, wanted.as_deref()))
        .collect();

    let path = format!("/collections/{}/items", coll.id());
    let keep: Vec<(&str, &str)> = params
        .pairs()
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "offset" | "limit" | "f"))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let limit = page.limit.to_string();
    let page_link = |offset: usize, f: &str| {
        let offset = offset.to_string();
        let mut pairs = keep.clone();
        pairs.extend([
            ("f", f),
            ("limit", limit.as_str()),
            ("offset", offset.as_str()),
        ]);
        l.with_query(&path, pairs)
    };
    let (this_type, this_f) = match format {
        Format::Html => ("text/html", "html"),
        _ => ("application/geo+json", "json"),
    };
    let mut links = vec![
        link(page_link(start, this_f), "self", this_type, "This page"),
        link(
            page_link(start, if this_f == "html" { "json" } else { "html" }),
            "alternate",
            if this_f == "html" {
                "application/geo+json"
            } else {
                "text/html"
            },
            if this_f == "html" {
                "This page as GeoJSON"
            } else {
                "Trang HTML / This page as HTML"
            },
        ),
        link(
            l.url(&format!("/collections/{}", coll.id()), "json"),
            "collection",
            "application/json",
            coll.title(),
        ),
    ];
    if end < matched.matched {
        links.push(link(
            page_link(end, this_f),
            "next",
            this_type,
            "Trang sau / Next page",
        ));
    }
    if start > 0 {
        let prev = start.saturating_sub(page.limit);
        links.push(link(
            page_link(prev, this_f),
            "prev",
            this_type,
            "Trang trước / Previous page",
        ));
    }
    let body = FeatureCollection::new(
        matched.matched,
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        links,
        features,
    );
    let mut response = match format {
        Format::Html => Html(html::items_page(coll, &as_value(&body)?, start)).into_response(),
        _ => geojson_response(body.to_bytes().map_err(unwritable)?),
    };
    validators.apply(&mut response);
    Ok(response)
}

/// One feature of a collection
#[utoipa::path(get, path = "/collections/{collectionId}/items/{featureId}", tag = "features",
    params(("collectionId" = String, Path, description = "`institutions` or `admin-areas`", pattern = "^(institutions|admin-areas)$"),
        ("featureId" = String, Path, description = "Institution id (slug), or an area's `{scheme}-{code}`"),
        super::doc::FormatOnly),
    responses(
        (status = 200, description = "the feature", content(
            (super::doc::Feature = "application/geo+json"), (String = "text/html"))),
        (status = 304, description = "not modified: the ETag still matches"),
        (status = 400, description = "an unknown or repeated parameter", body = ErrorBody),
        (status = 404, description = "no such collection or feature", body = ErrorBody),
        (status = 406, description = "a format (f= or Accept) other than GeoJSON or HTML", body = ErrorBody)))]
pub async fn item(
    State(state): State<AppState>,
    Path((collection_id, feature_id)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let coll = Collection::find(&collection_id)?;
    let params = Params::new(pairs, &[&["f"]])?;
    let format = negotiate(params.get("f"), &headers, OFFERED)?;
    let index = state.index.current();
    let l = Links::new(state.config.public_url.as_deref(), &headers);
    let feature = match coll {
        Collection::Institutions => index
            .institutions()
            .binary_search_by(|i| i.id.as_str().cmp(&feature_id))
            .ok()
            .map(|n| feature_at(coll, &index, n, &l, None)),
        Collection::AdminAreas => areas::by_feature_id(&index, &feature_id)
            .map(|a| Feature::Area(area_feature(a, &l, None))),
    }
    .ok_or_else(|| {
        ApiError::NotFound(format!(
            "no feature {feature_id:?} in collection {}",
            coll.id()
        ))
    })?;
    let validators = Validators::new(
        index.version(),
        index.built_at(),
        &variant(&uri, &headers, format),
    );
    if let Some(r) = validators.not_modified(&headers) {
        return Ok(r);
    }
    let mut response = match format {
        Format::Html => Html(html::item_page(coll, &as_value(&feature)?)).into_response(),
        _ => geojson_response(feature.to_bytes().map_err(unwritable)?),
    };
    validators.apply(&mut response);
    Ok(response)
}

enum Selection {
    Institutions(InstitutionQuery),
    Areas(AreaQuery),
}

fn institution_query(p: &Params) -> Result<InstitutionQuery, ApiError> {
    let mut flags = Vec::new();
    for &name in READINESS_FLAGS {
        if let Some(v) = p.boolean(name)? {
            flags.push((name, v));
        }
    }
    let code = |name: &str, digits: usize| -> Result<Option<String>, ApiError> {
        match p.text(name)? {
            Some(c) if c.len() != digits || !c.bytes().all(|b| b.is_ascii_digit()) => {
                Err(ApiError::bad_parameter(
                    name,
                    format!("{name} is a {digits}-digit GSO code, got {c:?}"),
                ))
            }
            other => Ok(other),
        }
    };
    Ok(InstitutionQuery {
        bbox: p.bbox()?,
        kinds: p.list("kind")?,
        ownerships: p.list("ownership")?,
        district: code("district", 3)?,
        commune: code("commune", 5)?,
        commune_pre2025: code("commune_pre2025", 5)?,
        occupation: p
            .text("occupation")?
            .map(|o| {
                OccupationCode::parse(&o)
                    .map_err(|e| ApiError::bad_parameter("occupation", e.message))
            })
            .transpose()?,
        levels: p.list::<Level>("level")?,
        flags,
        q: p.search_text("q")?
            .map(|q| query_words(&q))
            .unwrap_or_default(),
        datetime: p.datetime()?,
        filter: p.filter(institutions::FIELDS)?,
        sortby: p.sortby(institutions::FIELDS)?,
    })
}

fn area_query(p: &Params) -> Result<AreaQuery, ApiError> {
    Ok(AreaQuery {
        bbox: p.bbox()?,
        scheme: p
            .text("scheme")?
            .map(|s| {
                s.parse::<Scheme>().map_err(|_| {
                    ApiError::bad_parameter("scheme", format!("{s:?} is not one of: pre2025 2025"))
                })
            })
            .transpose()?,
        levels: p.list::<AdminLevel>("level")?,
        parent: p.text("parent")?,
        q: p.search_text("q")?
            .map(|q| query_words(&q))
            .unwrap_or_default(),
        datetime: p.datetime()?,
        filter: p.filter(areas::FIELDS)?,
        sortby: p.sortby(areas::FIELDS)?,
    })
}

/// The feature at position `n` of the collection's list in the index.
fn feature_at<'a>(
    coll: Collection,
    index: &'a ServingIndex,
    n: usize,
    l: &'a Links,
    wanted: Option<&'a [String]>,
) -> Feature<'a> {
    match coll {
        Collection::Institutions => Feature::Institution(InstitutionFeature {
            institution: &index.institutions()[n],
            base: l.base(),
            wanted,
        }),
        Collection::AdminAreas => Feature::Area(area_feature(&index.areas()[n], l, wanted)),
    }
}

fn area_feature(a: &crate::model::AdminArea, l: &Links, wanted: Option<&[String]>) -> Value {
    let id = areas::feature_id(a);
    let self_path = format!("/collections/admin-areas/items/{id}");
    feature(
        &id,
        a.geometry
            .as_ref()
            .map_or(Value::Null, geometry::multipolygon),
        select(areas::properties(a), wanted),
        vec![
            link(
                l.url(&self_path, "json"),
                "self",
                "application/geo+json",
                &a.name,
            ),
            link(
                l.url(&self_path, "html"),
                "alternate",
                "text/html",
                "Trang HTML / As HTML",
            ),
            link(
                l.url("/collections/admin-areas", "json"),
                "collection",
                "application/json",
                "admin-areas",
            ),
        ],
    )
}

fn feature(id: &str, geometry: Value, properties: Map<String, Value>, links: Vec<Value>) -> Value {
    json!({
        "type": "Feature",
        "id": id,
        "geometry": geometry,
        "properties": properties,
        "links": links,
    })
}

/// The body as a JSON value, for the HTML pages.
fn as_value(body: &impl serde::Serialize) -> Result<Value, ApiError> {
    serde_json::to_value(body).map_err(unwritable)
}

/// Serialising our own structs fails only on a bug (a map key that is not a string).
fn unwritable(e: serde_json::Error) -> ApiError {
    ApiError::Internal(format!("could not write the GeoJSON body: {e}"))
}

fn select(mut props: Map<String, Value>, wanted: Option<&[String]>) -> Map<String, Value> {
    if let Some(w) = wanted {
        props.retain(|k, _| w.iter().any(|n| n == k));
    }
    props
}

fn geojson_response(body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "application/geo+json")], body).into_response()
}

/// What distinguishes one representation from another for the ETag: the URL, the
/// host the links are written for, the media type.
pub fn variant(uri: &Uri, headers: &HeaderMap, format: Format) -> String {
    format!(
        "{}\n{}\n{}",
        uri.path_and_query().map_or(uri.path(), |p| p.as_str()),
        headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or(""),
        format.media_type()
    )
}

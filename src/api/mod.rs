//! The HTTP API: one module per resource, each exposing `router()`, merged here; the
//! edge every request passes through (state, layers, parameters, links, validators)
//! lives in [`edge`].

mod basemap;
mod coverage;
pub mod credentials;
pub mod edge;
pub mod features;
mod fonts;
mod health;
mod html;
mod indicators;
mod institutions;
mod locate;
mod nearby;
mod officials;
mod ogc_tiles;
pub mod openapi;
pub mod profile;
mod progress;
mod report;
mod search;
mod tiles;
mod web;

use std::sync::Arc;

use axum::{Extension, Router};

pub use edge::{AppState, Services};

/// The whole application; tests call it too.
pub fn router(state: AppState) -> Router {
    let (routes, document) = documented_routes(&state);
    let edge_state = state.clone();
    let routes = routes
        .layer(Extension(Arc::new(openapi::ApiDocument::new(&document))))
        .fallback(web::static_file)
        .with_state(state);
    edge::layers::apply(routes, &edge_state)
}

/// The served OpenAPI document (what `/api` answers in JSON), without serving.
pub fn api_document(state: &AppState) -> serde_json::Value {
    documented_routes(state).1
}

/// Every route, each registered with its documentation, and the document they make.
fn documented_routes(state: &AppState) -> (Router<AppState>, serde_json::Value) {
    let (routes, openapi) = openapi::base()
        .merge(health::router())
        .merge(institutions::router())
        .merge(web::router())
        .merge(fonts::router())
        .merge(features::router())
        .merge(openapi::router())
        .merge(tiles::tile_router())
        .merge(
            // Answers that follow from the request and the data alone: revalidated by the
            // data version, so a repeat visit of the map costs 304s.
            utoipa_axum::router::OpenApiRouter::new()
                .merge(tiles::router())
                .merge(ogc_tiles::router())
                .merge(basemap::router())
                .merge(nearby::router())
                .merge(search::router())
                .merge(locate::router())
                .route_layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    edge::validators::revalidate_by_data_version,
                )),
        )
        .merge(profile::router())
        .merge(html::router())
        .merge(credentials::router())
        .merge(coverage::router())
        .merge(indicators::router())
        .merge(progress::router())
        .merge(report::router())
        .merge(officials::router())
        .split_for_parts();
    let document = openapi::document(&openapi, state.config.public_url.as_deref());
    (routes, document)
}

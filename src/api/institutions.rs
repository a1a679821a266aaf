//! `/api/v1/institutions`: the whole network as a plain JSON list, the simplest view of
//! the serving index (the OGC API collections are the standard, filterable one).

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use crate::index::Institutions;
use crate::model::Institution;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_institutions))
}

/// Serialised from the index as it is, without copying the institutions.
#[derive(Serialize, ToSchema)]
struct InstitutionList<'a> {
    data_version: &'a str,
    count: usize,
    /// By id.
    #[schema(value_type = Vec<Institution>)]
    institutions: &'a Institutions,
}

/// The whole network as a plain JSON list
#[utoipa::path(get, path = "/api/v1/institutions", tag = "institutions",
    responses((status = 200, description = "all institutions, by id", body = InstitutionList)))]
async fn list_institutions(State(state): State<AppState>) -> Response {
    let index = state.index.current();
    Json(InstitutionList {
        data_version: index.version(),
        count: index.institutions().len(),
        institutions: index.institutions(),
    })
    .into_response()
}

//! `/api/v1/institutions`: the whole network as a plain JSON list, the simplest view of
//! the serving index (the OGC API collections are the standard, filterable one).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/institutions", get(list_institutions))
}

async fn list_institutions(State(state): State<AppState>) -> Json<Value> {
    let index = state.index.current();
    Json(json!({
        "data_version": index.version(),
        "count": index.institutions().len(),
        "institutions": index.institutions(),
    }))
}

//! The document's shared components that no handler type carries: the responses the
//! edge gives any request, and how officials authenticate.

use serde_json::{Value, json};

/// Adds `components.responses` (the edge's answers, all with the error body) and
/// `components.securitySchemes`.
pub fn add_components(doc: &mut Value) {
    let error = |description: &str| {
        json!({"description": description, "content": {"application/json": {"schema":
            {"$ref": "#/components/schemas/ErrorBody"}}}})
    };
    let components = &mut doc["components"];
    components["responses"] = json!({
        "ServerError": error("Our error (`ServerError`); quote the x-request-id response header"),
        "Unavailable": error(
            "`NotReady` (the data is not loaded yet), `Timeout` (longer than \
             VETMAP_REQUEST_TIMEOUT_SECS), `Busy` (too much heavy work at once; see \
             Retry-After), `DatabaseUnavailable` or `NeedsDatabase`"),
        "RequestTimeout": error("The request body paused longer than VETMAP_BODY_READ_TIMEOUT_SECS"),
        "PayloadTooLarge": error("The request body is over this endpoint's or the server's limit (VETMAP_MAX_BODY_BYTES)"),
    });
    components["securitySchemes"] = json!({
        "apiToken": {"type": "http", "scheme": "bearer", "bearerFormat": "vmt_…",
            "description": "A personal API token (POST /api/v1/tokens from a signed-in session); needs no CSRF token"},
        "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "vetmap_session",
            "description": "The session cookie set by POST /api/v1/session"},
        "csrfToken": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token",
            "description": "The session's CSRF token (in the sign-in answer), required with the cookie on every write"},
    });
}

//! The HTTP edge: everything a request meets before and after its resource's handler,
//! in one place so that a new route gets all of it by default.
//!
//! - [`state`]: `AppState`, what handlers may reach.
//! - [`layers`]: the stack every request passes through (request ids, tracing, CORS,
//!   compression, timeouts, body limits, refusals as JSON).
//! - [`extract`]: axum's extractors with our JSON errors as rejections.
//! - [`params`]: query parameters parsed into domain values (numbers, points, limits,
//!   closed vocabularies).
//! - [`links`]: the base URL of absolute links, query strings.
//! - [`negotiate`]: `f=` and `Accept`.
//! - [`validators`]: ETags, `Last-Modified`, `304`.
//! - [`heavy`]: heavy work's refusals (503 Busy) and cancellations as responses, and
//!   large bodies rendered under a kind's limit, once for identical requests.

pub mod extract;
pub mod heavy;
pub mod layers;
pub mod links;
pub mod negotiate;
pub mod params;
pub mod state;
pub mod validators;

pub use state::AppState;

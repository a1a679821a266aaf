//! The HTTP edge: everything a request meets before and after its resource's handler,
//! in one place so that a new route gets all of it by default.
//!
//! - [`connections`]: the serve loop: connection caps, header, idle and shutdown bounds.
//! - [`state`]: `AppState`, what handlers may reach.
//! - [`auth`]: who is asking (session cookie + CSRF token, or a personal API token).
//! - [`layers`]: the stack every request passes through (request ids, tracing, CORS,
//!   compression, timeouts, body limits and body pauses, refusals as JSON).
//! - [`headers`]: the security headers of every response (CSP, framing, nosniff,
//!   referrer, opener and permissions policies).
//! - [`connections`]: the accept loop: header-read and idle timeouts, caps on open
//!   connections.
//! - [`client`]: the client's address behind the trusted proxies (`ClientAddr`).
//! - [`extract`]: axum's extractors with our JSON errors as rejections, and the
//!   `application/json` gate of JSON bodies.
//! - [`params`]: query parameters parsed into domain values (numbers, points, limits,
//!   closed vocabularies).
//! - [`links`]: the base URL of absolute links, query strings.
//! - [`negotiate`]: `f=` and `Accept`; [`encoding`]: `Accept-Encoding` for responses
//!   kept in their codings (tiles), which the compression layer leaves alone.
//! - [`validators`]: ETags, `Last-Modified`, `304`.
//! - [`metrics`]: requests, latency, refusals and the server's state for Prometheus.
//! - [`heavy`]: heavy work's refusals (503 Busy) and cancellations as responses, and
//!   large bodies rendered under a kind's limit, once for identical requests.

pub mod auth;
pub mod client;
pub mod connections;
pub mod encoding;
pub mod extract;
pub mod headers;
pub mod heavy;
pub mod layers;
pub mod links;
pub mod metrics;
pub mod negotiate;
pub mod params;
pub mod state;
pub mod validators;

pub use state::{AppState, Services};

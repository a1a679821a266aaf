//! Heavy work at the edge: [`crate::heavy`]'s refusals and cancellations as responses,
//! and one way for handlers to produce a large body (a file, a report, a tile) under a
//! kind's limit, computed once for identical requests in flight.
//!
//! The mechanism itself lives in `crate::heavy` because the domain's loops poll its
//! cancellation token and the domain knows nothing of HTTP; this file is what HTTP adds.

use axum::body::Bytes;

use super::AppState;
use crate::error::ApiError;
use crate::heavy::{Cancel, Cancelled, HeavyError, Kind};

impl<E: Into<ApiError>> From<HeavyError<E>> for ApiError {
    fn from(e: HeavyError<E>) -> Self {
        match e {
            HeavyError::Busy {
                kind,
                limit,
                retry_after_secs,
            } => ApiError::Busy {
                description: format!(
                    "this server is already running {limit} {kind} computation(s), its limit \
                     (VETMAP_HEAVY_CONCURRENCY): try again in {retry_after_secs} s"
                ),
                retry_after_secs,
            },
            HeavyError::Cancelled(c) => c.into(),
            HeavyError::Lost(kind) => {
                ApiError::Internal(format!("the {kind} computation panicked"))
            }
            HeavyError::Failed(e) => e.into(),
        }
    }
}

impl From<Cancelled> for ApiError {
    /// Work is cancelled when nobody waits any more (this answer then goes nowhere) or
    /// at the request timeout.
    fn from(_: Cancelled) -> Self {
        ApiError::Timeout(
            "the computation took longer than this server's timeout \
             (VETMAP_REQUEST_TIMEOUT_SECS) and was stopped: ask for less (larger cells, \
             an occupation)"
                .into(),
        )
    }
}

/// The body `make` renders, under one of `kind`'s permits, shared by every identical
/// request (same `key`) in flight. Nothing is cached: a repeat renders again from what
/// the domain caches.
pub async fn render(
    state: &AppState,
    kind: Kind,
    key: String,
    make: impl FnOnce(&Cancel) -> Result<Vec<u8>, Cancelled> + Send + 'static,
) -> Result<Bytes, ApiError> {
    let body = state
        .heavy
        .run(
            kind,
            &key,
            || None,
            move |cancel| make(cancel).map(Bytes::from),
        )
        .await?;
    Ok(body)
}

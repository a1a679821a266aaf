//! What officials do when signed in: sign in and out ([`session`]), manage accounts
//! ([`accounts`]) and their personal API tokens ([`tokens`]), edit institutions
//! ([`edits`]), report the Plan's figures per period and review them ([`reports`]; the
//! province's own figures: [`province_reports`]), and
//! read the history ([`history`]). Everything here needs the database
//! (503 `NeedsDatabase` on the bundled files) and an [`Official`](super::edge::auth::Official).

mod accounts;
mod edits;
mod history;
pub(super) mod province_reports;
mod reports;
mod session;
mod tokens;

use utoipa_axum::router::OpenApiRouter;

use super::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(session::router())
        .merge(accounts::router())
        .merge(tokens::router())
        .merge(edits::router())
        .merge(history::router())
        .merge(reports::router())
        .merge(province_reports::router())
}

/// JSON bodies of officials' requests are small: a whole institution with a few
/// hundred programmes fits in far less.
pub const BODY_LIMIT: usize = 256 * 1024;

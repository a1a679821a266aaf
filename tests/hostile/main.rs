//! The hostile-input suite (issue 13): the real server, started in this process, meets
//! generated input on every route, and every answer is checked the same way
//! (`check.rs`): never a 5xx (but a 503 `Busy` or `NeedsDatabase` with its JSON body),
//! every refusal with the JSON error body of `src/error.rs`, and `/health` answering 200
//! after each case. A stack overflow or an abort in a handler kills this process, so a
//! crash fails the suite too.
//!
//! Inputs come from proptest strategies with a fixed seed and a fixed number of cases
//! per part (`check::run`), so a run is reproducible and bounded in time; proptest
//! shrinks a failing input before it is reported. The routes come from the server's own
//! `/api` document at run time (`api_doc.rs`), so a route added later is covered without
//! a change here. Each part prints how many inputs it ran (on stderr, uncaptured):
//! `cargo test --test hostile -- --nocapture` is not needed to see them.
//!
//! Parts: `routes.rs` (query strings, path segments, methods and headers on every
//! documented operation, and the static files), `cql.rs` (CQL2 text and JSON from the
//! grammar), `tiles.rs` (tile paths), `bodies.rs` (JSON bodies to every write, as a
//! signed-in administrator on PostGIS), `csv.rs` (CSV files to `vetmap import --check`
//! and to the credential upload), `raw.rs` (what only a raw socket can send, and the
//! regressions the suite found).

#[path = "../common/mod.rs"]
mod common;

mod api_doc;
mod bodies;
mod check;
mod cql;
mod csv;
mod raw;
mod routes;
mod tiles;
mod values;

/// The bundled server as `vetmap serve` runs it, with the per-client limit on
/// credential checks lifted: every case comes from one address, and a case should
/// reach the check, not the limit.
pub fn server_config() -> vetmap::Config {
    let mut config = common::bundled_config();
    config.verify_rate_per_minute = 1_000_000;
    config
}

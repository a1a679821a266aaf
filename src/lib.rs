//! vetmap: the digital map of a province's vocational education (GDNN) network.
//!
//! # Layout
//!
//! - [`config`]: flags and environment, read once.
//! - [`model`]: domain types (institutions, programmes, areas, occupations, credentials,
//!   population), validated at construction.
//! - [`store`]: PostGIS (the system of record, all SQL) and the file formats (the bundled
//!   dataset, import and export).
//! - [`index`]: the in-memory serving index every read goes through.
//! - [`tiles`]: vector tiles (MVT) of the network, clustered, cached.
//! - [`search`]: Vietnamese folding, text search and nearest institutions.
//! - [`features`]: OGC API – Features' domain side: queryables, CQL2 filters, sorting,
//!   GeoJSON geometry.
//! - [`coverage`]: where institutions teaching an occupation are within reach and where
//!   they are not, per area and on a hexagonal grid, for officials.
//! - [`indicators`]: the Plan's digital-transformation indicators and their dated
//!   snapshots.
//! - [`credentials`]: diploma and certificate verification, signed statements, status
//!   lists (holder data never leaves it).
//! - [`heavy`]: heavy work bounded: limits per kind, single flight, cancellation.
//! - [`auth`]: officials' accounts: passwords, secrets, roles and what each may do.
//! - [`api`]: HTTP resources, one module each, behind one edge (`api::edge`: connections,
//!   layers, headers, parameters, sign-in); [`error`] turns failures into responses.
//! - [`export`]: the public map as static files: every tileset in one PMTiles archive.
//! - [`synth`]: reproducible synthetic networks for scale tests and benchmarks.
//! - [`app`]: wiring: load a source, build the index, bind, serve, shut down.
//!
//! Data flows one way: a source (files or PostGIS) → [`model::Dataset`] →
//! [`index::ServingIndex`] → handlers. Writes (officials' edits, imports, GIS users) go to
//! PostGIS, which records their history and whose triggers notify every server to rebuild
//! and swap its index.

// One exception, `index/memory.rs` (glibc's mallopt and malloc_trim), is allowed there.
#![deny(unsafe_code)]

pub mod api;
pub mod app;
pub mod auth;
pub mod config;
pub mod coverage;
pub mod credentials;
pub mod error;
pub mod export;
pub mod features;
pub mod heavy;
pub mod index;
pub mod indicators;
pub mod model;
pub mod search;
pub mod store;
pub mod synth;
pub mod tiles;

pub use app::Application;
pub use config::Config;

//! The Plan's scorecard (Decision 2104/QĐ-UBND, part II.2): [`definitions`] quotes its
//! twelve targets and says how each indicator is measured and where its figures come
//! from (institutions' figures, what this service holds, or the province's own report,
//! [`province`]); [`compute`] counts them (province and per area) from the institutions'
//! records, [`period`] from the figures reported for a period; [`caveats`] says what
//! they cannot claim, in both languages; [`holdings`] reads the credentials behind target
//! d4; [`snapshot`] fixes values by date or period, [`progress`] lines them up towards
//! the targets and [`chart`] draws that; [`export`] writes CSV and GeoJSON; [`cache`]
//! keeps reports per data version.

pub mod cache;
pub mod caveats;
pub mod chart;
pub mod compute;
pub mod definitions;
pub mod export;
pub mod holdings;
pub mod period;
pub mod progress;
pub mod province;
pub mod snapshot;

pub use cache::IndicatorsCache;
pub use compute::{Counts, IndicatorResult, IndicatorsReport, Inputs, compute, compute_with};
pub use definitions::{DEFINITIONS, Definition, definition};
pub use holdings::{Holdings, HoldingsCache};
pub use period::compute_for_period;
pub use province::{ProvinceFigure, ProvinceReport};
pub use snapshot::{Snapshot, SnapshotRow};

#[cfg(test)]
mod tests;

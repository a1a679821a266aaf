//! The Plan's digital-transformation indicators (Decision 2104/QĐ-UBND), computed from
//! institution data: [`definitions`] quotes the Plan and says how each is measured,
//! [`compute`] counts them (province and per area) from the institutions' records,
//! [`period`] from the figures they reported for a period, [`snapshot`] fixes them by
//! date so progress over time shows, [`export`] writes CSV and GeoJSON, [`cache`] keeps
//! reports per data version.

pub mod cache;
pub mod compute;
pub mod definitions;
pub mod export;
pub mod period;
pub mod snapshot;

pub use cache::IndicatorsCache;
pub use compute::{Counts, IndicatorResult, IndicatorsReport, compute, compute_with};
pub use definitions::{DEFINITIONS, Definition, definition};
pub use period::compute_for_period;
pub use snapshot::{Snapshot, SnapshotRow};

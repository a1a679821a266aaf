//! Indicator values fixed in time, so that progress towards the targets shows: a dated
//! snapshot of the current data (one per day), or a period's snapshot of the indicators
//! from that year's reports (one per period; taking it again replaces it). Stored in
//! PostGIS (`indicator_snapshots`) by `vetmap indicators snapshot [--period YYYY]`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::IndicatorsReport;
use crate::model::report::Period;

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SnapshotRow {
    pub indicator: String,
    pub in_scope: i32,
    pub unknown: i32,
    pub numerator: f64,
    pub denominator: f64,
    pub value_pct: Option<f64>,
    /// The value if every unknown were "no" / "yes" (`None` in snapshots taken before
    /// these were kept).
    pub lower_bound_pct: Option<f64>,
    pub upper_bound_pct: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Snapshot {
    pub taken_on: NaiveDate,
    pub taken_at: DateTime<Utc>,
    /// Set for a period's snapshot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    pub data_version: String,
    pub rows: Vec<SnapshotRow>,
}

impl Snapshot {
    /// The province-wide values of a report, dated `taken_on`; a period's snapshot when
    /// the report is a period's.
    pub fn of(report: &IndicatorsReport, taken_on: NaiveDate) -> Self {
        Self {
            taken_on,
            taken_at: report.computed_at,
            period: report.period.as_ref().map(|p| p.period),
            data_version: report.data_version.clone(),
            rows: report
                .indicators
                .iter()
                .map(|i| SnapshotRow {
                    indicator: i.id.to_owned(),
                    in_scope: i32::try_from(i.counts.in_scope).unwrap_or(i32::MAX),
                    unknown: i32::try_from(i.counts.unknown).unwrap_or(i32::MAX),
                    numerator: i.counts.numerator,
                    denominator: i.counts.denominator,
                    value_pct: i.counts.value_pct,
                    lower_bound_pct: i.counts.lower_bound_pct,
                    upper_bound_pct: i.counts.upper_bound_pct,
                })
                .collect(),
        }
    }
}

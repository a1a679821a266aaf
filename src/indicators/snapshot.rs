//! Indicator values fixed at a date, so that progress towards the targets shows over
//! time. Stored in PostGIS (`indicator_snapshots`) by `vetmap indicators snapshot`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::IndicatorsReport;

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SnapshotRow {
    pub indicator: String,
    pub in_scope: i32,
    pub unknown: i32,
    pub numerator: f64,
    pub denominator: f64,
    pub value_pct: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Snapshot {
    pub taken_on: NaiveDate,
    pub taken_at: DateTime<Utc>,
    pub data_version: String,
    pub rows: Vec<SnapshotRow>,
}

impl Snapshot {
    /// The province-wide values of a report, dated `taken_on`.
    pub fn of(report: &IndicatorsReport, taken_on: NaiveDate) -> Self {
        Self {
            taken_on,
            taken_at: report.computed_at,
            data_version: report.data_version.clone(),
            rows: report
                .indicators
                .iter()
                .map(|i| SnapshotRow {
                    indicator: i.id.to_owned(),
                    in_scope: i.counts.in_scope as i32,
                    unknown: i.counts.unknown as i32,
                    numerator: i.counts.numerator,
                    denominator: i.counts.denominator,
                    value_pct: i.counts.value_pct,
                })
                .collect(),
        }
    }
}

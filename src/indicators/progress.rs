//! Each indicator's path towards its targets: its values over time (periods' snapshots,
//! dated snapshots, and now), each with the range its unknowns leave open, and the
//! targets with their years. [`super::chart`] draws it.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::definitions::{Basis, DEFINITIONS, Target};
use super::{IndicatorsReport, Snapshot};
use crate::model::report::Period;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PointKind {
    /// A period's snapshot: the indicators from that year's reports.
    Period,
    /// A dated snapshot of the data as it was that day.
    Dated,
    /// The value now (for a province-reported indicator: its latest reported period).
    Now,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Point {
    /// Where on the time axis: the day of a dated snapshot, the last day of a period,
    /// today.
    pub at: NaiveDate,
    pub kind: PointKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// `None`: unknown (no known answer, or no report).
    pub value_pct: Option<f64>,
    /// The value if every unknown were "no" / "yes"; `None` when not known.
    pub lower_bound_pct: Option<f64>,
    pub upper_bound_pct: Option<f64>,
    pub unknown: usize,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Series {
    pub id: &'static str,
    pub target: &'static str,
    pub basis: &'static str,
    pub title_vi: &'static str,
    pub title_en: &'static str,
    pub targets: &'static [Target],
    /// Oldest first.
    pub points: Vec<Point>,
}

/// The last day of a reporting year: where a period's figures and a target "by year"
/// stand on the time axis.
pub fn end_of(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// Every indicator's series from `snapshots` (any order; rows of indicators no longer
/// defined are left out) and the values `now` (dated `today`).
pub fn series(now: &IndicatorsReport, snapshots: &[Snapshot], today: NaiveDate) -> Vec<Series> {
    DEFINITIONS
        .iter()
        .map(|def| {
            let mut points: Vec<Point> = Vec::new();
            for s in snapshots {
                let Some(row) = s.rows.iter().find(|r| r.indicator == def.id) else {
                    continue;
                };
                points.push(Point {
                    at: s.period.map_or(s.taken_on, |p| end_of(p.year())),
                    kind: if s.period.is_some() {
                        PointKind::Period
                    } else {
                        PointKind::Dated
                    },
                    period: s.period,
                    value_pct: row.value_pct,
                    lower_bound_pct: row.lower_bound_pct,
                    upper_bound_pct: row.upper_bound_pct,
                    unknown: usize::try_from(row.unknown).unwrap_or(0),
                });
            }
            if let Some(ind) = now.indicators.iter().find(|i| i.id == def.id) {
                // A province figure belongs to the period it was reported for; with no
                // report it is unknown today.
                let period = match def.basis {
                    Basis::Province(_) => ind
                        .province_report
                        .as_ref()
                        .and_then(|r| r.as_ref())
                        .map(|r| r.period),
                    _ => None,
                };
                let at = period.map_or(today, |p| end_of(p.year()));
                // The live value replaces a snapshot at the same place.
                points.retain(|p| p.at != at);
                points.push(Point {
                    at,
                    kind: PointKind::Now,
                    period,
                    value_pct: ind.counts.value_pct,
                    lower_bound_pct: ind.counts.lower_bound_pct,
                    upper_bound_pct: ind.counts.upper_bound_pct,
                    unknown: ind.counts.unknown,
                });
            }
            points.sort_by_key(|p| p.at);
            Series {
                id: def.id,
                target: def.target,
                basis: def.basis.name(),
                title_vi: def.title_vi,
                title_en: def.title_en,
                targets: def.targets,
                points,
            }
        })
        .collect()
}

/// The years a chart spans: from the Plan's year (2022) or the first point, to its
/// horizon (2030) or the last point or target.
pub fn years(s: &Series) -> (i32, i32) {
    let first = s.points.iter().map(|p| p.at.year()).min().unwrap_or(2022);
    let last = s
        .points
        .iter()
        .map(|p| p.at.year())
        .chain(s.targets.iter().filter_map(|t| t.year.map(i32::from)))
        .max()
        .unwrap_or(2030);
    (first.min(2022), last.max(2030))
}

#[cfg(test)]
mod tests;

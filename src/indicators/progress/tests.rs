//! Series from snapshots and the current values, on a visible fixture.

use chrono::{DateTime, NaiveDate};

use super::*;
use crate::index::ServingIndex;
use crate::indicators::{Holdings, Inputs, SnapshotRow, compute};
use crate::model::{AdminLevel, Dataset, Scheme};

fn snapshot(taken_on: &str, period: Option<i32>, value: Option<f64>) -> Snapshot {
    Snapshot {
        taken_on: taken_on.parse().unwrap(),
        taken_at: DateTime::from_timestamp(1_750_000_000, 0).unwrap(),
        period: period.map(Period::stored),
        data_version: "t".into(),
        rows: vec![
            SnapshotRow {
                indicator: "digital_platform_connection".into(),
                in_scope: 4,
                unknown: 1,
                numerator: 2.0,
                denominator: 3.0,
                value_pct: value,
                lower_bound_pct: Some(50.0),
                upper_bound_pct: Some(75.0),
            },
            SnapshotRow {
                indicator: "retired_indicator".into(),
                in_scope: 1,
                unknown: 0,
                numerator: 1.0,
                denominator: 1.0,
                value_pct: Some(100.0),
                lower_bound_pct: None,
                upper_bound_pct: None,
            },
        ],
    }
}

#[test]
fn periods_stand_at_their_years_end_and_now_comes_last() {
    let index = ServingIndex::build(Dataset::default());
    let held = Holdings::default();
    let now = compute(
        &index,
        Scheme::Pre2025,
        AdminLevel::District,
        Inputs {
            holdings: &held,
            province: &[],
        },
    );
    let today = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    let snaps = [
        snapshot("2026-01-15", Some(2025), Some(66.7)),
        snapshot("2024-05-01", None, None),
    ];
    let all = series(&now, &snaps, today);
    assert_eq!(all.len(), crate::indicators::DEFINITIONS.len());
    let s = all
        .iter()
        .find(|s| s.id == "digital_platform_connection")
        .unwrap();
    let at: Vec<String> = s.points.iter().map(|p| p.at.to_string()).collect();
    assert_eq!(at, ["2024-05-01", "2025-12-31", "2026-03-01"]);
    assert_eq!(s.points[0].value_pct, None, "an unknown stays unknown");
    assert_eq!(s.points[1].kind, PointKind::Period);
    assert_eq!(s.points[1].period, Some(Period::stored(2025)));
    assert_eq!(s.points[2].kind, PointKind::Now);
    assert_eq!(years(s), (2022, 2030));
    // An indicator without snapshots has only now; rows of no indicator are dropped.
    let other = all.iter().find(|s| s.id == "inspections_digital").unwrap();
    assert_eq!(other.points.len(), 1);
    assert_eq!(
        other.points[0].value_pct, None,
        "the department has not reported"
    );
    assert!(all.iter().all(|s| s.id != "retired_indicator"));
}

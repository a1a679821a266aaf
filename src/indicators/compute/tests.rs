//! Indicators against figures computed by hand on a visible fixture of six institutions.

use serde_json::{Value, json};

use super::*;
use crate::model::{Dataset, Record};

fn inst(id: &str, kind: &str, district: &str, readiness: Value) -> Institution {
    let mut m = match json!({
        "id": id, "name_vi": id, "kind": kind, "ownership": "public", "lon": 106.3, "lat": 9.9,
        "position_accuracy": "town", "district_pre2025": district, "source": "test",
        "updated_at": "2026-01-01T00:00:00Z"
    }) {
        Value::Object(m) => m,
        _ => unreachable!(),
    };
    if let Value::Object(r) = readiness {
        m.extend(r);
    }
    Institution::from_record(&Record::new(m)).unwrap()
}

fn fixture() -> ServingIndex {
    let src = "illustrative values for a test";
    ServingIndex::build(Dataset {
        institutions: vec![
            // Colleges: one fully ready, one connected but records unknown, one not ready.
            inst(
                "cd-one",
                "college",
                "842",
                json!({"digital_infrastructure": true, "connected_national_platform": true,
                "digitised_learning_records": true, "digitised_diplomas": true, "teachers_digital_trained_pct": 80.0,
                "high_quality_school": true, "digital_school": true, "readiness_source": src}),
            ),
            inst(
                "cd-two",
                "college",
                "843",
                json!({"digital_infrastructure": true, "connected_national_platform": true,
                "digitised_learning_records": true, "teachers_digital_trained_pct": 40.0,
                "high_quality_school": true, "readiness_source": src}),
            ),
            inst(
                "cd-three",
                "college",
                "843",
                json!({"digital_infrastructure": false,
                "digitised_learning_records": false, "digitised_diplomas": true,
                "high_quality_school": false, "readiness_source": src}),
            ),
            // Centres: one connected, one unknown connection, one with nothing known.
            inst(
                "tt-one",
                "gdnn_gdtx_centre",
                "842",
                json!({"digital_infrastructure": true, "connected_national_platform": true,
                "teachers_digital_trained_pct": 30.0, "readiness_source": src}),
            ),
            inst(
                "tt-two",
                "gdnn_gdtx_centre",
                "842",
                json!({"digital_infrastructure": true, "readiness_source": src}),
            ),
            inst("tt-three", "gdnn_gdtx_centre", "843", json!({})),
            // A university: outside the colleges-and-centres scope.
            inst(
                "dh-one",
                "university",
                "842",
                json!({"digital_infrastructure": false, "connected_national_platform": false,
                "digitised_learning_records": true, "digitised_diplomas": true}),
            ),
        ],
        version: "t".into(),
        ..Dataset::default()
    })
}

/// The institutions' own figures, nothing held, nothing reported by the province.
fn compute(index: &ServingIndex, scheme: Scheme, level: AdminLevel) -> IndicatorsReport {
    let held = Holdings::default();
    super::compute(
        index,
        scheme,
        level,
        Inputs {
            holdings: &held,
            province: &[],
        },
    )
}

fn get<'a>(r: &'a IndicatorsReport, id: &str) -> &'a IndicatorResult {
    r.indicators.iter().find(|i| i.id == id).unwrap()
}

#[test]
fn platform_connection_counts_colleges_and_centres_with_unknowns_apart() {
    let r = compute(&fixture(), Scheme::Pre2025, AdminLevel::District);
    let c = &get(&r, "digital_platform_connection").counts;
    // In scope: 3 colleges + 3 centres. Yes: cd-one, cd-two, tt-one. No: cd-three
    // (no infrastructure). Unknown: tt-two (connection unknown), tt-three (nothing).
    assert_eq!(c.in_scope, 6);
    assert_eq!((c.yes, c.no, c.unknown), (Some(3), Some(1), 2));
    assert_eq!(c.value_pct, Some(75.0));
    assert_eq!(c.lower_bound_pct, Some(50.0));
    assert_eq!(c.upper_bound_pct, Some(500.0 / 6.0));
    let t = &get(&r, "digital_platform_connection").targets;
    assert_eq!(t[0].year, Some(2025));
    assert_eq!(t[0].met, Some(true));
    assert_eq!(t[1].gap_pct, Some(25.0));
}

#[test]
fn digitised_records_for_colleges_and_for_everyone() {
    let r = compute(&fixture(), Scheme::Pre2025, AdminLevel::District);
    let col = &get(&r, "digitised_records_colleges").counts;
    // cd-one yes; cd-two diplomas unknown → unknown; cd-three records false → no.
    assert_eq!((col.yes, col.no, col.unknown), (Some(1), Some(1), 1));
    assert_eq!(col.value_pct, Some(50.0));
    let all = &get(&r, "digitised_records_all").counts;
    // + dh-one yes; tt-* all unknown.
    assert_eq!(all.in_scope, 7);
    assert_eq!((all.yes, all.no, all.unknown), (Some(2), Some(1), 4));
}

#[test]
fn teacher_training_is_the_mean_of_reported_shares() {
    let r = compute(&fixture(), Scheme::Pre2025, AdminLevel::District);
    let c = &get(&r, "teachers_digital_competence").counts;
    assert_eq!(c.denominator, 3.0);
    assert_eq!(c.numerator, 150.0);
    assert_eq!(c.value_pct, Some(50.0));
    assert_eq!(c.unknown, 4);
}

#[test]
fn high_quality_schools_only_count_those_known_to_be_high_quality() {
    let r = compute(&fixture(), Scheme::Pre2025, AdminLevel::District);
    let hq = get(&r, "high_quality_digital_schools");
    // cd-one (digital), cd-two (digital unknown); cd-three is not high quality;
    // four institutions have no high-quality status.
    assert_eq!(hq.counts.in_scope, 2);
    assert_eq!((hq.counts.yes, hq.counts.unknown), (Some(1), 1));
    assert_eq!(hq.scope_unknown, 4);
    assert_eq!(hq.targets[0].year, None);
}

#[test]
fn the_breakdown_by_district_adds_up_and_caveats_name_illustrative_sources() {
    let r = compute(&fixture(), Scheme::Pre2025, AdminLevel::District);
    let ind = get(&r, "digital_platform_connection");
    let codes: Vec<_> = ind.breakdown.iter().map(|a| a.code.clone()).collect();
    assert_eq!(codes, vec![Some("842".to_owned()), Some("843".to_owned())]);
    let d842 = &ind.breakdown[0].counts;
    // 842: cd-one yes, tt-one yes, tt-two unknown.
    assert_eq!((d842.yes, d842.no, d842.unknown), (Some(2), Some(0), 1));
    let sum: usize = ind.breakdown.iter().map(|a| a.counts.in_scope).sum();
    assert_eq!(sum, ind.counts.in_scope);
    let caveats: String = r.data_caveats.iter().map(|c| c.en.clone() + "\n").collect();
    assert!(
        caveats.contains("5 institution(s) are illustrative"),
        "{caveats}"
    );
    assert!(
        caveats.contains("2 institution(s) give no source"),
        "{caveats}"
    );
}

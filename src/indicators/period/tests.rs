//! A period's indicators against figures worked out by hand on four institutions, whose
//! own records say something else (the period must not read them).

use chrono::DateTime;
use serde_json::{Value, json};

use super::*;
use crate::indicators::{Holdings, IndicatorResult};
use crate::model::report::PlanReport;
use crate::model::{Dataset, InstitutionId, Record};

/// Every current readiness field "yes": a period that read them would show it.
fn inst(id: &str, kind: &str, district: &str) -> Institution {
    let Value::Object(m) = json!({
        "id": id, "name_vi": id, "kind": kind, "ownership": "public", "lon": 106.3,
        "lat": 9.9, "position_accuracy": "town", "district_pre2025": district,
        "source": "test", "updated_at": "2026-01-01T00:00:00Z",
        "digital_infrastructure": true, "connected_national_platform": true,
        "digitised_learning_records": true, "digitised_diplomas": true,
        "teachers_digital_trained_pct": 100.0, "high_quality_school": true,
        "digital_school": true, "readiness_source": "current record"
    }) else {
        unreachable!()
    };
    Institution::from_record(&Record::new(m)).unwrap()
}

fn report(id: &str, reviewed: bool, figures: Value) -> Report {
    let mut body = figures;
    body["source"] = json!(format!("Báo cáo của {id}"));
    Report {
        institution_id: InstitutionId::parse(id).unwrap(),
        period: Period::stored(2025),
        figures: PlanReport::parse(body).unwrap(),
        reported_by: "truong".into(),
        reported_at: DateTime::from_timestamp(1_750_000_000, 0).unwrap(),
        reviewed_by: reviewed.then(|| "so".into()),
        reviewed_at: reviewed.then(|| DateTime::from_timestamp(1_750_000_500, 0).unwrap()),
    }
}

fn fixture() -> (ServingIndex, Vec<Report>) {
    let index = ServingIndex::build(Dataset {
        institutions: vec![
            inst("cd-a", "college", "842"),
            inst("cd-b", "college", "843"),
            inst("tt-c", "gdnn_gdtx_centre", "842"),
            inst("dh-d", "university", "843"),
        ],
        version: "t".into(),
        ..Dataset::default()
    });
    let reports = vec![
        report(
            "cd-a",
            true,
            json!({"digital_infrastructure": true, "connected_national_platform": true,
                   "digitised_learning_records": true, "digitised_diplomas": true,
                   "teachers_digital_trained_pct": 80.0, "high_quality_school": true,
                   "digital_school": true}),
        ),
        report(
            "cd-b",
            false,
            json!({"digital_infrastructure": true, "connected_national_platform": false,
                   "teachers_digital_trained_pct": 40.0, "high_quality_school": false}),
        ),
        report(
            "tt-c",
            false,
            json!({"digital_infrastructure": true, "connected_national_platform": true}),
        ),
        // No longer on the map: left out.
        report("cd-gone", true, json!({"digital_infrastructure": false})),
    ];
    // dh-d has not reported.
    (index, reports)
}

fn period_report() -> IndicatorsReport {
    let (index, reports) = fixture();
    let held = Holdings::default();
    compute_for_period(
        &index,
        Scheme::Pre2025,
        AdminLevel::District,
        Period::stored(2025),
        &reports,
        Inputs {
            holdings: &held,
            province: &[],
        },
    )
}

fn get<'a>(r: &'a IndicatorsReport, id: &str) -> &'a IndicatorResult {
    r.indicators.iter().find(|i| i.id == id).unwrap()
}

fn reporting(reported: usize, reviewed: usize, missing: usize) -> Option<Reporting> {
    Some(Reporting {
        reported,
        reviewed,
        missing,
    })
}

#[test]
fn platform_connection_counts_reported_figures_and_reviewed_ones_apart() {
    let r = period_report();
    let ind = get(&r, "digital_platform_connection");
    // Colleges and centres: cd-a yes, cd-b no (not connected), tt-c yes.
    assert_eq!(ind.counts.in_scope, 3);
    assert_eq!(
        (ind.counts.yes, ind.counts.no, ind.counts.unknown),
        (Some(2), Some(1), 0)
    );
    assert_eq!((ind.counts.numerator, ind.counts.denominator), (2.0, 3.0));
    // Reviewed only: cd-a yes; cd-b and tt-c unknown until reviewed.
    let rev = ind.over_reviewed.as_ref().unwrap();
    assert_eq!((rev.yes, rev.no, rev.unknown), (Some(1), Some(0), 2));
    assert_eq!(rev.value_pct, Some(100.0));
    assert_eq!(ind.reporting, reporting(2, 1, 0));
}

#[test]
fn an_institution_without_a_report_is_unknown_whatever_its_record_says() {
    let r = period_report();
    let all = get(&r, "digitised_records_all");
    // cd-a yes; cd-b, tt-c did not say; dh-d has no report (its record says yes).
    assert_eq!(all.counts.in_scope, 4);
    assert_eq!(
        (all.counts.yes, all.counts.no, all.counts.unknown),
        (Some(1), Some(0), 3)
    );
    assert_eq!(all.reporting, reporting(2, 1, 1));
    let teachers = get(&r, "teachers_digital_competence");
    assert_eq!(
        (teachers.counts.numerator, teachers.counts.denominator),
        (120.0, 2.0)
    );
    assert_eq!(teachers.counts.value_pct, Some(60.0));
    assert_eq!(
        teachers.over_reviewed.as_ref().unwrap().value_pct,
        Some(80.0)
    );
}

#[test]
fn high_quality_scope_comes_from_the_reports_too() {
    let r = period_report();
    let hq = get(&r, "high_quality_digital_schools");
    // cd-a reported high quality; cd-b not; tt-c did not say and dh-d did not report.
    assert_eq!(hq.counts.in_scope, 1);
    assert_eq!(hq.scope_unknown, 2);
    assert_eq!(hq.reporting, reporting(1, 1, 1));
}

#[test]
fn the_summary_breakdown_and_caveats_tell_the_reporting_apart() {
    let r = period_report();
    let summary = r.period.as_ref().unwrap();
    assert_eq!(summary.institutions, 4);
    assert_eq!(
        summary.reporting,
        Reporting {
            reported: 2,
            reviewed: 1,
            missing: 1
        }
    );
    let ind = get(&r, "digital_platform_connection");
    let d842 = ind
        .breakdown
        .iter()
        .find(|a| a.code.as_deref() == Some("842"))
        .unwrap();
    // 842: cd-a (reviewed, yes) and tt-c (reported, yes).
    assert_eq!(d842.counts.yes, Some(2));
    assert_eq!(d842.over_reviewed.as_ref().unwrap().yes, Some(1));
    assert_eq!(d842.reporting, reporting(1, 1, 0));
    let caveats: String = r.data_caveats.iter().map(|c| c.en.clone() + "\n").collect();
    assert!(
        caveats.contains("1 of 4 institution(s) have no report for 2025"),
        "{caveats}"
    );
    assert!(
        caveats.contains("2 report(s) for 2025 are not reviewed yet"),
        "{caveats}"
    );
    assert!(!caveats.contains("current record"), "{caveats}");
    let sources: usize = r.readiness_sources.iter().map(|s| s.institutions).sum();
    assert_eq!(sources, 3, "only the reports' sources are counted");
}

#[test]
fn without_a_period_nothing_of_it_shows() {
    let (index, _) = fixture();
    let held = Holdings::default();
    let inputs = Inputs {
        holdings: &held,
        province: &[],
    };
    let r = crate::indicators::compute(&index, Scheme::Pre2025, AdminLevel::District, inputs);
    let v = serde_json::to_value(&r).unwrap();
    assert!(v.get("period").is_none());
    assert!(v["indicators"][0].get("over_reviewed").is_none());
    assert!(
        v["indicators"][0]["breakdown"][0]
            .get("reporting")
            .is_none()
    );
    // The records' own figures: both colleges and the centre say yes.
    assert_eq!(get(&r, "digital_platform_connection").counts.yes, Some(3));
}

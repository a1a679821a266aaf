//! Every indicator of the scorecard on one visible fixture: numerator, denominator,
//! unknowns and whether its first target is met, worked out by hand.

use chrono::DateTime;
use serde_json::{Value, json};

use super::*;
use crate::index::ServingIndex;
use crate::model::report::Period;
use crate::model::{AdminLevel, Dataset, Institution, Record, Scheme};

fn inst(id: &str, kind: &str, accuracy: &str, readiness: Value) -> Institution {
    let Value::Object(mut m) = json!({
        "id": id, "name_vi": id, "kind": kind, "ownership": "public", "lon": 106.3,
        "lat": 9.9, "position_accuracy": accuracy, "district_pre2025": "842",
        "source": "test", "updated_at": "2026-01-01T00:00:00Z",
        "readiness_source": "Báo cáo của cơ sở"
    }) else {
        unreachable!()
    };
    if let Value::Object(r) = readiness {
        m.extend(r);
    }
    Institution::from_record(&Record::new(m)).unwrap()
}

fn index() -> ServingIndex {
    let ready = json!({"digital_infrastructure": true, "connected_national_platform": true,
        "digitised_learning_records": true, "digitised_diplomas": true,
        "teachers_digital_trained_pct": 80.0, "high_quality_school": true, "digital_school": true});
    ServingIndex::build(Dataset {
        institutions: vec![
            inst("cd-a", "college", "surveyed", ready),
            inst(
                "cd-b",
                "college",
                "address",
                json!({"digital_infrastructure": false, "digitised_learning_records": true,
                       "digitised_diplomas": false, "teachers_digital_trained_pct": 20.0,
                       "high_quality_school": true}),
            ),
            inst(
                "tt-c",
                "gdnn_gdtx_centre",
                "town",
                json!({"digital_infrastructure": true, "connected_national_platform": true}),
            ),
            inst("tt-d", "gdnn_gdtx_centre", "approximate", json!({})),
        ],
        version: "t".into(),
        ..Dataset::default()
    })
}

fn province(indicator: &str, period: i32, figure: Value, reviewed: bool) -> ProvinceReport {
    let unit = province::unit_of(indicator).unwrap().1;
    ProvinceReport {
        indicator: indicator.into(),
        period: Period::stored(period),
        figure: ProvinceFigure::parse(figure, unit).unwrap(),
        reported_by: "so.a".into(),
        reported_by_name: "Sở A".into(),
        reported_at: DateTime::from_timestamp(1_750_000_000, 0).unwrap(),
        reviewed_by: reviewed.then(|| "so.b".into()),
        reviewed_by_name: reviewed.then(|| "Sở B".into()),
        reviewed_at: reviewed.then(|| DateTime::from_timestamp(1_750_000_500, 0).unwrap()),
    }
}

fn reports() -> Vec<ProvinceReport> {
    let ev = |v: Value| {
        let mut v = v;
        v["evidence_ref"] = json!("Báo cáo số 1/BC-SGDĐT");
        v
    };
    vec![
        province(
            "teachers_digital_materials",
            2025,
            ev(json!({"numerator": 30, "denominator": 120})),
            true,
        ),
        province(
            "learning_outcomes_digital",
            2025,
            ev(json!({"value_pct": 72})),
            false,
        ),
        province(
            "ict_programmes_updated",
            2024,
            ev(json!({"value_pct": 60})),
            true,
        ),
        province(
            "ict_programmes_updated",
            2025,
            ev(json!({"value_pct": 80})),
            true,
        ),
        province(
            "national_platform_formed",
            2025,
            ev(json!({"value_pct": 100})),
            true,
        ),
        province(
            "online_public_services_level4",
            2023,
            ev(json!({"value_pct": 100})),
            true,
        ),
        // inspections_digital and reports_digital: not reported.
    ]
}

fn holdings() -> Holdings {
    Holdings {
        real: ["cd-a", "tt-c", "retired-long-ago"]
            .map(String::from)
            .into(),
        demonstration: ["cd-b", "tt-c"].map(String::from).into(),
    }
}

fn scorecard() -> IndicatorsReport {
    let (held, reports) = (holdings(), reports());
    compute(
        &index(),
        Scheme::Pre2025,
        AdminLevel::District,
        Inputs {
            holdings: &held,
            province: &reports,
        },
    )
}

/// (id, numerator, denominator, unknown, value, first target met)
type Expected = (&'static str, f64, f64, usize, Option<f64>, Option<bool>);

#[test]
fn every_indicator_counts_its_numerator_denominator_and_unknowns_against_its_target() {
    let r = scorecard();
    let expected: [Expected; 14] = [
        // a1: mean of 80 and 20 over the two reporting; tt-c and tt-d unknown.
        (
            "teachers_digital_competence",
            100.0,
            2.0,
            2,
            Some(50.0),
            Some(true),
        ),
        // a2: the department's counts.
        (
            "teachers_digital_materials",
            30.0,
            120.0,
            0,
            Some(25.0),
            Some(false),
        ),
        // b1: a percentage without counts reads as over 100.
        (
            "learning_outcomes_digital",
            72.0,
            100.0,
            0,
            Some(72.0),
            Some(true),
        ),
        // b2: the latest period (2025) wins over 2024.
        (
            "ict_programmes_updated",
            80.0,
            100.0,
            0,
            Some(80.0),
            Some(false),
        ),
        (
            "national_platform_formed",
            100.0,
            100.0,
            0,
            Some(100.0),
            Some(true),
        ),
        // c2: cd-a, tt-c yes; cd-b no (no infrastructure); tt-d unknown.
        (
            "digital_platform_connection",
            2.0,
            3.0,
            1,
            Some(200.0 / 3.0),
            Some(true),
        ),
        (
            "online_public_services_level4",
            100.0,
            100.0,
            0,
            Some(100.0),
            Some(true),
        ),
        // d2 colleges: cd-a yes, cd-b no (diplomas not digitised).
        (
            "digitised_records_colleges",
            1.0,
            2.0,
            0,
            Some(50.0),
            Some(false),
        ),
        // d2 all: centres unknown.
        (
            "digitised_records_all",
            1.0,
            2.0,
            2,
            Some(50.0),
            Some(false),
        ),
        // d3: not reported, unknown.
        ("inspections_digital", 0.0, 0.0, 0, None, None),
        // d4: surveyed cd-a and address cd-b of four.
        (
            "digital_map_positions",
            2.0,
            4.0,
            0,
            Some(50.0),
            Some(false),
        ),
        // d4: real credentials at cd-a and tt-c (cd-b holds only demonstrations).
        (
            "digital_map_credentials",
            2.0,
            4.0,
            0,
            Some(50.0),
            Some(false),
        ),
        ("reports_digital", 0.0, 0.0, 0, None, None),
        // d6: high-quality cd-a digital; cd-b unknown; centres of unknown status apart.
        (
            "high_quality_digital_schools",
            1.0,
            1.0,
            1,
            Some(100.0),
            Some(true),
        ),
    ];
    let ids: Vec<&str> = r.indicators.iter().map(|i| i.id).collect();
    assert_eq!(ids, expected.map(|e| e.0), "the Plan's order");
    for (id, num, den, unknown, value, met) in expected {
        let i = r.indicators.iter().find(|i| i.id == id).unwrap();
        let c = &i.counts;
        assert_eq!(
            (c.numerator, c.denominator, c.unknown),
            (num, den, unknown),
            "{id}"
        );
        assert_eq!(c.value_pct, value, "{id}");
        assert_eq!(i.targets[0].met, met, "{id}");
    }
    let hq = r
        .indicators
        .iter()
        .find(|i| i.id == "high_quality_digital_schools")
        .unwrap();
    assert_eq!(hq.scope_unknown, 2);
}

#[test]
fn the_scorecard_lists_twelve_targets_and_where_each_figure_comes_from() {
    let r = scorecard();
    assert_eq!(r.scorecard.len(), 12);
    let d4 = r.scorecard.iter().find(|t| t.code == "d4").unwrap();
    assert_eq!(
        d4.indicators,
        ["digital_map_positions", "digital_map_credentials"]
    );
    let basis = |id: &str| r.indicators.iter().find(|i| i.id == id).unwrap().basis;
    assert_eq!(basis("teachers_digital_competence"), "institutions");
    assert_eq!(basis("digital_map_credentials"), "service");
    assert_eq!(basis("inspections_digital"), "province");
    let a2 = r
        .indicators
        .iter()
        .find(|i| i.id == "teachers_digital_materials")
        .unwrap();
    let report = a2.province_report.as_ref().unwrap().as_ref().unwrap();
    assert_eq!(report.reported_by, "Sở A", "a name, not a login");
    assert_eq!(report.period, Period::stored(2025));
    assert!(a2.breakdown.is_empty(), "a province figure has no areas");
    let unreported = r
        .indicators
        .iter()
        .find(|i| i.id == "reports_digital")
        .unwrap();
    assert_eq!(unreported.province_report, Some(None));
    let positions = r
        .indicators
        .iter()
        .find(|i| i.id == "digital_map_positions")
        .unwrap();
    assert_eq!(
        positions.breakdown[0].counts.in_scope, 4,
        "d4 breaks down by area"
    );
}

#[test]
fn caveats_name_what_is_missing_unreviewed_or_a_demonstration_in_both_languages() {
    let r = scorecard();
    let en: String = r.data_caveats.iter().map(|c| c.en.clone() + "\n").collect();
    let vi: String = r.data_caveats.iter().map(|c| c.vi.clone() + "\n").collect();
    assert!(en.contains("has not reported 2 of the 7 indicators it reports (inspections_digital, reports_digital)"), "{en}");
    assert!(vi.contains("Sở chưa báo cáo 2/7 chỉ số"), "{vi}");
    assert!(
        en.contains("1 figure(s) the department reported are not reviewed"),
        "{en}"
    );
    assert!(
        en.contains("1 institution(s) hold only demonstration credentials"),
        "{en}"
    );
    assert!(
        vi.contains("1 cơ sở chỉ có bản ghi văn bằng minh họa"),
        "{vi}"
    );
    assert!(vi.contains("Câu trả lời chưa rõ được tính riêng"), "{vi}");
}

#[test]
fn a_periods_province_figures_are_that_periods_only_and_reviewed_ones_apart() {
    let (held, province) = (holdings(), reports());
    let r = compute_for_period(
        &index(),
        Scheme::Pre2025,
        AdminLevel::District,
        Period::stored(2024),
        &[],
        Inputs {
            holdings: &held,
            province: &province,
        },
    );
    let get = |id: &str| r.indicators.iter().find(|i| i.id == id).unwrap();
    let b2 = get("ict_programmes_updated");
    assert_eq!(b2.counts.value_pct, Some(60.0), "2024's figure, not 2025's");
    assert_eq!(b2.over_reviewed.as_ref().unwrap().value_pct, Some(60.0));
    assert_eq!(b2.reporting.as_ref().unwrap().reviewed, 1);
    let a2 = get("teachers_digital_materials");
    assert_eq!(a2.counts.value_pct, None, "reported for 2025 only");
    assert_eq!(a2.reporting.as_ref().unwrap().missing, 1);
    // d4 has no period: the service's holdings now.
    assert_eq!(get("digital_map_credentials").counts.value_pct, Some(50.0));
    assert!(get("digital_map_credentials").reporting.is_none());
    let en: String = r.data_caveats.iter().map(|c| c.en.clone() + "\n").collect();
    assert!(en.contains("has not reported for 2024 6 of the 7"), "{en}");
    assert!(
        en.contains("computed from what the service holds now"),
        "{en}"
    );
}

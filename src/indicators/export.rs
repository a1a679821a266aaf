//! Indicators as files: CSV (one row per indicator and area, the province first) and
//! GeoJSON (one feature per area with each indicator's value as properties). For a
//! period both add the values over reviewed reports and the reporting counts. Both carry
//! the data's caveats: the CSV as commented rows above its header, in the language asked
//! for (`model::caveat::csv_preamble` says why), the GeoJSON in both languages.

use serde_json::{Map, Value, json};

use super::compute::AreaCounts;
use super::period::Reporting;
use super::{Counts, IndicatorResult, IndicatorsReport};
use crate::index::ServingIndex;
use crate::model::Lang;
use crate::model::caveat::csv_preamble;

pub const COLUMNS: &[&str] = &[
    "indicator",
    "area_code",
    "area_name",
    "in_scope",
    "yes",
    "no",
    "unknown",
    "numerator",
    "denominator",
    "value_pct",
    "lower_bound_pct",
    "upper_bound_pct",
    "targets",
    "plan_target",
    "basis",
    "reported_period",
    "evidence",
];

/// After [`COLUMNS`] for a period.
pub const PERIOD_COLUMNS: &[&str] = &[
    "period",
    "reviewed_numerator",
    "reviewed_denominator",
    "reviewed_value_pct",
    "reported",
    "reviewed",
    "missing",
];

fn period_cells(period: &str, reviewed: Option<&Counts>, r: Option<&Reporting>) -> Vec<String> {
    vec![
        period.to_owned(),
        opt(reviewed.map(|c| c.numerator)),
        opt(reviewed.map(|c| c.denominator)),
        opt(reviewed.and_then(|c| c.value_pct)),
        opt(r.map(|r| r.reported)),
        opt(r.map(|r| r.reviewed)),
        opt(r.map(|r| r.missing)),
    ]
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn row(i: &IndicatorResult, code: &str, name: &str, c: &Counts, targets: &str) -> Vec<String> {
    let report = i.province_report.as_ref().and_then(|r| r.as_ref());
    let evidence = report.map(|r| {
        [&r.figure.evidence_url, &r.figure.evidence_ref]
            .into_iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join(" · ")
    });
    vec![
        i.id.to_owned(),
        code.to_owned(),
        name.to_owned(),
        c.in_scope.to_string(),
        opt(c.yes),
        opt(c.no),
        c.unknown.to_string(),
        c.numerator.to_string(),
        c.denominator.to_string(),
        opt(c.value_pct),
        opt(c.lower_bound_pct),
        opt(c.upper_bound_pct),
        targets.to_owned(),
        i.target.to_owned(),
        i.basis.to_owned(),
        opt(report.map(|r| r.period)),
        evidence.unwrap_or_default(),
    ]
}

/// `area_code` is "province" for the whole, empty for institutions without a code. The
/// caveats, in `lang`, come first.
pub fn csv(report: &IndicatorsReport, lang: Lang) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(csv_preamble(&report.data_caveats, lang));
    let period = report.period.as_ref().map(|p| p.period.to_string());
    let mut header = COLUMNS.to_vec();
    if period.is_some() {
        header.extend_from_slice(PERIOD_COLUMNS);
    }
    let _ = w.write_record(header);
    // The period's cells of a row, when there is a period.
    let extra = |reviewed: Option<&Counts>, r: Option<&Reporting>| match &period {
        Some(p) => period_cells(p, reviewed, r),
        None => Vec::new(),
    };
    let of_indicator = |i: &IndicatorResult| extra(i.over_reviewed.as_ref(), i.reporting.as_ref());
    let of_area = |a: &AreaCounts| extra(a.over_reviewed.as_ref(), a.reporting.as_ref());
    for i in &report.indicators {
        let targets = i
            .targets
            .iter()
            .map(|t| match t.year {
                Some(y) => format!("{}%@{y}", t.target_pct),
                None => format!("{}%", t.target_pct),
            })
            .collect::<Vec<_>>()
            .join(" ");
        let mut province = row(i, "province", "", &i.counts, &targets);
        province.extend(of_indicator(i));
        let _ = w.write_record(province);
        for a in &i.breakdown {
            let mut area = row(
                i,
                a.code.as_deref().unwrap_or(""),
                a.name.as_deref().unwrap_or(""),
                &a.counts,
                &targets,
            );
            area.extend(of_area(a));
            let _ = w.write_record(area);
        }
    }
    w.into_inner().unwrap_or_default()
}

/// One feature per area that has institutions in some indicator's scope; properties
/// `<indicator>_value_pct`, `_in_scope`, `_unknown` (for a period also
/// `_reviewed_value_pct` and `_missing`). Areas without geometry have `"geometry": null`.
pub fn geojson(report: &IndicatorsReport, index: &ServingIndex) -> Value {
    let mut areas: std::collections::BTreeMap<Option<String>, Map<String, Value>> =
        Default::default();
    for i in &report.indicators {
        for a in &i.breakdown {
            let props = areas.entry(a.code.clone()).or_insert_with(|| {
                let mut m = Map::new();
                m.insert("code".into(), json!(a.code));
                m.insert("name".into(), json!(a.name));
                m
            });
            props.insert(format!("{}_value_pct", i.id), json!(a.counts.value_pct));
            props.insert(format!("{}_in_scope", i.id), json!(a.counts.in_scope));
            props.insert(format!("{}_unknown", i.id), json!(a.counts.unknown));
            if let Some(reviewed) = &a.over_reviewed {
                props.insert(
                    format!("{}_reviewed_value_pct", i.id),
                    json!(reviewed.value_pct),
                );
            }
            if let Some(r) = &a.reporting {
                props.insert(format!("{}_missing", i.id), json!(r.missing));
            }
        }
    }
    let features: Vec<Value> = areas
        .into_iter()
        .map(|(code, props)| {
            let geometry = code
                .as_deref()
                .and_then(|c| index.area(report.scheme, c))
                .and_then(|a| a.geometry_geojson())
                .unwrap_or(Value::Null);
            json!({
                "type": "Feature",
                "id": code.clone().unwrap_or_else(|| "unassigned".into()),
                "geometry": geometry,
                "properties": Value::Object(props),
            })
        })
        .collect();
    // The province-wide values, those reported by the department among them (which no
    // area's feature carries).
    let province: Vec<Value> = report
        .indicators
        .iter()
        .map(|i| {
            json!({
                "id": i.id, "target": i.target, "basis": i.basis,
                "value_pct": i.counts.value_pct,
                "lower_bound_pct": i.counts.lower_bound_pct,
                "upper_bound_pct": i.counts.upper_bound_pct,
                "province_report": i.province_report,
            })
        })
        .collect();
    let mut about = json!({
        "data_version": report.data_version,
        "scheme": report.scheme,
        "area_level": report.area_level,
        "province": province,
        "data_caveats": report.data_caveats,
    });
    if let Some(p) = &report.period {
        about["period"] = json!(p);
    }
    json!({
        "type": "FeatureCollection",
        "indicators": about,
        "features": features,
    })
}

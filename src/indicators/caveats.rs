//! What the indicators cannot claim, in Vietnamese and English: illustrative or unsourced
//! figures, the province's missing or unreviewed reports, demonstration credentials,
//! a period's missing reports, and how unknowns are counted.

use std::collections::HashMap;

use super::compute::SourceCount;
use super::definitions::province_reported;
use super::holdings::Holdings;
use super::province::ProvinceReport;
use crate::index::ServingIndex;
use crate::model::Caveat;
use crate::model::report::Period;

/// Whether a source text admits the figures are not real reported ones.
pub fn is_illustrative(source: &str) -> bool {
    let s = source.to_lowercase();
    [
        "illustrative",
        "demonstration",
        "synthetic",
        "not reported",
        "minh họa",
        "giả lập",
    ]
    .iter()
    .any(|w| s.contains(w))
}

pub fn of_sources(sources: &[SourceCount]) -> Vec<Caveat> {
    let mut out = Vec::new();
    for s in sources {
        let n = s.institutions;
        match &s.source {
            Some(text) if s.illustrative => out.push(Caveat::new(
                format!("Số liệu sẵn sàng số của {n} cơ sở là số liệu minh họa, không phải số liệu được báo cáo (nguồn: \"{text}\"): không trích dẫn các chỉ số này như số liệu thật"),
                format!("The readiness values of {n} institution(s) are illustrative, not reported figures (source: \"{text}\"): do not cite these indicators as facts"),
            )),
            Some(_) => {}
            None => out.push(Caveat::new(
                format!("{n} cơ sở không nêu nguồn của số liệu sẵn sàng số"),
                format!("{n} institution(s) give no source for their readiness values"),
            )),
        }
    }
    out
}

/// About the province's reports shown: those of `period`, or (`None`) each indicator's
/// latest.
pub fn of_province(
    reports: &HashMap<&str, &ProvinceReport>,
    period: Option<Period>,
) -> Vec<Caveat> {
    let mut out = Vec::new();
    let all: Vec<&str> = province_reported().map(|d| d.id).collect();
    let missing: Vec<&str> = all
        .iter()
        .copied()
        .filter(|id| !reports.contains_key(id))
        .collect();
    let (of_vi, of_en) = match period {
        Some(p) => (format!(" kỳ {p}"), format!(" for {p}")),
        None => (String::new(), String::new()),
    };
    if !missing.is_empty() {
        let (m, n, ids) = (missing.len(), all.len(), missing.join(", "));
        out.push(Caveat::new(
            format!("Sở chưa báo cáo{of_vi} {m}/{n} chỉ số do Sở báo cáo ({ids}): giá trị của các chỉ số này chưa rõ"),
            format!("The education department has not reported{of_en} {m} of the {n} indicators it reports ({ids}): their values are unknown"),
        ));
    }
    let mut unreviewed: Vec<&str> = reports
        .values()
        .filter(|r| r.reviewed_at.is_none())
        .map(|r| r.indicator.as_str())
        .collect();
    unreviewed.sort();
    if !unreviewed.is_empty() {
        let (k, ids) = (unreviewed.len(), unreviewed.join(", "));
        out.push(Caveat::new(
            format!("{k} số liệu do Sở báo cáo chưa được người thứ hai duyệt ({ids})"),
            format!("{k} figure(s) the department reported are not reviewed by a second official yet ({ids})"),
        ));
    }
    if period.is_none() && !reports.is_empty() {
        out.push(Caveat::new(
            "Số liệu do Sở báo cáo là số liệu của kỳ báo cáo gần nhất của từng chỉ số (xem province_report.period)",
            "The department's figures are each indicator's latest reported period (see province_report.period)",
        ));
    }
    out
}

/// About the credentials behind target d4, for the institutions on the map.
pub fn of_holdings(held: &Holdings, index: &ServingIndex) -> Vec<Caveat> {
    let demo = held
        .demonstration_only()
        .filter(|id| index.institution(id).is_some())
        .count();
    if demo == 0 {
        return Vec::new();
    }
    vec![Caveat::new(
        format!(
            "{demo} cơ sở chỉ có bản ghi văn bằng minh họa (số hiệu DEMO-…), không phải văn bằng thật: digital_map_credentials tính các cơ sở này là chưa tra cứu được"
        ),
        format!(
            "{demo} institution(s) hold only demonstration credentials (serials DEMO-…), not real ones: digital_map_credentials counts them as not checkable"
        ),
    )]
}

pub fn unknowns() -> Caveat {
    Caveat::new(
        "Câu trả lời chưa rõ được tính riêng, không bao giờ tính là \"không\": value_pct tính trên các câu trả lời đã biết; lower_bound_pct và upper_bound_pct là giá trị trên toàn phạm vi nếu mọi câu chưa rõ là \"không\" hoặc \"có\"",
        "Unknown answers are counted apart, never as \"no\": value_pct is over the known answers; lower_bound_pct and upper_bound_pct give the value over the whole scope if every unknown were \"no\" or \"yes\"",
    )
}

/// A period's institutions without a report (`missing` of `institutions`).
pub fn period_missing(missing: usize, institutions: usize, period: Period) -> Caveat {
    Caveat::new(
        format!(
            "{missing}/{institutions} cơ sở chưa có báo cáo kỳ {period}: mọi chỉ số tính các cơ sở này là chưa rõ"
        ),
        format!(
            "{missing} of {institutions} institution(s) have no report for {period}: every indicator counts them as unknown"
        ),
    )
}

/// A period's reports not reviewed yet.
pub fn period_unreviewed(reported: usize, reviewed: usize, period: Period) -> Caveat {
    Caveat::new(
        format!(
            "{reported} báo cáo kỳ {period} chưa được duyệt: over_reviewed cho giá trị chỉ tính trên {reviewed} báo cáo đã duyệt"
        ),
        format!(
            "{reported} report(s) for {period} are not reviewed yet: over_reviewed gives each value over the {reviewed} reviewed report(s) only"
        ),
    )
}

/// Target d4 has no period of its own.
pub fn service_now(period: Period) -> Caveat {
    Caveat::new(
        format!(
            "digital_map_positions và digital_map_credentials (mục tiêu d4) được tính từ dữ liệu hệ thống đang có, không từ báo cáo kỳ {period}"
        ),
        format!(
            "digital_map_positions and digital_map_credentials (target d4) are computed from what the service holds now, not from reports for {period}"
        ),
    )
}

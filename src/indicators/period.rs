//! The indicators of a reporting period: counted from the figures institutions reported
//! for it (`model::report`) instead of their current records, and from the province's
//! own reports for it. An institution on the map without a report counts as unknown for
//! every indicator counted over institutions; an indicator the department has not
//! reported is unknown. Each value is given twice, over all reports and over reviewed
//! reports only, with how many reported. Target d4 has no period: it is what the service
//! holds now.

use std::collections::HashMap;

use serde::Serialize;

use super::caveats;
use super::compute::{IndicatorsReport, Inputs, area_groups, compute_with, count, province_counts};
use super::definitions::{Basis, Definition, definition};
use super::province::ProvinceReport;
use crate::index::ServingIndex;
use crate::model::report::{Period, Report, ReportStatus};
use crate::model::{AdminLevel, Institution, Readiness, Scheme};

/// Where the institutions concerned stand for the period. The three are apart (a
/// reviewed report is not counted as `reported`) and add up to the institutions
/// concerned, as the statuses of the review queue do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Reporting {
    /// Submitted and not (yet) reviewed.
    pub reported: usize,
    pub reviewed: usize,
    pub missing: usize,
}

/// The period and its reporting over every institution on the map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PeriodSummary {
    pub period: Period,
    pub institutions: usize,
    #[serde(flatten)]
    pub reporting: Reporting,
}

/// Each institution's reported figures and whether they are reviewed.
struct Figures<'r> {
    by_id: HashMap<&'r str, (Readiness, bool)>,
}

impl<'r> Figures<'r> {
    fn new(reports: &'r [Report]) -> Self {
        Self {
            by_id: reports
                .iter()
                .map(|r| {
                    let reviewed = r.status() == ReportStatus::Reviewed;
                    (r.institution_id.as_str(), (r.figures.readiness(), reviewed))
                })
                .collect(),
        }
    }

    fn all(&self, i: &Institution) -> Option<&Readiness> {
        self.by_id.get(i.id.as_str()).map(|(r, _)| r)
    }

    fn reviewed(&self, i: &Institution) -> Option<&Readiness> {
        self.by_id
            .get(i.id.as_str())
            .filter(|(_, reviewed)| *reviewed)
            .map(|(r, _)| r)
    }

    fn status(&self, i: &Institution) -> ReportStatus {
        match self.by_id.get(i.id.as_str()) {
            None => ReportStatus::Missing,
            Some((_, false)) => ReportStatus::Reported,
            Some((_, true)) => ReportStatus::Reviewed,
        }
    }

    /// Over the institutions an indicator may concern (in its scope, or of unknown
    /// scope: a high-quality school that has not said so).
    fn reporting<'a>(
        &self,
        def: &Definition,
        institutions: impl Iterator<Item = &'a Institution>,
    ) -> Reporting {
        let mut r = Reporting::default();
        let Basis::Institutions { scope, .. } = def.basis else {
            return r;
        };
        for i in institutions.filter(|i| scope.contains(i, self.all(i)) != Some(false)) {
            match self.status(i) {
                ReportStatus::Missing => r.missing += 1,
                ReportStatus::Reported => r.reported += 1,
                ReportStatus::Reviewed => r.reviewed += 1,
            }
        }
        r
    }
}

/// The department's one report of an indicator for the period, as reporting counts.
fn province_reporting(report: Option<&ProvinceReport>) -> Reporting {
    let mut r = Reporting::default();
    match report {
        None => r.missing = 1,
        Some(p) if p.reviewed_at.is_some() => r.reviewed = 1,
        Some(_) => r.reported = 1,
    }
    r
}

/// Every indicator of `period` from its institutions' `reports` (reports of institutions
/// no longer on the map are left out) and the province's reports of the period in
/// `inputs`, for the province and per area of `scheme`/`level`.
pub fn compute_for_period(
    index: &ServingIndex,
    scheme: Scheme,
    level: AdminLevel,
    period: Period,
    reports: &[Report],
    inputs: Inputs<'_>,
) -> IndicatorsReport {
    let figures = Figures::new(reports);
    let all = |i| figures.all(i);
    let reviewed = |i| figures.reviewed(i);
    let institutions = index.institutions();
    let groups = area_groups(institutions, scheme, level);
    let of_period: Vec<ProvinceReport> = inputs
        .province
        .iter()
        .filter(|r| r.period == period)
        .cloned()
        .collect();
    let inputs = Inputs {
        province: &of_period,
        ..inputs
    };
    let province = super::province::latest(&of_period);
    let mut report = compute_with(index, scheme, level, inputs, all);
    for ind in &mut report.indicators {
        let Some(def) = definition(ind.id) else {
            continue;
        };
        match def.basis {
            Basis::Service(_) => continue,
            Basis::Province(_) => {
                let r = province.get(def.id).copied();
                ind.over_reviewed = Some(province_counts(r.filter(|r| r.reviewed_at.is_some())));
                ind.reporting = Some(province_reporting(r));
                continue;
            }
            Basis::Institutions { .. } => {}
        }
        ind.over_reviewed = Some(count(def, institutions.iter(), &reviewed, inputs.holdings));
        ind.reporting = Some(figures.reporting(def, institutions.iter()));
        for area in &mut ind.breakdown {
            let members = groups
                .get(&area.code)
                .map(Vec::as_slice)
                .unwrap_or_default();
            area.over_reviewed = Some(count(
                def,
                members.iter().copied(),
                &reviewed,
                inputs.holdings,
            ));
            area.reporting = Some(figures.reporting(def, members.iter().copied()));
        }
    }
    let mut summary = Reporting::default();
    for i in institutions {
        match figures.status(i) {
            ReportStatus::Missing => summary.missing += 1,
            ReportStatus::Reported => summary.reported += 1,
            ReportStatus::Reviewed => summary.reviewed += 1,
        }
    }
    let mut caveats = Vec::new();
    if summary.missing > 0 {
        caveats.push(caveats::period_missing(
            summary.missing,
            institutions.len(),
            period,
        ));
    }
    if summary.reported > 0 {
        caveats.push(caveats::period_unreviewed(
            summary.reported,
            summary.reviewed,
            period,
        ));
    }
    caveats.extend(caveats::of_sources(&report.readiness_sources));
    caveats.extend(caveats::of_province(&province, Some(period)));
    caveats.extend(caveats::of_holdings(inputs.holdings, index));
    caveats.push(caveats::service_now(period));
    caveats.push(caveats::unknowns());
    report.data_caveats = caveats;
    report.period = Some(PeriodSummary {
        period,
        institutions: institutions.len(),
        reporting: summary,
    });
    report
}

#[cfg(test)]
mod tests;

//! The indicators of a reporting period: counted from the figures institutions reported
//! for it (`model::report`) instead of their current records. An institution on the map
//! without a report counts as unknown for every indicator. Each value is given twice,
//! over all reports and over reviewed reports only, with how many institutions reported.

use std::collections::HashMap;

use serde::Serialize;

use super::compute::{IndicatorsReport, area_groups, compute_with, count};
use super::definitions::{Definition, definition};
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
        for i in institutions.filter(|i| def.scope.contains(i, self.all(i)) != Some(false)) {
            match self.status(i) {
                ReportStatus::Missing => r.missing += 1,
                ReportStatus::Reported => r.reported += 1,
                ReportStatus::Reviewed => r.reviewed += 1,
            }
        }
        r
    }
}

/// Every indicator of `period` from its `reports` (reports of institutions no longer on
/// the map are left out), for the province and per area of `scheme`/`level`.
pub fn compute_for_period(
    index: &ServingIndex,
    scheme: Scheme,
    level: AdminLevel,
    period: Period,
    reports: &[Report],
) -> IndicatorsReport {
    let figures = Figures::new(reports);
    let all = |i| figures.all(i);
    let reviewed = |i| figures.reviewed(i);
    let institutions = index.institutions();
    let groups = area_groups(institutions, scheme, level);
    let mut report = compute_with(index, scheme, level, all);
    for ind in &mut report.indicators {
        let Some(def) = definition(ind.id) else {
            continue;
        };
        ind.over_reviewed = Some(count(def, institutions.iter(), &reviewed));
        ind.reporting = Some(figures.reporting(def, institutions.iter()));
        for area in &mut ind.breakdown {
            let members = groups
                .get(&area.code)
                .map(Vec::as_slice)
                .unwrap_or_default();
            area.over_reviewed = Some(count(def, members.iter().copied(), &reviewed));
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
        caveats.push(format!(
            "{} of {} institution(s) have no report for {period}: every indicator counts them as unknown",
            summary.missing,
            institutions.len()
        ));
    }
    if summary.reported > 0 {
        caveats.push(format!(
            "{} report(s) for {period} are not reviewed yet: over_reviewed gives each value over the {} reviewed report(s) only",
            summary.reported, summary.reviewed
        ));
    }
    caveats.append(&mut report.data_caveats);
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

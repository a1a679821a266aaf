//! Computing the indicators from the serving index: per province and per area, unknown
//! answers counted apart (never as "no"), and the data's caveats from its sources.
//!
//! Which figures count is the caller's choice ([`compute_with`]): each institution's own
//! readiness fields ([`compute`]), or what it reported for a period
//! ([`super::period`]); an institution without figures is unknown for every indicator.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::definitions::{DEFINITIONS, Definition, Measure, Target};
use super::period::{PeriodSummary, Reporting};
use crate::coverage::area_code_of;
use crate::index::ServingIndex;
use crate::model::{AdminLevel, Institution, Readiness, Scheme};

/// Counts behind one value. For yes/no indicators `yes`, `no` and `unknown` count
/// institutions, the numerator is `yes` and the denominator `yes + no`; for mean
/// percentages the numerator is the sum of reported percentages and the denominator the
/// number reporting. `lower_bound_pct`/`upper_bound_pct` are what the value would be over
/// the whole scope if every unknown were "no"/"yes" (0%/100%).
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Counts {
    pub in_scope: usize,
    pub yes: Option<usize>,
    pub no: Option<usize>,
    pub unknown: usize,
    pub numerator: f64,
    pub denominator: f64,
    pub value_pct: Option<f64>,
    pub lower_bound_pct: Option<f64>,
    pub upper_bound_pct: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TargetProgress {
    pub year: Option<u16>,
    pub target_pct: f64,
    /// Target minus current value, in percentage points (negative: exceeded).
    pub gap_pct: Option<f64>,
    pub met: Option<bool>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AreaCounts {
    /// `None` for institutions without a code at this level.
    pub code: Option<String>,
    pub name: Option<String>,
    #[serde(flatten)]
    pub counts: Counts,
    /// For a period: the counts over reviewed reports only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub over_reviewed: Option<Counts>,
    /// For a period: how many of the institutions concerned reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reporting: Option<Reporting>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IndicatorResult {
    pub id: &'static str,
    pub title_vi: &'static str,
    pub title_en: &'static str,
    pub plan_section: &'static str,
    pub plan_text: &'static str,
    pub method_en: &'static str,
    pub method_vi: &'static str,
    pub numerator_definition: &'static str,
    pub denominator_definition: &'static str,
    #[serde(flatten)]
    pub counts: Counts,
    /// Institutions whose membership of the scope is unknown (high-quality status not
    /// recorded); they are in neither numerator nor denominator.
    pub scope_unknown: usize,
    pub targets: Vec<TargetProgress>,
    /// For a period: the counts over reviewed reports only (`counts` are over all).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub over_reviewed: Option<Counts>,
    /// For a period: how many of the institutions concerned reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reporting: Option<Reporting>,
    pub breakdown: Vec<AreaCounts>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SourceCount {
    pub source: Option<String>,
    pub institutions: usize,
    pub illustrative: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IndicatorsReport {
    /// Set when the figures are those reported for a period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<PeriodSummary>,
    pub data_version: String,
    pub computed_at: DateTime<Utc>,
    pub scheme: Scheme,
    pub area_level: AdminLevel,
    pub institutions: usize,
    pub indicators: Vec<IndicatorResult>,
    pub readiness_sources: Vec<SourceCount>,
    pub data_caveats: Vec<String>,
}

/// Counts one indicator over a set of institutions, each with the figures `figures` gives
/// it (`None`: it has none, and is unknown).
pub fn count<'a, F>(
    def: &Definition,
    institutions: impl Iterator<Item = &'a Institution>,
    figures: &F,
) -> Counts
where
    F: Fn(&'a Institution) -> Option<&'a Readiness>,
{
    let mut c = Counts::default();
    let (mut yes, mut no, mut sum) = (0usize, 0usize, 0.0);
    for i in institutions {
        let r = figures(i);
        if def.scope.contains(i, r) != Some(true) {
            continue;
        }
        c.in_scope += 1;
        match def.measure {
            Measure::Flag(f) => match r.and_then(f) {
                Some(true) => yes += 1,
                Some(false) => no += 1,
                None => c.unknown += 1,
            },
            Measure::MeanPct(f) => match r.and_then(f) {
                Some(p) => {
                    yes += 1;
                    sum += p;
                }
                None => c.unknown += 1,
            },
        }
    }
    let n = c.in_scope as f64;
    match def.measure {
        Measure::Flag(_) => {
            c.yes = Some(yes);
            c.no = Some(no);
            c.numerator = yes as f64;
            c.denominator = (yes + no) as f64;
            c.lower_bound_pct = (n > 0.0).then(|| 100.0 * yes as f64 / n);
            c.upper_bound_pct = (n > 0.0).then(|| 100.0 * (yes + c.unknown) as f64 / n);
        }
        Measure::MeanPct(_) => {
            c.numerator = sum;
            c.denominator = yes as f64;
            c.lower_bound_pct = (n > 0.0).then(|| sum / n);
            c.upper_bound_pct = (n > 0.0).then(|| (sum + 100.0 * c.unknown as f64) / n);
        }
    }
    c.value_pct = (c.denominator > 0.0).then(|| {
        let v = c.numerator / c.denominator;
        match def.measure {
            Measure::Flag(_) => 100.0 * v,
            Measure::MeanPct(_) => v,
        }
    });
    c
}

fn progress(targets: &[Target], value: Option<f64>) -> Vec<TargetProgress> {
    targets
        .iter()
        .map(|t| TargetProgress {
            year: t.year,
            target_pct: t.pct,
            gap_pct: value.map(|v| t.pct - v),
            met: value.map(|v| v >= t.pct),
        })
        .collect()
}

/// Whether a source text admits the figures are not real reported ones.
fn is_illustrative(source: &str) -> bool {
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

/// The institutions of each area of `scheme`/`level` (`None`: without a code there).
pub(super) fn area_groups(
    institutions: &[Institution],
    scheme: Scheme,
    level: AdminLevel,
) -> BTreeMap<Option<String>, Vec<&Institution>> {
    let mut groups: BTreeMap<Option<String>, Vec<&Institution>> = BTreeMap::new();
    for i in institutions {
        groups
            .entry(area_code_of(i, scheme, level).map(str::to_owned))
            .or_default()
            .push(i);
    }
    groups
}

/// Every indicator from each institution's own readiness fields, for the province and
/// broken down by the areas of `scheme`/`level`.
pub fn compute(index: &ServingIndex, scheme: Scheme, level: AdminLevel) -> IndicatorsReport {
    compute_with(index, scheme, level, |i| Some(&i.readiness))
}

/// Every indicator from the figures `figures` gives each institution (`None`: it has
/// none, so it is unknown for every indicator and its source is not counted).
pub fn compute_with<'a, F>(
    index: &'a ServingIndex,
    scheme: Scheme,
    level: AdminLevel,
    figures: F,
) -> IndicatorsReport
where
    F: Fn(&'a Institution) -> Option<&'a Readiness>,
{
    let institutions = index.institutions();
    let groups = area_groups(institutions, scheme, level);
    let indicators = DEFINITIONS
        .iter()
        .map(|def| {
            let counts = count(def, institutions.iter(), &figures);
            let scope_unknown = institutions
                .iter()
                .filter(|i| def.scope.contains(i, figures(i)).is_none())
                .count();
            let breakdown = groups
                .iter()
                .map(|(code, members)| AreaCounts {
                    name: code
                        .as_ref()
                        .and_then(|c| index.area(scheme, c))
                        .map(|a| a.name.clone()),
                    code: code.clone(),
                    counts: count(def, members.iter().copied(), &figures),
                    over_reviewed: None,
                    reporting: None,
                })
                .filter(|a| a.counts.in_scope > 0)
                .collect();
            IndicatorResult {
                id: def.id,
                title_vi: def.title_vi,
                title_en: def.title_en,
                plan_section: def.plan_section,
                plan_text: def.plan_text,
                method_en: def.method_en,
                method_vi: def.method_vi,
                numerator_definition: def.numerator,
                denominator_definition: def.denominator,
                targets: progress(def.targets, counts.value_pct),
                counts,
                scope_unknown,
                over_reviewed: None,
                reporting: None,
                breakdown,
            }
        })
        .collect();
    let mut by_source: BTreeMap<Option<String>, usize> = BTreeMap::new();
    for r in institutions.iter().filter_map(&figures) {
        *by_source
            .entry(r.source.as_deref().map(str::to_owned))
            .or_default() += 1;
    }
    let readiness_sources: Vec<SourceCount> = by_source
        .into_iter()
        .map(|(source, institutions)| SourceCount {
            illustrative: source.as_deref().is_some_and(is_illustrative),
            source,
            institutions,
        })
        .collect();
    let mut data_caveats = Vec::new();
    for s in &readiness_sources {
        match &s.source {
            Some(text) if s.illustrative => data_caveats.push(format!(
                "The readiness values of {} institution(s) are illustrative, not reported figures (source: \"{text}\"): do not cite these indicators as facts",
                s.institutions
            )),
            Some(_) => {}
            None => data_caveats.push(format!(
                "{} institution(s) give no source for their readiness values",
                s.institutions
            )),
        }
    }
    data_caveats.push(
        "Unknown answers are counted apart, never as \"no\": value_pct is over the known answers; lower_bound_pct and upper_bound_pct give the value over the whole scope if every unknown were \"no\" or \"yes\"".into(),
    );
    IndicatorsReport {
        period: None,
        data_version: index.version().to_owned(),
        computed_at: Utc::now(),
        scheme,
        area_level: level,
        institutions: institutions.len(),
        indicators,
        readiness_sources,
        data_caveats,
    }
}

#[cfg(test)]
mod tests;

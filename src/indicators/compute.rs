//! Computing the indicators: per province and per area, unknown answers counted apart
//! (never as "no"), and the data's caveats in both languages ([`super::caveats`]).
//!
//! Which figures count is the caller's choice ([`compute_with`]): each institution's own
//! readiness fields ([`compute`]), or what it reported for a period
//! ([`super::period`]); an institution without figures is unknown for every indicator
//! counted over institutions. [`Inputs`] brings the rest: what the service holds about
//! institutions (target d4) and the province's own reports.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::caveats;
use super::definitions::{
    Basis, DEFINITIONS, Definition, Measure, TARGETS, Target, Unit, plan_target,
};
use super::holdings::Holdings;
use super::period::{PeriodSummary, Reporting};
use super::province::{ProvinceReport, PublishedReport};
use crate::coverage::area_code_of;
use crate::index::{Institutions, ServingIndex};
use crate::model::{AdminLevel, Caveat, Institution, Readiness, Scheme};

/// Counts behind one value. For yes/no indicators `yes`, `no` and `unknown` count
/// institutions, the numerator is `yes` and the denominator `yes + no`; for mean
/// percentages the numerator is the sum of reported percentages and the denominator the
/// number reporting; for a province report they are the department's counts (or its
/// percentage over 100) and `in_scope` is 0. `lower_bound_pct`/`upper_bound_pct` are what
/// the value would be over the whole scope if every unknown were "no"/"yes" (0%/100%).
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
    /// The Plan's target it measures (`a1` … `d6`).
    pub target: &'static str,
    /// Where its figures come from: `institutions`, `service` or `province`.
    pub basis: &'static str,
    /// For a province-reported indicator: `percent` or `milestone`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<Unit>,
    pub title_vi: &'static str,
    pub title_en: &'static str,
    pub plan_section: &'static str,
    pub plan_text: &'static str,
    pub plan_text_en: &'static str,
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
    /// For a province-reported indicator: the report its value comes from (`null`: none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub province_report: Option<Option<PublishedReport>>,
    /// For a period: the counts over reviewed reports only (`counts` are over all).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub over_reviewed: Option<Counts>,
    /// For a period: how many of the institutions concerned reported (for a province
    /// indicator: the department, one).
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

/// One of the Plan's twelve targets and the indicators that measure it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScorecardTarget {
    pub code: &'static str,
    pub plan_section: &'static str,
    pub text_vi: &'static str,
    pub text_en: &'static str,
    pub indicators: Vec<&'static str>,
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
    /// The Plan's twelve targets, each with the ids of its indicators.
    pub scorecard: Vec<ScorecardTarget>,
    pub indicators: Vec<IndicatorResult>,
    pub readiness_sources: Vec<SourceCount>,
    pub data_caveats: Vec<Caveat>,
}

/// What the indicators read besides institutions' readiness figures.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    pub holdings: &'a Holdings,
    /// The province's reports to show: of the period asked for, or each indicator's
    /// latest ([`super::province::latest`]).
    pub province: &'a [ProvinceReport],
}

/// One institution's answer to an indicator counted over institutions.
enum Answer {
    Flag(Option<bool>),
    Pct(Option<f64>),
}

/// The institution's answer, or `None` when it is not (known to be) in the scope.
fn answer(
    def: &Definition,
    i: &Institution,
    figures: Option<&Readiness>,
    held: &Holdings,
) -> Option<Answer> {
    match def.basis {
        Basis::Institutions { scope, measure } => {
            if scope.contains(i, figures) != Some(true) {
                return None;
            }
            Some(match measure {
                Measure::Flag(f) => Answer::Flag(figures.and_then(f)),
                Measure::MeanPct(f) => Answer::Pct(figures.and_then(f)),
            })
        }
        Basis::Service(f) => Some(Answer::Flag(Some(f(i, held)))),
        Basis::Province(_) => None,
    }
}

/// Counts one indicator over a set of institutions, each with the figures `figures` gives
/// it (`None`: it has none, and is unknown). A province-reported indicator counts no
/// institution ([`province_counts`]).
pub fn count<'a, F>(
    def: &Definition,
    institutions: impl Iterator<Item = &'a Institution>,
    figures: &F,
    held: &Holdings,
) -> Counts
where
    F: Fn(&'a Institution) -> Option<&'a Readiness>,
{
    let mut c = Counts::default();
    let mean = matches!(
        def.basis,
        Basis::Institutions {
            measure: Measure::MeanPct(_),
            ..
        }
    );
    let (mut yes, mut no, mut sum) = (0usize, 0usize, 0.0);
    for i in institutions {
        let Some(a) = answer(def, i, figures(i), held) else {
            continue;
        };
        c.in_scope += 1;
        match a {
            Answer::Flag(Some(true)) => yes += 1,
            Answer::Flag(Some(false)) => no += 1,
            Answer::Pct(Some(p)) => {
                yes += 1;
                sum += p;
            }
            Answer::Flag(None) | Answer::Pct(None) => c.unknown += 1,
        }
    }
    let n = c.in_scope as f64;
    if mean {
        c.numerator = sum;
        c.denominator = yes as f64;
        c.lower_bound_pct = (n > 0.0).then(|| sum / n);
        c.upper_bound_pct = (n > 0.0).then(|| (sum + 100.0 * c.unknown as f64) / n);
        c.value_pct = (yes > 0).then(|| sum / yes as f64);
    } else {
        c.yes = Some(yes);
        c.no = Some(no);
        c.numerator = yes as f64;
        c.denominator = (yes + no) as f64;
        c.lower_bound_pct = (n > 0.0).then(|| 100.0 * yes as f64 / n);
        c.upper_bound_pct = (n > 0.0).then(|| 100.0 * (yes + c.unknown) as f64 / n);
        c.value_pct = (yes + no > 0).then(|| 100.0 * yes as f64 / (yes + no) as f64);
    }
    c
}

/// The counts of a province report: its value, and its counts when the department gave
/// them (else the percentage over 100). Without a report everything is unknown.
pub fn province_counts(report: Option<&ProvinceReport>) -> Counts {
    let Some(r) = report else {
        return Counts::default();
    };
    let f = &r.figure;
    Counts {
        numerator: f.numerator.unwrap_or(f.value_pct),
        denominator: f.denominator.unwrap_or(100.0),
        value_pct: Some(f.value_pct),
        lower_bound_pct: Some(f.value_pct),
        upper_bound_pct: Some(f.value_pct),
        ..Counts::default()
    }
}

pub(super) fn progress(targets: &[Target], value: Option<f64>) -> Vec<TargetProgress> {
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

/// The institutions of each area of `scheme`/`level` (`None`: without a code there).
pub(super) fn area_groups(
    institutions: &Institutions,
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

fn scorecard() -> Vec<ScorecardTarget> {
    TARGETS
        .iter()
        .map(|t| ScorecardTarget {
            code: t.code,
            plan_section: t.plan_section,
            text_vi: t.text_vi,
            text_en: t.text_en,
            indicators: DEFINITIONS
                .iter()
                .filter(|d| d.target == t.code)
                .map(|d| d.id)
                .collect(),
        })
        .collect()
}

/// Every indicator from each institution's own readiness fields, for the province and
/// broken down by the areas of `scheme`/`level`.
pub fn compute(
    index: &ServingIndex,
    scheme: Scheme,
    level: AdminLevel,
    inputs: Inputs<'_>,
) -> IndicatorsReport {
    compute_with(index, scheme, level, inputs, |i| Some(&i.readiness))
}

/// Every indicator from the figures `figures` gives each institution (`None`: it has
/// none, so it is unknown for every indicator counted over institutions and its source
/// is not counted).
pub fn compute_with<'a, F>(
    index: &'a ServingIndex,
    scheme: Scheme,
    level: AdminLevel,
    inputs: Inputs<'_>,
    figures: F,
) -> IndicatorsReport
where
    F: Fn(&'a Institution) -> Option<&'a Readiness>,
{
    let institutions = index.institutions();
    let groups = area_groups(institutions, scheme, level);
    let held = inputs.holdings;
    let latest = super::province::latest(inputs.province);
    let indicators = DEFINITIONS
        .iter()
        .map(|def| {
            let report = latest.get(def.id).copied();
            let counts = match def.basis {
                Basis::Province(_) => province_counts(report),
                _ => count(def, institutions.iter(), &figures, held),
            };
            let scope_unknown = match def.basis {
                Basis::Institutions { scope, .. } => institutions
                    .iter()
                    .filter(|i| scope.contains(i, figures(i)).is_none())
                    .count(),
                _ => 0,
            };
            let breakdown = groups
                .iter()
                .map(|(code, members)| AreaCounts {
                    name: code
                        .as_ref()
                        .and_then(|c| index.area(scheme, c))
                        .map(|a| a.name.clone()),
                    code: code.clone(),
                    counts: count(def, members.iter().copied(), &figures, held),
                    over_reviewed: None,
                    reporting: None,
                })
                .filter(|a| a.counts.in_scope > 0)
                .collect();
            let plan = plan_target(def.target);
            IndicatorResult {
                id: def.id,
                target: def.target,
                basis: def.basis.name(),
                unit: match def.basis {
                    Basis::Province(unit) => Some(unit),
                    _ => None,
                },
                title_vi: def.title_vi,
                title_en: def.title_en,
                plan_section: plan.map_or("", |p| p.plan_section),
                plan_text: plan.map_or("", |p| p.text_vi),
                plan_text_en: plan.map_or("", |p| p.text_en),
                method_en: def.method_en,
                method_vi: def.method_vi,
                numerator_definition: def.numerator,
                denominator_definition: def.denominator,
                targets: progress(def.targets, counts.value_pct),
                counts,
                scope_unknown,
                province_report: matches!(def.basis, Basis::Province(_))
                    .then(|| report.map(PublishedReport::from)),
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
            illustrative: source.as_deref().is_some_and(caveats::is_illustrative),
            source,
            institutions,
        })
        .collect();
    let mut data_caveats = caveats::of_sources(&readiness_sources);
    data_caveats.extend(caveats::of_province(&latest, None));
    data_caveats.extend(caveats::of_holdings(held, index));
    data_caveats.push(caveats::unknowns());
    IndicatorsReport {
        period: None,
        data_version: index.version().to_owned(),
        computed_at: Utc::now(),
        scheme,
        area_level: level,
        institutions: institutions.len(),
        scorecard: scorecard(),
        indicators,
        readiness_sources,
        data_caveats,
    }
}

#[cfg(test)]
mod tests;

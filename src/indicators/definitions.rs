//! What each indicator measures: the Plan's target it belongs to ([`targets`], verbatim),
//! its own targets and years, and where its figures come from ([`Basis`]): institutions'
//! figures, what this service holds, or the province's own report. The list is
//! [`list::DEFINITIONS`], in the Plan's order.

mod list;
mod targets;

pub use list::DEFINITIONS;
pub use targets::TARGETS;

use serde::Serialize;

use super::holdings::Holdings;
use crate::model::{Institution, InstitutionKind, Readiness};

/// One of the Plan's twelve measurable targets (part II.2).
#[derive(Debug, Serialize)]
pub struct PlanTarget {
    /// `a1` … `d6`: the group's letter and the target's place in it.
    pub code: &'static str,
    pub plan_section: &'static str,
    /// The Plan's sentence, verbatim.
    pub text_vi: &'static str,
    /// Our rendering, not an official translation.
    pub text_en: &'static str,
}

#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct Target {
    /// `None` when the Plan states the target without a year.
    pub year: Option<u16>,
    pub pct: f64,
}

/// Which institutions an indicator is about (its denominator).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Colleges and GDNN-GDTX centres.
    CollegesAndCentres,
    Colleges,
    AllInstitutions,
    /// Institutions recorded as high-quality schools.
    HighQualitySchools,
}

impl Scope {
    /// `Some(true)`: in scope; `Some(false)`: not; `None`: unknown (high-quality status
    /// not recorded). `figures` are the institution's readiness figures as counted (its
    /// own, or those it reported for a period; `None`: it has none).
    pub fn contains(self, i: &Institution, figures: Option<&Readiness>) -> Option<bool> {
        match self {
            Scope::CollegesAndCentres => Some(matches!(
                i.kind,
                InstitutionKind::College | InstitutionKind::GdnnGdtxCentre
            )),
            Scope::Colleges => Some(i.kind == InstitutionKind::College),
            Scope::AllInstitutions => Some(true),
            Scope::HighQualitySchools => figures?.high_quality_school,
        }
    }
}

/// How an institution counts towards the numerator.
#[derive(Debug, Clone, Copy)]
pub enum Measure {
    /// A yes/no/unknown per institution; the value is the share of "yes" among the known.
    Flag(fn(&Readiness) -> Option<bool>),
    /// A percentage per institution; the value is the mean of those reported.
    MeanPct(fn(&Readiness) -> Option<f64>),
}

/// What a province-reported figure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A share, 0 to 100, with the counts behind it when the department gives them.
    Percent,
    /// Done or not: 100 when achieved, 0 when not yet.
    Milestone,
}

/// Where an indicator's figures come from.
#[derive(Debug, Clone, Copy)]
pub enum Basis {
    /// Counted over institutions from their readiness figures (their records now, or what
    /// they reported for a period).
    Institutions { scope: Scope, measure: Measure },
    /// Counted over every institution on the map from what this service holds about it
    /// (its position, its credentials): yes or no, never unknown.
    Service(fn(&Institution, &Holdings) -> bool),
    /// One figure for the province, reported per period by the education department (the
    /// data belongs to the province, not to any institution).
    Province(Unit),
}

impl Basis {
    /// `institutions`, `service` or `province`, as JSON and files name it.
    pub fn name(&self) -> &'static str {
        match self {
            Basis::Institutions { .. } => "institutions",
            Basis::Service(_) => "service",
            Basis::Province(_) => "province",
        }
    }
}

pub struct Definition {
    pub id: &'static str,
    /// The code of the Plan's target it measures (a [`PlanTarget`]).
    pub target: &'static str,
    pub title_vi: &'static str,
    pub title_en: &'static str,
    /// How vetmap measures it.
    pub method_en: &'static str,
    pub method_vi: &'static str,
    pub numerator: &'static str,
    pub denominator: &'static str,
    pub basis: Basis,
    pub targets: &'static [Target],
}

impl Definition {
    pub fn plan_target(&self) -> &'static PlanTarget {
        // Every definition names a target: `every_definition_names_one_of_the_twelve_targets`.
        plan_target(self.target).unwrap_or(&TARGETS[0])
    }
}

pub fn definition(id: &str) -> Option<&'static Definition> {
    DEFINITIONS.iter().find(|d| d.id == id)
}

pub fn plan_target(code: &str) -> Option<&'static PlanTarget> {
    TARGETS.iter().find(|t| t.code == code)
}

/// The indicators the department reports, in the Plan's order.
pub fn province_reported() -> impl Iterator<Item = &'static Definition> {
    DEFINITIONS
        .iter()
        .filter(|d| matches!(d.basis, Basis::Province(_)))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_definition_names_one_of_the_twelve_targets_and_every_target_has_one() {
        assert_eq!(TARGETS.len(), 12);
        let codes: Vec<_> = TARGETS.iter().map(|t| t.code).collect();
        assert_eq!(
            codes,
            [
                "a1", "a2", "b1", "b2", "c1", "c2", "d1", "d2", "d3", "d4", "d5", "d6"
            ]
        );
        for d in DEFINITIONS {
            assert!(plan_target(d.target).is_some(), "{}: {}", d.id, d.target);
            assert!(!d.targets.is_empty(), "{} has no target value", d.id);
        }
        for t in TARGETS {
            assert!(
                DEFINITIONS.iter().any(|d| d.target == t.code),
                "no indicator measures {}",
                t.code
            );
        }
        let ids: HashSet<_> = DEFINITIONS.iter().map(|d| d.id).collect();
        assert_eq!(ids.len(), DEFINITIONS.len(), "ids are unique");
    }

    #[test]
    fn targets_are_in_the_plans_order_and_quote_its_figures() {
        let order: Vec<_> = DEFINITIONS.iter().map(|d| d.target).collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted);
        // Each target value an indicator states appears in its target's sentence (a
        // milestone's sentence has no percentage: "formed by 2025" reads as 100%).
        for d in DEFINITIONS {
            let text = d.plan_target().text_vi;
            for t in d.targets {
                let pct = format!("{}%", t.pct);
                assert!(
                    !text.contains('%') || text.contains(&pct),
                    "{}: {pct}",
                    d.id
                );
                if let Some(y) = t.year {
                    assert!(text.contains(&y.to_string()), "{}: {y}", d.id);
                }
            }
        }
    }
}

//! The figures the province reports itself, one per indicator and period, for the targets
//! whose data belongs to no institution ([`Basis::Province`]): what a submission may say
//! ([`ProvinceFigure::parse`]), a stored report with who reported and reviewed it
//! ([`ProvinceReport`]), and what the public indicators show of it
//! ([`PublishedReport`]: names, not logins).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use unicode_normalization::UnicodeNormalization;

use super::definitions::{Basis, Definition, Unit, definition};
use crate::model::report::{Period, ReportStatus};
use crate::model::{FieldError, RecordErrors};

const MAX_URL: usize = 1000;
const MAX_REF: usize = 300;
const MAX_NOTE: usize = 1000;

/// A submission as sent; unknown fields are refused, so a misspelt one is an error.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    value_pct: Option<f64>,
    numerator: Option<f64>,
    denominator: Option<f64>,
    evidence_url: Option<String>,
    evidence_ref: Option<String>,
    note: Option<String>,
}

/// One figure for the province, valid: a share from 0 to 100 (for a milestone 0 or 100),
/// the counts behind it agreeing with it, and evidence (a link, a document reference, or
/// both).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ProvinceFigure {
    pub value_pct: f64,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub evidence_url: Option<String>,
    pub evidence_ref: Option<String>,
    pub note: Option<String>,
}

/// Trimmed NFC text, `None` when empty; an error past `max` characters.
fn text(errors: &mut RecordErrors, field: &str, v: Option<String>, max: usize) -> Option<String> {
    let t: String = v?.trim().nfc().collect();
    if t.is_empty() {
        return None;
    }
    if t.chars().count() > max {
        errors.push(field, format!("is at most {max} characters"));
        return None;
    }
    Some(t)
}

impl ProvinceFigure {
    /// The fields a submission may carry, in the order the audit log lists them.
    pub const FIELDS: [&'static str; 6] = [
        "value_pct",
        "numerator",
        "denominator",
        "evidence_url",
        "evidence_ref",
        "note",
    ];

    /// Parses a request body for an indicator measured in `unit`. Errors of shape come
    /// alone, naming their field; the checks of values then report every problem.
    pub fn parse(body: Value, unit: Unit) -> Result<Self, RecordErrors> {
        if !body.is_object() {
            return Err(RecordErrors(vec![FieldError::new(
                "body",
                "must be a JSON object: value_pct (or numerator and denominator) and evidence_url or evidence_ref",
            )]));
        }
        let raw: Body = serde_path_to_error::deserialize(body).map_err(|e| {
            let field = match e.path().to_string() {
                p if p == "." => "body".to_owned(),
                p => p,
            };
            RecordErrors(vec![FieldError::new(field, e.into_inner().to_string())])
        })?;
        let mut errors = RecordErrors::default();
        let value = match (unit, raw.numerator, raw.denominator) {
            (Unit::Milestone, None, None) => match raw.value_pct {
                Some(v) if v == 0.0 || v == 100.0 => Some(v),
                Some(v) => {
                    errors.push(
                        "value_pct",
                        format!("a milestone is 100 (achieved) or 0 (not yet), got {v}"),
                    );
                    None
                }
                None => {
                    errors.push("value_pct", "is required: 100 (achieved) or 0 (not yet)");
                    None
                }
            },
            (Unit::Milestone, _, _) => {
                errors.push(
                    "numerator",
                    "a milestone has no counts: send value_pct 100 (achieved) or 0 (not yet)",
                );
                None
            }
            (Unit::Percent, Some(n), Some(d)) => {
                if !(d > 0.0 && d.is_finite()) {
                    errors.push("denominator", format!("must be more than 0, got {d}"));
                    None
                } else if !(0.0..=d).contains(&n) {
                    errors.push(
                        "numerator",
                        format!("must be from 0 to the denominator ({d}), got {n}"),
                    );
                    None
                } else {
                    let computed = 100.0 * n / d;
                    match raw.value_pct {
                        Some(v) if (v - computed).abs() >= 0.05 => {
                            errors.push(
                                "value_pct",
                                format!(
                                    "does not agree with numerator/denominator ({computed:.2}%): send either, or both agreeing"
                                ),
                            );
                            None
                        }
                        _ => Some(computed),
                    }
                }
            }
            (Unit::Percent, Some(_), None) => {
                errors.push("denominator", "is required with numerator");
                None
            }
            (Unit::Percent, None, Some(_)) => {
                errors.push("numerator", "is required with denominator");
                None
            }
            (Unit::Percent, None, None) => match raw.value_pct {
                Some(v) if (0.0..=100.0).contains(&v) => Some(v),
                Some(v) => {
                    errors.push(
                        "value_pct",
                        format!("must be a percentage from 0 to 100, got {v}"),
                    );
                    None
                }
                None => {
                    errors.push(
                        "value_pct",
                        "is required (or numerator and denominator, from which it is computed)",
                    );
                    None
                }
            },
        };
        let evidence_url = text(&mut errors, "evidence_url", raw.evidence_url, MAX_URL);
        if let Some(u) = &evidence_url {
            let ok = url::Url::parse(u)
                .is_ok_and(|p| matches!(p.scheme(), "http" | "https") && p.has_host())
                && !u.chars().any(char::is_whitespace);
            if !ok {
                errors.push(
                    "evidence_url",
                    "must be an http or https link to the evidence",
                );
            }
        }
        let evidence_ref = text(&mut errors, "evidence_ref", raw.evidence_ref, MAX_REF);
        let named = errors.0.iter().any(|e| e.field.starts_with("evidence"));
        if evidence_url.is_none() && evidence_ref.is_none() && !named {
            errors.push(
                "evidence_ref",
                "evidence is required: a link (evidence_url) or a document reference (evidence_ref, such as \"Báo cáo số 12/BC-SGDĐT ngày 15/12/2025\")",
            );
        }
        let note = text(&mut errors, "note", raw.note, MAX_NOTE);
        match value {
            Some(value_pct) if errors.is_empty() => Ok(Self {
                value_pct,
                numerator: raw.numerator.filter(|_| unit == Unit::Percent),
                denominator: raw.denominator.filter(|_| unit == Unit::Percent),
                evidence_url,
                evidence_ref,
                note,
            }),
            _ => Err(errors),
        }
    }

    /// Each field's value as JSON, in [`Self::FIELDS`] order.
    pub fn values(&self) -> [(&'static str, Value); 6] {
        let s = |v: &Option<String>| v.as_deref().map_or(Value::Null, Value::from);
        let n = |v: Option<f64>| v.map_or(Value::Null, Value::from);
        [
            (Self::FIELDS[0], Value::from(self.value_pct)),
            (Self::FIELDS[1], n(self.numerator)),
            (Self::FIELDS[2], n(self.denominator)),
            (Self::FIELDS[3], s(&self.evidence_url)),
            (Self::FIELDS[4], s(&self.evidence_ref)),
            (Self::FIELDS[5], s(&self.note)),
        ]
    }
}

/// A province report as stored.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ProvinceReport {
    pub indicator: String,
    pub period: Period,
    #[serde(flatten)]
    pub figure: ProvinceFigure,
    /// The reporting account's login and display name.
    pub reported_by: String,
    pub reported_by_name: String,
    pub reported_at: DateTime<Utc>,
    pub reviewed_by: Option<String>,
    pub reviewed_by_name: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
}

impl ProvinceReport {
    pub fn status(&self) -> ReportStatus {
        if self.reviewed_at.is_some() {
            ReportStatus::Reviewed
        } else {
            ReportStatus::Reported
        }
    }

    /// Names this submission (a resubmission gets a new one), for `If-Match` on review.
    pub fn version(&self) -> i64 {
        self.reported_at.timestamp_micros()
    }
}

/// What the public indicators show of a province report: the figure, its evidence and
/// who stands behind it by name (logins stay with the officials' API).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PublishedReport {
    pub period: Period,
    pub status: ReportStatus,
    #[serde(flatten)]
    pub figure: ProvinceFigure,
    pub reported_by: String,
    pub reported_at: DateTime<Utc>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
}

impl From<&ProvinceReport> for PublishedReport {
    fn from(r: &ProvinceReport) -> Self {
        Self {
            period: r.period,
            status: r.status(),
            figure: r.figure.clone(),
            reported_by: r.reported_by_name.clone(),
            reported_at: r.reported_at,
            reviewed_by: r.reviewed_by_name.clone(),
            reviewed_at: r.reviewed_at,
        }
    }
}

/// The unit of a province-reported indicator, or `None` for any other id.
pub fn unit_of(indicator: &str) -> Option<(&'static Definition, Unit)> {
    let d = definition(indicator)?;
    match d.basis {
        Basis::Province(unit) => Some((d, unit)),
        _ => None,
    }
}

/// Each indicator's report of its latest period among `reports`: what the indicators
/// show when no period is asked for.
pub fn latest(reports: &[ProvinceReport]) -> HashMap<&str, &ProvinceReport> {
    let mut by: HashMap<&str, &ProvinceReport> = HashMap::new();
    for r in reports {
        let e = by.entry(r.indicator.as_str()).or_insert(r);
        if r.period > e.period {
            *e = r;
        }
    }
    by
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn fields(e: RecordErrors) -> Vec<String> {
        e.0.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn counts_give_the_value_and_a_value_that_disagrees_is_refused() {
        let f = ProvinceFigure::parse(
            json!({"numerator": 30, "denominator": 120, "evidence_ref": " Báo cáo số 5/BC-SGDĐT "}),
            Unit::Percent,
        )
        .unwrap();
        assert_eq!(f.value_pct, 25.0);
        assert_eq!(f.evidence_ref.as_deref(), Some("Báo cáo số 5/BC-SGDĐT"));
        let agreeing = json!({"value_pct": 25.0, "numerator": 30, "denominator": 120,
            "evidence_url": "https://so.travinh.gov.vn/bc/5.pdf"});
        assert!(ProvinceFigure::parse(agreeing, Unit::Percent).is_ok());
        let e = ProvinceFigure::parse(
            json!({"value_pct": 40, "numerator": 30, "denominator": 120, "evidence_ref": "x"}),
            Unit::Percent,
        )
        .unwrap_err();
        assert_eq!(fields(e), ["value_pct"]);
    }

    #[test]
    fn every_bad_value_and_missing_evidence_is_named_by_its_field() {
        let bad = |body: Value, unit| fields(ProvinceFigure::parse(body, unit).unwrap_err());
        assert_eq!(
            bad(
                json!({"value_pct": 101, "evidence_ref": "x"}),
                Unit::Percent
            ),
            ["value_pct"]
        );
        assert_eq!(
            bad(json!({"value_pct": 50}), Unit::Percent),
            ["evidence_ref"]
        );
        assert_eq!(
            bad(
                json!({"value_pct": 50, "evidence_url": "javascript:alert(1)"}),
                Unit::Percent
            ),
            ["evidence_url"]
        );
        assert_eq!(
            bad(json!({"numerator": 3, "evidence_ref": "x"}), Unit::Percent),
            ["denominator"]
        );
        assert_eq!(
            bad(
                json!({"numerator": 5, "denominator": 4, "evidence_ref": "x"}),
                Unit::Percent
            ),
            ["numerator"]
        );
        assert_eq!(
            bad(json!({"value": 50, "evidence_ref": "x"}), Unit::Percent),
            ["value"]
        );
        assert_eq!(bad(json!("50%"), Unit::Percent), ["body"]);
        assert_eq!(
            bad(
                json!({"value_pct": 50, "evidence_ref": "x".repeat(301)}),
                Unit::Percent
            ),
            ["evidence_ref"]
        );
    }

    #[test]
    fn a_milestone_is_done_or_not_yet() {
        let ok = ProvinceFigure::parse(
            json!({"value_pct": 100, "evidence_ref": "Công văn 1/BGDĐT"}),
            Unit::Milestone,
        )
        .unwrap();
        assert_eq!(ok.value_pct, 100.0);
        let e = ProvinceFigure::parse(
            json!({"value_pct": 60, "evidence_ref": "x"}),
            Unit::Milestone,
        )
        .unwrap_err();
        assert!(e.0[0].message.contains("achieved"), "{e}");
        let e = ProvinceFigure::parse(
            json!({"numerator": 1, "denominator": 1, "evidence_ref": "x"}),
            Unit::Milestone,
        )
        .unwrap_err();
        assert_eq!(fields(e), ["numerator"]);
    }

    #[test]
    fn only_province_reported_indicators_take_reports() {
        assert_eq!(
            unit_of("national_platform_formed").map(|(_, u)| u),
            Some(Unit::Milestone)
        );
        assert_eq!(
            unit_of("inspections_digital").map(|(_, u)| u),
            Some(Unit::Percent)
        );
        assert!(unit_of("digital_platform_connection").is_none());
        assert!(unit_of("nonsense").is_none());
    }
}

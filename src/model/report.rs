//! The Plan's figures as an institution reports them for a period (a year), and what the
//! province makes of them: the seven readiness figures of [`Readiness`] with the source
//! they come from, submitted by the institution and reviewed by the province.

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use strum::{Display, EnumString, IntoStaticStr};
use unicode_normalization::UnicodeNormalization;

use super::{FieldError, InstitutionId, Readiness, RecordErrors, Vocabulary};

/// A reporting period: a calendar year from 2000 to 2100, at most one year ahead of today
/// (a plan for next year may be filed early; figures for later years cannot be known).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct Period(i32);

impl Period {
    pub const FIRST: i32 = 2000;
    pub const LAST: i32 = 2100;

    /// `text` as a year, checked against `today`; errors are about `field`.
    pub fn parse(field: &str, text: &str, today: NaiveDate) -> Result<Self, FieldError> {
        let year: i32 = text.trim().parse().map_err(|_| {
            FieldError::new(field, format!("must be a year such as 2025, got {text:?}"))
        })?;
        let latest = (today.year() + 1).min(Self::LAST);
        if !(Self::FIRST..=latest).contains(&year) {
            return Err(FieldError::new(
                field,
                format!(
                    "must be a year from {} to {latest} (not more than one year ahead), got {year}",
                    Self::FIRST
                ),
            ));
        }
        Ok(Self(year))
    }

    /// A period the database holds (its constraint keeps it within 2000–2100).
    pub fn stored(year: i32) -> Self {
        Self(year)
    }

    pub fn year(self) -> i32 {
        self.0
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The body of a submission, as sent: every figure may be absent or `null` (unknown),
/// `source` is required. Unknown fields are refused, so a misspelt figure is an error
/// rather than a silent "unknown".
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanReportBody {
    digital_infrastructure: Option<bool>,
    connected_national_platform: Option<bool>,
    digitised_learning_records: Option<bool>,
    digitised_diplomas: Option<bool>,
    teachers_digital_trained_pct: Option<f64>,
    high_quality_school: Option<bool>,
    digital_school: Option<bool>,
    source: Option<String>,
}

/// The longest source text kept: a sentence naming a document, not the document.
const MAX_SOURCE_CHARS: usize = 500;

/// One institution's figures for one period, valid: the percentage is within 0–100 and
/// the source says where the figures come from. `None` is unknown, never "no".
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PlanReport {
    pub digital_infrastructure: Option<bool>,
    pub connected_national_platform: Option<bool>,
    pub digitised_learning_records: Option<bool>,
    pub digitised_diplomas: Option<bool>,
    pub teachers_digital_trained_pct: Option<f64>,
    pub high_quality_school: Option<bool>,
    pub digital_school: Option<bool>,
    pub source: String,
}

impl PlanReport {
    /// The field names of a submission, in the order the audit log and CSV list them.
    pub const FIELDS: [&'static str; 8] = [
        "digital_infrastructure",
        "connected_national_platform",
        "digitised_learning_records",
        "digitised_diplomas",
        "teachers_digital_trained_pct",
        "high_quality_school",
        "digital_school",
        "source",
    ];

    /// Parses a request body. The first error of shape (not an object, an unknown field,
    /// a figure of the wrong type) is reported alone, naming its field; the checks of
    /// the values then report every problem at once.
    pub fn parse(body: Value) -> Result<Self, RecordErrors> {
        if !body.is_object() {
            return Err(RecordErrors(vec![FieldError::new(
                "body",
                "must be a JSON object of the figures and their source",
            )]));
        }
        let raw: PlanReportBody = serde_path_to_error::deserialize(body).map_err(|e| {
            let field = match e.path().to_string() {
                p if p == "." => "body".to_owned(),
                p => p,
            };
            RecordErrors(vec![FieldError::new(field, e.into_inner().to_string())])
        })?;
        let mut errors = RecordErrors::default();
        if let Some(p) = raw.teachers_digital_trained_pct
            && !(0.0..=100.0).contains(&p)
        {
            errors.push(
                "teachers_digital_trained_pct",
                format!("must be a percentage from 0 to 100, got {p}"),
            );
        }
        let source = raw.source.as_deref().map(str::trim).unwrap_or_default();
        if source.is_empty() {
            errors.push(
                "source",
                "is required: say where the figures come from (a document, a survey, a system)",
            );
        } else if source.chars().count() > MAX_SOURCE_CHARS {
            errors.push(
                "source",
                format!("is at most {MAX_SOURCE_CHARS} characters"),
            );
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            digital_infrastructure: raw.digital_infrastructure,
            connected_national_platform: raw.connected_national_platform,
            digitised_learning_records: raw.digitised_learning_records,
            digitised_diplomas: raw.digitised_diplomas,
            teachers_digital_trained_pct: raw.teachers_digital_trained_pct,
            high_quality_school: raw.high_quality_school,
            digital_school: raw.digital_school,
            // Stored text is NFC, as everywhere else (see `Record::opt_str`).
            source: source.nfc().collect(),
        })
    }

    /// The figures as the indicators read them.
    pub fn readiness(&self) -> Readiness {
        Readiness {
            digital_infrastructure: self.digital_infrastructure,
            connected_national_platform: self.connected_national_platform,
            digitised_learning_records: self.digitised_learning_records,
            digitised_diplomas: self.digitised_diplomas,
            teachers_digital_trained_pct: self.teachers_digital_trained_pct,
            high_quality_school: self.high_quality_school,
            digital_school: self.digital_school,
            source: Some(crate::model::SharedText::from(self.source.as_str())),
        }
    }

    /// Each field's value as JSON, in [`Self::FIELDS`] order.
    pub fn values(&self) -> [(&'static str, Value); 8] {
        let b = |v: Option<bool>| v.map_or(Value::Null, Value::Bool);
        [
            (Self::FIELDS[0], b(self.digital_infrastructure)),
            (Self::FIELDS[1], b(self.connected_national_platform)),
            (Self::FIELDS[2], b(self.digitised_learning_records)),
            (Self::FIELDS[3], b(self.digitised_diplomas)),
            (
                Self::FIELDS[4],
                self.teachers_digital_trained_pct
                    .map_or(Value::Null, Value::from),
            ),
            (Self::FIELDS[5], b(self.high_quality_school)),
            (Self::FIELDS[6], b(self.digital_school)),
            (Self::FIELDS[7], Value::String(self.source.clone())),
        ]
    }
}

/// Where an institution's report for a period stands.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    Display,
    EnumString,
    IntoStaticStr,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum ReportStatus {
    /// Nothing submitted for the period.
    Missing,
    /// Submitted, not (or no longer) reviewed.
    Reported,
    /// Submitted and marked reviewed by the province.
    Reviewed,
}

impl Vocabulary for ReportStatus {
    const ALLOWED: &'static str = "missing reported reviewed";
}

impl ReportStatus {
    pub fn as_str(&self) -> &'static str {
        self.into()
    }
}

/// A report as stored: the figures, who submitted them and when, and the review.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Report {
    pub institution_id: InstitutionId,
    pub period: Period,
    #[serde(flatten)]
    pub figures: PlanReport,
    /// The submitting account's login.
    pub reported_by: String,
    pub reported_at: DateTime<Utc>,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
}

impl Report {
    pub fn status(&self) -> ReportStatus {
        if self.reviewed_at.is_some() {
            ReportStatus::Reviewed
        } else {
            ReportStatus::Reported
        }
    }

    /// Names this submission: a resubmission gets a new one, so a reviewer can make sure
    /// the figures they approve are the ones they read (`If-Match`).
    pub fn version(&self) -> i64 {
        self.reported_at.timestamp_micros()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, 1).unwrap()
    }

    fn fields(e: RecordErrors) -> Vec<String> {
        e.0.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_full_report_parses_and_reads_as_readiness() {
        let r = PlanReport::parse(json!({
            "digital_infrastructure": true, "connected_national_platform": null,
            "teachers_digital_trained_pct": 42.5, "source": "  Báo cáo số 12/BC-TT  "
        }))
        .unwrap();
        assert_eq!(r.digital_infrastructure, Some(true));
        assert_eq!(r.connected_national_platform, None);
        assert_eq!(r.digitised_diplomas, None);
        assert_eq!(r.source, "Báo cáo số 12/BC-TT");
        let readiness = r.readiness();
        assert_eq!(readiness.teachers_digital_trained_pct, Some(42.5));
        assert_eq!(readiness.source.as_deref(), Some("Báo cáo số 12/BC-TT"));
    }

    #[test]
    fn every_bad_value_is_named_by_its_field() {
        let e = PlanReport::parse(json!({"teachers_digital_trained_pct": 120, "source": " "}))
            .unwrap_err();
        assert_eq!(fields(e), ["teachers_digital_trained_pct", "source"]);
        let e =
            PlanReport::parse(json!({"digital_infrastrucure": true, "source": "x"})).unwrap_err();
        assert_eq!(fields(e.clone()), ["digital_infrastrucure"]);
        assert!(e.0[0].message.contains("unknown field"), "{e}");
        let e = PlanReport::parse(json!({"digital_school": "yes", "source": "x"})).unwrap_err();
        assert_eq!(fields(e), ["digital_school"]);
        let e = PlanReport::parse(json!({"digital_school": true})).unwrap_err();
        assert_eq!(fields(e), ["source"]);
        let e = PlanReport::parse(json!([true])).unwrap_err();
        assert_eq!(fields(e), ["body"]);
        let e = PlanReport::parse(json!({"source": "x".repeat(501)})).unwrap_err();
        assert_eq!(fields(e), ["source"]);
    }

    #[test]
    fn periods_run_from_2000_to_next_year() {
        assert_eq!(
            Period::parse("period", "2025", today()).unwrap().year(),
            2025
        );
        assert_eq!(
            Period::parse("period", "2027", today()).unwrap().year(),
            2027
        );
        for bad in ["2028", "1999", "20x5", "", "2025.0"] {
            let e = Period::parse("period", bad, today()).unwrap_err();
            assert_eq!(e.field, "period", "{bad}");
        }
        let late = NaiveDate::from_ymd_opt(2100, 6, 1).unwrap();
        assert!(Period::parse("period", "2101", late).is_err());
    }
}
